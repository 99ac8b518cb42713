"""The panel's rules: which rows match a folder, statuses, a tag, a confidence range and a search text."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd

from xmpaudit.core.number_words import count_words, counted, percent_words
from xmpaudit.core.statuses import FIXABLE_STATUSES, coverage_of

ALL_FOLDERS = "(all folders)"
FULL_RANGE = (0.0, 1.0)


@dataclass(frozen=True)
class Rules:
    """What the rule controls say: folder (with subfolders), statuses, tag, top-confidence range, search text."""

    folder: str = ALL_FOLDERS
    statuses: tuple[str, ...] = ()
    tag: str = ""
    confidence: tuple[float, float] = FULL_RANGE
    search: str = ""


def matching_rows(table: pd.DataFrame, tag_table: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """The rows of ``table`` matching every rule; with a tag, the confidence range applies to that tag."""
    mask = table["status"].isin(rules.statuses).to_numpy(copy=True)
    if rules.folder != ALL_FOLDERS:
        folder = rules.folder
        mask &= ((table["folder"] == folder) | table["folder"].str.startswith(folder + "/")).to_numpy()
    low, high = rules.confidence
    tag = rules.tag.strip().lower()
    if tag:
        named = tag_table["name"].astype(str).str.lower() == tag
        hit = named & tag_table["confidence"].fillna(0.0).between(low, high)
        mask &= table.index.isin(tag_table.loc[hit, "asset"].unique())
    elif (low, high) != FULL_RANGE:
        mask &= table["top_confidence"].fillna(0.0).between(low, high).to_numpy()
    text = rules.search.strip()
    if text:
        found = table["path"].str.contains(text, case=False, regex=False) | table["tags"].str.contains(
            text, case=False, regex=False)
        mask &= found.to_numpy()
    return table[mask]


def folder_options(table: pd.DataFrame) -> list[tuple[str, str]]:
    """All folders, then every folder and its parents below the common ancestor (each with its subfolders),
    worst first: lowest coverage, then most assets to fix, then by path; folders without smart tags last. Each
    labelled relative to the common ancestor with its coverage and assets to fix."""
    counts = pd.crosstab(table["folder"].astype(str), table["status"].astype(str))
    folders = counts.index.tolist()
    common = os.path.commonpath(folders) if folders else ""
    options: dict[str, pd.Series] = {}
    for folder, row in counts.iterrows():
        folder = str(folder)
        while len(folder) > len(common):
            options[folder] = options[folder].add(row, fill_value=0) if folder in options else row
            folder = folder.rsplit("/", 1)[0]
    ranked = sorted(((folder_rank(c), f) for f, c in options.items()))
    everything = counts.sum() if len(counts) else pd.Series(dtype="int64")
    return [(f"{ALL_FOLDERS} under {common} — {folder_words(everything)}", ALL_FOLDERS),
            *((f"{f[len(common):].lstrip('/')} — {folder_words(options[f])}", f) for _, f in ranked)]


def folder_rank(counts: pd.Series) -> tuple[bool, float, int]:
    """Worst first: (no smart tags, coverage, -assets to fix)."""
    coverage, _ = coverage_of(counts.to_dict())
    return coverage is None, coverage or 0.0, -int(counts.reindex(list(FIXABLE_STATUSES), fill_value=0).sum())


def folder_words(counts: pd.Series) -> str:
    """"62.0% covered, 14 to fix of 40 assets" (coverage as the headline defines it, numbers as every view
    shows them)."""
    coverage, _ = coverage_of(counts.to_dict())
    to_fix = int(counts.reindex(list(FIXABLE_STATUSES), fill_value=0).sum())
    share = "no smart tags" if coverage is None else f"{percent_words(coverage)} covered"
    return f"{share}, {count_words(to_fix)} to fix of {counted(int(counts.sum()), 'asset')}"


def tag_options(tag_table: pd.DataFrame, limit: int = 300) -> list[str]:
    """The most frequent tag names, alphabetically."""
    return tag_table["name"].astype(str).value_counts().index[:limit].sort_values().tolist()
