"""The headline, the prioritised fix list and its exports (AEM CSV, path list, Excel), all safe from formula
injection."""

import csv
import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from tests.conftest import asset_hit, snapshot_from_hits, xmp_node
from xmpaudit.audit.compare import audit
from xmpaudit.audit.fixlist import FIX_LIST_COLUMNS, aem_metadata_csv, export, fix_list
from xmpaudit.audit.headline import headline, summary
from xmpaudit.audit.report import write_report
from xmpaudit.core.cells import FORMULA_TRIGGERS, safe_cell
from xmpaudit.core.errors import ConfigError
from xmpaudit.core.statuses import reason_words, stale_flags_of

EVIL = ["=HYPERLINK(\"http://x\")", "+1+2", "-3", "@SUM(A1)", "\tcmd", "\rcmd"]


def snapshot_of(hits):
    return snapshot_from_hits(hits, source="http://aem", root="/c/d", taken_at="2026-11-25T10:00:00+00:00")


@pytest.fixture
def snap():
    dog = [{"name": "dog", "confidence": 0.9}]
    return snapshot_of([
        asset_hit("/c/d/big/a.jpg", dog, xmp_node([("dog", 0.9)])),                       # in sync
        asset_hit("/c/d/big/b.jpg", [{"name": "cat", "confidence": 0.5}]),                # missing
        asset_hit("/c/d/big/c.jpg", [{"name": "owl", "confidence": 0.95},                 # missing, confident
                                     {"name": "zero", "confidence": 0.0, "isCustom": True}]),
        asset_hit("/c/d/big/d.jpg", dog, xmp_node([("cat", 0.9)])),                       # stale (names)
        asset_hit("/c/d/small/e.jpg", [{"name": "sky", "confidence": 0.99}]),             # missing, small folder
        asset_hit("/c/d/small/f.jpg", None, xmp_node([("x", 0.1)])),                      # orphan
        asset_hit("/c/d/small/g.jpg", None),                                               # no smart tags
    ])


def test_headline_coverage_shares_change_and_worst_folders(snap):
    result = audit(snap)
    head = headline(result, {"taken_at": "2026-11-24T10:00:00+00:00",
                             "counts": {"missing_xmp": 5, "in_sync": 0, "stale_xmp": 1}}, snap.meta)
    assert head.tagged == 5 and head.coverage_pct == 20.0  # 1 of the 5 assets with smart tags
    assert head.coverage_change == 20.0
    row = head.by_status.set_index("status").loc["missing_xmp"]
    assert (row["label"], row["assets"], row["share_pct"], row["change"]) == ("XMP missing", 3, 42.9, -2)
    assert head.worst_folders["folder"].tolist() == ["/c/d/small", "/c/d/big"]  # 0% before 25%
    text = summary(result, head.previous, snap.meta)
    assert text == head.to_markdown()
    assert ("**20.0%** of the 5 assets with smart tags have their tags in XMP (+20.0 points since 24 Nov 2026, "
            "10:00 UTC)") in text
    assert "- XMP missing: 3 (42.9%) (-2)" in text and "- small: 0.0% covered, 2 to fix" in text
    assert "no_smart_tags" not in text and "No smart tags: 1 (14.3%)" in text


def test_headline_without_tagged_assets_and_reasons_in_words():
    result = audit(snapshot_of([asset_hit("/c/d/x.jpg", None)]))
    assert headline(result).coverage_pct is None and "No asset with smart tags" in summary(result)
    words = reason_words("stale_xmp", None, stale_flags_of("size", "names", "order"))
    assert words == "XMP differs in number of tags, tag names, tag order"
    assert reason_words("missing_xmp", pd.NA) == ""


def test_fix_list_order_words_tags_flags_and_links(snap):
    fixes = fix_list(audit(snap), snap.smart_tags, "http://aem:4502/")
    assert fixes["path"].tolist() == ["/c/d/big/c.jpg", "/c/d/big/b.jpg", "/c/d/small/e.jpg",  # missing: big folder
                                      "/c/d/big/d.jpg", "/c/d/small/f.jpg"]                  # then stale, orphan
    assert fixes["priority"].tolist() == [1, 2, 3, 4, 5]
    first = fixes.iloc[0]
    assert (first["name"], first["folder"], first["problem"]) == ("c.jpg", "/c/d/big", "XMP missing")
    assert (first["tags"], first["tag_count"], first["top_confidence"]) == ("owl, zero", 2, 0.95)
    assert first["tag_flags"] == "written with confidence 0.0: zero; custom: zero"
    assert first["link"] == "http://aem:4502/assetdetails.html/c/d/big/c.jpg"
    stale = fixes.set_index("path").loc["/c/d/big/d.jpg"]
    assert stale["reason"].startswith("XMP differs in") and stale["tag_flags"] == ""
    assert fix_list(audit(snap), snap.smart_tags)["link"].isna().all()


