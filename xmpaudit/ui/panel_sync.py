"""The panel's Preview and Sync: a dry run of the selection, then exactly that plan written, verified, re-read."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from xmpaudit.core.errors import XmpAuditError
from xmpaudit.core.number_words import counted
from xmpaudit.core.progress import ProgressCallback
from xmpaudit.ui.panel_html import outcomes_html, plan_html, previewed
from xmpaudit.ui.panel_parts import PanelParts
from xmpaudit.ui.panel_rows import CHUNK, chunks, reread
from xmpaudit.write.apply import ApplyResult, apply_plan
from xmpaudit.write.outcomes import Outcome
from xmpaudit.write.plan import SyncPlan, plan_sync

RAW_DIFFS = 3


class SyncAction:
    """Preview plans a sync of the selection (in the background) and enables Sync for that selection only; Sync
    applies that plan and puts the re-read rows in place."""

    def __init__(self, parts: PanelParts) -> None:
        self.parts = parts
        self.plan: SyncPlan | None = None
        self.plan_selection: frozenset[str] = frozenset()
        view = parts.view
        view.raw_toggle.observe(lambda _c: self.show_raw(), names="value")

    def forget(self) -> None:
        """Drop the previewed plan (the table it was made for is gone)."""
        self.plan = None

    def update_button(self) -> None:
        """Sync is clickable only for a non-empty plan of exactly the current selection, with no job running."""
        plan, parts = self.plan, self.parts
        parts.view.sync_button.disabled = (parts.worker.busy or plan is None or len(plan) == 0
                                           or frozenset(parts.data.selected) != self.plan_selection)

    def preview(self) -> None:
        """Dry run of the sync for the selected assets (in the background); enables Sync for this selection."""
        parts = self.parts
        if not parts.data.selected:
            raise XmpAuditError("Select assets first")
        parts.confirm.cancel()
        chosen = sorted(parts.data.selected)
        args, from_aem = parts.data.args, parts.args_from_aem()

        def job(progress: ProgressCallback) -> SyncPlan:
            plans = []
            for number, chunk in enumerate(chunks(chosen), start=1):
                plans.append(plan_sync(parts.client, chunk, args))
                progress(min(number * CHUNK, len(chosen)), len(chosen))
            skipped = [p.skipped for p in plans if len(p.skipped)]
            plan = SyncPlan([c for p in plans for c in p.changes],
                            pd.concat(skipped, ignore_index=True) if skipped else plans[0].skipped, args)
            plan.arguments_from_aem = from_aem  # Sync reads them again just before sending (write/argument_check)
            return plan

        def then(plan: SyncPlan) -> None:
            self.plan, self.plan_selection = plan, frozenset(chosen)
            parts.view.say("ok", f"Preview: {plan.summary()}. Nothing was written; Sync writes exactly this.",
                           plan_html(plan, args, custom=parts.data.custom_tags(previewed(plan))))
            parts.view.raw_toggle.layout.display = None if plan.changes else "none"

        parts.worker.run("Preview", job, then)

    def show_raw(self) -> None:
        view = self.parts.view
        if view.raw_toggle.value and self.plan is not None:
            view.raw.value = f"<pre>{html.escape(self.plan.diff_text(limit=RAW_DIFFS))}</pre>"
        else:
            view.raw.value = ""

    def sync(self) -> None:
        """Apply the previewed plan (only if the selection did not change since), then re-read those assets."""
        parts = self.parts
        if self.plan is None or frozenset(parts.data.selected) != self.plan_selection:
            raise XmpAuditError("Preview the current selection before syncing")
        plan, self.plan = self.plan, None
        parts.view.sync_button.disabled = True

        def job(progress: ProgressCallback) -> Any:
            result = apply_plan(parts.client, plan, parts.journal, show_progress=False, on_progress=progress)
            return result, reread(parts.client, [c.asset for c in plan.changes], plan.arguments, progress)

        parts.worker.run("Sync", job, lambda outcome: self._done(*outcome))

    def _done(self, result: ApplyResult, fresh: Any) -> None:
        parts = self.parts
        applied = result.outcomes.loc[result.outcomes["outcome"] == Outcome.APPLIED, "asset"].tolist()
        parts.writes.synced += applied
        parts.writes.keep(result.outcomes.assign(action="sync"), result.run)
        fixed = parts.data.update_rows(fresh)
        parts.rows_changed()
        verified = "all verified" if result.ok else "NOT all verified: see the table below"
        parts.view.say("ok" if result.ok else "error",
                       f"Sync done: {result.summary()}; {verified}; {counted(fixed, 'row')} fixed and unselected. "
                       f"Journal: {parts.journal.path}", outcomes_html(result.outcomes))
        parts.changed("sync", result)
