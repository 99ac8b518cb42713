"""write/diffwords.py: a planned XMP node change in words."""

from tests.conftest import xmp_node
from xmpaudit.core.acs import SyncArguments
from xmpaudit.write.diffwords import describe_change


def test_creating_and_deleting_the_array():
    assert describe_change(None, xmp_node([("dog", 0.9), ("cat", 0.4)]), SyncArguments()) == \
        "creates the XMP array with 2 tags: “dog”, “cat”"
    assert describe_change(None, xmp_node([]), SyncArguments()) == "creates an empty XMP array"
    assert describe_change(xmp_node([("dog", 0.9), ("cat", 0.4)]), None,
                           SyncArguments()) == "deletes the XMP array (2 tags)"
    assert describe_change(None, None, SyncArguments()) == "nothing to write"


def test_adds_removes_reorders_and_confidences_in_one_line():
    before = xmp_node([("dog", 0.81), ("old-tag", 0.5), ("cat", 0.4)])
    after = xmp_node([("cat", 0.4), ("dog", 0.9), ("leather", 0.7)])
    assert describe_change(before, after, SyncArguments()) == \
        "adds “leather”; removes “old-tag”; reorders 2; confidence of “dog” 0.81→0.90"


def test_long_lists_are_cut_with_a_count():
    after = xmp_node([(f"t{i}", 0.5) for i in range(8)])
    assert describe_change(xmp_node([]), after, SyncArguments()) == "adds “t0”, “t1”, “t2”, “t3”, “t4” (+3 more)"
    before = xmp_node([(f"t{i}", 0.1) for i in range(7)])
    words = describe_change(before, xmp_node([(f"t{i}", 0.2) for i in range(7)]), SyncArguments())
    assert words.count("confidence of") == 5 and words.endswith("2 more confidences")


def test_a_structural_fix_says_the_tags_are_unchanged():
    assert describe_change(xmp_node([("dog", 0.9)], size=3), xmp_node([("dog", 0.9)]), SyncArguments()) == \
        "fixes the node's structure (array size, numbering or types); tags unchanged"


def test_custom_item_properties_are_read_with_the_arguments():
    args = SyncArguments(name_property="dam:tagName", confidence_property="dam:score")
    node = {"xmpNodeType": "xmpArray", "1": {"dam:tagName": "sky", "dam:score": 0.5},
            "2": {"dam:tagName": "sea", "dam:score": 0.4}}
    assert describe_change(None, node, args) == "creates the XMP array with 2 tags: “sky”, “sea”"


def test_removed_tags_are_named_even_when_the_name_reads_as_words():
    before = xmp_node([("dog", 0.9), ("outdated tag", 0.5)])
    assert describe_change(before, xmp_node([("dog", 0.9)]), SyncArguments()) == "removes “outdated tag”"
    assert describe_change(None, xmp_node([("dog", 0.9)]), SyncArguments()) == "creates the XMP array with 1 tag: “dog”"


def test_confidences_read_as_every_view_shows_them_unless_that_hides_the_change():
    assert describe_change(xmp_node([("dog", 0.8123)]), xmp_node([("dog", 0.9)]),
                           SyncArguments()) == "confidence of “dog” 0.81→0.90"
    assert describe_change(xmp_node([("dog", 0.8123)]), xmp_node([("dog", 0.8127)]), SyncArguments()) == \
        "confidence of “dog” 0.8123→0.8127"
