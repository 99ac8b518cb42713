"""PNG: XMP in iTXt (compressed or not), zTXt or tEXt chunks, including ImageMagick's hex "Raw profile type xmp"."""

from __future__ import annotations

import struct

from xmpaudit.core.binformats.source import MAX_PACKET_BYTES, ByteSource, Unreadable, check_packet_size, inflate

SIGNATURE = b"\x89PNG\r\n\x1a\n"
XMP_KEYWORD = b"XML:com.adobe.xmp"
RAW_PROFILE_KEYWORD = b"Raw profile type xmp"
TEXT_CHUNKS = (b"iTXt", b"zTXt", b"tEXt")
MAX_CHUNKS = 1_000_000


def _text(kind: bytes, body: bytes, keyword: bytes, limit: int) -> bytes:
    """The text of a tEXt / zTXt / iTXt chunk body, inflated within ``limit``."""
    rest = body[len(keyword) + 1 :]
    what = f"PNG {kind.decode()} {keyword.decode()} chunk"
    if kind == b"tEXt":
        return rest
    if kind == b"zTXt":
        return inflate(rest[1:], what, limit)
    if len(rest) < 2:
        raise Unreadable(f"{what} is truncated")
    compressed = rest[0] == 1
    parts = rest[2:].split(b"\x00", 2)  # language tag, translated keyword, text
    if len(parts) < 3:
        raise Unreadable(f"{what} is truncated")
    return inflate(parts[2], what, limit) if compressed else parts[2]


def raw_profile(text: bytes) -> bytes:
    """ImageMagick's raw profile: "\\n<name>\\n<length>\\n<hex digits in lines>"."""
    fields = text.split(None, 2)
    if len(fields) < 2 or not fields[1].isdigit():
        raise Unreadable("PNG raw XMP profile has no length header")
    length = int(fields[1])
    check_packet_size(length, "PNG raw XMP profile")
    digits = b"".join((fields[2] if len(fields) > 2 else b"").split())
    try:
        data = bytes.fromhex(digits.decode("ascii"))
    except ValueError:
        raise Unreadable("PNG raw XMP profile is not hexadecimal") from None
    if len(data) < length:
        raise Unreadable("PNG raw XMP profile is shorter than its length header")
    return data[:length]


def png_packet(source: ByteSource) -> bytes | None:
    """The first XMP packet among the PNG's chunks (read chunk by chunk, skipping image data)."""
    pos = len(SIGNATURE)
    for _ in range(MAX_CHUNKS):
        header = source.read_upto(pos, 8)
        if len(header) < 8:
            return None
        length, kind = struct.unpack(">I", header[:4])[0], header[4:8]
        if kind == b"IEND":
            return None
        if kind in TEXT_CHUNKS:
            keyword = source.read_upto(pos + 8, min(length, 80)).split(b"\x00", 1)[0]
            if keyword in (XMP_KEYWORD, RAW_PROFILE_KEYWORD):
                check_packet_size(length, f"PNG {kind.decode()} chunk")
                body = source.read(pos + 8, length, f"PNG {kind.decode()} chunk")
                if keyword == XMP_KEYWORD:
                    return _text(kind, body, keyword, MAX_PACKET_BYTES)
                return raw_profile(_text(kind, body, keyword, MAX_PACKET_BYTES))  # hex: packets up to ~half
        pos += 12 + length
    return None
