import json

import pandas as pd
import pytest

from tests.conftest import asset_hit, snapshot_from_hits, xmp_node
from xmpaudit.audit.compare import audit
from xmpaudit.audit.expected import expected_tags
from xmpaudit.core.acs import SyncArguments, expected_xmp_node
from xmpaudit.core.errors import ConfigError
from xmpaudit.core.statuses import STATUSES, stale_reasons
from xmpaudit.read.frames import ASSET_COLUMNS, SMART_TAG_COLUMNS, frames_from_hits

DOG, CAT = {"name": "dog", "confidence": 0.9, "isCustom": False}, {"name": "cat", "confidence": 0.4}


def stale_of(result, row=0):
    """The stale reasons of one asset, as the audit stores them (bits of ``stale_flags``), joined with ","."""
    assert pd.isna(result.assets.loc[row, "reason"])  # no text stored for an out-of-date node: the flags say why
    return ",".join(stale_reasons(result.assets.loc[row, "stale_flags"]))


def status_of(hits, args=None):
    result = audit(snapshot_from_hits(hits, args), args)
    return dict(zip(result.assets["name"], result.assets["status"].astype(str), strict=True)), result


def test_frames_are_typed_and_keep_stored_order():
    hit = asset_hit("/content/dam/f/a.jpg", [CAT, DOG, {"name": "sky", "confidence": "0.5"}],
                    tag_names=["z", "10", "2"])
    assets, tags, xmp = frames_from_hits([hit], SyncArguments())
    assert dict(assets.dtypes.astype(str)) == {k: str(pd.Series(dtype=v).dtype) for k, v in ASSET_COLUMNS.items()}
    assert dict(tags.dtypes.astype(str)) == {k: str(pd.Series(dtype=v).dtype) for k, v in SMART_TAG_COLUMNS.items()}
    assert tags["node_name"].tolist() == ["z", "10", "2"]
    assert tags["name"].tolist() == ["cat", "dog", "sky"]
    assert tags["confidence"].tolist() == [0.4, 0.9, 0.5]
    assert assets.loc[0, "folder"] == "/content/dam/f" and not assets.loc[0, "xmp_present"]
    assert xmp.empty


def test_every_status():
    hits = [
        asset_hit("/d/sync.jpg", [DOG, CAT], xmp_node([("dog", 0.9), ("cat", 0.4)])),
        asset_hit("/d/missing.jpg", [DOG]),
        asset_hit("/d/stale.jpg", [DOG, CAT], xmp_node([("dog", 0.9)])),
        asset_hit("/d/orphan.jpg", None, xmp_node([("old", 0.3)])),
        asset_hit("/d/none.jpg", None),
        asset_hit("/d/empty-xmp.jpg", None, xmp_node([])),
        asset_hit("/d/nometa.jpg", metadata=False),
        asset_hit("/d/crash.jpg", [{"name": "dog"}], None),
        asset_hit("/d/crash2.jpg", [{"name": "dog", "confidence": "high"}], None),
    ]
    status, result = status_of(hits)
    assert status == {"sync.jpg": "in_sync", "missing.jpg": "missing_xmp", "stale.jpg": "stale_xmp",
                      "orphan.jpg": "orphan_xmp", "none.jpg": "no_smart_tags", "empty-xmp.jpg": "no_smart_tags",
                      "nometa.jpg": "invalid", "crash.jpg": "invalid", "crash2.jpg": "invalid"}
    reasons = dict(zip(result.assets["name"], result.assets["reason"], strict=True))
    assert "no metadata node" in reasons["nometa.jpg"]
    assert "'dog' has no usable confidence (missing)" in reasons["crash.jpg"]
    assert "not numeric: 'high'" in reasons["crash2.jpg"]
    assert stale_of(result, result.assets.index[result.assets["name"] == "stale.jpg"][0]) == "size,names"
    assert (result.assets["stale_flags"] > 0).sum() == 1 and result.assets["stale_flags"].dtype == "uint8"
    counts = result.counts()
    assert list(counts.index) == list(STATUSES) and counts.sum() == len(hits)


