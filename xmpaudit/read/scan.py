"""Scan jcr:created (or last-modified) windows under a root into finished partitions, and read named assets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from xmpaudit.aem.client import AemClient
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.dates import parse_jcr_date
from xmpaudit.core.progress import Progress
from xmpaudit.read.checkpoints import Partitions
from xmpaudit.read.folder_reads import read_assets
from xmpaudit.read.number_types import confirm_confidence_types
from xmpaudit.read.snapshot import Snapshot
from xmpaudit.read.windows import EPOCH, FAR_FUTURE, ScanSpec, Window, plan_windows, run_windows

LAST_MODIFIED = "jcr:content/jcr:lastModified"


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

        def add(window: Window, hits: list[dict[str, Any]], read_started: str) -> None:
            if spec.hits == "full":
                confirm_confidence_types(client, hits, partitions.args)
            partitions.add(window, hits, read_started)

        run_windows(client, spec, windows, workers, add, progress)


def snapshot_of(client: AemClient, paths: list[str], args: SyncArguments) -> Snapshot:
    """A snapshot of just these assets, read in a few queries (folder pages where dense; deleted ones are absent)."""
    return Snapshot.from_hits(read_assets(client, paths, args=args).values(), args, source=client.base_url, root="")
