"""One JupyterLab panel: find assets by rule or by clicks in a paged grid, then Preview/Sync, Writeback and Undo.

Every write is two clicks: the first shows what would happen (the dry run), the second does exactly that. Long work
runs on a worker thread with a progress bar; the outcome of the last action is shown at the top of the panel.
"""

from __future__ import annotations

import html
import os
import threading
from collections.abc import Callable
from typing import Any

import ipywidgets as w
import pandas as pd
from IPython.display import display

from xmpaudit.aem.client import AemClient
from xmpaudit.aem.workflows import WRITEBACK_MODEL
from xmpaudit.audit.compare import audit
from xmpaudit.audit.result import AuditResult
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import XmpAuditError
from xmpaudit.core.progress import ProgressCallback
from xmpaudit.core.statuses import FIXABLE_STATUSES, NODE_IN_SYNC, STATUSES, status_words
from xmpaudit.read.inventory import snapshot_of, take_inventory
from xmpaudit.ui.background import BackgroundWorker
from xmpaudit.ui.grid import TOP_CONFIDENCE_HELP, PagedGrid, local_fix_frame, status_badge
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.diffwords import describe_change
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import SyncPlan, plan_sync
from xmpaudit.write.undo import plan_undo
from xmpaudit.write.writeback import run_writeback
from xmpaudit.write.writeback_preflight import writeback_preflight

ALL_FOLDERS = "(all folders)"
CHUNK = 1000  # assets per dry-run / re-read step (progress moves per chunk)
PREVIEW_ROWS = 50
RAW_DIFFS = 3


def writeback_preflight_html(client: AemClient, assets: list[str], model: str) -> str:
    """The writeback pre-flight (model, step arguments, launchers, live copies) as HTML."""
    return writeback_preflight(client, assets, model=model)._repr_html_()


