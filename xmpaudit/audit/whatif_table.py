"""The what-if sweep as the kit shows frames: one row per threshold, headers in words (``tables.COLUMN_WORDS``),
the step's and the chosen threshold named in their row (no True/False column), and how many assets in sync now
stay in sync at each threshold (nobody has to subtract)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from xmpaudit.audit.whatif import threshold_words
from xmpaudit.core.number_words import count_words, counted

SHOWN_STEPS = tuple(i / 10 for i in range(11))  # 0, 0.1, … 1: the rows every surface shows, plus step and chosen
TABLE_COLUMNS = ("minimum_confidence", "tags_written", "tags_kept_pct", "assets_with_tags_written",
                 "assets_left_empty", "in_sync_then", "in_sync_to_stale", "in_sync_to_invalid", "invalid")


def threshold_cell(value: float, current: float | None, chosen: float | None) -> str:
    """A threshold as its row names it: ``0.5 (the step's)``, ``0.6 (chosen)``, ``0.7``."""
    marks = [word for word, mark in (("the step's", current), ("chosen", chosen))
             if mark is not None and float(mark) == float(value)]
    return threshold_words(value) + (f" ({', '.join(marks)})" if marks else "")


def whatif_rows(sweep: pd.DataFrame, chosen: float | None = None,
                steps: Iterable[float] = SHOWN_STEPS) -> pd.DataFrame:
    """The rows of ``sweep`` (``ThresholdModel.sweep``) at ``steps``, the step's threshold and ``chosen``, as
    ``TABLE_COLUMNS``: shown by ``as_table`` (notebooks, app) and the CLI in words."""
    current_rows = sweep.loc[sweep["current"], "threshold"]
    current = float(current_rows.iloc[0]) if len(current_rows) else None
    wanted = {float(v) for v in steps} | {v for v in (current, chosen) if v is not None}
    rows = sweep[np.isin(sweep["threshold"].to_numpy(dtype=float), sorted(wanted))]
    in_sync_now = sweep.attrs.get("in_sync_now")
    then = rows["in_sync_to_stale"] + rows["in_sync_to_invalid"]
    return pd.DataFrame({
        "minimum_confidence": [threshold_cell(v, current, chosen) for v in rows["threshold"]],
        "tags_written": rows["tags_written"].to_numpy(),
        "tags_kept_pct": rows["tags_kept_pct"].to_numpy(),
        "assets_with_tags_written": rows["assets_with_tags_written"].to_numpy(),
        "assets_left_empty": rows["assets_left_empty"].to_numpy(),
        "in_sync_then": (in_sync_now - then).to_numpy() if in_sync_now is not None else pd.NA,
        "in_sync_to_stale": rows["in_sync_to_stale"].to_numpy(),
        "in_sync_to_invalid": rows["in_sync_to_invalid"].to_numpy(),
        "invalid": rows["invalid"].to_numpy(),
    }, columns=list(TABLE_COLUMNS))


def whatif_note(sweep: pd.DataFrame) -> str:
    """The denominators under the table, in the headline's words (why "left empty" can exceed the headline's
    assets with smart tags)."""
    tagged, headline = sweep.attrs.get("assets_tagged"), sweep.attrs.get("headline_with_smart_tags")
    in_sync = sweep.attrs.get("in_sync_now")
    if tagged is None or headline is None or in_sync is None:
        return ""
    between = f": the headline's {count_words(headline)} and {count_words(tagged - headline)} the process would " \
        "fail on (invalid)" if tagged > headline else ""
    return (f"{counted(tagged, 'asset')} with smart tags and a metadata node{between}; "
            f"{counted(in_sync, 'asset')} in sync now.")
