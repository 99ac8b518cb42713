"""History compares like with like: each record names the surface that audited, the arguments (threshold) and
whether it is of the live series; "change since" and ``--fail-drop`` compare only audits with the same arguments
and say when the threshold changed; the plot draws one series per threshold; what-if and offline audits at another
threshold stay out of the live series; a scheduled report's alert judges only its own AEM; damaged history lines
are skipped with a warning and never block an audit."""

from __future__ import annotations

import argparse
import logging

import pytest

from tests.conftest import DEMO_ROOT, client_for
from tests.test_history import snapshot_at
from xmpaudit.audit.compare import audit
from xmpaudit.audit.headline import headline
from xmpaudit.cli.alert_options import alert_exit
from xmpaudit.cli.main import main
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.locations import history_path
from xmpaudit.workspace.history import coverage_alert, previous_counts, read_history, read_records, record_audit
from xmpaudit.workspace.history_plot import coverage_over_time
from xmpaudit.workspace.session import open_session

AT = {0.0: SyncArguments(), 0.95: SyncArguments(minimum_confidence=0.95)}


def audited(day: int, threshold: float, in_sync: int = 8, missing: int = 2, *, live: bool = True,
            source: str = "http://aem", surface: str = "notebook"):
    snapshot = snapshot_at(f"2026-11-0{day}T10:00:00+00:00", in_sync, missing, source=source)
    result = audit(snapshot, AT[threshold])
    record_audit(result, snapshot.meta, surface, live=live)
    return snapshot, result


def test_records_name_surface_arguments_and_series():
    audited(1, 0.0, surface="app")
    audited(2, 0.95, live=False, surface="cli what-if")
    first, second = read_records()
    assert (first["surface"], first["minimum_confidence"], first["live"]) == ("app", 0.0, True)
    assert first["process_args"] == SyncArguments().to_process_args()
    assert (second["surface"], second["minimum_confidence"], second["live"]) == ("cli what-if", 0.95, False)


def test_change_since_compares_only_audits_at_the_same_threshold():
    audited(1, 0.0, in_sync=9, missing=1)
    at_half, result = audited(2, 0.95)
    assert previous_counts(at_half.meta, arguments=AT[0.95]) is None  # the only earlier audit was at 0
    audited(3, 0.95, in_sync=5, missing=5)
    later, result = audited(4, 0.0, in_sync=6, missing=4)
    previous = previous_counts(later.meta, arguments=AT[0.0])
    assert previous["taken_at"].startswith("2026-11-01") and previous["minimum_confidence"] == 0.0
    assert "had minimumConfidence 0.95, not compared" in previous["threshold_note"]
    sentence = headline(result, previous, later.meta).coverage_sentence()
    assert "(-30.0 points since 1 Nov 2026, 10:00 UTC; the audit at 3 Nov 2026, 10:00 UTC had " \
           "minimumConfidence 0.95, not compared)" in sentence


def test_fail_drop_compares_like_with_like_and_says_the_threshold_changed():
    audited(1, 0.0, in_sync=9, missing=1)
    audited(2, 0.95, in_sync=1, missing=9)   # another threshold: 10%, not a fall of 80 points
    calm = coverage_alert(read_history("http://aem", "/c/d"), fail_drop=5)
    assert not calm.failed and "no earlier snapshot at minimumConfidence 0.95" in calm.message
    assert "minimumConfidence changed from 0 to 0.95, only audits at 0.95 compared" in calm.message
    audited(3, 0.0, in_sync=8, missing=2)  # against the audit at 0 (90%), not the one at 0.95 (10%)
    fell = coverage_alert(read_history("http://aem", "/c/d"), fail_drop=5)
    assert fell.failed and "coverage fell 10.0 points (from 90.0% to 80.0%)" in fell.message
    assert "(-10.0 points since 1 Nov 2026, 10:00 UTC)" in fell.message
    assert not coverage_alert(read_history("http://aem", "/c/d"), fail_drop=15).failed


def test_what_if_and_offline_audits_stay_out_of_the_live_series_and_the_plot_draws_one_series_per_threshold():
    audited(1, 0.0, in_sync=9, missing=1)
    audited(2, 0.95, in_sync=1, missing=9, live=False)  # a what-if: not drawn, not compared
    audited(3, 0.0, in_sync=8, missing=2)
    audited(4, 0.95, in_sync=3, missing=7)
    history = read_history("http://aem", "/c/d")
    assert history["live"].tolist() == [True, False, True, True]
    ax = coverage_over_time(history)
    zero, half = ax.get_lines()[:2]
    assert (zero.get_label(), list(zero.get_ydata())) == ("minimumConfidence 0", [90.0, 80.0])
    assert (half.get_label(), len(half.get_ydata())) == ("minimumConfidence 0.95", 1)
    assert [t.get_text() for t in ax.texts] == ["minimumConfidence 0 → 0.95"]


def test_the_scheduled_alert_judges_only_its_own_aem():
    audited(1, 0.0, in_sync=9, missing=1, source="http://prod", surface="report")
    started = "2026-11-01T00:00:00+00:00"
    audited(2, 0.0, in_sync=9, missing=1, source="http://prod", surface="report")
    audited(3, 0.0, in_sync=1, missing=9, source="http://stage", surface="report")  # recorded last: another AEM
    args = argparse.Namespace(url="http://prod", profile=None, root="/c/d", fail_below=50.0, fail_drop=None,
                              alert_exit_code=3)
    assert alert_exit(args, started) == 0
    assert alert_exit(argparse.Namespace(**{**vars(args), "url": "http://stage"}), started) == 3


@pytest.mark.parametrize("damage", [b"\xff\xfe not utf-8\n", b"{not json\n", b'{"counts": "abc"}\n',
                                    b'{"source": "http://aem", "root": "/c/d", "coverage_pct": "high"}\n', b"[1, 2]\n"])
def test_a_damaged_line_is_skipped_with_a_warning(damage, caplog):
    audited(1, 0.0)
    with history_path().open("ab") as file:
        file.write(damage)
    audited(2, 0.0)
    with caplog.at_level(logging.WARNING):
        assert len(read_history("http://aem", "/c/d")) == 2
    assert "1 damaged line(s) skipped (line 2: " in caplog.text


def test_a_damaged_history_never_blocks_a_session_an_app_or_the_cli(aem_env, capsys):
    history_path().parent.mkdir(parents=True, exist_ok=True)
    history_path().write_bytes(b'\xff\n{"counts": [1]}\n')
    session = open_session(root=DEMO_ROOT, show_progress=False, client=client_for(aem_env))
    session.headline(session.audit())
    assert main(["-q", "audit", "--root", DEMO_ROOT]) == 0
    assert "have their tags in XMP" in capsys.readouterr().out


def test_a_history_file_that_is_a_folder_is_one_warning_and_the_audit_goes_on(aem_env, capsys, caplog):
    history_path().mkdir(parents=True)
    with caplog.at_level(logging.WARNING):
        assert main(["-q", "audit", "--root", DEMO_ROOT]) == 0
    assert "have their tags in XMP" in capsys.readouterr().out
    assert "cannot be written: Is a directory: this audit is not in the coverage history" in caplog.text
