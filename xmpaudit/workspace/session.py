"""The session every surface opens: connection and login check, the process arguments, a snapshot that is fresh
(by workspace/freshness), the banner saying which AEM, which snapshot, how old and why, and "change since"."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
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
from xmpaudit.core.dates import moment_words
from xmpaudit.core.errors import ConfigError
from xmpaudit.core.locations import default_journal_path
from xmpaudit.core.number_words import counted
from xmpaudit.core.progress import ProgressCallback
from xmpaudit.read.incremental import refresh_inventory
from xmpaudit.read.inventory import take_inventory
from xmpaudit.read.snapshot import Snapshot
from xmpaudit.read.snapshot_store import SnapshotStore
from xmpaudit.workspace.errordisplay import install_error_display
from xmpaudit.workspace.freshness import Freshness, age_words, data_since, decide, max_snapshot_age, stamp_reads
from xmpaudit.workspace.history import previous_counts, record_audit

log = logging.getLogger(__name__)
DEFAULT_ROOT = "/content/dam/xmpaudit-demo"
ORIGINS = {"reuse": "saved snapshot", "incremental": "refreshed incrementally", "full": "new inventory"}


@dataclass
class NotebookSession:
    """What a surface works on: the client, the arguments, the snapshot, where it came from and why."""

    client: AemClient
    root: str
    args: SyncArguments
    snapshot: Snapshot
    store: SnapshotStore
    journal: Path
    max_age: timedelta
    freshness: Freshness
    notes: list[str] = field(default_factory=list)
    demo: bool = False
    args_source: str = "Process arguments: as given"
    snapshot_dir: Path | None = None   # the folder the snapshot was loaded from or saved to
    show_progress: bool = True

    @property
    def origin(self) -> str:
        """``saved snapshot``, ``refreshed incrementally`` or ``new inventory``."""
        return ORIGINS[self.freshness.action]

    @property
    def age(self) -> pd.Timedelta | None:
        """How old the oldest data in the snapshot is."""
        since = data_since(self.snapshot.meta)
        return None if since is None else pd.Timestamp.now(tz="UTC") - pd.Timestamp(since)

    def banner_text(self) -> str:
        """Where the numbers come from, as plain text lines."""
        where = f"demo DAM (embedded simulator at {self.client.base_url})" if self.demo else self.client.base_url
        age = self.age
        age_text = "age unknown" if age is None else f"{age_words(age.to_pytimedelta())} old"
        lines = [f"AEM: {where} — login OK",
                 f"Folder: {self.root}",
                 self.args_source,
                 f"Snapshot: {self.origin} ({self.freshness.reason}), taken {self._taken_words()}"
                 f" ({age_text}), {counted(len(self.snapshot.assets), 'asset')}",
                 f"Journal: {self.journal}"]
        return "\n".join(lines + self.notes)

    def _taken_words(self) -> str:
        """When its data was read, to the minute (``core.dates.moment_words``), from the moment its age counts."""
        return moment_words(data_since(self.snapshot.meta) or self.snapshot.meta.get("taken_at"))

    def _repr_html_(self) -> str:
        lines = self.banner_text().splitlines()
        body = "<br>".join(html.escape(line) for line in lines)
        colour = "#fff4e5" if self.notes else "#eef6ee"
        return f'<div style="background:{colour};padding:6px 10px;border-radius:4px">{body}</div>'

    def __repr__(self) -> str:
        return self.banner_text()

    def audit(self, minimum_confidence: float | None = None, *, surface: str = "session") -> AuditResult:
        """Audit the snapshot (``minimum_confidence`` overrides the arguments' one); records the counts in the
        coverage history (as seen by ``surface``) so the next snapshot can report the change."""
        args = self.args
        if minimum_confidence is not None:
            args = SyncArguments(args.sequence_name, args.name_property, args.confidence_property,
                                 float(minimum_confidence))
        result = audit(self.snapshot, args)
        record_audit(result, self.snapshot.meta, surface)
        return result

    def previous_counts(self) -> dict[str, Any] | None:
        """Counts of the snapshot before this one (same AEM and folder), or None."""
        return previous_counts(self.snapshot.meta)

    def headline(self, result: AuditResult) -> Headline:
        """The headline of ``result`` with the change since the previous snapshot."""
        return headline(result, self.previous_counts(), self.snapshot.meta)

    def refresh(self, *, full: bool = False, on_progress: ProgressCallback | None = None) -> Freshness:
        """Decide again (after a write or on request) and bring the snapshot up to date as decided
        (``on_progress`` follows a new inventory)."""
        self._bring_up_to_date(self.snapshot, full, on_progress)
        return self.freshness

    def _bring_up_to_date(self, saved: Snapshot | None, full: bool,
                          on_progress: ProgressCallback | None = None) -> None:
        meta = None if saved is None else saved.meta
        decision = decide(meta, source=self.client.base_url, root=self.root, args=self.args, journal=self.journal,
                          max_age=self.max_age, refresh=full)
        if decision.action == "reuse" and saved is not None:
            self.snapshot, self.freshness = saved, decision
            return
        if saved is not None and not decision.reason.startswith("the saved snapshot was not used"):
            record_audit(audit(saved, self.args), saved.meta, "session, replaced snapshot", once=True)
        started = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        snapshot = None
        if decision.action == "incremental" and saved is not None:
            try:
                snapshot, _ = refresh_inventory(self.client, saved, saved.arguments, also_read=decision.written,
                                                show_progress=self.show_progress)
                stamp_reads(snapshot.meta, started, saved.meta)
            except ConfigError as exc:
                decision = Freshness("full", f"{decision.reason}; an incremental read was not possible ({exc})")
        if snapshot is None:
            snapshot = take_inventory(self.client, self.root, self.args, show_progress=self.show_progress,
                                      on_progress=on_progress)
            stamp_reads(snapshot.meta, started)
        self.snapshot_dir = self.store.save(snapshot)
        self.snapshot, self.freshness = snapshot, decision


def open_session(
    profile: str | None = None,
    root: str = DEFAULT_ROOT,
    process_args: str | Path | None = None,
    snapshot_dir: str | Path | None = None,
    *,
    refresh: bool = False,
    journal: str | Path | None = None,
    max_age: float | timedelta | str | None = None,
    show_progress: bool = True,
    client: AemClient | None = None,
) -> NotebookSession:
    """Connect, check the login, resolve the process arguments (given text or file, else AEM's workflow models)
    and give a fresh snapshot: the saved one (per-user store, or ``snapshot_dir`` when given) only while younger
    than ``max_age`` and with nothing journaled under ``root`` since it was read; else refreshed (incrementally
    after a journaled write, fully otherwise or with ``refresh``). ``journal`` None: the per-user journal.
    Errors show as one line."""
    if install_error_display():
        pd.set_option("display.max_colwidth", None)  # full file names and reasons in notebook tables
    demo = False
    if client is None:
        client = connect(profile=profile)
        demo = is_demo(client)
    check_login(client, root)
    args, args_source = resolve_process_args(client, process_args)
    store = SnapshotStore.for_session(client.base_url, root, snapshot_dir)
    warnings = [line for line in args_source.splitlines() if line.startswith("warning")]
    try:
        saved = store.latest()
    except ConfigError as exc:
        saved = None
        warnings.append(f"The saved snapshot could not be read ({exc}): a new inventory was taken.")
    session = NotebookSession(
        client=client, root=root, args=args, snapshot=saved or Snapshot.from_hits([], args), store=store,
        journal=Path(journal).expanduser() if journal else default_journal_path(), max_age=max_snapshot_age(max_age),
        freshness=Freshness("full", ""), notes=warnings, demo=demo, args_source=args_source.splitlines()[0],
        snapshot_dir=store.latest_folder(), show_progress=show_progress)
    session._bring_up_to_date(saved, refresh)
    log.info("session %s: %s, %d requests so far", root, session.origin, client.request_count)
    return session
