"""One JupyterLab panel: find assets by rule or by clicks in a paged grid, then Preview/Sync, Writeback and Undo.

Every write is two clicks: the first shows what would happen (the dry run), the second does exactly that. Long work
runs on a worker thread with a progress bar; the outcome of the last action is shown at the top of the panel.
``AuditPanel`` assembles the parts: the data, the view, the rule controls, the grid, the confirm step and one
object per action; each part only knows the ``PanelParts`` it is given.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd
from IPython.display import display

from xmpaudit.aem.client import AemClient
from xmpaudit.aem.workflows import WRITEBACK_MODEL
from xmpaudit.audit.result import AuditResult
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.number_words import counted
from xmpaudit.core.progress import ProgressCallback
from xmpaudit.core.returned_memory import keep_freed_memory_returnable
from xmpaudit.ui.background import BackgroundWorker
from xmpaudit.ui.grid import PagedGrid
from xmpaudit.ui.newer_notice import NewerNotice
from xmpaudit.ui.panel_chooser import AssetChooser
from xmpaudit.ui.panel_confirm import ConfirmStep, Pending
from xmpaudit.ui.panel_data import PanelData
from xmpaudit.ui.panel_parts import PanelParts
from xmpaudit.ui.panel_refresh import RefreshAction, own_reader, session_reader
from xmpaudit.ui.panel_rules import ALL_FOLDERS
from xmpaudit.ui.panel_sync import SyncAction
from xmpaudit.ui.panel_undo import UndoAction
from xmpaudit.ui.panel_view import PanelView, one_line
from xmpaudit.ui.panel_writeback import WritebackAction
from xmpaudit.write.journal import Journal

if TYPE_CHECKING:
    from xmpaudit.workspace.session import NotebookSession

__all__ = ["ALL_FOLDERS", "AuditPanel", "one_line"]
AS_AUDITED = "Process arguments: those of the audit shown"
# the widgets scripts and tests drive (``panel.preview_button.click()``), by the part that holds them
VIEW_WIDGETS = ("status_line", "args_line", "notice", "progress", "preview_button", "sync_button", "writeback_button",
                "undo_button", "confirm_button", "force_box", "undo_scope", "refresh_button", "details", "raw_toggle",
                "raw")
CONTROL_WIDGETS = ("folder", "tag", "confidence", "search", "status_boxes", "select_matching_button",
                   "unselect_matching_button", "clear", "selection_label")


class AuditPanel:
    """The audit grid with rule selection and the four actions. ``panel.widget`` is what gets displayed;
    ``AuditPanel.from_session(session)`` is how every surface makes one.

    ``on_change`` (a list, appendable later) is called as ``callback(action, outcome)`` after every Sync, Undo,
    Writeback and Refresh, e.g. for the app to re-audit; a failing callback becomes one error line.
    ``read_all`` is how Refresh reads every asset again, ``read_all(progress) -> (result, smart_tags)`` (default:
    a new inventory of ``root``), ``read_changes`` how ``refresh(full=False)`` reads only what changed (default:
    ``read_all``); ``args_source`` says where the process arguments were read, ``args_from_aem``
    whether they were read from AEM (a write then reads them again just before sending, refusing a change)."""

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
        read_changes: Callable[[ProgressCallback], tuple[AuditResult, pd.DataFrame]] | None = None,
        args_source: Callable[[], str] = lambda: AS_AUDITED,
        args_from_aem: Callable[[], bool] = lambda: False,
    ) -> None:
        self.client = client
        self.journal = journal
        self.root = root
        self.on_change: list[Callable[[str, Any], None]] = list(on_change)
        self.args_source = args_source
        keep_freed_memory_returnable()  # a panel made without a session: what its Refresh frees can go back too
        self.data = PanelData(client.base_url, result, smart_tags)
        self.view = PanelView()
        self.worker = BackgroundWorker(on_start=self.view.show_busy, on_progress=self.view.show_progress,
                                       on_finish=self._on_finish, on_error=self._on_error, background=background)
        self.chooser = AssetChooser(self.data, page_size, self._on_selection_change)
        self.confirm_step = ConfirmStep(self.view.confirm_button, self.view.force_box, lambda: self.worker.busy)
        parts = PanelParts(client, journal, self.data, self.view, self.worker, self.confirm_step,
                           rows_changed=self.chooser.rows_changed, changed=self._changed,
                           args_from_aem=args_from_aem)
        self.writes = parts.writes
        self.sync_action = SyncAction(parts)
        self.writeback = WritebackAction(parts, writeback_model, max_concurrent_writebacks)
        self.undo = UndoAction(parts)
        self.refresher = RefreshAction(parts, read_all or own_reader(client, self.data, root), read_changes)
        self.newer: NewerNotice | None = None  # from_session's notice of newer numbers elsewhere
        self.widget = self.view.layout(self.chooser.controls.widget, self.chooser.grid.widget)
        self._wire()
        self._show_arguments()
        self.chooser.show()
        self.say("info", f"{counted(len(self.data.table), 'asset')} audited. Choose assets by rule or tick rows, "
                         "then Preview.")

    @classmethod
    def from_session(cls, session: NotebookSession, result: AuditResult | None = None, *,
                     lock: threading.Lock | None = None, notice: bool = True, **options: Any) -> AuditPanel:
        """The panel on a session: its audit (``result``, else ``session.audit()``), its journal, and a Refresh
        through ``session.refresh()`` (saved, recorded in the history; the arguments the session then holds).
        ``lock`` guards the session when the page audits it on another thread; with ``notice`` the panel's top
        line says when another surface wrote or audited newer numbers (``ui/newer_notice``; a page that shows
        its own notice passes False); ``options`` as for the panel (a ``read_all`` there replaces the session's)."""
        result = session.audit() if result is None else result
        panel = cls(session.client, result, Journal(session.journal), session.snapshot.smart_tags,
                    root=session.root, read_all=options.pop("read_all", None) or session_reader(session, lock),
                    read_changes=session_reader(session, lock, full=False),
                    args_source=lambda: session.args_source, args_from_aem=lambda: session.given_args is None,
                    **options)
        if notice:
            panel.newer = NewerNotice(session, lambda: panel.refresh(full=False), own_runs=lambda: panel.writes.runs,
                                      paused=lambda: panel.worker.busy)
            panel.view.notice.children = (panel.newer.widget,)
        return panel

    def refresh(self, full: bool = True) -> None:
        """Read every asset again and show the new audit, as the Refresh button does; with ``full=False`` only
        what changed (``read_changes``; else every asset). While busy: one line."""
        self._guarded(lambda: self.refresher.refresh(full))

    def _wire(self) -> None:
        handlers: dict[w.Button, Callable[[], None]] = {
            self.chooser.controls.select_matching_button: self.select_matching,
            self.chooser.controls.unselect_matching_button: self.unselect_matching,
            self.chooser.controls.clear: self.clear_selection,
            self.view.preview_button: self.sync_action.preview,
            self.view.sync_button: self.sync_action.sync,
            self.view.writeback_button: self.writeback.preview,
            self.view.undo_button: self.undo.preview,
            self.view.confirm_button: self.confirm_step.confirm,
            self.view.refresh_button: self.refresher.refresh,
        }
        for button, handler in handlers.items():
            button.on_click(lambda _b, h=handler: self._guarded(h))

    def __getattr__(self, name: str) -> Any:
        """The view's and the rule controls' widgets, as scripts drive them (``panel.preview_button``)."""
        parts = self.__dict__
        if name in VIEW_WIDGETS and "view" in parts:
            return getattr(parts["view"], name)
        if name in CONTROL_WIDGETS and "chooser" in parts:
            return getattr(parts["chooser"].controls, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _ipython_display_(self) -> None:
        display(self.widget)

    def say(self, kind: str, text: str, details: str | None = None) -> None:
        """Show one line at the top of the panel (kind: info, ok, error, busy) and, optionally, details below it."""
        self.view.say(kind, text, details)

    # -- what scripts and tests read ---------------------------------------------------------------------

    @property
    def messages(self) -> list[str]:
        """Every line the panel showed at its top, oldest first."""
        return self.view.messages

    @property
    def args(self) -> SyncArguments:
        """The process arguments of the audit shown (the session's after a Refresh through it)."""
        return self.data.args

    @property
    def table(self) -> pd.DataFrame:
        return self.data.table

    @property
    def tag_table(self) -> pd.DataFrame:
        return self.data.tag_table

    @property
    def selected(self) -> set[str]:
        return self.data.selected

    @property
    def proofs(self) -> dict[str, tuple[str, str, str]]:
        return self.data.proofs

    @property
    def plan(self) -> Any:
        """The previewed sync plan waiting for Sync, or None."""
        return self.sync_action.plan

    @property
    def pending(self) -> Pending | None:
        """The previewed writeback or undo waiting for Confirm, or None."""
        return self.confirm_step.pending

    @property
    def results(self) -> list[pd.DataFrame]:
        return self.writes.results

    @property
    def writeback_model(self) -> str:
        return self.writeback.model

    @writeback_model.setter
    def writeback_model(self, model: str) -> None:
        self.writeback.model = model

    def wait(self, timeout: float | None = 600.0) -> AuditPanel:
        """Block until the running action is done (for scripts and tests)."""
        self.worker.wait(timeout)
        return self

    # -- selection ---------------------------------------------------------------------------------------

    @property
    def grid(self) -> PagedGrid:
        return self.chooser.grid

    def filtered(self) -> pd.DataFrame:
        """Rows matching the folder, status, tag, confidence and search rules."""
        return self.chooser.filtered()

    def select(self, paths: Any, selected: bool = True) -> None:
        """Select (or unselect) assets by path."""
        self.chooser.select(paths, selected)

    def select_matching(self) -> None:
        """Add every row matching the rules to the selection."""
        self.chooser.select_matching()

    def unselect_matching(self) -> None:
        """Remove every row matching the rules from the selection."""
        self.chooser.unselect_matching()

    def clear_selection(self) -> None:
        self.chooser.clear()

    # -- how the parts tell each other -------------------------------------------------------------------

    def _on_selection_change(self) -> None:
        self.confirm_step.cancel()
        self.sync_action.update_button()

    def _show_arguments(self) -> None:
        self.view.show_arguments(self.data.args, self.args_source())

    def _guarded(self, handler: Callable[[], None]) -> None:
        """Run a button handler; a failure becomes one line at the top of the panel."""
        try:
            self.worker.refuse_if_busy()  # before the handler changes anything
            handler()
        except Exception as exc:
            self._on_error(exc)

    def _on_error(self, exc: BaseException) -> None:
        self.view.say("error", f"Error: {one_line(exc)}")

    def _on_finish(self) -> None:
        self.view.show_idle()
        self.sync_action.update_button()
        self.confirm_step.update()
        if self.newer is not None:  # its own run is known now: look again at once
            self.newer.check()

    def _changed(self, action: str, outcome: Any) -> None:
        """Bring the other parts up to date, then tell every ``on_change`` callback that ``action`` changed AEM
        or the table."""
        if action == "sync":
            self.undo.label_scope()
        if action == "refresh":
            self.sync_action.forget()
            self._show_arguments()
        for callback in list(self.on_change):
            try:
                callback(action, outcome)
            except Exception as exc:
                self.view.say("error", f"Error after {action}: {one_line(exc)}")
