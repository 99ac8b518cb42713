"""The panel's two-step writes: Writeback and Undo are previewed first; Confirm carries out exactly that."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import ConfigError, XmpAuditError
from xmpaudit.core.number_words import counted
from xmpaudit.core.progress import ProgressCallback
from xmpaudit.core.statuses import NODE_IN_SYNC
from xmpaudit.ui.background import BackgroundWorker
from xmpaudit.ui.panel_html import outcomes_html, plan_html, previewed, targets_html, writeback_report_html
from xmpaudit.ui.panel_rows import reread
from xmpaudit.ui.panel_selection import PanelSelection
from xmpaudit.ui.panel_view import one_line
from xmpaudit.write.apply import ApplyResult, apply_plan
from xmpaudit.write.journal import Journal, new_run_id
from xmpaudit.write.plan import SyncPlan
from xmpaudit.write.undo import plan_undo
from xmpaudit.write.writeback import run_writeback
from xmpaudit.write.writeback_preflight import WritebackPreflight, check_preflight, writeback_preflight

WRITEBACK_POLL_S = 0.2


class PanelConfirmedWrites(PanelSelection):
    """Writeback (of the selection, or of what the panel's last sync wrote) and Undo (of the selected rows, or
    of a whole run): each previewed, then confirmed; journaled; the rows then show the outcome."""

    journal: Journal
    args: SyncArguments
    worker: BackgroundWorker
    writeback_model: str
    max_concurrent_writebacks: int
    synced: list[str]
    written_back: set[str]
    results: list[pd.DataFrame]
    _changed: Callable[[str, Any], None]

    # -- writeback ---------------------------------------------------------------------------------------

    def _writeback_targets(self) -> tuple[list[str], str]:
        """The selection; with nothing selected, what the panel's syncs wrote and no writeback has carried yet."""
        if self.selected:
            return sorted(self.selected), "the selected rows"
        synced = [p for p in dict.fromkeys(self.synced) if p not in self.written_back]
        return synced, "nothing is selected: the assets this panel synced and has not written back yet"

    def preview_writeback(self) -> None:
        """Pre-flight and the exact list of assets; Confirm is offered only when the pre-flight has no error,
        and needs the tick box when it has warnings."""
        targets, source = self._writeback_targets()
        if not targets:
            raise XmpAuditError("Select assets (or sync some) before a writeback")

        def then(preflight: WritebackPreflight) -> None:
            details = preflight._repr_html_() + targets_html(self.table, targets, source)
            try:
                check_preflight(preflight, force=True)  # errors block, whatever is ticked
            except ConfigError as exc:
                self._cancel_pending()
                self.say("error", f"{one_line(exc)} Nothing started.", details)
                return
            statuses = self.table["status"].reindex(targets)
            not_in_sync = int((~statuses.isin(NODE_IN_SYNC)).sum())
            warning = (f" {not_in_sync:,} of them are not in sync: their binaries would get the current (unsynced) "
                       "XMP." if not_in_sync else "")
            accept = (f" Tick the box to accept {len(preflight.warnings)} pre-flight warnings first."
                      if preflight.warnings else "")
            self._arm("writeback", (targets, preflight), f"Confirm writeback ({len(targets):,})",
                      needs_force=bool(preflight.warnings))
            self.say("info", f"Writeback preview: workflow {self.writeback_model} would start for {len(targets):,} "
                             f"assets, {self.max_concurrent_writebacks} at a time.{warning}{accept} "
                             "Nothing started yet.", details)

        self.worker.run("Writeback check", lambda _p: writeback_preflight(
            self.client, targets, model=self.writeback_model), then)

    def _start_writeback(self, targets: list[str], _preflight: WritebackPreflight) -> None:
        run = new_run_id("writeback")
        self.worker.run("Writeback", lambda progress: run_writeback(
            self.client, targets, model=self.writeback_model, max_concurrent=self.max_concurrent_writebacks,
            poll_interval=WRITEBACK_POLL_S, args=self.args, journal=self.journal, run=run, show_progress=False,
            on_progress=progress), lambda report: self._writeback_done(run, report))

    def _writeback_done(self, run: str, report: pd.DataFrame) -> None:
        self.results.append(report.assign(action="writeback", run=run))
        completed = report.loc[report["state"] == "COMPLETED", "asset"]
        self.written_back.update(completed)
        failed = int((report["state"] != "COMPLETED").sum())
        in_file = int((report["binary_status"] == "written_back").sum())
        self._apply_proof(report, run)
        missed = len(report) - in_file
        self.say("ok" if missed == 0 and failed == 0 else "error",
                 f"Writeback run {run}: {len(completed):,} completed, {failed:,} failed; "
                 f"{in_file:,} files carry the tags (In sync and in the file), {missed:,} do not. "
                 f"Journal: {self.journal.path}", writeback_report_html(report))
        self._changed("writeback", report)

    # -- undo --------------------------------------------------------------------------------------------

    def _label_undo_scope(self) -> str | None:
        """Name what the undo choices refer to: the selected rows' own sync run, or the journal's latest."""
        run = self.journal.last_run("sync")
        scope = self.undo_scope.value
        self.undo_scope.options = [("selected rows (their latest run)", "selected"),
                                   (f"whole run {run}" if run else "whole run", "run")]
        self.undo_scope.value = scope  # new options reset the choice; keep the user's
        return run

    def _run_of_selection(self, assets: list[str], latest: str | None) -> str | None:
        """The one sync run that last wrote the selected rows (the latest run when none wrote any of them);
        rows last written by different runs are undone one run at a time."""
        runs = self.journal.last_runs_of(assets)
        chosen = sorted(set(runs.values()))
        if len(chosen) > 1:
            counts = pd.Series(list(runs.values())).value_counts()
            raise XmpAuditError(f"The selected rows were last written by {len(chosen)} sync runs ("
                                + ", ".join(f"{r}: {counted(int(n), 'row')}" for r, n in counts.items())
                                + "); select the rows of one run, or undo a whole run")
        return chosen[0] if chosen else latest

    def preview_undo(self) -> None:
        """Dry run of undoing the selected rows (with the sync run that last wrote them), or the whole latest
        sync run (as chosen)."""
        scope = self.undo_scope.value
        run = self._label_undo_scope()
        if scope == "selected" and not self.selected:
            raise XmpAuditError("Select the rows to undo, or choose 'whole run'")
        assets = sorted(self.selected) if scope == "selected" else None
        if assets is not None:
            run = self._run_of_selection(assets, run)
        what = f"{counted(len(assets), 'selected row')} of" if assets is not None else "the whole run"

        def then(plan: SyncPlan) -> None:
            self._arm("undo", plan, f"Confirm undo ({len(plan):,})")
            binaries = len({c.asset for c in plan.changes} & self.written_back)
            note = (f" {binaries:,} of these assets were already written back: undo restores only their XMP node; "
                    "their binaries keep the synced tags until you run Writeback again." if binaries else "")
            self.say("info", f"Undo preview of {what} {plan.undoes}: {plan.summary()}.{note} Nothing written yet.",
                     plan_html(plan, plan.arguments, self.table["status"].reindex(previewed(plan)).dropna().to_dict(),
                               self.custom_tags(previewed(plan))))

        self.worker.run("Undo check", lambda _p: plan_undo(self.client, self.journal, run, assets), then)

    def _start_undo(self, plan: SyncPlan) -> None:
        def job(progress: ProgressCallback) -> tuple[ApplyResult, Any]:
            result = apply_plan(self.client, plan, self.journal, show_progress=False, on_progress=progress)
            return result, reread(self.client, [c.asset for c in plan.changes], self.args, progress)

        def then(outcome: tuple[ApplyResult, Any]) -> None:
            result, fresh = outcome
            self.results.append(result.outcomes.assign(action="undo"))
            self._update_rows(fresh)
            self.say("ok" if result.ok else "error", f"Undo done: {result.summary()}; rows re-read.",
                     outcomes_html(result.outcomes))
            self._changed("undo", result)

        self.worker.run("Undo", job, then)

    # -- confirm -----------------------------------------------------------------------------------------

    def confirm(self) -> None:
        """Carry out the previewed writeback or undo."""
        if self.pending is None:
            raise XmpAuditError("Nothing previewed to confirm")
        kind, payload = self.pending
        if kind == "writeback":
            check_preflight(payload[1], force=bool(self.force_box.value))  # errors block, warnings need the tick
        self._cancel_pending()
        if kind == "writeback":
            self._start_writeback(*payload)
        else:
            self._start_undo(payload)
