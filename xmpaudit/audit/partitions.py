"""Audit a very large snapshot folder by folder, keeping only counts and the fixable rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from xmpaudit.audit.compare import audit
from xmpaudit.audit.counts import coverage_table, status_by_folder
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import ConfigError
from xmpaudit.core.statuses import STATUSES
from xmpaudit.read.snapshot import Snapshot

FIXABLE_COLUMNS = ["path", "folder", "status", "reason", "stale_flags", "smart_tag_count", "expected_count",
                   "xmp_item_count"]


@dataclass
class PartitionedAudit:
    """The combined outcome of ``audit_partitions``: per-status counts, per-folder coverage and the fixable
    assets of every partition (the per-tag diff is not kept: audit one partition for it)."""

    by_folder: pd.DataFrame
    fixable_assets: pd.DataFrame
    arguments: SyncArguments
    partitions: list[Path]

    def counts(self) -> pd.Series:
        """Number of assets per status (every status listed)."""
        return pd.Series(self.by_folder[list(STATUSES)].sum(axis=0).to_numpy(dtype=np.int64),
                         index=pd.Index(list(STATUSES), name="status"), name="count")

    def coverage(self) -> pd.DataFrame:
        """Per folder: as ``AuditResult.coverage``."""
        return coverage_table(self.by_folder)

    def fixable(self) -> pd.DataFrame:
        """Assets the sync can fix, with ``FIXABLE_COLUMNS``."""
        return self.fixable_assets


def partition_folders(source: str | Path | Iterable[str | Path]) -> list[Path]:
    """Snapshot folders to audit: ``source`` itself when it is one, else every folder below it holding a
    ``snapshot.json`` (sorted), or the given list of folders."""
    if isinstance(source, str | Path):
        root = Path(source)
        if (root / "snapshot.json").exists():
            return [root]
        found = sorted(p.parent for p in root.rglob("snapshot.json"))
        if not found:
            raise ConfigError(f"{root} holds no snapshot (no snapshot.json in it or below it)")
        return found
    return [Path(p) for p in source]


def audit_partitions(source: str | Path | Iterable[str | Path], args: SyncArguments | None = None, *,
                     keep_fixable: bool = True) -> PartitionedAudit:
    """Audit Parquet snapshot partitions one at a time and combine counts, coverage and fixable assets.
    Assets are independent (each asset lives in exactly one partition), so the combination equals the audit of
    all partitions at once while memory holds one partition (plus the fixable rows unless ``keep_fixable`` is
    False). ``args`` defaults to each partition's own arguments."""
    folders = partition_folders(source)
    if not folders:
        raise ConfigError("No snapshot folders to audit")
    by_folder = pd.DataFrame(columns=pd.Index(list(STATUSES), name="status"), dtype=np.int64)
    fixable: list[pd.DataFrame] = []
    used: SyncArguments | None = args
    for folder in folders:
        result = audit(Snapshot.load(folder), args)
        if used is not None and result.arguments != used:
            raise ConfigError(f"{folder} was taken with other arguments than the partitions before it")
        used = result.arguments
        by_folder = by_folder.add(status_by_folder(result.assets), fill_value=0)
        if keep_fixable:
            rows = result.fixable()[FIXABLE_COLUMNS]
            fixable.append(rows.assign(folder=rows["folder"].astype(object), status=rows["status"].astype(object)))
        del result
    by_folder = by_folder.fillna(0).astype(np.int64)
    by_folder.index.name = "folder"
    fixable_assets = pd.concat(fixable, ignore_index=True) if fixable else pd.DataFrame(columns=FIXABLE_COLUMNS)
    fixable_assets["status"] = pd.Categorical(fixable_assets["status"], categories=list(STATUSES))
    fixable_assets["folder"] = fixable_assets["folder"].astype("category")
    fixable_assets["stale_flags"] = fixable_assets["stale_flags"].astype(np.uint8)
    assert used is not None  # set by the first partition
    return PartitionedAudit(by_folder, fixable_assets, used, folders)
