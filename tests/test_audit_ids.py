"""The id-keyed, vectorised audit against a plain path-keyed pandas reference; snapshot save/load/concat;
audit_partitions."""

from __future__ import annotations

import json
import random

import numpy as np
import pandas as pd
import pytest

from tests.conftest import asset_hit, snapshot_from_hits
from xmpaudit.aem.querybuilder import asset_query
from xmpaudit.audit.compare import audit
from xmpaudit.audit.partitions import audit_partitions
from xmpaudit.core.acs import SyncArguments, expected_xmp_node, is_blank
from xmpaudit.core.errors import ConfigError, UsageError
from xmpaudit.core.statuses import NODE_IN_SYNC, STATUSES, stale_reasons
from xmpaudit.read.frames import SHAPE_EXTRA_PROPERTIES, SHAPE_STRUCTURE, SHAPE_TYPES
from xmpaudit.read.snapshot import Snapshot
from xmpaudit.simulator import DemoSpec, build_demo_repository
from xmpaudit.simulator.querybuilder import run_query

ARGS = SyncArguments()


# -- a path-keyed reference: merges on path strings, the way the audit worked before integer ids ----------

def reference_audit(snapshot: Snapshot, minimum: float) -> pd.DataFrame:
    """Status and reason per path, from pandas merges on path strings (slow, obvious)."""
    assets = pd.DataFrame({c: snapshot.assets[c].astype(object) for c in snapshot.assets}).set_index("path",
                                                                                                        drop=False)
    smart = pd.DataFrame({c: snapshot.smart_tags[c].astype(object) for c in snapshot.smart_tags})
    xmp = pd.DataFrame({c: snapshot.xmp_tags[c].astype(object) for c in snapshot.xmp_tags})
    smart["confidence"] = smart["confidence"].astype(float)
    xmp["confidence"] = xmp["confidence"].astype(float)
    named = smart["name"].map(lambda n: isinstance(n, str) and not is_blank(n))
    expected = smart[named & (smart["confidence"].fillna(0.0) >= minimum)].sort_values(["asset", "order"],
                                                                                        kind="stable")
    expected = expected.assign(index=expected.groupby("asset").cumcount() + 1)
    merged = expected[["asset", "index", "name", "confidence"]].merge(
        xmp[["asset", "index", "name", "confidence", "item_shape"]], on=["asset", "index"], how="outer",
        suffixes=("_e", "_x"), indicator=True)
    both = merged["_merge"] == "both"
    name_differs = both & (merged["name_e"].fillna("\0") != merged["name_x"].fillna("\0"))
    conf_differs = both & ~name_differs & ~(merged["confidence_e"].map(repr) == merged["confidence_x"].map(repr)) | (
        both & ~name_differs & (merged["confidence_e"].isna() | merged["confidence_x"].isna()))
    misnumbered = both & (merged["item_shape"].fillna(0).astype(int) & 12 > 0)

    def any_per_asset(mask: pd.Series) -> pd.Series:
        return mask.groupby(merged["asset"]).any().reindex(assets.index, fill_value=False).astype(bool)

    def occurrences(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame[["asset", "name"]].copy()
        out["occurrence"] = frame.groupby(["asset", "name"], dropna=False).cumcount()
        return out

    multiset = occurrences(expected).merge(occurrences(xmp), on=["asset", "name", "occurrence"], how="outer",
                                           indicator=True)
    names = (multiset["_merge"] != "both").groupby(multiset["asset"]).any().reindex(assets.index, fill_value=False)
    count = expected.groupby("asset").size().reindex(assets.index, fill_value=0)
    shape = assets["xmp_shape"].astype(int)
    flags = {
        "size": (assets["xmp_array_size"].map(lambda v: -1 if pd.isna(v) else int(v)) != count)
        | (assets["xmp_item_count"].map(lambda v: 0 if pd.isna(v) else int(v)) != count),
        "names": names.astype(bool),
        "order": any_per_asset(name_differs) & ~names.astype(bool),
        "confidences": any_per_asset(conf_differs),
        "types": shape & SHAPE_TYPES > 0,
        "extra properties": shape & SHAPE_EXTRA_PROPERTIES > 0,
        "structure": (shape & SHAPE_STRUCTURE > 0) | (assets["xmp_node_type"] != "xmpArray")
        | (assets["xmp_array_type"] != "rdf:Seq") | any_per_asset(misnumbered),
    }
    rows = []
    crashes = expected[expected["confidence"].isna()].drop_duplicates("asset").set_index("asset")
    for path, asset in assets.iterrows():
        present, tagged = bool(asset["xmp_present"]), int(asset["smart_tag_count"]) > 0
        items = 0 if pd.isna(asset["xmp_item_count"]) else int(asset["xmp_item_count"])
        words = [label for label, flag in flags.items() if flag[path]]
        if not asset["has_metadata"]:
            status, reason = "invalid", "asset has no metadata node: the ACS process would fail"
        elif path in crashes.index:
            tag = crashes.loc[path]
            status = "invalid"
            reason = (f"smart tag '{tag['name']}' has no usable confidence ({tag['confidence_problem']}): "
                      "the ACS process would fail")
        elif not tagged and items > 0:
            status, reason = "orphan_xmp", "XMP array has tags but the asset has no smart tags"
        elif not tagged and present and words:
            status, reason = "stale_xmp", None
        elif not tagged:
            status, reason = "no_smart_tags", None
        elif not present:
            status, reason = "missing_xmp", "no XMP array node yet"
        elif words:
            status, reason = "stale_xmp", None
        else:
            status, reason = "in_sync", None
        rows.append({"path": path, "status": status, "reason": reason,
                     "stale": ",".join(words) if status == "stale_xmp" else "", "expected_count": int(count[path])})
    return pd.DataFrame(rows)


def assert_matches_reference(snapshot: Snapshot, minimum: float = 0.0) -> pd.DataFrame:
    result = audit(snapshot, SyncArguments(minimum_confidence=minimum))
    got = pd.DataFrame({"path": result.assets["path"].astype(object), "status": result.assets["status"].astype(object),
                        "reason": result.assets["reason"].astype(object).where(result.assets["reason"].notna(), None),
                        "stale": [",".join(stale_reasons(flags)) for flags in result.assets["stale_flags"]],
                        "expected_count": result.assets["expected_count"].astype(int)})
    want = reference_audit(snapshot, minimum)

    def plain(frame: pd.DataFrame) -> list[tuple]:
        return sorted(tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False))

    mismatches = [(g, w) for g, w in zip(plain(got), plain(want), strict=True) if g != w]
    assert not mismatches, mismatches[:5]
    return got


