"""Write the XMP array node exactly as the ACS process would: dry-run plan, batched apply, verify, undo.

Every change is journaled (before/after) before it is sent; undo restores the journaled ``before``."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from xmpaudit.aem.client import AemClient
from xmpaudit.core.errors import AemAuthError, AemError, AemUncertainOutcomeError, ConfigError
from xmpaudit.core.jcrpath import common_ancestor, parent_of
from xmpaudit.core.progress import Progress, ProgressCallback
from xmpaudit.read.folder_reads import read_by_folder_pages
from xmpaudit.read.path_reads import fetch_assets
from xmpaudit.read.snapshot import Snapshot
from xmpaudit.write import journal as events
from xmpaudit.write.cleanup import journaled_backups
from xmpaudit.write.journal import Journal, new_run_id
from xmpaudit.write.plan import (
    NOTHING_TO_DO,
    Node,
    PlannedChange,
    SyncPlan,
    blocked_slot,
    current_node,
    desired_nodes,
)
from xmpaudit.write.settle import journal_record, remove_backups, settle
from xmpaudit.write.sling_params import GuardedWrite, guarded_post, plan_batches

DEFAULT_BATCH_ASSETS = 400
DEFAULT_PARALLEL_BATCHES = 4
# skip reasons that leave the asset as wanted: in sync or nothing to sync; undo: the node is as before the run
DONE_REASONS = (NOTHING_TO_DO, "already as before the run")


@dataclass
class ApplyResult:
    """What happened per asset: outcome (applied/skipped/failed/conflict/uncertain), reason (every row that is
    not cleanly done has one), verified, repaired, and the backup node left in AEM (path, '' when none)."""

    run: str
    outcomes: pd.DataFrame
    requests: int
    backups_left: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Assets per outcome: applied, skipped, failed, conflict (another writer in between), uncertain."""
        return {str(k): int(v) for k, v in self.outcomes["outcome"].value_counts().items()}

    def not_done(self) -> pd.DataFrame:
        """The rows that did not end as wanted (applied and verified, or skipped with nothing to do)."""
        frame = self.outcomes
        verified = frame["verified"].fillna(False).astype(bool)
        clean = (frame["outcome"] == "applied") & verified
        nothing_to_do = (frame["outcome"] == "skipped") & frame["reason"].str.startswith(DONE_REASONS)
        return frame[~(clean | nothing_to_do)]

    @property
    def ok(self) -> bool:
        """Every row done and no backup node left behind."""
        return self.not_done().empty and not self.backups_left

    def summary(self) -> str:
        counts = ", ".join(f"{n} {o}" for o, n in sorted(self.counts().items())) or "nothing"
        text = f"run {self.run}: {counts}; {self.requests} requests"
        open_rows = len(self.not_done())
        if open_rows:
            text += f"; {open_rows} NOT done"
        if self.backups_left:
            text += f"; {len(self.backups_left)} backup nodes left (undo or `xmpaudit cleanup` removes them)"
        return text


_UNEXPLAINED = {"applied": "applied; not verified", "skipped": "not attempted"}


