"""Compare each asset's XMP array node with what the ACS process would write: status, reasons, per-tag diff
and coverage per folder. Everything is vectorised pandas."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .acs import SyncArguments
from .snapshot import Snapshot

STATUSES = ("invalid", "no_smart_tags", "missing_xmp", "stale_xmp", "orphan_xmp", "in_sync", "not_written_back",
            "written_back")
# the JCR node is what the ACS process writes; the binary statuses refine in_sync once binaries are read
NODE_IN_SYNC = ("in_sync", "not_written_back", "written_back")
FIXABLE_STATUSES = ("missing_xmp", "stale_xmp", "orphan_xmp")
CONFIDENCE_TOLERANCE = 1e-9
STALE_REASONS = ("size", "names", "order", "confidences", "structure")


def expected_tags(smart_tags: pd.DataFrame, minimum_confidence: float) -> pd.DataFrame:
    """The tags the process would write: non-blank names with confidence >= minimum (missing counts as 0),
    in stored order, numbered 1..N per asset. Columns: asset, index, name, confidence, crashes."""
    names = smart_tags["name"]
    named = names.notna() & (names.str.strip().fillna("") != "")
    kept = smart_tags[named & (smart_tags["confidence"].fillna(0.0) >= minimum_confidence)]
    kept = kept.sort_values(["asset", "order"], kind="stable")
    return pd.DataFrame(
        {
            "asset": kept["asset"],
            "index": kept.groupby("asset", sort=False).cumcount().add(1).astype("Int64"),
            "name": kept["name"],
            "confidence": kept["confidence"],
            "crashes": kept["confidence"].isna(),
            "confidence_problem": kept["confidence_problem"],
        }
    ).reset_index(drop=True)


def _occurrences(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[["asset", "name"]].copy()
    out["occurrence"] = frame.groupby(["asset", "name"], dropna=False).cumcount()
    return out


def tag_diff(expected: pd.DataFrame, xmp_tags: pd.DataFrame) -> pd.DataFrame:
    """Per position: what the process would write next to what the XMP node holds, with a ``change``:
    same, added, removed, renamed, confidence or renumbered."""
    merged = expected[["asset", "index", "name", "confidence"]].merge(
        xmp_tags[["asset", "index", "name", "confidence", "node_name", "item_node_type"]],
        on=["asset", "index"],
        how="outer",
        suffixes=("_expected", "_xmp"),
        indicator=True,
    )
    name_differs = merged["name_expected"].fillna("\0") != merged["name_xmp"].fillna("\0")
    gap = (merged["confidence_expected"] - merged["confidence_xmp"]).abs()
    confidence_differs = gap.isna().to_numpy(dtype=bool, na_value=True) | (gap > CONFIDENCE_TOLERANCE).fillna(True)
    renumbered = (merged["node_name"] != merged["index"].astype("string")).fillna(False) | (
        merged["item_node_type"].fillna("") != "xmpStruct"
    )
    change = np.select(
        [
            merged["_merge"] == "left_only",
            merged["_merge"] == "right_only",
            name_differs,
            confidence_differs,
            renumbered,
        ],
        ["added", "removed", "renamed", "confidence", "renumbered"],
        "same",
    )
    merged["misnumbered"] = renumbered.astype(bool) & (merged["_merge"] == "both")
    merged["change"] = pd.Categorical(change, categories=["same", "added", "removed", "renamed", "confidence",
                                                         "renumbered"])
    return merged.drop(columns="_merge").sort_values(["asset", "index"]).reset_index(drop=True)


def invalid_reasons(assets: pd.DataFrame, expected: pd.DataFrame) -> pd.Series:
    """Per asset (indexed like ``assets``, by path): why the ACS process would fail on it, NA where it would not.
    It fails on an asset without a metadata node and on a kept tag that has no usable confidence."""
    crashes = expected.loc[expected["crashes"], ["asset", "name", "confidence_problem"]].drop_duplicates("asset")
    crash_reason = pd.Series(
        ("smart tag '" + crashes["name"] + "' has no usable confidence (" + crashes["confidence_problem"]
         + "): the ACS process would fail").to_numpy(),
        index=crashes["asset"].to_numpy(),
        dtype="string",
    ).reindex(assets.index)
    no_metadata = ~assets["has_metadata"].fillna(False).astype(bool)
    reason = pd.Series(pd.NA, index=assets.index, dtype="string")
    reason = reason.mask(no_metadata, "asset has no metadata node: the ACS process would fail")
    return reason.mask(~no_metadata & crash_reason.notna(), crash_reason)


def _per_asset(mask: pd.Series, assets: pd.Series, index: pd.Index) -> pd.Series:
    return mask.groupby(assets).any().reindex(index, fill_value=False).astype(bool)


@dataclass
class AuditResult:
    """Audit outcome: ``assets`` (with status and reason), ``tags`` (per-tag diff), ``expected`` tags."""

    assets: pd.DataFrame
    tags: pd.DataFrame
    expected: pd.DataFrame
    arguments: SyncArguments

    def counts(self) -> pd.Series:
        """Number of assets per status (every status listed)."""
        return self.assets["status"].value_counts().reindex(list(STATUSES), fill_value=0)

    def coverage(self) -> pd.DataFrame:
        """Per folder: assets per status, assets with smart tags and the share of those whose node is in sync."""
        table = pd.crosstab(self.assets["folder"], self.assets["status"]).reindex(
            columns=list(STATUSES), fill_value=0
        )
        table["assets"] = table[list(STATUSES)].sum(axis=1)
        table["with_smart_tags"] = table["assets"] - table["no_smart_tags"] - table["invalid"]
        denominator = table["with_smart_tags"].where(table["with_smart_tags"] > 0)
        table["coverage_pct"] = (100.0 * table[list(NODE_IN_SYNC)].sum(axis=1) / denominator).round(1)
        return table.sort_index()

    def fixable(self) -> pd.DataFrame:
        """Assets the sync can fix (missing, stale or orphan XMP)."""
        return self.assets[self.assets["status"].isin(FIXABLE_STATUSES)]


def audit(snapshot: Snapshot, args: SyncArguments | None = None) -> AuditResult:
    """Classify every asset of ``snapshot``; ``args`` defaults to the arguments it was taken with.
    Only ``minimum_confidence`` may differ from the snapshot's (the XMP node was read by name)."""
    taken = snapshot.arguments
    args = args or taken
    if (args.sequence_name, args.name_property, args.confidence_property) != (
        taken.sequence_name, taken.name_property, taken.confidence_property
    ):
        raise ValueError(
            "The snapshot was read with other XMP node/property names; take a new inventory with these arguments"
        )
    assets = snapshot.assets.set_index("path", drop=False)
    index = assets.index
    expected = expected_tags(snapshot.smart_tags, args.minimum_confidence)
    diff = tag_diff(expected, snapshot.xmp_tags)

    reason = invalid_reasons(assets, expected)
    invalid = reason.notna()

    expected_count = expected.groupby("asset").size().reindex(index, fill_value=0)
    xmp_present = assets["xmp_present"].fillna(False).astype(bool)
    has_tags = assets["smart_tag_count"].fillna(0) > 0
    xmp_items = assets["xmp_item_count"].fillna(0)

    positional = diff[diff["change"] != "same"]
    exp_occ, xmp_occ = _occurrences(expected), _occurrences(snapshot.xmp_tags)
    multiset = exp_occ.merge(xmp_occ, on=["asset", "name", "occurrence"], how="outer", indicator=True)
    names_flag = _per_asset(multiset["_merge"] != "both", multiset["asset"], index)
    order_flag = _per_asset(positional["change"] == "renamed", positional["asset"], index) & ~names_flag
    confidence_flag = _per_asset(positional["change"] == "confidence", positional["asset"], index)
    structure_flag = _per_asset(diff["misnumbered"], diff["asset"], index) | (
        (assets["xmp_node_type"].fillna("") != "xmpArray") | (assets["xmp_array_type"].fillna("") != "rdf:Seq")
    )
    size_flag = (assets["xmp_array_size"] != expected_count).fillna(True).astype(bool) | (
        xmp_items != expected_count
    )
    flags = {"size": size_flag, "names": names_flag, "order": order_flag,
             "confidences": confidence_flag, "structure": structure_flag}
    stale = xmp_present & pd.concat(flags, axis=1).any(axis=1)
    stale_reason = pd.Series("", index=index, dtype="string")
    for label, flag in flags.items():
        stale_reason = stale_reason + flag.map({True: label + ",", False: ""}).astype("string")
    stale_reason = stale_reason.str.rstrip(",")

    status = np.select(
        [invalid, ~has_tags & (xmp_items > 0), ~has_tags, ~xmp_present, stale],
        ["invalid", "orphan_xmp", "no_smart_tags", "missing_xmp", "stale_xmp"],
        "in_sync",
    )
    result = assets.reset_index(drop=True).copy()
    result["status"] = pd.Categorical(status, categories=list(STATUSES))
    result["expected_count"] = expected_count.to_numpy()
    result["reason"] = reason.to_numpy()
    stale_mask = result["status"] == "stale_xmp"
    result.loc[stale_mask, "reason"] = ("differs in: " + stale_reason[stale_mask.to_numpy()]).to_numpy()
    orphan_mask = result["status"] == "orphan_xmp"
    result.loc[orphan_mask, "reason"] = "XMP array has tags but the asset has no smart tags"
    result.loc[result["status"] == "missing_xmp", "reason"] = "no XMP array node yet"
    result["reason"] = result["reason"].astype("string")
    return AuditResult(assets=result, tags=diff, expected=expected, arguments=args)


