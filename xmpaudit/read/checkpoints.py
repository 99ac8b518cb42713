"""Finished inventory windows kept as Parquet parts with a state file, so a failed inventory resumes."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.dates import iso_text, parse_jcr_date
from xmpaudit.read.frames import FrameBuilder
from xmpaudit.read.snapshot import Snapshot
from xmpaudit.read.windows import PartitionSink, Window

STATE_FILE = "inventory-state.json"


class Partitions:
    """Finished partitions: kept in memory, or saved as Parquet parts under ``folder`` with a state file that
    lets an interrupted inventory resume."""

    def __init__(self, folder: Path | None, identity: dict[str, Any], args: SyncArguments,
                 sink: PartitionSink | None = None) -> None:
        self.sink = sink
        self.folder = folder
        self.identity = identity
        self.args = args
        self.lock = threading.Lock()
        self.finished: list[dict[str, Any]] = []
        self.parts: list[tuple[list[str], Snapshot]] = []
        self.range: list[str] | None = None
        if folder is not None and (folder / STATE_FILE).exists():
            state = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
            if {k: state.get(k) for k in identity} == identity and not state.get("complete"):
                self.finished, self.range = state["finished"], state.get("range")

    def complete(self) -> None:
        """Record that the inventory finished: the next one with this folder starts afresh."""
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            state = {**self.identity, "range": self.range, "finished": self.finished, "complete": True}
            (self.folder / STATE_FILE).write_text(json.dumps(state, indent=1), encoding="utf-8")

    def set_range(self, window: Window) -> None:
        self.range = window.key()
        self._write_state()

    def add(self, window: Window, hits: list[dict[str, Any]]) -> None:
        if self.sink is not None:
            with self.lock:
                self.sink(window, hits)
                self.finished.append({"window": window.key(), "assets": len(hits)})
            return
        builder = FrameBuilder(self.args)
        builder.add_hits(hits)
        assets, smart_tags, xmp_tags = builder.build()
        part = Snapshot(assets, smart_tags, xmp_tags, {"arguments": self.args.to_process_args()})
        with self.lock:
            if self.folder is None:
                self.parts.append((window.key(), part))
                self.finished.append({"window": window.key(), "assets": len(hits)})
                return
            name = f"part-{iso_text(window.start)}-{iso_text(window.end)}".replace(":", "")
            part.save(self.folder / "parts" / name)
            self.finished.append({"window": window.key(), "part": name, "assets": len(hits)})
            self._write_state()

    def _write_state(self) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / (STATE_FILE + ".tmp")
        state = {**self.identity, "range": self.range, "finished": self.finished}
        temporary.write_text(json.dumps(state, indent=1), encoding="utf-8")
        temporary.replace(self.folder / STATE_FILE)

    def gaps(self, whole: Window) -> list[Window]:
        """Parts of ``whole`` no finished partition covers."""
        covered = sorted((parse_jcr_date(a), parse_jcr_date(b)) for a, b in (f["window"] for f in self.finished))
        gaps, start = [], whole.start
        for lower, upper in covered:
            if lower > start:  # type: ignore[operator]
                gaps.append(Window(start, lower))  # type: ignore[arg-type]
            start = max(start, upper)  # type: ignore[type-var]
        if start < whole.end:
            gaps.append(Window(start, whole.end))
        return gaps

    def snapshots(self) -> list[Snapshot]:
        if self.folder is None:
            return [part for _, part in sorted(self.parts, key=lambda item: item[0])]
        ordered = sorted(self.finished, key=lambda f: f["window"])
        return [Snapshot.load(self.folder / "parts" / f["part"]) for f in ordered]