def _frame(outcomes: dict[str, dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(list(outcomes.values()),
                         columns=["asset", "outcome", "reason", "verified", "repaired", "backup_left"])
    frame["reason"] = frame["reason"].fillna("").astype(str)
    frame["verified"] = frame["verified"].astype("boolean")
    frame["repaired"] = frame["repaired"].astype("boolean").fillna(False).astype(bool)
    frame["backup_left"] = frame["backup_left"].astype(object).fillna("").astype(str)
    unexplained = (frame["reason"] == "") & ~((frame["outcome"] == "applied") & frame["verified"].fillna(False))
    frame.loc[unexplained, "reason"] = frame.loc[unexplained, "outcome"].map(_UNEXPLAINED).fillna("not done")
    left = frame["backup_left"] != ""
    said = frame.loc[left, "reason"]
    frame.loc[left, "reason"] = said.where(said == "", said + "; ") + "backup node left at " + frame.loc[left,
                                                                                                   "backup_left"]
    return frame


def apply_plan(
    client: AemClient,
    plan: SyncPlan,
    journal: Journal,
    *,
    batch_assets: int = DEFAULT_BATCH_ASSETS,
    verify: bool = True,
    show_progress: bool = True,
    on_progress: ProgressCallback | None = None,
    multipart: bool = True,
    max_parallel: int = DEFAULT_PARALLEL_BATCHES,
    folder_pages: bool = True,
) -> ApplyResult:
    """Apply a previewed plan in guarded, batched POSTs (``max_parallel`` requests in flight).

    Right before each batch is written its assets are read again (the guard read): an asset that changed since
    the preview, or is gone, is skipped. Where many of a folder's assets change, the guard read is a page of that
    folder (``folder_pages``; no paths in the URL) and the changes on that page are written right after it;
    the others are read by path, batch by batch. Intent is journaled before sending (a journal failure stops the
    run). Each POST moves the node it replaces aside in the same save; afterwards the moved-aside node is compared
    with what the preview read: a difference (another writer in between) is reported as ``conflict`` and their
    node is put back. A node the POST created for an asset deleted meanwhile is deleted again (``conflict``).
    Written nodes are read back; anything not written exactly is rewritten once with an import. A 401/403 on a
    write stops the run. ``multipart`` sends multipart/form-data POSTs (larger batches: no servlet-container form
    limits)."""
    if not isinstance(plan, SyncPlan):
        raise ConfigError("apply_plan needs the SyncPlan from plan_sync (preview first)")
    if batch_assets < 1:
        raise ConfigError("batch_assets must be >= 1")
    if not 1 <= max_parallel <= 16:
        raise ConfigError("max_parallel must be from 1 to 16")
    run = new_run_id(plan.kind)
    start_requests = client.request_count
    outcomes: dict[str, dict[str, Any]] = {
        row["asset"]: {"asset": row["asset"], "outcome": "skipped", "reason": row["reason"]}
        for row in plan.skipped.to_dict("records")
    }
    extra = {"undoes": plan.undoes} if plan.undoes else {}
    arguments = plan.arguments.to_process_args()  # on each intent: undo restores with the run's own arguments
    written: list[PlannedChange] = []
    uncertain: list[PlannedChange] = []
    state = {"stopped": ""}
    lock = threading.Lock()

    def write(ready: list[PlannedChange]) -> None:
        """Journal, POST and record one batch whose assets were just read as previewed."""
        if state["stopped"]:
            for change in ready:
                outcomes[change.asset] = {"asset": change.asset, "outcome": "skipped", "reason": state["stopped"]}
            return
        journal.append([journal_record(run, plan.kind, events.INTENT, c, arguments=arguments, **extra) for c in ready])
        try:
            done = guarded_post(client, ready, run, multipart=multipart)
        except AemUncertainOutcomeError as exc:
            journal.append([journal_record(run, plan.kind, events.UNCERTAIN, c, error=str(exc)) for c in ready])
            for c in ready:
                outcomes[c.asset] = {"asset": c.asset, "outcome": "uncertain", "reason": str(exc)}
            with lock:
                uncertain.extend(ready)
        except AemError as exc:
            journal.append([journal_record(run, plan.kind, events.FAILED, c, error=str(exc)) for c in ready])
            for c in ready:
                outcomes[c.asset] = {"asset": c.asset, "outcome": "failed", "reason": str(exc)}
            if isinstance(exc, AemAuthError):
                state["stopped"] = f"not attempted: the run stopped after a write was refused ({exc})"
        else:
            clean = [c for c in ready if c.asset not in done.ghosts]
            journal.append([journal_record(run, plan.kind, events.APPLIED, c) for c in clean])
            for c in clean:
                outcomes[c.asset] = {"asset": c.asset, "outcome": "applied", "reason": ""}
            with lock:
                written.extend(clean)
            _remove_ghosts(client, [c for c in ready if c.asset in done.ghosts], done, journal, run, plan, outcomes)

    by_asset = {change.asset: change for change in plan.changes}
    with Progress(len(plan.changes), f"{plan.kind.title()} {len(plan.changes)} assets", show=show_progress,
                  callback=on_progress) as progress:

        def advance(count: int) -> None:
            with lock:
                progress.advance(count)

        held: dict[str, list[PlannedChange]] = {}  # per folder: ready changes short of a full batch

        def write_page(hits: list[dict[str, Any]]) -> None:
            """The guard read was a folder page: write its changes still as previewed right away, in full
            batches; what does not fill one waits for the folder's next page (or its end)."""
            page = [by_asset[hit["jcr:path"]] for hit in hits]
            ready = _as_previewed(page, {hit["jcr:path"]: hit for hit in hits}, plan, outcomes)
            advance(len(page) - len(ready))
            folder = parent_of(page[0].asset)
            with lock:
                batches = plan_batches(held.pop(folder, []) + ready, batch_assets, multipart=multipart)
                if batches:
                    held[folder] = batches.pop()
            for batch in batches:
                write(batch)
                advance(len(batch))

        def write_held(folder: str) -> None:
            with lock:
                batch = held.pop(folder, [])
            if batch:
                write(batch)
                advance(len(batch))

        def write_batch(batch: list[PlannedChange]) -> None:
            """Guard read by path, then write."""
            ready = batch if state["stopped"] else _still_as_previewed(client, batch, plan, outcomes)
            if ready:
                write(ready)

        rest = list(by_asset)
        if folder_pages:
            rest = read_by_folder_pages(client, rest, write_page, workers=max_parallel, on_folder_done=write_held,
                                        args=plan.arguments)
        batches = plan_batches([by_asset[asset] for asset in rest], batch_assets, multipart=multipart)
        if max_parallel == 1 or len(batches) < 2:
            for batch in batches:
                write_batch(batch)
                advance(len(batch))
        else:
            with ThreadPoolExecutor(max_parallel, thread_name_prefix="xmpaudit-sync") as pool:
                futures = {pool.submit(write_batch, batch): len(batch) for batch in batches}
                for future in as_completed(futures):
                    future.result()  # a JournalError (or a bug) stops here, after the batches in flight
                    advance(futures[future])
    written.sort(key=lambda c: c.asset)
    uncertain.sort(key=lambda c: c.asset)
    if written or uncertain:
        settle(client, written, uncertain, journal, run, plan, outcomes, verify=verify,
                workers=max_parallel, folder_pages=folder_pages)
    if outcomes:
        journal.append([{"run": run, "kind": plan.kind, "event": events.SKIPPED, "asset": o["asset"],
                         "reason": o["reason"]} for o in outcomes.values() if o["outcome"] == "skipped"])
    left = [o["backup_left"] for o in outcomes.values() if o.get("backup_left")]
    if plan.undoes:
        left += _remove_undone_runs_backups(client, journal, run, plan)
    return ApplyResult(run=run, outcomes=_frame(outcomes), requests=client.request_count - start_requests,
                       backups_left=sorted(left))


def _remove_undone_runs_backups(client: AemClient, journal: Journal, run: str, plan: SyncPlan) -> list[str]:
    """Undo also removes the backup nodes the undone run left behind (journaled), except those holding another
    writer's node the run could not put back (they stay, reported); the ones still left."""
    journaled = journaled_backups(client, journal, str(plan.undoes))
    found, theirs = journaled.backups, journaled.theirs
    kept = sorted(set(found["backup"]) & theirs)
    found = found[~found["backup"].isin(theirs)]
    if found.empty:
        return kept
    failed = remove_backups(client, found["backup"].tolist())
    journal.append([{"run": run, "kind": plan.kind, "event": events.BACKUP_LEFT if row["backup"] in failed
                     else events.BACKUP_REMOVED, "asset": row["asset"], "node_path": row["backup"],
                     "backup": row["backup"], "node": row["node"]} for row in found.to_dict("records")])
    return sorted([*failed, *kept])


def _still_as_previewed(client: AemClient, batch: list[PlannedChange], plan: SyncPlan,
                        outcomes: dict[str, dict[str, Any]]) -> list[PlannedChange]:
    """Read ``batch``'s assets by path; the changes whose asset still reads as previewed (others: skipped)."""
    try:
        fresh = fetch_assets(client, [c.asset for c in batch], args=plan.arguments)
    except AemError as exc:
        for change in batch:
            outcomes[change.asset] = {"asset": change.asset, "outcome": "skipped",
                                      "reason": f"could not read the asset before writing: {exc}"}
        return []
    return _as_previewed(batch, fresh, plan, outcomes)


def _as_previewed(batch: list[PlannedChange], fresh: dict[str, dict[str, Any]], plan: SyncPlan,
                  outcomes: dict[str, dict[str, Any]]) -> list[PlannedChange]:
    """The changes whose asset reads in ``fresh`` as previewed (the others are marked skipped with the reason)."""
    desired = {}
    if plan.kind == "sync":
        desired = desired_nodes(Snapshot.from_hits(fresh.values(), plan.arguments), plan.arguments)
    ready = []
    for change in batch:
        reason = _stale_reason(change, fresh.get(change.asset), desired, plan)
        if reason:
            outcomes[change.asset] = {"asset": change.asset, "outcome": "skipped", "reason": reason}
        else:
            ready.append(change)
    return ready


def _remove_ghosts(client: AemClient, ghosted: list[PlannedChange], done: GuardedWrite, journal: Journal,
                   run: str, plan: SyncPlan, outcomes: dict[str, dict[str, Any]]) -> None:
    """Delete the nodes a POST created for assets deleted after the check (a compensating delete, journaled)."""
    if not ghosted:
        return
    tops = [done.ghosts[c.asset] for c in ghosted]
    reason = "asset was deleted between the check and the write; the node the write created there was removed"
    event = events.GHOST_REMOVED
    try:
        client.sling_post(common_ancestor(tops), [(":operation", "delete")] + [(":applyTo", t) for t in tops])
    except AemError as exc:
        reason = f"asset was deleted between the check and the write; removing the node created there failed: {exc}"
        event = events.GHOST_LEFT
    journal.append([journal_record(run, plan.kind, event, c, ghost=done.ghosts[c.asset], reason=reason)
                    for c in ghosted])
    for change in ghosted:
        outcomes[change.asset] = {"asset": change.asset, "outcome": "conflict", "reason": reason, "verified": False}


def _stale_reason(
    change: PlannedChange, hit: dict[str, Any] | None, desired: dict[str, Node | None], plan: SyncPlan
) -> str:
    """Why a change can no longer be applied as previewed ('' when it can)."""
    if hit is None:
        return "asset no longer exists (deleted or moved since the preview)"
    if current_node(hit, plan.arguments) != change.before:
        return "XMP node changed since the preview; preview again"
    blocked = blocked_slot(hit, plan.arguments)
    if blocked:
        return blocked
    if plan.kind == "sync" and desired.get(change.asset) != change.after:
        return "smart tags changed since the preview; preview again"
    return ""
