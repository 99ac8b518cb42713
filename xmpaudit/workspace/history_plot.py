"""The coverage-over-time plot: overall coverage per audited snapshot and the worst folders of the latest one."""

from __future__ import annotations

import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.dates import DateFormatter

from xmpaudit.core.dates import PLOT_TIME
from xmpaudit.core.number_words import counted

OVERALL_COLOUR = "#0072B2"
FOLDER_COLOURS = ("#D55E00", "#E69F00", "#CC79A7", "#56B4E9", "#009E73")


def per_snapshot(history: pd.DataFrame) -> pd.DataFrame:
    """The latest audit of each snapshot (re-audits of one snapshot are one point), oldest first."""
    return history.drop_duplicates(["source", "root", "stamp"], keep="last").sort_values("taken_at")


def folder_coverage(history: pd.DataFrame, folders: list[str]) -> pd.DataFrame:
    """Per audit row of ``history``: the coverage % of each of ``folders`` (NaN where not recorded)."""
    values = {folder: [] for folder in folders}
    for worst in history["worst_folders"]:
        known = {f.get("folder"): f.get("coverage_pct") for f in (worst or [])}
        for folder in folders:
            values[folder].append(known.get(folder))
    return pd.DataFrame(values, index=history.index, dtype="float64")


def coverage_over_time(history: pd.DataFrame, ax: Axes | None = None, folders: int = 3) -> Axes:
    """Coverage % per snapshot (overall, thick) and of the ``folders`` worst folders of the latest audit."""
    points = per_snapshot(history)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.8), layout="constrained")
    ax.plot(points["taken_at"], points["coverage_pct"], marker="o", color=OVERALL_COLOUR, linewidth=2.5,
            label="all assets with smart tags")
    worst = [f["folder"] for f in (points["worst_folders"].iloc[-1] or [])[:folders]] if len(points) else []
    root = str(points["root"].iloc[-1]).rstrip("/") if len(points) else ""
    by_folder = folder_coverage(points, worst)
    for colour, folder in zip(FOLDER_COLOURS, worst, strict=False):
        label = folder[len(root) + 1:] if root and folder.startswith(root + "/") else folder
        ax.plot(points["taken_at"], by_folder[folder], marker=".", color=colour, linewidth=1, linestyle="--",
                label=label or "(top folder)")
    if len(points) and points["taken_at"].nunique() == 1:  # one moment: a day either side, not years of empty axis
        moment = points["taken_at"].iloc[0]
        ax.set_xlim(moment - pd.Timedelta(days=1), moment + pd.Timedelta(days=1))
    if len(points) < 2:
        ax.text(0.5, 0.08, "one audit so far: each audit of another snapshot adds a point" if len(points) else
                "no audits recorded yet: each audit adds a point", ha="center", transform=ax.transAxes,
                fontsize="small", color="#555555")
    ax.set_ylim(0, 105)
    ax.set_ylabel("coverage (%)")
    ax.set_xlabel("snapshot taken (UTC)")
    where = f"{points['source'].iloc[-1]}{root}" if len(points) else "no audits recorded yet"
    ax.set_title(f"XMP coverage over time, {counted(len(points), 'snapshot')}: {where}\ndashed: the worst folders now",
                 loc="left", fontsize="medium")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    ax.xaxis.set_major_formatter(DateFormatter(PLOT_TIME, tz="UTC"))  # the kit's style for times in plots
    ax.figure.autofmt_xdate()
    return ax
