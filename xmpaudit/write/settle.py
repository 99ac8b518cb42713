"""After a guarded write: read back, verify, repair, put another writer's node back, remove the backups."""

from __future__ import annotations

from typing import Any

import pandas as pd

from xmpaudit.aem.client import AemClient
from xmpaudit.core.errors import AemError
from xmpaudit.core.jcrpath import common_ancestor
from xmpaudit.read.folder_reads import read_assets
from xmpaudit.read.hits import metadata_child
from xmpaudit.read.path_reads import fetch_assets
from xmpaudit.write import journal as events
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import Node, PlannedChange, SyncPlan, current_node, metadata_path
from xmpaudit.write.sling_params import MAX_PARAMS_PER_POST_MULTIPART, backup_path, import_node

# an uncertain write's read-back without a backup and with a node that is neither the previewed nor the planned one
NEITHER = ("the node is neither as it was nor as planned: another writer changed it meanwhile, or the write did not "
           "land exactly; left as it is, preview again")


def journal_record(run: str, kind: str, event: str, change: PlannedChange, **extra: Any) -> dict[str, Any]:
    record = {"run": run, "kind": kind, "event": event, "asset": change.asset, "node_path": change.node_path}
    if event == events.INTENT:
        record.update(before=change.before, after=change.after, status=change.status,
                      backup=backup_path(change, run))
    record.update(extra)
    return record


def _metadata_child(hit: dict[str, Any], name: str) -> Node | None:
    return metadata_child(hit, name)


def settle(client: AemClient, written: list[PlannedChange], uncertain: list[PlannedChange], journal: Journal,
            run: str, plan: SyncPlan, outcomes: dict[str, dict[str, Any]], *, verify: bool, workers: int = 1,
            folder_pages: bool = True) -> None:
    """Read back what was written: settle uncertain POSTs, catch another writer's change in the check→write
    window (conflict: their node is put back), remove the backups, then verify (and repair once)."""
    everything = written + uncertain
    try:
        hits = read_assets(client, [c.asset for c in everything], workers=workers, folder_pages=folder_pages,
                           args=plan.arguments)
    except AemError as exc:
        moved_aside = [c for c in everything if c.before is not None]  # only a node that was there has a backup
        for change in everything:
            outcomes[change.asset].update(verified=pd.NA, reason=f"not verified: reading back failed ({exc})")
        for change in moved_aside:
            outcomes[change.asset]["backup_left"] = backup_path(change, run)
        journal.append([journal_record(run, plan.kind, events.BACKUP_LEFT, c, backup=backup_path(c, run),
                                       error=f"kept: reading back failed ({exc})") for c in moved_aside])
        return
    checked: list[PlannedChange] = []
    backups: list[str] = []
    records = []
    maybe_written = {c.asset for c in uncertain}
    for change in everything:
        hit = hits.get(change.asset)
        if hit is None:
            outcomes[change.asset].update(verified=False,
                                          reason="asset disappeared after the write (deleted or moved meanwhile)")
            records.append(journal_record(run, plan.kind, events.MISMATCH, change,
                                          reason=outcomes[change.asset]["reason"]))
            continue
        backup = backup_path(change, run)
        theirs = _metadata_child(hit, backup.rsplit("/", 1)[-1])
        current = current_node(hit, plan.arguments)
        if change.asset in maybe_written:
            if theirs is None and current != change.after:  # nothing was moved aside, and the node is not ours
                said = outcomes[change.asset]["reason"]
                if current == change.before:
                    outcomes[change.asset].update(outcome="failed", verified=False,
                                                  reason=f"{said} (read back: not applied)")
                    records.append(journal_record(run, plan.kind, events.FAILED, change,
                                                  error="not applied (read back)"))
                else:  # another writer's node, or ours not written exactly: whose is unknown, so it is left alone
                    outcomes[change.asset].update(verified=False, reason=f"{said} (read back: {NEITHER})")
                    records.append(journal_record(run, plan.kind, events.MISMATCH, change, found=current,
                                                  reason=outcomes[change.asset]["reason"]))
                continue
            outcomes[change.asset].update(outcome="applied", reason="")
            records.append(journal_record(run, plan.kind, events.APPLIED, change))
        if theirs != change.before:
            reason, kept = _put_back(client, change, theirs, backup, current)
            outcomes[change.asset].update(outcome="conflict", verified=False, reason=reason)
            records.append(journal_record(run, plan.kind, events.CONFLICT, change, theirs=theirs, reason=reason))
            if kept:  # their node stays in the backup: reported as left, never removed here
                outcomes[change.asset]["backup_left"] = backup
                records.append(journal_record(run, plan.kind, events.BACKUP_LEFT, change, backup=backup, error=kept,
                                              holds_theirs=True))
            continue
        if theirs is not None:
            backups.append(backup)
        checked.append(change)
    journal.append(records)
    left = remove_backups(client, backups)
    if verify and checked:
        _verify(client, checked, hits, journal, run, plan, outcomes)
    for change in checked if not verify else []:
        outcomes[change.asset]["reason"] = outcomes[change.asset].get("reason") or "applied; not verified (verify off)"
    _report_left(left, {backup_path(c, run): c for c in checked}, journal, run, plan, outcomes)


