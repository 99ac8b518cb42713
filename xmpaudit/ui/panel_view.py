"""The panel's widgets and layout: action buttons, progress, the result line at the top, the rule controls."""

from __future__ import annotations

import html

import ipywidgets as w
from IPython.display import display

from xmpaudit.core.errors import XmpAuditError
from xmpaudit.core.statuses import FIXABLE_STATUSES, STATUSES, status_words
from xmpaudit.ui.grid import TOP_CONFIDENCE_HELP

MESSAGE_STYLES = {"ok": ("#009E73", "✔"), "error": ("#D55E00", "✖"), "busy": ("#0072B2", "⏳")}


def one_line(exc: BaseException) -> str:
    """An error as one readable line."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text if isinstance(exc, XmpAuditError) and text else f"{type(exc).__name__}: {text}".rstrip(": ")


class PanelView:
    """Every widget of the panel, created once; ``widget`` is what gets displayed."""

    messages: list[str]

    def _build_view(self, folder_options: list[tuple[str, str]], tag_options: list[str], grid: w.Widget) -> None:
        self.messages = []
        self.status_line = w.HTML(layout=w.Layout(width="100%"))
        self.status_line.add_class("xmpaudit-result")
        self.progress = w.IntProgress(value=0, min=0, max=1, description="Idle", layout=w.Layout(width="420px"))
        self.preview_button = w.Button(description="Preview", button_style="info", icon="eye",
                                       tooltip="dry run: what a sync of the selection would write")
        self.sync_button = w.Button(description="Sync", button_style="success", icon="upload", disabled=True,
                                    tooltip="write exactly the previewed plan")
        self.writeback_button = w.Button(description="Writeback", button_style="warning", icon="file-export",
                                         tooltip="embed the synced XMP into the binaries (shows a preview first)")
        self.undo_button = w.Button(description="Undo", button_style="danger", icon="undo",
                                    tooltip="restore the selected rows or the whole run (shows a preview first)")
        self.confirm_button = w.Button(description="Confirm", button_style="danger", layout=w.Layout(display="none"))
        self.force_box = w.Checkbox(value=False, description="Start despite the pre-flight warnings below",
                                    indent=False, layout=w.Layout(display="none", width="auto"))
        self.force_box.add_class("xmpaudit-force")
        self.undo_scope = w.ToggleButtons(options=[("selected rows", "selected"), ("whole run", "run")],
                                          value="selected", description="Undo:",
                                          tooltips=["undo only the ticked rows, with the run that last wrote them",
                                                    "undo every asset the run wrote"],
                                          style={"button_width": "auto"})
        self.undo_scope.add_class("xmpaudit-undo-scope")
        self.refresh_button = w.Button(description="Refresh", icon="refresh",
                                       tooltip="read every asset again from AEM and re-audit")
        self.details = w.HTML(layout=w.Layout(max_height="300px", overflow="auto", width="100%"))
        self.raw_toggle = w.ToggleButton(value=False, description="Show raw node", icon="code",
                                         layout=w.Layout(display="none"))
        self.raw = w.HTML(layout=w.Layout(max_height="300px", overflow="auto", width="100%"))

        self.folder = w.Dropdown(options=folder_options, description="Folder", layout=w.Layout(width="480px"),
                                 tooltip="this folder and its subfolders, worst coverage first")
        self.tag = w.Combobox(options=tag_options, placeholder="any tag", description="Tag",
                              ensure_option=False, layout=w.Layout(width="260px"))
        self.confidence = w.FloatRangeSlider(value=(0.0, 1.0), min=0.0, max=1.0, step=0.05,
                                             description="Top confidence", continuous_update=False,
                                             style={"description_width": "initial"}, layout=w.Layout(width="360px"))
        self.search = w.Text(placeholder="file name, path or tag contains…", description="Search",
                             continuous_update=False, layout=w.Layout(width="320px"))
        self.status_boxes = {status: w.Checkbox(value=status in FIXABLE_STATUSES, description=status_words(status),
                                                indent=False, layout=w.Layout(width="auto", margin="0 12px 0 0"))
                             for status in STATUSES}
        self.select_matching_button = w.Button(description="Select all matching", icon="check-square",
                                               layout=w.Layout(width="auto"))
        self.unselect_matching_button = w.Button(description="Unselect matching", icon="minus-square",
                                                 layout=w.Layout(width="auto"))
        self.clear = w.Button(description="Clear selection", icon="square", layout=w.Layout(width="auto"))
        self.selection_label = w.HTML()
        self.selection_label.add_class("xmpaudit-selection")
        self.action_buttons = (self.preview_button, self.writeback_button, self.undo_button, self.refresh_button)
        self.widget = w.VBox([
            self.status_line,
            w.HBox([self.preview_button, self.sync_button, self.writeback_button, self.undo_button,
                    self.confirm_button, self.refresh_button, self.progress]),
            w.HBox([self.undo_scope, self.force_box]),
            self.details,
            self.raw_toggle,
            self.raw,
            w.HTML("<hr style='margin:4px 0'><b>Choose assets</b> — by rule, then <i>Select all matching</i>, "
                   "or tick rows"),
            w.HBox([self.folder, self.tag, self.search]),
            w.HBox([self.confidence, w.HTML(f"<small>{TOP_CONFIDENCE_HELP}</small>",
                                            layout=w.Layout(width="640px"))]),
            w.HBox([w.Label("Status:"), *self.status_boxes.values()], layout=w.Layout(flex_flow="row wrap")),
            w.HBox([self.select_matching_button, self.unselect_matching_button, self.clear, self.selection_label]),
            grid,
        ])
        self.widget.add_class("xmpaudit-panel")

    @property
    def rule_controls(self) -> tuple[w.Widget, ...]:
        return (self.folder, self.tag, self.confidence, self.search, *self.status_boxes.values())

    def _ipython_display_(self) -> None:
        display(self.widget)

    def say(self, kind: str, text: str, details: str | None = None) -> None:
        """Show one line at the top of the panel (kind: info, ok, error, busy) and, optionally, details below it."""
        colour, icon = MESSAGE_STYLES.get(kind, ("#444", "ℹ"))
        self.messages.append(text)
        self.status_line.value = (f"<div style='padding:6px 8px;border-left:6px solid {colour};background:#f6f6f6'>"
                                  f"<b style='color:{colour}'>{icon}</b> {html.escape(text)}</div>")
        if details is not None:
            self.details.value = details
            self.raw_toggle.layout.display = "none"
            self.raw_toggle.value = False
            self.raw.value = ""

    def _show_busy(self, label: str) -> None:
        for button in (*self.action_buttons, self.sync_button, self.confirm_button):
            button.disabled = True
        self.progress.description = label
        self.progress.max = 1
        self.progress.value = 0
        self.say("busy", f"{label}…")

    def _on_progress(self, done: int, total: int | None) -> None:
        if total:
            self.progress.max = max(total, 1)
        value = min(done, self.progress.max)
        if value == self.progress.max or value - self.progress.value >= max(1, self.progress.max // 100):
            self.progress.value = value

    def _show_idle(self) -> None:
        for button in self.action_buttons:
            button.disabled = False
        self.progress.description = "Idle"
        self.progress.value = 0
