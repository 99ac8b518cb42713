"""An inventory snapshot: the three frames plus where and when they were taken, saved as Parquet."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from .acs import SyncArguments
from .errors import ConfigError
from .frames import ASSET_COLUMNS, SMART_TAG_COLUMNS, XMP_TAG_COLUMNS, frames_from_hits

FRAME_FILES = {"assets": ASSET_COLUMNS, "smart_tags": SMART_TAG_COLUMNS, "xmp_tags": XMP_TAG_COLUMNS}
META_FILE = "snapshot.json"


@dataclass
class Snapshot:
    """Assets, smart tags and XMP tags of one inventory run."""

    assets: pd.DataFrame
    smart_tags: pd.DataFrame
    xmp_tags: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_hits(cls, hits: Iterable[dict[str, Any]], args: SyncArguments, **meta: Any) -> Snapshot:
        """A snapshot of full asset hits read with ``args`` (``meta``: source, root, … as wanted)."""
        assets, smart_tags, xmp_tags = frames_from_hits(list(hits), args)
        meta.setdefault("taken_at", datetime.now(timezone.utc).isoformat(timespec="seconds"))
        return cls(assets, smart_tags, xmp_tags, {**meta, "arguments": args.to_process_args()})

    @property
    def arguments(self) -> SyncArguments:
        """The ACS arguments the XMP frames were read with."""
        return SyncArguments.from_process_args(self.meta.get("arguments"))

    def save(self, folder: str | Path) -> Path:
        """Write one Parquet file per frame and a JSON file of metadata into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name in FRAME_FILES:
            getattr(self, name).to_parquet(folder / f"{name}.parquet", index=False)
        (folder / META_FILE).write_text(json.dumps(self.meta, indent=2), encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> Snapshot:
        """Read a snapshot written by ``save``, checking that every frame and column is there."""
        folder = Path(folder)
        if not (folder / META_FILE).exists():
            raise ConfigError(f"{folder} is not a snapshot folder (no {META_FILE})")
        frames = {}
        for name, columns in FRAME_FILES.items():
            frame = pd.read_parquet(folder / f"{name}.parquet")
            missing = sorted(set(columns) - set(frame.columns))
            if missing:
                raise ConfigError(f"{folder / (name + '.parquet')} lacks columns {missing}")
            frames[name] = frame[list(columns)].astype(columns)
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        return cls(meta=meta, **frames)

    def summary(self) -> str:
        return (
            f"{len(self.assets)} assets, {len(self.smart_tags)} smart tags, {len(self.xmp_tags)} XMP tags "
            f"from {self.meta.get('source', '?')}{self.meta.get('root', '')} at {self.meta.get('taken_at', '?')}"
        )


# --- invscale branch: minimal Snapshot.concat until auditcore's (re-keying ids) is merged; the lead keeps
# --- auditcore's version. Frames are concatenated as they are; meta is the first snapshot's.
def _concat(cls: type[Snapshot], snapshots: list[Snapshot]) -> Snapshot:
    """One snapshot holding the rows of all ``snapshots`` (meta of the first)."""
    if not snapshots:
        raise ValueError("Snapshot.concat needs at least one snapshot")
    frames = {
        name: pd.concat([getattr(s, name) for s in snapshots], ignore_index=True).astype(columns)
        for name, columns in FRAME_FILES.items()
    }
    return cls(meta=dict(snapshots[0].meta), **frames)


if not hasattr(Snapshot, "concat"):
    Snapshot.concat = classmethod(_concat)  # type: ignore[attr-defined]
