"""One format for times and numbers on every surface: the CLI's audit (banner and headline), what-if and sync
preview, the HTML report, the headline and the history table show no ISO timestamps, no seconds or fractions of
seconds, confidences with two decimals and percentages with one (core/dates, core/number_words); every sentence
that names a moment (the panel's Refresh message, the newer-numbers line, the freshness note, the history's change,
a lease's words, a snapshot's summary, the demo DAM's start) says it as ``moment_words`` does, in no other style."""

import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import DEMO_ROOT
from tests.test_freshness import decision
from tests.test_freshness import meta as fresh_meta
from tests.test_history import snapshot_at
from xmpaudit.audit.compare import audit
from xmpaudit.audit.history_table import history_table
from xmpaudit.audit.report import write_report
from xmpaudit.audit.tables import table_html
from xmpaudit.cli.demo_verbs import since_words
from xmpaudit.cli.main import main
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.dates import moment_words, table_time
from xmpaudit.core.errors import AemError
from xmpaudit.read.inventory import take_inventory
from xmpaudit.read.snapshot import Snapshot
from xmpaudit.read.snapshot_store import META_FILE, SnapshotStore
from xmpaudit.simulator.demo import AWKWARD_NAMES
from xmpaudit.ui.panel import AuditPanel
from xmpaudit.workspace.freshness import READS_BEGAN
from xmpaudit.workspace.history import coverage_alert, read_history, read_records, record_audit
from xmpaudit.workspace.newer import NewerCheck
from xmpaudit.write.journal import INTENT, Journal
from xmpaudit.write.lease import Lease, release

ISO = re.compile(r"\d{4}-\d\d-\d\dT|\d\d:\d\d:\d\d")           # an ISO stamp, or a time with seconds
LONG_DECIMAL = re.compile(r"(?<![\d.])\d+\.\d{3,}(?![\d.])")     # 0.8123: more than the two decimals of a confidence
PERCENT = re.compile(r"(?<![\d.])\d+(?:\.\d+)?%")
MOMENT = re.compile(r"\b\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC")  # moment_words: "6 Dec 2026, 13:48 UTC"
OTHER_TIME = re.compile(r"\d:\d\d|\d{4}-\d\d-\d\d|\bUTC\b|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b")
AT = datetime(2026, 12, 6, 13, 48, 27, tzinfo=timezone.utc)  # seconds, so a sentence showing them stands out


def _check(text: str, where: str) -> None:
    text = re.sub(r'src="data:image/png;base64,[^"]*"|href="[^"]*"|<style>.*?</style>', "", text, flags=re.S)
    for name in AWKWARD_NAMES:  # the demo's file names ("50% off.jpg") are names, not numbers
        text = text.replace(name, "")
    assert not ISO.search(text), f"{where}: {ISO.search(text).group(0)!r} in {text[:2000]}"
    assert not LONG_DECIMAL.search(text), f"{where}: {LONG_DECIMAL.search(text).group(0)!r}"
    for percent in PERCENT.findall(text):
        assert re.fullmatch(r"[\d,]+\.\d%", percent), f"{where}: percentage {percent!r}"


def _worded(text: str | None, moment, where: str) -> None:
    """``text`` names ``moment`` as ``moment_words`` does, and no time or date in any other style."""
    assert text, f"{where}: nothing said"
    assert moment_words(moment) in text, f"{where}: {moment_words(moment)!r} not in {text!r}"
    rest = MOMENT.sub("", re.sub(r"https?://\S+", "", text))
    assert not OTHER_TIME.search(rest), f"{where}: {OTHER_TIME.search(rest).group(0)!r} in {text!r}"


def test_the_two_styles():
    assert table_time("2026-12-06T14:00:28.312+00:00") == "2026-12-06 14:00"
    assert moment_words("2026-12-06T14:00:28.312+02:00") == "6 Dec 2026, 12:00 UTC"
    assert moment_words(None) == "unknown" and table_time(float("nan")) == ""


@pytest.mark.e2e
def test_every_surface_shows_times_and_numbers_one_way(aem_env, tmp_path, capsys):
    assert main(["-q", "audit", "--refresh"]) == 0
    _check(capsys.readouterr().out, "xmpaudit audit (banner and headline)")
    assert main(["-q", "inventory", "--out", "snap"]) == 0
    capsys.readouterr()
    assert main(["-q", "what-if", "--snapshot", "snap", "--threshold", "0.6", "--tags"]) == 0
    _check(capsys.readouterr().out, "xmpaudit what-if")
    assert main(["-q", "sync"]) == 0  # (--show-diff prints the nodes' JSON as written: every digit, on purpose)
    _check(capsys.readouterr().out, "xmpaudit sync (preview)")
    snapshot = Snapshot.load(tmp_path / "snap")
    assert main(["-q", "audit", "--snapshot", "snap", "--report", "r.html"]) == 0
    out = capsys.readouterr().out
    _check(out, "xmpaudit audit --snapshot")
    _check((tmp_path / "r.html").read_text(encoding="utf-8"), "HTML report")
    history = read_history()
    assert len(history) >= 2
    _check(table_html(history_table(history)), "history table")
    _check(write_report(audit(snapshot), snapshot, tmp_path / "again.html").read_text(encoding="utf-8"), "report")
    assert ISO.match(snapshot.meta["taken_at"]), "the data keep ISO; only what people read is worded"


