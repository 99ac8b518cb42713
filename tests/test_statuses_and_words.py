"""One set of statuses, numbers and words in every view: the coverage definition, the status order, stale reasons
as flags worded by one function, the headline identical in the summary, the CLI, the HTML report and the Excel
export, thousands separators and one decimal, plots that say what they show, typed frames, one link builder, and
exports that keep every character. End to end over HTTP against the simulator where it matters."""

from __future__ import annotations

import csv
import html
import re
import warnings
from datetime import datetime, timezone
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
from openpyxl import load_workbook

from tests.conftest import DEMO_ROOT, asset_hit, client_for, small_repository, xmp_node
from xmpaudit.aem.asset_links import asset_link
from xmpaudit.audit import plots
from xmpaudit.audit.compare import audit
from xmpaudit.audit.fixlist import FIX_LIST_COLUMNS, FixListTable, export, export_all, export_views, fix_list
from xmpaudit.audit.headline import headline, summary, worst_folders
from xmpaudit.audit.report import write_report
from xmpaudit.cli.main import main
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.cells import excel_cell
from xmpaudit.core.statuses import (
    NOT_TAGGED,
    STALE_REASONS,
    STATUS_DTYPE,
    STATUS_ORDER,
    STATUS_WORDS,
    STATUSES,
    coverage_columns,
    coverage_of,
    reason_words,
    stale_flags_of,
    stale_reasons,
)
from xmpaudit.read.frames import frames_from_hits
from xmpaudit.read.inventory import take_inventory
from xmpaudit.read.snapshot import Snapshot
from xmpaudit.simulator import Simulator
from xmpaudit.ui.grid import local_fix_frame

PACKAGE = Path(__file__).parent.parent / "xmpaudit"
C0 = [chr(code) for code in range(32)]


@pytest.fixture
def demo(client):
    """The demo DAM read over HTTP: its snapshot and audit."""
    snapshot = take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False)
    return snapshot, audit(snapshot)


def snapshot_of(hits, root="/c/d"):
    assets, tags, xmp = frames_from_hits(hits, SyncArguments())
    return Snapshot(assets, tags, xmp, {"arguments": SyncArguments().to_process_args(), "source": "http://aem",
                                        "root": root, "taken_at": "2026-11-25T10:00:00+00:00"})


# -- 1. one coverage definition, one status order ---------------------------------------------------------------

def test_one_coverage_definition_in_the_headline_the_folder_table_and_the_plot(demo):
    snapshot, result = demo
    counts = result.counts()
    tagged = int(counts.drop(list(NOT_TAGGED)).sum())
    in_sync = int(counts[["in_sync", "not_written_back", "written_back"]].sum())
    assert tagged > 0 and coverage_of(counts) == (round(100 * in_sync / tagged, 1), tagged)
    head = headline(result)
    assert (head.coverage_pct, head.tagged) == coverage_of(counts)
    table = result.coverage()
    assert table["with_smart_tags"].sum() == tagged and table["node_in_sync"].sum() == in_sync
    worst = worst_folders(result).set_index("folder")
    for folder, row in table.iterrows():  # the headline's folders, the coverage table and coverage_of agree
        pct, with_tags = coverage_of(row[list(STATUSES)])
        assert (worst.loc[folder, "with_smart_tags"], row["with_smart_tags"]) == (with_tags, with_tags)
        if pct is None:
            assert pd.isna(row["coverage_pct"]) and pd.isna(worst.loc[folder, "coverage_pct"])
        else:
            assert pct == row["coverage_pct"] == worst.loc[folder, "coverage_pct"]
    by_row = coverage_columns(pd.DataFrame([counts]))
    assert by_row["coverage_pct"].iloc[0] == head.coverage_pct
    # the plot's number beside each bar is the in-sync part of that bar (shares of the tagged assets)
    ax = plots.status_by_folder(result)
    green = {round(p.get_y() + p.get_height() / 2): p.get_width() for p in ax.patches
             if matplotlib.colors.to_hex(p.get_facecolor()).upper() == "#009E73"}
    for y, text in enumerate(t.get_text() for t in ax.texts):
        number = re.match(r"([\d.]+)% covered", text)
        if number:
            assert round(green.get(y, 0.0), 1) == float(number.group(1))
    # the top-tags plot's share is of the same tagged assets as the headline's
    ax = plots.top_tags(snapshot.smart_tags, result=result)
    assert f"% of the {tagged} assets with smart tags" in ax.get_title(loc="left")
    top = ax.texts[0].get_text()
    count, pct = re.match(r"(\d+) \(([\d.]+)%\)", top).groups()
    assert float(pct) == round(100 * int(count) / tagged, 1)


