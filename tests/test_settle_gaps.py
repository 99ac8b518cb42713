"""Rare paths after a guarded write (simulator over HTTP): put-back, repair, read-back and compensating delete."""

import pandas as pd
import pytest

import xmpaudit.write.apply as apply_module
import xmpaudit.write.settle as settle_module
from tests.conftest import DEMO_ROOT, fixable
from tests.test_sync_outcomes import backups_in_repo
from tests.test_sync_step_failures import lossy, with_tags
from xmpaudit.core.acs import SyncArguments
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.plan import metadata_path, plan_sync
from xmpaudit.write.sling_params import BACKUP_PREFIX, backup_path
from xmpaudit.write.undo import plan_undo

pytestmark = pytest.mark.e2e


def one_folder(client, stale: int = 0, missing: int = 0) -> pd.DataFrame:
    """Fixable rows of the demo's fullest folder (one POST writes them): ``stale`` with an XMP node to replace,
    ``missing`` without one."""
    frame = fixable(client)
    folders = frame["path"].str.rsplit("/", n=1).str[0]
    frame = frame[folders == folders.value_counts().index[0]]
    by_status = frame.groupby("status", observed=True)
    picked = pd.concat([by_status.get_group("stale_xmp")[:stale], by_status.get_group("missing_xmp")[:missing]])
    assert len(picked) == stale + missing
    return picked


def events_of(journal, asset: str) -> list[dict]:
    return [r for r in journal.read() if r["asset"] == asset]


def remove_asset(simulator, asset: str) -> None:
    """Another session deletes ``asset``."""
    with simulator.repo.lock:
        simulator.repo.remove(asset)
        simulator.repo.changed()


def sync_with_a_failed_put_back(simulator, client, journal, stale: int):
    """Sync ``stale`` out-of-date nodes of one folder while another writer edits the first one in the window and
    every move putting their node back fails: the plan, that change and the result."""
    plan = plan_sync(client, one_folder(client, stale=stale), SyncArguments())
    victim = plan.changes[0]

    def other_writer() -> None:
        with simulator.repo.lock:
            simulator.repo.node(victim.node_path).set("xmpArraySize", 99)

    simulator.inject(kind="pass", method="POST", path_prefix=DEMO_ROOT, before=other_writer)
    simulator.inject(status=500, times=5, method="POST", path_prefix=f"{metadata_path(victim.asset)}/{BACKUP_PREFIX}")
    return plan, victim, apply_plan(client, plan, journal, show_progress=False)


def test_a_failed_put_back_keeps_their_node_in_the_backup_reported_left(simulator, client, journal):
    plan, victim, result = sync_with_a_failed_put_back(simulator, client, journal, stale=3)
    rows = result.outcomes.set_index("asset")
    row, backup = rows.loc[victim.asset], backup_path(victim, result.run)
    assert row["outcome"] == "conflict" and str(row["verified"]) == "False" and not row["repaired"]
    assert row["reason"].startswith("another writer changed the XMP node between the check and the write; "
                                    "putting it back failed (")
    assert "HTTP 500" in row["reason"] and f"their node is kept at {backup}" in row["reason"]
    assert client.read_tree(backup)["xmpArraySize"] == 99  # their node: kept, not removed with the checked backups
    assert client.read_tree(victim.node_path) == victim.after  # ours is in place, as the reason says
    assert row["backup_left"] == backup and result.backups_left == [backup]  # reported as a left-over backup
    assert backups_in_repo(simulator, [c.asset for c in plan.changes]) == [backup]
    records = events_of(journal, victim.asset)
    assert [r["event"] for r in records] == ["intent", "applied", "conflict", "backup_left"]
    assert records[2]["theirs"]["xmpArraySize"] == 99 and row["reason"].startswith(records[2]["reason"])
    assert records[3]["backup"] == backup and records[3]["error"].startswith("kept: putting their node back failed (")
    assert not result.ok and result.not_done()["asset"].tolist() == [victim.asset]
    assert rows.drop(victim.asset)["verified"].sum() == 2


