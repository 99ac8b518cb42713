"""Snapshots on disk: per AEM and DAM folder, the last few kept, under the per-user data folder."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from xmpaudit.core.errors import ConfigError, UsageError
from xmpaudit.core.locations import snapshots_home, store_key
from xmpaudit.read.snapshot import META_FILE, Snapshot

DEFAULT_KEEP = 5
PARTIAL = ".partial"


@dataclass(frozen=True)
class SnapshotStore:
    """Where the snapshots of one AEM and DAM folder live.

    The per-user store (``SnapshotStore.of(source, root)``) keeps the last ``keep`` snapshots, each in a folder
    named by when it was saved; an explicit folder (``SnapshotStore.at(folder)``, e.g. ``inventory --out``)
    holds one snapshot, replaced on each save. Either way ``folder`` also holds the coverage counts history.
    """

    folder: Path
    keep: int = DEFAULT_KEEP
    single: bool = False

    @classmethod
    def of(cls, source: str, root: str, keep: int = DEFAULT_KEEP) -> SnapshotStore:
        """The per-user store of this AEM and DAM folder, under ``core.locations.snapshots_home()``."""
        if keep < 1:
            raise UsageError(f"A snapshot store keeps at least one snapshot, not {keep}")
        return cls(snapshots_home() / store_key(source, root), keep)

    @classmethod
    def at(cls, folder: str | Path) -> SnapshotStore:
        """A store of one snapshot in an explicit folder."""
        return cls(Path(folder).expanduser(), 1, single=True)

    @classmethod
    def for_session(cls, source: str, root: str, folder: str | Path | None) -> SnapshotStore:
        """The explicit ``folder`` when given, else the per-user store of this AEM and DAM folder."""
        return cls.of(source, root) if folder is None or not str(folder).strip() else cls.at(folder)

    def saved(self) -> list[Path]:
        """The snapshot folders held, oldest first."""
        if self.single:
            return [self.folder] if (self.folder / META_FILE).exists() else []
        try:
            return sorted(p for p in self.folder.iterdir()
                          if p.is_dir() and not p.name.endswith(PARTIAL) and (p / META_FILE).exists())
        except OSError:  # no store yet, or a file where the store's folder should be: nothing saved
            return []

    def latest_folder(self) -> Path | None:
        """The newest snapshot folder, or None."""
        saved = self.saved()
        return saved[-1] if saved else None

    def latest(self) -> Snapshot | None:
        """The newest snapshot, or None when the store holds none (a damaged one raises ConfigError)."""
        folder = self.latest_folder()
        if folder is None:
            return None
        try:
            return Snapshot.load(folder)
        except (OSError, ValueError) as exc:  # a torn or foreign Parquet file (pyarrow's errors are ValueErrors)
            raise ConfigError(f"{folder} holds a damaged snapshot: {exc}") from None

    @staticmethod
    def meta_of(folder: Path) -> dict | None:
        """The saved snapshot's description (``snapshot.json``) alone, without its frames; None when unreadable."""
        try:
            meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return meta if isinstance(meta, dict) else None

    def save(self, snapshot: Snapshot) -> Path:
        """Save ``snapshot`` as the newest (written aside, then renamed into place), dropping the oldest beyond
        ``keep``; returns its folder. Raises ConfigError (one line) when the store cannot be written (e.g. a file
        where its folder should be)."""
        try:
            return self._save(snapshot)
        except OSError as exc:
            raise ConfigError(f"The snapshot cannot be saved in {self.folder}: {exc.strerror or exc}") from None

    def _save(self, snapshot: Snapshot) -> Path:
        if self.single:
            return snapshot.save(self.folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        name = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
        partial = self.folder / (name + PARTIAL)
        snapshot.save(partial)
        target = self.folder / name
        partial.rename(target)
        for old in self.saved()[:-self.keep]:
            shutil.rmtree(old, ignore_errors=True)
        return target
