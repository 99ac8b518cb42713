"""The guard read: right before a batch is written, which of its changes still read as previewed (and why not)."""

from __future__ import annotations

from typing import Any

from xmpaudit.aem.client import AemClient
from xmpaudit.core.errors import AemError
from xmpaudit.read.path_reads import fetch_assets
from xmpaudit.read.snapshot import Snapshot
from xmpaudit.write.plan import Node, PlannedChange, SyncPlan, blocked_slot, current_node, desired_nodes


def still_as_previewed(client: AemClient, batch: list[PlannedChange], plan: SyncPlan
                       ) -> tuple[list[PlannedChange], dict[str, str]]:
    """Read ``batch``'s assets by path: the changes still as previewed, and the others' skip reasons."""
    try:
        fresh = fetch_assets(client, [c.asset for c in batch], args=plan.arguments)
    except AemError as exc:
        return [], {c.asset: f"could not read the asset before writing: {exc}" for c in batch}
    return as_previewed(batch, fresh, plan)


def as_previewed(batch: list[PlannedChange], fresh: dict[str, dict[str, Any]], plan: SyncPlan
                 ) -> tuple[list[PlannedChange], dict[str, str]]:
    """The changes whose asset reads in ``fresh`` as previewed, and the others' skip reasons."""
    desired = {}
    if plan.kind == "sync":
        desired = desired_nodes(Snapshot.from_hits(fresh.values(), plan.arguments), plan.arguments)
    ready, skipped = [], {}
    for change in batch:
        reason = stale_reason(change, fresh.get(change.asset), desired, plan)
        if reason:
            skipped[change.asset] = reason
        else:
            ready.append(change)
    return ready, skipped


def stale_reason(change: PlannedChange, hit: dict[str, Any] | None, desired: dict[str, Node | None],
                 plan: SyncPlan) -> str:
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
