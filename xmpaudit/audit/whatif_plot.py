"""The what-if plot: tags the process would write and assets it would leave with an empty array, against
minimumConfidence from 0 to 1, the step's and a chosen value marked inside the plot, the right axis out of the
assets the headline counts (audit/plots style, Okabe-Ito colours)."""

from __future__ import annotations

import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.axes import Axes

from xmpaudit.audit.whatif import threshold_words
from xmpaudit.core.number_words import count_words, counted

TAGS_COLOUR = "#009E73"
EMPTY_COLOUR = "#D55E00"
STALE_COLOUR = "#E69F00"
CURRENT_COLOUR = "#000000"
HEADROOM = 1.2  # the axes reach this much above the highest count, so the threshold labels sit over no line


def _mark(ax: Axes, value: float, words: str, height: float, linestyle: str) -> None:
    """A vertical line at ``value`` and its label inside the plot, on the side with room (never on an axis)."""
    ax.axvline(value, color=CURRENT_COLOUR, linestyle=linestyle, linewidth=1)
    right_side = value <= 0.5
    ax.annotate(words, (value, height), xycoords=("data", "axes fraction"), xytext=(5 if right_side else -5, 0),
                textcoords="offset points", ha="left" if right_side else "right", va="top", fontsize="small",
                bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})


def _assets_axis_label(sweep: pd.DataFrame) -> str:
    tagged, headline = sweep.attrs.get("assets_tagged"), sweep.attrs.get("headline_with_smart_tags")
    if tagged is None:
        return "assets"
    if headline is not None and tagged > headline:
        return (f"assets, of {count_words(tagged)} with smart tags\n(the headline's {count_words(headline)} "
                f"+ {count_words(tagged - headline)} invalid)")
    return f"assets, of {count_words(tagged)} with smart tags"


def plot_what_if(sweep: pd.DataFrame, ax: Axes | None = None, chosen: float | None = None) -> Axes:
    """Tags written (left axis) and assets left empty and in-sync nodes made stale (right axis, out of the assets
    with smart tags) per threshold; the step's threshold solid, a ``chosen`` one dashed, both labelled inside."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4), layout="constrained")
    ax.plot(sweep["threshold"], sweep["tags_written"], color=TAGS_COLOUR, label="tags written")
    ax.set_ylabel("tags the process would write", color=TAGS_COLOUR)
    ax.set_ylim(0, max(int(sweep["tags_written"].max()), 1) * HEADROOM)  # room for the labels above the lines
    right = ax.twinx()
    right.plot(sweep["threshold"], sweep["assets_left_empty"], color=EMPTY_COLOUR,
               label="assets with smart tags left with an empty array")
    right.plot(sweep["threshold"], sweep["in_sync_to_stale"], color=STALE_COLOUR, linestyle=":",
               label="in-sync nodes that would go out of date")
    right.set_ylabel(_assets_axis_label(sweep), color=EMPTY_COLOUR)
    top = sweep.attrs.get("assets_tagged")
    right.set_ylim(0, top * HEADROOM if top else None)
    current = sweep.loc[sweep["current"], "threshold"]
    title = "What the ACS process would write at each minimumConfidence"
    if len(current):
        value = float(current.iloc[0])
        row = sweep.loc[sweep["current"]].iloc[0]
        _mark(ax, value, f"the step's {threshold_words(value)}", 0.97, "-")
        title += (f"\nthe step's {threshold_words(value)}: {counted(int(row.tags_written), 'tag')} written, "
                  f"{counted(int(row.assets_left_empty), 'asset')} left empty")
    if chosen is not None and (not len(current) or float(chosen) != float(current.iloc[0])):
        _mark(ax, float(chosen), f"chosen {threshold_words(chosen)}", 0.9, "--")
    ax.set_xlim(0, 1)
    ax.set_xlabel("minimumConfidence")
    ax.set_title(title, loc="left", fontsize="medium")
    lines = ax.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3,
              fontsize="small", frameon=False)
    ax.spines[["top"]].set_visible(False)
    right.spines[["top"]].set_visible(False)
    return ax
