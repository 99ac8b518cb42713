"""Coverage over time: every surface that audits (CLI audit, notebook session, the app through the session)
appends a dated record to the per-user history; the history reads back, draws, gives "change since", survives
concurrent appends, and decides the scheduled report's alert (its exit code checked through the CLI)."""

import json
import multiprocessing
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from tests.conftest import DEMO_ROOT, asset_hit, client_for, xmp_node
from xmpaudit.audit.compare import audit
from xmpaudit.cli.main import main
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.locations import history_path
from xmpaudit.core.statuses import STATUSES
from xmpaudit.read.frames import frames_from_hits
from xmpaudit.read.snapshot import Snapshot
from xmpaudit.workspace.history import (
    append_record,
    coverage_alert,
    previous_counts,
    read_history,
    read_records,
    record_audit,
    scheduled_report_alert,
)
from xmpaudit.workspace.history_plot import coverage_over_time
from xmpaudit.workspace.session import open_session

DOG = [{"name": "dog", "confidence": 0.9}]


def snapshot_at(taken_at, in_sync, missing, root="/c/d", source="http://aem"):
    hits = [asset_hit(f"{root}/a/s{i}.jpg", DOG, xmp_node([("dog", 0.9)])) for i in range(in_sync)]
    hits += [asset_hit(f"{root}/b/m{i}.jpg", DOG) for i in range(missing)]
    assets, tags, xmp = frames_from_hits(hits, SyncArguments())
    meta = {"arguments": SyncArguments().to_process_args(), "source": source, "root": root, "taken_at": taken_at}
    return Snapshot(assets, tags, xmp, meta)


def record(snapshot, surface="test"):
    return record_audit(audit(snapshot), snapshot.meta, surface)


def test_records_read_back_as_a_frame_and_give_the_previous_snapshots_counts():
    first = snapshot_at("2026-11-01T10:00:00+00:00", 6, 4)
    second = snapshot_at("2026-11-08T10:00:00+00:00", 8, 2)
    record(first)
    record(first, "again")  # a re-audit of the same snapshot
    assert previous_counts(second.meta)["counts"]["missing_xmp"] == 4
    assert previous_counts(first.meta) is None
    record(second)
    record(snapshot_at("2026-11-09T10:00:00+00:00", 1, 1, root="/c/other"))
    history = read_history("http://aem", "/c/d")
    assert history["surface"].tolist() == ["test", "again", "test"]
    assert history["coverage_pct"].tolist() == [60.0, 60.0, 80.0]
    assert history[["in_sync", "missing_xmp"]].values.tolist() == [[6, 4], [6, 4], [8, 2]]
    assert isinstance(history["taken_at"].dtype, pd.DatetimeTZDtype) and set(STATUSES) <= set(history.columns)
    assert history["worst_folders"].iloc[-1][0] == {"folder": "/c/d/b", "assets": 2, "with_smart_tags": 2,
                                                   "to_fix": 2, "invalid": 0, "coverage_pct": 0.0}
    assert len(read_history()) == 4 and history_path().name == "history.jsonl"


def _append_many(path, worker):
    for i in range(100):
        append_record({"worker": worker, "i": i, "pad": "x" * 5000}, path)


