"""Sling POST parameters for XMP array nodes: plain and guarded (@MoveFrom backup) writes, in batches Sling takes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from xmpaudit.aem.client import AemClient
from xmpaudit.core.jcrpath import common_ancestor, relative_to
from xmpaudit.write.plan import Node, PlannedChange, metadata_path

MAX_PARAMS_PER_POST = 900  # x-www-form-urlencoded: below Jetty's default 1000 form keys
MAX_BODY_BYTES = 150_000  # x-www-form-urlencoded: below Jetty's default 200,000-byte form size


# multipart/form-data is parsed by Sling itself: no container form limits, but past 10,000 parameters Sling drops
# the rest silently (tests/contract/test_form_limits_contract.py, on AEM `sling.max.parameters`, default 10,000):
# stay 10% below. Bodies stay at a size no front proxy is known to refuse.
MAX_PARAMS_PER_POST_MULTIPART = 9_000
MAX_BODY_BYTES_MULTIPART = 2_000_000
MULTIPART_BYTES_PER_PARAM = 100  # boundary line and Content-Disposition header of one part
BACKUP_PREFIX = "xmpaudit-backup-"


def _value_params(name: str, value: Any) -> list[tuple[str, str]]:
    if isinstance(value, bool):
        return [(name, "true" if value else "false"), (f"{name}@TypeHint", "Boolean")]
    if isinstance(value, int):
        return [(name, str(value)), (f"{name}@TypeHint", "Long")]
    if isinstance(value, float):
        return [(name, repr(value)), (f"{name}@TypeHint", "Double")]
    if isinstance(value, list):
        kind = "Boolean" if value and isinstance(value[0], bool) else "Long" if value and isinstance(
            value[0], int) else "Double" if value and isinstance(value[0], float) else "String"
        return [(name, json.dumps(v) if kind == "Boolean" else str(v)) for v in value] + [
            (f"{name}@TypeHint", f"{kind}[]")]
    return [(name, str(value))]  # String is Sling's default; the node was just deleted, so no old type applies


def node_params(prefix: str, node: Node | None) -> list[tuple[str, str]]:
    """Sling POST parameters that delete the node at ``prefix`` and rebuild it as ``node`` (typed)."""
    params = [(f"{prefix}@Delete", "")]
    if node is not None:
        params += _build_params(prefix, node)
    return params


def _build_params(prefix: str, node: Node) -> list[tuple[str, str]]:
    params = [(f"{prefix}/jcr:primaryType", str(node.get("jcr:primaryType", "nt:unstructured")))]
    for key, value in node.items():
        if key == "jcr:primaryType" or isinstance(value, dict):
            continue
        params += _value_params(f"{prefix}/{key}", value)
    for key, value in node.items():
        if isinstance(value, dict):
            params += _build_params(f"{prefix}/{key}", value)
    return params


def plan_batches(changes: list[PlannedChange], batch_assets: int, *, multipart: bool = False
             ) -> list[list[PlannedChange]]:
    """Groups of changes that fit one POST (assets, parameter count and body size capped for the encoding)."""
    max_params = MAX_PARAMS_PER_POST_MULTIPART if multipart else MAX_PARAMS_PER_POST
    max_bytes = MAX_BODY_BYTES_MULTIPART if multipart else MAX_BODY_BYTES
    batches: list[list[PlannedChange]] = []
    current: list[PlannedChange] = []
    params = size = 0
    for change in sorted(changes, key=lambda c: c.asset):
        cost = node_params(change.node_path, change.after)  # the @Delete stands in for the guard's @MoveFrom
        per_param = MULTIPART_BYTES_PER_PARAM if multipart else 2
        cost_size = (sum(len(k.encode()) + len(v.encode()) + per_param for k, v in cost)
                     + len(change.node_path) + len(BACKUP_PREFIX) + 8)
        if current and (len(current) >= batch_assets or params + len(cost) > max_params
                        or size + cost_size > max_bytes):
            batches.append(current)
            current, params, size = [], 0, 0
        current.append(change)
        params += len(cost)
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
        params += _build_params(relative_to(change.node_path, parent), change.after)
    return params


@dataclass(frozen=True)
class GuardedWrite:
    """What one guarded batch POST did, from Sling's answer: ghost nodes it created and nodes it moved aside."""

    ghosts: dict[str, str]  # asset -> topmost node the POST created at or above its metadata node
    moved: set[str]  # node paths that existed at POST time and were moved to their backup


def guarded_post(client: AemClient, changes: list[PlannedChange], run: str, *, multipart: bool = False
                 ) -> GuardedWrite:
    """One Sling POST to the assets' common parent writing every change guarded (see ``guarded_params``)."""
    parent = common_ancestor(c.asset for c in changes)
    params: list[tuple[str, str]] = []
    for change in changes:
        params += guarded_params(parent, change, backup_path(change, run))
    body = client.sling_post(parent, params, multipart=multipart)
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


def import_node(client: AemClient, change: PlannedChange) -> None:
    """Write one node with ``:operation=import`` (used to repair what a batch did not write exactly)."""
    parent, _, name = change.node_path.rpartition("/")
    if change.after is None:
        client.sling_post(parent, [(":operation", "delete"), (":applyTo", change.node_path)])
        return
    client.sling_post(parent, [
        (":operation", "import"), (":contentType", "json"), (":name", name), (":replace", "true"),
        (":replaceProperties", "true"), (":content", json.dumps(change.after, ensure_ascii=False)),
    ])
