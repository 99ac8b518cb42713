"""Read the XMP packet embedded in an asset's original rendition and the smart tags in it.

Each format is read by following its own structure with HTTP Range requests (see ``binformats``): JPEG marker
segments (with Extended XMP), PNG text chunks, TIFF IFD0 tag 700, PDF startxref -> xref -> catalogue /Metadata.
Reads stay under a per-file byte bound and packets under a size bound (also when inflating); packets are parsed
with defusedxml."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from xmpaudit.aem.client import AemClient
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.binformats.jpeg import XMP_HEADER as JPEG_XMP_HEADER
from xmpaudit.core.binformats.jpeg import jpeg_packets
from xmpaudit.core.binformats.packet import NAMESPACES, parse_packet, tags_in
from xmpaudit.core.binformats.pdf import pdf_packet
from xmpaudit.core.binformats.png import SIGNATURE as PNG_SIGNATURE
from xmpaudit.core.binformats.png import XMP_KEYWORD as PNG_XMP_KEYWORD
from xmpaudit.core.binformats.png import png_packet
from xmpaudit.core.binformats.source import (
    MAX_PACKET_BYTES,
    MAX_READ_BYTES,
    BinaryProblem,
    ByteSource,
    MemorySource,
    RangeSource,
)
from xmpaudit.core.binformats.tiff import is_tiff, tiff_packet

__all__ = ["JPEG_XMP_HEADER", "MAX_PACKET_BYTES", "NAMESPACES", "PNG_SIGNATURE", "PNG_XMP_KEYWORD",
           "BinaryXmp", "find_packet", "packet_tags", "read_binary_xmp"]


HEAD_BYTES = 64 * 1024
MAX_BYTES = MAX_READ_BYTES


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


def packet_tags(packet: bytes, args: SyncArguments,
                extended: bytes | None = None) -> list[tuple[str, float | None]] | None:
    """The (name, confidence) items of the smart tag array in an XMP packet (or its Extended XMP), in order;
    None when it has none. Struct fields may be elements (``rdf:parseType="Resource"``), a nested
    rdf:Description, or attributes; only the array's direct ``rdf:li`` children are items."""
    for part in (packet, extended):
        if part is None:
            continue
        tags = tags_in(parse_packet(part), args.sequence_name, args.name_property, args.confidence_property)
        if tags is not None:
            return tags
    return None
