"""What-if for the ACS step's ``minimumConfidence``: per threshold, what the process would write, computed from a
snapshot in memory (never from AEM) with one sort and searchsorted counts, so a sweep of 101 thresholds over a
million assets takes seconds.

The filter is the audit's own (``expected.keep_keys``: kept iff key >= minimumConfidence, missing confidence 0.0,
blank names and NaN never); the counts equal a full ``audit`` with that threshold (``tests/test_whatif.py``)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from xmpaudit.audit.compare import audit
from xmpaudit.audit.expected import keep_keys
from xmpaudit.audit.result import AuditResult, as_categorical
from xmpaudit.core.acs import SyncArguments, java_double_to_string, parse_java_double
from xmpaudit.core.errors import ConfigError
from xmpaudit.core.statuses import NODE_IN_SYNC, coverage_of
from xmpaudit.read.snapshot import Snapshot

SWEEP_STEPS = 101  # 0.00, 0.01, … 1.00
SWEEP_COLUMNS = ("threshold", "current", "tags_written", "tags_kept_pct", "assets_with_tags_written",
                 "assets_left_empty", "invalid", "in_sync_to_stale", "in_sync_to_invalid", "most_dropped")


def check_threshold(value: float | str) -> float:
    """A typed threshold as a number from 0 to 1; ConfigError (one line) otherwise. Outside 0..1 the process
    would silently use 0.0, so such a value is refused rather than swept."""
    try:
        number = parse_java_double(value) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"minimumConfidence {value!r} is not a number (expected 0 to 1, e.g. 0.6)") from None
    if math.isnan(number) or not 0.0 <= number <= 1.0:
        raise ConfigError(f"minimumConfidence {value!r} is outside 0..1 (the ACS process would use 0.0 instead)")
    return number


def threshold_words(value: float) -> str:
    """A threshold as the step dialog shows it (``0.6``)."""
    return java_double_to_string(float(value))


def arguments_at(args: SyncArguments, threshold: float | str) -> SyncArguments:
    """``args`` with ``minimumConfidence`` set to ``threshold`` (checked)."""
    return replace(args, minimum_confidence=check_threshold(threshold))


def threshold_label(chosen: float, current: float) -> str:
    """How a fix list or plan for ``chosen`` is labelled next to the step's ``current`` threshold."""
    if float(chosen) == float(current):
        return f"planned for the step's minimumConfidence={threshold_words(current)}"
    return f"planned for minimumConfidence={threshold_words(chosen)}, not the step's current {threshold_words(current)}"


def audit_at(snapshot: Snapshot, args: SyncArguments, threshold: float | str) -> AuditResult:
    """The full audit of ``snapshot`` as if the step's minimumConfidence were ``threshold``."""
    return audit(snapshot, arguments_at(args, threshold))


def sweep_thresholds(given: Iterable[float | str] = (), current: float | None = None) -> np.ndarray:
    """0, 0.01, … 1 plus the current and any given thresholds, sorted, without repeats."""
    values = [round(i / (SWEEP_STEPS - 1), 2) for i in range(SWEEP_STEPS)]
    values += [check_threshold(v) for v in given]
    if current is not None and 0.0 <= current <= 1.0:
        values.append(float(current))
    return np.unique(np.asarray(values, dtype=np.float64) + 0.0)  # + 0.0: -0.0 is 0.0


def _grouped(rows: np.ndarray, values: np.ndarray, count: int, reducer: np.ufunc, empty: float) -> np.ndarray:
    """Per asset row: ``reducer`` over its values (``empty`` for rows without any); rows sorted by asset."""
    out = np.full(count, empty)
    if len(rows):
        starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        out[rows[starts]] = reducer.reduceat(values, starts)
    return out


def _asset_rows(asset_ids: np.ndarray, row_ids: np.ndarray) -> np.ndarray:
    """Per tag row: the row of its asset in ``assets`` (-1 for an asset not in it)."""
    count = len(asset_ids)
    if count and asset_ids[0] == 0 and asset_ids[-1] == count - 1 and (np.diff(asset_ids) == 1).all():
        return np.where((row_ids >= 0) & (row_ids < count), row_ids, -1)
    return pd.Index(asset_ids).get_indexer(row_ids)


