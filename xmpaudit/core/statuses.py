"""The statuses as one table (one row per status: name, words, colour, order, coverage role, badge, usual reason);
every view the kit uses (names in code order, display order, colours, words …) is derived from it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from xmpaudit.core.errors import UsageError

# a status's part in coverage: counted as in sync (numerator and denominator), as tagged only (denominator), or not
COUNTS_IN_SYNC = "in sync"
COUNTS_TAGGED = "tagged"
NOT_COUNTED = "not tagged"


@dataclass(frozen=True)
class Status:
    """One status: its name (the value of an audit's ``status`` column) and everything every view shows of it."""

    name: str
    words: str
    colour: str  # Okabe & Ito (2008) colour-blind-safe palette: problems warm, in sync blue/green, no tags grey
    rank: int  # the order every view lists statuses in: what needs fixing first (in fix order), then what is fine
    coverage: str  # COUNTS_IN_SYNC, COUNTS_TAGGED or NOT_COUNTED
    fixable: bool  # the sync writes it
    badge_text: str  # the badge's text colour on ``colour``
    badge_symbol: str  # so colour is never the only cue
    usual_reason: str = ""  # the reason shown when the audit stored none for the asset
    reason_from_flags: bool = False  # the reason is worded from the audit's ``stale_flags`` bits


# One row per status. A row's position is its code (the ``status`` categorical's code): add a status anywhere; no
# code depends on the position (the classifier looks codes up by name, tests/test_statuses_table.py).
STATUS_TABLE: tuple[Status, ...] = (
    Status("invalid", "Invalid (the ACS process would fail)", "#000000", 3, NOT_COUNTED, False, "white", "⚠"),
    Status("no_smart_tags", "No smart tags", "#BBBBBB", 4, NOT_COUNTED, False, "black", "∅",
           "nothing to write: the asset has no smart tags"),
    Status("missing_xmp", "XMP missing", "#D55E00", 0, COUNTS_TAGGED, True, "white", "✚"),
    Status("stale_xmp", "XMP out of date", "#E69F00", 1, COUNTS_TAGGED, True, "black", "↻",
           reason_from_flags=True),
    Status("orphan_xmp", "XMP left without smart tags", "#CC79A7", 2, NOT_COUNTED, True, "black", "✖"),
    Status("in_sync", "In sync", "#009E73", 5, COUNTS_IN_SYNC, False, "white", "✔",
           "the XMP holds exactly what the process would write"),
    Status("not_written_back", "In sync, not yet in the file", "#56B4E9", 6, COUNTS_IN_SYNC, False, "black", "✔"),
    Status("written_back", "In sync and in the file", "#0072B2", 7, COUNTS_IN_SYNC, False, "white", "✔",
           "the XMP and the file hold what the process would write"),
)


@dataclass(frozen=True)
class StatusViews:
    """The views of a status table, each derived from its rows (``views_of``)."""

    names: tuple[str, ...]  # in code order: the categories of an audit's ``status`` column
    code: dict[str, int]
    order: tuple[str, ...]  # by rank
    rank: dict[str, int]
    dtype: pd.CategoricalDtype  # ordered by rank
    colours: dict[str, str]
    words: dict[str, str]
    reason_words: dict[str, str]
    badges: dict[str, tuple[str, str]]  # (text colour, symbol)
    node_in_sync: tuple[str, ...]  # the JCR node is what the ACS process writes (binary statuses refine in_sync)
    fixable: tuple[str, ...]
    not_tagged: tuple[str, ...]  # not counted as "tagged": no smart tags, an orphan XMP array, or invalid
    from_flags: tuple[str, ...]


def views_of(table: Sequence[Status]) -> StatusViews:
    """Every view of ``table`` (names and codes in row order, the rest by rank)."""
    names = tuple(row.name for row in table)
    if len(set(names)) != len(names) or sorted(row.rank for row in table) != list(range(len(table))):
        raise UsageError("a status table needs unique names and ranks 0..N-1")
    by_rank = sorted(table, key=lambda row: row.rank)
    order = tuple(row.name for row in by_rank)
    return StatusViews(
        names=names, code={name: code for code, name in enumerate(names)}, order=order,
        rank={row.name: row.rank for row in table}, dtype=pd.CategoricalDtype(list(order), ordered=True),
        colours={row.name: row.colour for row in by_rank}, words={row.name: row.words for row in by_rank},
        reason_words={row.name: row.usual_reason for row in by_rank if row.usual_reason},
        badges={row.name: (row.badge_text, row.badge_symbol) for row in by_rank},
        node_in_sync=tuple(row.name for row in by_rank if row.coverage == COUNTS_IN_SYNC),
        fixable=tuple(row.name for row in by_rank if row.fixable),
        not_tagged=tuple(row.name for row in by_rank if row.coverage == NOT_COUNTED),
        from_flags=tuple(row.name for row in by_rank if row.reason_from_flags),
    )


VIEWS = views_of(STATUS_TABLE)
# the names the kit imports, each one view of STATUS_TABLE
STATUSES = VIEWS.names
STATUS_CODE = VIEWS.code
STATUS_ORDER = VIEWS.order
STATUS_RANK = VIEWS.rank
STATUS_DTYPE = VIEWS.dtype
STATUS_COLOURS = VIEWS.colours
STATUS_WORDS = VIEWS.words
STATUS_REASON_WORDS = VIEWS.reason_words
STATUS_BADGES = VIEWS.badges
NODE_IN_SYNC = VIEWS.node_in_sync
FIXABLE_STATUSES = VIEWS.fixable
NOT_TAGGED = VIEWS.not_tagged
FLAGGED_STATUSES = VIEWS.from_flags

# why an XMP node is out of date: one bit each in the audit's ``stale_flags`` column (bit i = STALE_REASONS[i])
STALE_REASONS = ("size", "names", "order", "confidences", "types", "extra properties", "structure")
STALE_FLAG = {reason: 1 << bit for bit, reason in enumerate(STALE_REASONS)}
STALE_WORDS = {"size": "number of tags", "names": "tag names", "order": "tag order", "confidences": "confidences",
               "types": "property types", "extra properties": "extra properties", "structure": "node structure"}


def status_words(status: str) -> str:
    """A status in words (``stale_xmp`` -> ``XMP out of date``)."""
    return STATUS_WORDS.get(str(status), str(status))


def stale_reasons(flags: int) -> tuple[str, ...]:
    """The stale reasons set in ``flags`` (``0b11`` -> ``("size", "names")``)."""
    return tuple(reason for reason in STALE_REASONS if int(flags) & STALE_FLAG[reason])


def stale_flags_of(*reasons: str) -> int:
    """The ``stale_flags`` value of ``reasons`` (``"size", "names"`` -> ``0b11``); UsageError for an unknown one."""
    unknown = sorted(set(reasons) - set(STALE_FLAG))
    if unknown:
        raise UsageError(f"Unknown stale reason {unknown[0]!r} (known: {', '.join(STALE_REASONS)})")
    return sum(STALE_FLAG[reason] for reason in set(reasons))


def _present(value: Any) -> bool:
    return value is not None and value is not pd.NA and not (isinstance(value, float) and value != value)


def reason_words(status: str, reason: Any = None, stale_flags: Any = 0) -> str:
    """Why an asset has its status, in words: for an out-of-date node from its flags (``XMP differs in number of
    tags, tag names``), else the reason the audit stored, else the status's usual reason (or "")."""
    if str(status) in FLAGGED_STATUSES and _present(stale_flags) and int(stale_flags):
        return "XMP differs in " + ", ".join(STALE_WORDS[r] for r in stale_reasons(int(stale_flags)))
    if _present(reason) and str(reason):
        return str(reason)
    return STATUS_REASON_WORDS.get(str(status), "")


def reasons_in_words(status: pd.Series, reason: pd.Series, stale_flags: pd.Series | None = None) -> list[str]:
    """``reason_words`` per row (computed once per distinct (status, reason, flags))."""
    flags = np.zeros(len(status), dtype=np.int64) if stale_flags is None else \
        stale_flags.to_numpy(dtype=np.int64, na_value=0)
    cache: dict[tuple[str, Any, int], str] = {}
    out = []
    for key in zip(status.astype(object).to_numpy(object), reason.astype(object).to_numpy(object),
                   flags.tolist(), strict=True):
        key = (str(key[0]), key[1] if _present(key[1]) else None, key[2])
        if key not in cache:
            cache[key] = reason_words(*key)
        out.append(cache[key])
    return out


def coverage_columns(counts: pd.DataFrame) -> pd.DataFrame:
    """Per row of ``counts`` (assets per status, one column each): ``assets``, ``with_smart_tags`` (the
    "tagged" assets: not no_smart_tags, invalid or orphan_xmp), ``node_in_sync`` (in_sync, not_written_back or
    written_back) and ``coverage_pct`` (node_in_sync / with_smart_tags, one decimal; NaN without tagged assets).
    The one coverage definition."""
    table = counts.reindex(columns=list(STATUSES), fill_value=0).astype(np.int64)
    assets = table.sum(axis=1)
    tagged = assets - table[list(NOT_TAGGED)].sum(axis=1)
    in_sync = table[list(NODE_IN_SYNC)].sum(axis=1)
    return pd.DataFrame({"assets": assets, "with_smart_tags": tagged, "node_in_sync": in_sync,
                         "coverage_pct": (100.0 * in_sync / tagged.where(tagged > 0)).round(1)}, index=counts.index)


def coverage_of(counts: pd.Series | dict[str, int]) -> tuple[float | None, int]:
    """(coverage %, assets with smart tags) from counts per status; coverage is None without tagged assets."""
    row = coverage_columns(pd.DataFrame([pd.Series(counts, dtype="int64")])).iloc[0]
    return (None if pd.isna(row["coverage_pct"]) else float(row["coverage_pct"])), int(row["with_smart_tags"])