def test_plots_fix_list_grid_and_headline_list_statuses_in_one_order(demo):
    snapshot, result = demo
    shown = [t.get_text() for t in plots.status_shares(result).get_yticklabels()]
    present = [STATUS_WORDS[s] for s in STATUS_ORDER if result.counts()[s] > 0]
    assert shown == present and len(shown) >= 4
    assert headline(result).by_status["status"].astype(str).tolist() == list(STATUS_ORDER)
    fixes = fix_list(result, snapshot.smart_tags, "http://aem")
    assert fixes["status"].dtype == STATUS_DTYPE and fixes["status"].is_monotonic_increasing
    grid = local_fix_frame(result, snapshot.smart_tags, "http://aem")
    assert grid["status"].dtype == STATUS_DTYPE
    assert grid.sort_values("status")["status"].drop_duplicates().astype(str).tolist() == \
        [s for s in STATUS_ORDER if s in set(grid["status"].astype(str))]


# -- 2. stale reasons as flags, worded by one function ------------------------------------------------------------

def test_stale_reasons_are_flags_worded_once_in_every_view(demo, tmp_path):
    snapshot, result = demo
    assets = result.assets
    stale = assets["status"] == "stale_xmp"
    assert stale.sum() > 0 and assets["stale_flags"].dtype == "uint8"
    assert (assets.loc[stale, "stale_flags"] > 0).all() and (assets.loc[~stale, "stale_flags"] == 0).all()
    assert assets.loc[stale, "reason"].isna().all()  # no text to parse back: the flags are the data
    words = {p: reason_words("stale_xmp", None, f) for p, f in zip(assets.loc[stale, "path"],
                                                                    assets.loc[stale, "stale_flags"], strict=True)}
    assert all(w.startswith("XMP differs in ") for w in words.values())
    fixes = fix_list(result, snapshot.smart_tags).set_index("path")
    grid = local_fix_frame(result, snapshot.smart_tags, "http://aem")
    report = pd.read_csv(write_report(result, snapshot, tmp_path / "r.csv")).set_index("path")
    for path, text in words.items():
        assert fixes.loc[path, "reason"] == grid.loc[path, "reason"] == report.loc[path, "reason"] == text
    # nothing in the package parses reason text any more
    for source in PACKAGE.rglob("*.py"):
        assert "differs in: " not in source.read_text(encoding="utf-8"), source


def test_stale_flags_round_trip_and_every_reason_has_words():
    for bit, reason in enumerate(STALE_REASONS):
        assert stale_flags_of(reason) == 1 << bit and stale_reasons(1 << bit) == (reason,)
    every = stale_flags_of(*STALE_REASONS)
    assert stale_reasons(every) == STALE_REASONS
    assert reason_words("stale_xmp", None, every).count(",") == len(STALE_REASONS) - 1
    assert reason_words("invalid", "asset has no metadata node") == "asset has no metadata node"
    assert reason_words("in_sync", pd.NA) == "the XMP holds exactly what the process would write"


# -- 3. one set of numbers and words -----------------------------------------------------------------------------

