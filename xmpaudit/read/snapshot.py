"""An inventory snapshot: the three frames plus where and when they were taken, saved as Parquet."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.dates import moment_words
from xmpaudit.core.errors import ConfigError, UsageError
from xmpaudit.core.number_words import counted
from xmpaudit.read.frames import (
    ASSET_COLUMNS,
    OPTIONAL_ASSET_COLUMNS,
    SMART_TAG_COLUMNS,
    XMP_TAG_COLUMNS,
    asset_column,
    frames_from_hits,
    path_dtype,
    typed,
    typed_column,
    union_category,
    unique_paths,
)

FRAME_FILES = {"assets": ASSET_COLUMNS, "smart_tags": SMART_TAG_COLUMNS, "xmp_tags": XMP_TAG_COLUMNS}
TAG_FRAMES = ("smart_tags", "xmp_tags")
META_FILE = "snapshot.json"


def _stored_columns(name: str) -> dict[str, str]:
    """Columns written to Parquet: tag frames leave out ``asset`` (rebuilt from ``asset_id`` on load)."""
    return {c: t for c, t in FRAME_FILES[name].items() if not (c == "asset" and name in TAG_FRAMES)}


def _concat_frames(frames: list[pd.DataFrame], columns: dict[str, str]) -> pd.DataFrame:
    out: dict[str, Any] = {}
    for column, dtype in columns.items():
        if column == "asset":
            continue
        if dtype == "category":
            out[column] = union_category([f[column] for f in frames])
        else:
            out[column] = pd.concat([f[column] for f in frames], ignore_index=True).astype(dtype).array
    return pd.DataFrame(out)


@dataclass
class Snapshot:
    """Assets, smart tags and XMP tags of one inventory run (tag rows point to ``assets`` by ``asset_id``)."""

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
            frame = getattr(self, name)
            frame[list(_stored_columns(name))].to_parquet(folder / f"{name}.parquet", index=False)
        (folder / META_FILE).write_text(json.dumps(self.meta, indent=2), encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> Snapshot:
        """Read a snapshot written by ``save``, checking that every frame and column is there; a damaged one
        (truncated, garbage, empty or wrongly shaped files) is one ConfigError naming the folder."""
        folder = Path(folder)
        if not (folder / META_FILE).is_file():
            raise ConfigError(f"{folder} is not a snapshot folder (no {META_FILE})")
        try:
            return cls._load(folder)
        except ConfigError:
            raise
        except (OSError, ValueError, KeyError, TypeError, IndexError, pa.ArrowException) as exc:
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConfigError(f"The snapshot in {folder} is damaged ({detail}): take a new inventory") from None

    @classmethod
    def _load(cls, folder: Path) -> Snapshot:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        if not isinstance(meta, dict):
            raise ConfigError(f"{folder / META_FILE} is not a JSON object (a damaged snapshot: take a new inventory)")
        columns = {}
        for name in FRAME_FILES:
            file = folder / f"{name}.parquet"
            stored = _stored_columns(name)
            present = set(pq.read_schema(file).names)
            optional = OPTIONAL_ASSET_COLUMNS if name == "assets" else frozenset()
            missing = sorted(set(stored) - present - optional)
            if missing:
                raise ConfigError(f"{file} lacks columns {missing} "
                                  "(a damaged snapshot, or one from an older xmpaudit: take a new inventory)")
            # column by column, each converted at once: memory holds the frames plus one column in transit
            rows = pq.read_metadata(file).num_rows
            columns[name] = {c: typed_column(pd.read_parquet(file, columns=[c])[c] if c in present
                                             else pd.Series([None] * rows, dtype="object"), t)
                             for c, t in stored.items()}
        assets = pd.DataFrame(columns.pop("assets"))
        if not (assets["asset_id"].to_numpy() == np.arange(len(assets))).all():
            raise ConfigError(f"{folder / 'assets.parquet'} has asset ids that are not its row numbers")
        paths = path_dtype(assets["path"])
        tags = {}
        for name in TAG_FRAMES:
            stored = columns.pop(name)
            ids = np.asarray(stored["asset_id"])
            if len(ids) and (ids.min() < 0 or ids.max() >= len(assets)):
                raise ConfigError(f"{folder / (name + '.parquet')} points to assets that are not in the snapshot "
                                  "(a damaged snapshot: take a new inventory)")
            stored["asset"] = asset_column(stored["asset_id"], paths)
            tags[name] = pd.DataFrame({c: stored[c] for c in FRAME_FILES[name]})
        return cls(assets=assets, meta=meta, **tags)

    @classmethod
    def concat(cls, parts: Sequence[Snapshot]) -> Snapshot:
        """One snapshot from several (e.g. inventory partitions), asset ids re-keyed to rows of the result.
        All parts must have been read with the same XMP node/property names. A path found in several parts keeps
        the row of the LAST part that has it (so a newer partial inventory can be appended to replace rows)."""
        if not parts:
            raise UsageError("Snapshot.concat needs at least one snapshot")
        names = {(a.sequence_name, a.name_property, a.confidence_property) for a in (p.arguments for p in parts)}
        if len(names) > 1:
            raise ConfigError("Snapshots read with different XMP node/property names cannot be combined")
        sizes = np.array([len(p.assets) for p in parts], dtype=np.int64)
        offsets = np.cumsum(sizes) - sizes
        assets = _concat_frames([p.assets for p in parts], ASSET_COLUMNS)
        paths, keep = unique_paths(assets["path"].array, "last")
        if keep is not None:
            assets = assets[keep].reset_index(drop=True)
        assets["asset_id"] = np.arange(len(assets), dtype=np.int32)
        tags = {}
        for name in TAG_FRAMES:
            frames = [getattr(p, name) for p in parts]
            frame = _concat_frames(frames, FRAME_FILES[name])
            ids = np.concatenate([f["asset_id"].to_numpy(dtype=np.int64) + o for f, o in zip(frames, offsets,
                                                                                               strict=True)])
            if keep is not None:
                frame = frame[keep[ids]].reset_index(drop=True)
                ids = (np.cumsum(keep) - 1)[ids[keep[ids]]]
            frame["asset_id"] = ids
            tags[name] = typed(frame, FRAME_FILES[name], paths)
        meta = dict(parts[0].meta)
        taken = [str(p.meta["taken_at"]) for p in parts if p.meta.get("taken_at")]
        if taken:
            meta["taken_at"] = min(taken)  # the combined data is as old as its oldest part
        requests = [p.meta.get("requests") for p in parts]
        if all(isinstance(r, int) for r in requests):
            meta["requests"] = sum(requests)  # type: ignore[arg-type]
        meta["parts"] = len(parts)
        return cls(typed(assets, ASSET_COLUMNS), tags["smart_tags"], tags["xmp_tags"], meta)

    def summary(self) -> str:
        return (
            f"{counted(len(self.assets), 'asset')}, {counted(len(self.smart_tags), 'smart tag')}, "
            f"{counted(len(self.xmp_tags), 'XMP tag')} "
            f"from {self.meta.get('source', '?')}{self.meta.get('root', '')} "
            f"at {moment_words(self.meta.get('taken_at'), '?')}"
        )

