"""Sync then writeback as one run: one preview, one run id, one report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from xmpaudit.aem.client import AemClient
from xmpaudit.aem.workflows import WRITEBACK_MODEL
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.outcomes import BINARY_DONE, Outcome
from xmpaudit.write.writeback import run_writeback
from xmpaudit.write.writeback_preflight import check_preflight, writeback_preflight


@dataclass
class SyncWritebackResult:
    """A sync run and the writeback of the assets it wrote, journaled under one run id."""

    sync: Any  # sync.ApplyResult
    writeback: pd.DataFrame

    @property
    def run(self) -> str:
        return str(self.sync.run)

    @property
    def ok(self) -> bool:
        return bool(self.sync.ok) and bool(self.writeback["binary_status"].isin(BINARY_DONE).all())

    def summary(self) -> str:
        counts = self.writeback["binary_status"].value_counts() if len(self.writeback) else pd.Series(dtype=int)
        proof = ", ".join(f"{int(n)} {s}" for s, n in sorted(counts.items(), key=lambda i: str(i[0]))) or "no writeback"
        return f"{self.sync.summary()}\nwriteback: {proof}"


def sync_and_writeback(
    client: AemClient,
    plan: Any,
    journal: Journal,
    *,
    model: str = WRITEBACK_MODEL,
    force: bool = False,
    max_concurrent: int = 4,
    poll_interval: float = 1.0,
    show_progress: bool = True,
) -> SyncWritebackResult:
    """Apply a previewed sync plan, then start writeback for exactly the assets it wrote and verified, as the
    ACS docs' example model does (sync step, then writeback step). Pre-flight runs first: errors stop before
    anything is written, warnings need ``force``. Every event goes into ``journal`` under the sync's run id."""

    check_preflight(writeback_preflight(client, [c.asset for c in plan.changes], model), force=force)
    result = apply_plan(client, plan, journal, show_progress=show_progress)
    outcomes = result.outcomes
    written = outcomes.loc[(outcomes["outcome"] == Outcome.APPLIED) & outcomes["verified"].fillna(False), "asset"]
    report = run_writeback(client, written.tolist(), model=model, max_concurrent=max_concurrent,
                           poll_interval=poll_interval, args=plan.arguments, journal=journal, run=result.run,
                           show_progress=show_progress, args_from_aem=plan.arguments_from_aem)
    return SyncWritebackResult(result, report)