def test_undo_keeps_a_backup_that_holds_another_writers_node(simulator, client, journal):
    _, victim, synced = sync_with_a_failed_put_back(simulator, client, journal, stale=2)
    backup = backup_path(victim, synced.run)
    assert synced.backups_left == [backup]
    undone = apply_plan(client, plan_undo(client, journal, synced.run), journal, show_progress=False)
    assert client.read_tree(backup)["xmpArraySize"] == 99  # their node is not removed by undo
    assert undone.backups_left == [backup] and not undone.ok
    assert client.read_tree(victim.node_path) == victim.before  # our write is undone
    assert [r["event"] for r in journal.read() if r["run"] == undone.run and r.get("backup") == backup] == []


def test_a_failed_put_back_of_their_deletion_leaves_our_node_and_says_so(simulator, client, journal):
    plan = plan_sync(client, one_folder(client, stale=3), SyncArguments())
    victim = plan.changes[0]

    def other_writer() -> None:
        with simulator.repo.lock:
            simulator.repo.remove(victim.node_path)
            simulator.repo.changed()

    simulator.inject(kind="pass", method="POST", path_prefix=DEMO_ROOT, before=other_writer)
    simulator.inject(status=500, times=5, method="POST", path_prefix=metadata_path(victim.asset))
    result = apply_plan(client, plan, journal, show_progress=False)
    rows = result.outcomes.set_index("asset")
    row = rows.loc[victim.asset]
    assert row["outcome"] == "conflict" and str(row["verified"]) == "False"
    assert "putting it back failed (" in row["reason"] and "HTTP 500" in row["reason"]
    assert row["reason"].endswith("): their deletion could not be restored")
    assert client.read_tree(victim.node_path) == victim.after  # our node is still there: not said to be put back
    assert row["backup_left"] == "" and result.backups_left == []  # no backup: nothing was moved aside
    assert backups_in_repo(simulator, [c.asset for c in plan.changes]) == []
    records = events_of(journal, victim.asset)
    assert [r["event"] for r in records] == ["intent", "applied", "conflict"] and records[2]["theirs"] is None
    assert not result.ok and rows.drop(victim.asset)["verified"].sum() == 2


def test_a_repair_post_that_fails_is_a_mismatch_with_its_reason(simulator, client, journal, monkeypatch):
    plan = plan_sync(client, with_tags(client, 3), SyncArguments())
    victim = plan.changes[0]
    lossy(monkeypatch)
    real_import = settle_module.import_node

    def import_failing_for_the_victim(client, change):
        if change.asset == victim.asset:
            simulator.inject(status=500, times=5, method="POST", path_prefix=metadata_path(victim.asset))
        real_import(client, change)

    monkeypatch.setattr(settle_module, "import_node", import_failing_for_the_victim)
    result = apply_plan(client, plan, journal, show_progress=False)
    rows = result.outcomes.set_index("asset")
    row = rows.loc[victim.asset]
    assert row["outcome"] == "applied" and str(row["verified"]) == "False" and not row["repaired"]
    assert row["reason"].startswith("repair failed: ") and "HTTP 500" in row["reason"]
    assert client.read_tree(victim.node_path) != victim.after  # still as the lossy write left it
    others = rows.drop(victim.asset)
    assert others["repaired"].all() and others["verified"].sum() == 2
    assert not result.ok and result.not_done()["asset"].tolist() == [victim.asset]
    records = events_of(journal, victim.asset)
    assert records[-1]["event"] == "mismatch" and records[-1]["reason"] == row["reason"]
    assert "repaired" not in [r["event"] for r in records] and "verified" not in [r["event"] for r in records]


