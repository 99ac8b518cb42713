"""List every asset under a DAM path with QueryBuilder, with smart tags and XMP in the same hits: partitioned into
``jcr:created`` windows paged by an ordered key (so no query reads near AEM as a Cloud Service's 100,000-node
limit), a few pages in flight, each finished partition checkpointed as Parquet (incremental runs: incremental.py)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from xmpaudit.aem.client import AemClient
from xmpaudit.aem.querybuilder import DEFAULT_WORKERS, MAX_PAGE_SIZE
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.dates import parse_jcr_date
from xmpaudit.core.errors import ConfigError
from xmpaudit.core.jcrpath import validate_path
from xmpaudit.core.progress import Progress, ProgressCallback
from xmpaudit.read.checkpoints import Partitions
from xmpaudit.read.folder_reads import read_assets
from xmpaudit.read.frames import FrameBuilder
from xmpaudit.read.number_types import confirm_confidence_types
from xmpaudit.read.snapshot import Snapshot
from xmpaudit.read.windows import (
    DEFAULT_READ_BUDGET,
    EPOCH,
    FAR_FUTURE,
    PARTITION_ASSETS,
    ScanSpec,
    Window,
    plan_windows,
    run_windows,
)

LAST_MODIFIED = "jcr:content/jcr:lastModified"


def _empty_snapshot(args: SyncArguments) -> Snapshot:
    assets, smart_tags, xmp_tags = FrameBuilder(args).build()
    return Snapshot(assets, smart_tags, xmp_tags, {})


def scan_windows(client: AemClient, spec: ScanSpec, partitions: Partitions, *, workers: int, lower: datetime | None,
          progress: Progress | None) -> None:
    """Cover every asset under the root whose ``spec.prop`` is at or after ``lower`` with finished partitions."""
    if partitions.range is None:
        start = (lower or EPOCH).replace(microsecond=0)
        partitions.set_range(Window(start, FAR_FUTURE))
    whole = Window(parse_jcr_date(partitions.range[0]), parse_jcr_date(partitions.range[1]))  # type: ignore[arg-type]
    gaps = partitions.gaps(whole)
    if gaps:
        windows = plan_windows(client, spec, gaps, workers, progress)
        def add(window: Window, hits: list[dict[str, Any]]) -> None:
            if spec.hits == "full":
                confirm_confidence_types(client, hits, partitions.args)
            partitions.add(window, hits)

        run_windows(client, spec, windows, workers, add, progress)


def take_inventory(
    client: AemClient,
    root: str,
    args: SyncArguments | None = None,
    *,
    page_size: int = MAX_PAGE_SIZE,
    workers: int = DEFAULT_WORKERS,
    read_budget: int = DEFAULT_READ_BUDGET,
    partition_assets: int = PARTITION_ASSETS,
    checkpoint_dir: str | Path | None = None,
    show_progress: bool = True,
    on_progress: ProgressCallback | None = None,
) -> Snapshot:
    """Inventory every asset under ``root`` into a Snapshot (assets, smart tags, XMP tags).

    The assets are split into ``jcr:created`` windows paged by that key (``orderby=@jcr:created`` with a
    ``daterange`` lower bound), so no query reads more than ``read_budget`` nodes; up to ``workers`` pages are in
    flight. With ``checkpoint_dir`` every finished partition is saved there as Parquet and an interrupted
    inventory started again with the same folder reads only what is missing (after a completed one, the next
    inventory with that folder starts afresh)."""
    validate_path(root)
    args = args or SyncArguments()
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ConfigError(f"page_size must be 1..{MAX_PAGE_SIZE}, got {page_size}")
    if workers < 1:
        raise ConfigError(f"workers must be at least 1, got {workers}")
    if read_budget < 2 * page_size:
        raise ConfigError(f"read_budget ({read_budget}) must be at least twice page_size ({page_size})")
    identity = {"source": client.base_url, "root": root, "arguments": args.to_process_args()}
    folder = Path(checkpoint_dir) if checkpoint_dir is not None else None
    partitions = Partitions(folder, identity, args)
    spec = ScanSpec(root, page_size=page_size, read_budget=read_budget, partition_assets=partition_assets)
    started = client.request_count
    with Progress(None, f"Inventory {root}", show=show_progress, callback=on_progress) as progress:
        scan_windows(client, spec, partitions, workers=workers, lower=None, progress=progress)
    parts = partitions.snapshots()
    partitions.complete()
    snapshot = Snapshot.concat(parts) if parts else _empty_snapshot(args)  # in jcr:created order
    snapshot.meta = {
        **identity,
        "taken_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "requests": client.request_count - started,
        "partitions": len(parts),
    }
    return snapshot


def snapshot_of(client: AemClient, paths: list[str], args: SyncArguments | None = None) -> Snapshot:
    """A snapshot of just these assets, read in a few queries (folder pages where dense; deleted ones are absent)."""

    args = args or SyncArguments()
    return Snapshot.from_hits(read_assets(client, paths, args=args).values(), args, source=client.base_url, root="")
