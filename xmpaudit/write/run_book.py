"""The book of one write run: its id, plan and journal, and each asset's outcome as the run goes."""

from __future__ import annotations

import threading
from typing import Any

from xmpaudit.write import journal as events
from xmpaudit.write.journal import Journal, new_run_id
from xmpaudit.write.outcomes import Outcome
from xmpaudit.write.plan import PlannedChange, SyncPlan
from xmpaudit.write.sling_params import backup_path


class RunBook:
    """What one run has done so far: per asset an outcome record (asset, outcome, reason, verified, repaired,
    backup_left), and every event journaled under the run's id (``note`` builds a record, ``append`` writes)."""

    def __init__(self, plan: SyncPlan, journal: Journal) -> None:
        self.plan = plan
        self.journal = journal
        self.run = new_run_id(plan.kind)
        self.lock = threading.Lock()
        self.outcomes: dict[str, dict[str, Any]] = {}
        for row in plan.skipped.to_dict("records"):
            self.record(row["asset"], Outcome.SKIPPED, row["reason"])

    def record(self, asset: str, outcome: Outcome, reason: str = "", **fields: Any) -> None:
        """Set one asset's outcome (replacing what was recorded before)."""
        self.outcomes[asset] = {"asset": asset, "outcome": outcome, "reason": reason, **fields}

    def update(self, asset: str, **fields: Any) -> None:
        """Change fields of one asset's outcome record."""
        self.outcomes[asset].update(fields)

    def reason(self, asset: str) -> str:
        return str(self.outcomes[asset].get("reason") or "")

    def backup(self, change: PlannedChange) -> str:
        """Where this run moves the node ``change`` replaces."""
        return backup_path(change, self.run)

    def note(self, event: str, change: PlannedChange, **extra: Any) -> dict[str, Any]:
        """A journal record of ``event`` for ``change`` (an intent carries before, after, status and backup)."""
        record = {"run": self.run, "kind": self.plan.kind, "event": event, "asset": change.asset,
                  "node_path": change.node_path}
        if event == events.INTENT:
            record.update(before=change.before, after=change.after, status=change.status, backup=self.backup(change))
        record.update(extra)
        return record

    def append(self, records: list[dict[str, Any]]) -> None:
        """Journal ``records`` (durably; nothing when empty)."""
        if records:
            self.journal.append(records)

    def skipped_records(self) -> list[dict[str, Any]]:
        return [{"run": self.run, "kind": self.plan.kind, "event": events.SKIPPED, "asset": o["asset"],
                 "reason": o["reason"]} for o in self.outcomes.values() if o["outcome"] == Outcome.SKIPPED]
