"""The coverage history file: JSON lines appended under a lock, read back skipping (with a warning) every line
that is damaged — not UTF-8, not JSON, or not of a record's shape — so one bad line never blocks an audit."""

from __future__ import annotations

import json
import logging
import os
from numbers import Real
from pathlib import Path
from typing import Any

from xmpaudit.core.errors import ConfigError
from xmpaudit.core.file_lock import exclusive
from xmpaudit.core.locations import history_path
from xmpaudit.core.read_at import read_at

log = logging.getLogger(__name__)
TEXT_FIELDS = ("recorded_at", "surface", "source", "root", "stamp", "taken_at", "process_args", "args_source")
NUMBER_FIELDS = ("snapshot_age_s", "minimum_confidence", "total", "tagged", "coverage_pct", "coverage_change")


def history_file(path: str | Path | None = None) -> Path:
    """``path``, else the per-user history file."""
    return history_path() if path is None else Path(path)


def shape_problem(record: Any) -> str | None:
    """Why ``record`` is not of a history record's shape (None when it is): the fields the readers use must have
    their types (missing ones are fine: old records)."""
    if not isinstance(record, dict):
        return f"a JSON {type(record).__name__}, not an object"
    for name in TEXT_FIELDS:
        if record.get(name) is not None and not isinstance(record[name], str):
            return f"{name} is not text"
    for name in NUMBER_FIELDS:
        value = record.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, Real)):
            return f"{name} is not a number"
    counts = record.get("counts")
    if counts is not None and not (isinstance(counts, dict) and all(
            isinstance(n, int) and not isinstance(n, bool) for n in counts.values())):
        return "counts is not an object of whole numbers"
    folders = record.get("worst_folders")
    if folders is not None and not (isinstance(folders, list) and all(isinstance(f, dict) for f in folders)):
        return "worst_folders is not a list of objects"
    if record.get("live") is not None and not isinstance(record["live"], bool):
        return "live is not true or false"
    return None


def read_records(path: str | Path | None = None) -> list[dict[str, Any]]:
    """Every usable record of the history file, oldest first. A missing file is an empty history; an unreadable
    one (a folder, no permission) and damaged lines are skipped with one warning each."""
    target = history_file(path)
    try:
        data = target.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        log.warning("Coverage history %s cannot be read (%s): no earlier audits are compared", target,
                    exc.strerror or exc)
        return []
    records, damaged = [], []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            damaged.append(f"line {number}: not UTF-8")
            continue
        except ValueError:
            damaged.append(f"line {number}: not JSON")
            continue
        problem = shape_problem(record)
        if problem is None:
            records.append(record)
        else:
            damaged.append(f"line {number}: {problem}")
    if damaged:
        log.warning("Coverage history %s: %d damaged line(s) skipped (%s)", target, len(damaged),
                    "; ".join(damaged[:3]) + ("; …" if len(damaged) > 3 else ""))
    return records


def append_record(record: dict[str, Any], path: str | Path | None = None) -> Path:
    """Append ``record`` as one JSON line, under an exclusive lock and in one write (on a line of its own).
    Raises ConfigError (one line) when the file cannot be written."""
    target = history_file(path)
    data = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with exclusive(target):
            descriptor = os.open(target, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                size = os.fstat(descriptor).st_size
                if size and read_at(descriptor, 1, size - 1) != b"\n":
                    data = b"\n" + data  # a line cut by a crash stays alone (and is skipped), this record stays whole
                os.write(descriptor, data)
            finally:
                os.close(descriptor)
    except OSError as exc:
        raise ConfigError(f"Coverage history {target} cannot be written: {exc.strerror or exc}") from None
    return target
