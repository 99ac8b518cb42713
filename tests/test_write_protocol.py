"""The one write protocol (simulator over HTTP): runs in flight are visible to other users, a backup someone else
removed never reads as "their version", undo and cleanup never delete the only copy of a node, a refused batch is
split so the others land, and empty run ids and missing folders are refused in one line."""

import pytest

import xmpaudit.write.apply as apply_module
from tests.conftest import DEMO_ROOT, client_for
from tests.test_settle_gaps import sync_with_a_failed_put_back
from tests.test_sync_outcomes import cli  # noqa: F401  (fixture)
from tests.write_protocol_helpers import (
    FOLDER,
    ODD,
    add_asset,
    assert_no_copy_lost,
    backups_of,
    metadata,
    refuse_imports_and_moves,
    route_plan,
    undo_recovers,
)
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import AemError, AemUncertainOutcomeError, ConfigError
from xmpaudit.write import cleanup, settle
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.cleanup import apply_cleanup, find_backups, journaled_backups
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import plan_sync
from xmpaudit.write.sling_params import backup_path
from xmpaudit.write.undo import plan_undo
from xmpaudit.write.write_routes import IMPORT

pytestmark = pytest.mark.e2e


def three_stale(simulator, client):
    paths = [add_asset(simulator, f"two-users-{i}.jpg", SyncArguments()) for i in range(3)]
    plan = plan_sync(client, paths, SyncArguments())
    assert len(plan.changes) == 3 and all(c.before is not None for c in plan.changes)
    return plan


def after_each_post(monkeypatch, action) -> None:
    """Run ``action`` right after each guarded POST, before the run reads back (another user, another terminal)."""
    real_post = apply_module.guarded_post

    def post_then_act(*args, **kwargs):
        done = real_post(*args, **kwargs)
        action()
        return done

    monkeypatch.setattr(apply_module, "guarded_post", post_then_act)


def sync_leaving_backups(simulator, client, journal, monkeypatch):
    """Sync three stale assets whose backups cannot be removed (journaled as left): the plan and the result."""
    plan = three_stale(simulator, client)
    real_post = apply_module.guarded_post

    def post_then_refuse_deletes(*args, **kwargs):
        done = real_post(*args, **kwargs)
        simulator.inject(status=500, times=5, method="POST", path_prefix=FOLDER)
        return done

    monkeypatch.setattr(apply_module, "guarded_post", post_then_refuse_deletes)
    result = apply_plan(client, plan, journal, show_progress=False)
    monkeypatch.setattr(apply_module, "guarded_post", real_post)
    simulator.faults.clear()
    assert len(result.backups_left) == 3
    return plan, result


def test_another_users_cleanup_during_a_sync_leaves_its_backups_and_the_sync_ends_verified(simulator, client,
                                                                                          journal, tmp_path,
                                                                                          monkeypatch):
    """#24 item 1: `cleanup --root --apply` by another user between the POSTs and the read-back."""
    plan = three_stale(simulator, client)
    cleanups = []

    def other_user_cleans_up() -> None:
        with client_for(simulator) as theirs:
            found = find_backups(theirs, FOLDER)
            cleanups.append((found, apply_cleanup(theirs, found, Journal(tmp_path / "other.jsonl"))))

    after_each_post(monkeypatch, other_user_cleans_up)
    result = apply_plan(client, plan, journal, show_progress=False)
    found, cleaned = cleanups[0]
    assert result.ok and result.counts() == {"applied": 3}
    assert cleaned.removed == [] and len(found) == 3 and "in flight" in found.summary()
    assert set(found.backups["action"]) == set(cleaned.left.values()) == {cleanup.IN_FLIGHT}
    for change in plan.changes:
        assert metadata(simulator, change)["dam:predictedTags"] == change.after and backups_of(simulator, change) == {}
    assert simulator.repo.node("/etc/xmpaudit/runs").children == {}  # the lease is gone with the run


