"""Coverage over time: one dated record per audit, per AEM and DAM folder, appended to the per-user history file
(``core/locations.history_path()``, JSON lines; appends are locked, so surfaces running at once are safe); read back
as a frame, the counts of the previous snapshot for "change since", and the alert of scheduled reports."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from xmpaudit.audit.result import AuditResult
from xmpaudit.audit.summary_json import audit_summary
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.dates import moment_words, parse_moment
from xmpaudit.core.errors import ConfigError
from xmpaudit.core.number_words import percent_words, points_words
from xmpaudit.core.statuses import STATUSES
from xmpaudit.workspace.freshness import READS_BEGAN
from xmpaudit.workspace.history_file import append_record, read_records

__all__ = ["HISTORY_COLUMNS", "CoverageAlert", "append_record", "coverage_alert", "has_record", "previous_counts",
           "read_history", "read_records", "record_audit", "scheduled_report_alert", "snapshot_stamp"]

log = logging.getLogger(__name__)
HISTORY_COLUMNS = ("recorded_at", "surface", "live", "source", "root", "stamp", "taken_at", "snapshot_age_s",
                   "minimum_confidence", "process_args", "args_source", "total", "tagged", "coverage_pct",
                   *STATUSES, "worst_folders")


def snapshot_stamp(meta: dict[str, Any]) -> str:
    """When a snapshot's reads began (ms, from sessions) or, for others, when it was taken (s): its order key."""
    moment = parse_moment(meta.get(READS_BEGAN) or meta.get("taken_at"))
    return "" if moment is None else moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def _same_place(record: dict[str, Any], source: Any, root: Any) -> bool:
    return record.get("source") == source and record.get("root") == root


def _live(record: dict[str, Any]) -> bool:
    """Whether the record is of the live series: audited with the step's arguments on a session (old records
    without the field count as live); offline and what-if audits are not."""
    return record.get("live") is not False


def same_arguments(record: dict[str, Any], arguments: SyncArguments) -> bool:
    """Whether ``record`` was audited with ``arguments`` (old records naming only the threshold: by it)."""
    if record.get("process_args") is not None:
        return record["process_args"] == arguments.to_process_args()
    return record.get("minimum_confidence") == arguments.minimum_confidence


def has_record(meta: dict[str, Any], path: str | Path | None = None) -> bool:
    """Whether the snapshot ``meta`` describes was audited already (by any surface)."""
    stamp = snapshot_stamp(meta)
    return any(_same_place(r, meta.get("source"), meta.get("root")) and r.get("stamp") == stamp
               for r in read_records(path))


def record_audit(result: AuditResult, meta: dict[str, Any], surface: str, *, live: bool = True,
                 args_source: str | None = None, path: str | Path | None = None,
                 once: bool = False) -> dict[str, Any] | None:
    """Append the record of one audit of the snapshot ``meta`` describes: who audited (``surface``: ``notebook``,
    ``app``, ``cli``, ``report`` …), with which arguments and where they were read (``args_source``), and whether
    it belongs to the ``live`` series (False: an offline or what-if audit). With ``once``, only when that snapshot
    has no record yet. Returns the record written; None, with a warning, when the file cannot be written (an
    audit is never blocked by its history)."""
    if once and has_record(meta, path):
        return None
    record = {"recorded_at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), "surface": surface,
              "live": live, "args_source": args_source, "stamp": snapshot_stamp(meta), **audit_summary(result, meta)}
    try:
        append_record(record, path)
    except ConfigError as exc:
        log.warning("%s: this audit is not in the coverage history", exc)
        return None
    return record


