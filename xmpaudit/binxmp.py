"""Read the XMP packet embedded in an asset's original rendition and the smart tags in it.

The head of the file is fetched with an HTTP Range request and widened only as far as the format says the packet
lies (JPEG APP1 segment, PNG iTXt chunk, TIFF tag 700), or by doubling for formats without such an index (PDF).
Packets are parsed with defusedxml.
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
from .client import AemClient
from .errors import AemError, AemNotFoundError
from .progress import Progress, ProgressCallback

HEAD_BYTES = 64 * 1024
MAX_BYTES = 32 * 1024 * 1024
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NAMESPACES = {
    "dam": "http://www.day.com/dam/1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
}
JPEG_XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_XMP_KEYWORD = b"XML:com.adobe.xmp"
PACKET_START = b"<?xpacket begin="
PACKET_END = b"<?xpacket end="
BINARY_COLUMNS = ["asset", "format", "packet_found", "binary_tag_count", "bytes_read", "requests", "problem"]


class NeedMore(Exception):
    """The packet lies (or may lie) beyond the bytes read so far; ``end`` is how far to read (None: double)."""

    def __init__(self, end: int | None = None) -> None:
        super().__init__(end)
        self.end = end


def detect_format(head: bytes) -> str:
    if head.startswith(b"\xff\xd8"):
        return "jpeg"
    if head.startswith(PNG_SIGNATURE):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head.startswith(b"%PDF"):
        return "pdf"
    return "unsupported"


def _jpeg_packet(data: bytes, complete: bool) -> bytes | None:
    pos = 2
    while True:
        if pos + 4 > len(data):
            if complete:
                return None
            raise NeedMore(pos + 4)
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker in (0xD9, 0xDA):  # end of image / start of scan: metadata segments come before
            return None
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        end = pos + 2 + length
        if marker == 0xE1:
            if end > len(data) and not complete:
                raise NeedMore(end)
            body = data[pos + 4 : end]
            if body.startswith(JPEG_XMP_HEADER):
                return body[len(JPEG_XMP_HEADER) :]
        pos = end


def _png_packet(data: bytes, complete: bool) -> bytes | None:
    pos = len(PNG_SIGNATURE)
    while True:
        if pos + 8 > len(data):
            if complete:
                return None
            raise NeedMore(pos + 8)
        length = struct.unpack(">I", data[pos : pos + 4])[0]
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if kind == b"IEND":
            return None
        if kind == b"iTXt":
            if end > len(data) and not complete:
                raise NeedMore(end)
            body = data[pos + 8 : pos + 8 + length]
            if body.startswith(PNG_XMP_KEYWORD + b"\x00"):
                rest = body[len(PNG_XMP_KEYWORD) + 1 :]
                compressed = rest[0] == 1
                rest = rest[2:]  # compression flag, method
                rest = rest.split(b"\x00", 2)[2]  # language tag, translated keyword
                if compressed:
                    import zlib

                    rest = zlib.decompress(rest)
                return rest
        pos = end


def _tiff_packet(data: bytes, complete: bool) -> bytes | None:
    order = "<" if data[:2] == b"II" else ">"

    def need(end: int) -> None:
        if end > len(data):
            if complete:
                raise ValueError("truncated TIFF")
            raise NeedMore(end)

    need(8)
    ifd = struct.unpack(order + "I", data[4:8])[0]
    need(ifd + 2)
    count = struct.unpack(order + "H", data[ifd : ifd + 2])[0]
    need(ifd + 2 + 12 * count)
    for index in range(count):
        entry = data[ifd + 2 + 12 * index : ifd + 14 + 12 * index]
        tag, _type, values = struct.unpack(order + "HHI", entry[:8])
        if tag == 700:  # XMP, BYTE or UNDEFINED
            if values <= 4:
                return entry[8 : 8 + values]
            offset = struct.unpack(order + "I", entry[8:12])[0]
            need(offset + values)
            return data[offset : offset + values]
    return None


def _scanned_packet(data: bytes, complete: bool) -> bytes | None:
    """Formats without an index (PDF): the packet between xpacket markers, searched for as bytes."""
    start = data.find(PACKET_START)
    if start >= 0:
        end = data.find(PACKET_END, start)
        if end >= 0:
            close = data.find(b"?>", end)
            if close >= 0:
                return data[start : close + 2]
    if complete:
        return None
    raise NeedMore(None)


LOCATORS = {"jpeg": _jpeg_packet, "png": _png_packet, "tiff": _tiff_packet, "pdf": _scanned_packet}


def find_packet(data: bytes, complete: bool) -> tuple[str, bytes | None]:
    """(format, packet or None) for the bytes read so far; NeedMore when more must be read."""
    kind = detect_format(data)
    locator = LOCATORS.get(kind)
    return kind, (locator(data, complete) if locator else None)


@dataclass
class BinaryXmp:
    """What was found in one asset's original rendition."""

    asset: str
    format: str
    packet: bytes | None
    bytes_read: int
    requests: int
    problem: str = ""


