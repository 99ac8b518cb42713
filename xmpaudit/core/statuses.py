"""The statuses: names, words, colours, order and the coverage definition (one owner for every view)."""

from __future__ import annotations

from typing import Any

import pandas as pd

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


STALE_WORDS = {"size": "number of tags", "names": "tag names", "order": "tag order",
               "confidences": "confidences", "types": "property types", "structure": "node structure"}


def status_words(status: str) -> str:
    """A status in words (``stale_xmp`` -> ``XMP out of date``)."""
    return STATUS_WORDS.get(str(status), str(status))


def reason_words(status: str, reason: Any) -> str:
    """An audit reason in words (``differs in: size,names`` -> ``XMP differs in number of tags, tag names``)."""
    text = "" if reason is None or reason is pd.NA or (isinstance(reason, float) and reason != reason) else str(reason)
    if status == "stale_xmp" and text.startswith("differs in: "):
        parts = [STALE_WORDS.get(p.strip(), p.strip()) for p in text.removeprefix("differs in: ").split(",")]
        return "XMP differs in " + ", ".join(p for p in parts if p)
    return text


def coverage_of(counts: pd.Series | dict[str, int]) -> tuple[float | None, int]:
    """(coverage %, assets with smart tags) from counts per status; coverage is None without tagged assets."""
    counts = pd.Series(counts, dtype="int64").reindex(list(STATUSES), fill_value=0)
    tagged = int(counts.sum() - counts["no_smart_tags"] - counts["invalid"] - counts["orphan_xmp"])
    in_sync = int(counts[list(NODE_IN_SYNC)].sum())
    return (round(100.0 * in_sync / tagged, 1) if tagged else None), tagged


STATUSES = ("invalid", "no_smart_tags", "missing_xmp", "stale_xmp", "orphan_xmp", "in_sync", "not_written_back",
            "written_back")


# the JCR node is what the ACS process writes; the binary statuses refine in_sync once binaries are read
NODE_IN_SYNC = ("in_sync", "not_written_back", "written_back")
FIXABLE_STATUSES = ("missing_xmp", "stale_xmp", "orphan_xmp")
