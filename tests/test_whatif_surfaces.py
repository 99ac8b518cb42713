"""The what-if on its surfaces: the CLI verb over HTTP against the simulator (tables, CSV sweep, plots, the plan for a
chosen threshold labelled as such, nothing written to AEM, nothing recorded as history) and the app's widget."""

import pandas as pd
import pytest

from tests.conftest import DEMO_ROOT, client_for
from xmpaudit.audit.compare import audit
from xmpaudit.audit.whatif import ThresholdModel, arguments_at
from xmpaudit.cli.main import main
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.statuses import FIXABLE_STATUSES
from xmpaudit.read.inventory import take_inventory
from xmpaudit.workspace.history import read_records


def test_cli_what_if_prints_the_sweep_plots_and_plans_for_a_chosen_threshold(aem_env, tmp_path, capsys):
    args = SyncArguments(minimum_confidence=0.5)
    snapshot = take_inventory(client_for(aem_env), DEMO_ROOT, args, show_progress=False)
    snapshot.save(tmp_path / "snap")
    aem_env.stats.reset()
    assert main(["-q", "what-if", "--snapshot", "snap", "--process-args", "minimumConfidence=0.5",
                 "--threshold", "0.735", "--tags", "--csv", "out/sweep.csv", "--plot", "out/whatif.png",
                 "--plan", "0.735"]) == 0
    out = capsys.readouterr().out
    model = ThresholdModel.build(audit(snapshot, args), snapshot.smart_tags)
    sweep = pd.read_csv(tmp_path / "out" / "sweep.csv", keep_default_na=False)
    assert len(sweep) == 102 and 0.735 in set(sweep["threshold"])
    expected = model.sweep(sorted(sweep["threshold"]))
    assert sweep.drop(columns="most_dropped").equals(expected.drop(columns="most_dropped"))
    assert "the step's minimumConfidence is 0.5" in out
    assert "0.5 (the step's)" in out and "0.735 (chosen)" in out and "In sync now and at this threshold" in out
    assert "True" not in out and "False" not in out and "tags_written" not in out
    assert "Tags dropped most at minimumConfidence=0.735" in out and "Confidence per smart tag" in out
    assert (tmp_path / "out" / "whatif.png").stat().st_size > 10_000
    assert (tmp_path / "out" / "whatif-tags.png").stat().st_size > 10_000
    planned = audit(snapshot, arguments_at(args, 0.735))
    to_fix = int(planned.assets["status"].isin(FIXABLE_STATUSES).sum())
    assert f"Fix list planned for minimumConfidence=0.735, not the step's current 0.5: {to_fix} assets to fix" in out
    assert "Sync preview planned for minimumConfidence=0.735, not the step's current 0.5 (nothing written" in out
    assert aem_env.stats.by_endpoint["POST sling"] == 0, "the what-if and its plan write nothing"
    assert read_records() == [], "a hypothetical threshold is not coverage history"


@pytest.mark.parametrize("value", ["1.5", "-0.2", "NaN", "high"])
def test_cli_refuses_thresholds_outside_0_to_1_in_one_line(value, capsys):
    with pytest.raises(SystemExit):
        main(["what-if", "--threshold", value])
    err = capsys.readouterr().err
    assert "minimumConfidence" in err and ("outside 0..1" in err or "is not a number" in err)


def test_what_if_widget_moves_with_the_slider(client):
    from xmpaudit.ui.whatif_view import what_if_view

    snapshot = take_inventory(client, DEMO_ROOT, SyncArguments(minimum_confidence=0.5), show_progress=False)
    result = audit(snapshot)
    view = what_if_view(result, snapshot.smart_tags)
    threshold_tab = view.children[0]
    slider, numbers = threshold_tab.children[0], threshold_tab.children[1]
    assert slider.value == 0.5 and "Numbers for the step&#x27;s minimumConfidence=0.5" in numbers.value
    slider.value = 0.8
    sweep = ThresholdModel.build(result, snapshot.smart_tags).sweep([0.5, 0.8]).set_index("threshold")
    assert "Numbers for minimumConfidence=0.8, not the step&#x27;s current 0.5" in numbers.value
    assert f"<b>{sweep.loc[0.8, 'tags_written']:,}</b>" in numbers.value
    dropped = threshold_tab.children[4].value
    top = ThresholdModel.build(result, snapshot.smart_tags).dropped_tags(0.8, top=15).iloc[0]
    assert "<th>newly dropped (written at 0.5)</th>" in dropped and f"<td>{top['name']}</td>" in dropped
    slider.value = 0.0  # the tags 0.5 drops are written at 0.0
    assert "<th>newly written (dropped at 0.5)</th>" in threshold_tab.children[4].value
    assert view.get_title(1) == "Confidence per tag"


def test_what_if_says_in_a_sentence_when_no_tag_is_dropped():
    from xmpaudit.ui.whatif_view import dropped_html

    none = pd.DataFrame(columns=["name", "dropped", "newly_dropped", "newly_written"])
    assert dropped_html(none, 0.0, 0.0) == "<p>No smart tag is dropped at minimumConfidence=0.0.</p>"