def test_the_headline_is_identical_in_summary_cli_html_report_and_excel_export(client, tmp_path, monkeypatch,
                                                                               capsys):
    snapshot = take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False)
    snapshot.save(tmp_path / "snap")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XMPAUDIT_HOME", str(tmp_path / "home"))
    result = audit(Snapshot.load(tmp_path / "snap"))
    text = result.summary()
    assert text == summary(result) == headline(result).to_markdown()
    assert text.splitlines()[1].startswith(f"Source: {client.base_url}{DEMO_ROOT}, snapshot taken ")
    assert main(["-q", "audit", "--snapshot", "snap", "--report", "r.html", "--export", "x.xlsx"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(text + "\n")
    body = (tmp_path / "r.html").read_text(encoding="utf-8")
    section = re.search(r'<section id="summary">(.*?)</section>', body, re.S).group(1)
    shown = html.unescape(re.sub(r"<[^>]+>", " ", section)).split()
    assert shown == [word for line in text.replace("**", "").splitlines()
                     for word in (line[2:] if line.startswith("- ") else line).split()]
    sheet = load_workbook(tmp_path / "x.xlsx")["Summary"]
    lines = [row[0] or "" for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert lines == headline(result).to_text_lines() == \
        [("• " + line[2:] if line.startswith("- ") else line).replace("**", "") for line in text.splitlines()]


def test_thousands_separators_and_one_decimal_in_every_view(tmp_path):
    hits = [asset_hit(f"/c/d/big/{n:05d}.jpg", [{"name": "dog", "confidence": 0.9}],
                      xmp_node([("dog", 0.9)]) if n % 3 else None) for n in range(1500)]
    hits += [asset_hit(f"/c/d/small/{n}.jpg", None) for n in range(7)]
    snap = snapshot_of(hits)
    result = audit(snap)
    text = result.summary()
    assert "**66.7%** of the 1,500 assets with smart tags have their tags in XMP; 1,507 assets in all." in text
    assert "- XMP missing: 500 (33.2%)" in text and "- In sync: 1,000 (66.4%)" in text
    assert "- big: 66.7% covered, 500 to fix" in text
    ax = plots.status_by_folder(result)
    assert ax.texts[0].get_text() == "66.7% covered (1,000 of 1,500)\n500 to fix of 1,500 assets"
    assert "(1,507 assets)" in plots.status_shares(result).get_title(loc="left")
    page = write_report(result, snap, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<td>1,000</td>" in page and "<td>66.4%</td>" in page and "What to fix first (500)" in page
    assert "<td>1000</td>" not in page and "<td>1500</td>" not in page and "<td>1507</td>" not in page
    assert "… and 475 more" in FixListTable(fix_list(result, snap.smart_tags)).to_html()
    book = load_workbook(export(result, snap.smart_tags, tmp_path / "a.xlsx"))
    assert book["By status"]["B2"].number_format == "#,##0" and book["By status"]["C2"].number_format == "0.0"


def test_empty_and_untagged_folders_plot_a_sentence_and_name_the_folder():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no matplotlib warning
        empty = audit(snapshot_of([], root="/content/dam/empty"))
        for ax in (plots.status_by_folder(empty), plots.status_shares(empty)):
            assert "under /content/dam/empty" in ax.get_title(loc="left")
            assert [t.get_text() for t in ax.texts] == ["No assets under /content/dam/empty."]
            assert not ax.axison
        untagged = snapshot_of([asset_hit("/content/dam/plain/a.jpg", None)], root="/content/dam/plain")
        result = audit(untagged)
        ax = plots.status_by_folder(result)
        assert ax.get_title(loc="left").startswith("XMP coverage by folder under /content/dam/plain, worst first\n"
                                                   "no asset has smart tags")
        assert [t.get_text() for t in ax.texts] == ["no assets with smart tags\n0 to fix of 1 asset"]
        ax = plots.top_tags(untagged.smart_tags, result=result)
        assert [t.get_text() for t in ax.texts] == ["No asset has smart tags."]
        ax = plots.confidence_histogram(untagged.smart_tags)
        assert [t.get_text() for t in ax.texts] == ["No smart tag has a confidence to show."]
        fig = plots.audit_dashboard(result, untagged.smart_tags)
        assert len(fig.axes) == 4


def test_frames_have_datetime_and_categorical_dtypes(demo, tmp_path):
    snapshot, result = demo
    assert str(snapshot.assets["last_modified"].dtype) == "datetime64[ns, UTC]"
    assert snapshot.assets["last_modified"].notna().all()
    snapshot.save(tmp_path / "s")
    loaded = Snapshot.load(tmp_path / "s")
    pd.testing.assert_series_equal(loaded.assets["last_modified"], snapshot.assets["last_modified"])
    head = headline(result)
    assert isinstance(head.by_status["status"].dtype, pd.CategoricalDtype)
    assert str(head.worst_folders["folder"].dtype) == "string"
    fixes = fix_list(result, snapshot.smart_tags)
    assert all(isinstance(fixes[c].dtype, pd.CategoricalDtype) for c in ("folder", "status", "problem"))
    assert str(result.tags["change"].dtype) == "category"


def test_last_modified_is_read_as_the_moment_aem_holds():
    when = datetime(2026, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
    path = "/content/dam/dates/a.jpg"
    repo = small_repository({path: asset_hit(path, [{"name": "dog", "confidence": 0.5}])})
    repo.node(path).set("jcr:created", when)
    repo.node(path + "/jcr:content").set("jcr:lastModified", when)
    repo.changed()
    with Simulator(repo) as sim, client_for(sim) as client:
        snapshot = take_inventory(client, "/content/dam/dates", SyncArguments(), show_progress=False)
    assert snapshot.assets["last_modified"].tolist() == [pd.Timestamp(when)]
    old = snapshot.assets.assign(last_modified=["Tue Feb 03 2026 05:05:06 GMT+0100"])  # a snapshot of strings
    from xmpaudit.read.frames import ASSET_COLUMNS, typed

    assert typed(old, ASSET_COLUMNS)["last_modified"].tolist() == [pd.Timestamp(when)]


def test_exports_are_named_for_what_they_hold(tmp_path):
    snap = snapshot_of([asset_hit("/c/d/a.jpg", [{"name": "dog", "confidence": 0.9}])])
    result = audit(snap)
    plain = export_all(result, snap.smart_tags, tmp_path / "plain")
    assert [p.name for p in plain] == ["fix-list.csv", "fix-list-paths.txt", "audit.xlsx"]
    assert next(csv.reader(plain[0].open(encoding="utf-8"))) == FIX_LIST_COLUMNS
    tagged = export_all(result, snap.smart_tags, tmp_path / "import", tag_property="dc:subject")
    assert [p.name for p in tagged] == ["fix-list-aem-import.csv", "fix-list-paths.txt", "audit.xlsx"]
    assert list(csv.reader(tagged[0].open(encoding="utf-8"))) == [
        ["assetPath", "dc:subject {{String : MULTI}}"], ["/c/d/a.jpg", "dog"]]


# -- 4. control characters kept in CSV, escaped visibly in Excel ------------------------------------------------------

def test_every_c0_control_character_survives_excel_and_csv(tmp_path):
    tags = [{"name": f"t{char}x", "confidence": 0.5} for char in C0]
    paths = [f"/content/dam/cc/a{char}b.jpg" for char in C0] + ["/content/dam/cc/plain.jpg"]
    repo = small_repository({p: asset_hit(p, tags) for p in paths})
    for path in paths:
        repo.node(path).set("jcr:created", datetime(2026, 1, 1, tzinfo=timezone.utc))
    repo.changed()
    with Simulator(repo) as sim, client_for(sim) as client:  # the names travel through Sling JSON and back
        snap = take_inventory(client, "/content/dam/cc", SyncArguments(), show_progress=False)
        base = client.base_url
    assert sorted(snap.assets["path"].astype(str)) == sorted(paths)
    assert set(snap.smart_tags["name"].astype(str)) == {f"t{char}x" for char in C0}
    result = audit(snap)
    written = [export(result, snap.smart_tags, tmp_path / name, client_base_url=base)
               for name in ("f.csv", "f.xlsx")]
    written += [write_report(result, snap, tmp_path / name) for name in ("r.csv", "r.xlsx", "r.html")]
    fixes = list(csv.DictReader(written[0].open(encoding="utf-8", newline="")))
    assert sorted(row["path"] for row in fixes) == sorted(paths)
    assert {row["tags"] for row in fixes} == {", ".join(f"t{char}x" for char in C0)}  # every character, in order
    reported = list(csv.DictReader(written[2].open(encoding="utf-8", newline="")))
    assert sorted(row["path"] for row in reported) == sorted(paths)
    cells = [cell for sheet in load_workbook(written[1]) for row in sheet.iter_rows(values_only=True) for cell in row
             if isinstance(cell, str)]
    for char in C0:
        shown = char if char in "\t\n\r" else f"\\x{ord(char):02x}"
        assert any(f"t{shown}x" in cell for cell in cells), repr(char)
    assert not any(re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", cell) for cell in cells)
    assert "Assets" in load_workbook(written[3]).sheetnames
    assert "<td>" in written[4].read_text(encoding="utf-8")


def test_excel_cell_escapes_only_what_xml_cannot_hold():
    assert excel_cell("a\x07b") == "a\\x07b" and excel_cell("tab\there") == "tab\there"
    assert excel_cell("=x\x00") == "'=x\\x00" and excel_cell("\ufffe") == "\\ufffe" and excel_cell(3) == 3


# -- 5. one owner of asset links ---------------------------------------------------------------------------------

def test_the_fix_list_the_report_and_the_grid_link_the_same_way(tmp_path):
    path = "/c/d/50% off #1?.jpg"
    snap = snapshot_of([asset_hit(path, [{"name": "dog", "confidence": 0.9}])])
    result = audit(snap)
    link = asset_link("http://aem:4502/", path)
    assert link == "http://aem:4502/assetdetails.html/c/d/50%25%20off%20%231%3F.jpg"
    assert fix_list(result, snap.smart_tags, "http://aem:4502/")["link"].tolist() == [link]
    assert local_fix_frame(result, snap.smart_tags, "http://aem:4502/")["link"].tolist() == [link]
    assert export_views(result, snap.smart_tags, client_base_url="http://aem:4502/")["Fix list"]["link"].tolist() \
        == [link]
    assert asset_link(None, path) is None and asset_link("", path) is None
    assert local_fix_frame(result, snap.smart_tags, "")["link"].isna().all()


def test_date_columns_read_as_parse_jcr_date_reads_one_value():
    from xmpaudit.core.date_columns import utc_times
    from xmpaudit.core.dates import parse_jcr_date

    values = ["Wed Nov 25 2026 10:12:32 GMT+0100", "Wed Nov 25 2026 10:12:32 GMT-0530",
              "Tue Feb 29 2028 00:00:00 GMT+0000", "2026-11-25T10:00:00.123+02:00", "2026-11-25T10:00:00Z", "junk",
              None, "Wed Xyz 25 2026 10:12:32 GMT+0100"]
    got = utc_times(values)
    assert str(got.dtype) == "datetime64[ns, UTC]"
    assert [None if pd.isna(g) else g.to_pydatetime() for g in got] == [parse_jcr_date(v) for v in values]


def test_fix_list_table_speaks_in_words_and_shows_confidence_as_the_grid_does():
    snap = snapshot_of([asset_hit("/c/d/a.jpg", [{"name": "dog", "confidence": 0.97361}])])
    result = audit(snap)
    page = FixListTable(fix_list(result, snap.smart_tags)).to_html()
    assert "<th>Top confidence</th>" in page and "<th>Tags the sync writes</th>" in page
    assert "tag_count" not in page and "top_confidence" not in page
    assert "<td>0.97</td>" in page
    assert fix_list(result, snap.smart_tags).at[0, "top_confidence"] == 0.97361  # exports keep every digit
