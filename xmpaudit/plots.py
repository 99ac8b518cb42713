"""Matplotlib plots of an audit: status by folder, confidence histogram, top tags."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes

from .audit import STATUSES, AuditResult

STATUS_COLOURS = {
    "invalid": "#7f7f7f",
    "no_smart_tags": "#c7c7c7",
    "missing_xmp": "#d62728",
    "stale_xmp": "#ff7f0e",
    "orphan_xmp": "#9467bd",
    "in_sync": "#2ca02c",
    "not_written_back": "#bcbd22",
    "written_back": "#1a7a1a",
}


def _short_folder(folder: str, root: str) -> str:
    return folder[len(root):].lstrip("/") or "(root)" if root and folder.startswith(root) else folder


def status_by_folder(result: AuditResult, ax: Axes | None = None, root: str | None = None) -> Axes:
    """Stacked horizontal bars: assets per status in each folder."""
    table = result.coverage()[list(STATUSES)]
    common = root if root is not None else _common_prefix(table.index.tolist())
    table.index = [_short_folder(f, common) for f in table.index]
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.45 * len(table) + 1.5))
    table.plot.barh(stacked=True, ax=ax, color=[STATUS_COLOURS[s] for s in STATUSES], width=0.75)
    ax.invert_yaxis()
    ax.set_xlabel("assets")
    ax.set_ylabel("")
    ax.set_title(f"XMP status by folder under {common or '/'}")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.07), ncol=3, fontsize="small", frameon=False)
    return ax


def confidence_histogram(smart_tags: pd.DataFrame, minimum_confidence: float = 0.0,
                         ax: Axes | None = None, bins: int = 20) -> Axes:
    """Histogram of smart tag confidences with the minimumConfidence cut marked."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
    values = smart_tags["confidence"].dropna().astype(float)
    ax.hist(values, bins=bins, range=(0, 1), color="#1f77b4", edgecolor="white")
    ax.axvline(minimum_confidence, color="#d62728", linestyle="--", label=f"minimumConfidence = {minimum_confidence:g}")
    ax.set_xlabel("confidence")
    ax.set_ylabel("smart tags")
    ax.set_title(f"Smart tag confidence ({len(values)} tags)")
    ax.legend(frameon=False)
    return ax


def top_tags(smart_tags: pd.DataFrame, n: int = 20, ax: Axes | None = None) -> Axes:
    """The ``n`` most frequent smart tag names."""
    counts = smart_tags["name"].dropna().value_counts().head(n).sort_values()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.3 * max(len(counts), 1) + 1.2))
    counts.plot.barh(ax=ax, color="#17becf")
    ax.set_xlabel("assets tagged")
    ax.set_ylabel("")
    ax.set_title(f"Top {len(counts)} smart tags")
    return ax


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


def audit_dashboard(result: AuditResult, smart_tags: pd.DataFrame) -> plt.Figure:
    """One figure with the three plots, for reports."""
    fig = plt.figure(figsize=(13, 8), layout="constrained")
    grid = fig.add_gridspec(2, 2)
    status_by_folder(result, fig.add_subplot(grid[:, 0]))
    confidence_histogram(smart_tags, result.arguments.minimum_confidence, fig.add_subplot(grid[0, 1]))
    top_tags(smart_tags, 15, fig.add_subplot(grid[1, 1]))
    return fig
