"""The panel's details as HTML: a plan in words (sync or undo), the assets not applied, a writeback report."""

from __future__ import annotations

import html

import pandas as pd

from xmpaudit.core.acs import SyncArguments
from xmpaudit.ui.grid import status_badge
from xmpaudit.write.diffwords import describe_change
from xmpaudit.write.plan import SyncPlan

PREVIEW_ROWS = 50
CELL = "style='text-align:left;padding:2px 8px;vertical-align:top'"


def _table(titles: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """An HTML table; cells are HTML already (escape text before)."""
    if not rows:
        return ""
    head = "".join(f"<th {CELL}>{title}</th>" for title in titles)
    body = "".join("<tr>" + "".join(f"<td {CELL}>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table style='border-collapse:collapse'><tr>{head}</tr>{body}</table>"


def plan_html(plan: SyncPlan, args: SyncArguments) -> str:
    """A plan's changes in words (the first ``PREVIEW_ROWS``) and its skipped assets counted by reason."""
    rows = [(html.escape(c.asset.rsplit("/", 1)[-1]), status_badge(c.status),
             html.escape(describe_change(c.before, c.after, args))) for c in plan.changes[:PREVIEW_ROWS]]
    parts = [_table(("File name", "Status", "What the sync does"), rows)]
    if len(plan.changes) > PREVIEW_ROWS:
        parts.append(f"<p>… and {len(plan.changes) - PREVIEW_ROWS:,} more changes</p>")
    if len(plan.skipped):
        reasons = plan.skipped["reason"].value_counts()
        parts.append("<p><b>Skipped:</b> " + "; ".join(f"{n:,} × {html.escape(str(r))}"
                                                       for r, n in reasons.items()) + "</p>")
    return "".join(parts)


def outcomes_html(outcomes: pd.DataFrame) -> str:
    """The assets a sync or undo did not apply, with the reason."""
    problems = outcomes[outcomes["outcome"] != "applied"]
    if problems.empty:
        return ""
    return "<p><b>Not applied:</b></p>" + problems.head(PREVIEW_ROWS).to_html(index=False)
