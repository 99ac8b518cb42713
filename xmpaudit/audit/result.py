"""An audit's result: assets with status and reason, per-tag diff, expected tags; counts and per-folder tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from xmpaudit.audit.headline import summary
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.statuses import FIXABLE_STATUSES, NODE_IN_SYNC, STATUSES


def as_categorical(values: pd.Series) -> pd.Categorical:
    return values.array if isinstance(values.dtype, pd.CategoricalDtype) else pd.Categorical(values)


def category_is(values: pd.Series, wanted: str) -> np.ndarray:
    """``values == wanted`` per row, False where missing (compared once per category)."""
    categorical = as_categorical(values)
    match = np.asarray(categorical.categories.astype(object) == wanted, dtype=bool)
    return np.append(match, False)[categorical.codes]


@dataclass
class AuditResult:
    """Audit outcome: ``assets`` (with status and reason), ``tags`` (per-tag diff), ``expected`` tags."""

    assets: pd.DataFrame
    tags: pd.DataFrame
    expected: pd.DataFrame
    arguments: SyncArguments

    def counts(self) -> pd.Series:
        """Number of assets per status (every status listed)."""
        return status_counts(self.assets)

    def coverage(self) -> pd.DataFrame:
        """Per folder: assets per status, assets with smart tags and the share of those whose node is in sync."""
        return coverage_table(status_by_folder(self.assets))

    def fixable(self) -> pd.DataFrame:
        """Assets the sync can fix (missing, stale or orphan XMP)."""
        return self.assets[self.assets["status"].isin(FIXABLE_STATUSES)]

    def summary(self, previous: dict[str, Any] | None = None, meta: dict[str, Any] | None = None) -> str:
        """A short markdown summary (coverage, counts by status, worst folders) for an email or a ticket;
        ``previous``: the counts of an earlier snapshot, for the change since."""

        return summary(self, previous, meta)


def status_counts(assets: pd.DataFrame) -> pd.Series:
    """Number of assets per status (every status listed)."""
    codes = pd.Categorical(assets["status"], categories=list(STATUSES)).codes
    counts = np.bincount(codes[codes >= 0], minlength=len(STATUSES))
    return pd.Series(counts, index=pd.Index(list(STATUSES), name="status"), name="count")


def status_by_folder(assets: pd.DataFrame) -> pd.DataFrame:
    """Assets per folder (rows, sorted) and status (columns, every status)."""
    folders = as_categorical(assets["folder"])
    status = pd.Categorical(assets["status"], categories=list(STATUSES)).codes.astype(np.int64)
    seen = (folders.codes >= 0) & (status >= 0)
    cells = np.bincount(folders.codes[seen].astype(np.int64) * len(STATUSES) + status[seen],
                        minlength=len(folders.categories) * len(STATUSES)).reshape(-1, len(STATUSES))
    table = pd.DataFrame(cells, index=pd.Index(folders.categories.astype(object), name="folder"),
                         columns=pd.Index(list(STATUSES), name="status"))
    return table[table.sum(axis=1) > 0]


def coverage_table(by_folder: pd.DataFrame) -> pd.DataFrame:
    """``status_by_folder`` plus assets, with_smart_tags and coverage_pct, sorted by folder."""
    table = by_folder.reindex(columns=list(STATUSES), fill_value=0).copy()
    table["assets"] = table[list(STATUSES)].sum(axis=1)
    # orphan XMP arrays belong to assets without smart tags: not in the denominator (as in the headline)
    table["with_smart_tags"] = table["assets"] - table["no_smart_tags"] - table["invalid"] - table["orphan_xmp"]
    denominator = table["with_smart_tags"].where(table["with_smart_tags"] > 0)
    table["coverage_pct"] = (100.0 * table[list(NODE_IN_SYNC)].sum(axis=1) / denominator).round(1)
    return table.sort_index()
