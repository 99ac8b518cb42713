"""Coverage history as a table: one row per audit result, newest first, with when the snapshot was taken, who
audited it and at which threshold; audits that read the same in every column (the same snapshot audited again, or
snapshots taken within the minute with the same counts) fold into one row that says how many they were.

Reads the frame ``workspace.history.read_history`` returns; a column it lacks (older records) is shown blank."""

from __future__ import annotations

import pandas as pd

from xmpaudit.audit.whatif import threshold_words
from xmpaudit.core.dates import table_time

HISTORY_TABLE_COLUMNS = ("taken_at", "surface", "minimum_confidence", "coverage_pct", "with_smart_tags",
                         "missing_xmp", "stale_xmp", "orphan_xmp", "invalid", "audits")
COUNT_COLUMNS = {"with_smart_tags": "tagged", "missing_xmp": "missing_xmp", "stale_xmp": "stale_xmp",
                 "orphan_xmp": "orphan_xmp", "invalid": "invalid"}
SURFACE_WORDS = {"cli audit": "CLI", "notebook-report": "scheduled report", "session": "notebook"}


def _threshold(record: pd.Series) -> str:
    """The step's minimumConfidence of a record: its own field, else inside its process arguments if recorded."""
    value = record.get("minimum_confidence")
    arguments = record.get("process_args") or record.get("arguments")
    if (value is None or value != value) and isinstance(arguments, dict):
        value = arguments.get("minimumConfidence")
    try:
        return threshold_words(float(value)) if value is not None and value == value else ""
    except (TypeError, ValueError):
        return ""


def _surfaces(values: pd.Series) -> str:
    words = [SURFACE_WORDS.get(v, v) for v in values if isinstance(v, str) and v]
    return ", ".join(dict.fromkeys(words))


def history_table(history: pd.DataFrame, limit: int | None = 10) -> pd.DataFrame:
    """``history`` (one row per recorded audit) as ``HISTORY_TABLE_COLUMNS``, newest first, repeated rows folded
    (``audits``: how many); ``limit`` rows (all with None). Show it with ``as_table``."""
    def column(name: str) -> pd.Series:
        return history[name] if name in history.columns else pd.Series([pd.NA] * len(history), index=history.index)

    rows = pd.DataFrame({
        "taken_at": [table_time(v) for v in column("taken_at")],
        "surface": column("surface").astype(object).to_numpy(),
        "minimum_confidence": [_threshold(r) for _, r in history.iterrows()] if len(history) else [],
        "coverage_pct": pd.to_numeric(column("coverage_pct"), errors="coerce").round(1).to_numpy(),
        **{shown: pd.to_numeric(column(field), errors="coerce").astype("Int64").to_numpy()
           for shown, field in COUNT_COLUMNS.items()},
    }).iloc[::-1]
    same = [c for c in rows.columns if c != "surface"]
    grouped = rows.groupby(same, sort=False, dropna=False)
    folded = grouped.agg(surface=("surface", _surfaces), audits=("surface", "size")).reset_index()
    folded = folded.astype({"audits": "int64", **{c: "Int64" for c in COUNT_COLUMNS}})
    table = folded[list(HISTORY_TABLE_COLUMNS)]
    return table if limit is None else table.head(limit)
