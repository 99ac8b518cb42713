"""The minimumConfidence what-if against the audit itself: for sampled thresholds (0, 1, every exact confidence,
values between), the sweep's counts equal a full audit with that threshold, on the demo DAM (read over HTTP) and on
generated snapshots with missing confidences, blank names, NaN, ties and item-property clashes."""

import random

import numpy as np
import pytest

from tests.conftest import DEMO_ROOT, asset_hit, xmp_node
from xmpaudit.audit.compare import audit
from xmpaudit.audit.expected import expected_tags
from xmpaudit.audit.whatif import (
    SWEEP_COLUMNS,
    ThresholdModel,
    arguments_at,
    check_threshold,
    threshold_label,
    what_if,
)
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import ConfigError
from xmpaudit.core.statuses import NODE_IN_SYNC
from xmpaudit.read.frames import frames_from_hits
from xmpaudit.read.inventory import take_inventory
from xmpaudit.read.snapshot import Snapshot

COUNTED = SWEEP_COLUMNS[2:9]


def snapshot_of(hits, args):
    assets, tags, xmp = frames_from_hits(hits, args)
    return Snapshot(assets, tags, xmp, {"arguments": args.to_process_args(), "source": "http://aem", "root": "/c"})


def audit_counts(snapshot, args, now, threshold):
    """What a full audit at ``threshold`` says, in the sweep's terms."""
    assets = audit(snapshot, arguments_at(args, threshold)).assets
    invalid = (assets["status"] == "invalid").to_numpy()
    expected = assets["expected_count"].to_numpy()
    in_sync_now = now.assets["status"].isin(NODE_IN_SYNC).to_numpy()
    named = expected_tags(snapshot.smart_tags, -1e300)  # every tag the process can keep at all
    kept = expected_tags(snapshot.smart_tags, threshold)
    return {
        "tags_written": int(expected[~invalid].sum()),
        "tags_kept_pct": round(100.0 * len(kept) / max(len(named), 1), 1),
        "assets_with_tags_written": int(((expected > 0) & ~invalid).sum()),
        "assets_left_empty": int(((assets["smart_tag_count"].to_numpy() > 0) & ~invalid & (expected == 0)).sum()),
        "invalid": int(invalid.sum()),
        "in_sync_to_stale": int((in_sync_now & (assets["status"] == "stale_xmp").to_numpy()).sum()),
        "in_sync_to_invalid": int((in_sync_now & invalid).sum()),
    }


def sampled_thresholds(snapshot, most=24):
    """0, 1, 0.5, 0.9, exact confidences of the snapshot (at most ``most``, spread out) and values between them."""
    confidences = snapshot.smart_tags["confidence"].dropna().to_numpy()
    exact = np.unique(confidences[(confidences >= 0) & (confidences <= 1)])
    exact = exact[np.linspace(0, len(exact) - 1, min(most, len(exact))).astype(int)] if len(exact) else exact
    between = (exact[:-1] + exact[1:]) / 2
    return sorted({0.0, 1.0, 0.5, 0.37, 0.9, *exact.tolist(), *between.tolist()})


def assert_sweep_matches_audit(snapshot, args):
    now = audit(snapshot, args)
    thresholds = sampled_thresholds(snapshot)
    sweep = ThresholdModel.build(now, snapshot.smart_tags).sweep(thresholds).set_index("threshold")
    assert len(sweep) == len(thresholds)
    for threshold in thresholds:
        measured = audit_counts(snapshot, args, now, threshold)
        assert sweep.loc[threshold, list(COUNTED)].to_dict() == measured, threshold
    return sweep


def edge_hits(rng, count):
    """Assets with ties, missing/unparseable/NaN confidences, blank names, no metadata, and XMP nodes written at
    several thresholds (so some are in sync now and go stale when the threshold moves)."""
    confidences = [0.0, -0.0, 0.2, 0.5, 0.5, 0.6, 0.75, 1.0, 1.5, -0.1, "NaN", "abc", None, "0.6"]
    names = ["dog", "cat", "sky", "", " ", "\u00a0", None, "owl", "tree"]
    hits = []
    for i in range(count):
        path = f"/c/f{i % 4}/a{i}.jpg"
        if i % 29 == 0:
            hits.append(asset_hit(path, metadata=False))
            continue
        tags = []
        for _ in range(rng.randint(0, 5)):
            tag = {}
            name, confidence = rng.choice(names), rng.choice(confidences)
            if name is not None:
                tag["name"] = name
            if confidence is not None:
                tag["confidence"] = confidence
            tags.append(tag)
        written_at = rng.choice([0.0, 0.3, 0.5, 0.5, 0.7, None])
        xmp = None
        if written_at is not None:
            kept = [(t["name"], float(t["confidence"])) for t in tags
                    if t.get("name", "").strip() and isinstance(t.get("confidence"), float | int)
                    and t["confidence"] >= written_at and "\u00a0" not in t["name"]]
            xmp = xmp_node(kept)
        hits.append(asset_hit(path, tags or None, xmp))
    return hits


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sweep_equals_the_audit_on_generated_edge_cases(seed):
    args = SyncArguments(minimum_confidence=0.5)
    snapshot = snapshot_of(edge_hits(random.Random(seed), 300), args)
    sweep = assert_sweep_matches_audit(snapshot, args)
    # the sample exercises every case the sweep distinguishes
    assert sweep.loc[0.0, "in_sync_to_invalid"] > 0 and sweep.loc[0.0, "invalid"] > sweep.loc[0.2, "invalid"]
    assert sweep.loc[0.75, "in_sync_to_stale"] > 0 and sweep.loc[0.2, "in_sync_to_stale"] > 0
    assert sweep.loc[0.5, ["in_sync_to_stale", "in_sync_to_invalid"]].tolist() == [0, 0]
    assert sweep.loc[1.0, "assets_left_empty"] > sweep.loc[0.0, "assets_left_empty"] > 0


