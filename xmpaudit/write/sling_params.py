"""Sling POST parameters for XMP array nodes: plain and guarded (@MoveFrom backup) writes, in batches Sling takes."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from xmpaudit.aem.client import AemClient
from xmpaudit.core.errors import AemError, AemUncertainOutcomeError, UsageError
from xmpaudit.core.jcrpath import common_ancestor, relative_to
from xmpaudit.write.plan import Node, PlannedChange, metadata_path
from xmpaudit.write.write_routes import (
    BACKUP_PREFIX,
    BATCH,
    IMPORT,
    MAX_PARAMS_PER_POST_MULTIPART,
    REFUSED,
    build_params,
    params_cost,
    post_limits,
    refusal,
    route,
)

__all__ = ["BACKUP_PREFIX", "MAX_PARAMS_PER_POST_MULTIPART", "GuardedWrite", "backup_path", "batch_post",
           "guarded_params", "guarded_post", "import_node", "node_params", "plan_batches"]


def node_params(prefix: str, node: Node | None) -> list[tuple[str, str]]:
    """Sling POST parameters that delete the node at ``prefix`` and rebuild it as ``node`` (typed)."""
    params = [(f"{prefix}@Delete", "")]
    if node is not None:
        params += build_params(prefix, node)
    return params


def plan_batches(changes: list[PlannedChange], batch_assets: int, *, multipart: bool = False
             ) -> list[list[PlannedChange]]:
    """Groups of changes that fit one POST (assets, parameter count and body size capped for the encoding); a
    change that must travel on its own (``write_routes.route``) is a group of its own."""
    max_params, max_bytes = post_limits(multipart)
    batches: list[list[PlannedChange]] = []
    current: list[PlannedChange] = []
    params = size = 0
    for change in sorted(changes, key=lambda c: c.asset):
        if route(change, multipart=multipart) != BATCH:
            batches.append([change])
            continue
        cost, cost_size = params_cost(change, multipart=multipart)
        if current and (len(current) >= batch_assets or params + cost > max_params or size + cost_size > max_bytes):
            batches.append(current)
            current, params, size = [], 0, 0
        current.append(change)
        params += cost
        size += cost_size
    if current:
        batches.append(current)
    return batches


def batch_post(client: AemClient, changes: list[PlannedChange]) -> dict[str, Any]:
    """One plain Sling POST (delete and rebuild, no guard) to the changes' common parent; kept for tools and
    tests that write nodes directly. ``apply_plan`` uses the guarded ``guarded_post``."""
    parent = common_ancestor(c.node_path for c in changes)
    params: list[tuple[str, str]] = []
    for change in changes:
        params += node_params(relative_to(change.node_path, parent), change.after)
    return client.sling_post(parent, params)


def backup_path(change: PlannedChange, run: str) -> str:
    """Where a run's guarded write moves the node it replaces (a sibling of the XMP node, removed after checking)."""
    return f"{metadata_path(change.asset)}/{BACKUP_PREFIX}{run.rsplit('-', 1)[-1]}"


def guarded_params(parent: str, change: PlannedChange, backup: str) -> list[tuple[str, str]]:
    """Sling POST parameters that move whatever node is there now to ``backup`` and build ``after`` in its place.
    Sling applies every ``@MoveFrom`` before writing content, in the same save: the replaced node is captured
    exactly as it was at that moment (a missing one is skipped silently)."""
    params = [(f"{relative_to(backup, parent)}@MoveFrom", change.node_path)]
    if change.after is not None:
        params += build_params(relative_to(change.node_path, parent), change.after)
    return params


@dataclass(frozen=True)
class GuardedWrite:
    """What one guarded batch POST did, from Sling's answer: ghost nodes it created and nodes it moved aside."""

    ghosts: dict[str, str]  # asset -> topmost node the POST created at or above its metadata node
    moved: set[str]  # node paths that existed at POST time and were moved to their backup


