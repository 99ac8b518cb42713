"""The panel's rules: which rows match a folder, statuses, a tag, a confidence range and a search text."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd

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
    """Every folder and its parents below the common ancestor, labelled relative to it."""
    folders = table["folder"].dropna().unique().tolist()
    common = os.path.commonpath(folders) if folders else ""
    options = set()
    for folder in folders:
        while len(folder) > len(common):
            options.add(folder)
            folder = folder.rsplit("/", 1)[0]
    labels = [f[len(common):].lstrip("/") for f in sorted(options)]
    return [(f"{ALL_FOLDERS} under {common}", ALL_FOLDERS), *zip(labels, sorted(options), strict=True)]


def tag_options(tag_table: pd.DataFrame, limit: int = 300) -> list[str]:
    """The most frequent tag names, alphabetically."""
    return tag_table["name"].astype(str).value_counts().index[:limit].sort_values().tolist()
