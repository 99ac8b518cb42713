"""Frames as notebooks and reports show them: headers in words, counts and percentages as every view words them,
no index, every cell escaped."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from xmpaudit.core.number_words import change_words, confidence_words, count_words, is_missing, percent_words
from xmpaudit.core.statuses import STATUSES, status_words

COLUMN_WORDS = {
    "label": "Status", "assets": "Assets", "share_pct": "Share of all assets",
    "change": "Change since the previous snapshot", "folder": "Folder", "with_smart_tags": "With smart tags",
    "to_fix": "To fix", "invalid": "Invalid", "coverage_pct": "Coverage", "name": "Name", "reason": "Reason",
    "path": "Path", "asset": "Asset", "taken_at": "Snapshot taken (UTC)", "surface": "Audited by",
    "minimum_confidence": "minimumConfidence",
    # the what-if (audit/whatif_table.py)
    "tags_written": "Tags written", "tags_kept_pct": "Smart tags kept",
    "assets_with_tags_written": "Assets with tags written", "assets_left_empty": "Assets with smart tags left empty",
    "in_sync_then": "In sync now and at this threshold", "in_sync_to_stale": "In sync now, out of date then",
    "in_sync_to_invalid": "In sync now, invalid then",
    "dropped": "Dropped", "newly_dropped": "Newly dropped", "newly_written": "Newly written",
    # confidence per smart tag (audit/tag_confidence.py)
    "occurrences": "Occurrences", "unusable": "Unusable confidences", "q10": "10th percentile",
    "q25": "25th percentile", "median": "Median", "q75": "75th percentile", "q90": "90th percentile",
    "under_threshold_pct": "Under the threshold",
    # per-tag differences (``AuditResult.tags``)
    "name_expected": "Tag the process writes", "confidence_expected": "Its confidence", "name_xmp": "Tag in XMP",
    "confidence_xmp": "Confidence in XMP", "index": "Position", "difference": "Difference",
    # the coverage history (audit/history_table.py)
    "audits": "Audits",
}
# columns holding a smart tag confidence: shown as ``confidence_words`` does (the one rule, two decimals)
CONFIDENCE_COLUMNS = frozenset({"confidence", "confidence_expected", "confidence_xmp", "q10", "q25", "median", "q75",
                                "q90"})


def column_words(column: str) -> str:
    """A column's header in words: the shared wording, a status's own words, else the name with spaces."""
    if column in COLUMN_WORDS:
        return COLUMN_WORDS[column]
    return status_words(column) if column in STATUSES else str(column).replace("_", " ")


def cell_words(column: str, value: Any, integer: bool) -> str:
    """One cell as the tables show it: ``*_pct`` with one decimal and %, confidences as ``confidence_words``,
    ``change`` signed, whole numbers with thousands separators, missing values blank."""
    if is_missing(value):
        return ""
    if str(column).endswith("_pct"):
        return percent_words(value, missing="")
    if column in CONFIDENCE_COLUMNS:
        return confidence_words(value)
    if column == "change":
        return change_words(value)
    if integer:
        return count_words(value)
    return str(value)


def cell_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every cell as ``cell_words`` shows it (same columns, text only)."""
    return pd.DataFrame({column: [cell_words(column, value, pd.api.types.is_integer_dtype(frame[column].dtype))
                                  for value in frame[column].tolist()] for column in frame.columns})


def table_html(frame: pd.DataFrame, hide: Iterable[str] = ()) -> str:
    """``frame`` as an HTML table (no index, cells escaped): headers in words, cells as ``cell_words`` shows them."""
    shown = cell_frame(frame.drop(columns=[c for c in hide if c in frame.columns]))
    return shown.rename(columns=column_words).to_html(index=False)


class Table:
    """A frame shown as ``table_html`` shows it (in a notebook: ``as_table(frame)`` as a cell's last line)."""

    def __init__(self, frame: pd.DataFrame, hide: Iterable[str] = ()) -> None:
        self.frame = frame
        self.hide = tuple(hide)

    def _repr_html_(self) -> str:
        return table_html(self.frame, self.hide)

    def __repr__(self) -> str:
        """The same table as text (a console, a notebook exported to text)."""
        shown = cell_frame(self.frame.drop(columns=[c for c in self.hide if c in self.frame.columns]))
        return shown.rename(columns=column_words).to_string(index=False)


def as_table(frame: pd.DataFrame, hide: Iterable[str] = ()) -> Table:
    """``frame`` for display in words (notebooks); ``hide`` names columns left out."""
    return Table(frame, hide)
