"""The headline of an audit: coverage %, counts and shares by status, change since the previous snapshot,
worst folders first, and a short markdown summary for an email or a ticket."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd

from xmpaudit.audit.counts import coverage_table, status_by_folder
from xmpaudit.core.dates import moment_words
from xmpaudit.core.number_words import change_words, count_words, counted, percent_words, points_words, share_pct
from xmpaudit.core.statuses import FIXABLE_STATUSES, STATUS_DTYPE, STATUS_ORDER, coverage_of, status_words

META_SHOWN = ("source", "root", "taken_at")
WORST_FOLDERS = 5  # the worst folders every headline lists: notebook 02, the CLI, the app, the reports


class Audited(Protocol):
    """What the headline reads of an audit: its assets (folder, status), the counts per status and the meta."""

    assets: pd.DataFrame
    meta: dict[str, Any]

    def counts(self) -> pd.Series: ...


@dataclass
class Headline:
    """The numbers a librarian reports: coverage, counts by status, change, worst folders."""

    coverage_pct: float | None
    tagged: int
    total: int
    by_status: pd.DataFrame            # status, label, assets, share_pct, change (in STATUS_ORDER)
    worst_folders: pd.DataFrame        # folder, assets, with_smart_tags, to_fix, invalid, coverage_pct
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

    def coverage_sentence(self) -> str:
        """The coverage in one sentence (markdown: the percentage in bold)."""
        if self.coverage_pct is None:
            return f"No asset with smart tags among {counted(self.total, 'asset')}."
        change = self.coverage_change
        since = "" if change is None else \
            f" ({points_words(change)} since {moment_words(self.previous.get('taken_at'), 'the previous snapshot')}" \
            f"{self.previous.get('threshold_note', '')})"
        return (f"**{percent_words(self.coverage_pct)}** of the {counted(self.tagged, 'asset')} with smart tags "
                f"have their tags in XMP{since}; {counted(self.total, 'asset')} in all.")

    def status_lines(self) -> list[str]:
        """One line per status that has assets (or changed): words, count, share and change."""
        lines = []
        for row in self.by_status.itertuples():
            if row.assets == 0 and (pd.isna(row.change) or row.change == 0):
                continue
            change = "" if pd.isna(row.change) or row.change == 0 else f" ({change_words(row.change)})"
            lines.append(f"{row.label}: {count_words(row.assets)} ({percent_words(row.share_pct)}){change}")
        return lines

    def folder_lines(self, folders: int = WORST_FOLDERS) -> list[str]:
        """The worst folders with something to fix, relative to the audited folder."""
        worst = self.worst_folders[self.worst_folders["to_fix"] > 0].head(folders)
        root = str(self.meta.get("root") or "").rstrip("/")
        lines = []
        for row in worst.itertuples():
            folder = row.folder[len(root) + 1:] if root and row.folder.startswith(root + "/") else row.folder
            lines.append(f"{folder or '(top folder)'}: {percent_words(row.coverage_pct)} covered, "
                         f"{count_words(row.to_fix)} to fix")
        return lines

    def to_markdown(self, folders: int = WORST_FOLDERS) -> str:
        """A short summary to paste into an email or a ticket."""
        lines = ["**Smart tags → XMP coverage**"]
        if self.meta:
            lines.append(f"Source: {self.meta.get('source', '?')}{self.meta.get('root', '')}, "
                         f"snapshot taken {moment_words(self.meta.get('taken_at'))}")
        lines += ["", self.coverage_sentence(), ""]
        lines += [f"- {line}" for line in self.status_lines()]
        worst = self.folder_lines(folders)
        if worst:
            lines += ["", "Worst folders (lowest coverage first):", *[f"- {line}" for line in worst]]
        return "\n".join(lines)

    def to_text_lines(self, folders: int = WORST_FOLDERS) -> list[str]:
        """The summary as plain lines (no markdown marks; bullets as "•", which no spreadsheet reads as a
        formula), e.g. for the head of a spreadsheet."""
        return [("• " + line[2:] if line.startswith("- ") else line).replace("**", "")
                for line in self.to_markdown(folders).splitlines()]

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __str__(self) -> str:
        return self.to_markdown()

    __repr__ = __str__


def worst_folders(result: Audited) -> pd.DataFrame:
    """Folders by coverage (as in the headline), lowest first (ties: most assets to fix first); folders
    without smart tags last."""
    table = coverage_table(status_by_folder(result.assets))
    out = pd.DataFrame({
        "folder": pd.array(table.index.astype(str), dtype="string"),
        "assets": table["assets"].to_numpy(),
        "with_smart_tags": table["with_smart_tags"].to_numpy(),
        "to_fix": table[list(FIXABLE_STATUSES)].sum(axis=1).to_numpy(),
        "invalid": table["invalid"].to_numpy(),
        "coverage_pct": table["coverage_pct"].to_numpy(),
    })
    return out.sort_values(["coverage_pct", "to_fix", "folder"], ascending=[True, False, True],
                           na_position="last").reset_index(drop=True)


def headline(result: Audited, previous: dict[str, Any] | None = None,
             meta: dict[str, Any] | None = None) -> Headline:
    """The headline of ``result``; ``previous`` is ``{"taken_at", "counts"}`` of the snapshot before; ``meta``
    (source, root, taken_at) defaults to the audited snapshot's."""
    counts = result.counts().reindex(list(STATUS_ORDER), fill_value=0)
    total = int(counts.sum())
    coverage_pct, tagged = coverage_of(counts)
    before = None if not previous else pd.Series(previous.get("counts", {}), dtype="int64").reindex(
        list(STATUS_ORDER), fill_value=0)
    by_status = pd.DataFrame({
        "status": pd.Categorical(list(STATUS_ORDER), dtype=STATUS_DTYPE),
        "label": [status_words(s) for s in STATUS_ORDER],
        "assets": counts.to_numpy(),
        "share_pct": [share_pct(n, total) or 0.0 for n in counts.to_numpy()],
        "change": (counts - before).to_numpy() if before is not None else [pd.NA] * len(STATUS_ORDER),
    })
    by_status["change"] = by_status["change"].astype("Int64")
    meta = getattr(result, "meta", None) if meta is None else meta
    return Headline(coverage_pct=coverage_pct, tagged=tagged, total=total, by_status=by_status,
                    worst_folders=worst_folders(result), previous=previous,
                    meta={k: v for k, v in (meta or {}).items() if k in META_SHOWN})


def summary(result: Audited, previous: dict[str, Any] | None = None, meta: dict[str, Any] | None = None,
            folders: int = WORST_FOLDERS) -> str:
    """The markdown summary of ``result`` (for ``AuditResult.summary()``, the CLI and the HTML report)."""
    return headline(result, previous, meta).to_markdown(folders)
