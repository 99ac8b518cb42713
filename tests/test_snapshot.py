"""read/snapshot.py: a snapshot saved and loaded exactly, refused when damaged, and combined from parts."""

import json

import pandas as pd
import pytest

from tests.conftest import asset_hit, snapshot_from_hits, xmp_node
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import ConfigError, UsageError
from xmpaudit.read.snapshot import Snapshot


def hit(path, tag="dog"):
    return asset_hit(path, [{"name": tag, "confidence": 0.9}], xmp_node([(tag, 0.9)]))


def assert_same(left, right):
    for name in ("assets", "smart_tags", "xmp_tags"):
        pd.testing.assert_frame_equal(getattr(left, name), getattr(right, name))


def test_save_and_load_give_the_same_frames_and_metadata(tmp_path):
    snapshot = snapshot_from_hits([hit("/c/a.jpg"), hit("/c/b b.jpg", "ünïcode"), asset_hit("/c/c.jpg")],
                                  source="http://aem", root="/c", taken_at="2026-11-25T10:00:00+00:00")
    loaded = Snapshot.load(snapshot.save(tmp_path / "s"))
    assert_same(loaded, snapshot)
    assert loaded.meta == snapshot.meta and loaded.arguments == SyncArguments()
    assert loaded.summary() == "3 assets, 2 smart tags, 2 XMP tags from http://aem/c at 25 Nov 2026, 10:00 UTC"
    one = snapshot_from_hits([hit("/c/a.jpg")], source="http://aem", root="/c", taken_at="2026-11-25T10:00:00+00:00")
    assert one.summary().startswith("1 asset, 1 smart tag, 1 XMP tag from")


def test_a_folder_that_is_no_snapshot_is_one_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="is not a snapshot folder"):
        Snapshot.load(tmp_path)


def test_a_snapshot_missing_columns_is_refused(tmp_path):
    folder = snapshot_from_hits([hit("/c/a.jpg")]).save(tmp_path / "s")
    frame = pd.read_parquet(folder / "assets.parquet").drop(columns=["xmp_shape"])
    frame.to_parquet(folder / "assets.parquet", index=False)
    with pytest.raises(ConfigError, match=r"lacks columns \['xmp_shape'\]"):
        Snapshot.load(folder)


def test_concat_rekeys_assets_and_the_last_part_wins(tmp_path):
    old = snapshot_from_hits([hit("/c/a.jpg"), hit("/c/b.jpg")], taken_at="2026-01-02T00:00:00+00:00", requests=2)
    new = snapshot_from_hits([hit("/c/b.jpg", "cat"), hit("/c/c.jpg")], taken_at="2026-01-03T00:00:00+00:00",
                             requests=1)
    both = Snapshot.concat([old, new])
    assert both.assets["path"].tolist() == ["/c/a.jpg", "/c/b.jpg", "/c/c.jpg"]
    assert both.assets["asset_id"].tolist() == [0, 1, 2]
    tags = dict(zip(both.smart_tags["asset"].astype(str), both.smart_tags["name"].astype(str), strict=True))
    assert tags == {"/c/a.jpg": "dog", "/c/b.jpg": "cat", "/c/c.jpg": "dog"}
    assert both.smart_tags["asset_id"].tolist() == [0, 1, 2]
    assert (both.meta["taken_at"], both.meta["requests"], both.meta["parts"]) == ("2026-01-02T00:00:00+00:00", 3, 2)
    assert_same(Snapshot.load(both.save(tmp_path / "b")), both)


def test_parts_read_with_other_xmp_names_cannot_be_combined():
    other = snapshot_from_hits([hit("/c/a.jpg")], SyncArguments(sequence_name="dam:other"))
    with pytest.raises(ConfigError, match="different XMP node/property names"):
        Snapshot.concat([snapshot_from_hits([hit("/c/b.jpg")]), other])
    with pytest.raises(UsageError, match="at least one"):
        Snapshot.concat([])


def test_meta_is_plain_json(tmp_path):
    folder = snapshot_from_hits([hit("/c/a.jpg")], source="http://aem").save(tmp_path / "s")
    meta = json.loads(next(p for p in folder.iterdir() if p.suffix == ".json").read_text(encoding="utf-8"))
    assert meta["source"] == "http://aem" and meta["arguments"] == SyncArguments().to_process_args()
