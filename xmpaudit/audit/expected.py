"""What the ACS process would write for each asset: which smart tags its filter keeps, numbered 1..N in stored
order, and what at sequenceName stands in the way of writing them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from xmpaudit.audit.result import as_categorical
from xmpaudit.core.acs import SyncArguments, is_blank
from xmpaudit.read.frames import SLOT_PROPERTY


def slot_kind(value: Any) -> str | None:
    """What sits at sequenceName (a Sling JSON value), named as the inventory's ``xmp_node_type`` column names it:
    None for nothing or a node without a text xmpNodeType, ``SLOT_PROPERTY`` for a property, else the node's
    xmpNodeType."""
    if value is None:
        return None
    if not isinstance(value, dict):
        return SLOT_PROPERTY
    kind = value.get("xmpNodeType")
    return kind if isinstance(kind, str) else None


def kind_in_the_way(kind: str | None, args: SyncArguments) -> str:
    """The one decision whether what sits at sequenceName (as ``slot_kind`` names it) must not be replaced by a
    sync, in words ('' when it may): a property, or a node of another XMP kind (not xmpArray). The process replaces
    both (docs/facts.md); a node without xmpNodeType is a damaged array and is rewritten like it. The audit (and so
    the fix list and the preview) and the write all ask this function."""
    name = args.sequence_name
    if kind is None or kind == "xmpArray":
        return ""
    if kind == SLOT_PROPERTY:
        return (f"sequenceName={name} is a property on this asset: the ACS process would delete it to write the "
                "node; not synced (move or remove the property first)")
    return (f"sequenceName={name} is an XMP {kind} node on this asset, not an array: the ACS process would replace "
            "it; not synced (move or remove it first)")


def in_the_way(value: Any, args: SyncArguments) -> str:
    """Why what sits at sequenceName in an asset's metadata (a Sling JSON value) must not be replaced by a sync
    ('' when it may): ``kind_in_the_way`` of its ``slot_kind``."""
    return kind_in_the_way(slot_kind(value), args)


def kinds_in_the_way(kinds: Iterable[Any], args: SyncArguments) -> dict[str, str]:
    """The ``xmp_node_type`` values (NA = no node) a sync must leave alone, each with its words."""
    found = {}
    for kind in kinds:
        words = kind_in_the_way(kind if isinstance(kind, str) else None, args)
        if words:
            found[kind] = words
    return found


def sorted_rows(ids: np.ndarray, positions: np.ndarray) -> np.ndarray | None:
    """A permutation sorting rows by (asset id, position), or None when they are sorted already."""
    if len(ids) < 2:
        return None
    step = np.diff(ids)
    if (step > 0).all() or ((step >= 0).all() and (np.diff(positions)[step == 0] > 0).all()):
        return None
    return np.lexsort((positions, ids))


def keep_keys(smart_tags: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per smart tag row: the key the process's filter compares (kept iff ``key >= minimumConfidence``): the
    confidence; 0.0 where it is missing or unparseable; -inf where it is never kept (blank or missing name, NaN).
    Also whether the row's confidence is unusable (a kept unusable tag fails the process)."""
    names = as_categorical(smart_tags["name"])
    blank = np.fromiter((is_blank(str(c)) for c in names.categories), dtype=bool, count=len(names.categories))
    codes = names.codes
    named = (codes >= 0) & ~np.append(blank, True)[codes]
    confidence = smart_tags["confidence"].to_numpy(dtype=np.float64, na_value=np.nan)
    unusable = np.isnan(confidence) & smart_tags["confidence_problem"].notna().to_numpy(dtype=bool)
    # missing or unparseable counts as 0.0 (and fails the process when kept); a real NaN never passes the filter
    keys = np.where(unusable, 0.0, np.where(np.isnan(confidence), -np.inf, confidence))
    return np.where(named, keys, -np.inf), unusable


def expected_tags(smart_tags: pd.DataFrame, minimum_confidence: float) -> pd.DataFrame:
    """The tags the process would write: non-blank names with confidence >= minimum (missing counts as 0),
    in stored order, numbered 1..N per asset. Columns: asset_id, asset, index, name, confidence, crashes,
    confidence_problem."""
    ids = smart_tags["asset_id"].to_numpy(dtype=np.int64)
    perm = sorted_rows(ids, smart_tags["order"].to_numpy())
    tags = smart_tags if perm is None else smart_tags.take(perm)
    ids = ids if perm is None else ids[perm]
    names = as_categorical(tags["name"])
    keys, unusable = keep_keys(tags)
    confidence = tags["confidence"].to_numpy(dtype=np.float64, na_value=np.nan)
    kept = np.flatnonzero(keys >= minimum_confidence)
    kept_ids = ids[kept]
    starts = np.flatnonzero(np.r_[True, kept_ids[1:] != kept_ids[:-1]]) if len(kept) else kept
    index = np.arange(len(kept)) - np.repeat(starts, np.diff(np.r_[starts, len(kept)])) + 1
    kept_confidence = confidence[kept]
    return pd.DataFrame(
        {
            "asset_id": kept_ids.astype(np.int32),
            "asset": tags["asset"].array.take(kept),
            "index": index.astype(np.int32),
            "name": names.take(kept),
            "confidence": kept_confidence,
            "crashes": unusable[kept],
            "confidence_problem": tags["confidence_problem"].array.take(kept),
        }
    )
