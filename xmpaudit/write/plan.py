"""The preview of a sync: per asset, the XMP array node the ACS process would write and what is there now."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import pandas as pd

from xmpaudit.aem.client import AemClient
from xmpaudit.aem.namespaces import name_problem, registered_prefixes
from xmpaudit.audit.compare import audit, invalid_reasons
from xmpaudit.audit.expected import expected_tags, in_the_way
from xmpaudit.core.acs import SMART_TAGS_NODE, SyncArguments, expected_xmp_node
from xmpaudit.core.errors import ConfigError
from xmpaudit.core.jcrpath import validate_path
from xmpaudit.read.binary_properties import binary_properties, binary_reason, slot_value
from xmpaudit.read.deep_nodes import incomplete_reason
from xmpaudit.read.folder_reads import read_assets
from xmpaudit.read.hits import hit_metadata, metadata_child
from xmpaudit.read.snapshot import Snapshot

Node = dict[str, Any]
NOTHING_TO_DO = "nothing to do"  # a skip that leaves the asset as wanted (in sync, nothing to sync, undone already)


def metadata_path(asset: str) -> str:
    return f"{asset}/jcr:content/metadata"


@dataclass(frozen=True)
class PlannedChange:
    """One asset's XMP array node: what is there now (None = absent) and what will be written (None = delete)."""

    asset: str
    node_path: str
    status: str
    before: Node | None
    after: Node | None

    def diff_text(self) -> str:
        """A unified diff of the node before and after, as pretty JSON."""
        def lines(node: Node | None) -> list[str]:
            return [] if node is None else json.dumps(node, indent=2, ensure_ascii=False).splitlines()

        return "\n".join(
            difflib.unified_diff(lines(self.before), lines(self.after), f"{self.node_path} (now)",
                                 f"{self.node_path} (after sync)", lineterm="")
        )


@dataclass
class SyncPlan:
    """The dry run: changes that would be written, and assets skipped with the reason."""

    changes: list[PlannedChange]
    skipped: pd.DataFrame
    arguments: SyncArguments
    kind: str = "sync"
    undoes: str | None = None
    arguments_from_aem: bool = False  # read from the workflow model (not given): a write checks they still hold
    created_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))

    def __len__(self) -> int:
        return len(self.changes)

    def to_frame(self) -> pd.DataFrame:
        """One row per change: asset, status, action, tags now and after."""
        rows = [
            {
                "asset": c.asset,
                "status": c.status,
                "action": "delete" if c.after is None else ("create" if c.before is None else "replace"),
                "tags_now": _item_count(c.before),
                "tags_after": _item_count(c.after),
            }
            for c in self.changes
        ]
        return pd.DataFrame(rows, columns=["asset", "status", "action", "tags_now", "tags_after"])

    def diff_text(self, limit: int | None = None) -> str:
        """Unified diffs of the first ``limit`` changes."""
        return "\n\n".join(c.diff_text() for c in self.changes[:limit])

    def summary(self) -> str:
        actions = self.to_frame()["action"].value_counts().to_dict()
        parts = ", ".join(f"{n} {a}" for a, n in sorted(actions.items())) or "nothing to write"
        return f"{self.kind} plan: {parts}; {len(self.skipped)} skipped"

    def _repr_html_(self) -> str:
        return f"<p><b>{self.summary()}</b></p>" + self.to_frame().to_html(max_rows=50, index=False)


def _item_count(node: Node | None) -> int:
    return 0 if node is None else sum(isinstance(v, dict) for v in node.values())


def skipped_frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["asset", "reason"]).astype("string")


def current_node(hit: dict[str, Any], args: SyncArguments) -> Node | None:
    return metadata_child(hit, args.sequence_name)


def _nodes_for(expected: pd.DataFrame, paths: Iterable[str], invalid: set[str], args: SyncArguments
               ) -> dict[str, Node | None]:
    """The node the process would write per asset from its expected tags (None where it would fail)."""
    grouped = {
        asset: list(zip(group["name"].tolist(), group["confidence"].tolist(), strict=True))
        for asset, group in expected.groupby("asset", sort=False)
    }
    return {path: None if path in invalid else expected_xmp_node(grouped.get(path, []), args) for path in paths}


def desired_nodes(snapshot: Snapshot, args: SyncArguments) -> dict[str, Node | None]:
    """The node the process would write for each asset of ``snapshot`` (None where it would fail)."""
    expected = expected_tags(snapshot.smart_tags, args.minimum_confidence)
    assets = snapshot.assets.set_index("path", drop=False)
    invalid = set(assets.index[invalid_reasons(assets, expected, args).notna().to_numpy()])
    return _nodes_for(expected, assets.index, invalid, args)