def test_a_backup_removed_by_someone_else_is_never_read_as_their_version(simulator, client, journal, monkeypatch):
    """#24 item 2: the sync stops that asset with a clear reason and keeps what it wrote; undo restores."""
    plan = three_stale(simulator, client)
    victim = plan.changes[0]

    def someone_removes_the_backup() -> None:
        with simulator.repo.lock:
            simulator.repo.remove(backup_path(victim, journal.read()[0]["run"]))
            simulator.repo.changed()

    after_each_post(monkeypatch, someone_removes_the_backup)
    result = apply_plan(client, plan, journal, show_progress=False)
    row = result.outcomes.set_index("asset").loc[victim.asset]
    assert row["outcome"] == "conflict" and "removed by someone else" in row["reason"] and not result.ok
    assert metadata(simulator, victim)["dam:predictedTags"] == victim.after  # what it wrote is kept
    assert row["reason"] == settle.BACKUP_GONE
    others = result.outcomes[result.outcomes["asset"] != victim.asset]
    assert set(others["outcome"]) == {"applied"} and others["verified"].all()
    monkeypatch.undo()
    undo_recovers(simulator, client, victim, result.run, journal)


def test_undo_restores_a_node_the_run_moved_aside_and_never_removes_the_only_copy(simulator, client, journal,
                                                                                  monkeypatch):
    """#24 item 3: an import whose outcome was uncertain and whose read-back failed: the backup holds the only
    copy (no node in place); undo puts the node back instead of deleting the backup."""
    plan, change = route_plan(simulator, client, IMPORT)
    real = client.sling_post

    def uncertain_import_then_reads_fail(path, data, **kwargs):
        if (":operation", "import") in list(data):
            simulator.inject(status=500, times=1000, method="GET")
            raise AemUncertainOutcomeError("POST: HTTP 504 from a gateway")
        return real(path, data, **kwargs)

    monkeypatch.setattr(client, "sling_post", uncertain_import_then_reads_fail)
    result = apply_plan(client, plan, journal, show_progress=False)
    monkeypatch.undo()
    simulator.faults.clear()
    name = change.node_path.rsplit("/", 1)[-1]
    assert name not in metadata(simulator, change)  # moved aside, never imported
    assert_no_copy_lost(simulator, change, result, journal)
    undo_recovers(simulator, client, change, result.run, journal)


def test_undo_keeps_a_backup_of_an_asset_changed_after_the_run(simulator, client, journal, monkeypatch):
    """Undo skips an asset another writer changed after the run, and keeps that run's backup (the only copy of
    the node the run replaced)."""
    plan, result = sync_leaving_backups(simulator, client, journal, monkeypatch)
    victim = plan.changes[0]
    backup = backup_path(victim, result.run)
    with simulator.repo.lock:
        simulator.repo.node(victim.node_path).set("xmpArraySize", 42)  # another writer, after the run
    undone = apply_plan(client, plan_undo(client, journal, result.run), journal, show_progress=False)
    assert backup in undone.backups_left and backups_of(simulator, victim)[backup.rsplit("/", 1)[-1]] == victim.before


def test_a_failed_import_whose_put_back_fails_is_journaled_left_and_cleanup_run_puts_it_back(simulator, client,
                                                                                             journal, monkeypatch):
    """#24 item 4: the import fails and so does putting the node back: the backup is journaled as left, and
    `cleanup --run` moves it back into the empty place."""
    plan, change = route_plan(simulator, client, IMPORT)
    refuse_imports_and_moves(client, monkeypatch)
    result = apply_plan(client, plan, journal, show_progress=False)
    monkeypatch.undo()
    assert_no_copy_lost(simulator, change, result, journal)
    found = journaled_backups(client, journal, result.run)
    assert found.backups["action"].tolist() == [cleanup.PUT_BACK]
    assert apply_cleanup(client, found, journal).ok
    assert metadata(simulator, change)[ODD.sequence_name] == change.before and backups_of(simulator, change) == {}


