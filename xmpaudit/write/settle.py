"""After a guarded write: read back, verify, repair, put another writer's node back, remove the backups."""

from __future__ import annotations

from typing import Any

import pandas as pd

from xmpaudit.aem.client import AemClient
from xmpaudit.core.errors import AemError
from xmpaudit.core.jcrpath import common_ancestor
from xmpaudit.read.hits import metadata_child
from xmpaudit.read.path_reads import fetch_assets
from xmpaudit.write import journal as events
from xmpaudit.write.outcomes import Outcome
from xmpaudit.write.plan import Node, PlannedChange, current_node, metadata_path
from xmpaudit.write.run_book import RunBook
from xmpaudit.write.sling_params import MAX_PARAMS_PER_POST_MULTIPART, import_node

# an uncertain write's read-back without a backup and with a node that is neither the previewed nor the planned one
NEITHER = ("the node is neither as it was nor as planned: another writer changed it meanwhile, or the write did not "
           "land exactly; left as it is, preview again")
BACKUP_GONE = ("this run's backup of the node it replaced was removed by someone else before the run checked it "
               "(another user's cleanup?): what this run wrote is kept, not verified; the node it replaced is in "
               "the journal (undo restores it)")
PUT_BACK_PREFIX = "another writer changed the XMP node between the check and the write"


def keep_unread(book: RunBook, changes: list[PlannedChange], exc: AemError) -> None:
    """The read-back failed: every row unverified, and every backup (only a node that was there has one) kept."""
    moved_aside = [c for c in changes if c.before is not None]
    for change in changes:
        book.update(change.asset, verified=pd.NA, reason=f"not verified: reading back failed ({exc})")
    for change in moved_aside:
        book.update(change.asset, backup_left=book.backup(change))
    book.append([book.note(events.BACKUP_LEFT, c, backup=book.backup(c), error=f"kept: reading back failed ({exc})")
                 for c in moved_aside])


def keep_backups(book: RunBook, changes: list[PlannedChange], error: str) -> None:
    """Keep the backups of ``changes`` (they may hold the only copy of the node replaced): on their rows and
    journaled as left, with the path."""
    for change in changes:
        book.update(change.asset, backup_left=book.backup(change))
    book.append([book.note(events.BACKUP_LEFT, c, backup=book.backup(c), error=error) for c in changes])


def backup_gone(book: RunBook, change: PlannedChange, records: list[dict[str, Any]]) -> None:
    """Our backup is gone, removed by someone else: the asset stops here, what we wrote stays."""
    book.update(change.asset, outcome=Outcome.CONFLICT, verified=False, reason=BACKUP_GONE)
    records.append(book.note(events.CONFLICT, change, theirs=None, reason=BACKUP_GONE, backup_gone=True))


def settle_failed_moves(client: AemClient, book: RunBook, changes: list[PlannedChange],
                        hits: dict[str, dict[str, Any]]) -> None:
    """Imports that failed after their node was moved aside: a backup still there goes back into an empty place,
    or is kept (journaled as left) when that fails or another node is in its place."""
    keep: dict[str, list[PlannedChange]] = {}
    records = []
    for change in changes:
        hit = hits.get(change.asset)
        backup = book.backup(change)
        if hit is None or backup_of(hit, backup) is None:
            continue
        if current_node(hit, book.plan.arguments) is not None:
            keep.setdefault("kept: another node is in the place of the node it holds", []).append(change)
            continue
        error = put_back_backup(client, backup, change.node_path)
        if error:
            keep.setdefault(error, []).append(change)
        else:
            book.update(change.asset, reason=f"{book.reason(change.asset)}; the node as it was is back in place")
            records.append(book.note(events.BACKUP_PUT_BACK, change, backup=backup))
    book.append(records)
    for error, kept in keep.items():
        keep_backups(book, kept, error)


def settle_uncertain(book: RunBook, change: PlannedChange, theirs: Node | None, current: Node | None,
                     records: list[dict[str, Any]]) -> bool:
    """An uncertain POST, read back: True when it landed (the row becomes applied), False when the row is settled
    here as not applied or as left alone (neither as it was nor as planned)."""
    if theirs is not None or current == change.after:
        book.update(change.asset, outcome=Outcome.APPLIED, reason="")
        records.append(book.note(events.APPLIED, change))
        return True
    said = book.reason(change.asset)
    if current == change.before:
        book.update(change.asset, outcome=Outcome.FAILED, verified=False, reason=f"{said} (read back: not applied)")
        records.append(book.note(events.FAILED, change, error="not applied (read back)"))
    else:  # another writer's node, or ours not written exactly: whose is unknown, so it is left alone
        book.update(change.asset, verified=False, reason=f"{said} (read back: {NEITHER})")
        records.append(book.note(events.MISMATCH, change, found=current, reason=book.reason(change.asset)))
    return False


