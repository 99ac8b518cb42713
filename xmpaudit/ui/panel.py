"""One JupyterLab panel: find assets by rule or by clicks in a paged grid, then Preview/Sync, Writeback and Undo.

Every write is two clicks: the first shows what would happen (the dry run), the second does exactly that. Long work
runs on a worker thread with a progress bar; the outcome of the last action is shown at the top of the panel.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import ipywidgets as w
import pandas as pd

from xmpaudit.aem.client import AemClient
from xmpaudit.aem.workflows import WRITEBACK_MODEL
from xmpaudit.audit.compare import audit
from xmpaudit.audit.result import AuditResult
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import XmpAuditError
from xmpaudit.core.number_words import counted
from xmpaudit.core.progress import ProgressCallback
from xmpaudit.read.inventory import take_inventory
from xmpaudit.ui.background import BackgroundWorker
from xmpaudit.ui.grid import PagedGrid
from xmpaudit.ui.panel_confirm import PanelConfirmedWrites
from xmpaudit.ui.panel_html import outcomes_html, plan_html, previewed
from xmpaudit.ui.panel_rows import CHUNK, changed_rows, chunks, reread
from xmpaudit.ui.panel_rules import ALL_FOLDERS, folder_options, tag_options
from xmpaudit.ui.panel_view import one_line
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import SyncPlan, plan_sync

__all__ = ["ALL_FOLDERS", "AuditPanel", "one_line"]
RAW_DIFFS = 3


class AuditPanel(PanelConfirmedWrites):
    """The audit grid with rule selection and the four actions. ``panel.widget`` is what gets displayed.

    ``on_change`` (a list, appendable later) is called as ``callback(action, outcome)`` after every Sync, Undo,
    Writeback and Refresh, e.g. for the app to re-audit; a failing callback becomes one error line.
    ``read_all`` is how Refresh reads every asset again, ``read_all(progress) -> (result, smart_tags)``; the app
    passes its session's, so the page and the panel share one inventory (default: a new inventory of ``root``)."""

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
        on_change: Iterable[Callable[[str, Any], None]] = (),
        read_all: Callable[[ProgressCallback], tuple[AuditResult, pd.DataFrame]] | None = None,
    ) -> None:
        self.client = client
        self.journal = journal
        self.args: SyncArguments = result.arguments
        self.root = root
        self.writeback_model = writeback_model
        self.max_concurrent_writebacks = max_concurrent_writebacks
        self.synced: list[str] = []
        self.written_back: set[str] = set()
        self.results: list[pd.DataFrame] = []
        self.on_change: list[Callable[[str, Any], None]] = list(on_change)
        self.read_all = read_all
        self._init_selection()
        self._load(result, smart_tags)
        self.worker = BackgroundWorker(on_start=self._show_busy, on_progress=self._on_progress,
                                       on_finish=self._on_finish, on_error=self._on_error, background=background)
        self.grid = PagedGrid(page_size, lambda p: p in self.selected, self._on_toggle)
        self.grid.set_root(self.table["folder"])
        self._build_view(folder_options(self.table), tag_options(self.tag_table), self.grid.widget)
        self._wire()
        self._label_undo_scope()
        self.refresh_table()
        self.say("info", f"{counted(len(self.table), 'asset')} audited. Choose assets by rule or tick rows, "
                         "then Preview.")

    def _wire(self) -> None:
        self.raw_toggle.observe(lambda _c: self._show_raw(), names="value")
        self.force_box.observe(lambda _c: self._update_confirm_button(), names="value")
        for control in self.rule_controls:
            control.observe(lambda _c: self._on_rule_change(), names="value")
        handlers: dict[w.Button, Callable[[], None]] = {
            self.select_matching_button: self.select_matching,
            self.unselect_matching_button: self.unselect_matching,
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

    def _guarded(self, handler: Callable[[], None]) -> None:
        """Run a button handler; a failure becomes one line at the top of the panel."""
        try:
            self.worker.refuse_if_busy()  # before the handler changes anything
            handler()
        except Exception as exc:
            self._on_error(exc)

    def _on_error(self, exc: BaseException) -> None:
        self.say("error", f"Error: {one_line(exc)}")

    def _on_finish(self) -> None:
        self._show_idle()
        self._update_sync_button()
        self._update_confirm_button()

    def _changed(self, action: str, outcome: Any) -> None:
        """Tell every ``on_change`` callback that ``action`` changed AEM or the table."""
        for callback in list(self.on_change):
            try:
                callback(action, outcome)
            except Exception as exc:
                self.say("error", f"Error after {action}: {one_line(exc)}")

    def wait(self, timeout: float | None = 600.0) -> AuditPanel:
        """Block until the running action is done (for scripts and tests)."""
        self.worker.wait(timeout)
        return self

    # -- preview and sync --------------------------------------------------------------------------------

    def preview(self) -> None:
        """Dry run of the sync for the selected assets (in the background); enables Sync for this selection."""
        if not self.selected:
            raise XmpAuditError("Select assets first")
        self._cancel_pending()
        chosen = sorted(self.selected)

        def job(progress: ProgressCallback) -> SyncPlan:
            plans = []
            for number, chunk in enumerate(chunks(chosen), start=1):
                plans.append(plan_sync(self.client, chunk, self.args))
                progress(min(number * CHUNK, len(chosen)), len(chosen))
            skipped = [p.skipped for p in plans if len(p.skipped)]
            return SyncPlan([c for p in plans for c in p.changes],
                            pd.concat(skipped, ignore_index=True) if skipped else plans[0].skipped, self.args)

        def then(plan: SyncPlan) -> None:
            self.plan, self.plan_selection = plan, frozenset(chosen)
            self.say("ok", f"Preview: {plan.summary()}. Nothing was written; Sync writes exactly this.",
                     plan_html(plan, self.args, custom=self.custom_tags(previewed(plan))))
            self.raw_toggle.layout.display = None if plan.changes else "none"

        self.worker.run("Preview", job, then)

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
            return result, reread(self.client, [c.asset for c in plan.changes], self.args, progress)

        def then(outcome: Any) -> None:
            result, fresh = outcome
            applied = result.outcomes.loc[result.outcomes["outcome"] == "applied", "asset"].tolist()
            self.synced += applied
            self.results.append(result.outcomes.assign(action="sync"))
            fixed = self._update_rows(fresh)
            verified = "all verified" if result.ok else "NOT all verified: see the table below"
            self.say("ok" if result.ok else "error",
                     f"Sync done: {result.summary()}; {verified}; {counted(fixed, 'row')} fixed and unselected. "
                     f"Journal: {self.journal.path}",
                     outcomes_html(result.outcomes))
            self._label_undo_scope()
            self._changed("sync", result)

        self.worker.run("Sync", job, then)

    # -- refresh -----------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read every asset again (the whole root, or the audited assets) and re-audit."""
        def job(progress: ProgressCallback) -> Any:
            if self.read_all is not None:
                return self.read_all(progress)
            if self.root is not None:
                snapshot = take_inventory(self.client, self.root, self.args, show_progress=False,
                                          on_progress=progress)
                return audit(snapshot, self.args), snapshot.smart_tags
            return reread(self.client, self.table.index.tolist(), self.args, progress)

        def then(fresh: tuple[AuditResult, pd.DataFrame]) -> None:
            with self._lock:
                before = self.table
                self._load(*fresh)
                self.selected &= set(self.table.index)  # assets gone from AEM leave the selection
                self.plan = None
                changed = changed_rows(before, self.table)
            self._relabel_folders()
            self.refresh_table(keep_page=True)
            self.say("ok", f"Refreshed {datetime.now().strftime('%H:%M:%S')}, {counted(changed, 'row')} changed: "
                           f"{counted(len(self.table), 'asset')} read again from {self.client.base_url}.")
            self._changed("refresh", fresh[0])

        self.worker.run("Refresh", job, then)
