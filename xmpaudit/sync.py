"""Write the XMP array node exactly as the ACS process would: dry-run plan, batched apply, verify, undo.

Every change is journaled (before/after) before it is sent; undo restores the journaled ``before``.
"""

from __future__ import annotations

import difflib
import json
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import pandas as pd

from . import journal as events
from .acs import SMART_TAGS_NODE, SyncArguments, expected_xmp_node
from .audit import audit, expected_tags, invalid_reasons
from .client import AemClient
from .errors import AemAuthError, AemError, AemUncertainOutcomeError, ConfigError
from .folder_reads import read_assets, read_by_folder_pages
from .inventory import fetch_assets
from .jcrpath import common_ancestor, parent_of, relative_to, validate_path
from .journal import Journal, new_run_id
from .progress import Progress, ProgressCallback
from .snapshot import Snapshot

MAX_PARAMS_PER_POST = 900  # x-www-form-urlencoded: below Jetty's default 1000 form keys
MAX_BODY_BYTES = 150_000  # x-www-form-urlencoded: below Jetty's default 200,000-byte form size
# multipart/form-data is parsed by Sling itself: no container form limits, but past 10,000 parameters Sling drops
# the rest silently (tests/contract/test_form_limits_contract.py, on AEM `sling.max.parameters`, default 10,000):
# stay 10% below. Bodies stay at a size no front proxy is known to refuse.
MAX_PARAMS_PER_POST_MULTIPART = 9_000
MAX_BODY_BYTES_MULTIPART = 2_000_000
MULTIPART_BYTES_PER_PARAM = 100  # boundary line and Content-Disposition header of one part
DEFAULT_BATCH_ASSETS = 400
DEFAULT_PARALLEL_BATCHES = 4
BACKUP_PREFIX = "xmpaudit-backup-"
Node = dict[str, Any]


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


@dataclass
class ApplyResult:
    """What happened per asset: outcome (applied/skipped/failed), reason, verified, repaired."""

    run: str
    outcomes: pd.DataFrame
    requests: int

    def counts(self) -> dict[str, int]:
        """Assets per outcome: applied, skipped, failed, conflict (another writer in between), uncertain."""
        return {str(k): int(v) for k, v in self.outcomes["outcome"].value_counts().items()}

    @property
    def ok(self) -> bool:
        applied = self.outcomes[self.outcomes["outcome"] == "applied"]
        bad = self.outcomes["outcome"].isin(["failed", "conflict", "uncertain"]).any()
        unverified = applied["reason"].str.startswith("not verified").any()
        return not bad and not unverified and not (applied["verified"] == False).any()  # noqa: E712

    def summary(self) -> str:
        counts = ", ".join(f"{n} {o}" for o, n in sorted(self.counts().items())) or "nothing"
        return f"run {self.run}: {counts}; {self.requests} requests"


def _item_count(node: Node | None) -> int:
    return 0 if node is None else sum(isinstance(v, dict) for v in node.values())


def _skipped_frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["asset", "reason"]).astype("string")


def _current_node(hit: dict[str, Any], args: SyncArguments) -> Node | None:
    metadata = (hit.get("jcr:content") or {}).get("metadata")
    node = metadata.get(args.sequence_name) if isinstance(metadata, dict) else None
    return node if isinstance(node, dict) else None


def _nodes_for(expected: pd.DataFrame, paths: Iterable[str], invalid: set[str], args: SyncArguments
               ) -> dict[str, Node | None]:
    """The node the process would write per asset from its expected tags (None where it would fail)."""
    grouped = {
        asset: list(zip(group["name"].tolist(), group["confidence"].tolist(), strict=True))
        for asset, group in expected.groupby("asset", sort=False)
    }
    return {path: None if path in invalid else expected_xmp_node(grouped.get(path, []), args) for path in paths}


def _desired_nodes(snapshot: Snapshot, args: SyncArguments) -> dict[str, Node | None]:
    """The node the process would write for each asset of ``snapshot`` (None where it would fail)."""
    expected = expected_tags(snapshot.smart_tags, args.minimum_confidence)
    assets = snapshot.assets.set_index("path", drop=False)
    invalid = set(assets.index[invalid_reasons(assets, expected, args).notna().to_numpy()])
    return _nodes_for(expected, assets.index, invalid, args)