def _fetch_range(client: AemClient, path: str, start: int, end: int) -> tuple[bytes, int | None, bool]:
    """Bytes start..end-1; (data, total size if known, whether the server sent the whole file)."""
    response = client.request("GET", path, headers={"Range": f"bytes={start}-{end - 1}"}, expected=(200, 206, 416))
    if response.status_code == 416:
        return b"", start, False
    if response.status_code == 200:
        return response.content, len(response.content), True
    total = response.headers.get("Content-Range", "").rpartition("/")[2]
    return response.content, int(total) if total.isdigit() else None, False


def read_binary_xmp(client: AemClient, asset: str, *, head_bytes: int = HEAD_BYTES,
                    max_bytes: int = MAX_BYTES) -> BinaryXmp:
    """The XMP packet of ``asset``'s original rendition, reading as little of the file as the format allows."""
    rendition = f"{asset}/jcr:content/renditions/original"
    data, total, whole = _fetch_range(client, rendition, 0, head_bytes)
    requests = 1
    while True:
        complete = whole or (total is not None and len(data) >= total)
        try:
            kind, packet = find_packet(data, complete)
        except NeedMore as more:
            want = more.end if more.end is not None else len(data) * 2
            want = max(want, len(data) + 1)
            if want > max_bytes:
                return BinaryXmp(asset, detect_format(data), None, len(data), requests,
                                 f"packet not found in the first {max_bytes} bytes")
            chunk, total, whole = _fetch_range(client, rendition, len(data), max(want, len(data) * 2))
            requests += 1
            data = chunk if whole else data + chunk
            continue
        except (ValueError, struct.error, IndexError) as exc:
            return BinaryXmp(asset, detect_format(data), None, len(data), requests, f"unreadable file: {exc}")
        problem = "" if kind != "unsupported" else "format cannot carry embedded XMP (no sidecar is read)"
        return BinaryXmp(asset, kind, packet, len(data), requests, problem)


def _qualified(name: str) -> str:
    prefix, _, local = name.partition(":")
    return f"{{{NAMESPACES.get(prefix, prefix)}}}{local}"


def packet_tags(packet: bytes, args: SyncArguments | None = None) -> list[tuple[str, float | None]] | None:
    """The (name, confidence) items of the smart tag array in an XMP packet, in order; None when it has none.
    Struct fields may be elements (``rdf:parseType="Resource"``), a nested rdf:Description, or attributes."""
    args = args or SyncArguments()
    root = ElementTree.fromstring(packet.strip(b"\x00 \r\n\t").decode("utf-8", errors="replace"))
    sequence, name_tag, confidence_tag = (_qualified(n) for n in
                                          (args.sequence_name, args.name_property, args.confidence_property))
    for description in root.iter(f"{{{RDF}}}Description"):
        array = description.find(sequence)
        if array is None:
            continue
        container = next(iter(array), None)
        items = [] if container is None else list(container.iter(f"{{{RDF}}}li"))
        tags = []
        for item in items:
            fields = item.find(f"{{{RDF}}}Description")
            holder = fields if fields is not None else item
            name = holder.findtext(name_tag) or holder.get(name_tag)
            confidence = holder.findtext(confidence_tag) or holder.get(confidence_tag)
            try:
                value = float(confidence) if confidence is not None else None
            except ValueError:
                value = None
            tags.append((name or "", value))
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
                    tags = packet_tags(found.packet, args)
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
