"""A notebook session: connection and login check, a snapshot that is fresh or visibly not, the banner saying
which AEM, which snapshot and how old, and the counts of the previous snapshot for "change since"."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from xmpaudit.aem.client import AemClient
from xmpaudit.aem.connection import check_login, connect, is_demo
from xmpaudit.aem.process_args import resolve_process_args
from xmpaudit.audit.compare import audit
from xmpaudit.audit.headline import Headline, headline
from xmpaudit.audit.result import AuditResult
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.dates import parse_moment
from xmpaudit.read.inventory import take_inventory
from xmpaudit.read.snapshot import Snapshot
from xmpaudit.workspace.errordisplay import install_error_display
from xmpaudit.workspace.history import previous_counts_in, record_counts
from xmpaudit.write.journal import APPLIED, REPAIRED, VERIFIED, Journal

log = logging.getLogger(__name__)
WRITE_EVENTS = (APPLIED, VERIFIED, REPAIRED)


def resolve_sync_arguments(client: AemClient, process_args: str) -> tuple[SyncArguments, str]:
    """The ACS step's arguments and where they came from: the given text, else the workflow models in AEM
    whose steps use the process (a warning line when they disagree), else the process defaults."""
    return resolve_process_args(client, process_args)


def last_write_under(journal_path: str | Path, root: str) -> dict[str, Any] | None:
    """The latest journaled write (sync or undo) to an asset under ``root``: ``{run, kind, time}``, or None."""
    path = Path(journal_path)
    if not path.exists():
        return None
    prefix = root.rstrip("/") + "/"
    latest = None
    for record in Journal(path).read():
        if record.get("event") in WRITE_EVENTS and str(record.get("asset", "")).startswith(prefix):
            latest = record  # records are appended in time order
    return None if latest is None else {k: latest.get(k) for k in ("run", "kind", "time")}


def _same_source(meta: dict[str, Any], client: AemClient, root: str, args: SyncArguments) -> str | None:
    """Why a saved snapshot may not be used here, or None when it may."""
    if meta.get("source") != client.base_url:
        return f"it was taken from another AEM ({meta.get('source')})"
    if meta.get("root") != root:
        return f"it is of another folder ({meta.get('root')})"
    taken = SyncArguments.from_process_args(meta.get("arguments"))
    if (taken.sequence_name, taken.name_property, taken.confidence_property) != (
        args.sequence_name, args.name_property, args.confidence_property
    ):
        return "it was read with other ACS process arguments"
    return None


@dataclass
class NotebookSession:
    """What a notebook works on: the client, the arguments, the snapshot and where it came from."""

    client: AemClient
    root: str
    args: SyncArguments
    snapshot: Snapshot
    origin: str                       # "new inventory" or "saved snapshot"
    notes: list[str] = field(default_factory=list)
    demo: bool = False
    snapshot_dir: Path | None = None
    args_source: str = "Process arguments: as given"

    @property
    def age(self) -> pd.Timedelta | None:
        taken = parse_moment(self.snapshot.meta.get("taken_at"))
        return None if taken is None else pd.Timestamp.now(tz="UTC") - pd.Timestamp(taken)

    def banner_text(self) -> str:
        """Where the numbers come from, as plain text lines."""
        where = f"demo DAM (embedded simulator at {self.client.base_url})" if self.demo else self.client.base_url
        age = self.age
        age_text = "age unknown" if age is None else _age_words(age)
        lines = [f"AEM: {where} — login OK",
                 f"Folder: {self.root}",
                 self.args_source,
                 f"Snapshot: {self.origin}, taken {self.snapshot.meta.get('taken_at', '?')} ({age_text}), "
                 f"{len(self.snapshot.assets)} assets"]
        return "\n".join(lines + self.notes)

    def _repr_html_(self) -> str:
        lines = self.banner_text().splitlines()
        body = "<br>".join(html.escape(line) for line in lines)
        colour = "#fff4e5" if self.notes else "#eef6ee"
        return f'<div style="background:{colour};padding:6px 10px;border-radius:4px">{body}</div>'

    def __repr__(self) -> str:
        return self.banner_text()

    def audit(self, minimum_confidence: float | None = None) -> AuditResult:
        """Audit the snapshot (``minimum_confidence`` overrides the arguments' one); records the counts so the
        next snapshot can report the change."""
        args = self.args
        if minimum_confidence is not None:
            args = SyncArguments(args.sequence_name, args.name_property, args.confidence_property,
                                 float(minimum_confidence))
        result = audit(self.snapshot, args)
        self._record_counts(result)
        return result

    def previous_counts(self) -> dict[str, Any] | None:
        """Counts of the snapshot before this one (same AEM and folder), or None."""
        return None if self.snapshot_dir is None else previous_counts_in(self.snapshot_dir, self.snapshot.meta)

    def headline(self, result: AuditResult) -> Headline:
        """The headline of ``result`` with the change since the previous snapshot."""
        return headline(result, self.previous_counts(), self.snapshot.meta)

    def _record_counts(self, result: AuditResult) -> None:
        if self.snapshot_dir is not None:
            record_counts(self.snapshot_dir, self.snapshot.meta, result)


def _age_words(age: pd.Timedelta) -> str:
    seconds = max(int(age.total_seconds()), 0)
    if seconds < 120:
        return f"{seconds} s old"
    if seconds < 7200:
        return f"{seconds // 60} min old"
    if seconds < 172800:
        return f"{seconds // 3600} h old"
    return f"{seconds // 86400} days old"


def open_session(
    profile: str | None = None,
    root: str = "/content/dam/xmpaudit-demo",
    process_args: str = "",
    snapshot_dir: str | Path | None = "snapshots/latest",
    *,
    refresh: bool = False,
    journal: str | Path = "journals/xmpaudit.jsonl",
    show_progress: bool = True,
    client: AemClient | None = None,
) -> NotebookSession:
    """Connect, check the login, and give a snapshot that is fresh or visibly not: a saved snapshot is used only
    when it is of this AEM, folder and XMP names and no sync or undo was journaled under the folder since it was
    taken; otherwise (or with ``refresh``) a new inventory is taken and saved. Errors show as one line."""
    if install_error_display():
        pd.set_option("display.max_colwidth", None)  # full file names and reasons in notebook tables
    demo = False
    if client is None:
        client = connect(profile=profile)
        demo = is_demo(client)
    check_login(client, root)
    args, args_source = resolve_sync_arguments(client, process_args)
    folder = None if snapshot_dir is None else Path(snapshot_dir)
    notes: list[str] = [line for line in args_source.splitlines() if line.startswith("warning")]
    snapshot = saved = None
    unusable: str | None = None
    if folder is not None and (folder / "snapshot.json").exists():
        saved = Snapshot.load(folder)
        unusable = _same_source(saved.meta, client, root, args)
        written = last_write_under(journal, root)
        # reads began at inventory_started (ms, set below); older snapshots only have taken_at (s, at the end)
        taken = parse_moment(saved.meta.get("oldest_read") or saved.meta.get("inventory_started")
                             or saved.meta.get("taken_at"))
        if refresh:
            pass  # asked for: the banner says "new inventory"
        elif unusable:
            notes.append(f"The saved snapshot in {folder} was not used: {unusable}. A new inventory was taken.")
        elif written and (taken is None or (parse_moment(written["time"]) or taken) >= taken):
            notes.append(f"The saved snapshot ({saved.meta.get('taken_at')}) is older than {written['kind']} run "
                         f"{written['run']} ({written['time']}): a new inventory was taken.")
        else:
            snapshot = saved
    origin = "saved snapshot" if snapshot is not None else "new inventory"
    if snapshot is None and saved is not None and folder is not None and not unusable:
        record_counts(folder, saved.meta, audit(saved, args))  # keep its counts for "change since"
    if snapshot is None:
        started = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        snapshot = take_inventory(client, root, args, show_progress=show_progress)
        snapshot.meta["inventory_started"] = started
        if folder is not None:
            snapshot.save(folder)
    log.info("session %s: %s, %d requests so far", root, origin, client.request_count)
    return NotebookSession(client=client, root=root, args=args, snapshot=snapshot, origin=origin, notes=notes,
                           demo=demo, snapshot_dir=folder, args_source=args_source.splitlines()[0])
