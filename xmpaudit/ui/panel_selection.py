"""The panel's table and selection: rows matching the rules, ticked rows, re-read rows merged in place."""

from __future__ import annotations

import threading
from typing import Any

import pandas as pd

from xmpaudit.aem.client import AemClient
from xmpaudit.audit.result import AuditResult
from xmpaudit.core.statuses import FIXABLE_STATUSES, NODE_IN_SYNC
from xmpaudit.ui.background import BackgroundWorker
from xmpaudit.ui.grid import PagedGrid, local_fix_frame
from xmpaudit.ui.panel_rules import Rules, folder_options, matching_rows
from xmpaudit.ui.panel_view import PanelView
from xmpaudit.write.plan import SyncPlan


def tag_rows(tags: pd.DataFrame) -> pd.DataFrame:
    """Named smart tags: asset, name, confidence, is_custom (False where the frame does not say)."""
    named = tags.loc[tags["name"].notna()]
    is_custom = named["is_custom"].fillna(False).astype(bool) if "is_custom" in named else False
    return named[["asset", "name", "confidence"]].assign(is_custom=is_custom).reset_index(drop=True)


class PanelSelection(PanelView):
    """The audited rows (``table``), their smart tags (``tag_table``), the ticked paths (``selected``), the
    previewed plan and the write waiting for Confirm (``pending``)."""

    client: AemClient
    grid: PagedGrid
    worker: BackgroundWorker

    def _init_selection(self) -> None:
        self.selected: set[str] = set()
        self.plan: SyncPlan | None = None
        self.plan_selection: frozenset[str] = frozenset()
        self.pending: tuple[str, Any] | None = None
        self._lock = threading.RLock()
        self._relabelling = False
        # writeback proofs per asset: (binary status, reason shown, the tags the node held when proven)
        self.proofs: dict[str, tuple[str, str, str]] = {}

    def _load(self, result: AuditResult, smart_tags: pd.DataFrame | None) -> None:
        self.tag_table = tag_rows(smart_tags if smart_tags is not None else result.expected)
        self.table = self._with_proofs(local_fix_frame(result, smart_tags, self.client.base_url))

    def custom_tags(self, paths: list[str]) -> dict[str, set[str]]:
        """The custom smart tag names of these assets."""
        with self._lock:
            tags = self.tag_table
            custom = tags[tags["asset"].isin(paths) & tags["is_custom"]]
        return {str(asset): set(group["name"].astype(str)) for asset, group in custom.groupby("asset", observed=True)}

    def rules(self) -> Rules:
        """What the rule controls say now."""
        return Rules(folder=self.folder.value, statuses=tuple(s for s, box in self.status_boxes.items() if box.value),
                     tag=self.tag.value, confidence=tuple(self.confidence.value), search=self.search.value)

    def filtered(self) -> pd.DataFrame:
        """Rows matching the folder, status, tag, confidence and search rules."""
        with self._lock:
            return matching_rows(self.table, self.tag_table, self.rules())

    def _on_rule_change(self) -> None:
        if not self._relabelling:
            self.refresh_table()

    def _relabel_folders(self) -> None:
        """New counts in the folder list (worst first again), keeping the chosen folder when it still exists."""
        chosen = self.folder.value
        options = folder_options(self.table)
        self._relabelling = True
        try:
            self.folder.options = options
            if chosen in {value for _, value in options}:
                self.folder.value = chosen
        finally:
            self._relabelling = False

    def refresh_table(self, *, keep_page: bool = False) -> None:
        """Re-filter and show the grid (the same row widgets, re-filled)."""
        with self._lock:  # the worker thread refreshes after a sync while the user may change a rule
            frame = self.filtered()
            self.grid.show(frame, keep_page=keep_page)
            self.select_matching_button.description = f"Select all {len(frame):,} matching"
            self._selection_label()

    def _selection_label(self) -> None:
        self.selection_label.value = f"&nbsp;<b>{len(self.selected):,}</b> selected"

    def select(self, paths: Any, selected: bool = True) -> None:
        """Select (or unselect) assets by path."""
        paths = [str(p) for p in paths]
        unknown = [p for p in paths if p not in self.table.index]
        if unknown:
            raise KeyError(f"{unknown[0]} is not in this audit")
        self._on_toggle(paths, selected)
        self.grid.fill()

    def select_matching(self) -> None:
        """Add every row matching the rules to the selection."""
        self.select(self.filtered().index)

    def unselect_matching(self) -> None:
        """Remove every row matching the rules from the selection."""
        self.select(self.filtered().index, False)

    def clear_selection(self) -> None:
        self.select(list(self.selected), False)

    def _on_toggle(self, paths: list[str], selected: bool) -> None:
        if selected:
            self.selected.update(paths)
        else:
            self.selected.difference_update(paths)
        self._cancel_pending()
        self._update_sync_button()
        self._selection_label()

    def _update_sync_button(self) -> None:
        self.sync_button.disabled = (self.worker.busy or self.plan is None or len(self.plan) == 0
                                     or frozenset(self.selected) != self.plan_selection)

    def _arm(self, kind: str, payload: Any, label: str, *, needs_force: bool = False) -> None:
        """Show Confirm for a previewed writeback or undo; with ``needs_force`` it stays disabled until the
        pre-flight warnings are accepted with the tick box."""
        self.pending = (kind, payload)
        self.confirm_button.description = label
        self.confirm_button.layout.display = None
        self.force_box.value = False
        self.force_box.layout.display = None if needs_force else "none"
        self._update_confirm_button()

    def _cancel_pending(self) -> None:
        self.pending = None
        self.confirm_button.layout.display = "none"
        self.force_box.layout.display = "none"
        self.force_box.value = False

    def _update_confirm_button(self) -> None:
        needs_force = self.force_box.layout.display != "none"
        self.confirm_button.disabled = (self.worker.busy or self.pending is None
                                        or (needs_force and not self.force_box.value))

    def _update_rows(self, fresh: tuple[AuditResult, pd.DataFrame]) -> int:
        """Put re-read rows into the table in place; unselect rows no longer in need of a fix."""
        result, smart_tags = fresh
        rows = local_fix_frame(result, smart_tags, self.client.base_url)
        with self._lock:
            table = self.table.copy()
            table.loc[rows.index, rows.columns] = self._with_proofs(rows)
            self.tag_table = pd.concat([self.tag_table[~self.tag_table["asset"].isin(rows.index)],
                                        tag_rows(smart_tags)], ignore_index=True)
            self.table = table
            fixed = set(rows.index[~rows["status"].isin(FIXABLE_STATUSES)])  # in sync, or no XMP left to remove
            self.selected -= fixed
        self._relabel_folders()
        self.refresh_table(keep_page=True)
        return len(fixed)

    def _apply_proof(self, report: pd.DataFrame, run: str) -> int:
        """Show a writeback run's binary proof on the rows whose node is in sync: written_back (the file carries
        the node's tags) or not_written_back with the reason. Returns the rows changed."""
        proven = report.set_index("asset")[["binary_status", "binary_reason"]]
        with self._lock:
            table = self.table.copy()
            rows = proven.index[proven.index.isin(table.index)]
            rows = rows[table.loc[rows, "status"].isin(NODE_IN_SYNC).to_numpy()]
            reasons = proven.loc[rows, "binary_reason"].fillna("").astype(str)
            for asset, status, reason in zip(rows, proven.loc[rows, "binary_status"].astype(str), reasons,
                                             strict=True):
                words = f"{reason or 'the file carries the XMP node’s smart tags'} (writeback {run})"
                self.proofs[str(asset)] = (status, words, str(table.at[asset, "tags"]))
            self.table = self._with_proofs(table)
        self._relabel_folders()
        self.refresh_table(keep_page=True)
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
