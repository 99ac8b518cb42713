"""Matplotlib plots of an audit that people read: shares and counts, worst first, status names in words,
a colour-blind-safe palette (Okabe-Ito)."""

from __future__ import annotations

import posixpath

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes

from xmpaudit.audit.counts import coverage_table
from xmpaudit.audit.counts import status_by_folder as counts_by_folder
from xmpaudit.audit.headline import worst_folders
from xmpaudit.audit.result import AuditResult
from xmpaudit.core.cells import visible_controls
from xmpaudit.core.number_words import count_words, counted, percent_words, share_pct
from xmpaudit.core.statuses import FIXABLE_STATUSES, NOT_TAGGED, STATUS_COLOURS, STATUS_ORDER, STATUS_WORDS, coverage_of

# the statuses of assets with smart tags (the coverage denominator), drawn left to right in STATUS_ORDER
TAGGED_ORDER = tuple(s for s in STATUS_ORDER if s not in NOT_TAGGED)

CONFIDENCE_COLOUR = "#0072B2"
CUT_COLOUR = "#D55E00"
TAG_COLOUR = "#009E73"


def _short_folder(folder: str, root: str) -> str:
    if root and (folder == root or folder.startswith(root.rstrip("/") + "/")):
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


def audited_folder(result: AuditResult, root: str | None = None) -> str | None:
    """The folder a plot is about: ``root``, else the audited snapshot's root, else the folder holding every
    audited asset; None without assets."""
    root = root or result.meta.get("root")
    if root:
        return str(root)
    folders = result.assets["folder"].dropna().astype(str).unique().tolist()
    return posixpath.commonpath(folders) if folders else None


def _sentence(ax: Axes, title: str, sentence: str) -> Axes:
    """A plot with nothing to draw: its title and a sentence saying why, no empty axes."""
    ax.set_title(title, loc="left")
    ax.text(0.0, 0.5, sentence, transform=ax.transAxes, va="center", fontsize="medium")
    ax.set_axis_off()
    return ax


def _new_axes(ax: Axes | None, width: float, height: float) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=(width, height), layout="constrained")
    return ax