def test_aem_csv_path_list_and_excel_exports(snap, tmp_path):
    result = audit(snap)
    # without a tag property there is nothing AEM could import: the .csv is the fix list, its columns say so
    rows = list(csv.reader(export(result, snap.smart_tags, tmp_path / "f.csv").open(encoding="utf-8")))
    assert rows[0] == FIX_LIST_COLUMNS and len(rows) == 6
    assert rows[1][FIX_LIST_COLUMNS.index("path")] == "/c/d/big/c.jpg" and rows[1][0] == "1"
    imported = export(result, snap.smart_tags, tmp_path / "i.csv", tag_property="dc:subject")
    rows = list(csv.reader(imported.open(encoding="utf-8")))
    assert rows[0] == ["assetPath", "dc:subject {{String : MULTI}}"] and rows[1] == ["/c/d/big/c.jpg", "owl|zero"]
    with_tags = aem_metadata_csv(result, fix_list(result, snap.smart_tags), tag_property="dc:subject")
    assert with_tags.columns.tolist() == ["assetPath", "dc:subject {{String : MULTI}}"]
    assert with_tags.iloc[0, 1] == "owl|zero"
    paths = export(result, snap.smart_tags, tmp_path / "f.txt").read_text().splitlines()
    assert paths[0] == "/c/d/big/c.jpg" and len(paths) == 5
    book = load_workbook(export(result, snap.smart_tags, tmp_path / "f.xlsx", client_base_url="http://aem"))
    assert book.sheetnames == ["Summary", "By status", "Worst folders", "Fix list", "Invalid", "Tag differences"]
    with pytest.raises(ConfigError, match=r"must end in \.csv"):
        export(result, snap.smart_tags, tmp_path / "f.pdf")


def test_tag_with_the_multi_value_delimiter_is_refused_in_the_tag_column():
    snap = snapshot_of([asset_hit("/c/a.jpg", [{"name": "a|b", "confidence": 0.9}])])
    result = audit(snap)
    with pytest.raises(ConfigError, match="multi-value delimiter"):
        aem_metadata_csv(result, fix_list(result, snap.smart_tags), tag_property="dc:subject")


def test_a_tag_name_holding_a_comma_stays_one_value_in_the_import_column(tmp_path):
    tags = [{"name": "Smith, John", "confidence": 0.9}, {"name": "portrait", "confidence": 0.8}]
    snap = snapshot_of([asset_hit("/c/a.jpg", tags)])
    result = audit(snap)
    imported = export(result, snap.smart_tags, tmp_path / "i.csv", tag_property="dc:subject")
    rows = list(csv.reader(imported.open(encoding="utf-8")))
    assert rows[1] == ["/c/a.jpg", "Smith, John|portrait"]


@pytest.mark.parametrize("value", EVIL)
def test_safe_cell_neutralises_formula_starts(value):
    assert safe_cell(value) == "'" + value
    assert safe_cell("dog") == "dog" and safe_cell(-1.5) == -1.5 and safe_cell("/c/d") == "/c/d"


def test_no_export_or_report_cell_is_a_formula(tmp_path):
    """Item 8.8: tag names and file names starting with = + - @ tab CR stay text in CSV and Excel."""
    tags = [{"name": name, "confidence": 0.5 + i / 100} for i, name in enumerate(EVIL)]
    snap = snapshot_of([asset_hit(f"/c/d/{name.strip()}.jpg", tags, xmp_node([("old", 0.1)])) for name in EVIL[:4]]
                       + [asset_hit("/c/d/=new.jpg", tags)])
    result = audit(snap)
    files = [export(result, snap.smart_tags, tmp_path / name) for name in ("f.csv", "f.xlsx")]
    with_tags = aem_metadata_csv(result, fix_list(result, snap.smart_tags), tag_property="dc:subject")
    files.append(tmp_path / "tags.csv")
    from xmpaudit.audit.fixlist import write_csv

    write_csv(with_tags, files[-1])
    files += [write_report(result, snap, tmp_path / name) for name in ("r.csv", "r.xlsx")]
    texts = []
    for path in files:
        if path.suffix == ".csv":
            texts += [cell for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8"))) for cell in row]
        else:
            for sheet in load_workbook(path):
                for row in sheet.iter_rows():
                    for cell in row:
                        assert cell.data_type != "f", f"{path.name}!{sheet.title}{cell.coordinate} is a formula"
                        if isinstance(cell.value, str):
                            texts.append(cell.value)
    assert any(t.startswith("'=HYPERLINK") for t in texts) and any(t == "'=new.jpg" for t in texts)
    assert not [t for t in texts if t.startswith(FORMULA_TRIGGERS)]


def test_html_report_starts_with_the_summary_and_escapes_tag_names(snap, tmp_path):
    snap = snapshot_of([asset_hit("/c/d/a.jpg", [{"name": "<script>x</script>", "confidence": 0.5}])])
    page = write_report(audit(snap), snap, tmp_path / "r.html").read_text()
    body = page.split("<body>", 1)[1]
    assert body.index("Smart tags → XMP coverage") < body.index("Coverage per folder")
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert 'href="http://aem/assetdetails.html/c/d/a.jpg"' in page


def test_audit_result_summary_is_the_headline_markdown(snap):
    result = audit(snap)
    assert result.summary() == summary(result)
    assert "%" in result.summary()