@pytest.mark.parametrize(
    ("xmp", "reason"),
    [
        (xmp_node([("cat", 0.4), ("dog", 0.9)]), "order"),
        (xmp_node([("dog", 0.8), ("cat", 0.4)]), "confidences"),
        (xmp_node([("dog", 0.9), ("cat", 0.4)], size=5), "size"),
        ({**xmp_node([("dog", 0.9), ("cat", 0.4)]), "xmpArrayType": "rdf:Bag"}, "structure"),
    ],
)
def test_stale_reasons(xmp, reason):
    status, result = status_of([asset_hit("/d/a.jpg", [DOG, CAT], xmp)])
    assert status["a.jpg"] == "stale_xmp"
    assert stale_of(result) == reason


def test_renumbered_items_are_stale():
    xmp = xmp_node([("dog", 0.9), ("cat", 0.4)])
    xmp["0"] = xmp.pop("1")  # children named 0, 2 instead of 1, 2
    status, result = status_of([asset_hit("/d/a.jpg", [DOG, CAT], xmp)])
    assert status["a.jpg"] == "stale_xmp"
    assert stale_of(result) == "order,structure"


def test_minimum_confidence_filter_is_not_a_mismatch():
    args = SyncArguments(minimum_confidence=0.5)
    hits = [
        asset_hit("/d/a.jpg", [DOG, CAT], xmp_node([("dog", 0.9)])),  # cat (0.4) filtered out
        asset_hit("/d/b.jpg", [{"name": "dog"}, DOG], xmp_node([("dog", 0.9)])),  # missing conf -> 0 -> dropped
        asset_hit("/d/c.jpg", [{"name": "  ", "confidence": 0.99}, DOG], xmp_node([("dog", 0.9)])),  # blank
    ]
    status, _ = status_of(hits, args)
    assert set(status.values()) == {"in_sync"}
    # with the default minimum the same data is stale / invalid
    status, _ = status_of(hits)
    assert status == {"a.jpg": "stale_xmp", "b.jpg": "invalid", "c.jpg": "in_sync"}


def test_tag_diff_and_expected_numbering():
    hits = [asset_hit("/d/a.jpg", [DOG, CAT, {"name": "sky", "confidence": 0.2}],
                      xmp_node([("dog", 0.9), ("bird", 0.4), ("x", 0.1), ("y", 0.1)]))]
    _, result = status_of(hits)
    expected = expected_tags(snapshot_from_hits(hits).smart_tags, 0.0)
    assert expected["index"].tolist() == [1, 2, 3]
    assert result.tags["change"].astype(str).tolist() == ["same", "renamed", "renamed", "removed"]


def test_coverage_and_other_arguments():
    hits = [asset_hit("/d/f1/a.jpg", [DOG], xmp_node([("dog", 0.9)])), asset_hit("/d/f1/b.jpg", [DOG]),
            asset_hit("/d/f1/o.jpg", None, xmp_node([("old", 0.5)])), asset_hit("/d/f2/c.jpg", None)]
    _, result = status_of(hits)
    coverage = result.coverage()
    assert coverage.loc["/d/f1", "coverage_pct"] == 50.0  # the orphan array (no smart tags) is not counted
    assert coverage.loc["/d/f1", "with_smart_tags"] == 2 and coverage.loc["/d/f1", "orphan_xmp"] == 1
    assert pd.isna(coverage.loc["/d/f2", "coverage_pct"])
    with pytest.raises(ConfigError, match="other XMP node"):
        audit(snapshot_from_hits(hits), SyncArguments(sequence_name="dam:other"))


def test_custom_sequence_and_property_names():
    args = SyncArguments(sequence_name="dam:smart", name_property="n", confidence_property="c")
    hit = asset_hit("/d/a.jpg", [DOG])
    hit["jcr:content"]["metadata"]["dam:smart"] = expected_xmp_node([("dog", 0.9)], args)
    status, _ = status_of([hit], args)
    assert status["a.jpg"] == "in_sync"


# -- exact comparison with the node the ACS process writes ----------------------------------------------

