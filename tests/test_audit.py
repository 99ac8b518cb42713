import pandas as pd
import pytest

from tests.conftest import asset_hit, xmp_node
from xmpaudit.acs import SyncArguments, expected_xmp_node
from xmpaudit.audit import STATUSES, audit, expected_tags
from xmpaudit.frames import ASSET_COLUMNS, SMART_TAG_COLUMNS, frames_from_hits
from xmpaudit.snapshot import Snapshot

DOG, CAT = {"name": "dog", "confidence": 0.9, "isCustom": False}, {"name": "cat", "confidence": 0.4}


def snapshot(hits, args=None):
    args = args or SyncArguments()
    assets, tags, xmp = frames_from_hits(hits, args)
    return Snapshot(assets, tags, xmp, {"arguments": args.to_process_args()})


def status_of(hits, args=None):
    result = audit(snapshot(hits, args), args)
    return dict(zip(result.assets["name"], result.assets["status"].astype(str), strict=True)), result


def test_frames_are_typed_and_keep_stored_order():
    hit = asset_hit("/content/dam/f/a.jpg", [CAT, DOG, {"name": "sky", "confidence": "0.5"}],
                    tag_names=["z", "10", "2"])
    assets, tags, xmp = frames_from_hits([hit])
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
    assert "names" in reasons["stale.jpg"] and "size" in reasons["stale.jpg"]
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
    assert result.assets.loc[0, "reason"] == f"differs in: {reason}"


def test_renumbered_items_are_stale():
    xmp = xmp_node([("dog", 0.9), ("cat", 0.4)])
    xmp["0"] = xmp.pop("1")  # children named 0, 2 instead of 1, 2
    status, result = status_of([asset_hit("/d/a.jpg", [DOG, CAT], xmp)])
    assert status["a.jpg"] == "stale_xmp"
    assert result.assets.loc[0, "reason"] == "differs in: order,structure"


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
    expected = expected_tags(snapshot(hits).smart_tags, 0.0)
    assert expected["index"].tolist() == [1, 2, 3]
    assert result.tags["change"].astype(str).tolist() == ["same", "renamed", "renamed", "removed"]


def test_coverage_and_other_arguments():
    hits = [asset_hit("/d/f1/a.jpg", [DOG], xmp_node([("dog", 0.9)])), asset_hit("/d/f1/b.jpg", [DOG]),
            asset_hit("/d/f2/c.jpg", None)]
    _, result = status_of(hits)
    coverage = result.coverage()
    assert coverage.loc["/d/f1", "coverage_pct"] == 50.0
    assert coverage.loc["/d/f1", "with_smart_tags"] == 2
    assert pd.isna(coverage.loc["/d/f2", "coverage_pct"])
    with pytest.raises(ValueError, match="other XMP node"):
        audit(snapshot(hits), SyncArguments(sequence_name="dam:other"))


def test_custom_sequence_and_property_names():
    args = SyncArguments(sequence_name="dam:smart", name_property="n", confidence_property="c")
    hit = asset_hit("/d/a.jpg", [DOG])
    hit["jcr:content"]["metadata"]["dam:smart"] = expected_xmp_node([("dog", 0.9)], args)
    status, _ = status_of([hit], args)
    assert status["a.jpg"] == "in_sync"
