"""read/frames.py: QueryBuilder hits into three typed, integer-keyed frames, with the XMP node's shape as bits."""

import pandas as pd
import pytest

from tests.conftest import asset_hit, xmp_node
from xmpaudit.core.acs import SyncArguments
from xmpaudit.read.frames import (
    ASSET_COLUMNS,
    SHAPE_EXTRA_PROPERTIES,
    SHAPE_STRUCTURE,
    SHAPE_TYPES,
    SMART_TAG_COLUMNS,
    XMP_TAG_COLUMNS,
    FrameBuilder,
    frames_from_hits,
)

DOG = [{"name": "dog", "confidence": 0.9}]


def shaped(change):
    node = xmp_node([("dog", 0.9)])
    change(node)
    return node


HITS = [
    asset_hit("/c/f/a.jpg", DOG, xmp_node([("dog", 0.9)])),
    asset_hit("/c/f/b.jpg", [{"name": "dog", "confidence": "abc"}], shaped(lambda n: n["1"].update(isCustom=False))),
    asset_hit("/c/g/c.jpg", None, shaped(lambda n: n["1"].update({"dam:predictedTagConfidence": "0.9"}))),
    asset_hit("/c/g/d.jpg", None, shaped(lambda n: n.update(xmpArrayType="rdf:Bag"))),
    asset_hit("/c/g/e.jpg", metadata=False),
]


def dtypes(frame):
    return dict(frame.dtypes.astype(str))


def expected_dtypes(columns):
    return {k: str(pd.Series(dtype=v).dtype) for k, v in columns.items()}


def test_frames_have_the_declared_columns_and_types():
    assets, tags, xmp = frames_from_hits(HITS, SyncArguments())
    assert dtypes(assets) == expected_dtypes(ASSET_COLUMNS)
    assert dtypes(tags) == expected_dtypes(SMART_TAG_COLUMNS)
    assert dtypes(xmp) == expected_dtypes(XMP_TAG_COLUMNS)


def test_assets_are_keyed_by_row_and_tag_rows_point_at_them():
    assets, tags, xmp = frames_from_hits(HITS, SyncArguments())
    assert assets["asset_id"].tolist() == list(range(5))
    assert assets["folder"].astype(str).tolist() == ["/c/f", "/c/f", "/c/g", "/c/g", "/c/g"]
    assert assets["name"].tolist() == ["a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg"]
    assert tags["asset_id"].tolist() == [0, 1] and xmp["asset_id"].tolist() == [0, 1, 2, 3]
    assert tags["asset"].astype(str).tolist() == ["/c/f/a.jpg", "/c/f/b.jpg"]


def test_the_xmp_nodes_shape_is_recorded_as_bits():
    assets, _, xmp = frames_from_hits(HITS, SyncArguments())
    assert assets["xmp_shape"].tolist() == [0, SHAPE_EXTRA_PROPERTIES, SHAPE_TYPES, SHAPE_STRUCTURE, 0]
    assert xmp["item_shape"].tolist() == [0, SHAPE_EXTRA_PROPERTIES, SHAPE_TYPES, 0]


def test_missing_metadata_and_unreadable_confidences_are_kept_as_facts():
    assets, tags, _ = frames_from_hits(HITS, SyncArguments())
    assert assets["has_metadata"].tolist() == [True, True, True, True, False]
    assert assets["xmp_present"].tolist() == [True, True, True, True, False]
    assert assets["xmp_array_size"].isna().tolist() == [False, False, False, False, True]
    assert pd.isna(tags["confidence"][1]) and tags["confidence_problem"].astype(str)[1] == "not numeric: 'abc'"


def test_other_xmp_names_are_read_with_the_arguments():
    args = SyncArguments(sequence_name="dam:other")
    hit = asset_hit("/c/a.jpg", DOG, None)
    hit["jcr:content"]["metadata"]["dam:other"] = xmp_node([("dog", 0.9)])
    assets, _, xmp = frames_from_hits([hit], args)
    assert assets["xmp_present"].tolist() == [True] and xmp["name"].astype(str).tolist() == ["dog"]
    assert frames_from_hits([hit], SyncArguments())[0]["xmp_present"].tolist() == [False]


def test_building_page_by_page_equals_building_at_once():
    builder = FrameBuilder(SyncArguments())
    for page in (HITS[:2], HITS[2:3], HITS[3:]):
        builder.add_hits(page)
    assert len(builder) == 5
    for built, whole in zip(builder.build(), frames_from_hits(HITS, SyncArguments()), strict=True):
        pd.testing.assert_frame_equal(built, whole)


@pytest.mark.parametrize("hits", [[]], ids=["no hits"])
def test_no_hits_give_empty_typed_frames(hits):
    assets, tags, xmp = frames_from_hits(hits, SyncArguments())
    assert (len(assets), len(tags), len(xmp)) == (0, 0, 0)
    assert dtypes(assets) == expected_dtypes(ASSET_COLUMNS)