def exact(tags=(("dog", 0.9), ("cat", 0.4))):
    return expected_xmp_node(list(tags), SyncArguments())


def changed(node, *path_and_value):
    """A copy of ``node`` with ``node[k1][k2]… = value`` (value None deletes)."""
    node = json.loads(json.dumps(node))
    *keys, last, value = path_and_value
    target = node
    for key in keys:
        target = target[key]
    if value is None:
        target.pop(last)
    else:
        target[last] = value
    return node


def test_the_process_output_is_in_sync_and_sling_json_keeps_long_and_double_apart():
    status, result = status_of([asset_hit("/d/a.jpg", [DOG, CAT], exact())])
    assert status["a.jpg"] == "in_sync" and pd.isna(result.assets.loc[0, "reason"])
    # real Sling 11 renders a Double 1.0 as 1.0 and a Long as 1; Python's json keeps float and int apart
    rendered = json.loads('{"xmpArraySize":1,"1":{"dam:predictedTagName":"dog","dam:predictedTagConfidence":1.0}}')
    assert isinstance(rendered["xmpArraySize"], int) and isinstance(rendered["1"]["dam:predictedTagConfidence"], float)
    one = [{"name": "dog", "confidence": 1.0}]
    status, _ = status_of([asset_hit("/d/double.jpg", one, exact([("dog", 1.0)])),
                           asset_hit("/d/long.jpg", one, changed(exact([("dog", 1.0)]), "1",
                                                                 "dam:predictedTagConfidence", 1))])
    assert status == {"double.jpg": "in_sync", "long.jpg": "stale_xmp"}


@pytest.mark.parametrize(
    ("node", "reason"),
    [
        (changed(exact(), "1", "dam:predictedTagConfidence", "0.9"), "types"),  # String
        (changed(exact(), "2", "dam:predictedTagConfidence", True), "confidences,types"),  # Boolean, not 0.4
        (changed(exact(), "1", "dam:predictedTagName", ["dog"]), "types"),  # multi-valued String
        (changed(exact(), "xmpArraySize", 2.0), "types"),  # Double size
        (changed(exact(), "xmpArraySize", "2"), "types"),  # String size
        (changed(exact(), "xmpArraySize", 3), "size"),
        (changed(exact(), "xmpArraySize", None), "size"),
        (changed(exact(), "xmpArrayType", "rdf:Bag"), "structure"),
        (changed(exact(), "xmpNodeType", None), "structure"),
        (changed(exact(), "jcr:primaryType", "sling:Folder"), "structure"),
        (changed(exact(), "2", "jcr:primaryType", "nt:folder"), "structure"),
        (changed(exact(), "2", "xmpNodeType", "xmpArray"), "structure"),
        (changed(exact(), "1", "child", {"jcr:primaryType": "nt:unstructured"}), "structure"),  # grandchild
        (changed(exact(), "jcr:mixinTypes", ["mix:versionable"]), "extra properties"),
        (changed(exact(), "note", "hand edited"), "extra properties"),
        (changed(exact(), "2", "isCustom", False), "extra properties"),
        (changed(exact(), "1", "dam:predictedTagConfidence", 0.9000000000000001), "confidences"),  # no tolerance
        (changed(exact(), "1", "dam:predictedTagConfidence", None), "confidences"),
        (changed(exact(), "1", "dam:predictedTagName", "Dog"), "names"),
        (changed(exact(), "1", "dam:predictedTagName", None), "names"),
    ],
)
def test_every_difference_from_the_process_node_is_stale_with_its_reason(node, reason):
    status, result = status_of([asset_hit("/d/a.jpg", [DOG, CAT], node)])
    assert status["a.jpg"] == "stale_xmp"
    assert stale_of(result) == reason


def test_a_multi_valued_confidence_is_stale_whatever_its_first_value():
    status, result = status_of([asset_hit("/d/a.jpg", [DOG, CAT],
                                          changed(exact(), "1", "dam:predictedTagConfidence", [0.9]))])
    assert status["a.jpg"] == "stale_xmp" and "types" in stale_of(result)


