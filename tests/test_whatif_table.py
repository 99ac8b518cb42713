"""The what-if and the history shown as the kit shows frames: one row per threshold in words with "in sync now and
at this threshold" (equal to a full audit), no True/False column; the plot's marks inside the plot and its right
axis out of the headline's assets; the history folded to one row per audit result, newest first."""

import pandas as pd
import pytest

from tests.conftest import asset_hit, snapshot_from_hits, xmp_node
from xmpaudit.audit.compare import audit
from xmpaudit.audit.history_table import HISTORY_TABLE_COLUMNS, history_table
from xmpaudit.audit.tables import table_html
from xmpaudit.audit.whatif import ThresholdModel, arguments_at, sweep_thresholds
from xmpaudit.audit.whatif_plot import plot_what_if
from xmpaudit.audit.whatif_table import TABLE_COLUMNS, whatif_note, whatif_rows
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.statuses import NODE_IN_SYNC

ARGS = SyncArguments(minimum_confidence=0.5)


def _tag(name, confidence):
    return {"name": name, "confidence": confidence}


@pytest.fixture
def snapshot():
    hits = []
    for i, conf in enumerate([0.55, 0.65, 0.75, 0.85, 0.95, 0.52, 0.58]):
        tags = [_tag(f"t{i}", conf), _tag("low", 0.3)]
        hits.append(asset_hit(f"/content/dam/w/in{i}.jpg", tags, xmp_node([(f"t{i}", conf)])))
    hits.append(asset_hit("/content/dam/w/missing.jpg", [_tag("sky", 0.9)]))
    hits.append(asset_hit("/content/dam/w/stale.jpg", [_tag("sea", 0.9)], xmp_node([("sea", 0.8)])))
    hits.append(asset_hit("/content/dam/w/bad.jpg", [_tag("x", 0.9)], metadata=False))
    hits.append(asset_hit("/content/dam/w/none.jpg", None))
    # in sync at 0.5; at 0 its tag without a confidence is kept and the process fails on it (in sync → invalid)
    hits.append(asset_hit("/content/dam/w/crash.jpg", [_tag("t9", 0.9), {"name": "nc"}], xmp_node([("t9", 0.9)])))
    return snapshot_from_hits(hits, ARGS, root="/content/dam/w")


def _sweep(snapshot, chosen):
    result = audit(snapshot, ARGS)
    model = ThresholdModel.build(result, snapshot.smart_tags)
    return model.sweep(sweep_thresholds([chosen], model.current)), result


def test_one_row_per_threshold_in_words_with_the_step_and_the_chosen_named(snapshot):
    sweep, _ = _sweep(snapshot, 0.73)
    rows = whatif_rows(sweep, 0.73)
    assert tuple(rows.columns) == TABLE_COLUMNS
    cells = rows["minimum_confidence"].tolist()
    assert cells == ["0.0", "0.1", "0.2", "0.3", "0.4", "0.5 (the step's)", "0.6", "0.7", "0.73 (chosen)", "0.8",
                     "0.9", "1.0"]
    assert not any(pd.api.types.is_bool_dtype(rows[c]) for c in rows.columns)
    html = table_html(rows)
    assert "In sync now and at this threshold" in html and "Assets with smart tags left empty" in html
    assert "True" not in html and "False" not in html and "tags_written" not in html


@pytest.mark.parametrize("threshold", [0.0, 0.5, 0.6, 0.7, 0.73, 0.9, 1.0])
def test_in_sync_at_a_threshold_is_what_a_full_audit_says(snapshot, threshold):
    sweep, now = _sweep(snapshot, 0.73)
    row = whatif_rows(sweep, 0.73, steps=[threshold])
    row = row[row["minimum_confidence"].str.startswith(f"{threshold}")].iloc[0]
    then = audit(snapshot, arguments_at(ARGS, threshold)).assets
    in_sync_now = now.assets["status"].isin(NODE_IN_SYNC).to_numpy()
    assert row["in_sync_then"] == int((in_sync_now & then["status"].isin(NODE_IN_SYNC).to_numpy()).sum())
    if threshold == 0.0:
        assert row["in_sync_to_invalid"] == 1, "the fixture's crash.jpg"


def test_the_note_names_the_headline_denominator_and_the_invalid_between(snapshot):
    sweep, result = _sweep(snapshot, 0.6)
    tagged = sweep.attrs["assets_tagged"]
    assert sweep.attrs["headline_with_smart_tags"] == len(result.assets) - int(
        result.assets["status"].isin(["no_smart_tags", "invalid", "orphan_xmp"]).sum())
    assert whatif_note(sweep).startswith(f"{tagged} assets with smart tags")


def test_the_plot_marks_both_thresholds_inside_and_counts_assets_of_the_tagged(snapshot):
    sweep, _ = _sweep(snapshot, 0.6)
    ax = plot_what_if(sweep, chosen=0.6)
    labels = {t.get_text(): t for t in ax.texts}
    assert set(labels) == {"the step's 0.5", "chosen 0.6"}
    for text in labels.values():
        x, y = text.xy
        assert 0 <= x <= 1 and y < 1, "inside the plot"
    right = next(a for a in ax.figure.axes if a is not ax)
    assert f"of {sweep.attrs['assets_tagged']} with smart tags" in right.get_ylabel()
    assert right.get_ylim()[1] >= sweep.attrs["assets_tagged"]


def test_a_mark_at_zero_is_written_to_its_right_not_over_the_axis(snapshot):
    sweep, _ = _sweep(snapshot, 0.6)
    sweep["current"] = sweep["threshold"] == 0.0
    label = next(t for t in plot_what_if(sweep).texts if t.get_text().startswith("the step's"))
    assert label.get_ha() == "left" and label.xyann[0] > 0


def _records(*rows):
    keys = ("taken_at", "surface", "minimum_confidence", "coverage_pct", "tagged", "missing_xmp", "stale_xmp",
            "orphan_xmp", "invalid")
    return pd.DataFrame([dict(zip(keys, r, strict=True)) for r in rows])


def test_history_table_folds_repeated_audits_newest_first_with_surfaces():
    history = _records(
        ("2026-12-01T09:00:00.123Z", "notebook", 0.5, 40.0, 100, 30, 20, 0, 1),
        ("2026-12-01T09:00:00.123Z", "cli audit", 0.5, 40.0, 100, 30, 20, 0, 1),
        ("2026-12-01T09:00:00.123Z", "notebook", 0.5, 40.0, 100, 30, 20, 0, 1),
        ("2026-12-02T10:30:59.999Z", "app", 0.6, 55.5, 100, 20, 24, 0, 1))
    table = history_table(history)
    assert tuple(table.columns) == HISTORY_TABLE_COLUMNS
    assert table["taken_at"].tolist() == ["2026-12-02 10:30", "2026-12-01 09:00"]
    assert table["surface"].tolist() == ["app", "notebook, CLI"]
    assert table["audits"].tolist() == [1, 3]
    assert table["minimum_confidence"].tolist() == ["0.6", "0.5"]
    html = table_html(table)
    assert "Snapshot taken (UTC)" in html and "Audited by" in html and ".123" not in html


def test_history_table_of_records_without_the_newer_fields_shows_them_blank():
    history = pd.DataFrame({"taken_at": ["2026-12-01T09:00:00Z"], "coverage_pct": [12.0],
                            "process_args": [{"minimumConfidence": 0.7}]})
    table = history_table(history)
    assert table.loc[0, "minimum_confidence"] == "0.7" and table.loc[0, "surface"] == ""
    assert pd.isna(table.loc[0, "missing_xmp"]) and len(history_table(history.iloc[0:0])) == 0
