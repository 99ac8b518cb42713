"""Incremental re-inventory: re-read only the assets changed (``jcr:content/jcr:lastModified``), added or deleted
under a snapshot's root since it was taken, and merge them into a new snapshot."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd

from xmpaudit.aem.client import AemClient
from xmpaudit.aem.querybuilder import DEFAULT_WORKERS, MAX_PAGE_SIZE, asset_query, check_page, get_page
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.dates import iso_text, parse_jcr_date
from xmpaudit.core.errors import ConfigError
from xmpaudit.core.progress import Progress
from xmpaudit.read.checkpoints import Partitions
from xmpaudit.read.hits import asset_identity
from xmpaudit.read.scan import LAST_MODIFIED, scan_windows, snapshot_of
from xmpaudit.read.snapshot import Snapshot
from xmpaudit.read.windows import DEFAULT_READ_BUDGET, LISTING_PAGE_SIZE, ScanSpec, Window, now_text

# A change AEM makes now is stamped with AEM's clock: one further ahead of this machine's than this is not expected,
# so later jcr:lastModified values were set before the previous read (dates in the future), not changes since.
CLOCK_AHEAD = timedelta(days=1)


@dataclass
class InventoryChanges:
    """What an incremental inventory found since the previous snapshot."""

    changed: list[str]
    added: list[str]
    deleted: list[str]
    requests: int

    def summary(self) -> str:
        return (f"{len(self.changed)} changed, {len(self.added)} added, {len(self.deleted)} deleted "
                f"({self.requests} requests)")


def _without_assets(snapshot: Snapshot, paths: set[str]) -> Snapshot:
    """``snapshot`` without the rows of these assets; where the frames carry ``asset_id`` (the row number of the
    asset), the ids are re-keyed to the remaining rows."""
    keep = ~snapshot.assets["path"].astype("string").isin(paths).to_numpy(dtype=bool)
    assets = snapshot.assets[keep].reset_index(drop=True)
    frames: dict[str, pd.DataFrame] = {}
    if "asset_id" in assets.columns:
        new_ids = np.cumsum(keep) - 1
        assets["asset_id"] = np.arange(len(assets), dtype=assets["asset_id"].dtype)
        for name in ("smart_tags", "xmp_tags"):
            frame = getattr(snapshot, name)
            old_ids = frame["asset_id"].to_numpy(dtype=np.int64)
            kept = frame[keep[old_ids]].reset_index(drop=True)
            kept["asset_id"] = new_ids[old_ids[keep[old_ids]]].astype(frame["asset_id"].dtype)
            frames[name] = kept
    else:
        for name in ("smart_tags", "xmp_tags"):
            frame = getattr(snapshot, name)
            frames[name] = frame[~frame["asset"].astype("string").isin(paths).to_numpy(dtype=bool)]
            frames[name] = frames[name].reset_index(drop=True)
    return Snapshot(assets=assets, meta=dict(snapshot.meta), **frames)


def _replaced(previous: Snapshot, listing: dict[str, str | None]) -> list[str]:
    """Paths whose node is another than the one ``previous`` read (``jcr:uuid``/``jcr:created`` differ)."""
    if "identity" not in previous.assets.columns:
        return []
    known = previous.assets[["path", "identity"]].dropna()
    return [path for path, seen in zip(known["path"].astype(str), known["identity"].astype(str), strict=True)
            if listing.get(path) is not None and listing[path] != seen]


def incremental_since(previous: Snapshot, margin: timedelta = timedelta(minutes=10)) -> datetime:
    """From when an incremental inventory re-reads changes: when the reading of the previous snapshot's oldest part
    began (``oldest_read``; older snapshots: ``taken_at``, their end) minus ``margin``."""
    taken = parse_jcr_date(previous.meta.get("oldest_read") or previous.meta.get("taken_at"))
    if taken is None:
        raise ConfigError("The previous snapshot has no oldest_read or taken_at time; pass since=…")
    return taken - margin


def _listing(client: AemClient, spec: ScanSpec, identity: dict[str, str], args: SyncArguments,
             workers: int) -> dict[str, str | None]:
    """Every asset path under the root with its identity (``jcr:uuid``/``jcr:created``), paths only."""
    listing: dict[str, str | None] = {}
    lister = Partitions(None, identity, args, sink=lambda _, hits, __: listing.update(
        (h["jcr:path"], asset_identity(h)) for h in hits))
    scan_windows(client, spec, lister, workers=workers, lower=None, progress=None)
    return listing


def _read_since(client: AemClient, spec: ScanSpec, identity: dict[str, str], args: SyncArguments, since: datetime,
                workers: int, progress: Progress | None) -> list[Snapshot]:
    """The assets whose ``spec.prop`` is at or after ``since`` (and not ``CLOCK_AHEAD`` beyond now), read fully."""
    parts = Partitions(None, identity, args)
    ahead = (datetime.now(timezone.utc) + CLOCK_AHEAD).replace(microsecond=0)
    parts.set_range(Window(since.replace(microsecond=0), ahead))
    scan_windows(client, spec, parts, workers=workers, lower=since, progress=progress)
    return parts.snapshots()


def _paths(snapshots: list[Snapshot]) -> set[str]:
    return set().union(*(set(s.assets["path"].astype(str)) for s in snapshots)) if snapshots else set()


def refresh_inventory(
    client: AemClient,
    previous: Snapshot,
    args: SyncArguments,
    *,
    since: datetime | None = None,
    margin: timedelta = timedelta(minutes=10),
    workers: int = DEFAULT_WORKERS,
    page_size: int = MAX_PAGE_SIZE,
    read_budget: int = DEFAULT_READ_BUDGET,
    show_progress: bool = True,
    also_read: Iterable[str] = (),
    list_all: bool = True,
) -> tuple[Snapshot, InventoryChanges]:
    """A new snapshot of ``previous``'s root that re-reads only what changed: assets whose
    ``jcr:content/jcr:lastModified`` is at or after ``since`` (default: ``incremental_since(previous, margin)``),
    assets not in ``previous`` (by a paths-only listing of 5 × ``page_size`` paths a page, which also finds the
    deleted ones), and the assets in ``also_read`` — those whose change leaves no last-modified time, such as the
    ones xmpaudit itself wrote (``Journal.records_under``). An asset replaced at its path by another node (its
    ``jcr:uuid`` or ``jcr:created`` differ from the previous read, seen in the same listing) is read again
    even where its ``jcr:lastModified`` is older. Without ``list_all`` (a session's refresh within the maximum
    age costs what changed) there is no listing: new and replaced assets are those created since ``since``, and
    only ``also_read`` assets found gone are dropped (other deletions wait for the next full read). Times more
    than ``CLOCK_AHEAD`` ahead of this machine's clock were not set by a change since: they are not re-read."""
    root = _refreshable_root(client, previous, args)
    since = since or incremental_since(previous, margin)
    started, began = client.request_count, now_text()
    identity = {"source": client.base_url, "root": root, "arguments": args.to_process_args()}
    with Progress(None, f"Changes under {root}", show=show_progress) as progress:
        listing = None
        if list_all:
            listing = _listing(client, ScanSpec(root, hits="selective", read_budget=read_budget,
                                                page_size=min(LISTING_PAGE_SIZE, 5 * page_size, read_budget // 2),
                                                partition_assets=10**12), identity, args, workers)
        read = _read_since(client, ScanSpec(root, prop=LAST_MODIFIED, page_size=page_size, read_budget=read_budget),
                           identity, args, since, workers, progress)
        if listing is None:  # new or replaced assets: created since
            read += _read_since(client, ScanSpec(root, page_size=page_size, read_budget=read_budget),
                                identity, args, since, workers, progress)
    before, changed = set(previous.assets["path"].astype(str)), _paths(read)
    wanted = [*also_read, *(_replaced(previous, listing) if listing is not None else [])]
    unseen = [p for p in dict.fromkeys(wanted) if p not in changed and (listing is None or p in listing)]
    gone: set[str] = set()
    if unseen:
        read.append(snapshot_of(client, unseen, args))
        found = _paths(read[-1:])
        changed, gone = changed | found, set(unseen) - found
    now = set(listing) if listing is not None else (before | changed) - gone
    added, deleted = sorted(now - before - changed), sorted(before - now)
    if added:
        read.append(snapshot_of(client, added, args))
    merged = Snapshot.concat([_without_assets(previous, changed | set(deleted)), *read])
    # fresh as of ``began``: every change since ``since`` (before the previous snapshot's oldest read) is re-read
    merged.meta = {**identity, "taken_at": now_text(), "oldest_read": began, "requests": client.request_count - started,
                   "incremental_since": iso_text(since)}
    changes = InventoryChanges(sorted(changed & before), added + sorted(changed - before), deleted,
                               client.request_count - started)
    return merged, changes


def _refreshable_root(client: AemClient, previous: Snapshot, args: SyncArguments) -> str:
    """The previous snapshot's root, when it can be refreshed from ``client`` with ``args`` (else ConfigError)."""
    root = previous.meta.get("root")
    if not isinstance(root, str) or previous.meta.get("source") != client.base_url:
        raise ConfigError("The previous snapshot was taken from another AEM or has no root; take a full inventory")
    if previous.meta.get("arguments") != args.to_process_args():
        raise ConfigError("The previous snapshot was read with other process arguments; take a full inventory")
    return root


def modified_since(client: AemClient, root: str, since: datetime, cap: int = 1000) -> int:
    """How many assets under ``root`` AEM says were modified (``jcr:content/jcr:lastModified``) at or after
    ``since``: one QueryBuilder request, no hits (``p.guessTotal`` up to ``cap``). It sees what sets that time (AEM's
    editors, DAM workflows, a writeback); it does not see a plain Sling POST to the metadata, nor xmpaudit's own
    writes (those are journaled). AemError where AEM has no QueryBuilder (plain Sling)."""
    params = asset_query(root, limit=1, offset=0, extra={
        "daterange.property": LAST_MODIFIED, "daterange.lowerBound": iso_text(since),
        "daterange.lowerOperation": ">=", "p.guessTotal": str(cap), "p.hits": "selective",
        "daterange.upperBound": iso_text(datetime.now(timezone.utc) + CLOCK_AHEAD), "daterange.upperOperation": "<",
        "p.properties": "jcr:path"})
    for key in ("orderby", "p.nodedepth"):
        params.pop(key, None)
    body = get_page(client, params)
    check_page(body, client.url_for("/bin/querybuilder.json"))
    total = body.get("total")
    return total if isinstance(total, int) and total >= 0 else 0
