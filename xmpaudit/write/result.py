"""What a sync or undo run did, per asset: the outcome frame, its counts, what is not done and the summary line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from xmpaudit.write.outcomes import UNEXPLAINED, Outcome
from xmpaudit.write.plan import NOTHING_TO_DO

# skip reasons that leave the asset as wanted: in sync or nothing to sync; undo: the node is as before the run
DONE_REASONS = (NOTHING_TO_DO, "already as before the run")
COLUMNS = ["asset", "outcome", "reason", "verified", "repaired", "backup_left"]


@dataclass
class ApplyResult:
    """What happened per asset: outcome (an ``Outcome``), reason (every row that is not cleanly done has one),
    verified, repaired, and the backup node left in AEM (path, '' when none)."""

    run: str
    outcomes: pd.DataFrame
    requests: int
    backups_left: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Assets per outcome: applied, skipped, failed, conflict (another writer in between), uncertain."""
        return {str(k): int(v) for k, v in self.outcomes["outcome"].value_counts().items()}

    def not_done(self) -> pd.DataFrame:
        """The rows that did not end as wanted (applied and verified, or skipped with nothing to do)."""
        frame = self.outcomes
        verified = frame["verified"].fillna(False).astype(bool)
        clean = (frame["outcome"] == Outcome.APPLIED) & verified
        nothing_to_do = (frame["outcome"] == Outcome.SKIPPED) & frame["reason"].str.startswith(DONE_REASONS)
        return frame[~(clean | nothing_to_do)]

    @property
    def ok(self) -> bool:
        """Every row done and no backup node left behind."""
        return self.not_done().empty and not self.backups_left

    def summary(self) -> str:
        counts = ", ".join(f"{n} {o}" for o, n in sorted(self.counts().items())) or "nothing"
        text = f"run {self.run}: {counts}; {self.requests} requests"
        open_rows = len(self.not_done())
        if open_rows:
            text += f"; {open_rows} NOT done"
        if self.backups_left:
            text += f"; {len(self.backups_left)} backup nodes left (undo or `xmpaudit cleanup` removes them)"
        return text


def outcomes_frame(outcomes: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per asset from a run's outcome records; a row not cleanly done without a reason gets one, and a
    backup left behind is named in the reason."""
    frame = pd.DataFrame(list(outcomes.values()), columns=COLUMNS)
    frame["outcome"] = frame["outcome"].map(Outcome)
    frame["reason"] = frame["reason"].fillna("").astype(str)
    frame["verified"] = frame["verified"].astype("boolean")
    frame["repaired"] = frame["repaired"].astype("boolean").fillna(False).astype(bool)
    frame["backup_left"] = frame["backup_left"].astype(object).fillna("").astype(str)
    applied = (frame["outcome"] == Outcome.APPLIED) & frame["verified"].fillna(False)
    unexplained = (frame["reason"] == "") & ~applied
    frame.loc[unexplained, "reason"] = frame.loc[unexplained, "outcome"].map(UNEXPLAINED).fillna("not done")
    left = frame["backup_left"] != ""
    said = frame.loc[left, "reason"]
    frame.loc[left, "reason"] = said.where(said == "", said + "; ") + "backup node left at " + frame.loc[left,
                                                                                                   "backup_left"]
    return frame