def _report_left(left: dict[str, str], changes: dict[str, PlannedChange], journal: Journal, run: str,
                 plan: SyncPlan, outcomes: dict[str, dict[str, Any]]) -> None:
    """Record backups that could not be removed on their rows and in the journal (undo and cleanup find them)."""
    records = []
    for backup, error in left.items():
        change = changes[backup]
        outcomes[change.asset]["backup_left"] = backup
        records.append(journal_record(run, plan.kind, events.BACKUP_LEFT, change, backup=backup, error=error))
    journal.append(records)


def _put_back(client: AemClient, change: PlannedChange, theirs: Node | None, backup: str,
              current: Node | None) -> tuple[str, str]:
    """Undo our write where another writer changed the node in between: their node goes back in place. The
    reason, and why the backup is kept ('' when it is not: put back, or there was none)."""
    prefix = "another writer changed the XMP node between the check and the write"
    try:
        if theirs is not None:
            client.sling_post(backup, [(":operation", "move"), (":dest", change.node_path), (":replace", "true")])
        elif current is not None:
            client.sling_post(metadata_path(change.asset), [(":operation", "delete"), (":applyTo", change.node_path)])
    except AemError as exc:
        if theirs is not None:
            return (f"{prefix}; putting it back failed ({exc}): their node is kept at {backup}",
                    f"kept: putting their node back failed ({exc})")
        return f"{prefix}; putting it back failed ({exc}): their deletion could not be restored", ""
    return f"{prefix}; their version was put back (preview again)", ""


def remove_backups(client: AemClient, backups: list[str], chunk: int = MAX_PARAMS_PER_POST_MULTIPART - 10
                   ) -> dict[str, str]:
    """Delete backups, thousands per multipart POST; the ones left in place, with the error (they hold only what
    the journal holds too, and are reported, not hidden)."""
    left: dict[str, str] = {}
    for start in range(0, len(backups), chunk):
        group = backups[start : start + chunk]
        try:
            client.sling_post(common_ancestor(group), [(":operation", "delete")] + [(":applyTo", p) for p in group],
                              multipart=True)
        except AemError as exc:
            left.update(dict.fromkeys(group, str(exc)))
    return left


def _verify(client: AemClient, applied: list[PlannedChange], hits: dict[str, dict[str, Any]], journal: Journal,
            run: str, plan: SyncPlan, outcomes: dict[str, dict[str, Any]]) -> None:
    """Compare every applied node with what was meant; rewrite mismatches once with an import and read again.
    A failing read leaves the rows unverified (NA, with the reason) instead of raising."""
    wrong = [c for c in applied if current_node(hits[c.asset], plan.arguments) != c.after]
    for change in wrong:
        try:
            import_node(client, change)
        except AemError as exc:
            outcomes[change.asset]["reason"] = f"repair failed: {exc}"
    rewritten = {c.asset for c in wrong}
    still_wrong: set[str] = set()
    gone: set[str] = set()
    unknown = ""
    if wrong:
        try:
            again = fetch_assets(client, [c.asset for c in wrong], args=plan.arguments)
        except AemError as exc:
            unknown = f"not verified: reading back the repair failed ({exc})"
        else:
            gone = {c.asset for c in wrong if c.asset not in again}
            still_wrong = gone | {c.asset for c in wrong
                                  if c.asset not in gone and current_node(again[c.asset], plan.arguments) != c.after}
    records = []
    for change in applied:
        repaired_now = change.asset in rewritten
        if unknown and repaired_now:
            outcomes[change.asset].update(verified=pd.NA, reason=unknown)
            continue
        ok = change.asset not in still_wrong
        outcomes[change.asset]["verified"] = ok
        if not ok and not outcomes[change.asset].get("reason"):
            outcomes[change.asset]["reason"] = (
                "asset disappeared during the repair (deleted or moved meanwhile)" if change.asset in gone
                else "written, but it reads back different from the plan after one repair")
        outcomes[change.asset]["repaired"] = repaired_now and ok
        event = events.REPAIRED if repaired_now and ok else events.VERIFIED if ok else events.MISMATCH
        extra = {"reason": outcomes[change.asset]["reason"]} if event == events.MISMATCH else {}
        records.append(journal_record(run, plan.kind, event, change, **extra))
    journal.append(records)