def test_an_asset_deleted_during_the_repair_is_not_verified_and_not_brought_back(simulator, client, journal,
                                                                                    monkeypatch):
    plan = plan_sync(client, with_tags(client, 3), SyncArguments())
    victim = plan.changes[0]
    lossy(monkeypatch)
    real_import = settle_module.import_node

    def import_then_the_victim_is_deleted(client, change):
        real_import(client, change)
        if change.asset == victim.asset:
            remove_asset(simulator, victim.asset)

    monkeypatch.setattr(settle_module, "import_node", import_then_the_victim_is_deleted)
    result = apply_plan(client, plan, journal, show_progress=False)
    rows = result.outcomes.set_index("asset")
    row = rows.loc[victim.asset]
    assert str(row["verified"]) == "False" and not row["repaired"]
    assert row["reason"] == "asset disappeared during the repair (deleted or moved meanwhile)"
    assert simulator.repo.node(victim.asset) is None
    others = rows.drop(victim.asset)
    assert others["repaired"].all() and others["verified"].sum() == 2
    records = events_of(journal, victim.asset)
    assert records[-1]["event"] == "mismatch" and records[-1]["reason"] == row["reason"]
    assert not result.ok and result.backups_left == []


@pytest.mark.parametrize("status", ["stale_xmp", "missing_xmp"])
def test_an_uncertain_write_whose_node_another_writer_changed_leaves_their_node(simulator, client, journal, status):
    plan = plan_sync(client, one_folder(client, stale=2, missing=2), SyncArguments())
    victim = next(c for c in plan.changes if c.status == status)

    def other_writer() -> None:  # before the gateway answers 504 without passing the POST on
        with simulator.repo.lock:
            theirs = simulator.repo.ensure_node(f"{victim.node_path}/1")
            theirs.set("dam:predictedTagName", "theirs")
            simulator.repo.changed()

    simulator.inject(status=504, method="POST", path_prefix=DEMO_ROOT, before=other_writer)
    simulator.stats.reset()
    result = apply_plan(client, plan, journal, show_progress=False)
    rows = result.outcomes.set_index("asset")
    row = rows.loc[victim.asset]
    # no backup and a node neither as previewed nor as planned: theirs, or ours not written exactly -- unknown
    assert row["outcome"] == "uncertain" and str(row["verified"]) == "False" and not row["repaired"]
    assert row["reason"].startswith("POST ") and "HTTP 504 from a gateway" in row["reason"]
    assert row["reason"].endswith("(read back: the node is neither as it was nor as planned: another writer changed "
                                  "it meanwhile, or the write did not land exactly; left as it is, preview again)")
    assert client.read_tree(victim.node_path)["1"]["dam:predictedTagName"] == "theirs"  # not deleted, not replaced
    records = events_of(journal, victim.asset)
    assert [r["event"] for r in records] == ["intent", "uncertain", "mismatch"]
    assert records[2]["found"]["1"]["dam:predictedTagName"] == "theirs" and records[2]["reason"] == row["reason"]
    posts = [p for m, p in simulator.stats.log if m == "POST" and not p.startswith("/etc/")]
    assert len(posts) == 1  # the uncertain write only: no put-back, no repair
    others = rows.drop(victim.asset)
    assert set(others["outcome"]) == {"failed"} and others["reason"].str.endswith("(read back: not applied)").all()
    assert not result.ok and result.backups_left == [] and (result.outcomes["outcome"] != "applied").all()


def test_an_uncertain_write_that_landed_inexactly_is_applied_and_repaired(simulator, client, journal, monkeypatch):
    plan = plan_sync(client, one_folder(client, stale=3),
                     SyncArguments())  # each moves a node aside: the backup shows it landed
    lossy(monkeypatch)
    simulator.inject(kind="reset_after", method="POST", path_prefix=DEMO_ROOT)  # written, the answer lost
    result = apply_plan(client, plan, journal, show_progress=False)
    frame = result.outcomes
    assert set(frame["outcome"]) == {"applied"} and frame["repaired"].all() and frame["verified"].sum() == 3
    assert result.ok and all(client.read_tree(c.node_path) == c.after for c in plan.changes)
    for change in plan.changes:
        assert [r["event"] for r in events_of(journal, change.asset)] == ["intent", "uncertain", "applied", "repaired"]
    assert backups_in_repo(simulator, [c.asset for c in plan.changes]) == []