def one_line(exc: BaseException) -> str:
    """An error as one readable line."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text if isinstance(exc, XmpAuditError) and text else f"{type(exc).__name__}: {text}".rstrip(": ")


def _chunks(items: list[str], size: int = CHUNK) -> list[list[str]]:
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


class AuditPanel:
    """The audit grid with rule selection and the four actions. ``panel.widget`` is what gets displayed."""

    def __init__(
        self,
        client: AemClient,
        result: AuditResult,
        journal: Journal,
        smart_tags: pd.DataFrame | None = None,
        *,
        root: str | None = None,
        page_size: int = 20,
        writeback_model: str = WRITEBACK_MODEL,
        max_concurrent_writebacks: int = 4,
        background: bool = True,
    ) -> None:
        self.client = client
        self.journal = journal
        self.args: SyncArguments = result.arguments
        self.root = root
        self.writeback_model = writeback_model
        self.max_concurrent_writebacks = max_concurrent_writebacks
        self.selected: set[str] = set()
        self.plan: SyncPlan | None = None
        self.plan_selection: frozenset[str] = frozenset()
        self.pending: tuple[str, Any] | None = None
        self.synced: list[str] = []
        self.written_back: set[str] = set()
        self.results: list[pd.DataFrame] = []
        self.messages: list[str] = []
        self._lock = threading.RLock()
        self._load(result, smart_tags)
        self.worker = BackgroundWorker(on_start=self._on_start, on_progress=self._on_progress,
                                       on_finish=self._on_finish, on_error=self._on_error, background=background)
        self.grid = PagedGrid(page_size, lambda p: p in self.selected, self._on_toggle)
        self.grid.set_root(self.table["folder"])
        self._build()
        self.refresh_table()
        self.say("info", f"{len(self.table):,} assets audited. Choose assets by rule or tick rows, then Preview.")

    def _load(self, result: AuditResult, smart_tags: pd.DataFrame | None) -> None:
        tags = smart_tags if smart_tags is not None else result.expected
        self.tag_table = tags.loc[tags["name"].notna(), ["asset", "name", "confidence"]].reset_index(drop=True)
        self.table = local_fix_frame(result, smart_tags, self.client.base_url)

    # -- layout ------------------------------------------------------------------------------------------

    def _build(self) -> None:
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
                                    tooltip="restore the nodes of the latest sync (shows a preview first)")
        self.confirm_button = w.Button(description="Confirm", button_style="danger", layout=w.Layout(display="none"))
        self.refresh_button = w.Button(description="Refresh", icon="refresh",
                                       tooltip="read every asset again from AEM and re-audit")
        self.details = w.HTML(layout=w.Layout(max_height="300px", overflow="auto", width="100%"))
        self.raw_toggle = w.ToggleButton(value=False, description="Show raw node", icon="code",
                                         layout=w.Layout(display="none"))
        self.raw = w.HTML(layout=w.Layout(max_height="300px", overflow="auto", width="100%"))
        self.raw_toggle.observe(lambda _c: self._show_raw(), names="value")

        self.folder = w.Dropdown(options=self._folder_options(), description="Folder",
                                 layout=w.Layout(width="380px"), tooltip="this folder and its subfolders")
        self.tag = w.Combobox(options=self._tag_options(), placeholder="any tag", description="Tag",
                              ensure_option=False, layout=w.Layout(width="260px"))
        self.confidence = w.FloatRangeSlider(value=(0.0, 1.0), min=0.0, max=1.0, step=0.05,
                                             description="Top confidence", continuous_update=False,
                                             style={"description_width": "initial"}, layout=w.Layout(width="360px"))
        self.search = w.Text(placeholder="file name, path or tag contains…", description="Search",
                             continuous_update=False, layout=w.Layout(width="320px"))
        self.status_boxes = {status: w.Checkbox(value=status in FIXABLE_STATUSES, description=status_words(status),
                                                indent=False, layout=w.Layout(width="auto", margin="0 12px 0 0"))
                             for status in STATUSES}
        for control in (self.folder, self.tag, self.confidence, self.search, *self.status_boxes.values()):
            control.observe(lambda _c: self.refresh_table(), names="value")
        self.select_matching_button = w.Button(description="Select all matching", icon="check-square",
                                               layout=w.Layout(width="auto"))
        self.unselect_matching_button = w.Button(description="Unselect matching", icon="minus-square",
                                                 layout=w.Layout(width="auto"))
        self.clear = w.Button(description="Clear selection", icon="square", layout=w.Layout(width="auto"))
        self.selection_label = w.HTML()
        self.selection_label.add_class("xmpaudit-selection")
        handlers: dict[w.Button, Callable[[], None]] = {
            self.select_matching_button: self.select_matching,
            self.unselect_matching_button: lambda: self.select(self.filtered().index, False),
            self.clear: self.clear_selection,
            self.preview_button: self.preview,
            self.sync_button: self.sync,
            self.writeback_button: self.preview_writeback,
            self.undo_button: self.preview_undo,
            self.confirm_button: self.confirm,
            self.refresh_button: self.refresh,
        }
        for button, handler in handlers.items():
            button.on_click(lambda _b, h=handler: self._guarded(h))
        self.action_buttons = (self.preview_button, self.writeback_button, self.undo_button, self.refresh_button)
        self.widget = w.VBox([
            self.status_line,
            w.HBox([self.preview_button, self.sync_button, self.writeback_button, self.undo_button,
                    self.confirm_button, self.refresh_button, self.progress]),
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
            self.grid.widget,
        ])
        self.widget.add_class("xmpaudit-panel")

    def _folder_options(self) -> list[tuple[str, str]]:
        """Every folder and its parents below the common ancestor, labelled relative to it."""
        folders = self.table["folder"].dropna().unique().tolist()
        common = os.path.commonpath(folders) if folders else ""
        options = set()
        for folder in folders:
            while len(folder) > len(common):
                options.add(folder)
                folder = folder.rsplit("/", 1)[0]
        labels = [f[len(common):].lstrip("/") for f in sorted(options)]
        return [(f"{ALL_FOLDERS} under {common}", ALL_FOLDERS), *zip(labels, sorted(options), strict=True)]

    def _tag_options(self) -> list[str]:
        return self.tag_table["name"].astype(str).value_counts().index[:300].sort_values().tolist()

    def _ipython_display_(self) -> None:
        display(self.widget)

    # -- messages ----------------------------------------------------------------------------------------

    def say(self, kind: str, text: str, details: str | None = None) -> None:
        """Show one line at the top of the panel (kind: info, ok, error) and, optionally, details below it."""
        colour, icon = {"ok": ("#009E73", "✔"), "error": ("#D55E00", "✖"), "busy": ("#0072B2", "⏳")}.get(
            kind, ("#444", "ℹ"))
        self.messages.append(text)
        self.status_line.value = (f"<div style='padding:6px 8px;border-left:6px solid {colour};background:#f6f6f6'>"
                                  f"<b style='color:{colour}'>{icon}</b> {html.escape(text)}</div>")
        if details is not None:
            self.details.value = details
            self.raw_toggle.layout.display = "none"
            self.raw_toggle.value = False
            self.raw.value = ""

    def _guarded(self, handler: Callable[[], None]) -> None:
        """Run a button handler; a failure becomes one line at the top of the panel."""
        try:
            if self.worker.busy:
                raise XmpAuditError(f"Busy: {self.worker.label} is still running; wait until it finishes")
            handler()
        except Exception as exc:
            self._on_error(exc)

    def _on_error(self, exc: BaseException) -> None:
        self.say("error", f"Error: {one_line(exc)}")

    # -- background work ---------------------------------------------------------------------------------

    def _on_start(self, label: str) -> None:
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

    def _on_finish(self) -> None:
        for button in (*self.action_buttons, self.confirm_button):
            button.disabled = False
        self.progress.description = "Idle"
        self.progress.value = 0
        self._update_sync_button()

    def wait(self, timeout: float | None = 600.0) -> AuditPanel:
        """Block until the running action is done (for scripts and tests)."""
        self.worker.wait(timeout)
        return self

    # -- filtering and selection -------------------------------------------------------------------------

    def filtered(self) -> pd.DataFrame:
        """Rows matching the folder, status, tag, confidence and search rules."""
        with self._lock:
            table = self.table
            statuses = [s for s, box in self.status_boxes.items() if box.value]
            mask = table["status"].isin(statuses).to_numpy(copy=True)
            if self.folder.value != ALL_FOLDERS:
                folder = self.folder.value
                mask &= ((table["folder"] == folder) | table["folder"].str.startswith(folder + "/")).to_numpy()
            low, high = self.confidence.value
            tag = self.tag.value.strip().lower()
            if tag:
                tags = self.tag_table
                hit = (tags["name"].astype(str).str.lower() == tag) & tags["confidence"].fillna(0.0).between(low, high)
                mask &= table.index.isin(tags.loc[hit, "asset"].unique())
            elif (low, high) != (0.0, 1.0):
                mask &= table["top_confidence"].fillna(0.0).between(low, high).to_numpy()
            text = self.search.value.strip()
            if text:
                found = table["path"].str.contains(text, case=False, regex=False) | table["tags"].str.contains(
                    text, case=False, regex=False)
                mask &= found.to_numpy()
            return table[mask]

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
        self.sync_button.disabled = (self.plan is None or len(self.plan) == 0
                                     or frozenset(self.selected) != self.plan_selection)

    # -- actions -----------------------------------------------------------------------------------------

    def preview(self) -> None:
        """Dry run of the sync for the selected assets (in the background); enables Sync for this selection."""
        if not self.selected:
            raise XmpAuditError("Select assets first")
        self._cancel_pending()
        chosen = sorted(self.selected)

        def job(progress: ProgressCallback) -> SyncPlan:
            plans = []
            for number, chunk in enumerate(_chunks(chosen), start=1):
                plans.append(plan_sync(self.client, chunk, self.args))
                progress(min(number * CHUNK, len(chosen)), len(chosen))
            skipped = [p.skipped for p in plans if len(p.skipped)]
            return SyncPlan([c for p in plans for c in p.changes],
                            pd.concat(skipped, ignore_index=True) if skipped else plans[0].skipped, self.args)

        def then(plan: SyncPlan) -> None:
            self.plan, self.plan_selection = plan, frozenset(chosen)
            self.say("ok", f"Preview: {plan.summary()}. Nothing was written; Sync writes exactly this.",
                     self._plan_html(plan))
            self.raw_toggle.layout.display = None if plan.changes else "none"

        self.worker.run("Preview", job, then)

    def _plan_html(self, plan: SyncPlan) -> str:
        cell = "style='text-align:left;padding:2px 8px;vertical-align:top'"
        rows = "".join(f"<tr><td {cell}>{html.escape(c.asset.rsplit('/', 1)[-1])}</td>"
                       f"<td {cell}>{status_badge(c.status)}</td>"
                       f"<td {cell}>{html.escape(describe_change(c.before, c.after, self.args))}</td></tr>"
                       for c in plan.changes[:PREVIEW_ROWS])
        head = "".join(f"<th {cell}>{title}</th>" for title in ("File name", "Status", "What the sync does"))
        parts = [f"<table style='border-collapse:collapse'><tr>{head}</tr>{rows}</table>" if rows else ""]
        if len(plan.changes) > PREVIEW_ROWS:
            parts.append(f"<p>… and {len(plan.changes) - PREVIEW_ROWS:,} more changes</p>")
        if len(plan.skipped):
            reasons = plan.skipped["reason"].value_counts()
            parts.append("<p><b>Skipped:</b> " + "; ".join(f"{n:,} × {html.escape(str(r))}"
                                                           for r, n in reasons.items()) + "</p>")
        return "".join(parts)

    def _show_raw(self) -> None:
        if self.raw_toggle.value and self.plan is not None:
            self.raw.value = f"<pre>{html.escape(self.plan.diff_text(limit=RAW_DIFFS))}</pre>"
        else:
            self.raw.value = ""

    def sync(self) -> None:
        """Apply the previewed plan (only if the selection did not change since), then re-read those assets."""
        if self.plan is None or frozenset(self.selected) != self.plan_selection:
            raise XmpAuditError("Preview the current selection before syncing")
        plan, self.plan = self.plan, None
        self.sync_button.disabled = True

        def job(progress: ProgressCallback) -> Any:
            result = apply_plan(self.client, plan, self.journal, show_progress=False, on_progress=progress)
            return result, self._reread([c.asset for c in plan.changes], progress)

        def then(outcome: Any) -> None:
            result, fresh = outcome
            applied = result.outcomes.loc[result.outcomes["outcome"] == "applied", "asset"].tolist()
            self.synced += applied
            self.results.append(result.outcomes.assign(action="sync"))
            fixed = self._update_rows(fresh)
            verified = "all verified" if result.ok else "NOT all verified: see the table below"
            self.say("ok" if result.ok else "error",
                     f"Sync done: {result.summary()}; {verified}; {fixed:,} rows fixed and unselected. "
                     f"Journal: {self.journal.path}",
                     self._outcomes_html(result.outcomes))

        self.worker.run("Sync", job, then)

    def _outcomes_html(self, outcomes: pd.DataFrame) -> str:
        problems = outcomes[outcomes["outcome"] != "applied"]
        if problems.empty:
            return ""
        return "<p><b>Not applied:</b></p>" + problems.head(PREVIEW_ROWS).to_html(index=False)

    def preview_writeback(self) -> None:
        """Show which assets would get the writeback workflow (and the preflight); Confirm starts them."""
        targets = sorted(self.selected) or [p for p in dict.fromkeys(self.synced) if p not in self.written_back]
        if not targets:
            raise XmpAuditError("Select assets (or sync some) before a writeback")

        def then(preflight: str) -> None:
            statuses = self.table["status"].reindex(targets)
            not_in_sync = int((~statuses.isin(NODE_IN_SYNC)).sum())
            warning = (f" {not_in_sync:,} of them are not in sync: their binaries would get the current (unsynced) "
                       "XMP." if not_in_sync else "")
            self._arm("writeback", targets, f"Confirm writeback ({len(targets):,})")
            self.say("info", f"Writeback preview: workflow {self.writeback_model} would start for {len(targets):,} "
                             f"assets, {self.max_concurrent_writebacks} at a time.{warning} Nothing started yet.",
                     preflight)

        self.worker.run("Writeback check",
                        lambda _p: writeback_preflight_html(self.client, targets, self.writeback_model), then)

    def preview_undo(self) -> None:
        """Dry run of undoing the latest sync run in the journal; Confirm applies it."""

        def then(plan: SyncPlan) -> None:
            self._arm("undo", plan, f"Confirm undo ({len(plan):,})")
            binaries = len({c.asset for c in plan.changes} & self.written_back)
            note = (f" {binaries:,} of these assets were already written back: undo restores only their XMP node; "
                    "their binaries keep the synced tags until you run Writeback again." if binaries else "")
            self.say("info", f"Undo preview of {plan.undoes}: {plan.summary()}.{note} Nothing written yet.",
                     self._plan_html(plan))

        self.worker.run("Undo check", lambda _p: plan_undo(self.client, self.journal), then)

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
            self.worker.run("Writeback", lambda progress: run_writeback(
                self.client, payload, model=self.writeback_model, max_concurrent=self.max_concurrent_writebacks,
                poll_interval=0.2, show_progress=False, on_progress=progress), self._writeback_done)
        else:
            def job(progress: ProgressCallback) -> Any:
                result = apply_plan(self.client, payload, self.journal, show_progress=False, on_progress=progress)
                return result, self._reread([c.asset for c in payload.changes], progress)

            def then(outcome: Any) -> None:
                result, fresh = outcome
                self.results.append(result.outcomes.assign(action="undo"))
                self._update_rows(fresh)
                self.say("ok" if result.ok else "error", f"Undo done: {result.summary()}; rows re-read.",
                         self._outcomes_html(result.outcomes))

            self.worker.run("Undo", job, then)

    def _writeback_done(self, report: pd.DataFrame) -> None:
        self.results.append(report.assign(action="writeback"))
        completed = report.loc[report["state"] == "COMPLETED", "asset"]
        self.written_back.update(completed)
        failed = report[report["state"] != "COMPLETED"]
        self.say("ok" if failed.empty else "error",
                 f"Writeback done: {len(completed):,} completed, {len(failed):,} failed",
                 failed.head(PREVIEW_ROWS).to_html(index=False) if len(failed) else "")

    def refresh(self) -> None:
        """Read every asset again (the whole root, or the audited assets) and re-audit."""
        def job(progress: ProgressCallback) -> Any:
            if self.root is not None:
                snapshot = take_inventory(self.client, self.root, self.args, show_progress=False,
                                          on_progress=progress)
                return audit(snapshot, self.args), snapshot.smart_tags
            return self._reread(self.table.index.tolist(), progress)

        def then(fresh: tuple[AuditResult, pd.DataFrame]) -> None:
            with self._lock:
                self._load(*fresh)
                self.selected &= set(self.table.index)  # assets gone from AEM leave the selection
                self.plan = None
            self.refresh_table(keep_page=True)
            self.say("ok", f"Refreshed: {len(self.table):,} assets read again from {self.client.base_url}.")

        self.worker.run("Refresh", job, then)

    # -- re-reading rows ---------------------------------------------------------------------------------

    def _reread(self, paths: list[str], progress: ProgressCallback) -> tuple[AuditResult, pd.DataFrame]:
        """Read these assets again and audit them (in chunks, with progress)."""
        assets, tags, expected = [], [], []
        result = None
        for number, chunk in enumerate(_chunks(paths), start=1):
            snapshot = snapshot_of(self.client, chunk, self.args)
            result = audit(snapshot, self.args)
            assets.append(result.assets)
            tags.append(snapshot.smart_tags)
            expected.append(result.expected)
            progress(min(number * CHUNK, len(paths)), len(paths))
        assert result is not None
        merged = AuditResult(pd.concat(assets, ignore_index=True), result.tags,
                             pd.concat(expected, ignore_index=True), self.args)
        return merged, pd.concat(tags, ignore_index=True)

    def _update_rows(self, fresh: tuple[AuditResult, pd.DataFrame]) -> int:
        """Put re-read rows into the table in place; unselect rows no longer in need of a fix."""
        result, smart_tags = fresh
        rows = local_fix_frame(result, smart_tags, self.client.base_url)
        with self._lock:
            table = self.table.copy()
            table.loc[rows.index, rows.columns] = rows
            self.tag_table = pd.concat([self.tag_table[~self.tag_table["asset"].isin(rows.index)],
                                        smart_tags.loc[smart_tags["name"].notna(), ["asset", "name", "confidence"]]],
                                       ignore_index=True)
            self.table = table
            fixed = set(rows.index[~rows["status"].isin(FIXABLE_STATUSES)])  # in sync, or no XMP left to remove
            self.selected -= fixed
        self.refresh_table(keep_page=True)
        return len(fixed)