# -- random hits with every kind of difference ---------------------------------------------------------

NAMES = ["dog", "cat", "sky", "tree", " ", "\u00a0", "Dog", "car"]


def random_hits(count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    hits = []
    for number in range(count):
        tags = None
        if rng.random() < 0.85:
            tags = []
            for _ in range(rng.randint(0, 6)):
                tag = {"name": rng.choice(NAMES)}
                roll = rng.random()
                if roll < 0.85:
                    tag["confidence"] = rng.choice([0.1, 0.25, 0.5, 0.75, 0.9, 1.0])
                elif roll < 0.93:
                    tag["confidence"] = str(rng.choice([0.5, 0.9]))
                tags.append(tag)
        kept = [(t["name"], float(t["confidence"])) for t in tags or [] if "confidence" in t and not is_blank(
            t["name"])]
        xmp = None
        roll = rng.random()
        if roll < 0.6:
            xmp = expected_xmp_node(kept, ARGS)
        elif roll < 0.85:
            extra = rng.sample([("x", 0.5), ("dog", 0.9)], rng.randint(0, 1))
            xmp = expected_xmp_node(rng.sample(kept, len(kept)) + extra, ARGS)
        if xmp is not None and rng.random() < 0.3:
            mutation = rng.randrange(7)
            items = [k for k, v in xmp.items() if isinstance(v, dict)]
            if mutation == 0:
                xmp["xmpArraySize"] = rng.choice([2.0, "1", 7])
            elif mutation == 1:
                xmp["note"] = "x"
            elif mutation == 2:
                xmp["xmpArrayType"] = "rdf:Bag"
            elif items and mutation == 3:
                xmp[items[0]]["dam:predictedTagConfidence"] = rng.choice([1, "0.9", 0.9000000000000001])
            elif items and mutation == 4:
                xmp[items[-1]]["deep"] = {"jcr:primaryType": "nt:unstructured"}
            elif items and mutation == 5:
                xmp["0"] = xmp.pop(items[0])
            elif items:
                xmp[items[0]]["isCustom"] = True
        hits.append(asset_hit(f"/d/f{number % 7}/a{number:04d}.jpg", tags, xmp, metadata=rng.random() > 0.03))
    rng.shuffle(hits)
    return hits


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("minimum", [0.0, 0.5])
def test_random_frames_match_the_path_keyed_reference(seed, minimum):
    snapshot = snapshot_from_hits(random_hits(400, seed))
    got = assert_matches_reference(snapshot, minimum)
    assert got["status"].nunique() >= 5


def test_demo_dam_matches_the_reference_and_the_demo_scenarios():
    repo = build_demo_repository(DemoSpec(assets=240))
    body = run_query(repo, asset_query("/content/dam/xmpaudit-demo", limit=1000, offset=0))
    snapshot = snapshot_from_hits(json.loads(json.dumps(body["hits"], default=str)))  # through JSON like the wire
    got = assert_matches_reference(snapshot)
    assert set(got["status"]) == {"invalid", "no_smart_tags", "missing_xmp", "stale_xmp", "orphan_xmp", "in_sync"}


def test_ids_that_are_not_row_numbers_and_rows_out_of_order():
    snapshot = snapshot_from_hits(random_hits(200, 7))
    keep = snapshot.assets["asset_id"] % 3 != 0  # a filtered snapshot: ids 1, 2, 4, 5, … and tags of others
    part = Snapshot(snapshot.assets[keep].iloc[::-1].reset_index(drop=True), snapshot.smart_tags.sample(frac=1,
                    random_state=1), snapshot.xmp_tags.sample(frac=1, random_state=2), snapshot.meta)
    whole = audit(snapshot).assets.set_index(snapshot.assets["path"].astype(object))
    subset = audit(part).assets.set_index(part.assets["path"].astype(object))
    pd.testing.assert_frame_equal(subset[["status", "reason", "stale_flags", "expected_count"]],
                                  whole.loc[subset.index, ["status", "reason", "stale_flags", "expected_count"]])


def test_result_frames_keep_their_public_columns():
    result = audit(snapshot_from_hits(random_hits(60, 4)))
    for column in ("path", "folder", "status", "reason", "stale_flags", "expected_count", "xmp_item_count",
                   "smart_tag_count"):
        assert column in result.assets
    assert {"asset", "index", "name_expected", "name_xmp", "change"} <= set(result.tags)
    assert {"asset", "index", "name", "confidence"} <= set(result.expected)
    paths = set(result.assets["path"])
    assert set(result.tags["asset"].astype(str)) <= paths and set(result.expected["asset"].astype(str)) <= paths
    assert str(result.assets["asset_id"].dtype) == "int32" and str(result.expected["confidence"].dtype) == "float64"
    crosstab = pd.crosstab(result.assets["folder"].astype(object), result.assets["status"].astype(object))
    coverage = result.coverage()
    for status in crosstab.columns:
        assert coverage[status].tolist() == crosstab[status].tolist()
    assert coverage.index.tolist() == sorted(crosstab.index)
    assert (coverage["assets"] == coverage[list(STATUSES)].sum(axis=1)).all()
    assert result.counts().sum() == len(result.assets) and list(result.counts().index) == list(STATUSES)
    in_sync = coverage[list(NODE_IN_SYNC)].sum(axis=1)
    assert ((in_sync / coverage["with_smart_tags"] * 100).round(1).fillna(-1) == coverage["coverage_pct"].fillna(-1)
            ).all()


# -- snapshots: save/load and concat ------------------------------------------------------------------------

def test_save_and_load_keep_every_dtype(tmp_path):
    snapshot = snapshot_from_hits(random_hits(80, 5))
    snapshot.save(tmp_path / "s")
    loaded = Snapshot.load(tmp_path / "s")
    for name in ("assets", "smart_tags", "xmp_tags"):
        pd.testing.assert_frame_equal(getattr(loaded, name), getattr(snapshot, name))
    assert loaded.smart_tags["asset"].dtype.categories is loaded.xmp_tags["asset"].dtype.categories  # shared
    assert "asset" not in pd.read_parquet(tmp_path / "s" / "xmp_tags.parquet").columns
    pd.testing.assert_frame_equal(audit(loaded).assets, audit(snapshot).assets)


def test_old_snapshots_are_refused_with_one_clear_message(tmp_path):
    snapshot = snapshot_from_hits(random_hits(5, 6))
    snapshot.save(tmp_path / "s")
    snapshot.assets.drop(columns=["asset_id", "xmp_shape"]).to_parquet(tmp_path / "s" / "assets.parquet")
    with pytest.raises(ConfigError, match=r"lacks columns \['asset_id', 'xmp_shape'\].*take a new inventory"):
        Snapshot.load(tmp_path / "s")


def test_concat_rekeys_ids_and_equals_one_snapshot():
    hits = random_hits(300, 8)
    whole = snapshot_from_hits(hits, taken_at="2026-01-02T00:00:00+00:00", requests=3)
    parts = [snapshot_from_hits(hits[i:i + 70], taken_at=f"2026-01-0{1 + i // 70}T00:00:00+00:00", requests=1)
             for i in range(0, 300, 70)]
    combined = Snapshot.concat(parts)
    for name in ("assets", "smart_tags", "xmp_tags"):
        got, want = getattr(combined, name), getattr(whole, name)
        assert list(got.dtypes.astype(str)) == list(want.dtypes.astype(str))
        pd.testing.assert_frame_equal(got.astype({c: object for c in got.select_dtypes("category")}),
                                      want.astype({c: object for c in want.select_dtypes("category")}))
    assert combined.meta["taken_at"] == "2026-01-01T00:00:00+00:00" and combined.meta["requests"] == 5
    assert combined.meta["parts"] == 5
    pd.testing.assert_frame_equal(audit(combined).assets.drop(columns="folder"),
                                  audit(whole).assets.drop(columns="folder"))


def test_concat_keeps_the_last_copy_of_an_asset_and_refuses_other_names():
    old = snapshot_from_hits([asset_hit("/d/a.jpg", [{"name": "dog", "confidence": 0.9}]), asset_hit("/d/b.jpg")])
    new = snapshot_from_hits([asset_hit("/d/a.jpg", [{"name": "cat", "confidence": 0.5}],
                                 expected_xmp_node([("cat", 0.5)], ARGS))])
    combined = Snapshot.concat([old, new])
    assert combined.assets["path"].tolist() == ["/d/b.jpg", "/d/a.jpg"]
    assert combined.smart_tags["name"].tolist() == ["cat"] and combined.smart_tags["asset_id"].tolist() == [1]
    assert dict(zip(audit(combined).assets["path"], audit(combined).assets["status"].astype(str), strict=True)) == {
        "/d/b.jpg": "no_smart_tags", "/d/a.jpg": "in_sync"}
    other = Snapshot.from_hits([asset_hit("/d/c.jpg")], SyncArguments(sequence_name="dam:other"))
    with pytest.raises(ConfigError, match="different XMP node"):
        Snapshot.concat([old, other])
    with pytest.raises(UsageError, match="at least one"):
        Snapshot.concat([])


# -- audit_partitions -----------------------------------------------------------------------------------------

def test_audit_partitions_equals_the_audit_of_everything(tmp_path):
    hits = random_hits(500, 9)
    whole = audit(snapshot_from_hits(hits))
    for number, start in enumerate(range(0, 500, 120)):
        snapshot_from_hits(hits[start:start + 120]).save(tmp_path / "inventory" / f"part-{number:03d}")
    combined = audit_partitions(tmp_path / "inventory")
    assert len(combined.partitions) == 5
    pd.testing.assert_series_equal(combined.counts(), whole.counts())
    pd.testing.assert_frame_equal(combined.coverage(), whole.coverage(), check_index_type=False)
    fixable = whole.fixable()
    assert sorted(combined.fixable()["path"]) == sorted(fixable["path"])
    for column in ("reason", "stale_flags"):
        assert combined.fixable().set_index("path").loc[fixable["path"], column].tolist() == fixable[column].tolist()
    # a list of folders, a single snapshot folder, and other arguments work too
    again = audit_partitions(sorted((tmp_path / "inventory").iterdir())[:2], SyncArguments(minimum_confidence=0.5))
    assert again.counts().sum() == 240 and again.arguments.minimum_confidence == 0.5
    assert audit_partitions(tmp_path / "inventory" / "part-000").counts().sum() == 120
    with pytest.raises(ConfigError, match="holds no snapshot"):
        audit_partitions(tmp_path / "nothing-here")


def test_empty_snapshot_audits():
    result = audit(snapshot_from_hits([]))
    assert result.counts().sum() == 0 and result.coverage().empty and result.tags.empty
    assert np.array_equal(result.counts().to_numpy(), np.zeros(len(STATUSES)))
