"""An audit's result: assets with status and reason, per-tag diff, expected tags; counts and per-folder tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from xmpaudit.audit.counts import coverage_table, status_by_folder, status_counts
from xmpaudit.audit.headline import summary
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.statuses import FIXABLE_STATUSES, reasons_in_words


def as_categorical(values: pd.Series) -> pd.Categorical:
    return values.array if isinstance(values.dtype, pd.CategoricalDtype) else pd.Categorical(values)


def category_is(values: pd.Series, wanted: str) -> np.ndarray:
    """``values == wanted`` per row, False where missing (compared once per category)."""
    categorical = as_categorical(values)
    match = np.asarray(categorical.categories.astype(object) == wanted, dtype=bool)
    return np.append(match, False)[categorical.codes]


@dataclass
class AuditResult:
    """Audit outcome: ``assets`` (with status, reason and stale_flags), ``tags`` (per-tag diff), ``expected`` tags;
    ``meta``: the snapshot's source, root and time (shown by the summary)."""

    assets: pd.DataFrame
    tags: pd.DataFrame
    expected: pd.DataFrame
    arguments: SyncArguments
    meta: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> pd.Series:
        """Number of assets per status (every status listed)."""
        return status_counts(self.assets)

    def coverage(self) -> pd.DataFrame:
        """Per folder: assets per status, assets with smart tags and the share of those whose node is in sync."""
        return coverage_table(status_by_folder(self.assets))

    def fixable(self) -> pd.DataFrame:
        """Assets the sync can fix (missing, stale or orphan XMP)."""
        return self.assets[self.assets["status"].isin(FIXABLE_STATUSES)]

    def reasons(self) -> pd.Series:
        """Why each asset has its status, in words (as every view shows it), indexed like ``assets``."""
        assets = self.assets
        flags = assets.get("stale_flags")
        return pd.Series(reasons_in_words(assets["status"], assets["reason"], flags), index=assets.index,
                         dtype="string", name="reason")

    def summary(self, previous: dict[str, Any] | None = None, meta: dict[str, Any] | None = None) -> str:
        """A short markdown summary (coverage, counts by status, worst folders) for an email or a ticket, the
        same text the CLI's ``audit`` prints; ``previous``: the counts of an earlier snapshot, for the change
        since; ``meta`` defaults to the audited snapshot's."""
        return summary(self, previous, meta)
