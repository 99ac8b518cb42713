"""Read the XMP packet embedded in an asset's original rendition and the smart tags in it.

Each format is read by following its own structure with HTTP Range requests (see ``binformats``): JPEG marker
segments (with Extended XMP), PNG text chunks, TIFF IFD0 tag 700, PDF startxref -> xref -> catalogue /Metadata.
Reads stay under a per-file byte bound and packets under a size bound (also when inflating); packets are parsed
with defusedxml.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pandas as pd
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from .acs import SyncArguments
from .audit import AuditResult, with_binary_status
from .binformats.jpeg import XMP_HEADER as JPEG_XMP_HEADER
from .binformats.jpeg import jpeg_packets
from .binformats.packet import NAMESPACES, parse_packet, tags_in
from .binformats.pdf import pdf_packet
from .binformats.png import SIGNATURE as PNG_SIGNATURE
from .binformats.png import XMP_KEYWORD as PNG_XMP_KEYWORD
from .binformats.png import png_packet
from .binformats.source import (
    MAX_PACKET_BYTES,
    MAX_READ_BYTES,
    BinaryProblem,
    ByteSource,
    MemorySource,
    RangeSource,
)
from .binformats.tiff import is_tiff, tiff_packet
from .client import AemClient
from .errors import AemError, AemNotFoundError
from .progress import Progress, ProgressCallback

__all__ = ["JPEG_XMP_HEADER", "MAX_PACKET_BYTES", "NAMESPACES", "PNG_SIGNATURE", "PNG_XMP_KEYWORD",
           "BinaryXmp", "audit_binaries", "check_binaries", "find_packet", "packet_tags", "read_binary_xmp"]

HEAD_BYTES = 64 * 1024
MAX_BYTES = MAX_READ_BYTES
BINARY_COLUMNS = ["asset", "format", "packet_found", "binary_tag_count", "bytes_read", "requests", "problem"]


def detect_format(head: bytes) -> str:
    if head.startswith(b"\xff\xd8"):
        return "jpeg"
    if head.startswith(PNG_SIGNATURE):
        return "png"
    if is_tiff(head):
        return "tiff"
    if head.startswith(b"%PDF"):
        return "pdf"
    return "unsupported"


def _packets(kind: str, source: ByteSource) -> tuple[bytes | None, bytes | None]:
    """(packet, Extended XMP packet) for a file of format ``kind``."""
    if kind == "jpeg":
        return jpeg_packets(source)
    if kind == "png":
        return png_packet(source), None
    if kind == "tiff":
        return tiff_packet(source), None
    if kind == "pdf":
        return pdf_packet(source), None
    return None, None


def find_packet(data: bytes, complete: bool = True) -> tuple[str, bytes | None]:
    """(format, packet or None) of a whole file in memory; BinaryProblem when it cannot be read."""
    kind = detect_format(data[:16])
    return kind, _packets(kind, MemorySource(data))[0]


@dataclass
class BinaryXmp:
    """What was found in one asset's original rendition."""

    asset: str
    format: str
    packet: bytes | None
    bytes_read: int
    requests: int
    problem: str = ""
    extended: bytes | None = None


def _range_fetcher(client: AemClient, path: str):
    def fetch(start: int, end: int) -> tuple[bytes, int | None, bool]:
        """Bytes start..end-1; (data, total size if known, whether the server sent the whole file)."""
        response = client.request("GET", path, headers={"Range": f"bytes={start}-{end - 1}"},
                                  expected=(200, 206, 416))
        if response.status_code == 416:
            total = response.headers.get("Content-Range", "").rpartition("/")[2]
            return b"", int(total) if total.isdigit() else start, False
        if response.status_code == 200:
            return response.content, len(response.content), True
        total = response.headers.get("Content-Range", "").rpartition("/")[2]
        return response.content, int(total) if total.isdigit() else None, False

    return fetch


def read_binary_xmp(client: AemClient, asset: str, *, head_bytes: int = HEAD_BYTES,
                    max_bytes: int = MAX_BYTES) -> BinaryXmp:
    """The XMP packet of ``asset``'s original rendition, reading only what the format's structure points to."""
    rendition = f"{asset}/jcr:content/renditions/original"
    source = RangeSource(_range_fetcher(client, rendition), max_bytes=max_bytes, block=head_bytes)
    kind = "unsupported"
    try:
        kind = detect_format(source.read_upto(0, 16))
        packet, extended = _packets(kind, source)
    except BinaryProblem as exc:
        return BinaryXmp(asset, kind, None, source.bytes_read, source.requests, str(exc))
    except (ValueError, IndexError, KeyError, TypeError, struct.error, RecursionError) as exc:
        return BinaryXmp(asset, kind, None, source.bytes_read, source.requests, f"unreadable {kind} file: {exc}")
    problem = "" if kind != "unsupported" else "format cannot carry embedded XMP (no sidecar is read)"
    return BinaryXmp(asset, kind, packet, source.bytes_read, source.requests, problem, extended)


def packet_tags(packet: bytes, args: SyncArguments | None = None,
                extended: bytes | None = None) -> list[tuple[str, float | None]] | None:
    """The (name, confidence) items of the smart tag array in an XMP packet (or its Extended XMP), in order;
    None when it has none. Struct fields may be elements (``rdf:parseType="Resource"``), a nested
    rdf:Description, or attributes; only the array's direct ``rdf:li`` children are items."""
    args = args or SyncArguments()
    for part in (packet, extended):
        if part is None:
            continue
        tags = tags_in(parse_packet(part), args.sequence_name, args.name_property, args.confidence_property)
        if tags is not None:
            return tags
    return None


def audit_binaries(
    client: AemClient,
    assets: Iterable[str] | pd.Series,
    args: SyncArguments | None = None,
    *,
    workers: int = 4,
    show_progress: bool = True,
    on_progress: ProgressCallback | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the binaries of ``assets`` (``workers`` at a time): one row per asset, and one row per tag found."""
    args = args or SyncArguments()
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
