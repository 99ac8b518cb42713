"""The panel's widgets and layout: the result line, a slot for a notice, the arguments in use, the action buttons,
progress, details, and below them the rule controls and the grid."""

from __future__ import annotations

import html

import ipywidgets as w

from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import XmpAuditError
from xmpaudit.ui.panel_controls import wrapping

MESSAGE_STYLES = {"ok": ("#009E73", "✔"), "error": ("#D55E00", "✖"), "busy": ("#0072B2", "⏳")}


def one_line(exc: BaseException) -> str:
    """An error as one readable line."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text if isinstance(exc, XmpAuditError) and text else f"{type(exc).__name__}: {text}".rstrip(": ")


def arguments_html(args: SyncArguments, source: str) -> str:
    """The process arguments the panel audits and writes with, and where they were read."""
    *names, threshold = args.to_process_args().splitlines()  # minimumConfidence last: shown first, in bold
    return (f"<small class='xmpaudit-args'>Process arguments in use: <b>{html.escape(threshold)}</b>, "
            f"{html.escape(', '.join(names))} — {html.escape(source.removeprefix('Process arguments: '))}</small>")


def whole() -> w.Layout:
    """A button as wide as its whole label, whatever the panel's width (never "Confirm writ…")."""
    return w.Layout(width="auto", flex="none")


class PanelView:
    """The action widgets, created once. ``notice`` is an empty Box right below the result line, at the top, for
    a one-line notice (e.g. newer numbers elsewhere); ``say`` writes the result line; ``layout`` assembles it all."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.notice = w.Box()
        self.notice.add_class("xmpaudit-notice")
        self.status_line = w.HTML()  # a VBox stretches it to the panel's width
        self.status_line.add_class("xmpaudit-result")
        self.args_line = w.HTML()
        self.progress = w.IntProgress(value=0, min=0, max=1, description="Idle", style={"description_width": "initial"},
                                      layout=w.Layout(flex="1 1 240px", width="auto", max_width="420px"))
        self.preview_button = w.Button(description="Preview", button_style="info", icon="eye",
                                       tooltip="dry run: what a sync of the selection would write", layout=whole())
        self.sync_button = w.Button(description="Sync", button_style="success", icon="upload", disabled=True,
                                    tooltip="write exactly the previewed plan", layout=whole())
        self.writeback_button = w.Button(description="Writeback", button_style="warning", icon="file-export",
                                         tooltip="embed the synced XMP into the binaries (shows a preview first)",
                                         layout=whole())
        self.undo_button = w.Button(description="Undo", button_style="danger", icon="undo",
                                    tooltip="restore the selected rows or the whole run (shows a preview first)",
                                    layout=whole())
        self.confirm_button = w.Button(description="Confirm", button_style="danger",  # its count always shown
                                       layout=w.Layout(display="none", width="auto", flex="none"))
        self.force_box = w.Checkbox(value=False, description="Start despite the pre-flight warnings below",
                                    indent=False, layout=w.Layout(display="none", width="auto"))
        self.force_box.add_class("xmpaudit-force")
        self.undo_scope = w.ToggleButtons(options=[("selected rows", "selected"), ("whole run", "run")],
                                          value="selected",
                                          tooltips=["undo only the ticked rows, with the run that last wrote them",
                                                    "undo every asset the run wrote"],
                                          style={"button_width": "auto"}, layout=w.Layout(width="auto"))
        self.undo_scope.add_class("xmpaudit-undo-scope")
        self.refresh_button = w.Button(description="Refresh", icon="refresh",
                                       tooltip="read every asset again from AEM and re-audit", layout=whole())
        self.details = w.HTML(layout=w.Layout(max_height="300px", overflow="auto"))
        self.raw_toggle = w.ToggleButton(value=False, description="Show raw node", icon="code",
                                         layout=w.Layout(display="none"))
        self.raw = w.HTML(layout=w.Layout(max_height="300px", overflow="auto"))
        self.action_buttons = (self.preview_button, self.writeback_button, self.undo_button, self.refresh_button)

    def layout(self, controls: w.Widget, grid: w.Widget) -> w.VBox:
        """The whole panel: result line, notice, arguments, actions, details, then the rule controls and grid."""
        panel = w.VBox([
            self.status_line,
            self.notice,
            self.args_line,
            w.HBox([self.preview_button, self.sync_button, self.writeback_button, self.undo_button,
                    self.confirm_button, self.refresh_button, self.progress], layout=wrapping()),
            w.HBox([w.Label("Undo:"), self.undo_scope, self.force_box], layout=wrapping()),
            self.details,
            self.raw_toggle,
            self.raw,
            controls,
            grid,
        ])
        panel.add_class("xmpaudit-panel")
        return panel

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

    def show_arguments(self, args: SyncArguments, source: str) -> None:
        self.args_line.value = arguments_html(args, source)

    def show_busy(self, label: str) -> None:
        for button in (*self.action_buttons, self.sync_button, self.confirm_button):
            button.disabled = True
        self.progress.description = label
        self.progress.max = 1
        self.progress.value = 0
        self.say("busy", f"{label}…")

    def show_progress(self, done: int, total: int | None) -> None:
        if total:
            self.progress.max = max(total, 1)
        value = min(done, self.progress.max)
        if value == self.progress.max or value - self.progress.value >= max(1, self.progress.max // 100):
            self.progress.value = value

    def show_idle(self) -> None:
        for button in self.action_buttons:
            button.disabled = False
        self.progress.description = "Idle"
        self.progress.value = 0
