"""The panel's data: the audited rows, their smart tags, the ticked paths and the writeback proofs per row."""

from __future__ import annotations

import threading
from collections.abc import Iterable

import pandas as pd

from xmpaudit.audit.result import AuditResult
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import ConfigError
from xmpaudit.core.statuses import FIXABLE_STATUSES, NODE_IN_SYNC
from xmpaudit.ui.grid import local_fix_frame
from xmpaudit.ui.panel_rows import changed_rows
from xmpaudit.ui.panel_rules import Rules, matching_rows

Fresh = tuple[AuditResult, pd.DataFrame]  # an audit and the smart tags it was made from


def tag_rows(tags: pd.DataFrame) -> pd.DataFrame:
    """Named smart tags: asset, name, confidence, is_custom (False where the frame does not say)."""
    named = tags.loc[tags["name"].notna()]
    is_custom = named["is_custom"].fillna(False).astype(bool) if "is_custom" in named else False
    return named[["asset", "name", "confidence"]].assign(is_custom=is_custom).reset_index(drop=True)


class PanelData:
    """The audited rows (``table``, indexed by path), their smart tags (``tag_table``), the ticked paths
    (``selected``), the process arguments of the audit shown (``args``) and the writeback proofs (``proofs``).
    Safe to change from the worker thread while the user changes the selection (one lock)."""

    def __init__(self, base_url: str, result: AuditResult, smart_tags: pd.DataFrame | None) -> None:
        self.base_url = base_url
        self.selected: set[str] = set()
        self.lock = threading.RLock()
        # writeback proofs per asset: (binary status, reason shown, the tags the node held when proven)
        self.proofs: dict[str, tuple[str, str, str]] = {}
        self.load(result, smart_tags)

    def load(self, result: AuditResult, smart_tags: pd.DataFrame | None) -> int:
        """Show a new audit of every asset; assets gone from it leave the selection. Returns the rows changed."""
        tag_table = tag_rows(smart_tags if smart_tags is not None else result.expected)
        table = self._with_proofs(local_fix_frame(result, smart_tags, self.base_url))
        with self.lock:
            before = getattr(self, "table", None)
            self.args: SyncArguments = result.arguments
            self.tag_table, self.table = tag_table, table
            self.selected &= set(table.index)
        return len(table) if before is None else changed_rows(before, table)

    def filtered(self, rules: Rules) -> pd.DataFrame:
        """Rows matching the folder, status, tag, confidence and search rules."""
        with self.lock:
            return matching_rows(self.table, self.tag_table, rules)

    def custom_tags(self, paths: list[str]) -> dict[str, set[str]]:
        """The custom smart tag names of these assets."""
        with self.lock:
            tags = self.tag_table
            custom = tags[tags["asset"].isin(paths) & tags["is_custom"]]
        return {str(asset): set(group["name"].astype(str)) for asset, group in custom.groupby("asset", observed=True)}

    def known(self, paths: Iterable[object]) -> list[str]:
        """``paths`` as strings; a ConfigError (one line) names the first one not in this audit."""
        paths = [str(p) for p in paths]
        unknown = [p for p in paths if p not in self.table.index]
        if unknown:
            raise ConfigError(f"{unknown[0]} is not in this audit")
        return paths

    def toggle(self, paths: list[str], selected: bool) -> None:
        """Tick (or untick) these paths."""
        with self.lock:
            if selected:
                self.selected.update(paths)
            else:
                self.selected.difference_update(paths)

    def statuses(self, paths: list[str]) -> pd.Series:
        """The status of each of these paths now (NA where not audited)."""
        with self.lock:
            return self.table["status"].reindex(paths)

    def update_rows(self, fresh: Fresh) -> int:
        """Put re-read rows into the table in place; unselect rows no longer in need of a fix (returns how many)."""
        result, smart_tags = fresh
        rows = self._with_proofs(local_fix_frame(result, smart_tags, self.base_url))
        with self.lock:
            table = self.table.copy()
            table.loc[rows.index, rows.columns] = rows
            self.tag_table = pd.concat([self.tag_table[~self.tag_table["asset"].isin(rows.index)],
                                        tag_rows(smart_tags)], ignore_index=True)
            self.table = table
            fixed = set(rows.index[~rows["status"].isin(FIXABLE_STATUSES)])  # in sync, or no XMP left to remove
            self.selected -= fixed
        return len(fixed)

    def apply_proof(self, report: pd.DataFrame, run: str) -> int:
        """Show a writeback run's binary proof on the rows whose node is in sync: written_back (the file carries
        the node's tags) or not_written_back with the reason. Returns the rows changed."""
        proven = report.set_index("asset")[["binary_status", "binary_reason"]]
        with self.lock:
            table = self.table.copy()
            rows = proven.index[proven.index.isin(table.index)]
            rows = rows[table.loc[rows, "status"].isin(NODE_IN_SYNC).to_numpy()]
            reasons = proven.loc[rows, "binary_reason"].fillna("").astype(str)
            for asset, status, reason in zip(rows, proven.loc[rows, "binary_status"].astype(str), reasons,
                                             strict=True):
                words = f"{reason or 'the file carries the XMP node’s smart tags'} (writeback {run})"
                self.proofs[str(asset)] = (status, words, str(table.at[asset, "tags"]))
            self.table = self._with_proofs(table)
        return len(rows)

    def _with_proofs(self, rows: pd.DataFrame) -> pd.DataFrame:
        """``rows`` with the writeback proofs that still hold: the node in sync and holding the tags it held when
        the proof was taken (a changed node makes the proof void; it is forgotten)."""
        known = [asset for asset in rows.index if asset in self.proofs]
        if not known:
            return rows
        rows = rows.copy()
        for asset in known:
            status, words, tags = self.proofs[asset]
            if rows.at[asset, "status"] in NODE_IN_SYNC and str(rows.at[asset, "tags"]) == tags:
                rows.at[asset, "status"], rows.at[asset, "reason"] = status, words
            else:
                del self.proofs[asset]
        return rows
