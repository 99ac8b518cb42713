"""The what-if plot: tags the process would write and assets it would leave with an empty array, against
minimumConfidence from 0 to 1, the step's current value marked (audit/plots style, Okabe-Ito colours)."""

from __future__ import annotations

import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.axes import Axes

from xmpaudit.audit.whatif import threshold_words
from xmpaudit.core.number_words import counted

TAGS_COLOUR = "#009E73"
EMPTY_COLOUR = "#D55E00"
STALE_COLOUR = "#E69F00"
CURRENT_COLOUR = "#000000"


def plot_what_if(sweep: pd.DataFrame, ax: Axes | None = None, chosen: float | None = None) -> Axes:
    """Tags written (left axis) and assets left empty and in-sync nodes made stale (right axis) per threshold;
    the current threshold solid, a ``chosen`` one dashed."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4), layout="constrained")
    ax.plot(sweep["threshold"], sweep["tags_written"], color=TAGS_COLOUR, label="tags written")
    ax.set_ylabel("tags the process would write", color=TAGS_COLOUR)
    ax.set_ylim(bottom=0)
    right = ax.twinx()
    right.plot(sweep["threshold"], sweep["assets_left_empty"], color=EMPTY_COLOUR,
               label="assets with smart tags left with an empty array")
    right.plot(sweep["threshold"], sweep["in_sync_to_stale"], color=STALE_COLOUR, linestyle=":",
               label="in-sync nodes that would go out of date")
    right.set_ylabel("assets", color=EMPTY_COLOUR)
    right.set_ylim(bottom=0)
    current = sweep.loc[sweep["current"], "threshold"]
    title = "What the ACS process would write at each minimumConfidence"
    if len(current):
        value = float(current.iloc[0])
        row = sweep.loc[sweep["current"]].iloc[0]
        ax.axvline(value, color=CURRENT_COLOUR, linewidth=1)
        ax.annotate(f"current {threshold_words(value)}", (value, 1), xycoords=("data", "axes fraction"),
                    xytext=(3, -12), textcoords="offset points", fontsize="small")
        title += (f"\ncurrent {threshold_words(value)}: {counted(int(row.tags_written), 'tag')}, "
                  f"{counted(int(row.assets_left_empty), 'asset')} empty")
    if chosen is not None:
        ax.axvline(chosen, color=CURRENT_COLOUR, linestyle="--", linewidth=1)
        ax.annotate(f"chosen {threshold_words(chosen)}", (chosen, 0.9), xycoords=("data", "axes fraction"),
                    xytext=(3, -12), textcoords="offset points", fontsize="small")
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
