"""ui/grid.py: the panel's rows — status badges, reasons in words, tags in stored order, links to AEM."""

from tests.conftest import asset_hit, snapshot_from_hits, xmp_node
from xmpaudit.audit.compare import audit
from xmpaudit.audit.fixlist import fix_list
from xmpaudit.core.statuses import STATUSES, status_words
from xmpaudit.ui.grid import BADGE_TEXT_AND_SYMBOL, FIX_COLUMNS, asset_link, local_fix_frame, status_badge

HITS = [
    asset_hit("/c/f/in sync.jpg", [{"name": "dog", "confidence": 0.9}], xmp_node([("dog", 0.9)])),
    asset_hit("/c/f/missing.jpg", [{"name": "cat", "confidence": 0.4}, {"name": "sky", "confidence": 0.8}]),
    asset_hit("/c/g/stale #1.jpg", [{"name": "dog", "confidence": 0.9}], xmp_node([("dog", 0.5)])),
    asset_hit("/c/g/untagged.jpg"),
]


def test_every_status_has_a_badge_with_a_symbol_and_its_words():
    assert set(BADGE_TEXT_AND_SYMBOL) == set(STATUSES)
    for status in STATUSES:
        badge = status_badge(status)
        assert BADGE_TEXT_AND_SYMBOL[status][1] in badge and status_words(status) in badge


def test_a_badge_escapes_what_it_shows():
    assert "<script>" not in status_badge("<script>")


def test_links_go_to_the_assets_page_with_the_path_quoted():
    assert asset_link("https://aem/", "/c/g/stale #1.jpg") == "https://aem/assetdetails.html/c/g/stale%20%231.jpg"


def test_one_row_per_audited_asset_in_fix_priority_order_with_tags_in_stored_order():
    snapshot = snapshot_from_hits(HITS)
    result = audit(snapshot)
    frame = local_fix_frame(result, snapshot.smart_tags, "https://aem")
    assert list(frame.columns) == FIX_COLUMNS
    first = fix_list(result, snapshot.smart_tags)["path"].tolist()  # the fix list's order, then the rest
    assert list(frame.index) == first + [h["jcr:path"] for h in HITS if h["jcr:path"] not in first]
    row = frame.loc["/c/f/missing.jpg"]
    assert (row["name"], row["folder"], row["status"]) == ("missing.jpg", "/c/f", "missing_xmp")
    assert row["tags"] == "cat, sky" and row["top_confidence"] == 0.8  # as stored under predictedTags
    assert frame.loc["/c/g/untagged.jpg", "tags"] == "" and frame["reason"].str.len().gt(0).all()
    assert frame.loc["/c/g/stale #1.jpg", "link"] == "https://aem/assetdetails.html/c/g/stale%20%231.jpg"
