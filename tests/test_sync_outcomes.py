"""Outcomes as they are, end to end through the CLI against the simulator with injected faults: every row not
cleanly done is printed with its reason, the exit code says whether everything is done, backups left behind are
listed and removed by undo or ``xmpaudit cleanup``, unknown run ids are errors."""

import pytest

import xmpaudit.cli.write_verbs as write_verbs
from tests.conftest import DEMO_ROOT, every, fixable
from xmpaudit.audit.compare import audit
from xmpaudit.cli.main import main
from xmpaudit.core.acs import SyncArguments
from xmpaudit.read.inventory import take_inventory
from xmpaudit.write.journal import Journal
from xmpaudit.write.sling_params import BACKUP_PREFIX

pytestmark = pytest.mark.e2e


@pytest.fixture
def cli(simulator, tmp_path, monkeypatch, capsys):
    """Run the CLI against the simulator with one journal; returns (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    for key, value in {"XMPAUDIT_URL": simulator.url, "XMPAUDIT_USER": "admin", "XMPAUDIT_PASSWORD": "admin"}.items():
        monkeypatch.setenv(key, value)
    journal = tmp_path / "journal.jsonl"

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["-q", *argv, "--journal", str(journal)])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    run.journal = Journal(journal)  # type: ignore[attr-defined]
    return run


def stale_in_one_folder(client, count: int = 3) -> list[str]:
    """``count`` assets with an XMP node to replace (so each write makes a backup), in one folder."""
    frame = fixable(client)
    frame = frame[frame["status"] == "stale_xmp"]
    folders = frame["path"].str.rsplit("/", n=1).str[0]
    folder = folders.value_counts().index[0]
    paths = frame.loc[folders == folder, "path"].tolist()[:count]
    assert len(paths) == count
    return paths


def backups_in_repo(simulator, assets: list[str]) -> list[str]:
    names = {a: simulator.repo.node(f"{a}/jcr:content/metadata").children for a in assets}
    return sorted(f"{a}/jcr:content/metadata/{n}" for a in assets for n in names[a] if n.startswith(BACKUP_PREFIX))


def assets_file(tmp_path, assets: list[str]) -> str:
    path = tmp_path / "assets.txt"
    path.write_text("\n".join(assets), encoding="utf-8")
    return str(path)


def fail_backup_removal(simulator) -> None:
    """The write POST goes through; every later POST (the backup removal) answers 500."""
    simulator.inject(kind="pass", method="POST", path_prefix=DEMO_ROOT)
    simulator.inject(status=500, times=20, method="POST", path_prefix=DEMO_ROOT)


def test_backups_left_are_reported_exit_1_and_undo_removes_them(simulator, client, cli, tmp_path):
    assets = stale_in_one_folder(client)
    before = {a: client.read_tree(f"{a}/jcr:content/metadata/dam:predictedTags") for a in assets}
    fail_backup_removal(simulator)
    code, out, _ = cli("sync", "--assets-file", assets_file(tmp_path, assets), "--apply")
    left = backups_in_repo(simulator, assets)
    assert code == 1 and len(left) == 3
    assert "3 applied; 3 requests" not in out and "3 backup nodes left (undo or `xmpaudit cleanup` removes them)" in out
    assert [line for line in out.splitlines() if line.startswith("backup node left: ")] == [
        f"backup node left: {path}" for path in left]
    records = [r for r in cli.journal.read() if r["event"] == "backup_left"]
    assert sorted(r["backup"] for r in records) == left and all("500" in r["error"] for r in records)
    simulator.faults.clear()
    code, out, _ = cli("undo", "--apply")
    assert code == 0, out
    assert backups_in_repo(simulator, assets) == []
    assert {a: client.read_tree(f"{a}/jcr:content/metadata/dam:predictedTags") for a in assets} == before


def test_cleanup_finds_previews_and_removes_left_backups_journaled(simulator, client, cli, tmp_path):
    assets = stale_in_one_folder(client)
    fail_backup_removal(simulator)
    assert cli("sync", "--assets-file", assets_file(tmp_path, assets), "--apply")[0] == 1
    simulator.faults.clear()
    left = backups_in_repo(simulator, assets)
    code, out, _ = cli("cleanup", "--root", DEMO_ROOT)
    assert code == 0 and f"cleanup plan: 3 backup nodes under {DEMO_ROOT}" in out and "Dry run" in out
    assert all(path in out for path in left) and backups_in_repo(simulator, assets) == left
    code, out, _ = cli("cleanup", "--root", DEMO_ROOT, "--apply")
    assert code == 0 and "3 backup nodes removed" in out
    assert backups_in_repo(simulator, assets) == []
    run = [r for r in cli.journal.read() if r["kind"] == "cleanup"]
    assert sorted(r["node_path"] for r in run if r["event"] == "intent") == left
    assert all(r["before"]["xmpNodeType"] == "xmpArray" for r in run if r["event"] == "intent")  # content kept
    assert sorted(r["backup"] for r in run if r["event"] == "backup_removed") == left
    code, out, _ = cli("cleanup", "--root", DEMO_ROOT)
    assert code == 0 and "no backup node under" in out
    snapshot = take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False)
    statuses = audit(snapshot).assets.set_index("path")["status"]
    assert set(statuses[assets].astype(str)) == {"in_sync"}  # the synced nodes stay as written


def test_cleanup_of_one_runs_backups_and_a_failed_removal_exits_1(simulator, client, cli, tmp_path):
    assets = stale_in_one_folder(client, 2)
    fail_backup_removal(simulator)
    cli("sync", "--assets-file", assets_file(tmp_path, assets), "--apply")
    run = cli.journal.last_run("sync")
    simulator.inject(status=500, times=20, method="POST", path_prefix=DEMO_ROOT)  # still failing
    code, out, _ = cli("cleanup", "--run", run, "--apply")
    assert code == 1 and "2 could NOT be removed" in out and out.count("backup node left: ") == 2
    simulator.faults.clear()
    code, out, _ = cli("cleanup", "--run", run, "--apply")
    assert code == 0 and "2 backup nodes removed" in out and backups_in_repo(simulator, assets) == []


@pytest.mark.parametrize("argv", [("undo", "--run", "sync-nope", "--apply"),
                                  ("writeback", "--from-run", "sync-nope", "--apply"),
                                  ("cleanup", "--run", "sync-nope", "--apply")])
def test_unknown_run_id_is_a_one_line_error_exit_2(simulator, cli, argv):
    simulator.stats.reset()
    code, out, err = cli(*argv)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith("error: Run 'sync-nope' is not in journal") and "All 0 binaries" not in out
    assert [m for m, p in simulator.stats.log if m == "POST"] == []


def test_rows_skipped_after_a_read_error_are_printed_with_reason_and_exit_1(simulator, client, cli, tmp_path,
                                                                            monkeypatch):
    assets = stale_in_one_folder(client, 3)
    real_apply = write_verbs.apply_plan

    def apply_while_reads_fail(*args, **kwargs):  # the preview read fine; the guard read before writing fails
        simulator.inject(status=500, times=1000, method="GET", path_prefix="/bin/querybuilder")
        simulator.inject(status=500, times=1000, method="GET", path_prefix=DEMO_ROOT)
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(write_verbs, "apply_plan", apply_while_reads_fail)
    code, out, _ = cli("sync", "--assets-file", assets_file(tmp_path, assets), "--apply")
    assert code == 1 and "3 skipped" in out and "3 assets NOT done:" in out
    assert out.count("could not read the asset before writing") == 3
    skipped = [r for r in cli.journal.read() if r["event"] == "skipped"]
    assert sorted(r["asset"] for r in skipped) == sorted(assets)
    assert all(r["reason"].startswith("could not read the asset before writing") for r in skipped)
    assert cli.journal.last_run("sync") is None  # a run that wrote nothing is nothing to undo
    assert backups_in_repo(simulator, assets) == []


def test_applied_but_unverified_rows_are_printed_exit_1_and_undo_clears_backups(simulator, client, cli, tmp_path):
    assets = stale_in_one_folder(client, 3)
    simulator.inject(kind="pass", method="POST", path_prefix=DEMO_ROOT, before=lambda: simulator.inject(
        status=500, times=1000, method="GET", path_prefix="/bin/querybuilder"))
    code, out, _ = cli("sync", "--assets-file", assets_file(tmp_path, assets), "--apply")
    assert code == 1 and "3 applied" in out and "3 assets NOT done:" in out
    assert out.count("not verified: reading back failed") == 3
    assert len([line for line in out.splitlines() if line.startswith("backup node left: ")]) == 3
    simulator.faults.clear()
    code, out, _ = cli("undo", "--apply")
    assert code == 0, out
    assert backups_in_repo(simulator, assets) == []


def test_sync_exit_0_only_when_every_row_is_done(simulator, client, cli, tmp_path):
    assets = stale_in_one_folder(client, 3)
    code, out, _ = cli("sync", "--assets-file", assets_file(tmp_path, assets), "--apply")
    assert code == 0 and "NOT done" not in out and "backup node left" not in out
    code, out, _ = cli("sync", "--assets-file", assets_file(tmp_path, assets), "--apply")
    assert code == 0 and "Nothing to write" in out  # now in sync: nothing to do is done
    gone = assets[0]
    with simulator.repo.lock:
        simulator.repo.remove(gone)
        simulator.repo.changed()
    code, out, _ = cli("sync", "--assets-file", assets_file(tmp_path, assets), "--apply")
    assert code == 1 and "1 selected asset NOT done" in out and "asset no longer exists" in out


def test_apply_result_rows_carry_the_backup_left_for_the_panel(simulator, client, journal):
    from xmpaudit.write.apply import apply_plan
    from xmpaudit.write.plan import plan_sync

    plan = plan_sync(client, stale_in_one_folder(client), SyncArguments())
    fail_backup_removal(simulator)
    result = apply_plan(client, plan, journal, show_progress=False)
    rows = result.outcomes.set_index("asset")
    left = backups_in_repo(simulator, [c.asset for c in plan.changes])
    assert sorted(rows["backup_left"]) == left == result.backups_left
    assert every(rows["verified"]) and every(rows["outcome"] == "applied")  # the sync itself is done
    assert all(rows.loc[a, "reason"] == f"backup node left at {rows.loc[a, 'backup_left']}" for a in rows.index)
    assert not result.ok and result.summary().endswith("3 backup nodes left (undo or `xmpaudit cleanup` removes them)")
