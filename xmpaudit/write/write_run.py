"""One sync or undo run as one object: guard read → journal the intent → send → settle → verify → journal."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import pandas as pd

from xmpaudit.aem.client import AemClient
from xmpaudit.core.errors import AemAuthError, AemError, AemUncertainOutcomeError
from xmpaudit.core.jcrpath import common_ancestor, parent_of
from xmpaudit.core.progress import Progress, ProgressCallback
from xmpaudit.read.folder_reads import read_assets, read_by_folder_pages
from xmpaudit.write import journal as events
from xmpaudit.write import lease as leases
from xmpaudit.write import settle
from xmpaudit.write.cleanup import IN_FLIGHT, journaled_backups
from xmpaudit.write.guard_read import as_previewed, still_as_previewed
from xmpaudit.write.journal import Journal
from xmpaudit.write.outcomes import Outcome
from xmpaudit.write.plan import PlannedChange, SyncPlan, current_node
from xmpaudit.write.result import ApplyResult, outcomes_frame
from xmpaudit.write.run_book import RunBook
from xmpaudit.write.sling_params import GuardedWrite, guarded_post, plan_batches
from xmpaudit.write.write_routes import IMPORT, route

Post = Callable[..., GuardedWrite]


@dataclass(frozen=True)
class RunOptions:
    """How a run sends: assets per POST, POSTs in flight, verify, encoding, guard reads by folder page."""

    batch_assets: int
    max_parallel: int
    verify: bool = True
    multipart: bool = True
    folder_pages: bool = True
    show_progress: bool = True
    on_progress: ProgressCallback | None = None


class WriteRun:
    """One run of a previewed plan: its book (outcomes, journal), the changes written or uncertain, and whether a
    refused write stopped it; one method per step, ``execute`` runs them in order."""

    def __init__(self, client: AemClient, plan: SyncPlan, journal: Journal, options: RunOptions,
                 post: Post = guarded_post) -> None:
        self.client = client
        self.plan = plan
        self.options = options
        self.book = RunBook(plan, journal)
        self.written: list[PlannedChange] = []
        self.uncertain: list[PlannedChange] = []
        self.stopped = ""
        self.moved: set[str] = set()  # node paths a POST's answer says it moved to their backup
        self.failed_moves: list[PlannedChange] = []  # imports that failed after their node was moved aside
        self.lease: leases.Lease | None = None
        self._post = post
        self._arguments = plan.arguments.to_process_args()  # on each intent: undo restores with the run's own
        self._undoes = {"undoes": plan.undoes} if plan.undoes else {}
        self._by_asset = {change.asset: change for change in plan.changes}
        self._held: dict[str, list[PlannedChange]] = {}  # per folder: ready changes short of a full batch
        self._progress: Progress | None = None

    @property
    def run(self) -> str:
        return self.book.run

    def execute(self) -> ApplyResult:
        """Send every change (guarded, batched), settle and verify what was sent, journal the rest."""
        start = self.client.request_count
        self.send_all()
        self.settle()
        self.book.append(self.book.skipped_records())
        left = [o["backup_left"] for o in self.book.outcomes.values() if o.get("backup_left")]
        if self.plan.undoes:
            left += self.remove_undone_runs_backups()
        self.end()
        return ApplyResult(run=self.run, outcomes=outcomes_frame(self.book.outcomes),
                           requests=self.client.request_count - start, backups_left=sorted(left))

    def hold_lease(self) -> str:
        """Make the run visible to every user before its first move (a lease node in AEM, taken once, renewed
        while the run sends): '' or why AEM refused it (then nothing more is sent)."""
        with self.book.lock:
            try:
                if self.lease is None:
                    self.lease = leases.take(self.client, self.run)
                else:
                    leases.renew_if_due(self.client, self.lease)
            except AemError as exc:
                self.stopped = f"not attempted: the run's lease could not be written to {leases.LEASES} ({exc})"
        return self.stopped

    def end(self) -> None:
        """The run is over (every backup it left is journaled): remove its lease."""
        if self.lease is not None:
            leases.release(self.client, self.lease)

    def send_all(self) -> None:
        """Guard-read and write every change: folder pages where dense, then the rest by path in batches."""
        options = self.options
        changes = self.plan.changes
        with Progress(len(changes), f"{self.plan.kind.title()} {len(changes)} assets", show=options.show_progress,
                      callback=options.on_progress) as self._progress:
            rest = list(self._by_asset)
            if options.folder_pages:
                rest = read_by_folder_pages(self.client, rest, self.write_page, workers=options.max_parallel,
                                            on_folder_done=self.write_held, args=self.plan.arguments)
            batches = plan_batches([self._by_asset[a] for a in rest], options.batch_assets,
                                   multipart=options.multipart)
            if options.max_parallel == 1 or len(batches) < 2:
                for batch in batches:
                    self.write_batch(batch)
                    self._advance(len(batch))
                return
            with ThreadPoolExecutor(options.max_parallel, thread_name_prefix="xmpaudit-sync") as pool:
                futures = {pool.submit(self.write_batch, batch): len(batch) for batch in batches}
                for future in as_completed(futures):
                    future.result()  # a JournalError (or a bug) stops here, after the batches in flight
                    self._advance(futures[future])

    def _advance(self, count: int) -> None:
        with self.book.lock:
            if self._progress is not None:
                self._progress.advance(count)

    def _skip(self, reasons: dict[str, str]) -> None:
        for asset, reason in reasons.items():
            self.book.record(asset, Outcome.SKIPPED, reason)

    def write_page(self, hits: list[dict[str, Any]]) -> None:
        """The guard read was a folder page: write its changes still as previewed right away, in full batches;
        what does not fill one waits for the folder's next page (or its end)."""
        page = [self._by_asset[hit["jcr:path"]] for hit in hits]
        ready, skipped = as_previewed(page, {hit["jcr:path"]: hit for hit in hits}, self.plan)
        self._skip(skipped)
        self._advance(len(page) - len(ready))
        folder = parent_of(page[0].asset)
        with self.book.lock:
            batches = plan_batches(self._held.pop(folder, []) + ready, self.options.batch_assets,
                                   multipart=self.options.multipart)
            if batches:
                self._held[folder] = batches.pop()
        for batch in batches:
            self.write(batch)
            self._advance(len(batch))

    def write_held(self, folder: str) -> None:
        """A folder's pages are done: write what was held back for it."""
        with self.book.lock:
            batch = self._held.pop(folder, [])
        if batch:
            self.write(batch)
            self._advance(len(batch))

    def write_batch(self, batch: list[PlannedChange]) -> None:
        """Guard read by path, then write."""
        ready = batch
        if not self.stopped:
            ready, skipped = still_as_previewed(self.client, batch, self.plan)
            self._skip(skipped)
        if ready:
            self.write(ready)

    def write(self, ready: list[PlannedChange]) -> None:
        """Journal the intent, POST and record one batch whose assets were just read as previewed."""
        book = self.book
        if self.stopped:
            self._skip(dict.fromkeys((c.asset for c in ready), self.stopped))
            return
        if self.hold_lease():
            self._skip(dict.fromkeys((c.asset for c in ready), self.stopped))
            return
        book.append([book.note(events.INTENT, c, arguments=self._arguments, **self._undoes) for c in ready])
        self.send(ready)

    def send(self, ready: list[PlannedChange], may_split: bool = True) -> bool:
        """POST one journaled batch and record what it did; a batch AEM refuses (nothing saved) is split in
        halves and sent again, so one asset's refusal never fails the others (the second half is split further
        only when something of the first landed: an AEM refusing everything costs a few POSTs, not one per
        asset). Whether anything may have landed."""
        book = self.book
        try:
            done = self._post(self.client, ready, self.run, multipart=self.options.multipart)
        except AemUncertainOutcomeError as exc:
            self._record_sent(ready, events.UNCERTAIN, Outcome.UNCERTAIN, str(exc), self.uncertain)
            return True
        except AemError as exc:
            if len(ready) > 1 and may_split and not isinstance(exc, AemAuthError):
                landed = self.send(ready[: len(ready) // 2])
                return self.send(ready[len(ready) // 2 :], may_split=landed) or landed
            self._record_sent(ready, events.FAILED, Outcome.FAILED, str(exc), None)
            if isinstance(exc, AemAuthError):
                self.stopped = f"not attempted: the run stopped after a write was refused ({exc})"
            multipart = self.options.multipart
            moved_aside = [c for c in ready if c.before is not None and route(c, multipart=multipart) == IMPORT]
            with book.lock:
                self.failed_moves.extend(moved_aside)
            return False
        else:
            clean = [c for c in ready if c.asset not in done.ghosts]
            book.append([book.note(events.APPLIED, c) for c in clean])
            for change in clean:
                book.record(change.asset, Outcome.APPLIED)
            with book.lock:
                self.written.extend(clean)
                self.moved |= done.moved
            self.remove_ghosts([c for c in ready if c.asset in done.ghosts], done)
            return True

    def _record_sent(self, changes: list[PlannedChange], event: str, outcome: Outcome, error: str,
                     into: list[PlannedChange] | None) -> None:
        self.book.append([self.book.note(event, c, error=error) for c in changes])
        for change in changes:
            self.book.record(change.asset, outcome, error)
        if into is not None:
            with self.book.lock:
                into.extend(changes)

    def remove_ghosts(self, ghosted: list[PlannedChange], done: GuardedWrite) -> None:
        """Delete the nodes a POST created for assets deleted after the check (a compensating delete, journaled)."""
        if not ghosted:
            return
        tops = [done.ghosts[c.asset] for c in ghosted]
        reason = "asset was deleted between the check and the write; the node the write created there was removed"
        event = events.GHOST_REMOVED
        try:
            self.client.sling_post(common_ancestor(tops), [(":operation", "delete")] + [(":applyTo", t) for t in tops])
        except AemError as exc:
            reason = ("asset was deleted between the check and the write; removing the node created there failed: "
                      f"{exc}")
            event = events.GHOST_LEFT
        self.book.append([self.book.note(event, c, ghost=done.ghosts[c.asset], reason=reason) for c in ghosted])
        for change in ghosted:
            self.book.record(change.asset, Outcome.CONFLICT, reason, verified=False)

    def settle(self) -> None:
        """Read back what was sent: settle uncertain POSTs, catch another writer's change in the check→write
        window (conflict: their node is put back) and a backup someone else removed, then verify (and repair
        once) and remove only the backups of nodes read back as planned."""
        everything = sorted(self.written, key=lambda c: c.asset) + sorted(self.uncertain, key=lambda c: c.asset)
        if not everything and not self.failed_moves:
            return
        book, args = self.book, self.plan.arguments
        try:
            hits = read_assets(self.client, [c.asset for c in everything + self.failed_moves],
                               workers=self.options.max_parallel, folder_pages=self.options.folder_pages, args=args)
        except AemError as exc:
            settle.keep_unread(book, everything, exc)
            settle.keep_backups(book, self.failed_moves, f"kept: reading back failed ({exc})")
            return
        settle.settle_failed_moves(self.client, book, self.failed_moves, hits)
        checked, records = [], []
        maybe_written = {c.asset for c in self.uncertain}
        for change in everything:
            hit = hits.get(change.asset)
            if hit is None:
                book.update(change.asset, verified=False,
                            reason="asset disappeared after the write (deleted or moved meanwhile)")
                records.append(book.note(events.MISMATCH, change, reason=book.reason(change.asset)))
                continue
            theirs, current = settle.backup_of(hit, book.backup(change)), current_node(hit, args)
            if change.asset in maybe_written and not settle.settle_uncertain(book, change, theirs, current, records):
                continue
            if theirs is None and change.before is not None and (
                    change.node_path in self.moved or (change.asset in maybe_written and current == change.after)):
                settle.backup_gone(book, change, records)  # never read as "their version": ours is kept
            elif theirs != change.before:
                settle.settle_conflict(self.client, book, change, theirs, current, records)
            else:
                checked.append(change)
        book.append(records)
        self.verify_and_clean(checked, hits)

    def verify_and_clean(self, checked: list[PlannedChange], hits: dict[str, dict[str, Any]]) -> None:
        """Verify (and repair) the checked nodes; remove the backups of those read back as planned, keep the
        others' (journaled as left)."""
        book = self.book
        if self.options.verify and checked:
            settle.verify(self.client, book, checked, hits)
            planned = [c for c in checked if book.outcomes[c.asset].get("verified") is True]
        else:
            for change in checked:
                book.update(change.asset, reason=book.reason(change.asset) or "applied; not verified (verify off)")
            planned = [c for c in checked if current_node(hits[c.asset], self.plan.arguments) == c.after]
        with_backup = [c for c in checked if c.before is not None]
        left = settle.remove_backups(self.client, [book.backup(c) for c in with_backup if c in planned])
        settle.report_left(book, left, {book.backup(c): c for c in checked})
        settle.keep_backups(book, [c for c in with_backup if c not in planned],
                            "kept: the node written was not read back as planned (it holds the node replaced)")

    def remove_undone_runs_backups(self) -> list[str]:
        """Undo also removes the backup nodes the undone run left behind (journaled, or named by the intents of a
        run that crashed) — only where the node in place now equals the backup (it holds no other copy); those
        holding another writer's node, of a run in flight, or the only copy of a node stay, reported; the ones
        still left."""
        journaled = journaled_backups(self.client, self.book.journal, str(self.plan.undoes))
        found = journaled.backups
        copies = [row["in_place"] == row["node"] for row in found.to_dict("records")]
        removable = found[(found["action"] != IN_FLIGHT) & ~found["backup"].isin(journaled.theirs)
                          & pd.Series(copies, index=found.index, dtype=bool)]
        kept = sorted(set(found["backup"]) - set(removable["backup"]))
        if removable.empty:
            return kept
        failed = settle.remove_backups(self.client, removable["backup"].tolist())
        self.book.append([{"run": self.run, "kind": self.plan.kind, "event": events.BACKUP_LEFT
                           if row["backup"] in failed else events.BACKUP_REMOVED, "asset": row["asset"],
                           "node_path": row["backup"], "backup": row["backup"], "node": row["node"]}
                          for row in removable.to_dict("records")])
        return sorted([*failed, *kept])
