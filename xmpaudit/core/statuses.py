"""The statuses: names, words, colours, order, stale reasons and the coverage definition (one owner for every view)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

STATUSES = ("invalid", "no_smart_tags", "missing_xmp", "stale_xmp", "orphan_xmp", "in_sync", "not_written_back",
            "written_back")

# the JCR node is what the ACS process writes; the binary statuses refine in_sync once binaries are read
NODE_IN_SYNC = ("in_sync", "not_written_back", "written_back")
FIXABLE_STATUSES = ("missing_xmp", "stale_xmp", "orphan_xmp")
# not counted as "tagged": no smart tags, an orphan XMP array (no smart tags either), or the process would fail
NOT_TAGGED = ("no_smart_tags", "invalid", "orphan_xmp")

# the order every view lists statuses in: what needs fixing first (in fix order), then what is fine
STATUS_ORDER = ("missing_xmp", "stale_xmp", "orphan_xmp", "invalid", "no_smart_tags", "in_sync", "not_written_back",
                "written_back")
STATUS_RANK = {status: rank for rank, status in enumerate(STATUS_ORDER)}
STATUS_DTYPE = pd.CategoricalDtype(list(STATUS_ORDER), ordered=True)

# Okabe & Ito (2008) colour-blind-safe palette; problems warm, in-sync shades of blue/green, no-tag states grey
STATUS_COLOURS = {
    "missing_xmp": "#D55E00",       # vermillion
    "stale_xmp": "#E69F00",         # orange
    "orphan_xmp": "#CC79A7",        # reddish purple
    "invalid": "#000000",           # black
    "no_smart_tags": "#BBBBBB",     # light grey
    "in_sync": "#009E73",           # bluish green
    "not_written_back": "#56B4E9",  # sky blue
    "written_back": "#0072B2",      # blue
}

STATUS_WORDS = {
    "invalid": "Invalid (the ACS process would fail)",
    "no_smart_tags": "No smart tags",
    "missing_xmp": "XMP missing",
    "stale_xmp": "XMP out of date",
    "orphan_xmp": "XMP left without smart tags",
    "in_sync": "In sync",
    "not_written_back": "In sync, not yet in the file",
    "written_back": "In sync and in the file",
}

# the reason shown for a status when the audit stored none for the asset
STATUS_REASON_WORDS = {
    "in_sync": "the XMP holds exactly what the process would write",
    "no_smart_tags": "nothing to write: the asset has no smart tags",
    "written_back": "the XMP and the file hold what the process would write",
}

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
    """The ``stale_flags`` value of ``reasons`` (``"size", "names"`` -> ``0b11``); KeyError for an unknown one."""
    return sum(STALE_FLAG[reason] for reason in set(reasons))


def _present(value: Any) -> bool:
    return value is not None and value is not pd.NA and not (isinstance(value, float) and value != value)


def reason_words(status: str, reason: Any = None, stale_flags: Any = 0) -> str:
    """Why an asset has its status, in words: for an out-of-date node from its flags (``XMP differs in number of
    tags, tag names``), else the reason the audit stored, else the status's usual reason (or "")."""
    if str(status) == "stale_xmp" and _present(stale_flags) and int(stale_flags):
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