def status_by_folder(result: AuditResult, ax: Axes | None = None, root: str | None = None,
                     max_folders: int = 25) -> Axes:
    """Per folder, worst coverage on top: 100 % bars of the folder's assets with smart tags by status (the
    in-sync part is the coverage), with the coverage % and counts written beside each bar."""
    folder = audited_folder(result, root)
    worst = worst_folders(result).head(max_folders)
    shown = visible_controls(folder or "the audited folder")
    title = f"XMP coverage by folder under {shown}, worst first" if folder else "XMP coverage by folder"
    if worst.empty:
        return _sentence(_new_axes(ax, 8, 1.6), title, f"No assets under {shown}.")
    table = coverage_table(counts_by_folder(result.assets)).reindex(worst["folder"].astype(object))
    present = [s for s in TAGGED_ORDER if table[s].sum() > 0]
    shares = table[present].div(table["with_smart_tags"].where(lambda n: n > 0), axis=0).fillna(0) * 100
    common = folder if root is not None or result.meta.get("root") else _common_prefix(table.index.tolist())
    ax = _new_axes(ax, 10, 0.42 * len(table) + 1.8)
    left = pd.Series(0.0, index=shares.index)
    positions = range(len(shares))
    for status in present:
        ax.barh(positions, shares[status], left=left, color=STATUS_COLOURS[status], height=0.72,
                label=STATUS_WORDS[status], edgecolor="white", linewidth=0.5)
        left += shares[status]
    ax.set_yticks(list(positions), [visible_controls(_short_folder(f, common or "")) for f in table.index])
    ax.invert_yaxis()
    ax.set_xlim(0, 150)  # room on the right for the coverage text
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel("share of the folder's assets with smart tags (%); in sync = coverage")
    for y, row in enumerate(table.itertuples()):
        covered = "no assets with smart tags" if pd.isna(row.coverage_pct) else \
            f"{percent_words(row.coverage_pct)} covered ({count_words(row.node_in_sync)} of " \
            f"{count_words(row.with_smart_tags)})"
        to_fix = int(sum(getattr(row, s) for s in FIXABLE_STATUSES))
        ax.text(101.5, y, f"{covered}\n{count_words(to_fix)} to fix of {counted(row.assets, 'asset')}",
                va="center", fontsize="small")
    overall, tagged = coverage_of(result.counts())
    overall_text = "\nno asset has smart tags" if overall is None else \
        f"\n{percent_words(overall)} of the {counted(tagged, 'asset')} with smart tags are covered"
    ax.set_title(title + overall_text, loc="left")
    if present:
        ax.legend(loc="upper center", bbox_to_anchor=(0.4, -0.1 if len(table) > 4 else -0.25), ncol=3,
                  fontsize="small", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def status_shares(result: AuditResult, ax: Axes | None = None, root: str | None = None) -> Axes:
    """Assets per status (in words), as count and share, problems first."""
    folder = audited_folder(result, root)
    shown = visible_controls(folder or "the audited folder")
    counts = result.counts().reindex(list(STATUS_ORDER))
    counts = counts[counts > 0]
    total = int(counts.sum())
    title = f"Assets by status under {shown} ({counted(total, 'asset')})" if folder else "Assets by status"
    if not total:
        return _sentence(_new_axes(ax, 7, 1.6), title, f"No assets under {shown}.")
    ax = _new_axes(ax, 7, 0.4 * len(counts) + 1.2)
    ax.barh(range(len(counts)), counts.to_numpy(), color=[STATUS_COLOURS[s] for s in counts.index])
    ax.set_yticks(range(len(counts)), [STATUS_WORDS[s] for s in counts.index])
    ax.invert_yaxis()
    for y, value in enumerate(counts.to_numpy()):
        ax.annotate(f"{count_words(value)} ({percent_words(share_pct(value, total))})", (value, y), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize="small")
    ax.set_xlim(0, counts.max() * 1.3)
    ax.set_xlabel("assets")
    ax.set_title(title, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def confidence_histogram(smart_tags: pd.DataFrame, minimum_confidence: float = 0.0,
                         ax: Axes | None = None, bins: int = 20) -> Axes:
    """Share of smart tags per confidence band, with the minimumConfidence cut marked."""
    values = smart_tags["confidence"].dropna().astype(float)
    title = f"Smart tag confidence ({counted(len(values), 'tag')})"
    if not len(values):
        return _sentence(_new_axes(ax, 7, 1.6), title, "No smart tag has a confidence to show.")
    ax = _new_axes(ax, 7, 3.5)
    ax.hist(values, bins=bins, range=(0, 1), weights=[100.0 / len(values)] * len(values), color=CONFIDENCE_COLOUR,
            edgecolor="white")
    kept = share_pct(int((values >= minimum_confidence).sum()), len(values))
    ax.axvline(minimum_confidence, color=CUT_COLOUR, linestyle="--")
    ax.set_xlabel("confidence")
    ax.set_ylabel("share of smart tags (%)")
    ax.set_title(f"{title}\ndashed: minimumConfidence = {minimum_confidence:g}, {percent_words(kept)} of tags kept",
                 loc="left", fontsize="medium")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def top_tags(smart_tags: pd.DataFrame, n: int = 20, ax: Axes | None = None,
             result: AuditResult | None = None) -> Axes:
    """The ``n`` most frequent smart tag names. With ``result``: among the assets with smart tags (the headline's
    "tagged": not invalid), with the share of them carrying each name; without it, counts only."""
    tagged = None
    if result is not None:
        assets = result.assets
        kept = assets.loc[~assets["status"].isin(NOT_TAGGED), "path"].astype(str)
        smart_tags = smart_tags[smart_tags["asset"].astype(str).isin(set(kept))]
        _, tagged = coverage_of(result.counts())
    names = smart_tags.dropna(subset=["name"]).drop_duplicates(["asset", "name"])
    counts = names["name"].value_counts().head(n)
    if tagged is None:
        title = f"Top {len(counts)} smart tags (assets carrying each)"
    else:
        title = f"Top {len(counts)} smart tags (% of the {counted(tagged, 'asset')} with smart tags)"
    if counts.empty:
        return _sentence(_new_axes(ax, 7, 1.6), title, "No asset has smart tags.")
    ax = _new_axes(ax, 7, 0.3 * len(counts) + 1.2)
    ax.barh(range(len(counts)), counts.to_numpy(), color=TAG_COLOUR)
    # tabs/line breaks in a name: one line; other control characters as visible escapes (no font draws them)
    labels = [visible_controls(" ".join(str(name).split())) for name in counts.index]
    ax.set_yticks(range(len(counts)), labels, fontsize="small")
    ax.invert_yaxis()
    for y, value in enumerate(counts.to_numpy()):
        share = "" if tagged is None else f" ({percent_words(share_pct(value, tagged))})"
        ax.annotate(count_words(value) + share, (value, y), xytext=(3, 0), textcoords="offset points", va="center",
                    fontsize="x-small")
    ax.set_xlim(0, counts.max() * 1.3)
    ax.set_xlabel("assets tagged")
    ax.set_title(title, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def audit_dashboard(result: AuditResult, smart_tags: pd.DataFrame, root: str | None = None) -> plt.Figure:
    """One figure for reports: coverage by folder (left), status shares, confidence and top tags (right)."""
    folders = min(result.assets["folder"].nunique(), 25)
    fig = plt.figure(figsize=(15, max(9.5, 0.42 * folders + 3)), layout="constrained")
    grid = fig.add_gridspec(3, 2, width_ratios=[1.35, 1])
    status_by_folder(result, fig.add_subplot(grid[:, 0]), root=root)
    status_shares(result, fig.add_subplot(grid[0, 1]), root=root)
    confidence_histogram(smart_tags, result.arguments.minimum_confidence, fig.add_subplot(grid[1, 1]))
    top_tags(smart_tags, 10, fig.add_subplot(grid[2, 1]), result=result)
    return fig