def plan_sync(
    client: AemClient,
    assets: list[str] | pd.Series | pd.DataFrame,
    args: SyncArguments | None = None,
    *,
    include_in_sync: bool = False,
    folder_pages: bool = True,
) -> SyncPlan:
    """Dry run for the chosen assets: read their current state (folder pages where many of a folder's assets are
    chosen, batched path queries for the rest), compute the node the ACS process would write, and list what would
    change. Invalid, deleted and in-sync assets are skipped."""
    args = args or SyncArguments()
    if isinstance(assets, pd.DataFrame):
        assets = assets["path"]
    paths = list(dict.fromkeys(validate_path(str(p)) for p in assets))
    hits = read_assets(client, paths, folder_pages=folder_pages, args=args)
    refused = destructive_sequence_name(hits, args)
    if refused:
        raise ConfigError(f"Refusing to sync: {refused}. Nothing was written.")
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
        elif status[path] == "invalid":
            skipped.append({"asset": path, "reason": str(reasons[path])})
        elif status[path] in ("in_sync", "no_smart_tags") and not include_in_sync:
            skipped.append({"asset": path, "reason": f"nothing to do ({status[path]})"})
        else:
            before = _current_node(hits[path], args)
            changes.append(PlannedChange(path, f"{metadata_path(path)}/{args.sequence_name}", status[path],
                                         before, desired[path]))
    return SyncPlan(changes, _skipped_frame(skipped), args)


# -- writing ---------------------------------------------------------------------------------------------


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