def test_sweep_equals_the_audit_at_threshold_zero_now():
    args = SyncArguments(minimum_confidence=0.0)
    assert_sweep_matches_audit(snapshot_of(edge_hits(random.Random(7), 200), args), args)


def test_sweep_equals_the_audit_when_the_step_has_nan_which_keeps_no_tag():
    args = SyncArguments(minimum_confidence="NaN")
    sweep = assert_sweep_matches_audit(snapshot_of(edge_hits(random.Random(8), 200), args), args)
    assert sweep.loc[0.5, "in_sync_to_stale"] > 0 and not sweep["current"].any()


def test_sweep_equals_the_audit_when_the_item_properties_clash():
    args = SyncArguments(name_property="same", confidence_property="same", minimum_confidence=0.6)
    sweep = assert_sweep_matches_audit(snapshot_of(edge_hits(random.Random(4), 150), args), args)
    assert (sweep["tags_written"] == 0).all() and sweep.loc[0.0, "in_sync_to_invalid"] > 0


def test_sweep_equals_the_audit_on_the_demo_dam(client):
    args = SyncArguments(minimum_confidence=0.5)
    snapshot = take_inventory(client, DEMO_ROOT, args, show_progress=False)
    sweep = assert_sweep_matches_audit(snapshot, args)
    assert sweep.loc[0.0, "tags_written"] > sweep.loc[0.5, "tags_written"] > sweep.loc[1.0, "tags_written"]
    assert sweep.loc[0.9, "in_sync_to_stale"] > 0


def test_default_sweep_has_101_steps_plus_the_current_and_typed_values():
    args = SyncArguments(minimum_confidence=0.555)
    snapshot = snapshot_of(edge_hits(random.Random(5), 60), args)
    sweep = what_if(audit(snapshot, args), snapshot.smart_tags, ["0.123", 0.5])
    assert len(sweep) == 103 and list(sweep.columns) == list(SWEEP_COLUMNS)
    assert sweep.loc[sweep["current"], "threshold"].tolist() == [0.555]
    assert {0.123, 0.0, 1.0} <= set(sweep["threshold"])


def test_most_dropped_and_dropped_tags_count_what_the_process_leaves_out():
    args = SyncArguments(minimum_confidence=0.5)
    hits = [asset_hit(f"/c/a{i}.jpg", [{"name": "dog", "confidence": 0.4}, {"name": "cat", "confidence": 0.55},
                                       {"name": " ", "confidence": 0.1}, {"name": "owl", "confidence": 0.9}])
            for i in range(3)]
    snapshot = snapshot_of(hits, args)
    model = ThresholdModel.build(audit(snapshot, args), snapshot.smart_tags)
    sweep = model.sweep([0.3, 0.45, 0.6, 1.0]).set_index("threshold")
    assert sweep.loc[0.3, "most_dropped"] == ""
    assert sweep.loc[0.45, "most_dropped"] == "dog (3)"
    assert sweep.loc[0.6, "most_dropped"] == "cat (3), dog (3)"
    dropped = model.dropped_tags(0.6).set_index("name")
    assert dropped.loc["cat"].tolist() == [3, 3, 0] and dropped.loc["dog"].tolist() == [3, 0, 0]
    assert model.dropped_tags(0.3).set_index("name").loc["dog"].tolist() == [0, 0, 3]


@pytest.mark.parametrize("typed", ["1.5", -0.1, "NaN", "x", None])
def test_typed_thresholds_outside_0_to_1_are_refused_in_one_line(typed):
    with pytest.raises(ConfigError, match=r"^minimumConfidence .* (outside 0\.\.1|is not a number)"):
        check_threshold(typed)


def test_labels_say_which_threshold_a_plan_is_for():
    assert threshold_label(0.6, 0.5) == "planned for minimumConfidence=0.6, not the step's current 0.5"
    assert threshold_label(0.5, 0.5) == "planned for the step's minimumConfidence=0.5"
