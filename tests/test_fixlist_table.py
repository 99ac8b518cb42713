"""The fix list to scan: no Path column beside the Folder, the folder below the one all rows share, file names
linked to AEM (path on hover) in every HTML view, reasons/tags/flags in one short line with the whole text on
hover, and the same number of worst folders on every surface."""

import inspect
import re

from tests.conftest import asset_hit, snapshot_from_hits, xmp_node
from xmpaudit.audit.compare import audit
from xmpaudit.audit.fixlist import SHORT_CELL, FixListTable, fix_list, short_words
from xmpaudit.audit.headline import WORST_FOLDERS, headline
from xmpaudit.audit.report import write_report
from xmpaudit.core.acs import SyncArguments

ROOT = "/content/dam/scan"
BASE = "https://author.example"


def _snapshot(folders=2):
    hits = []
    for f in range(folders):
        for i in range(3):
            tags = [{"name": f"tag number {n} with a long name", "confidence": 0.9 - n / 100} for n in range(6)]
            xmp = xmp_node([("other", 0.5)]) if i else None
            hits.append(asset_hit(f"{ROOT}/folder {f}/sub/a{i}.jpg", tags, xmp))
    return snapshot_from_hits(hits, SyncArguments(), root=ROOT, source=BASE)


def _page(snapshot):
    result = audit(snapshot)
    return FixListTable(fix_list(result, snapshot.smart_tags, BASE)).to_html(), result


def test_no_path_column_and_the_folder_below_the_shared_one():
    page, _ = _page(_snapshot())
    headers = re.findall(r"<th>(.*?)</th>", page)
    assert "Path" not in headers and f"Folder (under {ROOT})" in headers
    assert "<td>folder 0/sub</td>" in page and f"<td>{ROOT}/folder 0/sub</td>" not in page


def test_file_names_link_to_aem_with_the_path_on_hover():
    page, _ = _page(_snapshot())
    links = re.findall(r'<a href="([^"]+)" target="_blank" title="([^"]+)">([^<]+)</a>', page)
    assert len(links) == 6
    for href, title, name in links:
        assert href.startswith(BASE) and title.startswith(f"{ROOT}/") and title.endswith(name)


def test_long_reasons_and_tag_lists_are_one_short_line_with_the_whole_on_hover():
    page, result = _page(_snapshot())
    fixes = fix_list(result, _snapshot().smart_tags, BASE)
    whole = fixes.loc[0, "tags"]
    assert len(whole) > SHORT_CELL
    assert f'<span title="{whole}">{short_words(whole)}</span>' in page
    assert short_words(whole).endswith(" …") and len(short_words(whole)) <= SHORT_CELL + 2
    assert "white-space:nowrap" in page
    assert fixes.loc[0, "tags"] == whole, "exports keep the whole text"


def test_short_words_cuts_at_a_list_boundary():
    assert short_words("short") == "short"
    assert short_words("XMP differs in number of tags, tag names, confidences, tag order", 40) == \
        "XMP differs in number of tags, tag names …"


def test_the_report_links_file_names_too(tmp_path):
    snapshot = _snapshot()
    page = write_report(audit(snapshot), snapshot, tmp_path / "r.html").read_text(encoding="utf-8")
    assert page.count(f'<a href="{BASE}') == 6


def test_every_headline_lists_the_same_number_of_worst_folders():
    snapshot = _snapshot(folders=WORST_FOLDERS + 3)
    head = headline(audit(snapshot), None, snapshot.meta)
    assert len(head.folder_lines()) == WORST_FOLDERS
    assert head.to_markdown().count("to fix") == WORST_FOLDERS
    from xmpaudit.ui.app import headline_html

    assert inspect.signature(headline_html).parameters["folders"].default == WORST_FOLDERS
    assert headline_html(head).count("to fix") == WORST_FOLDERS
