"""The machine-readable summary of one audit (for dashboards beside the HTML report, and for the history)."""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from xmpaudit.audit.headline import headline
from xmpaudit.audit.result import AuditResult
from xmpaudit.core.dates import parse_moment

SUMMARY_SCHEMA = "xmpaudit.audit-summary/1"
SUMMARY_FOLDERS = 50  # worst folders kept in a summary


def _number(value: Any) -> float | None:
    """A JSON-safe float (None for NA/NaN)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def snapshot_age_seconds(meta: dict[str, Any], now: datetime | None = None) -> float | None:
    """Seconds between the snapshot's ``taken_at`` and ``now`` (None when unknown)."""
    taken = parse_moment(meta.get("taken_at")) if meta.get("taken_at") else None
    if taken is None:
        return None
    return round(((now or datetime.now(timezone.utc)) - taken).total_seconds(), 1)


def audit_summary(result: AuditResult, meta: dict[str, Any] | None = None,
                  previous: dict[str, Any] | None = None, folders: int = SUMMARY_FOLDERS) -> dict[str, Any]:
    """One audit as plain JSON data: where and when, the threshold, counts per status, coverage (and its change
    since ``previous``), and the ``folders`` worst folders."""
    meta = meta or {}
    head = headline(result, previous, meta)
    worst = head.worst_folders.head(folders)
    return {
        "schema": SUMMARY_SCHEMA,
        "source": meta.get("source"),
        "root": meta.get("root"),
        "taken_at": meta.get("taken_at"),
        "snapshot_age_s": snapshot_age_seconds(meta),
        "minimum_confidence": _number(result.arguments.minimum_confidence),
        "process_args": result.arguments.to_process_args(),
        "total": head.total,
        "tagged": head.tagged,
        "coverage_pct": _number(head.coverage_pct),
        "coverage_change": _number(head.coverage_change),
        "previous_taken_at": (previous or {}).get("taken_at"),
        "counts": {str(k): int(v) for k, v in result.counts().items()},
        "worst_folders": [
            {"folder": str(row.folder), "assets": int(row.assets), "with_smart_tags": int(row.with_smart_tags),
             "to_fix": int(row.to_fix), "invalid": int(row.invalid), "coverage_pct": _number(row.coverage_pct)}
            for row in worst.itertuples()
        ],
    }


def write_summary_json(summary: dict[str, Any], path: str | Path) -> Path:
    """Write ``summary`` as indented JSON (``.json`` beside a report: ``x.html`` -> ``x.json``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
