"""List every asset under a DAM path with QueryBuilder, with smart tags and XMP in the same hits: partitioned into
``jcr:created`` windows paged by an ordered key (so no query reads near AEM as a Cloud Service's 100,000-node
limit), a few pages in flight, each finished partition checkpointed as Parquet (incremental runs: incremental.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from xmpaudit.aem.client import AemClient
from xmpaudit.aem.querybuilder import DEFAULT_WORKERS, MAX_PAGE_SIZE
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.dates import iso_text, parse_moment
from xmpaudit.core.errors import ConfigError
from xmpaudit.core.jcrpath import validate_path
from xmpaudit.core.progress import Progress, ProgressCallback
from xmpaudit.read.checkpoints import Partitions
from xmpaudit.read.frames import FrameBuilder
from xmpaudit.read.scan import LAST_MODIFIED, scan_windows, snapshot_of
from xmpaudit.read.snapshot import Snapshot
from xmpaudit.read.windows import DEFAULT_READ_BUDGET, EPOCH, PARTITION_ASSETS, ScanSpec, now_text

__all__ = ["LAST_MODIFIED", "snapshot_of", "take_inventory"]
# A resumed inventory re-reads assets modified since its oldest kept part was read, less this margin (clock skew).
RESUME_MARGIN = timedelta(minutes=10)


def _empty_snapshot(args: SyncArguments) -> Snapshot:
    assets, smart_tags, xmp_tags = FrameBuilder(args).build()
    return Snapshot(assets, smart_tags, xmp_tags, {})


def _check_paging(page_size: int, workers: int, read_budget: int) -> None:
    """ConfigError (one line) for paging options the inventory cannot run with."""
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ConfigError(f"page_size must be 1..{MAX_PAGE_SIZE}, got {page_size}")
    if workers < 1:
        raise ConfigError(f"workers must be at least 1, got {workers}")
    if read_budget < 2 * page_size:
        raise ConfigError(f"read_budget ({read_budget}) must be at least twice page_size ({page_size})")


def _with_changed_since(client: AemClient, snapshot: Snapshot, identity: dict[str, Any], args: SyncArguments,
                        since: datetime, spec: ScanSpec, workers: int) -> Snapshot:
    """``snapshot`` with the assets modified since ``since`` read again (a resumed inventory's kept parts)."""
    changed = Partitions(None, identity, args)
    changed_spec = ScanSpec(spec.root, prop=LAST_MODIFIED, page_size=spec.page_size, read_budget=spec.read_budget)
    scan_windows(client, changed_spec, changed, workers=workers, lower=since, progress=None)
    if not changed.finished:
        return snapshot
    return Snapshot.concat([snapshot, *changed.snapshots()])  # the rows read now replace the kept ones


def take_inventory(
    client: AemClient,
    root: str,
    args: SyncArguments,
    *,
    page_size: int = MAX_PAGE_SIZE,
    workers: int = DEFAULT_WORKERS,
    read_budget: int = DEFAULT_READ_BUDGET,
    partition_assets: int = PARTITION_ASSETS,
    checkpoint_dir: str | Path | None = None,
    show_progress: bool = True,
    on_progress: ProgressCallback | None = None,
) -> Snapshot:
    """Inventory every asset under ``root`` into a Snapshot (assets, smart tags, XMP tags), reading the XMP node
    ``args`` name (required: the audit compares with what these arguments make the process write).

    The assets are split into ``jcr:created`` windows paged by that key (``orderby=@jcr:created`` with a
    ``daterange`` lower bound), so no query reads more than ``read_budget`` nodes; up to ``workers`` pages are in
    flight. With ``checkpoint_dir`` every finished partition is saved there as Parquet and an interrupted
    inventory started again with the same folder reads only what is missing, then re-reads the assets modified
    since its oldest kept part was read (after a completed one, the next inventory with that folder starts
    afresh). ``meta["oldest_read"]`` is when the reading of its oldest part began: the snapshot is as fresh as
    that, whatever ``taken_at`` (its end) says; a resumed inventory is stamped ``taken_at`` that too (a write to
    a kept part's asset that leaves ``jcr:lastModified`` alone, as a sync's does, is not re-read)."""
    validate_path(root)
    _check_paging(page_size, workers, read_budget)
    identity = {"source": client.base_url, "root": root, "arguments": args.to_process_args()}
    partitions = Partitions(Path(checkpoint_dir) if checkpoint_dir is not None else None, identity, args)
    spec = ScanSpec(root, page_size=page_size, read_budget=read_budget, partition_assets=partition_assets)
    started, began = client.request_count, now_text()
    resumed_since = (parse_moment(partitions.oldest_read()) or EPOCH) - RESUME_MARGIN if partitions.finished else None
    with Progress(None, f"Inventory {root}", show=show_progress, callback=on_progress) as progress:
        scan_windows(client, spec, partitions, workers=workers, lower=None, progress=progress)
    parts = partitions.snapshots()
    oldest = partitions.oldest_read() or began
    snapshot = Snapshot.concat(parts) if parts else _empty_snapshot(args)  # in jcr:created order
    snapshot.meta = {**identity, "taken_at": now_text()}
    if resumed_since is not None:
        snapshot = _with_changed_since(client, snapshot, identity, args, resumed_since, spec, workers)
    partitions.complete()
    resumed_stamp = oldest if resumed_since is not None else now_text()  # kept rows are as old as their read (#24)
    snapshot.meta = {**identity, "taken_at": resumed_stamp, "oldest_read": oldest,
                     "requests": client.request_count - started, "partitions": len(parts)}
    if resumed_since is not None:
        snapshot.meta["resumed_since"] = iso_text(resumed_since)
    return snapshot