@pytest.mark.notebooks
def test_the_audit_notebooks_outputs_show_times_and_numbers_one_way(aem_env, tmp_path):
    from tests.test_notebooks import AUDIT_NOTEBOOK, execute, output_text

    notebook = execute(AUDIT_NOTEBOOK, tmp_path)
    text = output_text(notebook)
    assert "Snapshot:" in text and "In sync now and at this threshold" in text and "Audited by" in text
    _check(text, "notebook 02")


def test_the_newer_numbers_line_words_its_moments_with_the_owner(tmp_path):
    root, began = "/content/dam/a", (AT - timedelta(hours=1)).isoformat()
    meta = {"source": "http://aem", "root": root, "taken_at": began, READS_BEGAN: began}
    journal = tmp_path / "j.jsonl"
    journal.write_text(json.dumps({"time": AT.isoformat(), "event": INTENT, "run": "sync-1", "kind": "sync",
                                   "surface": "cli", "asset": f"{root}/x.jpg"}) + "\n")
    store = SnapshotStore.at(tmp_path / "store")
    _worded(NewerCheck(journal, store).line(meta, None), AT, "newer numbers (a journaled write)")
    store.folder.mkdir()
    (store.folder / META_FILE).write_text(json.dumps({"surface": "app", READS_BEGAN: AT.isoformat()}))
    _worded(NewerCheck(tmp_path / "none.jsonl", store).line(meta, None), AT, "newer numbers (a newer snapshot)")
    newer = snapshot_at(AT.isoformat(), 3, 1, root=root)
    record_audit(audit(newer), newer.meta, "report")
    line = NewerCheck(tmp_path / "none.jsonl", SnapshotStore.at(tmp_path / "empty")).line(meta, None)
    _worded(line, read_records()[-1]["recorded_at"], "newer numbers (an audit of a newer snapshot)")


def test_the_freshness_note_on_a_snapshot_stamped_in_the_future_words_its_moment_with_the_owner(tmp_path):
    chosen = decision(fresh_meta(minutes_ago=-60.45), tmp_path / "none.jsonl")
    _worded(chosen.reason, datetime(2026, 12, 3, 13, 0, 27, tzinfo=timezone.utc), "freshness (stamped ahead)")


def test_the_historys_change_words_its_moment_with_the_owner():
    for taken, in_sync in ((AT - timedelta(days=1), 9), (AT, 7)):
        snapshot = snapshot_at(taken.isoformat(), in_sync, 10 - in_sync)
        record_audit(audit(snapshot), snapshot.meta, "notebook")
    alert = coverage_alert(read_history("http://aem", "/c/d"), fail_drop=5)
    assert alert.failed
    _worded(alert.message, AT - timedelta(days=1), "history (coverage fell since)")


class _RefusingAem:
    def sling_post(self, *args, **kwargs):
        raise AemError("403 Forbidden")


def test_lease_summary_and_demo_words_word_their_moments_with_the_owner():
    lease = Lease("sync-20261206T134827Z-abc123", "ada", "laptop", 1, AT)
    _worded(lease.words(), AT, "lease in flight")
    _worded(release(_RefusingAem(), lease), AT, "lease not removed")
    snapshot = snapshot_at(AT.isoformat(), 1, 1)
    _worded(snapshot.summary(), AT, "snapshot summary")
    _worded(since_words(AT.isoformat()), AT, "demo DAM running since")


def test_the_panels_refresh_message_words_its_moment_with_the_owner(demo_readonly, tmp_path):
    client = demo_readonly.client
    snapshot = take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False)
    panel = AuditPanel(client, audit(snapshot), Journal(tmp_path / "j.jsonl"), snapshot.smart_tags, root=DEMO_ROOT)
    before = datetime.now(timezone.utc)
    panel.refresh_button.click()
    panel.wait()
    message = panel.messages[-1]
    assert message.startswith("Refreshed "), message
    _worded(message, before if moment_words(before) in message else datetime.now(timezone.utc), "panel Refresh")
