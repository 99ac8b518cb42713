"""The panel's Writeback: pre-flight and the exact assets first, then (confirmed) the workflow per asset,
journaled, with each row showing whether its file now carries the tags."""

from __future__ import annotations

import pandas as pd

from xmpaudit.aem.workflows import WRITEBACK_MODEL
from xmpaudit.core.errors import ConfigError, XmpAuditError
from xmpaudit.core.number_words import counted
from xmpaudit.core.statuses import NODE_IN_SYNC
from xmpaudit.ui.panel_confirm import Pending
from xmpaudit.ui.panel_html import targets_html, writeback_report_html
from xmpaudit.ui.panel_parts import PanelParts
from xmpaudit.ui.panel_view import one_line
from xmpaudit.write.journal import new_run_id
from xmpaudit.write.outcomes import BinaryOutcome
from xmpaudit.write.writeback import run_writeback
from xmpaudit.write.writeback_preflight import WritebackPreflight, check_preflight, writeback_preflight

WRITEBACK_POLL_S = 0.2


class WritebackAction:
    """Writeback of the selection, or (nothing selected) of what the panel's syncs wrote and no writeback
    carried yet; previewed with the real pre-flight, started by Confirm."""

    def __init__(self, parts: PanelParts, model: str = WRITEBACK_MODEL, max_concurrent: int = 4) -> None:
        self.parts = parts
        self.model = model
        self.max_concurrent = max_concurrent

    def targets(self) -> tuple[list[str], str]:
        """The selection; with nothing selected, what the panel's syncs wrote and no writeback has carried yet."""
        data, writes = self.parts.data, self.parts.writes
        if data.selected:
            return sorted(data.selected), "the selected rows"
        synced = [p for p in dict.fromkeys(writes.synced) if p not in writes.written_back]
        return synced, "nothing is selected: the assets this panel synced and has not written back yet"

    def preview(self) -> None:
        """Pre-flight and the exact list of assets; Confirm is offered only when the pre-flight has no error,
        and needs the tick box when it has warnings."""
        targets, source = self.targets()
        if not targets:
            raise XmpAuditError("Select assets (or sync some) before a writeback")
        self.parts.worker.run("Writeback check", lambda _p: writeback_preflight(
            self.parts.client, targets, model=self.model), lambda preflight: self._offer(targets, source, preflight))

    def _offer(self, targets: list[str], source: str, preflight: WritebackPreflight) -> None:
        parts = self.parts
        details = preflight._repr_html_() + targets_html(parts.data.table, targets, source)
        try:
            check_preflight(preflight, force=True)  # errors block, whatever is ticked
        except ConfigError as exc:
            parts.confirm.cancel()
            parts.view.say("error", f"{one_line(exc)} Nothing started.", details)
            return
        not_in_sync = int((~parts.data.statuses(targets).isin(NODE_IN_SYNC)).sum())
        warning = (f" {not_in_sync:,} of them are not in sync: their binaries would get the current (unsynced) "
                   "XMP." if not_in_sync else "")
        accept = (f" Tick the box to accept {len(preflight.warnings)} pre-flight warnings first."
                  if preflight.warnings else "")
        pending = Pending("writeback", (targets, preflight), start=lambda: self._start(targets),
                          check=lambda force: check_preflight(preflight, force=force))  # errors block, warnings
        parts.confirm.arm(pending, f"Confirm writeback ({len(targets):,})", needs_force=bool(preflight.warnings))
        parts.view.say("info", f"Writeback preview: workflow {self.model} would start for {len(targets):,} "
                               f"assets, {self.max_concurrent} at a time.{warning}{accept} Nothing started yet.",
                       details)

    def _start(self, targets: list[str]) -> None:
        parts = self.parts
        run = new_run_id("writeback")
        parts.worker.run("Writeback", lambda progress: run_writeback(
            parts.client, targets, model=self.model, max_concurrent=self.max_concurrent,
            poll_interval=WRITEBACK_POLL_S, args=parts.data.args, args_from_aem=parts.args_from_aem(),
            journal=parts.journal, run=run, show_progress=False,
            on_progress=progress), lambda report: self._done(run, report))

    def _done(self, run: str, report: pd.DataFrame) -> None:
        parts = self.parts
        parts.writes.keep(report.assign(action="writeback", run=run), run)
        completed = report.loc[report["state"] == "COMPLETED", "asset"]
        parts.writes.written_back.update(completed)
        failed = int((report["state"] != "COMPLETED").sum())
        in_file = int((report["binary_status"] == BinaryOutcome.WRITTEN_BACK).sum())
        nothing = int((report["binary_status"] == BinaryOutcome.NOTHING_TO_WRITE).sum())
        parts.data.apply_proof(report, run)
        parts.rows_changed()
        missed = len(report) - in_file - nothing
        carry = "carries" if in_file == 1 else "carry"
        parts.view.say("ok" if missed == 0 and failed == 0 else "error",
                       f"Writeback run {run}: {len(completed):,} completed, {failed:,} failed; "
                       f"{counted(in_file, 'file')} {carry} the tags (In sync and in the file), {missed:,} do not"
                       + (f", {counted(nothing, 'asset')} had nothing to write" if nothing else "")
                       + f". Journal: {parts.journal.path}", writeback_report_html(report))
        parts.changed("writeback", report)
