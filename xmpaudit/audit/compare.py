"""Compare each asset's XMP array node with exactly what the ACS process would write: status, reasons, per-tag
diff and coverage per folder. Vectorised numpy on int32 asset ids (no joins on path strings).

``in_sync`` means the node equals the process's node exactly: same values (Double compared bit for bit, no
tolerance), same JCR types, no extra properties, children or grandchildren, children named 1..N. The shape part
is checked per hit when the frames are built (``frames.xmp_shape``); here only values are compared.
Untagged assets: no node, or the empty array exactly as the process writes it, is ``no_smart_tags``; a node with
items is ``orphan_xmp``; a child-less node of another shape (size, rdf:Bag, extra properties…) is ``stale_xmp``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from xmpaudit.audit.expected import expected_tags, kinds_in_the_way, sorted_rows
from xmpaudit.audit.result import AuditResult, as_categorical, category_is
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import ConfigError
from xmpaudit.core.statuses import STALE_FLAG, STATUS_CODE, STATUSES
from xmpaudit.read.binary_properties import binary_reason
from xmpaudit.read.frames import (
    ITEM_MISNUMBERED,
    SHAPE_BINARY,
    SHAPE_EXTRA_PROPERTIES,
    SHAPE_STRUCTURE,
    SHAPE_TYPES,
    asset_column,
    path_dtype,
)
from xmpaudit.read.snapshot import Snapshot

CHANGES = ("same", "added", "removed", "renamed", "confidence", "renumbered", "properties")
MISSING_REASON = "no XMP array node yet"
ORPHAN_REASON = "XMP array has tags but the asset has no smart tags"
NO_METADATA_REASON = "asset has no metadata node: the ACS process would fail"


class _Keys:
    """Maps asset ids of tag frames to rows of ``assets`` (-1 for ids not in it)."""

    def __init__(self, assets: pd.DataFrame) -> None:
        ids = assets["asset_id"].to_numpy(dtype=np.int64)
        self.count = len(ids)
        self.identity = bool(self.count == 0 or (ids[0] == 0 and ids[-1] == self.count - 1 and
                                                  (np.diff(ids) == 1).all()))
        if not self.identity:
            self.lookup = np.full(int(ids.max()) + 1 if len(ids) else 0, -1, dtype=np.int64)
            self.lookup[ids] = np.arange(self.count)

    def rows(self, ids: np.ndarray) -> np.ndarray:
        ids = ids.astype(np.int64, copy=False)
        if self.identity:
            return np.where((ids >= 0) & (ids < self.count), ids, -1)
        inside = (ids >= 0) & (ids < len(self.lookup))
        return np.where(inside, self.lookup[np.where(inside, ids, 0)], -1)


def _paths(assets: pd.DataFrame, *frames: pd.DataFrame) -> pd.CategoricalDtype:
    """The shared ``asset`` dtype (reused from a tag frame when it is the assets' paths in row order)."""
    paths = pd.Index(assets["path"].array)
    for frame in frames:
        dtype = frame["asset"].dtype if "asset" in frame else None
        if isinstance(dtype, pd.CategoricalDtype) and len(dtype.categories) == len(paths) and \
                dtype.categories.equals(paths):
            return dtype
    return path_dtype(assets["path"])


@dataclass
class _Diff:
    """Expected and XMP tags side by side, one row per (asset, position)."""

    asset_row: np.ndarray  # row in assets
    index: np.ndarray
    expected_row: np.ndarray  # row in expected, -1 where the process writes nothing at this position
    xmp_row: np.ndarray  # row in xmp_tags, -1 where the node has no item here
    name_differs: np.ndarray
    confidence_differs: np.ndarray
    change: np.ndarray  # codes into CHANGES
    misnumbered: np.ndarray
    expected_count: np.ndarray  # per asset
    xmp_count: np.ndarray  # per asset
    expected_names: np.ndarray  # name codes of expected rows, over categories shared with xmp_names (-1 = none)
    xmp_names: np.ndarray
    name_codes: int  # number of shared name categories


def _groups(rows: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Per asset: number of tag rows and the first one (rows must be sorted by asset)."""
    sizes = np.bincount(rows[rows >= 0], minlength=count).astype(np.int32) if len(rows) else \
        np.zeros(count, dtype=np.int32)
    return sizes, (np.cumsum(sizes, dtype=np.int64) - sizes).astype(np.int32)


def _unified_codes(left: pd.Categorical, right: pd.Categorical) -> tuple[np.ndarray, np.ndarray, int]:
    """Codes of two categoricals over one set of categories (-1 stays missing), and how many categories."""
    if left.categories is right.categories or left.categories.equals(right.categories):
        return left.codes.astype(np.int32), right.codes.astype(np.int32), len(left.categories)
    mapping = left.categories.get_indexer(right.categories).astype(np.int32)
    new = mapping < 0
    mapping[new] = len(left.categories) + np.arange(int(new.sum()), dtype=np.int32)
    return (left.codes.astype(np.int32), np.append(mapping, np.int32(-1))[right.codes],
            len(left.categories) + int(new.sum()))


def _in_asset_order(keys: _Keys, frame: pd.DataFrame, position: str) -> tuple[pd.DataFrame, np.ndarray]:
    """``frame`` without rows of unknown assets, sorted by (row of the asset in ``assets``, ``position``);
    and those asset rows."""
    rows = keys.rows(frame["asset_id"].to_numpy())
    if (rows < 0).any():
        frame, rows = frame[rows >= 0], rows[rows >= 0]
    perm = sorted_rows(rows, frame[position].to_numpy())
    return (frame, rows) if perm is None else (frame.take(perm), rows[perm])


def _diff(keys: _Keys, expected: pd.DataFrame, xmp_tags: pd.DataFrame) -> tuple[_Diff, pd.DataFrame]:
    """Position-by-position comparison; also returns ``xmp_tags`` in the order of assets rows, then index.
    ``expected`` must be in that order already (see ``_in_asset_order``)."""
    xmp, x_asset = _in_asset_order(keys, xmp_tags, "index")
    if len(expected) + len(xmp) >= 2**31:
        raise ConfigError("More than 2**31 tag rows in one audit: audit the snapshot in partitions (audit_partitions)")
    e_asset = keys.rows(expected["asset_id"].to_numpy())
    e_count, e_start = _groups(e_asset, keys.count)
    x_count, x_start = _groups(x_asset, keys.count)
    if len(xmp) and not (xmp["index"].to_numpy() == np.arange(1, len(xmp) + 1, dtype=np.int32)
                         - np.repeat(x_start, x_count)).all():
        raise ConfigError("The snapshot's xmp_tags 'index' does not number each asset's items 1..N in child order "
                          "(a damaged snapshot: take a new inventory)")
    width = np.maximum(e_count, x_count)
    asset_row = np.repeat(np.arange(keys.count, dtype=np.int32), width)
    within = np.arange(len(asset_row), dtype=np.int32)
    within -= np.repeat((np.cumsum(width, dtype=np.int64) - width).astype(np.int32), width)
    expected_row = np.where(within < e_count[asset_row], e_start[asset_row] + within, np.int32(-1))
    xmp_row = np.where(within < x_count[asset_row], x_start[asset_row] + within, np.int32(-1))
    both = (expected_row >= 0) & (xmp_row >= 0)
    e_at, x_at = np.maximum(expected_row, 0), np.maximum(xmp_row, 0)

    e_names, x_names, name_codes = _unified_codes(as_categorical(expected["name"]), as_categorical(xmp["name"]))
    name_differs = both & (e_names[e_at] != x_names[x_at]) if len(e_names) and len(x_names) else both
    e_conf = expected["confidence"].to_numpy(dtype=np.float64, na_value=np.nan)
    x_conf = xmp["confidence"].to_numpy(dtype=np.float64, na_value=np.nan)
    if len(e_conf) and len(x_conf):
        left, right = e_conf[e_at], x_conf[x_at]
        # exact: bit for bit (so 0.0 and -0.0 differ, as they do in the node); NaN (no usable number) differs
        confidence_differs = both & (np.isnan(left) | np.isnan(right) | (left.view(np.int64) != right.view(np.int64)))
        del left, right
    else:
        confidence_differs = both
    shape = xmp["item_shape"].to_numpy(dtype=np.uint8)
    item_shape = np.where(both, shape[x_at], np.uint8(0)) if len(shape) else np.zeros(len(both), dtype=np.uint8)
    renumbered = (item_shape & (ITEM_MISNUMBERED | SHAPE_STRUCTURE)) > 0
    change = np.zeros(len(both), dtype=np.int8)  # codes into CHANGES, assigned from the weakest to the strongest
    change[(item_shape & (SHAPE_TYPES | SHAPE_EXTRA_PROPERTIES)) > 0] = CHANGES.index("properties")
    change[renumbered] = CHANGES.index("renumbered")
    change[confidence_differs] = CHANGES.index("confidence")
    change[name_differs] = CHANGES.index("renamed")
    change[expected_row < 0] = CHANGES.index("removed")
    change[xmp_row < 0] = CHANGES.index("added")
    diff = _Diff(asset_row, within + 1, expected_row, xmp_row, name_differs, confidence_differs,
                 change, renumbered & both, e_count, x_count, e_names, x_names, name_codes)
    return diff, xmp


def _per_asset(mask: np.ndarray, rows: np.ndarray, count: int) -> np.ndarray:
    return np.bincount(rows[mask], minlength=count) > 0 if mask.any() else np.zeros(count, dtype=bool)


def _names_differ(diff: _Diff, count: int) -> np.ndarray:
    """Per asset: the expected and existing names differ as multisets (order ignored)."""
    flag = diff.expected_count != diff.xmp_count
    suspects = _per_asset(diff.name_differs, diff.asset_row, count) & ~flag
    if not suspects.any():
        return flag
    rows = suspects[diff.asset_row]
    asset = diff.asset_row[rows].astype(np.int64)
    width = diff.name_codes + 1  # unified codes + 1 are below this
    e_key = np.sort(asset * width + diff.expected_names[diff.expected_row[rows]] + 1)
    x_key = np.sort(asset * width + diff.xmp_names[diff.xmp_row[rows]] + 1)
    mismatch = e_key != x_key
    flag[np.unique(e_key[mismatch] // width)] = True
    return flag


def _strings(texts: list[str], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """A pandas "string" array of ``texts[code]`` per row (NA where code is -1), built without Python objects."""
    missing = codes < 0
    taken = pa.array(texts, type=pa.string()).take(pa.array(np.where(missing, 0, codes), mask=missing))
    return pd.array(taken, dtype="string")


def _invalid(keys: _Keys, assets: pd.DataFrame, expected: pd.DataFrame, args: SyncArguments
             ) -> tuple[np.ndarray, list[str]]:
    """Per asset: a code into the returned reason texts (-1 where the process would not fail)."""
    codes = np.full(keys.count, -1, dtype=np.int32)
    texts = [NO_METADATA_REASON]
    crash_rows = np.flatnonzero(expected["crashes"].to_numpy(dtype=bool))
    if len(crash_rows):
        at = keys.rows(expected["asset_id"].to_numpy()[crash_rows])
        asset_rows, first = np.unique(at[at >= 0], return_index=True)
        rows = crash_rows[at >= 0][first]
        names = np.asarray(expected["name"].array.take(rows), dtype=object)
        problems = np.asarray(expected["confidence_problem"].array.take(rows), dtype=object)
        texts += [f"smart tag '{n}' has no usable confidence ({p}): the ACS process would fail"
                  for n, p in zip(names, problems, strict=True)]
        codes[asset_rows] = np.arange(1, len(rows) + 1)
    clash = args.item_property_clash()
    if clash and len(expected):
        at = keys.rows(expected["asset_id"].to_numpy())
        with_kept_tags = np.unique(at[at >= 0])
        texts.append(f"{clash}: the ACS process would fail on every asset with a tag to write")
        codes[with_kept_tags[codes[with_kept_tags] < 0]] = len(texts) - 1
    slot = assets["xmp_node_type"]
    for kind, words in kinds_in_the_way(sorted(as_categorical(slot).categories.astype(object)), args).items():
        rows = category_is(slot, kind)
        if rows.any():
            texts.append(words)
            codes[rows] = len(texts) - 1
    if "xmp_shape" in assets:  # a Binary property in the node: no write route can restore it (read/binary_properties)
        binary = (assets["xmp_shape"].to_numpy(dtype=np.uint8) & SHAPE_BINARY) > 0
        if binary.any():
            texts.append(binary_reason(args))
            codes[binary & (codes < 0)] = len(texts) - 1
    codes[~assets["has_metadata"].to_numpy(dtype=bool, na_value=False)] = 0
    return codes, texts


def invalid_reasons(assets: pd.DataFrame, expected: pd.DataFrame, args: SyncArguments) -> pd.Series:
    """Per asset (indexed like ``assets``): why the ACS process would fail on it, NA where it would not.
    It fails on an asset without a metadata node, on a kept tag that has no usable confidence, and (with
    ``args`` whose item properties clash) on every asset with a kept tag. Where sequenceName holds a property or
    a node of another XMP kind the process would replace it (released jar, docs/facts.md): xmpaudit leaves such
    an asset alone, with the reason."""
    codes, texts = _invalid(_Keys(assets), assets, expected, args)
    return pd.Series(_strings(texts, codes), index=assets.index)


def _tag_frame(diff: _Diff, expected: pd.DataFrame, xmp: pd.DataFrame, paths: pd.CategoricalDtype,
               asset_ids: np.ndarray) -> pd.DataFrame:
    e_at, x_at = np.maximum(diff.expected_row, 0), np.maximum(diff.xmp_row, 0)
    e_missing, x_missing = diff.expected_row < 0, diff.xmp_row < 0

    def side(frame: pd.DataFrame, column: str, at: np.ndarray, missing: np.ndarray) -> np.ndarray | pd.Categorical:
        if column == "confidence":
            values = frame[column].to_numpy(dtype=np.float64, na_value=np.nan)
            return np.where(missing, np.nan, values[at]) if len(values) else np.full(len(at), np.nan)
        categorical = as_categorical(frame[column])
        codes = categorical.codes[at] if len(categorical) else np.full(len(at), -1)
        return pd.Categorical.from_codes(np.where(missing, -1, codes), dtype=categorical.dtype)

    return pd.DataFrame(
        {
            "asset_id": asset_ids[diff.asset_row],
            "asset": asset_column(diff.asset_row, paths),
            "index": diff.index,
            "name_expected": side(expected, "name", e_at, e_missing),
            "confidence_expected": side(expected, "confidence", e_at, e_missing),
            "name_xmp": side(xmp, "name", x_at, x_missing),
            "confidence_xmp": side(xmp, "confidence", x_at, x_missing),
            "node_name": side(xmp, "node_name", x_at, x_missing),
            "item_node_type": side(xmp, "item_node_type", x_at, x_missing),
            "misnumbered": diff.misnumbered,
            "change": pd.Categorical.from_codes(diff.change, categories=list(CHANGES)),
        }
    )


def _arguments_for(snapshot: Snapshot, args: SyncArguments | None) -> SyncArguments:
    """``args``, or the snapshot's own; ConfigError when they name other XMP nodes/properties than it was read with."""
    taken = snapshot.arguments
    args = args or taken
    if (args.sequence_name, args.name_property, args.confidence_property) != (
        taken.sequence_name, taken.name_property, taken.confidence_property
    ):
        raise ConfigError(
            "The snapshot was read with other XMP node/property names than these arguments "
            f"(it holds {taken.sequence_name} items with {taken.name_property}/{taken.confidence_property}); "
            "take a new inventory with these arguments"
        )
    return args


def _stale_bits(assets: pd.DataFrame, diff: _Diff) -> np.ndarray:
    """Per asset: the ``stale_flags`` bits of every way its node differs from the expected one (0 = none)."""
    count = len(assets)
    shape = assets["xmp_shape"].to_numpy(dtype=np.uint8) if "xmp_shape" in assets else np.zeros(count, np.uint8)
    xmp_items = assets["xmp_item_count"].to_numpy(dtype=np.float64, na_value=0)
    array_size = assets["xmp_array_size"].to_numpy(dtype=np.float64, na_value=np.nan)
    names_flag = _names_differ(diff, count)
    structure_flag = ((shape & SHAPE_STRUCTURE) > 0) | ~category_is(assets["xmp_node_type"], "xmpArray") | \
        ~category_is(assets["xmp_array_type"], "rdf:Seq") | _per_asset(diff.misnumbered, diff.asset_row, count)
    flags = {"size": (array_size != diff.expected_count) | (xmp_items != diff.expected_count),
             "names": names_flag,
             "order": _per_asset(diff.change == CHANGES.index("renamed"), diff.asset_row, count) & ~names_flag,
             "confidences": _per_asset(diff.change == CHANGES.index("confidence"), diff.asset_row, count),
             "types": (shape & SHAPE_TYPES) > 0, "extra properties": (shape & SHAPE_EXTRA_PROPERTIES) > 0,
             "structure": structure_flag}
    bits = np.zeros(count, dtype=np.uint8)
    for stale_reason, flag in flags.items():
        bits |= np.where(flag, np.uint8(STALE_FLAG[stale_reason]), np.uint8(0))
    return bits


def _classify(assets: pd.DataFrame, invalid: np.ndarray, stale_bits: np.ndarray) -> np.ndarray:
    """Per asset: its status's code, looked up by name (the first rule that holds wins)."""
    xmp_present = assets["xmp_present"].to_numpy(dtype=bool, na_value=False)
    has_tags = assets["smart_tag_count"].to_numpy(dtype=np.int64, na_value=0) > 0
    xmp_items = assets["xmp_item_count"].to_numpy(dtype=np.float64, na_value=0)
    stale = xmp_present & (stale_bits > 0)
    rules = ((invalid, "invalid"), (~has_tags & (xmp_items > 0), "orphan_xmp"), (~has_tags & stale, "stale_xmp"),
             (~has_tags, "no_smart_tags"), (~xmp_present, "missing_xmp"), (stale, "stale_xmp"))
    codes = [STATUS_CODE[name] for _, name in rules]
    return np.select([rule for rule, _ in rules], codes, STATUS_CODE["in_sync"]).astype(np.int8)


def audit(snapshot: Snapshot, args: SyncArguments | None = None) -> AuditResult:
    """Classify every asset of ``snapshot``; ``args`` defaults to the arguments it was taken with.
    Only ``minimum_confidence`` may differ from the snapshot's (the XMP node was read by name): else ConfigError."""
    args = _arguments_for(snapshot, args)
    assets = snapshot.assets
    keys = _Keys(assets)
    paths = _paths(assets, snapshot.smart_tags, snapshot.xmp_tags)
    expected, e_asset = _in_asset_order(keys, expected_tags(snapshot.smart_tags, args.minimum_confidence), "index")
    expected = expected.reset_index(drop=True)
    expected["asset"] = asset_column(e_asset, paths)
    diff, xmp = _diff(keys, expected, snapshot.xmp_tags)

    reason, texts = _invalid(keys, assets, expected, args)
    bits = _stale_bits(assets, diff)
    status = _classify(assets, reason >= 0, bits)
    reason[status == STATUS_CODE["orphan_xmp"]] = len(texts)
    reason[status == STATUS_CODE["missing_xmp"]] = len(texts) + 1
    texts += [ORPHAN_REASON, MISSING_REASON]

    result = assets.copy(deep=False)
    result["status"] = pd.Categorical.from_codes(status, categories=list(STATUSES))
    result["expected_count"] = diff.expected_count
    result["reason"] = _strings(texts, reason)  # stale rows: NA, their reasons are the stale_flags bits
    result["stale_flags"] = np.where(status == STATUS_CODE["stale_xmp"], bits, np.uint8(0))
    tags = _tag_frame(diff, expected, xmp, paths, assets["asset_id"].to_numpy())
    return AuditResult(assets=result, tags=tags, expected=expected, arguments=args, meta=dict(snapshot.meta))


def tag_diff(expected: pd.DataFrame, xmp_tags: pd.DataFrame, assets: pd.DataFrame) -> pd.DataFrame:
    """Per position: what the process would write next to what the XMP node holds, with a ``change``:
    same, added, removed, renamed, confidence, renumbered or properties (item types / extra properties)."""
    keys = _Keys(assets)
    expected, _ = _in_asset_order(keys, expected, "index")
    diff, xmp = _diff(keys, expected, xmp_tags)
    return _tag_frame(diff, expected, xmp, _paths(assets, expected, xmp_tags), assets["asset_id"].to_numpy())
