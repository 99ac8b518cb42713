"""The panel's Undo: of the selected rows (with the sync run that last wrote them) or of a whole run, previewed,
then (confirmed) applied from the journal and the rows re-read."""

from __future__ import annotations

from typing import Any

import pandas as pd

from xmpaudit.core.errors import XmpAuditError
from xmpaudit.core.number_words import counted
from xmpaudit.core.progress import ProgressCallback
from xmpaudit.ui.panel_confirm import Pending
from xmpaudit.ui.panel_html import outcomes_html, plan_html, previewed
from xmpaudit.ui.panel_parts import PanelParts
from xmpaudit.ui.panel_rows import reread
from xmpaudit.write.apply import ApplyResult, apply_plan
from xmpaudit.write.plan import SyncPlan
from xmpaudit.write.undo import plan_undo


class UndoAction:
    """Undo as the scope toggle says: ``selected`` rows or the whole latest sync ``run``."""

    def __init__(self, parts: PanelParts) -> None:
        self.parts = parts
        self.label_scope()

    def label_scope(self) -> str | None:
        """Name what the undo choices refer to: the selected rows' own sync run, or the journal's latest."""
        run = self.parts.journal.last_run("sync")
        toggle = self.parts.view.undo_scope
        scope = toggle.value
        toggle.options = [("selected rows (their latest run)", "selected"),
                          (f"whole run {run}" if run else "whole run", "run")]
        toggle.value = scope  # new options reset the choice; keep the user's
        return run

    def _run_of_selection(self, assets: list[str], latest: str | None) -> str | None:
        """The one sync run that last wrote the selected rows (the latest run when none wrote any of them);
        rows last written by different runs are undone one run at a time."""
        runs = self.parts.journal.last_runs_of(assets)
        chosen = sorted(set(runs.values()))
        if len(chosen) > 1:
            counts = pd.Series(list(runs.values())).value_counts()
            raise XmpAuditError(f"The selected rows were last written by {len(chosen)} sync runs ("
                                + ", ".join(f"{r}: {counted(int(n), 'row')}" for r, n in counts.items())
                                + "); select the rows of one run, or undo a whole run")
        return chosen[0] if chosen else latest

    def preview(self) -> None:
        """Dry run of undoing the selected rows (with the sync run that last wrote them), or the whole latest
        sync run (as chosen)."""
        parts = self.parts
        scope = parts.view.undo_scope.value
        run = self.label_scope()
        if scope == "selected" and not parts.data.selected:
            raise XmpAuditError("Select the rows to undo, or choose 'whole run'")
        assets = sorted(parts.data.selected) if scope == "selected" else None
        if assets is not None:
            run = self._run_of_selection(assets, run)
        what = f"{counted(len(assets), 'selected row')} of" if assets is not None else "the whole run"
        parts.worker.run("Undo check", lambda _p: plan_undo(parts.client, parts.journal, run, assets),
                         lambda plan: self._offer(plan, what))

    def _offer(self, plan: SyncPlan, what: str) -> None:
        parts = self.parts
        parts.confirm.arm(Pending("undo", plan, start=lambda: self._start(plan)), f"Confirm undo ({len(plan):,})")
        binaries = len({c.asset for c in plan.changes} & parts.writes.written_back)
        note = (f" {binaries:,} of these assets were already written back: undo restores only their XMP node; "
                "their binaries keep the synced tags until you run Writeback again." if binaries else "")
        shown = previewed(plan)
        parts.view.say("info", f"Undo preview of {what} {plan.undoes}: {plan.summary()}.{note} Nothing written yet.",
                       plan_html(plan, plan.arguments, parts.data.statuses(shown).dropna().to_dict(),
                                 parts.data.custom_tags(shown)))

    def _start(self, plan: SyncPlan) -> None:
        parts = self.parts

        def job(progress: ProgressCallback) -> tuple[ApplyResult, Any]:
            result = apply_plan(parts.client, plan, parts.journal, show_progress=False, on_progress=progress)
            return result, reread(parts.client, [c.asset for c in plan.changes], parts.data.args, progress)

        parts.worker.run("Undo", job, lambda outcome: self._done(*outcome))

    def _done(self, result: ApplyResult, fresh: Any) -> None:
        parts = self.parts
        parts.writes.keep(result.outcomes.assign(action="undo"), result.run)
        parts.data.update_rows(fresh)
        parts.rows_changed()
        parts.view.say("ok" if result.ok else "error", f"Undo done: {result.summary()}; rows re-read.",
                       outcomes_html(result.outcomes))
        parts.changed("undo", result)
