"""Refine in-sync assets by what their binaries carry: written back or not yet."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from xmpaudit.aem.client import AemClient
from xmpaudit.audit.result import AuditResult
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import AemError, AemNotFoundError
from xmpaudit.core.progress import Progress, ProgressCallback
from xmpaudit.core.statuses import STATUSES
from xmpaudit.read.binxmp import BinaryXmp, packet_tags, read_binary_xmp

BINARY_COLUMNS = ["asset", "format", "packet_found", "binary_tag_count", "bytes_read", "requests", "problem"]


def audit_binaries(
    client: AemClient,
    assets: Iterable[str] | pd.Series,
    args: SyncArguments,
    *,
    workers: int = 4,
    show_progress: bool = True,
    on_progress: ProgressCallback | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the binaries of ``assets`` (``workers`` at a time): one row per asset, and one row per tag found."""
    paths = list(dict.fromkeys(str(a) for a in assets))
    rows: list[dict[str, Any]] = []
    tag_rows: list[dict[str, Any]] = []

    def one(path: str) -> BinaryXmp:
        try:
            return read_binary_xmp(client, path)
        except AemNotFoundError:
            return BinaryXmp(path, "missing", None, 0, 1, "original rendition not found")
        except AemError as exc:
            return BinaryXmp(path, "error", None, 0, 1, str(exc))

    with Progress(len(paths), "Binary XMP", show=show_progress, callback=on_progress) as progress, \
            ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for found in pool.map(one, paths):
            tags, problem = None, found.problem
            if found.packet is not None:
                try:
                    tags = packet_tags(found.packet, args, found.extended)
                except (ElementTree.ParseError, DefusedXmlException, UnicodeDecodeError) as exc:
                    problem = f"XMP packet is not safe, valid XML: {exc}"
            rows.append({"asset": found.asset, "format": found.format, "packet_found": found.packet is not None,
                         "binary_tag_count": None if tags is None else len(tags), "bytes_read": found.bytes_read,
                         "requests": found.requests, "problem": problem})
            tag_rows += [{"asset": found.asset, "index": i, "name": n, "confidence": c}
                         for i, (n, c) in enumerate(tags or [], start=1)]
            progress.advance()
    frame = pd.DataFrame(rows, columns=BINARY_COLUMNS).astype(
        {"asset": "string", "format": "string", "packet_found": "boolean", "binary_tag_count": "Int64",
         "bytes_read": "Int64", "requests": "Int64", "problem": "string"})
    tags_frame = pd.DataFrame(tag_rows, columns=["asset", "index", "name", "confidence"]).astype(
        {"asset": "string", "index": "Int64", "name": "string", "confidence": "Float64"})
    return frame, tags_frame


def check_binaries(client: AemClient, result: AuditResult, args: SyncArguments | None = None, *,
                   show_progress: bool = True) -> tuple[AuditResult, pd.DataFrame]:
    """Read the binaries of the assets whose node is in sync and refine their status (written_back /
    not_written_back). Returns the refined AuditResult and the per-binary frame."""
    node_in_sync = result.assets.loc[result.assets["status"] == "in_sync", "path"]
    binary, tags = audit_binaries(client, node_in_sync, args or result.arguments, show_progress=show_progress)
    return with_binary_status(result, binary, tags), binary


def with_binary_status(result: AuditResult, binary: pd.DataFrame, binary_tags: pd.DataFrame) -> AuditResult:
    """Refine ``in_sync`` with what the original binaries hold (see ``binxmp.audit_binaries``): ``written_back``
    when the binary's smart tag array equals the node (names, order, confidences), else ``not_written_back``
    with the reason. Assets whose binary was not read keep their status."""
    assets = result.assets.set_index(result.assets["path"].astype(object), drop=False)
    checked = assets.index.intersection(pd.Index(binary["asset"].astype(object))) if len(binary) \
        else assets.index[:0]
    candidates = checked[(assets.loc[checked, "status"] == "in_sync").to_numpy()]
    expected = result.expected[result.expected["asset"].isin(candidates)]
    expected = pd.DataFrame({"asset": expected["asset"].astype(object), "index": expected["index"].astype(np.int64),
                             "name": expected["name"].astype(object), "confidence": expected["confidence"]})
    found = binary_tags[binary_tags["asset"].isin(candidates)].copy()
    found["asset"] = found["asset"].astype(object)
    found["index"] = found["index"].astype(np.int64)
    merged = expected.merge(found, on=["asset", "index"], how="outer", suffixes=("", "_binary"), indicator=True)
    gap = (merged["confidence"] - merged["confidence_binary"]).abs()
    differs = (merged["_merge"] != "both") | (merged["name"] != merged["name_binary"]).fillna(True) | (
        (gap > 1e-6).fillna(True))
    tags_differ = differs.groupby(merged["asset"]).any().reindex(candidates, fill_value=False).astype(bool)
    info = binary.set_index(binary["asset"].astype(object)).reindex(candidates)
    no_packet = ~info["packet_found"].fillna(False).astype(bool)
    no_array = info["binary_tag_count"].isna() & ~no_packet
    problem = info["problem"].fillna("").astype("string")
    reason = pd.Series("", index=candidates, dtype="string")
    reason = reason.mask(tags_differ, "binary XMP smart tags differ from the node")
    reason = reason.mask(no_array, "binary XMP has no smart tag array")
    reason = reason.mask(no_packet, problem.where(problem != "", "binary has no XMP packet"))
    written = reason == ""
    out = assets.copy()
    status = out["status"].astype(object)
    status.loc[candidates] = written.map({True: "written_back", False: "not_written_back"}).to_numpy()
    out["status"] = pd.Categorical(status, categories=list(STATUSES))
    out.loc[candidates[~written.to_numpy()], "reason"] = reason[~written].to_numpy()
    return AuditResult(assets=out.reset_index(drop=True), tags=result.tags, expected=result.expected,
                       arguments=result.arguments, meta=result.meta)
