"""Re-reading the panel's rows from AEM in chunks (after a write or on Refresh), audited as the session audits."""

from __future__ import annotations

import pandas as pd

from xmpaudit.aem.client import AemClient
from xmpaudit.audit.compare import audit
from xmpaudit.audit.result import AuditResult
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.progress import ProgressCallback
from xmpaudit.read.inventory import snapshot_of

CHUNK = 1000  # assets per dry-run / re-read step (progress moves per chunk)


def chunks(items: list[str], size: int = CHUNK) -> list[list[str]]:
    """``items`` in lists of ``size`` (one empty list when there are none)."""
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


def reread(client: AemClient, paths: list[str], args: SyncArguments,
           progress: ProgressCallback) -> tuple[AuditResult, pd.DataFrame]:
    """Read these assets again and audit them (in chunks, with progress): the audit and the smart tags."""
    assets, tags, expected = [], [], []
    result = None
    for number, chunk in enumerate(chunks(paths), start=1):
        snapshot = snapshot_of(client, chunk, args)
        result = audit(snapshot, args)
        assets.append(result.assets)
        tags.append(snapshot.smart_tags)
        expected.append(result.expected)
        progress(min(number * CHUNK, len(paths)), len(paths))
    assert result is not None
    merged = AuditResult(pd.concat(assets, ignore_index=True), result.tags,
                         pd.concat(expected, ignore_index=True), args)
    return merged, pd.concat(tags, ignore_index=True)


def changed_rows(before: pd.DataFrame, after: pd.DataFrame, columns: tuple[str, ...] = ("status", "reason", "tags")
                 ) -> int:
    """Rows added, removed, or with a different status, reason or tags between two tables indexed by path."""
    common = before.index.intersection(after.index)
    old = before.loc[common, list(columns)].astype(str)
    new = after.loc[common, list(columns)].astype(str)
    differing = int((old != new).any(axis=1).sum())
    return differing + len(before.index.difference(after.index)) + len(after.index.difference(before.index))
