"""A sync whose steps fail around the write (simulator over HTTP, both read modes): a guard read that fails skips
its assets, a journal that fails in parallel batches stops the run, a repair that does not take or cannot be read
back is reported as such, and bad batch settings are one ConfigError line."""

import pytest

from tests.conftest import DEMO_ROOT, fixable
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import JournalError, UsageError
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import PlannedChange, plan_sync

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("sync_reads")]


def sling_posts(simulator):
    return [path for method, path in simulator.stats.log if method == "POST" and not path.startswith("/etc/")]


def lossy(monkeypatch):
    """Every guarded write drops the last tag of each node (a write that does not land exactly)."""
    import xmpaudit.write.apply as sync

    real_post = sync.guarded_post

    def lossy_post(client, changes, run, **kwargs):
        broken = []
        for change in changes:
            after = dict(change.after)
            after.pop(max(k for k, v in after.items() if isinstance(v, dict)))
            broken.append(PlannedChange(change.asset, change.node_path, change.status, change.before, after))
        return real_post(client, broken, run, **kwargs)

    monkeypatch.setattr(sync, "guarded_post", lossy_post)


def with_tags(client, count):
    frame = fixable(client)
    return frame[frame["status"] != "orphan_xmp"][:count]  # every node written has a tag to drop


@pytest.mark.parametrize(("setting", "value"), [("batch_assets", 0), ("max_parallel", 0), ("max_parallel", 17)])
def test_bad_batch_settings_are_refused_before_anything_is_sent(simulator, client, journal, setting, value):
    plan = plan_sync(client, fixable(client)[:3], SyncArguments())
    simulator.stats.reset()
    with pytest.raises(UsageError, match=f"^{setting} must be"):
        apply_plan(client, plan, journal, show_progress=False, **{setting: value})
    assert sling_posts(simulator) == [] and journal.read() == []


def test_the_smallest_batches_and_the_most_in_flight_are_accepted(client, journal):
    plan = plan_sync(client, fixable(client)[:3], SyncArguments())
    result = apply_plan(client, plan, journal, batch_assets=1, max_parallel=16, show_progress=False)
    assert result.ok and len(result.outcomes) == 3


def test_a_guard_read_that_fails_skips_its_assets_and_writes_nothing(simulator, client, journal):
    plan = plan_sync(client, fixable(client)[:4], SyncArguments())
    simulator.stats.reset()
    simulator.inject(status=500, times=1000, method="GET")  # every read after the preview
    result = apply_plan(client, plan, journal, show_progress=False)
    assert set(result.outcomes["outcome"]) == {"skipped"} and not sling_posts(simulator)
    assert result.outcomes["reason"].str.startswith("could not read the asset before writing").all()


def test_a_journal_failure_in_parallel_batches_stops_the_run(simulator, client, tmp_path):
    plan = plan_sync(client, fixable(client)[:12], SyncArguments())
    (tmp_path / "journal-dir").mkdir()
    simulator.stats.reset()
    with pytest.raises(JournalError, match="Cannot write journal"):
        apply_plan(client, plan, Journal(tmp_path / "journal-dir"), batch_assets=2, max_parallel=4,
                   folder_pages=False, show_progress=False)
    assert sling_posts(simulator) == []


def test_a_repair_that_does_not_take_is_a_mismatch(simulator, client, journal, monkeypatch):
    plan = plan_sync(client, with_tags(client, 3), SyncArguments())
    lossy(monkeypatch)
    monkeypatch.setattr("xmpaudit.write.settle.import_node", lambda client, change: None)  # the repair is lost
    result = apply_plan(client, plan, journal, show_progress=False)
    assert not result.ok and set(result.outcomes["outcome"]) == {"applied"}
    assert result.outcomes["verified"].eq(False).sum() == 3 and not result.outcomes["repaired"].any()
    events = [r["event"] for r in journal.read()]
    kept = sum(c.before is not None for c in plan.changes)  # their backups hold the nodes replaced: kept, left
    assert events[-3 - kept:] == ["mismatch"] * 3 + ["backup_left"] * kept
    assert len(result.backups_left) == kept


def test_a_repair_whose_read_back_fails_is_unverified(simulator, client, journal, monkeypatch):
    plan = plan_sync(client, with_tags(client, 3), SyncArguments())
    lossy(monkeypatch)
    import xmpaudit.write.settle as settle

    real_import = settle.import_node

    def import_then_reads_fail(client, change):
        real_import(client, change)
        simulator.inject(status=500, times=1000, method="GET", path_prefix="/bin/querybuilder")

    monkeypatch.setattr(settle, "import_node", import_then_reads_fail)
    result = apply_plan(client, plan, journal, show_progress=False)
    assert not result.ok and result.outcomes["verified"].isna().all()
    assert result.outcomes["reason"].str.startswith("not verified: reading back the repair failed").all()
    assert all(client.read_tree(c.node_path) == c.after for c in plan.changes)


def test_another_writers_deletion_in_the_window_is_restored_and_a_conflict(simulator, client, journal):
    frame = fixable(client)
    folders = frame["path"].str.rsplit("/", n=1).str[0]
    plan = plan_sync(client, frame[folders == folders.value_counts().index[0]][:5],
                     SyncArguments())  # one POST in either read mode
    victim = min((c for c in plan.changes if c.before is not None and c.after is not None), key=lambda c: c.asset)

    def other_writer() -> None:
        with simulator.repo.lock:
            simulator.repo.require(victim.node_path.rsplit("/", 1)[0]).children.pop(victim.node_path.rsplit("/")[-1])
            simulator.repo.changed()

    simulator.inject(kind="pass", method="POST", path_prefix=DEMO_ROOT, before=other_writer)
    result = apply_plan(client, plan, journal, show_progress=False)
    outcome = result.outcomes.set_index("asset").loc[victim.asset]
    assert outcome["outcome"] == "conflict" and "their version was put back" in outcome["reason"]
    assert simulator.repo.node(victim.node_path) is None  # deleted, as they left it
    others = result.outcomes[result.outcomes["asset"] != victim.asset]
    assert others["verified"].sum() == len(others) == 4  # settled after the conflict and verified too (no NA)
