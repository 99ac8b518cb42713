"""What AEM's XMP writeback does to the original binary: serialise the metadata node to an XMP packet and
embed it (JPEG APP1 segment, as Extended XMP when it passes 64 KB; PNG iTXt chunk), replacing any packet there."""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from typing import Any
from xml.sax.saxutils import escape

from xmpaudit.core.binformats.jpeg import XMP_HEADER as JPEG_XMP_HEADER
from xmpaudit.core.binformats.packet import NAMESPACES
from xmpaudit.core.binformats.png import SIGNATURE as PNG_SIGNATURE
from xmpaudit.core.binformats.png import XMP_KEYWORD as PNG_XMP_KEYWORD
from xmpaudit.simulator.repository import Node

MAX_JPEG_SEGMENT = 65533
EXTENDED_HEADER = b"http://ns.adobe.com/xmp/extension/\x00"
EXTENDED_CHUNK = 65000
XPACKET_INSTRUCTION = re.compile(rb"<\?xpacket[^>]*\?>")


class UnsupportedBinary(Exception):
    """The binary's format cannot carry an embedded XMP packet here."""


def _qualified(name: str) -> bool:
    prefix, sep, _ = name.partition(":")
    return bool(sep) and prefix in NAMESPACES


def _value_xml(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return escape(str(value))


def _struct_xml(node: Node) -> str:
    fields = "".join(
        f"<{name}>{_value_xml(prop.value)}</{name}>"
        for name, prop in sorted(node.properties.items())
        if _qualified(name) and not prop.multiple
    )
    return f'<rdf:li rdf:parseType="Resource">{fields}</rdf:li>'


def build_packet(metadata: Node) -> bytes:
    """An XMP packet for the qualified simple properties and xmpArray child nodes of ``metadata``."""
    body: list[str] = []
    for name, prop in metadata.properties.items():
        if _qualified(name) and prop.type not in ("Binary",):
            if prop.multiple:
                items = "".join(f"<rdf:li>{_value_xml(v)}</rdf:li>" for v in prop.value)
                body.append(f"<{name}><rdf:Bag>{items}</rdf:Bag></{name}>")
            else:
                body.append(f"<{name}>{_value_xml(prop.value)}</{name}>")
    for name, child in metadata.children.items():
        if not _qualified(name) or child.get("xmpNodeType") != "xmpArray":
            continue
        array_type = str(child.get("xmpArrayType") or "rdf:Seq")
        items = "".join(_struct_xml(item) for item in child.children.values())
        body.append(f"<{name}><{array_type}>{items}</{array_type}></{name}>")
    xmlns = " ".join(f'xmlns:{p}="{uri}"' for p, uri in NAMESPACES.items())
    xml = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description rdf:about="" {xmlns}>{"".join(body)}</rdf:Description></rdf:RDF></x:xmpmeta>'
        '<?xpacket end="w"?>'
    )
    return xml.encode("utf-8")


def _app1(body: bytes) -> bytes:
    return b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body


def _xmp_segments(packet: bytes) -> list[bytes]:
    """APP1 segments for ``packet``: one standard segment, or (past 64 KB) a standard packet naming an Extended
    XMP by its GUID (MD5) and the extended packet split into segments carrying total length and offset."""
    if len(JPEG_XMP_HEADER) + len(packet) + 2 <= MAX_JPEG_SEGMENT:
        return [_app1(JPEG_XMP_HEADER + packet)]
    extended = XPACKET_INSTRUCTION.sub(b"", packet).strip()
    guid = hashlib.md5(extended).hexdigest().upper()
    standard = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
        f'xmlns:xmpNote="http://ns.adobe.com/xmp/note/" xmpNote:HasExtendedXMP="{guid}"/></rdf:RDF></x:xmpmeta>'
        '<?xpacket end="w"?>').encode()
    segments = [_app1(JPEG_XMP_HEADER + standard)]
    for offset in range(0, len(extended), EXTENDED_CHUNK):
        segments.append(_app1(EXTENDED_HEADER + guid.encode("ascii") + struct.pack(">II", len(extended), offset)
                              + extended[offset : offset + EXTENDED_CHUNK]))
    return segments


def _is_xmp_segment(segment: bytes) -> bool:
    return segment[1] == 0xE1 and (segment[4:].startswith(JPEG_XMP_HEADER) or segment[4:].startswith(EXTENDED_HEADER))


def embed_jpeg(data: bytes, packet: bytes) -> bytes:
    if not data.startswith(b"\xff\xd8"):
        raise UnsupportedBinary("not a JPEG file")
    kept: list[bytes] = []
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF and data[pos + 1] not in (0xDA, 0xD9):
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        segment = data[pos : pos + 2 + length]
        if not _is_xmp_segment(segment):
            kept.append(segment)
        pos += 2 + length
    app0 = [s for s in kept if s[1] == 0xE0]
    others = [s for s in kept if s[1] != 0xE0]
    return b"\xff\xd8" + b"".join(app0) + b"".join(_xmp_segments(packet)) + b"".join(others) + data[pos:]


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks, pos = [], len(PNG_SIGNATURE)
    while pos + 8 <= len(data):
        length = struct.unpack(">I", data[pos : pos + 4])[0]
        kind = data[pos + 4 : pos + 8]
        chunks.append((kind, data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return chunks


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def embed_png(data: bytes, packet: bytes) -> bytes:
    if not data.startswith(PNG_SIGNATURE):
        raise UnsupportedBinary("not a PNG file")
    chunks = [
        c for c in _png_chunks(data) if not (c[0] == b"iTXt" and c[1].startswith(PNG_XMP_KEYWORD + b"\x00"))
    ]
    xmp = _png_chunk(b"iTXt", PNG_XMP_KEYWORD + b"\x00\x00\x00\x00\x00" + packet)
    out = [PNG_SIGNATURE]
    for kind, body in chunks:
        out.append(_png_chunk(kind, body))
        if kind == b"IHDR":
            out.append(xmp)
    return b"".join(out)


def embed_packet(data: bytes, packet: bytes) -> bytes:
    """Embed ``packet`` into a JPEG or PNG binary; other formats raise UnsupportedBinary."""
    if data.startswith(b"\xff\xd8"):
        return embed_jpeg(data, packet)
    if data.startswith(PNG_SIGNATURE):
        return embed_png(data, packet)
    raise UnsupportedBinary("format not supported for XMP writeback (expected JPEG or PNG)")
