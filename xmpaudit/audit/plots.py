"""Matplotlib plots of an audit that people read: shares and counts, worst first, status names in words,
a colour-blind-safe palette (Okabe-Ito)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes

from xmpaudit.audit.headline import worst_folders
from xmpaudit.audit.result import AuditResult
from xmpaudit.core.statuses import STATUS_COLOURS, STATUS_WORDS, coverage_of

# drawn left to right: what needs fixing first, then what is fine
PLOT_ORDER = ("missing_xmp", "stale_xmp", "orphan_xmp", "invalid", "no_smart_tags", "in_sync", "not_written_back",
              "written_back")


CONFIDENCE_COLOUR = "#0072B2"
CUT_COLOUR = "#D55E00"
TAG_COLOUR = "#009E73"


def _short_folder(folder: str, root: str) -> str:
    if root and folder.startswith(root):
        return folder[len(root):].lstrip("/") or "(top folder)"
    return folder


def _common_prefix(folders: list[str]) -> str:
    if not folders:
        return ""
    parts = [f.split("/") for f in folders]
    shared = []
    for segments in zip(*parts, strict=False):
        if len(set(segments)) != 1:
            break
        shared.append(segments[0])
    prefix = "/".join(shared)
    return prefix if len(folders) > 1 else prefix.rsplit("/", 1)[0]


def status_by_folder(result: AuditResult, ax: Axes | None = None, root: str | None = None,
                     max_folders: int = 25) -> Axes:
    """Per folder, worst coverage on top: 100 % bars of the status shares, with coverage % and asset counts
    written beside each bar. Only statuses that occur are drawn and listed."""
    worst = worst_folders(result).head(max_folders)
    table = pd.crosstab(result.assets["folder"].astype(str), result.assets["status"].astype(str))
    table = table.reindex(index=worst["folder"], columns=list(PLOT_ORDER), fill_value=0)
    present = [s for s in PLOT_ORDER if table[s].sum() > 0]
    shares = table[present].div(table.sum(axis=1).where(lambda n: n > 0), axis=0).fillna(0) * 100
    common = root if root is not None else _common_prefix(table.index.tolist())
    labels = [_short_folder(f, common) for f in table.index]
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 0.42 * len(table) + 1.8), layout="constrained")
    left = pd.Series(0.0, index=shares.index)
    positions = range(len(shares))
    for status in present:
        ax.barh(positions, shares[status], left=left, color=STATUS_COLOURS[status], height=0.72,
                label=STATUS_WORDS[status], edgecolor="white", linewidth=0.5)
        left += shares[status]
    ax.set_yticks(list(positions), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 134)  # room on the right for the coverage text
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel("share of the folder's assets (%)")
    for y, row in enumerate(worst.itertuples()):
        pct = "no tags" if pd.isna(row.coverage_pct) else f"{row.coverage_pct:.0f}% covered"
        ax.text(101.5, y, f"{pct}\n{row.to_fix} to fix of {row.assets}", va="center", fontsize="small")
    overall, tagged = coverage_of(result.counts())
    overall_text = "" if overall is None else f"\n{overall:.1f}% of the {tagged} assets with smart tags are covered"
    ax.set_title(f"XMP coverage by folder under {common or '/'}, worst first{overall_text}", loc="left")
    ax.legend(loc="upper center", bbox_to_anchor=(0.4, -0.1 if len(table) > 4 else -0.25), ncol=3,
              fontsize="small", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def status_shares(result: AuditResult, ax: Axes | None = None) -> Axes:
    """Assets per status (in words), as count and share, problems first."""
    counts = result.counts().reindex(list(PLOT_ORDER))
    counts = counts[counts > 0]
    total = max(int(counts.sum()), 1)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.4 * max(len(counts), 1) + 1.2), layout="constrained")
    ax.barh(range(len(counts)), counts.to_numpy(), color=[STATUS_COLOURS[s] for s in counts.index])
    ax.set_yticks(range(len(counts)), [STATUS_WORDS[s] for s in counts.index])
    ax.invert_yaxis()
    for y, value in enumerate(counts.to_numpy()):
        ax.annotate(f"{value} ({100 * value / total:.1f}%)", (value, y), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize="small")
    ax.set_xlim(0, counts.max() * 1.3 if len(counts) else 1)
    ax.set_xlabel("assets")
    ax.set_title(f"Assets by status ({total} assets)", loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def confidence_histogram(smart_tags: pd.DataFrame, minimum_confidence: float = 0.0,
                         ax: Axes | None = None, bins: int = 20) -> Axes:
    """Share of smart tags per confidence band, with the minimumConfidence cut marked."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
    values = smart_tags["confidence"].dropna().astype(float)
    weights = [100.0 / len(values)] * len(values) if len(values) else None
    ax.hist(values, bins=bins, range=(0, 1), weights=weights, color=CONFIDENCE_COLOUR, edgecolor="white")
    kept = float((values >= minimum_confidence).mean() * 100) if len(values) else 0.0
    ax.axvline(minimum_confidence, color=CUT_COLOUR, linestyle="--")
    ax.set_xlabel("confidence")
    ax.set_ylabel("share of smart tags (%)")
    ax.set_title(f"Smart tag confidence ({len(values)} tags)\ndashed: minimumConfidence = {minimum_confidence:g}, "
                 f"{kept:.0f}% of tags kept", loc="left", fontsize="medium")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def top_tags(smart_tags: pd.DataFrame, n: int = 20, ax: Axes | None = None) -> Axes:
    """The ``n`` most frequent smart tag names, with the share of tagged assets carrying each."""
    names = smart_tags.dropna(subset=["name"]).drop_duplicates(["asset", "name"])
    counts = names["name"].value_counts().head(n)
    tagged = max(smart_tags["asset"].nunique(), 1)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.3 * max(len(counts), 1) + 1.2), layout="constrained")
    ax.barh(range(len(counts)), counts.to_numpy(), color=TAG_COLOUR)
    labels = [" ".join(str(name).split()) for name in counts.index]  # tabs/line breaks in a name: one line
    ax.set_yticks(range(len(counts)), labels, fontsize="small")
    ax.invert_yaxis()
    for y, value in enumerate(counts.to_numpy()):
        ax.annotate(f"{value} ({100 * value / tagged:.0f}%)", (value, y), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize="x-small")
    ax.set_xlim(0, counts.max() * 1.25 if len(counts) else 1)
    ax.set_xlabel("assets tagged")
    ax.set_title(f"Top {len(counts)} smart tags (% of {tagged} tagged assets)", loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def audit_dashboard(result: AuditResult, smart_tags: pd.DataFrame) -> plt.Figure:
    """One figure for reports: coverage by folder (left), status shares, confidence and top tags (right)."""
    folders = min(result.assets["folder"].nunique(), 25)
    fig = plt.figure(figsize=(15, max(9.5, 0.42 * folders + 3)), layout="constrained")
    grid = fig.add_gridspec(3, 2, width_ratios=[1.35, 1])
    status_by_folder(result, fig.add_subplot(grid[:, 0]))
    status_shares(result, fig.add_subplot(grid[0, 1]))
    confidence_histogram(smart_tags, result.arguments.minimum_confidence, fig.add_subplot(grid[1, 1]))
    top_tags(smart_tags, 10, fig.add_subplot(grid[2, 1]))
    return fig