def read_history(source: str | None = None, root: str | None = None, path: str | Path | None = None
                 ) -> pd.DataFrame:
    """The history as a frame (``HISTORY_COLUMNS``, one row per audit, oldest first), of one AEM and/or folder
    when given; ``recorded_at`` and ``taken_at`` as UTC timestamps, one column of counts per status, ``live``
    True for the live series (old records too)."""
    rows = []
    for record in read_records(path):
        if (source is not None and record.get("source") != source) or (root is not None and record.get("root") != root):
            continue
        counts = record.get("counts") or {}
        rows.append({**{c: record.get(c) for c in HISTORY_COLUMNS}, **{s: int(counts.get(s, 0)) for s in STATUSES},
                     "live": _live(record)})
    frame = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
    for column in ("recorded_at", "taken_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True, errors="coerce", format="ISO8601")
    for column in ("snapshot_age_s", "minimum_confidence", "coverage_pct"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame[["total", "tagged", *STATUSES]] = frame[["total", "tagged", *STATUSES]].fillna(0).astype("int64")
    frame["live"] = frame["live"].astype(bool)
    return frame.sort_values("recorded_at", kind="stable").reset_index(drop=True)


def previous_counts(meta: dict[str, Any], path: str | Path | None = None,
                    arguments: SyncArguments | None = None) -> dict[str, Any] | None:
    """``{"taken_at", "counts", …}`` of the latest live audit of a snapshot taken before the one ``meta``
    describes, of the same AEM and folder, and with ``arguments`` when given (for "change since the previous
    snapshot": like with like); ``threshold_note`` says when the threshold changed in between. None if none."""
    stamp = snapshot_stamp(meta)
    earlier = [r for r in read_records(path) if _same_place(r, meta.get("source"), meta.get("root"))
               and _live(r) and str(r.get("stamp") or "") < stamp]
    if not earlier:
        return None
    order = lambda r: (str(r.get("stamp")), str(r.get("recorded_at")))  # noqa: E731
    alike = earlier if arguments is None else [r for r in earlier if same_arguments(r, arguments)]
    if not alike:
        return None
    latest, last_any = max(alike, key=order), max(earlier, key=order)
    found = {"taken_at": latest.get("taken_at"), "counts": latest.get("counts") or {},
             "coverage_pct": latest.get("coverage_pct"), "minimum_confidence": latest.get("minimum_confidence")}
    if arguments is not None and not same_arguments(last_any, arguments):
        when = moment_words(last_any.get("taken_at"), "?")
        found["threshold_note"] = (f"; the audit at {when} had minimumConfidence "
                                   f"{last_any.get('minimum_confidence')}, not compared")
    return found


@dataclass(frozen=True)
class CoverageAlert:
    """The decision of a scheduled report: whether it fails, and the one line that says why (or that all is well)."""

    failed: bool
    message: str


def _like(history: pd.DataFrame, latest: pd.Series) -> pd.Series:
    """Rows audited with the same arguments as ``latest`` (the threshold, for records naming only it)."""
    if "minimum_confidence" not in history.columns:
        return pd.Series(True, index=history.index)
    if "process_args" in history.columns and isinstance(latest.get("process_args"), str):
        same = history["process_args"] == latest["process_args"]
        return same | (history["process_args"].isna() & (history["minimum_confidence"] == latest["minimum_confidence"]))
    return history["minimum_confidence"] == latest["minimum_confidence"]


def coverage_alert(history: pd.DataFrame, *, fail_below: float | None = None, fail_drop: float | None = None
                   ) -> CoverageAlert:
    """Judge the latest live audit of ``history`` (one AEM and folder, as ``read_history`` gives it): it fails when
    its coverage is below ``fail_below`` % or lost more than ``fail_drop`` points since the previous snapshot's
    audit with the same arguments (an audit at another threshold is named, not compared)."""
    if "live" in history.columns:
        history = history[history["live"].astype(bool)]
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
    before_all = history[history["stamp"].astype(str) < str(latest["stamp"])]
    earlier = before_all[_like(before_all, latest)]
    now = latest.get("minimum_confidence")
    known = now is not None and pd.notna(now)
    drop_text = f"no earlier snapshot at minimumConfidence {now:g}" if known else "no earlier snapshot"
    if len(earlier) and pd.notna(earlier.iloc[-1]["coverage_pct"]):
        before = float(earlier.iloc[-1]["coverage_pct"])
        change = round(float(coverage) - before, 1)
        drop_text = f"{points_words(change)} since {moment_words(earlier.iloc[-1]['taken_at'])}"
        if fail_drop is not None and -change > fail_drop:
            problems.append(f"coverage fell {-change:.1f} points (from {percent_words(before)} to "
                            f"{percent_words(coverage)}), more than {fail_drop:g} ({drop_text})")
    then = before_all.iloc[-1].get("minimum_confidence") if len(before_all) else None
    now = latest.get("minimum_confidence")
    if known and then is not None and pd.notna(then) and then != now:
        drop_text += f"; minimumConfidence changed from {then:g} to {now:g}, only audits at {now:g} compared"
    if problems:
        return CoverageAlert(True, f"ALERT for {where}: " + "; ".join(problems))
    return CoverageAlert(False, f"coverage of {where}: {percent_words(coverage)} ({drop_text}): within the limits")


def scheduled_report_alert(root: str, since: str, *, source: str | None = None, surface: str | None = None,
                           fail_below: float | None = None, fail_drop: float | None = None,
                           path: str | Path | None = None) -> CoverageAlert:
    """The alert of a scheduled report started at ``since`` (ISO time) on the AEM ``source``: judges the latest
    live audit of that AEM and ``root`` (by ``surface`` when given) recorded since then, against the earlier
    audits of the same AEM and folder (never another AEM's)."""
    started = parse_moment(since)
    recent = [r for r in read_records(path) if r.get("root") == root and _live(r)
              and (source is None or r.get("source") == source)
              and (surface is None or r.get("surface") == surface)
              and (parse_moment(r.get("recorded_at")) or datetime.min.replace(tzinfo=timezone.utc)) >= started]
    if not recent:
        where = root if source is None else f"{source}{root}"
        return CoverageAlert(True, f"the report recorded no audit of {where}, so coverage cannot be checked")
    return coverage_alert(read_history(recent[-1].get("source"), root, path), fail_below=fail_below,
                          fail_drop=fail_drop)