def _above(sorted_values: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """How many values are >= each threshold."""
    return len(sorted_values) - np.searchsorted(sorted_values, thresholds, side="left")


@dataclass
class ThresholdModel:
    """One snapshot's smart tags prepared for any threshold: keys sorted once, per-asset extremes."""

    current: float
    row_keys: np.ndarray          # sorted keys of tag rows on assets that have a metadata node
    crash_keys: np.ndarray        # sorted keys of rows on assets holding an unusable confidence (fail at 0)
    crash_assets: int
    crash_in_sync: int
    no_metadata: int
    asset_max: np.ndarray         # sorted: per asset with smart tags and metadata, its highest key
    in_sync_next_drop: np.ndarray  # sorted: per in-sync asset, its lowest key >= current (first to go when raised)
    in_sync_next_add: np.ndarray   # sorted: per in-sync asset, its highest key < current (first to come when lowered)
    named_rows: int
    clash: bool
    name_keys: np.ndarray         # keys of named rows, sorted
    name_codes: np.ndarray        # their name codes, in that order
    names: pd.Index
    with_smart_tags: int = 0      # the headline's "assets with smart tags" (coverage's denominator)

    @classmethod
    def build(cls, result: AuditResult, smart_tags: pd.DataFrame) -> ThresholdModel:
        """Prepare from the current audit (statuses at the step's threshold) and the snapshot's smart tags."""
        assets = result.assets
        row_asset = _asset_rows(assets["asset_id"].to_numpy(dtype=np.int64),
                                smart_tags["asset_id"].to_numpy(dtype=np.int64))
        keys, unusable = keep_keys(smart_tags)
        names = as_categorical(smart_tags["name"])
        codes = names.codes
        keep = row_asset >= 0
        if not keep.all():
            keys, unusable, row_asset, codes = keys[keep], unusable[keep], row_asset[keep], codes[keep]
        if len(row_asset) > 1 and (np.diff(row_asset) < 0).any():
            order = np.argsort(row_asset, kind="stable")
            keys, unusable, row_asset, codes = keys[order], unusable[order], row_asset[order], codes[order]
        count = len(assets)
        has_metadata = assets["has_metadata"].to_numpy(dtype=bool, na_value=False)
        on_metadata = has_metadata[row_asset]
        named_unusable = unusable & (keys > -np.inf)
        crash = _grouped(row_asset, named_unusable.astype(np.float64), count, np.maximum, 0.0) > 0
        crash &= has_metadata
        current = float(result.arguments.minimum_confidence)
        pivot = np.inf if math.isnan(current) else current  # NaN keeps no tag: as a threshold above every key
        asset_max = _grouped(row_asset, keys, count, np.maximum, -np.inf)
        tagged = (assets["smart_tag_count"].to_numpy(dtype=np.int64, na_value=0) > 0) & has_metadata
        in_sync = assets["status"].isin(NODE_IN_SYNC).to_numpy(dtype=bool)
        next_drop = _grouped(row_asset, np.where(keys >= pivot, keys, np.inf), count, np.minimum, np.inf)
        next_add = _grouped(row_asset, np.where(keys < pivot, keys, -np.inf), count, np.maximum, -np.inf)
        by_key = np.argsort(keys)  # the one sort: every count below is a searchsorted on a part of it
        sorted_keys = keys[by_key]
        named = sorted_keys > -np.inf
        return cls(
            current=current,
            row_keys=sorted_keys[on_metadata[by_key]],
            crash_keys=sorted_keys[(crash[row_asset] & on_metadata)[by_key]],
            crash_assets=int(crash.sum()),
            crash_in_sync=int((crash & in_sync).sum()),
            no_metadata=int((~has_metadata).sum()),
            asset_max=np.sort(asset_max[tagged]),
            in_sync_next_drop=np.sort(next_drop[in_sync]),
            in_sync_next_add=np.sort(next_add[in_sync]),
            named_rows=int(named.sum()),
            clash=result.arguments.item_property_clash() is not None,
            name_keys=sorted_keys[named],
            name_codes=codes[by_key][named],
            names=pd.Index(names.categories.astype(object)),
            with_smart_tags=coverage_of(assets["status"].value_counts())[1],
        )

    def sweep(self, thresholds: Iterable[float] | None = None, top: int = 3) -> pd.DataFrame:
        """One row per threshold (see ``SWEEP_COLUMNS``); ``most_dropped``: the ``top`` tag names most often
        left out at that threshold, with how often."""
        values = sweep_thresholds(current=self.current) if thresholds is None else \
            np.unique(np.asarray([check_threshold(t) for t in thresholds], dtype=np.float64) + 0.0)
        at_zero = values <= 0.0
        kept_rows = _above(self.row_keys, values)
        crash_rows = np.where(at_zero, _above(self.crash_keys, values), 0)
        crash_assets = np.where(at_zero, self.crash_assets, 0)
        with_tags = _above(self.asset_max, values)
        pivot = np.inf if math.isnan(self.current) else self.current
        raised = values > pivot
        lowered = values < pivot
        drop_below = np.searchsorted(self.in_sync_next_drop, values, side="left")  # next drop < t: stale
        add_from = _above(self.in_sync_next_add, values)                           # next add >= t: stale
        changed = np.where(raised, drop_below, np.where(lowered, add_from, 0))
        if self.clash:  # every asset with a tag to write fails: in sync now means no tag now, so lowering fails
            tags_written = np.zeros(len(values), dtype=np.int64)
            assets_written = np.zeros(len(values), dtype=np.int64)
            invalid = self.no_metadata + with_tags
            to_stale, to_invalid = np.where(raised, changed, 0), np.where(lowered, changed, 0)
        else:  # at 0 an in-sync asset holding an unusable confidence keeps it and fails
            tags_written = kept_rows - crash_rows
            assets_written = with_tags - crash_assets
            invalid = self.no_metadata + crash_assets
            to_invalid = np.where(at_zero, self.crash_in_sync, 0)
            to_stale = changed - to_invalid
        frame = pd.DataFrame({
            "threshold": values,
            "current": values == self.current,
            "tags_written": tags_written,
            "tags_kept_pct": np.round(100.0 * _above(self.name_keys, values) / max(self.named_rows, 1), 1),
            "assets_with_tags_written": assets_written,
            "assets_left_empty": len(self.asset_max) - with_tags,
            "invalid": invalid,
            "in_sync_to_stale": to_stale,
            "in_sync_to_invalid": to_invalid,
            "most_dropped": self._most_dropped(values, top),
        })
        frame = frame.astype({c: "int64" for c in SWEEP_COLUMNS[2:9] if c != "tags_kept_pct"})
        frame.attrs.update(self.denominators())  # for the table's and the plot's words
        return frame

    def denominators(self) -> dict[str, int]:
        """What the sweep's counts are out of: assets with smart tags and a metadata node (what "left empty"
        counts), the headline's assets with smart tags (those less the ones the process fails on), in sync now."""
        return {"assets_tagged": len(self.asset_max), "headline_with_smart_tags": self.with_smart_tags,
                "in_sync_now": len(self.in_sync_next_drop)}

    def _most_dropped(self, values: np.ndarray, top: int) -> list[str]:
        """Per ascending threshold: the names most often below it, counted incrementally over the sorted keys."""
        ends = np.searchsorted(self.name_keys, values, side="left")
        running = np.zeros(len(self.names), dtype=np.int64)
        start, words = 0, []
        alphabetical = np.argsort(np.argsort(self.names.astype(str).to_numpy(), kind="stable"))
        for end in ends:
            if end > start:
                running += np.bincount(self.name_codes[start:end], minlength=len(self.names))
                start = end
            best = np.lexsort((alphabetical, -running))[:top]  # most first, ties by name
            words.append(", ".join(f"{self.names[i]} ({running[i]})" for i in best if running[i] > 0))
        return words

    def dropped_tags(self, threshold: float | str, top: int = 20) -> pd.DataFrame:
        """Per tag name, most dropped first: ``dropped`` (not written at ``threshold``), ``newly_dropped``
        (written at the current threshold, not at this one) and ``newly_written`` (the other way round)."""
        value = check_threshold(threshold)
        dropped = self._count_between(-np.inf, value)
        newly_dropped = self._count_between(self.current, value)
        newly_written = self._count_between(value, self.current)
        frame = pd.DataFrame({"name": self.names.to_numpy(), "dropped": dropped, "newly_dropped": newly_dropped,
                              "newly_written": newly_written})
        frame = frame[(frame["dropped"] > 0) | (frame["newly_written"] > 0)]
        return frame.sort_values(["dropped", "name"], ascending=[False, True]).head(top).reset_index(drop=True)

    def _count_between(self, low: float, high: float) -> np.ndarray:
        """Per name: rows with ``low <= key < high`` (none when high <= low)."""
        if not high > low:
            return np.zeros(len(self.names), dtype=np.int64)
        first, end = np.searchsorted(self.name_keys, [low, high], side="left")
        return np.bincount(self.name_codes[first:end], minlength=len(self.names))


def what_if(result: AuditResult, smart_tags: pd.DataFrame, thresholds: Iterable[float | str] = ()) -> pd.DataFrame:
    """The sweep 0..1 (plus the current and any given thresholds) of ``result``'s snapshot; one row each."""
    model = ThresholdModel.build(result, smart_tags)
    return model.sweep(sweep_thresholds(thresholds, model.current))
