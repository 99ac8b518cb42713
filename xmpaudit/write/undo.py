"""Undo: a plan that restores the nodes a journaled run changed (all of them, or only the given assets)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from xmpaudit.aem.client import AemClient
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import ConfigError
from xmpaudit.core.jcrpath import validate_path
from xmpaudit.read.folder_reads import read_assets
from xmpaudit.read.hits import metadata_child
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import PlannedChange, SyncPlan, current_node, skipped_frame


def journaled_arguments(intents: list[dict[str, Any]]) -> SyncArguments:
    """The arguments a run was written with: journaled on its intent records (as the step's key=value lines);
    a journal from before they were recorded gives only the node name, the other arguments are the defaults."""
    text = intents[0].get("arguments")
    if isinstance(text, str) and text:
        return SyncArguments.from_process_args(text)
    return SyncArguments(sequence_name=intents[0]["node_path"].rsplit("/", 1)[-1])


def plan_undo(client: AemClient, journal: Journal, run: str | None = None,
              assets: Iterable[str] | None = None) -> SyncPlan:
    """Dry run of undoing a journaled run (default: the latest sync run): each node goes back to its journaled
    ``before``, read and written with the arguments the run was journaled with. With ``assets`` only those are
    undone (an asset the run did not write is skipped with that reason). Assets whose node changed since that
    run are skipped, as are ones never written."""
    if run is not None and not run.strip():
        raise ConfigError("No run id given (an empty --run): name the run to undo (its id is in the journal: "
                          "Journal(path).runs())")
    run = run or journal.last_run("sync")
    if run is None:
        raise ConfigError(f"Journal {journal.path} has no sync run to undo")
    intents = journal.intents(run)
    args = journaled_arguments(intents)
    skipped: list[dict[str, str]] = []
    if assets is not None:
        wanted = list(dict.fromkeys(validate_path(str(a)) for a in assets))
        if not wanted:
            raise ConfigError(f"No assets chosen to undo from run {run}")
        chosen = set(wanted)
        intents = [r for r in intents if r["asset"] in chosen]
        written = {r["asset"] for r in intents}
        skipped += [{"asset": a, "reason": f"not written by run {run}; nothing to undo"}
                    for a in wanted if a not in written]
    hits = read_assets(client, [r["asset"] for r in intents], args=args) if intents else {}
    changes = []
    for record in intents:
        hit = hits.get(record["asset"])
        current = current_node(hit, args) if hit else None
        if hit is None:
            skipped.append({"asset": record["asset"], "reason": "asset no longer exists"})
        elif current is None and record["before"] is not None and metadata_child(
                hit, str(record.get("backup", "")).rsplit("/", 1)[-1]) == record["before"]:
            # the run moved the node aside and never wrote (it crashed, or its write failed): restore it
            changes.append(PlannedChange(record["asset"], record["node_path"], "undo", None, record["before"]))
        elif current == record["before"]:
            skipped.append({"asset": record["asset"], "reason": "already as before the run (not applied)"})
        elif current != record["after"]:
            skipped.append({"asset": record["asset"], "reason": "XMP node changed after the run; not undone"})
        else:
            changes.append(PlannedChange(record["asset"], record["node_path"], "undo", current, record["before"]))
    return SyncPlan(changes, skipped_frame(skipped), args, kind="undo", undoes=run)