def test_one_assets_refusal_never_fails_the_others_in_its_batch(simulator, client, journal, monkeypatch):
    """#24 item 6: a batch POST AEM refuses because of one asset is split; the others land."""
    plan = three_stale(simulator, client)
    victim = plan.changes[1]
    name = victim.asset.rsplit("/", 1)[-1]
    real = client.sling_post

    def refuse_the_victim(path, data, **kwargs):
        if name in path or any(name in key for key, _ in list(data)):
            raise AemError("Sling POST failed with 500: javax.jcr.ValueFormatException", status=500)
        return real(path, data, **kwargs)

    monkeypatch.setattr(client, "sling_post", refuse_the_victim)
    result = apply_plan(client, plan, journal, show_progress=False)
    rows = result.outcomes.set_index("asset")
    assert rows.loc[victim.asset, "outcome"] == "failed" and "ValueFormatException" in rows.loc[victim.asset, "reason"]
    assert rows.drop(victim.asset)["verified"].all() and set(rows.drop(victim.asset)["outcome"]) == {"applied"}
    assert metadata(simulator, victim)["dam:predictedTags"] == victim.before
    assert [r["event"] for r in journal.read()].count("intent") == 3


@pytest.mark.parametrize("argv", [("cleanup", "--run", "", "--apply"), ("undo", "--run", "", "--apply"),
                                  ("cleanup", "--root", f"{DEMO_ROOT}/no-such-folder", "--apply")])
def test_empty_run_ids_and_missing_folders_are_refused_in_one_line(simulator, client, cli, monkeypatch,  # noqa: F811
                                                                  argv):
    """#24 item 9."""
    sync_leaving_backups(simulator, client, cli.journal, monkeypatch)  # backups left to (not) remove, a run to undo
    simulator.stats.reset()
    code, _, err = cli(*argv)
    assert code == 2 and len(err.strip().splitlines()) == 1 and err.startswith("error: ")
    assert [p for m, p in simulator.stats.log if m == "POST"] == []


def test_the_cleanup_dry_run_marks_a_backup_holding_another_writers_node(simulator, client, cli):  # noqa: F811
    """#24 item 11."""
    _, victim, result = sync_with_a_failed_put_back(simulator, client, cli.journal, stale=2)
    simulator.faults.clear()
    code, out, _ = cli("cleanup", "--root", DEMO_ROOT)
    line = next(line for line in out.splitlines() if backup_path(victim, result.run) in line)
    assert code == 0 and "holds another writer's node" in line


@pytest.mark.parametrize("run", ["", "  "])
def test_an_empty_run_id_is_refused_by_the_python_api_too(client, journal, run):
    with pytest.raises(ConfigError, match=r"^No run id given"):
        journaled_backups(client, journal, run)
    with pytest.raises(ConfigError, match=r"^No run id given"):
        plan_undo(client, journal, run)


def test_an_aem_refusing_every_write_costs_a_few_posts_not_one_per_asset(simulator, client, journal, monkeypatch):
    paths = [add_asset(simulator, f"refused-{i}.jpg", SyncArguments()) for i in range(8)]
    plan = plan_sync(client, paths, SyncArguments())
    real, sent = client.sling_post, []

    def refuse_every_write(path, data, **kwargs):
        if path.startswith(FOLDER):
            sent.append(path)
            raise AemError("Sling POST failed with 500", status=500)
        return real(path, data, **kwargs)

    monkeypatch.setattr(client, "sling_post", refuse_every_write)
    result = apply_plan(client, plan, journal, show_progress=False)
    assert set(result.outcomes["outcome"]) == {"failed"} and len(result.outcomes) == 8
    assert len(sent) <= 7  # the batch, then each level's two halves down one side: 1 + 2 * log2(8)