def _batches(changes: list[PlannedChange], batch_assets: int, *, multipart: bool = False
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


def _record(run: str, kind: str, event: str, change: PlannedChange, **extra: Any) -> dict[str, Any]:
    record = {"run": run, "kind": kind, "event": event, "asset": change.asset, "node_path": change.node_path}
    if event == events.INTENT:
        record.update(before=change.before, after=change.after, status=change.status,
                      backup=backup_path(change, run))
    record.update(extra)
    return record


def destructive_sequence_name(hits: dict[str, dict[str, Any]], args: SyncArguments) -> str:
    """Why writing ``args.sequence_name`` would destroy data on one of ``hits`` ('' when it would not)."""
    name = args.sequence_name
    if name == SMART_TAGS_NODE:
        return f"sequenceName={name} is the smart tags node itself; syncing would replace the smart tags"
    for path, hit in hits.items():
        metadata = (hit.get("jcr:content") or {}).get("metadata")
        value = metadata.get(name) if isinstance(metadata, dict) else None
        if value is None:
            continue
        if not isinstance(value, dict):
            return f"sequenceName={name} names an existing property on {path}; syncing would delete it"
        if value.get("xmpNodeType") != "xmpArray":
            return f"sequenceName={name} names a node on {path} that is not an XMP array; syncing would replace it"
    return ""


def _frame(outcomes: dict[str, dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(list(outcomes.values()), columns=["asset", "outcome", "reason", "verified", "repaired"])
    frame["reason"] = frame["reason"].fillna("").astype(str)
    frame["verified"] = frame["verified"].astype("boolean")
    frame["repaired"] = frame["repaired"].astype("boolean").fillna(False).astype(bool)
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
        journal.append([_record(run, plan.kind, events.INTENT, c, **extra) for c in ready])
        try:
            done = guarded_post(client, ready, run, multipart=multipart)
        except AemUncertainOutcomeError as exc:
            journal.append([_record(run, plan.kind, events.UNCERTAIN, c, error=str(exc)) for c in ready])
            for c in ready:
                outcomes[c.asset] = {"asset": c.asset, "outcome": "uncertain", "reason": str(exc)}
            with lock:
                uncertain.extend(ready)
        except AemError as exc:
            journal.append([_record(run, plan.kind, events.FAILED, c, error=str(exc)) for c in ready])
            for c in ready:
                outcomes[c.asset] = {"asset": c.asset, "outcome": "failed", "reason": str(exc)}
            if isinstance(exc, AemAuthError):
                state["stopped"] = f"not attempted: the run stopped after a write was refused ({exc})"
        else:
            clean = [c for c in ready if c.asset not in done.ghosts]
            journal.append([_record(run, plan.kind, events.APPLIED, c) for c in clean])
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
                batches = _batches(held.pop(folder, []) + ready, batch_assets, multipart=multipart)
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
        batches = _batches([by_asset[asset] for asset in rest], batch_assets, multipart=multipart)
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
        _settle(client, written, uncertain, journal, run, plan, outcomes, verify=verify,
                workers=max_parallel, folder_pages=folder_pages)
    return ApplyResult(run=run, outcomes=_frame(outcomes), requests=client.request_count - start_requests)


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
        desired = _desired_nodes(Snapshot.from_hits(fresh.values(), plan.arguments), plan.arguments)
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
    try:
        client.sling_post(common_ancestor(tops), [(":operation", "delete")] + [(":applyTo", t) for t in tops])
    except AemError as exc:
        reason = f"asset was deleted between the check and the write; removing the node created there failed: {exc}"
    journal.append([_record(run, plan.kind, events.GHOST_REMOVED, c, ghost=done.ghosts[c.asset], reason=reason)
                    for c in ghosted])
    for change in ghosted:
        outcomes[change.asset] = {"asset": change.asset, "outcome": "conflict", "reason": reason, "verified": False}


def _stale_reason(
    change: PlannedChange, hit: dict[str, Any] | None, desired: dict[str, Node | None], plan: SyncPlan
) -> str:
    """Why a change can no longer be applied as previewed ('' when it can)."""
    if hit is None:
        return "asset no longer exists (deleted or moved since the preview)"
    if _current_node(hit, plan.arguments) != change.before:
        return "XMP node changed since the preview; preview again"
    refused = destructive_sequence_name({change.asset: hit}, plan.arguments)
    if refused:
        return refused
    if plan.kind == "sync" and desired.get(change.asset) != change.after:
        return "smart tags changed since the preview; preview again"
    return ""


def _metadata_child(hit: dict[str, Any], name: str) -> Node | None:
    metadata = (hit.get("jcr:content") or {}).get("metadata")
    node = metadata.get(name) if isinstance(metadata, dict) else None
    return node if isinstance(node, dict) else None


def _settle(client: AemClient, written: list[PlannedChange], uncertain: list[PlannedChange], journal: Journal,
            run: str, plan: SyncPlan, outcomes: dict[str, dict[str, Any]], *, verify: bool, workers: int = 1,
            folder_pages: bool = True) -> None:
    """Read back what was written: settle uncertain POSTs, catch another writer's change in the check→write
    window (conflict: their node is put back), remove the backups, then verify (and repair once)."""
    everything = written + uncertain
    try:
        hits = read_assets(client, [c.asset for c in everything], workers=workers, folder_pages=folder_pages,
                           args=plan.arguments)
    except AemError as exc:
        for change in everything:
            outcomes[change.asset]["verified"] = pd.NA
            outcomes[change.asset]["reason"] = f"not verified: reading back failed ({exc}); backup node kept"
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
            records.append(_record(run, plan.kind, events.MISMATCH, change))
            continue
        backup = backup_path(change, run)
        theirs = _metadata_child(hit, backup.rsplit("/", 1)[-1])
        current = _current_node(hit, plan.arguments)
        if change.asset in maybe_written:
            if theirs is None and current == change.before and current != change.after:
                outcomes[change.asset].update(outcome="failed", verified=False,
                                              reason=f"{outcomes[change.asset]['reason']} (read back: not applied)")
                records.append(_record(run, plan.kind, events.FAILED, change, error="not applied (read back)"))
                continue
            outcomes[change.asset].update(outcome="applied", reason="")
            records.append(_record(run, plan.kind, events.APPLIED, change))
        if theirs != change.before:
            outcomes[change.asset].update(_put_back(client, change, theirs, backup, current), outcome="conflict",
                                          verified=False)
            records.append(_record(run, plan.kind, events.CONFLICT, change, theirs=theirs,
                                   reason=outcomes[change.asset]["reason"]))
            continue
        if theirs is not None:
            backups.append(backup)
        checked.append(change)
    journal.append(records)
    _remove_backups(client, backups)
    if verify and checked:
        _verify(client, checked, hits, journal, run, plan, outcomes)


def _put_back(client: AemClient, change: PlannedChange, theirs: Node | None, backup: str,
              current: Node | None) -> dict[str, Any]:
    """Undo our write where another writer changed the node in between: their node goes back in place."""
    prefix = "another writer changed the XMP node between the check and the write"
    try:
        if theirs is not None:
            client.sling_post(backup, [(":operation", "move"), (":dest", change.node_path), (":replace", "true")])
        elif current is not None:
            client.sling_post(metadata_path(change.asset), [(":operation", "delete"), (":applyTo", change.node_path)])
    except AemError as exc:
        where = f"their node is kept at {backup}" if theirs is not None else "their deletion could not be restored"
        return {"reason": f"{prefix}; putting it back failed ({exc}): {where}"}
    return {"reason": f"{prefix}; their version was put back (preview again)"}


def _remove_backups(client: AemClient, backups: list[str], chunk: int = MAX_PARAMS_PER_POST_MULTIPART - 10) -> None:
    """Delete checked backups, thousands per multipart POST (a failure leaves them in place: they only hold what
    the journal holds too)."""
    for start in range(0, len(backups), chunk):
        group = backups[start : start + chunk]
        try:
            client.sling_post(common_ancestor(group), [(":operation", "delete")] + [(":applyTo", p) for p in group],
                              multipart=True)
        except AemError:
            continue


def _verify(client: AemClient, applied: list[PlannedChange], hits: dict[str, dict[str, Any]], journal: Journal,
            run: str, plan: SyncPlan, outcomes: dict[str, dict[str, Any]]) -> None:
    """Compare every applied node with what was meant; rewrite mismatches once with an import and read again.
    A failing read leaves the rows unverified (NA, with the reason) instead of raising."""
    wrong = [c for c in applied if _current_node(hits[c.asset], plan.arguments) != c.after]
    for change in wrong:
        try:
            import_node(client, change)
        except AemError as exc:
            outcomes[change.asset]["reason"] = f"repair failed: {exc}"
    rewritten = {c.asset for c in wrong}
    still_wrong: set[str] = set()
    unknown = ""
    if wrong:
        try:
            again = fetch_assets(client, [c.asset for c in wrong], args=plan.arguments)
        except AemError as exc:
            unknown = f"not verified: reading back the repair failed ({exc})"
        else:
            still_wrong = {c.asset for c in wrong
                           if c.asset not in again or _current_node(again[c.asset], plan.arguments) != c.after}
    records = []
    for change in applied:
        repaired_now = change.asset in rewritten
        if unknown and repaired_now:
            outcomes[change.asset].update(verified=pd.NA, reason=unknown)
            continue
        ok = change.asset not in still_wrong
        outcomes[change.asset]["verified"] = ok
        outcomes[change.asset]["repaired"] = repaired_now and ok
        event = events.REPAIRED if repaired_now and ok else events.VERIFIED if ok else events.MISMATCH
        records.append(_record(run, plan.kind, event, change))
    journal.append(records)


# -- undo ------------------------------------------------------------------------------------------------


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
        current = _current_node(hit, args) if hit else None
        if hit is None:
            skipped.append({"asset": record["asset"], "reason": "asset no longer exists"})
        elif current == record["before"]:
            skipped.append({"asset": record["asset"], "reason": "already as before the run (not applied)"})
        elif current != record["after"]:
            skipped.append({"asset": record["asset"], "reason": "XMP node changed after the run; not undone"})
        else:
            changes.append(PlannedChange(record["asset"], record["node_path"], "undo", current, record["before"]))
    return SyncPlan(changes, _skipped_frame(skipped), args, kind="undo", undoes=run)