def settle_conflict(client: AemClient, book: RunBook, change: PlannedChange, theirs: Node | None,
                    current: Node | None, records: list[dict[str, Any]]) -> None:
    """Another writer changed the node between the check and the write: their node is put back."""
    backup = book.backup(change)
    reason, kept = put_back(client, change, theirs, backup, current)
    book.update(change.asset, outcome=Outcome.CONFLICT, verified=False, reason=reason)
    records.append(book.note(events.CONFLICT, change, theirs=theirs, reason=reason))
    if kept:  # their node stays in the backup: reported as left, never removed here
        book.update(change.asset, backup_left=backup)
        records.append(book.note(events.BACKUP_LEFT, change, backup=backup, error=kept, holds_theirs=True))


def backup_of(hit: dict[str, Any], backup: str) -> Node | None:
    """The node at ``backup`` in one asset hit's metadata (None when there is none)."""
    return metadata_child(hit, backup.rsplit("/", 1)[-1])


def report_left(book: RunBook, left: dict[str, str], changes: dict[str, PlannedChange]) -> None:
    """Record backups that could not be removed on their rows and in the journal (undo and cleanup find them)."""
    records = []
    for backup, error in left.items():
        change = changes[backup]
        book.update(change.asset, backup_left=backup)
        records.append(book.note(events.BACKUP_LEFT, change, backup=backup, error=error))
    book.append(records)


def put_back(client: AemClient, change: PlannedChange, theirs: Node | None, backup: str,
             current: Node | None) -> tuple[str, str]:
    """Undo our write where another writer changed the node in between: their node goes back in place. The
    reason, and why the backup is kept ('' when it is not: put back, or there was none)."""
    try:
        if theirs is not None:
            client.sling_post(backup, [(":operation", "move"), (":dest", change.node_path), (":replace", "true")])
        elif current is not None:
            client.sling_post(metadata_path(change.asset), [(":operation", "delete"), (":applyTo", change.node_path)])
    except AemError as exc:
        if theirs is not None:
            return (f"{PUT_BACK_PREFIX}; putting it back failed ({exc}): their node is kept at {backup}",
                    f"kept: putting their node back failed ({exc})")
        return f"{PUT_BACK_PREFIX}; putting it back failed ({exc}): their deletion could not be restored", ""
    return f"{PUT_BACK_PREFIX}; their version was put back (preview again)", ""


def put_back_backup(client: AemClient, backup: str, node_path: str) -> str:
    """Move a backup back into its node's empty place: '' or why not (then it stays where it is)."""
    try:
        client.sling_post(backup, [(":operation", "move"), (":dest", node_path), (":replace", "false")])
    except AemError as exc:
        return f"kept: putting it back at {node_path} failed ({exc})"
    return ""


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


def repair(client: AemClient, book: RunBook, wrong: list[PlannedChange]) -> tuple[set[str], set[str], str]:
    """Rewrite ``wrong`` once with an import and read them again: (still wrong, gone, why unknown: '' if read)."""
    for change in wrong:
        try:
            import_node(client, change)
        except AemError as exc:
            book.update(change.asset, reason=f"repair failed: {exc}")
    if not wrong:
        return set(), set(), ""
    try:
        again = fetch_assets(client, [c.asset for c in wrong], args=book.plan.arguments)
    except AemError as exc:
        return set(), set(), f"not verified: reading back the repair failed ({exc})"
    gone = {c.asset for c in wrong if c.asset not in again}
    still_wrong = gone | {c.asset for c in wrong
                          if c.asset not in gone and current_node(again[c.asset], book.plan.arguments) != c.after}
    return still_wrong, gone, ""


def verify(client: AemClient, book: RunBook, applied: list[PlannedChange], hits: dict[str, dict[str, Any]]) -> None:
    """Compare every applied node with what was meant; rewrite mismatches once with an import and read again.
    A failing read leaves the rows unverified (NA, with the reason) instead of raising."""
    wrong = [c for c in applied if current_node(hits[c.asset], book.plan.arguments) != c.after]
    still_wrong, gone, unknown = repair(client, book, wrong)
    rewritten = {c.asset for c in wrong}
    records = []
    for change in applied:
        repaired_now = change.asset in rewritten
        if unknown and repaired_now:
            book.update(change.asset, verified=pd.NA, reason=unknown)
            continue
        ok = change.asset not in still_wrong
        book.update(change.asset, verified=ok)
        if not ok and not book.reason(change.asset):
            book.update(change.asset, reason="asset disappeared during the repair (deleted or moved meanwhile)"
                        if change.asset in gone else
                        "written, but it reads back different from the plan after one repair")
        book.update(change.asset, repaired=repaired_now and ok)
        event = events.REPAIRED if repaired_now and ok else events.VERIFIED if ok else events.MISMATCH
        extra = {"reason": book.reason(change.asset)} if event == events.MISMATCH else {}
        records.append(book.note(event, change, **extra))
    book.append(records)
