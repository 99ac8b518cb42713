"""One format for times and numbers on every surface: the CLI's audit (banner and headline), what-if and sync
preview, the HTML report, the headline and the history table show no ISO timestamps, no seconds or fractions of
seconds, confidences with two decimals and percentages with one (core/dates, core/number_words)."""

import re

import pytest

from xmpaudit.audit.compare import audit
from xmpaudit.audit.history_table import history_table
from xmpaudit.audit.report import write_report
from xmpaudit.audit.tables import table_html
from xmpaudit.cli.main import main
from xmpaudit.core.dates import moment_words, table_time
from xmpaudit.read.snapshot import Snapshot
from xmpaudit.simulator.demo import AWKWARD_NAMES
from xmpaudit.workspace.history import read_history

ISO = re.compile(r"\d{4}-\d\d-\d\dT|\d\d:\d\d:\d\d")           # an ISO stamp, or a time with seconds
LONG_DECIMAL = re.compile(r"(?<![\d.])\d+\.\d{3,}(?![\d.])")     # 0.8123: more than the two decimals of a confidence
PERCENT = re.compile(r"(?<![\d.])\d+(?:\.\d+)?%")


def _check(text: str, where: str) -> None:
    text = re.sub(r'src="data:image/png;base64,[^"]*"|href="[^"]*"|<style>.*?</style>', "", text, flags=re.S)
    for name in AWKWARD_NAMES:  # the demo's file names ("50% off.jpg") are names, not numbers
        text = text.replace(name, "")
    assert not ISO.search(text), f"{where}: {ISO.search(text).group(0)!r} in {text[:2000]}"
    assert not LONG_DECIMAL.search(text), f"{where}: {LONG_DECIMAL.search(text).group(0)!r}"
    for percent in PERCENT.findall(text):
        assert re.fullmatch(r"[\d,]+\.\d%", percent), f"{where}: percentage {percent!r}"


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