def plan_sync(
    client: AemClient,
    assets: list[str] | pd.Series | pd.DataFrame,
    args: SyncArguments,
    *,
    include_in_sync: bool = False,
    folder_pages: bool = True,
) -> SyncPlan:
    """Dry run for the chosen assets: read their current state (folder pages where many of a folder's assets are
    chosen, batched path queries for the rest), compute the node the ACS process would write, and list what would
    change. Invalid, deleted and in-sync assets are skipped."""
    if isinstance(assets, pd.DataFrame):
        assets = assets["path"]
    paths = list(dict.fromkeys(validate_path(str(p)) for p in assets))
    refuse_run(client, args)
    hits = read_assets(client, paths, folder_pages=folder_pages, args=args)
    result = audit(Snapshot.from_hits(hits.values(), args), args)
    audited = result.assets
    invalid = set(audited.loc[audited["status"] == "invalid", "path"])
    desired = _nodes_for(result.expected, hits, invalid, args)
    status = dict(zip(audited["path"], audited["status"].astype(str), strict=True))
    reasons = dict(zip(audited["path"], audited["reason"], strict=True))
    changes, skipped = [], []
    for path in paths:
        if path not in hits:
            skipped.append({"asset": path, "reason": "asset no longer exists (deleted or moved since inventory)"})
        elif refused := unrestorable_node(hits[path], args):
            skipped.append({"asset": path, "reason": refused})
        elif status[path] == "invalid":
            skipped.append({"asset": path, "reason": str(reasons[path])})
        elif status[path] in ("in_sync", "no_smart_tags") and not include_in_sync:
            skipped.append({"asset": path, "reason": f"{NOTHING_TO_DO} ({status[path]})"})
        else:
            before = current_node(hits[path], args)
            changes.append(PlannedChange(path, f"{metadata_path(path)}/{args.sequence_name}", status[path],
                                         before, desired[path]))
    return SyncPlan(changes, skipped_frame(skipped), args)


def destructive_sequence_name(args: SyncArguments) -> str:
    """Why writing ``args.sequence_name`` would destroy data on every asset, whatever is there ('' when it would
    not): the smart tags node itself or JCR's own items (``jcr:primaryType`` …)."""
    name = args.sequence_name
    if name == SMART_TAGS_NODE:
        return f"sequenceName={name} is the smart tags node itself; syncing would replace the smart tags"
    if name.startswith("jcr:"):
        return f"sequenceName={name} is in the jcr: namespace of the repository's own items; syncing would replace it"
    return ""


def unwritable_arguments(client: AemClient, args: SyncArguments) -> str:
    """Why the repository would refuse the node sync writes at sequenceName on every asset ('' when it takes it):
    characters JCR forbids, or a namespace prefix it has not registered. (Item properties with an unregistered
    prefix are stored escaped by Sling and by the ACS process alike: docs/facts.md.)"""
    problem = name_problem(args.sequence_name, registered_prefixes(client))
    return f"sequenceName: {problem}; the ACS process fails on every asset too" if problem else ""


def refuse_run(client: AemClient, args: SyncArguments) -> None:
    """ConfigError (one line) when the arguments are destructive or would fail on every asset; else nothing."""
    refused = destructive_sequence_name(args) or unwritable_arguments(client, args)
    if refused:
        raise ConfigError(f"Refusing to sync: {refused}. Nothing was written.")


def unrestorable_node(hit: dict[str, Any], args: SyncArguments) -> str:
    """Why the XMP node of this asset (a hit from ``read/``, whose readers complete deep nodes) could not be
    journaled and restored exactly, so no write may replace it ('' when it can): it could not be read to its full
    depth, or it holds a Binary property."""
    node = current_node(hit, args)
    if node is None:
        return ""
    return incomplete_reason(hit, args.sequence_name) or binary_reason(args, binary_properties(node))


def blocked_slot(hit: dict[str, Any], args: SyncArguments) -> str:
    """Why this asset's ``sequenceName`` slot holds something sync must not replace ('' when it may), in the
    audit's words (``audit.expected.in_the_way``), or a node no write could restore (``unrestorable_node``)."""
    return in_the_way(slot_value(hit_metadata(hit), args.sequence_name), args) or unrestorable_node(hit, args)
