"""Choosing assets in the panel: the rule controls and the paged grid over the panel's data, kept in step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from xmpaudit.ui.grid import PagedGrid
from xmpaudit.ui.panel_controls import RuleControls
from xmpaudit.ui.panel_data import PanelData


class AssetChooser:
    """Rows chosen by rule (``controls``) or ticked in the ``grid``; every change of the selection is told to
    ``on_selection_change()`` (a previewed write no longer matches it)."""

    def __init__(self, data: PanelData, page_size: int, on_selection_change: Callable[[], None]) -> None:
        self.data = data
        self.on_selection_change = on_selection_change
        self.controls = RuleControls(data.table, data.tag_table)
        self.grid = PagedGrid(page_size, lambda p: p in data.selected, self.toggle)
        self.grid.set_root(data.table["folder"])
        self.controls.on_rule_change(self.show)

    def filtered(self) -> pd.DataFrame:
        """Rows matching the folder, status, tag, confidence and search rules."""
        return self.data.filtered(self.controls.rules())

    def show(self, *, keep_page: bool = False) -> None:
        """Re-filter and show the grid (the same row widgets, re-filled)."""
        with self.data.lock:  # the worker thread refreshes after a sync while the user may change a rule
            frame = self.filtered()
            self.grid.show(frame, keep_page=keep_page)
            self.controls.show_counts(len(frame), len(self.data.selected))

    def rows_changed(self) -> None:
        """The table changed: new folder counts, the grid re-filled on the same page."""
        self.controls.relabel_folders(self.data.table)
        self.show(keep_page=True)

    def toggle(self, paths: list[str], selected: bool) -> None:
        self.data.toggle(paths, selected)
        self.controls.show_selected(len(self.data.selected))
        self.on_selection_change()

    def select(self, paths: Any, selected: bool = True) -> None:
        """Select (or unselect) assets by path; a ConfigError names one not in this audit."""
        self.toggle(self.data.known(paths), selected)
        self.grid.fill()

    def select_matching(self) -> None:
        """Add every row matching the rules to the selection."""
        self.select(self.filtered().index)

    def unselect_matching(self) -> None:
        """Remove every row matching the rules from the selection."""
        self.select(self.filtered().index, False)

    def clear(self) -> None:
        self.select(list(self.data.selected), False)
