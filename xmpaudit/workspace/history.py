"""Coverage over time: one dated record per audit, per AEM and DAM folder, appended to the per-user history file
(``core/locations.history_path()``, JSON lines; appends are locked, so surfaces running at once are safe); read back
as a frame, the counts of the previous snapshot for "change since", and the alert of scheduled reports."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from xmpaudit.audit.result import AuditResult
from xmpaudit.audit.summary_json import audit_summary
from xmpaudit.core.dates import parse_moment
from xmpaudit.core.file_lock import exclusive
from xmpaudit.core.locations import history_path
from xmpaudit.core.number_words import percent_words, points_words
from xmpaudit.core.read_at import read_at
from xmpaudit.core.statuses import STATUSES
from xmpaudit.workspace.freshness import READS_BEGAN

HISTORY_COLUMNS = ("recorded_at", "surface", "source", "root", "stamp", "taken_at", "snapshot_age_s",
                   "minimum_confidence", "total", "tagged", "coverage_pct", *STATUSES, "worst_folders")


def snapshot_stamp(meta: dict[str, Any]) -> str:
    """When a snapshot's reads began (ms, from sessions) or, for others, when it was taken (s): its order key."""
    moment = parse_moment(meta.get(READS_BEGAN) or meta.get("taken_at"))
    return "" if moment is None else moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def _path(path: str | Path | None) -> Path:
    return history_path() if path is None else Path(path)


def read_records(path: str | Path | None = None) -> list[dict[str, Any]]:
    """Every record of the history file, oldest first (lines that are not a JSON object are skipped)."""
    try:
        lines = _path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    records = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a line cut by a crash: the others stay readable
        if isinstance(record, dict):
            records.append(record)
    return records


