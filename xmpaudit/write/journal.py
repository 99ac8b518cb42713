"""An append-only JSON-lines journal of every change xmpaudit writes to AEM (before and after), for undo."""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from xmpaudit.core.dates import parse_moment
from xmpaudit.core.errors import ConfigError, JournalError
from xmpaudit.core.file_lock import exclusive
from xmpaudit.core.read_at import read_at

INTENT = "intent"
APPLIED = "applied"
FAILED = "failed"
VERIFIED = "verified"
REPAIRED = "repaired"
MISMATCH = "mismatch"
SKIPPED = "skipped"
CONFLICT = "conflict"
GHOST_REMOVED = "ghost_removed"
GHOST_LEFT = "ghost_left"  # a node a write created under a deleted asset that could not be removed again
BACKUP_REMOVED = "backup_removed"
BACKUP_LEFT = "backup_left"  # a backup node the run could not remove (undo and ``xmpaudit cleanup`` remove it)
UNCERTAIN = "uncertain"
BACKUP_PUT_BACK = "backup_put_back"  # a backup moved back into its node's empty place (the only copy of the node)


def new_run_id(kind: str) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{kind}-{stamp}-{uuid.uuid4().hex[:6]}"


class Journal:
    """A JSONL file; each line one event of one run. Lines are flushed and fsynced before AEM is written."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"

    def append(self, records: list[dict[str, Any]]) -> None:
        """Append records durably (one line each, flushed and fsynced); a torn tail left by a crash is cut off
        first (its bytes kept in ``<journal>.torn``). Raises JournalError when the journal cannot be written."""
        now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        data = "".join(json.dumps({"time": now, **record}, ensure_ascii=True) + "\n" for record in records)
        try:
            with self._lock, exclusive(self.path):  # one writer at a time, across processes too
                fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
                try:
                    self._cut_torn_tail(fd)
                    _write_all(fd, data.encode("ascii"))
                    os.fsync(fd)
                finally:
                    os.close(fd)
        except OSError as exc:
            raise JournalError(
                f"Cannot write journal {self.path}: {exc.strerror or exc}; stopped before sending anything more"
            ) from None

    def _cut_torn_tail(self, fd: int) -> None:
        """Truncate a last line without its newline (a crash mid-write), saving its bytes next to the journal."""
        size = os.fstat(fd).st_size
        if size == 0 or read_at(fd, 1, size - 1) == b"\n":
            return
        start = size
        while start > 0:
            chunk_start = max(0, start - 65536)
            chunk = read_at(fd, start - chunk_start, chunk_start)
            newline = chunk.rfind(b"\n")
            if newline != -1:
                start = chunk_start + newline + 1
                break
            start = chunk_start
        torn = read_at(fd, size - start, start)
        with open(self.path.with_name(self.path.name + ".torn"), "ab") as side:
            side.write(torn + b"\n")
            side.flush()
            os.fsync(side.fileno())
        os.ftruncate(fd, start)

    def read(self) -> list[dict[str, Any]]:
        """All records; a torn last line (crash while writing) is ignored, anything else malformed raises."""
        if not self.path.exists():
            return []
        records = []
        try:
            lines = self.path.read_bytes().decode("utf-8").split("\n")  # records are ASCII; split on \n only
        except UnicodeDecodeError as exc:
            raise ConfigError(f"Journal {self.path} is not UTF-8 text: {exc}") from None
        while lines and not lines[-1].strip():
            lines.pop()
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                if number == len(lines):
                    continue
                raise ConfigError(f"Journal {self.path} line {number} is not valid JSON") from None
        return records

    def runs(self) -> pd.DataFrame:
        """One row per run: kind, start time, assets intended/applied/failed, and which run it undid."""
        records = self.read()
        columns = ["run", "kind", "started", "intended", "applied", "failed", "undoes"]
        if not records:
            return pd.DataFrame(columns=columns)
        frame = pd.DataFrame(records)
        for column in ("undoes", "kind"):
            if column not in frame:
                frame[column] = None
        grouped = frame.groupby("run", sort=False)
        out = pd.DataFrame(
            {
                "kind": grouped["kind"].first(),
                "started": grouped["time"].min(),
                "intended": grouped["event"].apply(lambda e: int((e == INTENT).sum())),
                "applied": grouped["event"].apply(lambda e: int((e == APPLIED).sum())),
                "failed": grouped["event"].apply(lambda e: int((e == FAILED).sum())),
                "undoes": grouped["undoes"].first(),
            }
        ).reset_index()
        return out[columns]

    def intents(self, run: str) -> list[dict[str, Any]]:
        """The intent records (asset, node_path, before, after) of one run, in order."""
        found = [r for r in self.read() if r.get("run") == run and r.get("event") == INTENT]
        if not found:
            known = ", ".join(self.runs()["run"].tolist()) or "none"
            raise ConfigError(f"Run {run!r} is not in journal {self.path} (runs: {known})")
        return found

    def records_under(self, root: str, since: datetime) -> list[dict[str, Any]]:
        """The records of assets under ``root`` at or after ``since``, in order (a record without a readable time
        counts: re-reading costs little). AEM's last-modified time does not show xmpaudit's own writes (a Sling POST
        to the metadata sets none), so these name what an incremental read must re-read."""
        prefix = root.rstrip("/") + "/"
        return [record for record in self.read()
                if str(record.get("asset", "")).startswith(prefix)
                and ((moment := parse_moment(record.get("time"))) is None or moment >= since)]

    def last_runs_of(self, assets: Iterable[str], kind: str = "sync") -> dict[str, str]:
        """Per asset: the latest run of ``kind`` that journaled an intent to write it (assets never written are
        left out)."""
        wanted = set(assets)
        found: dict[str, str] = {}
        for record in self.read():
            if record.get("event") == INTENT and record.get("kind") == kind and record.get("asset") in wanted:
                found[record["asset"]] = str(record["run"])
        return found

    def last_run(self, kind: str | None = None) -> str | None:
        """The most recent run id (optionally of one kind) that journaled an intent: a run that only skipped
        assets (journaled with their reasons) wrote nothing."""
        runs = self.runs()
        runs = runs[runs["intended"] > 0]
        if kind is not None:
            runs = runs[runs["kind"] == kind]
        return None if runs.empty else str(runs.iloc[-1]["run"])


def _write_all(fd: int, data: bytes) -> None:
    """os.write until every byte is written (a write may be partial)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
