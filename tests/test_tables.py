"""Frames shown in notebooks and reports: headers in words, numbers as every view words them, cells escaped."""

from __future__ import annotations

import pandas as pd

from tests.conftest import asset_hit, snapshot_from_hits, xmp_node
from xmpaudit import as_table
from xmpaudit.audit.compare import audit
from xmpaudit.audit.headline import headline
from xmpaudit.audit.tables import column_words, table_html


def test_headers_in_words_counts_percentages_and_changes_as_the_headline_words_them():
    frame = pd.DataFrame({"status": ["missing_xmp"], "label": ["XMP missing"], "assets": [12345],
                          "share_pct": [40.46], "change": pd.array([pd.NA], dtype="Int64")})
    page = table_html(frame, hide=["status"])
    assert "<th>Status</th>" in page and "<th>Share of all assets</th>" in page and "missing_xmp" not in page
    assert "<td>12,345</td>" in page and "<td>40.5%</td>" in page and "NA" not in page and "nan" not in page
    assert page.count("<td></td>") == 1  # the first snapshot has no change: blank
    assert "<th>Change since the previous snapshot</th>" in page
    assert table_html(frame.assign(change=pd.array([-1234], dtype="Int64"))).count("<td>-1,234</td>") == 1


def test_status_columns_take_the_statuses_words_and_cells_are_escaped():
    assert column_words("stale_xmp") == "XMP out of date" and column_words("tag_count") == "tag count"
    page = as_table(pd.DataFrame({"name": ["<b>x</b>.jpg"], "missing_xmp": [3]}))._repr_html_()
    assert "&lt;b&gt;x&lt;/b&gt;.jpg" in page and "<th>XMP missing</th>" in page


def test_the_notebooks_status_and_folder_tables_show_the_headlines_numbers():
    hits = [asset_hit(f"/c/d/f/{n}.jpg", [{"name": "dog", "confidence": 0.9}], xmp_node([("dog", 0.9)]) if n % 3
                      else None) for n in range(1500)]
    head = headline(audit(snapshot_from_hits(hits, root="/c/d")))
    page = as_table(head.worst_folders)._repr_html_()
    assert "<td>66.7%</td>" in page and "<td>1,500</td>" in page and "<td>500</td>" in page
    assert "- f: 66.7% covered, 500 to fix" in str(head)
