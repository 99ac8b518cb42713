"""The panel's details as HTML: a plan in words (sync or undo), the assets not applied, a writeback report."""

from __future__ import annotations

import html
from collections.abc import Mapping

import pandas as pd

from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.number_words import counted
from xmpaudit.ui.grid import status_badge
from xmpaudit.write.diffwords import describe_change
from xmpaudit.write.outcomes import BinaryOutcome, Outcome
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


def previewed(plan: SyncPlan) -> list[str]:
    """The assets whose change the preview shows."""
    return [c.asset for c in plan.changes[:PREVIEW_ROWS]]


def plan_heading(plan: SyncPlan) -> str:
    """The plan's last column says what it does: the sync, or the undo of which run."""
    return f"What undoing run {plan.undoes} does" if plan.kind == "undo" else "What the sync does"


def plan_html(plan: SyncPlan, args: SyncArguments, statuses: Mapping[str, str] | None = None,
              custom: Mapping[str, set[str]] | None = None) -> str:
    """A plan's changes in words (the first ``PREVIEW_ROWS``, with the flags on the tags written: confidence
    0.0, ``custom`` names per asset) and its skipped assets counted by reason; the status column shows
    ``statuses`` (the rows' status now) where given, else the plan's."""
    statuses, custom = statuses or {}, custom or {}
    rows = [(html.escape(c.asset.rsplit("/", 1)[-1]), status_badge(statuses.get(c.asset, c.status)),
             html.escape(describe_change(c.before, c.after, args, custom.get(c.asset, set()))))
            for c in plan.changes[:PREVIEW_ROWS]]
    parts = [_table(("File name", "Status", html.escape(plan_heading(plan))), rows)]
    if len(plan.changes) > PREVIEW_ROWS:
        parts.append(f"<p>… and {len(plan.changes) - PREVIEW_ROWS:,} more changes</p>")
    if len(plan.skipped):
        reasons = plan.skipped["reason"].value_counts()
        parts.append("<p><b>Skipped:</b> " + "; ".join(f"{n:,} × {html.escape(str(r))}"
                                                       for r, n in reasons.items()) + "</p>")
    return "".join(parts)


def outcomes_html(outcomes: pd.DataFrame) -> str:
    """The assets a sync or undo did not apply, with the reason."""
    problems = outcomes[outcomes["outcome"] != Outcome.APPLIED]
    if problems.empty:
        return ""
    return "<p><b>Not applied:</b></p>" + problems.head(PREVIEW_ROWS).to_html(index=False)


def targets_html(table: pd.DataFrame, targets: list[str], source: str) -> str:
    """Exactly the assets an action acts on (name, folder, status), the first ``PREVIEW_ROWS`` of them."""
    rows = [(html.escape(str(table.at[p, "name"]) if p in table.index else p.rsplit("/", 1)[-1]),
             html.escape(p.rsplit("/", 1)[0]),
             status_badge(str(table.at[p, "status"])) if p in table.index else "not audited")
            for p in targets[:PREVIEW_ROWS]]
    more = f"<p>… and {len(targets) - PREVIEW_ROWS:,} more</p>" if len(targets) > PREVIEW_ROWS else ""
    return (f"<p><b>Acts on {counted(len(targets), 'asset')}</b> ({html.escape(source)}):</p>"
            + _table(("File name", "Folder", "Status"), rows) + more)


def writeback_report_html(report: pd.DataFrame) -> str:
    """The assets whose file did not get the tags, with the workflow's state and the proof's reason; then, apart
    and not as failures, those that had nothing to write."""
    nothing = report["binary_status"] == BinaryOutcome.NOTHING_TO_WRITE
    missed = report[(report["binary_status"] != BinaryOutcome.WRITTEN_BACK) & ~nothing]
    parts = []
    if not missed.empty:
        rows = [(html.escape(r.asset.rsplit("/", 1)[-1]), html.escape(str(r.state)),
                 status_badge(str(r.binary_status)), html.escape(str(r.binary_reason)))
                for r in missed.head(PREVIEW_ROWS).itertuples()]
        parts.append("<p><b>Not in the file:</b></p>" + _table(("File name", "Workflow", "Binary", "Why"), rows))
    if nothing.any():
        rows = [(html.escape(r.asset.rsplit("/", 1)[-1]), html.escape(str(r.binary_reason) or "no smart tags to carry"))
                for r in report[nothing].head(PREVIEW_ROWS).itertuples()]
        parts.append("<p><b>Nothing to write</b> (not a failure):</p>" + _table(("File name", "Why"), rows))
    return "".join(parts)
