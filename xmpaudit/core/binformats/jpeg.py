"""JPEG: the standard XMP APP1 segment and the Extended XMP segments it names (reassembled by GUID and offset)."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from xmpaudit.core.binformats.packet import extended_guid, parse_packet
from xmpaudit.core.binformats.source import ByteSource, Unreadable, check_packet_size

XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
EXTENDED_HEADER = b"http://ns.adobe.com/xmp/extension/\x00"
GUID_BYTES = 32
MAX_SEGMENTS = 100_000


@dataclass
class _ExtendedParts:
    total: int
    parts: dict[int, bytes] = field(default_factory=dict)

    def assemble(self) -> bytes | None:
        buffer = bytearray(self.total)
        covered = 0
        for offset, chunk in sorted(self.parts.items()):
            if offset != covered or offset + len(chunk) > self.total:
                return None
            buffer[offset : offset + len(chunk)] = chunk
            covered += len(chunk)
        return bytes(buffer) if covered == self.total else None


def jpeg_packets(source: ByteSource) -> tuple[bytes | None, bytes | None]:
    """(standard packet, extended packet) of a JPEG, walking the marker segments up to the image data."""
    main: bytes | None = None
    extended: dict[str, _ExtendedParts] = {}
    extended_bytes = 0
    pos = 2
    for _ in range(MAX_SEGMENTS):
        head = source.read_upto(pos, 4)
        if len(head) < 2 or head[0] != 0xFF:
            break
        marker = head[1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD9, 0xDA):  # end of image / start of scan: metadata comes before
            break
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            pos += 2
            continue
        if len(head) < 4:
            break
        length = struct.unpack(">H", head[2:4])[0]
        if length < 2:
            raise Unreadable(f"JPEG segment at byte {pos} has length {length}")
        body_start, body_length = pos + 4, length - 2
        if marker == 0xE1:
            signature = source.read_upto(body_start, min(body_length, len(EXTENDED_HEADER) + GUID_BYTES + 8))
            if main is None and signature.startswith(XMP_HEADER):
                main = source.read(body_start + len(XMP_HEADER), body_length - len(XMP_HEADER), "JPEG XMP segment")
            elif signature.startswith(EXTENDED_HEADER) and len(signature) == len(EXTENDED_HEADER) + GUID_BYTES + 8:
                guid = signature[len(EXTENDED_HEADER) : len(EXTENDED_HEADER) + GUID_BYTES].decode("latin-1")
                total, offset = struct.unpack(">II", signature[-8:])
                check_packet_size(total, "Extended XMP")
                chunk_start = body_start + len(signature)
                chunk = source.read(chunk_start, body_length - len(signature), "JPEG Extended XMP segment")
                extended_bytes += len(chunk)
                check_packet_size(extended_bytes, "Extended XMP segments together")
                parts = extended.setdefault(guid, _ExtendedParts(total))
                if parts.total == total:
                    parts.parts[offset] = chunk
        pos = body_start + body_length
    if main is None or not extended:
        return main, None
    try:
        guid = extended_guid(parse_packet(main))
    except (ElementTree.ParseError, DefusedXmlException):
        return main, None  # the packet's own parse error is reported when its tags are read
    parts = extended.get(guid or "")
    return main, parts.assemble() if parts is not None else None
