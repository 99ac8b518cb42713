"""audit/report.py: the report's format follows the file name; HTML starts with the headline; nothing else."""

import pandas as pd
import pytest
from openpyxl import load_workbook

from tests.conftest import asset_hit, snapshot_from_hits, xmp_node
from xmpaudit.audit.compare import audit
from xmpaudit.audit.report import write_report
from xmpaudit.core.errors import ConfigError

HITS = [asset_hit("/c/f/a.jpg", [{"name": "dog", "confidence": 0.9}], xmp_node([("dog", 0.9)])),
        asset_hit("/c/f/b.jpg", [{"name": "=cmd", "confidence": 0.4}])]


@pytest.fixture(scope="module")
def audited():
    snapshot = snapshot_from_hits(HITS, source="http://aem", root="/c")
    return audit(snapshot), snapshot


def test_html_report_starts_with_the_headline(audited, tmp_path):
    result, snapshot = audited
    path = write_report(result, snapshot, tmp_path / "r" / "audit.HTML")
    text = path.read_text(encoding="utf-8")
    assert text.lstrip().lower().startswith("<!doctype html") or text.lstrip().lower().startswith("<html")
    assert "50.0%" in text and "<img" in text


def test_csv_report_has_one_row_per_asset_and_safe_cells(audited, tmp_path):
    result, snapshot = audited
    frame = pd.read_csv(write_report(result, snapshot, tmp_path / "audit.csv"))
    assert frame["path"].tolist() == ["/c/f/a.jpg", "/c/f/b.jpg"]
    assert not frame.astype(str).apply(lambda c: c.str.startswith(("=", "+", "-", "@"))).any().any()


def test_excel_report_has_sheets(audited, tmp_path):
    result, snapshot = audited
    book = load_workbook(write_report(result, snapshot, tmp_path / "audit.xlsx"))
    assert len(book.sheetnames) >= 2


@pytest.mark.parametrize("name", ["audit.pdf", "audit", "audit.html.txt"])
def test_other_file_names_are_one_clear_error_and_write_nothing(audited, tmp_path, name):
    result, snapshot = audited
    with pytest.raises(ConfigError, match=r"must end in \.html, \.csv or \.xlsx"):
        write_report(result, snapshot, tmp_path / "out" / name)
    assert not (tmp_path / "out").exists()
