"""The headline of an audit: coverage %, counts and shares by status, change since the previous snapshot,
worst folders first, and a short markdown summary for an email or a ticket."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd

from xmpaudit.core.statuses import FIXABLE_STATUSES, NODE_IN_SYNC, STATUSES, coverage_of, status_words


class Audited(Protocol):
    """What the headline reads of an audit: its assets (folder, status) and the counts per status."""

    assets: pd.DataFrame

    def counts(self) -> pd.Series: ...


@dataclass
class Headline:
    """The numbers a librarian reports: coverage, counts by status, change, worst folders."""

    coverage_pct: float | None
    tagged: int
    total: int
    by_status: pd.DataFrame            # status, label, assets, share_pct, change
    worst_folders: pd.DataFrame        # folder, assets, with_smart_tags, to_fix, coverage_pct
    previous: dict[str, Any] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def coverage_change(self) -> float | None:
        """Coverage points gained (negative: lost) since the previous snapshot, None without one."""
        if not self.previous:
            return None
        before, _ = coverage_of(self.previous.get("counts", {}))
        if before is None or self.coverage_pct is None:
            return None
        return round(self.coverage_pct - before, 1)

    def to_markdown(self, folders: int = 5) -> str:
        """A short summary to paste into an email or a ticket."""
        lines = ["**Smart tags → XMP coverage**"]
        if self.meta:
            lines.append(f"Source: {self.meta.get('source', '?')}{self.meta.get('root', '')}, "
                         f"snapshot taken {self.meta.get('taken_at', '?')}")
        lines.append("")
        if self.coverage_pct is None:
            lines.append(f"No asset with smart tags among {self.total} assets.")
        else:
            change = self.coverage_change
            since = "" if change is None else (
                f" ({change:+.1f} points since {self.previous.get('taken_at', 'the previous snapshot')})"
                if self.previous else "")
            lines.append(f"**{self.coverage_pct:.1f}%** of the {self.tagged} assets with smart tags have their "
                         f"tags in XMP{since}; {self.total} assets in all.")
        lines.append("")
        for row in self.by_status.itertuples():
            if row.assets == 0 and (pd.isna(row.change) or row.change == 0):
                continue
            change = "" if pd.isna(row.change) or row.change == 0 else f" ({int(row.change):+d})"
            lines.append(f"- {row.label}: {row.assets} ({row.share_pct:.1f}%){change}")
        worst = self.worst_folders[self.worst_folders["to_fix"] > 0].head(folders)
        if len(worst):
            lines += ["", "Worst folders (lowest coverage first):"]
            root = str(self.meta.get("root") or "").rstrip("/")
            for row in worst.itertuples():
                folder = row.folder[len(root) + 1:] if root and row.folder.startswith(root + "/") else row.folder
                pct = "n/a" if pd.isna(row.coverage_pct) else f"{row.coverage_pct:.1f}%"
                lines.append(f"- {folder or '(top folder)'}: {pct} covered, {row.to_fix} to fix")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __str__(self) -> str:
        return self.to_markdown()

    __repr__ = __str__


def worst_folders(result: Audited) -> pd.DataFrame:
    """Folders by coverage (as in the headline), lowest first (ties: most assets to fix first); folders
    without smart tags last."""
    table = pd.crosstab(result.assets["folder"].astype(str), result.assets["status"].astype(str)).reindex(
        columns=list(STATUSES), fill_value=0)
    tagged = table.sum(axis=1) - table["no_smart_tags"] - table["invalid"] - table["orphan_xmp"]
    in_sync = table[list(NODE_IN_SYNC)].sum(axis=1)
    out = pd.DataFrame({
        "folder": table.index.to_numpy(),
        "assets": table.sum(axis=1).to_numpy(),
        "with_smart_tags": tagged.to_numpy(),
        "to_fix": table[list(FIXABLE_STATUSES)].sum(axis=1).to_numpy(),
        "invalid": table["invalid"].to_numpy(),
        "coverage_pct": (100.0 * in_sync / tagged.where(tagged > 0)).round(1).to_numpy(),
    })
    return out.sort_values(["coverage_pct", "to_fix", "folder"], ascending=[True, False, True],
                           na_position="last").reset_index(drop=True)


def headline(result: Audited, previous: dict[str, Any] | None = None,
             meta: dict[str, Any] | None = None) -> Headline:
    """The headline of ``result``; ``previous`` is ``{"taken_at", "counts"}`` of the snapshot before."""
    counts = result.counts()
    total = int(counts.sum())
    coverage_pct, tagged = coverage_of(counts)
    before = None if not previous else pd.Series(previous.get("counts", {}), dtype="int64").reindex(
        list(STATUSES), fill_value=0)
    by_status = pd.DataFrame({
        "status": list(STATUSES),
        "label": [status_words(s) for s in STATUSES],
        "assets": counts.to_numpy(),
        "share_pct": (100.0 * counts / total).round(1).to_numpy() if total else [0.0] * len(STATUSES),
        "change": (counts - before).to_numpy() if before is not None else [pd.NA] * len(STATUSES),
    })
    by_status["change"] = by_status["change"].astype("Int64")
    return Headline(coverage_pct=coverage_pct, tagged=tagged, total=total, by_status=by_status,
                    worst_folders=worst_folders(result), previous=previous,
                    meta={k: v for k, v in (meta or {}).items() if k in ("source", "root", "taken_at")})


def summary(result: Audited, previous: dict[str, Any] | None = None, meta: dict[str, Any] | None = None,
            folders: int = 5) -> str:
    """The markdown summary of ``result`` (for ``AuditResult.summary()``, the CLI and the HTML report)."""
    return headline(result, previous, meta).to_markdown(folders)
