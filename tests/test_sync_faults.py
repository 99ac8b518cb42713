"""Sync under faults and races (simulator with injected faults): nothing lost, invented or doubled."""

import pytest

from tests.conftest import DEMO_ROOT, client_for, fixable
from xmpaudit.cli.main import main
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import ConfigError, JournalError
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import plan_sync
from xmpaudit.write.sling_params import BACKUP_PREFIX
from xmpaudit.write.undo import plan_undo

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("sync_reads")]



def sling_posts(simulator):
    return [path for method, path in simulator.stats.log if method == "POST" and not path.startswith("/etc/")]


def backups_left(simulator, plan):
    return [name for c in plan.changes if (meta := simulator.repo.node(f"{c.asset}/jcr:content/metadata"))
            for name in meta.children if name.startswith(BACKUP_PREFIX)]


def test_asset_deleted_between_check_and_post_does_not_come_back(simulator, client, journal):
    plan = plan_sync(client, fixable(client)[:5], SyncArguments())
    victim = plan.changes[2].asset
    # another session deletes the asset after our pre-batch read, just before our POST is processed
    simulator.inject(kind="pass", method="POST", path_prefix=DEMO_ROOT,
                     before=lambda: simulator.repo.remove(victim))
    result = apply_plan(client, plan, journal, show_progress=False)
    outcome = result.outcomes.set_index("asset")
    assert simulator.repo.node(victim) is None  # no ghost node
    assert outcome.loc[victim, "outcome"] == "conflict" and "deleted between" in outcome.loc[victim, "reason"]
    assert not result.ok and (outcome["outcome"] == "applied").sum() == 4 and outcome["verified"].sum() == 4
    records = [r for r in journal.read() if r["asset"] == victim]
    assert [r["event"] for r in records] == ["intent", "ghost_removed"] and records[1]["ghost"] == victim
    undo = plan_undo(client, journal)
    assert victim not in [c.asset for c in undo.changes]
    undone = apply_plan(client, undo, journal, show_progress=False)
    assert undone.not_done()[["asset", "reason"]].values.tolist() == [[victim, "asset no longer exists"]]
    assert not undone.ok and undone.backups_left == []  # the deleted asset is reported, the rest undone
    assert simulator.repo.node(victim) is None


def test_other_writers_edit_in_the_window_is_kept_and_reported_as_conflict(simulator, client, journal):
    plan = plan_sync(client, fixable(client), SyncArguments())
    replaced = next(c for c in plan.changes if c.before is not None)
    created = next(c for c in plan.changes if c.before is None)

    def other_writer():
        with simulator.repo.lock:
            simulator.repo.node(replaced.node_path).set("xmpArraySize", 99)  # their edit
            theirs = simulator.repo.ensure_node(f"{created.node_path}/1")  # they create the node we would create
            theirs.set("dam:predictedTagName", "theirs")

    simulator.inject(kind="pass", method="POST", path_prefix=DEMO_ROOT, before=other_writer)
    result = apply_plan(client, plan, journal, show_progress=False)
    outcome = result.outcomes.set_index("asset")
    for change in (replaced, created):
        assert outcome.loc[change.asset, "outcome"] == "conflict"
        assert str(outcome.loc[change.asset, "verified"]) == "False"  # not NA: the read-back showed the conflict
        assert "another writer" in outcome.loc[change.asset, "reason"]
    assert client.read_tree(replaced.node_path)["xmpArraySize"] == 99  # their version is back, nothing lost
    assert client.read_tree(created.node_path)["1"]["dam:predictedTagName"] == "theirs"
    assert not result.ok and (outcome["outcome"] == "applied").sum() == len(plan) - 2
    conflicts = {r["asset"]: r for r in journal.read() if r["event"] == "conflict"}
    assert conflicts[replaced.asset]["theirs"]["xmpArraySize"] == 99  # journaled too
    assert backups_left(simulator, plan) == []


