"""Whether another surface has newer numbers for this AEM and folder than a session's snapshot: a journaled
write, a newer snapshot in the store, or an audit of a newer snapshot in the history — from local files only."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Collection
from datetime import datetime
from pathlib import Path
from typing import Any

from xmpaudit.aem.client import AemClient
from xmpaudit.core.dates import moment_words, parse_moment
from xmpaudit.core.errors import AemError, ConfigError
from xmpaudit.core.number_words import counted, percent_words
from xmpaudit.read.incremental import modified_since
from xmpaudit.read.snapshot_store import SnapshotStore
from xmpaudit.workspace.freshness import reads_began
from xmpaudit.workspace.history import read_records, snapshot_stamp
from xmpaudit.workspace.history_file import history_file
from xmpaudit.write.journal import INTENT, Journal


def _clock(moment: Any) -> str:
    """When, in a sentence (``core.dates.moment_words``)."""
    return moment_words(moment, "an unknown time")


def _by(surface: Any) -> str:
    return f" by the {surface}" if isinstance(surface, str) and surface else ""


class _Cached:
    """A file's records, read again only when its size or modification time changed."""

    def __init__(self, path: Path, read: Callable[[Path], list[dict[str, Any]]]) -> None:
        self.path, self.read = path, read
        self.key: tuple[int, int] | None = None
        self.records: list[dict[str, Any]] = []

    def get(self) -> list[dict[str, Any]]:
        try:
            info = self.path.stat()
        except OSError:
            return []
        key = (info.st_mtime_ns, info.st_size)
        if key != self.key:
            try:
                self.records = self.read(self.path)
            except ConfigError:
                self.records = []
            self.key = key
        return self.records


class NewerCheck:
    """The "newer numbers" line of one session's journal, snapshot store and the coverage history."""

    def __init__(self, journal: Path, store: SnapshotStore, history: Path | None = None) -> None:
        self.store = store
        self.journal = _Cached(Path(journal), lambda p: Journal(p).read())
        self.history = _Cached(history_file(history), read_records)

    def line(self, meta: dict[str, Any], own_folder: Path | None, own_runs: Collection[str] = ()) -> str | None:
        """``Newer numbers: …; Refresh to see them`` or None when nothing is newer than ``meta``'s reads (the
        journal's ``own_runs`` are the page's own writes, which it shows already)."""
        began = reads_began(meta)
        if began is None:
            return None
        root = str(meta.get("root") or "")
        what = (self._written(root, began, own_runs) or self._saved(meta, began, own_folder)
                or self._audited(meta))
        return None if what is None else f"Newer numbers: {what}; Refresh to see them"

    def _written(self, root: str, began: datetime, own_runs: Collection[str]) -> str | None:
        prefix = root.rstrip("/") + "/"
        intents = [r for r in self.journal.get() if r.get("event") == INTENT and r.get("run") not in own_runs
                   and str(r.get("asset", "")).startswith(prefix)
                   and ((moment := parse_moment(r.get("time"))) is None or moment >= began)]
        if not intents:
            return None
        last = intents[-1]
        assets = list(dict.fromkeys(str(r["asset"]) for r in intents if r.get("run") == last.get("run")))
        folder = posixpath.relpath(posixpath.commonpath([posixpath.dirname(a) for a in assets]), root.rstrip("/"))
        runs = len({r.get("run") for r in intents})
        others = f" (and {counted(runs - 1, 'other run')})" if runs > 1 else ""
        under = "" if folder == "." else f" under {folder}"
        kind = str(last.get("kind", "write"))
        article = "an" if kind.startswith(tuple("aeiou")) else "a"
        return (f"{article} {kind}{_by(last.get('surface'))} wrote {counted(len(assets), 'asset')}"
                f"{under} at {_clock(last.get('time'))} (run {last.get('run', '?')}){others}")

    def _saved(self, meta: dict[str, Any], began: datetime, own_folder: Path | None) -> str | None:
        latest = self.store.latest_folder()
        if latest is None:
            return None
        other = SnapshotStore.meta_of(latest)
        if other is None or (latest == own_folder and not self.store.single):
            return None
        theirs = reads_began(other)
        if theirs is None or theirs <= began:
            return None
        return f"a new snapshot was read{_by(other.get('surface'))} at {_clock(theirs)}"

    def _audited(self, meta: dict[str, Any]) -> str | None:
        stamp = snapshot_stamp(meta)
        newer = [r for r in self.history.get() if r.get("source") == meta.get("source")
                 and r.get("root") == meta.get("root") and r.get("live") is not False
                 and str(r.get("stamp") or "") > stamp]
        if not newer:
            return None
        last = newer[-1]
        return (f"an audit{_by(last.get('surface'))} of a newer snapshot at "
                f"{_clock(last.get('recorded_at'))} found {percent_words(last.get('coverage_pct'))} coverage")



def modified_in_aem(client: AemClient, meta: dict[str, Any]) -> tuple[int, str | None]:
    """AEM's count of assets under the snapshot's folder modified since its reads began (one QueryBuilder request,
    ``read/incremental.modified_since``) and its line; (0, None) when none or where AEM cannot say (no QueryBuilder)."""
    began, root = reads_began(meta), meta.get("root")
    if began is None or not isinstance(root, str):
        return 0, None
    try:
        count = modified_since(client, root, began)
    except AemError:
        return 0, None
    if not count:
        return 0, None
    return count, (f"Newer numbers: AEM says {counted(count, 'asset')} under the folder changed since "
                   f"{_clock(began)} (by their jcr:lastModified); Refresh to see them")