def test_verify_off_leaves_written_rows_unverified_and_repairs_nothing(simulator, client, journal, monkeypatch):
    plan = plan_sync(client, with_tags(client, 3), SyncArguments())
    lossy(monkeypatch)
    simulator.stats.reset()
    result = apply_plan(client, plan, journal, verify=False, show_progress=False)
    frame = result.outcomes
    assert set(frame["outcome"]) == {"applied"} and frame["verified"].isna().all() and not frame["repaired"].any()
    assert frame["reason"].str.startswith("applied; not verified (verify off)").all()
    assert all(client.read_tree(c.node_path) != c.after for c in plan.changes)  # the lossy nodes: no repair sent
    assert not {"verified", "repaired", "mismatch"} & {r["event"] for r in journal.read()}
    # not read back as planned: the backups (the nodes replaced) are kept and journaled as left
    kept = sorted(backup_path(c, result.run) for c in plan.changes if c.before is not None)
    assert backups_in_repo(simulator, [c.asset for c in plan.changes]) == kept == result.backups_left
    assert not result.ok and len(result.not_done()) == 3


def test_an_asset_deleted_after_the_write_is_reported_and_the_rest_still_settled(simulator, client, journal,
                                                                                 monkeypatch):
    plan = plan_sync(client, one_folder(client, stale=3, missing=1), SyncArguments())
    victim = min(plan.changes, key=lambda c: c.asset)  # read back first: the others come after it
    real_post = apply_module.guarded_post

    def post_then_the_victim_is_deleted(client, changes, run, **kwargs):
        done = real_post(client, changes, run, **kwargs)
        if victim in changes:
            remove_asset(simulator, victim.asset)
        return done

    monkeypatch.setattr(apply_module, "guarded_post", post_then_the_victim_is_deleted)
    result = apply_plan(client, plan, journal, show_progress=False)
    rows = result.outcomes.set_index("asset")
    row = rows.loc[victim.asset]
    assert str(row["verified"]) == "False"
    assert row["reason"] == "asset disappeared after the write (deleted or moved meanwhile)"
    records = events_of(journal, victim.asset)
    assert [r["event"] for r in records] == ["intent", "applied", "mismatch"] and records[2]["reason"] == row["reason"]
    others = rows.drop(victim.asset)
    assert set(others["outcome"]) == {"applied"} and others["verified"].sum() == 3
    assert backups_in_repo(simulator, others.index.tolist()) == [] and result.backups_left == []
    assert not result.ok and result.not_done().shape[0] == 1


def test_a_compensating_delete_that_fails_is_a_conflict_that_says_so(simulator, client, journal):
    plan = plan_sync(client, one_folder(client, stale=2, missing=2), SyncArguments())
    victim = plan.changes[1].asset

    def deleted_before_the_post() -> None:
        remove_asset(simulator, victim)
        simulator.inject(status=500, method="POST", path_prefix=DEMO_ROOT)  # the next POST: the compensating delete

    simulator.inject(kind="pass", method="POST", path_prefix=DEMO_ROOT, before=deleted_before_the_post)
    result = apply_plan(client, plan, journal, show_progress=False)
    rows = result.outcomes.set_index("asset")
    row = rows.loc[victim]
    assert row["outcome"] == "conflict" and str(row["verified"]) == "False"
    assert row["reason"].startswith("asset was deleted between the check and the write; "
                                    "removing the node created there failed: ")
    assert "HTTP 500" in row["reason"] and "was removed" not in row["reason"]
    assert simulator.repo.node(victim) is not None  # the ghost is still there, as the row says
    records = events_of(journal, victim)
    assert [r["event"] for r in records] == ["intent", "ghost_left"] and records[-1]["reason"] == row["reason"]
    assert records[-1]["ghost"] == victim and "applied" not in [r["event"] for r in records]
    others = rows.drop(victim)
    assert set(others["outcome"]) == {"applied"} and others["verified"].sum() == 3
    assert not result.ok and result.not_done().shape[0] == 1
