"""TIFF and BigTIFF: the XMP packet of tag 700 in the first IFD, in either byte order."""

from __future__ import annotations

import struct

from xmpaudit.core.binformats.source import ByteSource, Unreadable, check_packet_size

XMP_TAG = 700
TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 6: 1, 7: 1, 8: 2, 9: 4, 16: 8}
MAX_ENTRIES = 65_535


def is_tiff(head: bytes) -> bool:
    return head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")


def tiff_packet(source: ByteSource) -> bytes | None:
    """The tag-700 packet of IFD0 (classic TIFF: 12-byte entries; BigTIFF: 20-byte entries, 64-bit offsets)."""
    head = source.read(0, 16, "TIFF header")
    order = "<" if head[:2] == b"II" else ">"
    big = struct.unpack(order + "H", head[2:4])[0] == 43
    if big:
        ifd = struct.unpack(order + "Q", head[8:16])[0]
        count_format, entry_size, value_format, inline = "Q", 20, "Q", 8
    else:
        ifd = struct.unpack(order + "I", head[4:8])[0]
        count_format, entry_size, value_format, inline = "H", 12, "I", 4
    count_size = struct.calcsize(count_format)
    count = struct.unpack(order + count_format, source.read(ifd, count_size, "TIFF IFD"))[0]
    if count > MAX_ENTRIES:
        raise Unreadable(f"TIFF IFD claims {count} entries")
    entries = source.read(ifd + count_size, entry_size * count, "TIFF IFD")
    for index in range(count):
        entry = entries[entry_size * index : entry_size * (index + 1)]
        tag, kind = struct.unpack(order + "HH", entry[:4])
        if tag != XMP_TAG:
            continue
        values = struct.unpack(order + ("Q" if big else "I"), entry[4 : 4 + (8 if big else 4)])[0]
        size = values * TYPE_SIZES.get(kind, 1)
        check_packet_size(size, "TIFF XMP (tag 700)")
        value_field = entry[(12 if big else 8) :]
        if size <= inline:
            return value_field[:size]
        offset = struct.unpack(order + value_format, value_field)[0]
        return source.read(offset, size, "TIFF XMP (tag 700)")
    return None