def with_binary_status(result: AuditResult, binary: pd.DataFrame, binary_tags: pd.DataFrame) -> AuditResult:
    """Refine ``in_sync`` with what the original binaries hold (see ``binxmp.audit_binaries``): ``written_back``
    when the binary's smart tag array equals the node (names, order, confidences), else ``not_written_back``
    with the reason. Assets whose binary was not read keep their status."""
    assets = result.assets.set_index("path", drop=False)
    checked = assets.index.intersection(pd.Index(binary["asset"])) if len(binary) else assets.index[:0]
    candidates = checked[(assets.loc[checked, "status"] == "in_sync").to_numpy()]
    expected = result.expected[result.expected["asset"].isin(candidates)]
    found = binary_tags[binary_tags["asset"].isin(candidates)]
    merged = expected[["asset", "index", "name", "confidence"]].merge(
        found, on=["asset", "index"], how="outer", suffixes=("", "_binary"), indicator=True)
    gap = (merged["confidence"] - merged["confidence_binary"]).abs()
    differs = (merged["_merge"] != "both") | (merged["name"] != merged["name_binary"]).fillna(True) | (
        (gap > 1e-6).fillna(True))
    tags_differ = differs.groupby(merged["asset"]).any().reindex(candidates, fill_value=False).astype(bool)
    info = binary.set_index("asset").reindex(candidates)
    no_packet = ~info["packet_found"].fillna(False).astype(bool)
    no_array = info["binary_tag_count"].isna() & ~no_packet
    problem = info["problem"].fillna("").astype("string")
    reason = pd.Series("", index=candidates, dtype="string")
    reason = reason.mask(tags_differ, "binary XMP smart tags differ from the node")
    reason = reason.mask(no_array, "binary XMP has no smart tag array")
    reason = reason.mask(no_packet, problem.where(problem != "", "binary has no XMP packet"))
    written = reason == ""
    out = assets.copy()
    status = out["status"].astype(str)
    status.loc[candidates] = written.map({True: "written_back", False: "not_written_back"}).to_numpy()
    out["status"] = pd.Categorical(status, categories=list(STATUSES))
    out.loc[candidates[~written.to_numpy()], "reason"] = reason[~written].to_numpy()
    return AuditResult(assets=out.reset_index(drop=True), tags=result.tags, expected=result.expected,
                       arguments=result.arguments)
