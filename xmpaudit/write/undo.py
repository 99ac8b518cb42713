"""Undo: a plan that restores the nodes a journaled run changed."""

from __future__ import annotations

from xmpaudit.aem.client import AemClient
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import ConfigError
from xmpaudit.read.folder_reads import read_assets
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import PlannedChange, SyncPlan, current_node, skipped_frame


def plan_undo(client: AemClient, journal: Journal, run: str | None = None) -> SyncPlan:
    """Dry run of undoing a journaled run (default: the latest sync run): each node goes back to its
    journaled ``before``. Assets whose node changed since that run are skipped, as are ones never written."""
    run = run or journal.last_run("sync")
    if run is None:
        raise ConfigError(f"Journal {journal.path} has no sync run to undo")
    intents = journal.intents(run)
    sequence_name = intents[0]["node_path"].rsplit("/", 1)[-1]
    args = SyncArguments(sequence_name=sequence_name)
    hits = read_assets(client, [r["asset"] for r in intents], args=args)
    changes, skipped = [], []
    for record in intents:
        hit = hits.get(record["asset"])
        current = current_node(hit, args) if hit else None
        if hit is None:
            skipped.append({"asset": record["asset"], "reason": "asset no longer exists"})
        elif current == record["before"]:
            skipped.append({"asset": record["asset"], "reason": "already as before the run (not applied)"})
        elif current != record["after"]:
            skipped.append({"asset": record["asset"], "reason": "XMP node changed after the run; not undone"})
        else:
            changes.append(PlannedChange(record["asset"], record["node_path"], "undo", current, record["before"]))
    return SyncPlan(changes, skipped_frame(skipped), args, kind="undo", undoes=run)
