"""The session every surface opens: connection and login check, the process arguments, a snapshot that is fresh
(by workspace/freshness), the banner saying which AEM, which snapshot, how old and why, and "change since"."""

from __future__ import annotations

import html
import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from xmpaudit.aem.client import AemClient
from xmpaudit.aem.connection import check_login, connect, is_demo
from xmpaudit.aem.process_args import AS_GIVEN, resolve_process_args
from xmpaudit.audit.compare import audit
from xmpaudit.audit.headline import Headline, headline
from xmpaudit.audit.result import AuditResult
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.dates import moment_words
from xmpaudit.core.errors import ConfigError
from xmpaudit.core.locations import default_journal_path
from xmpaudit.core.number_words import counted
from xmpaudit.core.progress import ProgressCallback
from xmpaudit.core.returned_memory import give_back_freed_memory, keep_freed_memory_returnable
from xmpaudit.read.incremental import refresh_inventory
from xmpaudit.read.inventory import take_inventory
from xmpaudit.read.snapshot import Snapshot
from xmpaudit.read.snapshot_store import SnapshotStore
from xmpaudit.workspace.clock import now as clock_now
from xmpaudit.workspace.errordisplay import install_error_display
from xmpaudit.workspace.freshness import (
    FUTURE_TOLERANCE,
    Freshness,
    age_words,
    data_since,
    decide,
    max_snapshot_age,
    reads_began,
    stamp_reads,
    unseen_words,
)
from xmpaudit.workspace.history import has_record, previous_counts, record_audit
from xmpaudit.workspace.newer import NewerCheck, modified_in_aem

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
    args_source: str = AS_GIVEN
    snapshot_dir: Path | None = None   # the folder the snapshot was loaded from or saved to
    show_progress: bool = True
    given_args: str | Path | None = None   # the process arguments as given; None: read from AEM at every refresh
    surface: str = "notebook"              # who works on it: notebook, app, cli, report (in the history)
    args_read_at: datetime | None = None   # when the arguments were resolved
    args_warnings: list[str] = field(default_factory=list)
    _newer: NewerCheck | None = field(default=None, repr=False)
    _aem_changed: int = 0  # assets AEM said were modified since the snapshot (newer_elsewhere(ask_aem=True))

    @property
    def origin(self) -> str:
        """``saved snapshot``, ``refreshed incrementally`` or ``new inventory``."""
        return ORIGINS[self.freshness.action]

    @property
    def age(self) -> pd.Timedelta | None:
        """How old the oldest data in the snapshot is (negative: stamped in the future)."""
        since = data_since(self.snapshot.meta)
        return None if since is None else pd.Timestamp(clock_now()) - pd.Timestamp(since)

    def arguments_line(self) -> str:
        """The arguments in use and where and when they were read, in one line."""
        when = "" if self.args_read_at is None else f", read {moment_words(self.args_read_at)}"
        return (f"{self.args_source} — minimumConfidence {self.args.minimum_confidence:g}, "
                f"sequenceName {self.args.sequence_name}{when}")

    def banner_text(self) -> str:
        """Where the numbers come from, as plain text lines."""
        where = (f"your demo DAM (a local simulator at {self.client.base_url}; xmpaudit demo status|stop|reset)"
                 if self.demo else self.client.base_url)
        age = self.age
        age_text = ("age unknown" if age is None else "stamped in the future: age unknown"
                    if age < -pd.Timedelta(FUTURE_TOLERANCE) else f"{age_words(age.to_pytimedelta())} old")
        lines = [f"AEM: {where} — login OK",
                 f"Folder: {self.root}",
                 self.arguments_line(),
                 f"Snapshot: {self.origin} ({self.freshness.reason}), taken {self._taken_words()}"
                 f" ({age_text}), {counted(len(self.snapshot.assets), 'asset')}",
                 unseen_words(self.snapshot.meta),
                 f"Journal: {self.journal}"]
        return "\n".join(lines + self.args_warnings + self.notes)

    def _taken_words(self) -> str:
        """When its data was read, to the minute (``core.dates.moment_words``), from the moment its age counts."""
        return moment_words(data_since(self.snapshot.meta) or self.snapshot.meta.get("taken_at"))

    def _repr_html_(self) -> str:
        lines = self.banner_text().splitlines()
        body = "<br>".join(html.escape(line) for line in lines)
        colour = "#fff4e5" if self.notes or self.args_warnings else "#eef6ee"
        return f'<div style="background:{colour};padding:6px 10px;border-radius:4px">{body}</div>'

    def __repr__(self) -> str:
        return self.banner_text()

    def audit(self, minimum_confidence: float | None = None, *, surface: str | None = None) -> AuditResult:
        """Audit the snapshot (``minimum_confidence`` overrides the arguments' one: a what-if, kept out of the
        live series); records it in the coverage history as seen by ``surface`` (default: the session's)."""
        args = self.args
        if minimum_confidence is not None:
            args = SyncArguments(args.sequence_name, args.name_property, args.confidence_property,
                                 float(minimum_confidence))
        result = audit(self.snapshot, args)
        record_audit(result, self.snapshot.meta, surface or self.surface, live=minimum_confidence is None,
                     args_source=self.args_source)
        return result

    def previous_counts(self) -> dict[str, Any] | None:
        """Counts of the snapshot before this one (same AEM, folder and arguments), or None."""
        return previous_counts(self.snapshot.meta, arguments=self.args)

    def headline(self, result: AuditResult) -> Headline:
        """The headline of ``result`` with the change since the previous snapshot."""
        return headline(result, self.previous_counts(), self.snapshot.meta)

    def newer_elsewhere(self, *, ask_aem: bool = False, own_runs: Collection[str] = ()) -> str | None:
        """One line when the per-user journal, snapshot store or history holds something newer for this AEM and
        folder than this session's snapshot (what, by which surface, when); None otherwise. Reads local files only
        (each again only once it changed); with ``ask_aem``, when they hold nothing newer, also one QueryBuilder
        count of assets AEM says were modified since (the next refresh then re-reads them incrementally). The
        journal's ``own_runs`` are the asking page's own writes, which it shows already."""
        if self._newer is None:
            self._newer = NewerCheck(self.journal, self.store)
        line = self._newer.line(self.snapshot.meta, self.snapshot_dir, own_runs)
        if line is None and ask_aem:
            self._aem_changed, line = modified_in_aem(self.client, self.snapshot.meta)
        return line

    def refresh(self, *, full: bool = False, on_progress: ProgressCallback | None = None) -> Freshness:
        """Read the process arguments again (unless given), decide again (after a write or on request) and bring
        the snapshot up to date as decided (``on_progress`` follows a new inventory)."""
        self.resolve_arguments()
        self._bring_up_to_date(self._newest_saved(), full, on_progress)
        return self.freshness

    def _newest_saved(self) -> Snapshot:
        """This session's snapshot, or the store's newest when another surface saved a newer one since."""
        folder = self.store.latest_folder()
        theirs = None if folder is None else SnapshotStore.meta_of(folder)
        mine, newer = reads_began(self.snapshot.meta), None if theirs is None else reads_began(theirs)
        if newer is None or (mine is not None and newer <= mine):
            return self.snapshot
        try:
            loaded = self.store.latest()
        except ConfigError:
            return self.snapshot
        self.snapshot_dir = folder
        return loaded or self.snapshot

    def refresh_and_audit(self, on_progress: ProgressCallback | None = None, *, full: bool = True
                          ) -> tuple[AuditResult, pd.DataFrame]:
        """A panel's Refresh through the session (saved, in the history): ``(audit, smart tags)``."""
        self.refresh(full=full, on_progress=on_progress)
        return self.audit(), self.snapshot.smart_tags

    def resolve_arguments(self) -> None:
        """The process arguments: as given, else read from AEM's workflow models now."""
        self.args, source = resolve_process_args(self.client, self.given_args)
        lines = source.splitlines()
        self.args_source, self.args_warnings = lines[0], [line for line in lines[1:] if line.startswith("warning")]
        self.args_read_at = clock_now()

    def _bring_up_to_date(self, saved: Snapshot | None, full: bool,
                          on_progress: ProgressCallback | None = None) -> None:
        meta = None if saved is None else saved.meta
        decision = decide(meta, source=self.client.base_url, root=self.root, args=self.args, journal=self.journal,
                          max_age=self.max_age, refresh=full)
        if decision.action == "reuse" and self._aem_changed:
            decision = Freshness("incremental", f"AEM says {counted(self._aem_changed, 'asset')} under the folder "
                                                "changed since the snapshot was read; AEM's changes re-read")
        self._aem_changed = 0
        if decision.action == "reuse" and saved is not None:
            self.snapshot, self.freshness = saved, decision
            return
        if saved is not None and not decision.reason.startswith("the saved snapshot was not used") \
                and not has_record(saved.meta):
            record_audit(audit(saved, self.args), saved.meta, f"{self.surface}, replaced snapshot", once=True,
                         args_source=self.args_source)
        snapshot, decision = self._read(saved, decision, on_progress)
        snapshot.meta["surface"] = self.surface
        try:
            self.snapshot_dir = self.store.save(snapshot)
        except ConfigError as exc:
            self.snapshot_dir = None
            self.notes.append(f"{exc}: the next surface reads AEM again.")
        self.snapshot, self.freshness = snapshot, decision
        give_back_freed_memory()  # the pages the read parsed

    def _read(self, saved: Snapshot | None, decision: Freshness, on_progress: ProgressCallback | None
              ) -> tuple[Snapshot, Freshness]:
        """The new snapshot, read incrementally where decided and possible, else fully."""
        started = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        if decision.action == "incremental" and saved is not None:
            try:
                snapshot, _ = refresh_inventory(self.client, saved, saved.arguments, also_read=decision.written,
                                                show_progress=self.show_progress, list_all=False)
                stamp_reads(snapshot.meta, started, saved.meta)
                return snapshot, decision
            except ConfigError as exc:
                decision = Freshness("full", f"{decision.reason}; an incremental read was not possible ({exc})")
        snapshot = take_inventory(self.client, self.root, self.args, show_progress=self.show_progress,
                                  on_progress=on_progress)
        stamp_reads(snapshot.meta, started)
        return snapshot, decision


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
    surface: str = "notebook",
) -> NotebookSession:
    """Connect, check the login, resolve the process arguments (given text or file, else AEM's workflow models)
    and give a fresh snapshot: the saved one (per-user store, or ``snapshot_dir`` when given) only while younger
    than ``max_age`` and with nothing journaled under ``root`` since it was read; else refreshed (incrementally
    after a journaled write, fully otherwise or with ``refresh``). ``journal`` None: the per-user journal.
    ``surface`` names who audits in the coverage history (notebook, app, cli audit, report). Errors show as one
    line."""
    if install_error_display():
        pd.set_option("display.max_colwidth", None)  # full file names and reasons in notebook tables
    keep_freed_memory_returnable()  # before any snapshot is loaded: what a Refresh frees can go back to the system
    demo = False
    if client is None:
        client = connect(profile=profile)
        demo = is_demo(client)
    check_login(client, root)
    limit = max_snapshot_age(max_age)
    store = SnapshotStore.for_session(client.base_url, root, snapshot_dir)
    notes = []
    try:
        saved = store.latest()
    except ConfigError as exc:
        saved = None
        notes.append(f"The saved snapshot could not be read ({exc}): a new inventory was taken.")
    session = NotebookSession(
        client=client, root=root, args=SyncArguments(), store=store,
        snapshot=saved or Snapshot.from_hits([], SyncArguments()),
        journal=Path(journal).expanduser() if journal else default_journal_path(), max_age=limit,
        freshness=Freshness("full", ""), notes=notes, demo=demo, snapshot_dir=store.latest_folder(),
        show_progress=show_progress, given_args=process_args,
        surface=surface)
    session.resolve_arguments()
    session._bring_up_to_date(saved, refresh)
    log.info("session %s: %s, %d requests so far", root, session.origin, client.request_count)
    return session
