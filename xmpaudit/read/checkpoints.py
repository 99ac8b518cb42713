"""Finished inventory windows kept as Parquet parts with a state file, so a failed inventory resumes."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.dates import iso_text, parse_jcr_date, parse_moment
from xmpaudit.core.errors import ConfigError
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
            state = read_state(folder / STATE_FILE)
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

    def add(self, window: Window, hits: list[dict[str, Any]], read_started: str) -> None:
        """Keep one finished partition, read from ``read_started`` on."""
        if self.sink is not None:
            with self.lock:
                self.sink(window, hits, read_started)
                self.finished.append({"window": window.key(), "assets": len(hits), "read_started": read_started})
            return
        builder = FrameBuilder(self.args)
        builder.add_hits(hits)
        assets, smart_tags, xmp_tags = builder.build()
        meta = {"arguments": self.args.to_process_args(), "window": window.key(), "read_started": read_started}
        part = Snapshot(assets, smart_tags, xmp_tags, meta)
        record = {"window": window.key(), "assets": len(assets), "read_started": read_started}
        with self.lock:
            if self.folder is None:
                self.parts.append((window.key(), part))
                self.finished.append(record)
                return
            name = f"part-{iso_text(window.start)}-{iso_text(window.end)}".replace(":", "")
            part.save(self.folder / "parts" / name)
            self.finished.append({**record, "part": name})
            self._write_state()

    def oldest_read(self) -> str | None:
        """When the reading of the oldest finished partition began (None when none records it)."""
        moments = [str(f["read_started"]) for f in self.finished if f.get("read_started")]
        return min(moments, key=lambda text: parse_moment(text) or datetime.max.replace(tzinfo=timezone.utc),
                   default=None)

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
        """The finished partitions in window order; a saved part is checked against the window and asset count
        the state file records for it (a part replaced, emptied or damaged is one ConfigError)."""
        if self.folder is None:
            return [part for _, part in sorted(self.parts, key=lambda item: item[0])]
        ordered = sorted(self.finished, key=lambda f: f["window"])
        return [self._checked_part(record) for record in ordered]

    def _checked_part(self, record: dict[str, Any]) -> Snapshot:
        assert self.folder is not None
        folder = self.folder / "parts" / str(record["part"])
        advice = f"delete {self.folder} (or use another checkpoint folder) and take the inventory again"
        try:
            part = Snapshot.load(folder)
        except ConfigError as exc:
            raise ConfigError(f"Checkpoint part {folder.name}: {exc}; {advice}") from None
        window = part.meta.get("window")
        if window is not None and window != record["window"]:
            raise ConfigError(f"Checkpoint part {folder} holds window {window}, not {record['window']} as "
                              f"{STATE_FILE} records; {advice}")
        if len(part.assets) != record["assets"]:
            raise ConfigError(f"Checkpoint part {folder} holds {len(part.assets)} assets, not {record['assets']} as "
                              f"{STATE_FILE} records for window {record['window']}; {advice}")
        return part


def read_state(file: Path) -> dict[str, Any]:
    """A checkpoint state file, checked for shape; a truncated, garbage, empty or wrongly shaped one is one
    ConfigError naming it."""
    advice = f"delete {file.parent} (or use another checkpoint folder) and take the inventory again"
    try:
        state = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"Checkpoint state {file} cannot be read ({exc}); {advice}") from None
    if not isinstance(state, dict) or _state_problem(state):
        problem = "is not a JSON object" if not isinstance(state, dict) else _state_problem(state)
        raise ConfigError(f"Checkpoint state {file} {problem}; {advice}")
    return state


def _is_window(value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)
            and all(parse_jcr_date(v) is not None for v in value))


def _state_problem(state: dict[str, Any]) -> str:
    """What is wrong with a state file's shape ("" when nothing)."""
    if state.get("range") is not None and not _is_window(state["range"]):
        return "has no valid range"
    finished = state.get("finished")
    if not isinstance(finished, list):
        return "has no list of finished windows"
    for record in finished:
        if not (isinstance(record, dict) and _is_window(record.get("window")) and isinstance(record.get("part"), str)
                and isinstance(record.get("assets"), int) and not isinstance(record.get("assets"), bool)
                and record["assets"] >= 0):
            return f"has a malformed finished window ({str(record)[:80]})"
        if "/" in record["part"] or record["part"] in ("", ".", ".."):
            return f"names a part outside its folder ({record['part']!r})"
    return ""