def test_children_not_named_1_to_n_are_stale():
    node = exact()
    node = {**{k: v for k, v in node.items() if not isinstance(v, dict)}, "01": node["1"], "2": node["2"]}
    _, result = status_of([asset_hit("/d/a.jpg", [DOG, CAT], node)])
    assert stale_of(result) == "structure"
    assert result.tags["change"].astype(str).tolist() == ["renumbered", "same"]


def test_negative_zero_is_not_zero():
    tags = [{"name": "dog", "confidence": -0.0}]
    status, _ = status_of([asset_hit("/d/same.jpg", tags, exact([("dog", -0.0)])),
                           asset_hit("/d/zero.jpg", tags, exact([("dog", 0.0)]))])
    assert status == {"same.jpg": "in_sync", "zero.jpg": "stale_xmp"}


def test_untagged_assets():
    empty = exact([])
    hits = [
        asset_hit("/d/no-node.jpg", None),
        asset_hit("/d/empty.jpg", None, empty),  # what the process writes for no tags
        asset_hit("/d/items.jpg", None, exact([("old", 0.3)])),
        asset_hit("/d/size.jpg", None, changed(empty, "xmpArraySize", 2)),
        asset_hit("/d/bag.jpg", None, changed(empty, "xmpArrayType", "rdf:Bag")),
        asset_hit("/d/extra.jpg", None, changed(empty, "note", "x")),
        asset_hit("/d/long-typed.jpg", None, changed(empty, "xmpArraySize", "0")),
        asset_hit("/d/filtered.jpg", [{"name": "dog", "confidence": 0.1}], empty),
    ]
    status, result = status_of(hits, SyncArguments(minimum_confidence=0.5))
    assert status == {"no-node.jpg": "no_smart_tags", "empty.jpg": "no_smart_tags", "items.jpg": "orphan_xmp",
                      "size.jpg": "stale_xmp", "bag.jpg": "stale_xmp", "extra.jpg": "stale_xmp",
                      "long-typed.jpg": "stale_xmp", "filtered.jpg": "in_sync"}
    rows = {name: row for row, name in enumerate(result.assets["name"])}
    assert tuple(stale_of(result, rows[n]) for n in ("size.jpg", "bag.jpg", "extra.jpg", "long-typed.jpg")) == (
        "size", "structure", "extra properties", "types")


def test_item_property_problems_show_in_the_tag_diff():
    node = changed(changed(exact(), "2", "isCustom", False), "1", "dam:predictedTagConfidence", "0.9")
    _, result = status_of([asset_hit("/d/a.jpg", [DOG, CAT], node)])
    assert result.tags["change"].astype(str).tolist() == ["properties", "properties"]
    assert stale_of(result) == "types,extra properties"


def test_names_are_blank_by_java_rules():
    tags = [{"name": "\u00a0", "confidence": 0.5}, {"name": " \t\u2003", "confidence": 0.5},
            {"name": "\u0085", "confidence": 0.5}]
    expected = expected_tags(snapshot_from_hits([asset_hit("/d/a.jpg", tags)]).smart_tags, 0.0)
    assert expected["name"].tolist() == ["\u00a0", "\u0085"]


def test_asset_ids_key_every_frame_and_duplicates_keep_the_first_hit():
    hits = [asset_hit("/d/a.jpg", [DOG], exact([("dog", 0.9)])), asset_hit("/d/b.jpg", [CAT, DOG]),
            asset_hit("/d/a.jpg", [CAT])]
    assets, tags, xmp = frames_from_hits(hits, SyncArguments())
    assert assets["asset_id"].tolist() == [0, 1] and assets["path"].tolist() == ["/d/a.jpg", "/d/b.jpg"]
    assert tags["asset_id"].tolist() == [0, 1, 1] and tags["asset"].astype(str).tolist() == ["/d/a.jpg", "/d/b.jpg",
                                                                                            "/d/b.jpg"]
    assert xmp["asset_id"].tolist() == [0] and tags["name"].tolist() == ["dog", "cat", "dog"]
    assert str(assets["folder"].dtype) == "category" and str(tags["confidence"].dtype) == "float64"