def _guarded_write(body: dict[str, Any], changes: list[PlannedChange]) -> GuardedWrite:
    created, moved = set(), set()
    for item in body.get("changes") or []:
        if not isinstance(item, dict):
            continue
        argument = item.get("argument")
        if item.get("type") == "created" and isinstance(argument, str):
            created.add(argument)
        elif item.get("type") == "moved" and isinstance(argument, list) and argument:
            moved.add(str(argument[0]))
    ghosts = {}
    for change in changes:
        ancestors = (change.asset, f"{change.asset}/jcr:content", metadata_path(change.asset))
        top = next((path for path in ancestors if path in created), None)
        if top is not None:
            ghosts[change.asset] = top
    return GuardedWrite(ghosts, moved)


def guarded_post(client: AemClient, changes: list[PlannedChange], run: str, *, multipart: bool = False
                 ) -> GuardedWrite:
    """One guarded Sling POST (see ``guarded_params``) for a batch from ``plan_batches``: to the assets' common
    parent; a change that must travel alone goes to its own metadata node (the path in the URL) or, when too big
    for one POST, is moved aside and imported whole (``import_guarded``)."""
    way = route(changes[0], multipart=multipart) if len(changes) == 1 else BATCH
    if way != BATCH:
        change = changes[0]
        if way == REFUSED:
            raise AemError(refusal(change))
        if way == IMPORT:
            return import_guarded(client, change, run)
        parent = metadata_path(change.asset)
        return _guarded_write(client.sling_post(parent, guarded_params(parent, change, backup_path(change, run)),
                                                multipart=multipart), changes)
    alone = [c.asset for c in changes if route(c, multipart=multipart) != BATCH]
    if alone:
        raise UsageError(f"guarded_post: {alone[0]} must be written on its own (use plan_batches)")
    parent = common_ancestor(c.asset for c in changes)
    params: list[tuple[str, str]] = []
    for change in changes:
        params += guarded_params(parent, change, backup_path(change, run))
    return _guarded_write(client.sling_post(parent, params, multipart=multipart), changes)


def _import_params(change: PlannedChange, *, replace: bool) -> list[tuple[str, str]]:
    name = change.node_path.rpartition("/")[2]
    return [(":operation", "import"), (":contentType", "json"), (":name", name),
            (":replace", "true" if replace else "false"), (":replaceProperties", "true"),
            (":content", json.dumps(change.after, ensure_ascii=False))]


def import_guarded(client: AemClient, change: PlannedChange, run: str) -> GuardedWrite:
    """A node too big for one modify POST (or with names no field name carries): move the node there now to the
    backup (one POST, the path in the URL), then import the whole node as one JSON value in one save — it is
    written whole or not at all. When the import fails, the node is put back and the failure raised."""
    parent = metadata_path(change.asset)
    backup = backup_path(change, run)
    move_aside = guarded_params(parent, replace(change, after=None), backup)
    done = _guarded_write(client.sling_post(parent, move_aside, multipart=True), [change])
    if done.ghosts or change.after is None:
        return done
    try:
        client.sling_post(parent, _import_params(change, replace=False), multipart=True)
    except AemUncertainOutcomeError:
        raise  # it may have been written: the read-back settles it
    except AemError as exc:
        exc.args = (f"{exc}; {_put_back(client, change, backup, done)}", *exc.args[1:])
        raise
    return done


def _put_back(client: AemClient, change: PlannedChange, backup: str, done: GuardedWrite) -> str:
    """After a failed import: the node moved aside goes back in place (unless another node is there now)."""
    if change.node_path not in done.moved:
        return "nothing had been there before, nothing was written"
    try:
        client.sling_post(backup, [(":operation", "move"), (":dest", change.node_path), (":replace", "false")])
    except AemError as exc:
        return f"putting the node back failed ({exc}): it is kept at {backup}"
    return "the node as it was is back in place"


def import_node(client: AemClient, change: PlannedChange) -> None:
    """Write one node with ``:operation=import`` (used to repair what a batch did not write exactly); multipart,
    so no form limit of a servlet container or proxy cuts a large node."""
    parent = change.node_path.rpartition("/")[0]
    if change.after is None:
        client.sling_post(parent, [(":operation", "delete"), (":applyTo", change.node_path)])
        return
    client.sling_post(parent, _import_params(change, replace=True), multipart=True)
