"""The panel's rule controls: folder, tag, top confidence, search and statuses, and the selection buttons."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w
import pandas as pd

from xmpaudit.core.statuses import FIXABLE_STATUSES, STATUSES, status_words
from xmpaudit.ui.grid import TOP_CONFIDENCE_HELP
from xmpaudit.ui.panel_rules import Rules, folder_options, tag_options


def wrapping() -> w.Layout:
    """A row whose widgets move to the next line rather than off the panel's edge."""
    return w.Layout(flex_flow="row wrap", width="100%")


class RuleControls:
    """The widgets choosing assets by rule; ``rules()`` says what they say now, ``widget`` lays them out."""

    def __init__(self, table: pd.DataFrame, tag_table: pd.DataFrame) -> None:
        self._relabelling = False
        self.folder = w.Dropdown(options=folder_options(table), description="Folder",
                                 layout=w.Layout(width="auto"),  # a row of its own, as wide as the panel: long labels
                                 tooltip="this folder and its subfolders, worst coverage first")
        self.tag = w.Combobox(options=tag_options(tag_table), placeholder="any tag", description="Tag",
                              ensure_option=False, layout=w.Layout(flex="1 1 240px", width="auto"))
        self.confidence = w.FloatRangeSlider(value=(0.0, 1.0), min=0.0, max=1.0, step=0.05,
                                             description="Top confidence", continuous_update=False,
                                             style={"description_width": "initial"},
                                             layout=w.Layout(flex="0 1 360px", width="auto", min_width="260px"))
        self.search = w.Text(placeholder="file name, path or tag contains…", description="Search",
                             continuous_update=False, layout=w.Layout(flex="2 1 300px", width="auto"))
        self.status_boxes = {status: w.Checkbox(value=status in FIXABLE_STATUSES, description=status_words(status),
                                                indent=False, layout=w.Layout(width="auto", margin="0 12px 0 0"))
                             for status in STATUSES}
        self.select_matching_button = w.Button(description="Select all matching", icon="check-square",
                                               layout=w.Layout(width="auto", flex="none"))
        self.unselect_matching_button = w.Button(description="Unselect matching", icon="minus-square",
                                                 layout=w.Layout(width="auto", flex="none"))
        self.clear = w.Button(description="Clear selection", icon="square", layout=w.Layout(width="auto", flex="none"))
        self.selection_label = w.HTML()
        self.selection_label.add_class("xmpaudit-selection")
        self.widget = w.VBox([
            w.HTML("<hr style='margin:4px 0'><b>Choose assets</b> — by rule, then <i>Select all matching</i>, "
                   "or tick rows"),
            self.folder,
            w.HBox([self.tag, self.search], layout=wrapping()),
            w.HBox([self.confidence, w.HTML(f"<small>{TOP_CONFIDENCE_HELP}</small>",
                                            layout=w.Layout(flex="1 1 300px", width="auto"))], layout=wrapping()),
            w.HBox([w.Label("Status:"), *self.status_boxes.values()], layout=wrapping()),
            w.HBox([self.select_matching_button, self.unselect_matching_button, self.clear, self.selection_label],
                   layout=wrapping()),
        ])

    @property
    def controls(self) -> tuple[w.Widget, ...]:
        return (self.folder, self.tag, self.confidence, self.search, *self.status_boxes.values())

    def on_rule_change(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` whenever the user changes a rule (not when the folder list is relabelled)."""
        for control in self.controls:
            control.observe(lambda _c: None if self._relabelling else callback(), names="value")

    def rules(self) -> Rules:
        """What the rule controls say now."""
        return Rules(folder=self.folder.value, statuses=tuple(s for s, box in self.status_boxes.items() if box.value),
                     tag=self.tag.value, confidence=tuple(self.confidence.value), search=self.search.value)

    def relabel_folders(self, table: pd.DataFrame) -> None:
        """New counts in the folder list (worst first again), keeping the chosen folder when it still exists."""
        chosen = self.folder.value
        options = folder_options(table)
        self._relabelling = True
        try:
            self.folder.options = options
            if chosen in {value for _, value in options}:
                self.folder.value = chosen
        finally:
            self._relabelling = False

    def show_counts(self, matching: int, selected: int) -> None:
        """The matching rows on the Select button, the selected rows beside it."""
        self.select_matching_button.description = f"Select all {matching:,} matching"
        self.show_selected(selected)

    def show_selected(self, selected: int) -> None:
        self.selection_label.value = f"&nbsp;<b>{selected:,}</b> selected"