def append_record(record: dict[str, Any], path: str | Path | None = None) -> Path:
    """Append ``record`` as one JSON line, under an exclusive lock and in one write (on a line of its own)."""
    target = _path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    with exclusive(target):
        descriptor = os.open(target, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(descriptor).st_size
            if size and read_at(descriptor, 1, size - 1) != b"\n":
                data = b"\n" + data  # a line cut by a crash stays alone (and is skipped), this record stays whole
            os.write(descriptor, data)
        finally:
            os.close(descriptor)
    return target


def _same_place(record: dict[str, Any], source: Any, root: Any) -> bool:
    return record.get("source") == source and record.get("root") == root


def record_audit(result: AuditResult, meta: dict[str, Any], surface: str, *, path: str | Path | None = None,
                 once: bool = False) -> dict[str, Any] | None:
    """Append the record of one audit of the snapshot ``meta`` describes (``surface``: who audited, e.g.
    ``cli audit``); with ``once``, only when that snapshot has no record yet. Returns the record written."""
    stamp = snapshot_stamp(meta)
    if once and any(_same_place(r, meta.get("source"), meta.get("root")) and r.get("stamp") == stamp
                    for r in read_records(path)):
        return None
    record = {"recorded_at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), "surface": surface,
              "stamp": stamp, **audit_summary(result, meta)}
    append_record(record, path)
    return record


def read_history(source: str | None = None, root: str | None = None, path: str | Path | None = None
                 ) -> pd.DataFrame:
    """The history as a frame (``HISTORY_COLUMNS``, one row per audit, oldest first), of one AEM and/or folder
    when given; ``recorded_at`` and ``taken_at`` as UTC timestamps, one column of counts per status."""
    rows = []
    for record in read_records(path):
        if (source is not None and record.get("source") != source) or (root is not None and record.get("root") != root):
            continue
        counts = record.get("counts") or {}
        rows.append({**{c: record.get(c) for c in HISTORY_COLUMNS}, **{s: int(counts.get(s, 0)) for s in STATUSES}})
    frame = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
    for column in ("recorded_at", "taken_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True, errors="coerce", format="ISO8601")
    for column in ("snapshot_age_s", "minimum_confidence", "coverage_pct"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame[["total", "tagged", *STATUSES]] = frame[["total", "tagged", *STATUSES]].fillna(0).astype("int64")
    return frame.sort_values("recorded_at", kind="stable").reset_index(drop=True)


def previous_counts(meta: dict[str, Any], path: str | Path | None = None) -> dict[str, Any] | None:
    """``{"taken_at", "counts", …}`` of the latest audit of a snapshot taken before the one ``meta`` describes, of
    the same AEM and folder (for "change since the previous snapshot"); None if there is none."""
    stamp = snapshot_stamp(meta)
    earlier = [r for r in read_records(path) if _same_place(r, meta.get("source"), meta.get("root"))
               and str(r.get("stamp") or "") < stamp]
    if not earlier:
        return None
    latest = max(earlier, key=lambda r: (str(r.get("stamp")), str(r.get("recorded_at"))))
    return {"taken_at": latest.get("taken_at"), "counts": latest.get("counts") or {},
            "coverage_pct": latest.get("coverage_pct"), "minimum_confidence": latest.get("minimum_confidence")}


@dataclass(frozen=True)
class CoverageAlert:
    """The decision of a scheduled report: whether it fails, and the one line that says why (or that all is well)."""

    failed: bool
    message: str


def coverage_alert(history: pd.DataFrame, *, fail_below: float | None = None, fail_drop: float | None = None
                   ) -> CoverageAlert:
    """Judge the latest audit of ``history`` (one AEM and folder, as ``read_history`` gives it): it fails when its
    coverage is below ``fail_below`` % or lost more than ``fail_drop`` points since the previous snapshot's audit."""
    if history.empty:
        return CoverageAlert(True, "no audit was recorded, so coverage cannot be checked")
    latest = history.iloc[-1]
    where = f"{latest['source']}{latest['root']}"
    coverage = latest["coverage_pct"]
    if pd.isna(coverage):
        return CoverageAlert(False, f"coverage of {where}: no assets with smart tags, nothing to check")
    problems = []
    if fail_below is not None and coverage < fail_below:
        problems.append(f"coverage {percent_words(coverage)} is below {fail_below:g}%")
    earlier = history[history["stamp"].astype(str) < str(latest["stamp"])]
    drop_text = "no earlier snapshot"
    if len(earlier) and pd.notna(earlier.iloc[-1]["coverage_pct"]):
        before = float(earlier.iloc[-1]["coverage_pct"])
        change = round(float(coverage) - before, 1)
        drop_text = f"{points_words(change)} since {earlier.iloc[-1]['taken_at']:%Y-%m-%d %H:%M} UTC"
        then, now = earlier.iloc[-1].get("minimum_confidence"), latest.get("minimum_confidence")
        if pd.notna(then) and pd.notna(now) and then != now:
            drop_text += f", minimumConfidence changed from {then:g} to {now:g}"
        if fail_drop is not None and -change > fail_drop:
            problems.append(f"coverage fell {-change:.1f} points (from {percent_words(before)} to "
                            f"{percent_words(coverage)}), more than {fail_drop:g} ({drop_text})")
    if problems:
        return CoverageAlert(True, f"ALERT for {where}: " + "; ".join(problems))
    return CoverageAlert(False, f"coverage of {where}: {percent_words(coverage)} ({drop_text}): within the limits")


def scheduled_report_alert(root: str, since: str, *, fail_below: float | None = None,
                           fail_drop: float | None = None, path: str | Path | None = None) -> CoverageAlert:
    """The alert of a scheduled report started at ``since`` (ISO time): judges the latest audit of ``root``
    recorded since then, against the earlier audits of the same AEM and folder."""
    started = parse_moment(since)
    recent = [r for r in read_records(path) if r.get("root") == root
              and (parse_moment(r.get("recorded_at")) or datetime.min.replace(tzinfo=timezone.utc)) >= started]
    if not recent:
        return CoverageAlert(True, f"the report recorded no audit of {root}, so coverage cannot be checked")
    return coverage_alert(read_history(recent[-1].get("source"), root, path), fail_below=fail_below,
                          fail_drop=fail_drop)
