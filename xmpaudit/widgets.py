"""One JupyterLab panel: filter the audit, select assets, then Preview/Sync, Writeback and Undo.

Every write is two clicks: the first shows what would happen (the dry run), the second does exactly that.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from typing import Any

import ipywidgets as w
import pandas as pd
from IPython.display import display

from .acs import SyncArguments
from .audit import FIXABLE_STATUSES, NODE_IN_SYNC, STATUSES, AuditResult, audit
from .client import AemClient
from .errors import XmpAuditError
from .inventory import snapshot_of
from .journal import Journal
from .sync import SyncPlan, apply_plan, plan_sync, plan_undo
from .writeback import WRITEBACK_MODEL, run_writeback

ALL_FOLDERS = "(all folders)"
CELL_STYLE = "overflow:hidden;text-overflow:ellipsis;white-space:nowrap"


class AuditPanel:
    """The audit table with selection and the four actions. ``panel.widget`` is what gets displayed."""

    def __init__(
        self,
        client: AemClient,
        result: AuditResult,
        journal: Journal,
        smart_tags: pd.DataFrame | None = None,
        *,
        page_size: int = 20,
        writeback_model: str = WRITEBACK_MODEL,
        max_concurrent_writebacks: int = 4,
    ) -> None:
        self.client = client
        self.journal = journal
        self.args: SyncArguments = result.arguments
        self.assets = result.assets.set_index("path", drop=False)
        self.max_confidence = (
            smart_tags.groupby("asset")["confidence"].max() if smart_tags is not None else pd.Series(dtype=float)
        )
        self.page_size = page_size
        self.page = 0
        self.writeback_model = writeback_model
        self.max_concurrent_writebacks = max_concurrent_writebacks
        self.selected: set[str] = set()
        self.plan: SyncPlan | None = None
        self.plan_selection: frozenset[str] = frozenset()
        self.pending: tuple[str, Any] | None = None
        self.synced: list[str] = []
        self.results: list[pd.DataFrame] = []
        self.messages: list[str] = []
        self.common_folder = os.path.commonpath(self.assets["folder"].tolist()) if len(self.assets) else ""
        self._build()
        self.refresh_table()

    # -- layout ------------------------------------------------------------------------------------------

    def _build(self) -> None:
        folders = sorted(self.assets["folder"].dropna().unique().tolist())
        self.folder = w.Dropdown(options=[ALL_FOLDERS, *folders], description="Folder", layout=w.Layout(width="420px"))
        self.status = w.SelectMultiple(options=list(STATUSES), value=list(FIXABLE_STATUSES), description="Status",
                                       rows=len(STATUSES))
        self.confidence = w.FloatSlider(value=0.0, min=0.0, max=1.0, step=0.05, description="Top conf ≥",
                                        continuous_update=False)
        for control in (self.folder, self.status, self.confidence):
            control.observe(self._on_filter, names="value")
        self.select_all = w.Button(description="Select all filtered", icon="check-square")
        self.clear = w.Button(description="Clear selection", icon="square")
        self.prev_page = w.Button(description="◀", layout=w.Layout(width="40px"))
        self.next_page = w.Button(description="▶", layout=w.Layout(width="40px"))
        self.page_label = w.Label()
        self.rows = w.VBox()
        self.preview_button = w.Button(description="Preview", button_style="info", icon="eye")
        self.sync_button = w.Button(description="Sync", button_style="success", icon="upload", disabled=True)
        self.writeback_button = w.Button(description="Writeback", button_style="warning", icon="file-export")
        self.undo_button = w.Button(description="Undo", button_style="danger", icon="undo")
        self.confirm_button = w.Button(description="Confirm", button_style="danger", layout=w.Layout(display="none"))
        self.progress = w.IntProgress(value=0, min=0, max=1, description="Idle", layout=w.Layout(width="420px"))
        self.log = w.Output(layout=w.Layout(border="1px solid #ddd", max_height="360px", overflow="auto"))
        self.selection_label = w.HTML()
        handlers: dict[w.Button, Callable[[], None]] = {
            self.select_all: self.select_filtered,
            self.clear: self.clear_selection,
            self.prev_page: lambda: self.turn_page(-1),
            self.next_page: lambda: self.turn_page(1),
            self.preview_button: self.preview,
            self.sync_button: self.sync,
            self.writeback_button: self.preview_writeback,
            self.undo_button: self.preview_undo,
            self.confirm_button: self.confirm,
        }
        for button, handler in handlers.items():
            button.on_click(lambda _b, h=handler: self._guarded(h))
        self.widget = w.VBox([
            w.HBox([self.folder, self.confidence]),
            w.HBox([self.status, w.VBox([self.select_all, self.clear, self.selection_label])]),
            w.HBox([self.prev_page, self.page_label, self.next_page]),
            self.rows,
            w.HBox([self.preview_button, self.sync_button, self.writeback_button, self.undo_button,
                    self.confirm_button]),
            self.progress,
            self.log,
        ])
        self.widget.add_class("xmpaudit-panel")

    def _ipython_display_(self) -> None:
        display(self.widget)

    def _guarded(self, handler: Callable[[], None]) -> None:
        """Run a button handler; errors go to the log instead of vanishing in the kernel."""
        try:
            handler()
        except XmpAuditError as exc:
            self.say(f"<b style='color:#b00'>Error:</b> {html.escape(str(exc))}")
        finally:
            self._set_progress(None)

    def say(self, text: str) -> None:
        """Show an HTML line in the result log (and keep it in ``messages``)."""
        self.messages.append(text)
        with self.log:
            display(w.HTML(text))

    # -- filtering and selection -------------------------------------------------------------------------

    def filtered(self) -> pd.DataFrame:
        """Assets matching the folder, status and top-confidence filters."""
        frame = self.assets
        mask = frame["status"].isin(self.status.value)
        if self.folder.value != ALL_FOLDERS:
            mask &= frame["folder"] == self.folder.value
        if self.confidence.value > 0:
            top = self.max_confidence.reindex(frame.index).fillna(0.0)
            mask &= top >= self.confidence.value
        return frame[mask.to_numpy(dtype=bool)]

    def _on_filter(self, _change: Any) -> None:
        self.page = 0
        self.refresh_table()

    def select(self, paths: list[str] | pd.Series, selected: bool = True) -> None:
        """Select (or unselect) assets by path."""
        for path in paths:
            if path not in self.assets.index:
                raise KeyError(f"{path} is not in this audit")
            (self.selected.add if selected else self.selected.discard)(path)
        self._selection_changed()

    def select_filtered(self) -> None:
        self.selected |= set(self.filtered().index)
        self._selection_changed()

    def clear_selection(self) -> None:
        self.selected.clear()
        self._selection_changed()

    def turn_page(self, step: int) -> None:
        pages = max(1, -(-len(self.filtered()) // self.page_size))
        self.page = min(max(0, self.page + step), pages - 1)
        self.refresh_table()

    def _selection_changed(self) -> None:
        self.sync_button.disabled = self.plan is None or frozenset(self.selected) != self.plan_selection
        self._cancel_pending()
        self.refresh_table()

    def refresh_table(self) -> None:
        frame = self.filtered()
        start = self.page * self.page_size
        shown = frame.iloc[start : start + self.page_size]
        header = w.HTML("<div style='display:flex;font-weight:bold'><span style='width:340px'>Asset</span>"
                        "<span style='width:130px'>Status</span><span style='width:220px'>Folder</span>"
                        "<span>Reason</span></div>")
        rows = [header]
        for path, row in shown.iterrows():
            box = w.Checkbox(value=path in self.selected, description=str(row["name"]), indent=False,
                             layout=w.Layout(width="340px", flex="none"), tooltip=str(path))
            box.observe(lambda change, p=path: self._on_check(p, change["new"]), names="value")
            reason = "" if pd.isna(row["reason"]) else str(row["reason"])
            folder = str(row["folder"])[len(self.common_folder):].lstrip("/") or "/"
            cells = w.HTML(
                "<div style='display:flex;white-space:nowrap;line-height:28px'>"
                f"<span style='width:130px;flex:none'>{html.escape(str(row['status']))}</span>"
                f"<span style='width:220px;flex:none;{CELL_STYLE}'>{html.escape(folder)}</span>"
                f"<span style='flex:1 1 auto;min-width:0;{CELL_STYLE}' title='{html.escape(str(path))}'>"
                f"{html.escape(reason)}</span></div>",
                layout=w.Layout(flex="1 1 auto", width="auto", min_width="0"),
            )
            rows.append(w.HBox([box, cells], layout=w.Layout(width="100%")))
        self.rows.children = rows
        last = min(start + self.page_size, len(frame))
        self.page_label.value = f"rows {start + 1 if len(frame) else 0}–{last} of {len(frame)}"
        self.selection_label.value = f"<b>{len(self.selected)}</b> selected"

    def _on_check(self, path: str, value: bool) -> None:
        (self.selected.add if value else self.selected.discard)(path)
        self.sync_button.disabled = self.plan is None or frozenset(self.selected) != self.plan_selection
        self._cancel_pending()
        self.selection_label.value = f"<b>{len(self.selected)}</b> selected"

    # -- actions -----------------------------------------------------------------------------------------

    def _set_progress(self, label: str | None, total: int = 1) -> None:
        self.progress.description = label or "Idle"
        self.progress.max = max(total, 1)
        self.progress.value = 0

    def _on_progress(self, done: int, total: int | None) -> None:
        if total:
            self.progress.max = max(total, 1)
        self.progress.value = min(done, self.progress.max)

    def preview(self) -> SyncPlan:
        """Dry run of the sync for the selected assets; enables Sync for exactly this selection."""
        if not self.selected:
            raise XmpAuditError("Select assets first")
        self._cancel_pending()
        self._set_progress("Preview", len(self.selected))
        self.plan = plan_sync(self.client, sorted(self.selected), self.args)
        self.plan_selection = frozenset(self.selected)
        self.sync_button.disabled = len(self.plan) == 0
        self.say(f"<b>Preview:</b> {html.escape(self.plan.summary())}")
        with self.log:
            display(self.plan.to_frame())
            if len(self.plan.skipped):
                display(self.plan.skipped)
            if self.plan.changes:
                display(w.HTML(f"<pre>{html.escape(self.plan.diff_text(limit=3))}</pre>"))
        return self.plan

    def sync(self) -> None:
        """Apply the previewed plan (only if the selection did not change since the preview)."""
        if self.plan is None or frozenset(self.selected) != self.plan_selection:
            raise XmpAuditError("Preview the current selection before syncing")
        plan, self.plan = self.plan, None
        self.sync_button.disabled = True
        self._set_progress("Sync", len(plan))
        result = apply_plan(self.client, plan, self.journal, show_progress=False, on_progress=self._on_progress)
        applied = result.outcomes.loc[result.outcomes["outcome"] == "applied", "asset"].tolist()
        self.synced += applied
        self.results.append(result.outcomes.assign(action="sync"))
        self.say(f"<b>Sync done:</b> {html.escape(result.summary())}; journal {html.escape(str(self.journal.path))}")
        with self.log:
            display(result.outcomes)
        self.reaudit([c.asset for c in plan.changes])

    def preview_writeback(self) -> None:
        """Show which assets would get the writeback workflow; Confirm starts them."""
        targets = sorted(self.selected) or list(dict.fromkeys(self.synced))
        if not targets:
            raise XmpAuditError("Select assets (or sync some) before a writeback")
        not_in_sync = [p for p in targets if p in self.assets.index and self.assets.at[p, "status"] not in NODE_IN_SYNC]
        self._arm("writeback", targets, f"Confirm writeback ({len(targets)})")
        warning = (f" <b>{len(not_in_sync)}</b> of them are not in sync: their binaries would get the current"
                   " (unsynced) XMP." if not_in_sync else "")
        self.say(f"<b>Writeback preview:</b> workflow <code>{html.escape(self.writeback_model)}</code> would start "
                 f"for {len(targets)} assets, {self.max_concurrent_writebacks} at a time.{warning}")
        with self.log:
            display(pd.DataFrame({"asset": targets}))

    def preview_undo(self) -> None:
        """Dry run of undoing the latest sync run in the journal; Confirm applies it."""
        plan = plan_undo(self.client, self.journal)
        self._arm("undo", plan, f"Confirm undo ({len(plan)})")
        self.say(f"<b>Undo preview of {html.escape(str(plan.undoes))}:</b> {html.escape(plan.summary())}")
        with self.log:
            display(plan.to_frame())
            if len(plan.skipped):
                display(plan.skipped)

    def _arm(self, kind: str, payload: Any, label: str) -> None:
        self.pending = (kind, payload)
        self.confirm_button.description = label
        self.confirm_button.layout.display = None

    def _cancel_pending(self) -> None:
        self.pending = None
        self.confirm_button.layout.display = "none"

    def confirm(self) -> None:
        """Carry out the previewed writeback or undo."""
        if self.pending is None:
            raise XmpAuditError("Nothing previewed to confirm")
        kind, payload = self.pending
        self._cancel_pending()
        if kind == "writeback":
            self._set_progress("Writeback", len(payload))
            report = run_writeback(self.client, payload, model=self.writeback_model,
                                   max_concurrent=self.max_concurrent_writebacks, poll_interval=0.2,
                                   show_progress=False, on_progress=self._on_progress)
            self.results.append(report.assign(action="writeback"))
            failed = report[report["state"] != "COMPLETED"]
            self.say(f"<b>Writeback done:</b> {len(report) - len(failed)} completed, {len(failed)} failed")
            with self.log:
                display(report if len(failed) == 0 else failed)
        elif kind == "undo":
            self._set_progress("Undo", len(payload))
            result = apply_plan(self.client, payload, self.journal, show_progress=False,
                                on_progress=self._on_progress)
            self.results.append(result.outcomes.assign(action="undo"))
            self.say(f"<b>Undo done:</b> {html.escape(result.summary())}")
            self.reaudit([c.asset for c in payload.changes])

    def reaudit(self, paths: list[str]) -> None:
        """Read these assets again and update their status in the table."""
        if not paths:
            return
        fresh = audit(snapshot_of(self.client, paths, self.args), self.args).assets.set_index("path", drop=False)
        for column in ("status", "reason", "xmp_present", "xmp_array_size", "xmp_item_count", "expected_count"):
            self.assets.loc[fresh.index, column] = fresh[column]
        self.refresh_table()
