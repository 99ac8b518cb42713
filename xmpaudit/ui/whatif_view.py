"""The what-if widget for the app and notebooks: a minimumConfidence slider (type a value in its box too) over
the sweep plot, the numbers at the chosen value next to the step's, the tags it drops most and the per-tag view."""

from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd
from IPython.display import display
from matplotlib import pyplot as plt

from xmpaudit.audit.result import AuditResult
from xmpaudit.audit.tables import as_table, table_html
from xmpaudit.audit.tag_confidence import confidence_per_tag, tag_confidence_plot
from xmpaudit.audit.whatif import ThresholdModel, sweep_thresholds, threshold_label, threshold_words
from xmpaudit.audit.whatif_plot import plot_what_if

NUMBER_WORDS = {"tags_written": "tags written", "assets_left_empty": "assets with smart tags left empty",
                "in_sync_to_stale": "in-sync nodes going out of date", "in_sync_to_invalid": "in-sync assets failing",
                "invalid": "assets the process fails on"}


def numbers_html(sweep: pd.DataFrame, chosen: float, current: float) -> str:
    """The sweep's numbers at ``chosen`` beside those at ``current``, as a small HTML table."""
    at = sweep.set_index("threshold")
    rows = "".join(f"<tr><td>{words}</td><td style='text-align:right'>{int(at.loc[current, key]):,}</td>"
                   f"<td style='text-align:right'><b>{int(at.loc[chosen, key]):,}</b></td></tr>"
                   for key, words in NUMBER_WORDS.items())
    return (f"<p>{html.escape(threshold_label(chosen, current)).replace('planned for', 'Numbers for')}</p>"
            f"<table><tr><th></th><th>now ({threshold_words(current)})</th><th>at {threshold_words(chosen)}</th>"
            f"</tr>{rows}</table>")


def dropped_html(dropped: pd.DataFrame, chosen: float, current: float) -> str:
    """The tags ``chosen`` drops most as a small HTML table with headers in words, or a sentence when none."""
    if dropped.empty:
        return f"<p>No smart tag is dropped at minimumConfidence={html.escape(threshold_words(chosen))}.</p>"
    now, then = threshold_words(current), threshold_words(chosen)
    return table_html(dropped.rename(columns={
        "name": "tag", "dropped": f"dropped at {then}", "newly_dropped": f"newly dropped (written at {now})",
        "newly_written": f"newly written (dropped at {now})"}))


def what_if_view(result: AuditResult, smart_tags: pd.DataFrame) -> widgets.Widget:
    """One widget: the what-if of ``result``'s snapshot (nothing is read from or written to AEM)."""
    model = ThresholdModel.build(result, smart_tags)
    current = model.current
    slider = widgets.FloatSlider(value=current if 0 <= current <= 1 else 0.0, min=0.0, max=1.0, step=0.01,
                                 description="minimumConfidence", readout_format=".2f",
                                 style={"description_width": "initial"}, continuous_update=False,
                                 layout=widgets.Layout(width="480px"))
    plot, numbers, dropped = widgets.Output(), widgets.HTML(), widgets.HTML()
    tags_out = widgets.Output()

    def show(chosen: float) -> None:
        sweep = model.sweep(sweep_thresholds([chosen], current))
        numbers.value = numbers_html(sweep, chosen, current)
        plot.clear_output(wait=True)
        with plot:
            ax = plot_what_if(sweep, chosen=None if chosen == current else chosen)
            plt.show()
            plt.close(ax.figure)
        dropped.value = dropped_html(model.dropped_tags(chosen, top=15), chosen, current)

    slider.observe(lambda change: show(round(float(change["new"]), 4)), names="value")
    show(slider.value)
    with tags_out:
        table = confidence_per_tag(smart_tags, current)
        ax = tag_confidence_plot(table, current)
        plt.show()
        plt.close(ax.figure)
        display(as_table(table.head(30).round(3)))
    threshold_tab = widgets.VBox([slider, numbers, plot, widgets.HTML("<b>Tags dropped most</b>"), dropped])
    tabs = widgets.Tab(children=[threshold_tab, tags_out])
    tabs.set_title(0, "What if")
    tabs.set_title(1, "Confidence per tag")
    return tabs


def close_view(view: widgets.Widget) -> None:
    """Close ``view`` with every widget it holds (children, layouts, styles): a replaced view then frees what its
    callbacks keep (the what-if's model of the whole snapshot), which an open widget keeps for the kernel's life."""
    for name in view.keys:
        value = getattr(view, name, None)
        for part in value if isinstance(value, tuple) else (value,):
            if isinstance(part, widgets.Widget) and part is not view:
                close_view(part)
    if isinstance(view, widgets.Output):
        view.clear_output()
    view.close()