@pytest.mark.parametrize("sequence_name", ["predictedTags", "jcr:primaryType"])
def test_destructive_sequence_name_is_refused_before_any_write(simulator, client, sequence_name):
    targets = fixable(client)[:10]
    for path in targets["path"]:
        simulator.repo.node(f"{path}/jcr:content/metadata").set("dc:title", "keep me")
    simulator.stats.reset()
    with pytest.raises(ConfigError, match=f"sequenceName={sequence_name}.*Nothing was written"):
        plan_sync(client, targets, SyncArguments(sequence_name=sequence_name))
    assert sling_posts(simulator) == []
    assert all(simulator.repo.node(f"{p}/jcr:content/metadata").get("dc:title") == "keep me" for p in targets["path"])


def test_sequence_name_turning_into_a_property_after_preview_is_skipped(simulator, client, journal):
    args = SyncArguments(sequence_name="xmp:custom")
    plan = plan_sync(client, fixable(client)[:3], args)
    victim = plan.changes[0].asset
    simulator.repo.node(f"{victim}/jcr:content/metadata").set("xmp:custom", "a property now")
    result = apply_plan(client, plan, journal, show_progress=False)
    assert "xmp:custom is a property on this asset" in result.outcomes.set_index("asset").loc[victim, "reason"]
    assert simulator.repo.node(f"{victim}/jcr:content/metadata").get("xmp:custom") == "a property now"


def test_empty_plan_applies_to_nothing(client, journal):
    plan = plan_sync(client, [], SyncArguments())
    result = apply_plan(client, plan, journal, show_progress=False)
    assert result.counts() == {} and result.ok and result.summary().endswith("nothing; 0 requests")


