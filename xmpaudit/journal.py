"""An append-only JSON-lines journal of every change xmpaudit writes to AEM (before and after), for undo."""

from __future__ import annotations

import json
import os
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import ConfigError

INTENT = "intent"
APPLIED = "applied"
FAILED = "failed"
VERIFIED = "verified"
REPAIRED = "repaired"
MISMATCH = "mismatch"
SKIPPED = "skipped"


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
        """Append records durably (flush + fsync)."""
        now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        lines = "".join(json.dumps({"time": now, **record}, ensure_ascii=False) + "\n" for record in records)
        with self._lock, open(self.path, "a", encoding="utf-8") as handle:
            handle.write(lines)
            handle.flush()
            os.fsync(handle.fileno())

    def read(self) -> list[dict[str, Any]]:
        """All records; a torn last line (crash while writing) is ignored, anything else malformed raises."""
        if not self.path.exists():
            return []
        records = []
        lines = self.path.read_text(encoding="utf-8").splitlines()
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

    def last_run(self, kind: str | None = None) -> str | None:
        """The most recent run id (optionally of one kind)."""
        runs = self.runs()
        if kind is not None:
            runs = runs[runs["kind"] == kind]
        return None if runs.empty else str(runs.iloc[-1]["run"])