def test_concurrent_appends_leave_every_record_whole(tmp_path):
    path = tmp_path / "history.jsonl"
    processes = [multiprocessing.get_context("fork").Process(target=_append_many, args=(path, w)) for w in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    lines = path.read_text().splitlines()
    assert len(lines) == 400 and len(read_records(path)) == 400
    assert sorted((r["worker"], r["i"]) for r in read_records(path)) == [(w, i) for w in range(4) for i in range(100)]


def test_a_cut_line_does_not_hide_the_others(tmp_path):
    path = tmp_path / "h.jsonl"
    append_record({"a": 1}, path)
    with path.open("a") as handle:
        handle.write('{"cut": ')
    append_record({"b": 2}, path)
    assert read_records(path) == [{"a": 1}, {"b": 2}]


def test_coverage_plot_draws_one_point_per_snapshot_and_the_worst_folders():
    for day, (in_sync, missing) in enumerate([(2, 8), (5, 5), (9, 1)], start=1):
        snap = snapshot_at(f"2026-11-0{day}T10:00:00+00:00", in_sync, missing)
        record(snap)
        record(snap)
    ax = coverage_over_time(read_history("http://aem", "/c/d"))
    overall, worst = ax.get_lines()[:2]
    assert list(overall.get_ydata()) == [20.0, 50.0, 90.0]
    assert list(worst.get_ydata()) == [0.0, 0.0, 0.0] and worst.get_label() == "b"
    assert "3 snapshots" in ax.get_title(loc="left") and not ax.texts


def test_coverage_plot_of_one_audit_spans_days_not_years_and_says_why_it_is_one_point():
    record(snapshot_at("2026-11-01T10:00:00+00:00", 2, 8))
    ax = coverage_over_time(read_history("http://aem", "/c/d"))
    low, high = ax.get_xlim()
    assert high - low == pytest.approx(2.0)  # matplotlib dates count days
    assert "1 snapshot:" in ax.get_title(loc="left")
    assert [t.get_text() for t in ax.texts] == ["one audit so far: each audit of another snapshot adds a point"]


def history_of(coverages):
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    rows = [{"recorded_at": start + timedelta(days=i), "taken_at": start + timedelta(days=i), "source": "http://aem",
             "root": "/c/d", "stamp": (start + timedelta(days=i)).isoformat(), "coverage_pct": c}
            for i, c in enumerate(coverages)]
    return pd.DataFrame(rows)


def test_alert_decisions():
    assert not coverage_alert(history_of([80.0, 79.0]), fail_below=75, fail_drop=2).failed
    below = coverage_alert(history_of([80.0, 70.0]), fail_below=75)
    assert below.failed and below.message == "ALERT for http://aem/c/d: coverage 70.0% is below 75%"
    drop = coverage_alert(history_of([80.0, 74.5]), fail_drop=5)
    assert drop.failed and "coverage fell 5.5 points (from 80.0% to 74.5%), more than 5" in drop.message
    assert not coverage_alert(history_of([80.0, 75.0]), fail_drop=5).failed  # exactly 5: not more than
    assert not coverage_alert(history_of([70.0]), fail_drop=1).failed  # no earlier snapshot
    assert not coverage_alert(history_of([None]), fail_below=50).failed  # nothing tagged: nothing to judge
    assert coverage_alert(history_of([]), fail_below=50).failed
    moved = history_of([80.0, 60.0]).assign(minimum_confidence=[0.5, 0.8])
    assert "minimumConfidence changed from 0.5 to 0.8" in coverage_alert(moved, fail_drop=5).message


def test_scheduled_alert_judges_the_audit_recorded_since_the_start():
    record(snapshot_at("2026-11-01T10:00:00+00:00", 9, 1))
    started = datetime.now(timezone.utc).isoformat()
    assert scheduled_report_alert("/c/d", started, fail_below=50).failed  # nothing recorded since
    record(snapshot_at("2026-11-08T10:00:00+00:00", 6, 4))
    alert = scheduled_report_alert("/c/d", started, fail_drop=20)
    assert alert.failed and "from 90.0% to 60.0%" in alert.message
    assert not scheduled_report_alert("/c/d", started, fail_below=50).failed


def test_cli_audit_records_history_and_writes_the_json_summary_beside_the_html(aem_env, tmp_path, capsys):
    assert main(["-q", "audit", "--root", DEMO_ROOT, "--report", "out/report.html"]) == 0
    assert main(["-q", "audit", "--root", DEMO_ROOT, "--report", "out/report.html", "--refresh",
                 "--process-args", "minimumConfidence=0.95"]) == 0  # a new snapshot: the first is "previous"
    assert "Summary for dashboards written to out/report.json" in capsys.readouterr().out
    history = read_history(aem_env.url, DEMO_ROOT)
    assert history["surface"].tolist() == ["cli audit", "cli audit"]
    assert history["minimum_confidence"].tolist() == [0.0, 0.95]
    summary = json.loads((tmp_path / "out" / "report.json").read_text())
    last = read_records()[-1]
    assert {k: summary[k] for k in ("source", "root", "counts", "coverage_pct", "minimum_confidence")} == \
        {k: last[k] for k in ("source", "root", "counts", "coverage_pct", "minimum_confidence")}
    assert summary["schema"] == "xmpaudit.audit-summary/1" and summary["counts"]["missing_xmp"] > 0
    assert summary["previous_taken_at"] is None  # the audit before was at another threshold: not compared
    assert summary["coverage_change"] is None


def test_notebook_session_audit_records_history(simulator, tmp_path):
    session = open_session(root=DEMO_ROOT, snapshot_dir=tmp_path / "snap", show_progress=False,
                           journal=tmp_path / "j.jsonl", client=client_for(simulator))
    result = session.audit(0.7)
    history = read_history(simulator.url, DEMO_ROOT)
    assert history["surface"].tolist() == ["notebook"] and history["minimum_confidence"].tolist() == [0.7]
    assert history["live"].tolist() == [False]  # a what-if threshold: not of the live series
    assert history[list(STATUSES)].iloc[0].to_dict() == {k: int(v) for k, v in result.counts().items()}


def test_app_records_history_through_the_session(aem_env, monkeypatch, tmp_path):
    from xmpaudit.ui.app import AppSettings, dashboard

    settings = AppSettings(root=DEMO_ROOT, snapshot_dir=str(tmp_path / "snap"), journal=str(tmp_path / "j.jsonl"))
    for key, value in settings.to_env().items():
        monkeypatch.setenv(key, value)
    dashboard()
    assert read_history(aem_env.url, DEMO_ROOT)["surface"].tolist() == ["app"]


@pytest.mark.notebooks
def test_scheduled_report_fails_with_the_chosen_exit_code(aem_env, tmp_path, capsys):
    base = ["-q", "notebook-report", "--root", DEMO_ROOT, "--output", "reports/audit.ipynb"]
    assert main([*base, "--fail-below", "99.9", "--alert-exit-code", "7"]) == 7
    out = capsys.readouterr().out
    assert "ALERT for " + aem_env.url + DEMO_ROOT + ": coverage" in out and "is below 99.9%" in out
    text = (tmp_path / "reports" / "audit.html").read_text()
    assert "Coverage over time" in text and "What if" in text
    history = read_history(aem_env.url, DEMO_ROOT)
    assert history["surface"].tolist() == ["report"]
    assert main([*base, "--fail-below", "1", "--fail-drop", "50"]) == 0
    assert "within the limits" in capsys.readouterr().out
    assert len(read_history(aem_env.url, DEMO_ROOT)) == 2


@pytest.mark.parametrize("options, message", [
    (["--fail-below", "101"], "expected 0 to 100 percent"),
    (["--fail-drop", "-1"], "expected at least 0 points"),
    (["--alert-exit-code", "0"], "expected a whole number from 1 to 255"),
])
def test_alert_options_are_checked(options, message, capsys):
    with pytest.raises(SystemExit):
        main(["notebook-report", *options])
    assert message in capsys.readouterr().err