def test_cli_sync_apply_with_nothing_to_do_exits_0(simulator, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for key, value in {"XMPAUDIT_URL": simulator.url, "XMPAUDIT_USER": "admin", "XMPAUDIT_PASSWORD": "admin"}.items():
        monkeypatch.setenv(key, value)
    assert main(["-q", "sync", "--root", DEMO_ROOT, "--status", "no_such_status", "--apply"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1] == "Nothing to write: every selected asset is already in sync or skipped."


def in_one_folder(frame, count):
    """``count`` rows of ``frame`` whose assets share one folder (so one POST writes them in either read mode)."""
    folders = frame["path"].str.rsplit("/", n=1).str[0]
    folder = folders.value_counts().index[0]
    assert (folders == folder).sum() >= count
    return frame[folders == folder][:count]


def test_post_answer_lost_after_processing_is_not_resent_and_settled_by_reading(simulator, client, journal):
    plan = plan_sync(client, in_one_folder(fixable(client), 4), SyncArguments())
    simulator.stats.reset()
    simulator.inject(kind="reset_after", method="POST", path_prefix=DEMO_ROOT)
    result = apply_plan(client, plan, journal, show_progress=False)
    assert len(sling_posts(simulator)) == 2  # the one lost-answer POST, never re-sent, and one backup cleanup
    assert result.ok and set(result.outcomes["outcome"]) == {"applied"}
    assert result.outcomes["verified"].sum() == len(result.outcomes)
    assert [r["event"] for r in journal.read()].count("uncertain") == 4
    assert backups_left(simulator, plan) == []


def test_post_reset_before_processing_reads_back_as_not_applied(simulator, client, journal):
    plan = plan_sync(client, in_one_folder(fixable(client), 4), SyncArguments())
    simulator.stats.reset()
    simulator.inject(kind="reset_before", method="POST", path_prefix=DEMO_ROOT)
    result = apply_plan(client, plan, journal, show_progress=False)
    assert len(sling_posts(simulator)) == 1
    assert set(result.outcomes["outcome"]) == {"failed"} and "not applied" in result.outcomes["reason"][0]
    assert all(client.read_tree(c.node_path) == c.before for c in plan.changes if c.before)


def test_torn_post_answer_is_uncertain_and_settled(simulator, client, journal):
    plan = plan_sync(client, in_one_folder(fixable(client), 3), SyncArguments())
    simulator.stats.reset()
    simulator.inject(kind="torn_after", method="POST", path_prefix=DEMO_ROOT)
    result = apply_plan(client, plan, journal, show_progress=False)
    assert result.ok and result.outcomes["verified"].sum() == len(result.outcomes)
    assert len(sling_posts(simulator)) == 2  # the torn write, never re-sent, and one backup cleanup
    for change in plan.changes:
        events = [r for r in journal.read() if r["asset"] == change.asset]
        assert [r["event"] for r in events] == ["intent", "uncertain", "applied", "verified"]
        assert "the answer was cut off" in events[1]["error"] and "not re-sent" in events[1]["error"]
    assert all(client.read_tree(c.node_path) == c.after for c in plan.changes)


def test_403_on_a_write_stops_the_run(simulator, client, journal):
    plan = plan_sync(client, fixable(client), SyncArguments())
    simulator.inject(status=403, times=2, method="POST", path_prefix=DEMO_ROOT)  # the CSRF refresh retry too
    result = apply_plan(client, plan, journal, batch_assets=10, max_parallel=1, show_progress=False)
    counts = result.counts()
    assert counts == {"failed": 10, "skipped": len(plan) - 10}
    skipped = result.outcomes[result.outcomes["outcome"] == "skipped"]
    assert skipped["reason"].str.startswith("not attempted: the run stopped").all()


def test_failing_verify_read_reports_unverified_rows(simulator, client, journal):
    plan = plan_sync(client, fixable(client)[:5], SyncArguments())
    simulator.inject(kind="pass", method="POST", path_prefix=DEMO_ROOT, before=lambda: simulator.inject(
        status=500, times=100, method="GET", path_prefix="/bin/querybuilder"))
    result = apply_plan(client, plan, journal, show_progress=False)
    assert set(result.outcomes["outcome"]) == {"applied"}
    assert result.outcomes["verified"].isna().all() and not result.ok
    assert result.outcomes["reason"].str.startswith("not verified: reading back failed").all()


def test_journal_write_failure_sends_nothing(simulator, client, tmp_path):
    plan = plan_sync(client, fixable(client)[:3], SyncArguments())
    (tmp_path / "journal-dir").mkdir()
    simulator.stats.reset()
    with pytest.raises(JournalError, match="Cannot write journal"):
        apply_plan(client, plan, Journal(tmp_path / "journal-dir"), show_progress=False)
    assert sling_posts(simulator) == []


def test_login_page_and_hangs_are_typed_errors(simulator):
    from xmpaudit.core.errors import AemAuthError, AemConnectionError, AemUncertainOutcomeError

    with client_for(simulator, timeout=0.5, retries=0) as c:
        simulator.inject(kind="login_page", method="GET")
        with pytest.raises(AemAuthError, match="login page"):
            c.get_json(f"{DEMO_ROOT}.json")
        simulator.inject(kind="hang", delay_s=2, method="GET")
        with pytest.raises(AemConnectionError, match="timed out"):
            c.get_json(f"{DEMO_ROOT}.json")
        c.csrf_token()
        simulator.inject(kind="hang", delay_s=2, method="POST")
        with pytest.raises(AemUncertainOutcomeError, match="not re-sent"):
            c.sling_post(f"{DEMO_ROOT}/x", [("a", "b")])



def test_parallel_multipart_batches_write_the_same_as_sequential_urlencoded(simulator, client, journal):
    targets = fixable(client)
    plan = plan_sync(client, targets, SyncArguments())
    simulator.stats.reset()
    parallel = apply_plan(client, plan, journal, batch_assets=7, max_parallel=4, show_progress=False)
    assert parallel.ok and set(parallel.outcomes["outcome"]) == {"applied"}
    assert all(client.read_tree(c.node_path) == c.after for c in plan.changes if c.after is not None)
    undo = plan_undo(client, journal)
    assert apply_plan(client, undo, journal, multipart=False, max_parallel=1, show_progress=False).ok
    assert all(simulator.repo.node(c.node_path) is None for c in plan.changes if c.before is None)
