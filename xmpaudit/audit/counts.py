"""Assets per status, per folder and status, and coverage per folder (counted once for every view)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xmpaudit.core.statuses import STATUSES, coverage_columns


def status_counts(assets: pd.DataFrame) -> pd.Series:
    """Number of assets per status (every status listed)."""
    codes = pd.Categorical(assets["status"], categories=list(STATUSES)).codes
    counts = np.bincount(codes[codes >= 0], minlength=len(STATUSES))
    return pd.Series(counts, index=pd.Index(list(STATUSES), name="status"), name="count")


def status_by_folder(assets: pd.DataFrame) -> pd.DataFrame:
    """Assets per folder (rows, sorted) and status (columns, every status)."""
    column = assets["folder"]
    folders = column.array if isinstance(column.dtype, pd.CategoricalDtype) else pd.Categorical(column)
    status = pd.Categorical(assets["status"], categories=list(STATUSES)).codes.astype(np.int64)
    seen = (folders.codes >= 0) & (status >= 0)
    cells = np.bincount(folders.codes[seen].astype(np.int64) * len(STATUSES) + status[seen],
                        minlength=len(folders.categories) * len(STATUSES)).reshape(-1, len(STATUSES))
    table = pd.DataFrame(cells, index=pd.Index(folders.categories.astype(object), name="folder"),
                         columns=pd.Index(list(STATUSES), name="status"))
    return table[table.sum(axis=1) > 0].sort_index()


def coverage_table(by_folder: pd.DataFrame) -> pd.DataFrame:
    """``status_by_folder`` plus assets, with_smart_tags, node_in_sync and coverage_pct (``statuses.coverage_columns``),
    sorted by folder."""
    table = by_folder.reindex(columns=list(STATUSES), fill_value=0).astype(np.int64)
    return pd.concat([table, coverage_columns(table)], axis=1).sort_index()
