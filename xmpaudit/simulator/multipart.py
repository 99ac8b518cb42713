"""multipart/form-data request parameters decoded as Sling does: fields in order, ``_charset_`` for the text,
and at most 10,000 parameters (Sling's ``sling.default.max.parameters``; the rest are dropped silently)."""

from __future__ import annotations

import re

SLING_MAX_PARAMETERS = 10_000
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
_NAME = re.compile(rb'[; ]name="((?:[^"\\]|\\.)*)"', re.IGNORECASE)


def is_multipart(content_type: str | None) -> bool:
    return (content_type or "").lower().startswith("multipart/form-data")


def parse_multipart(content_type: str, body: bytes) -> list[tuple[str, str]]:
    """(name, value) pairs of a multipart/form-data body; ``_charset_`` (default ISO-8859-1) decodes values."""
    found = _BOUNDARY.search(content_type)
    if not found:
        return []
    delimiter = b"--" + found.group(1).encode("latin-1")
    raw: list[tuple[bytes, bytes]] = []
    for part in body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break  # the closing delimiter
        head, separator, value = part.partition(b"\r\n\r\n")
        name = _NAME.search(head)
        if not separator or name is None:
            continue
        raw.append((name.group(1), value.removesuffix(b"\r\n")))
    charset = next((value.decode("latin-1") for name, value in raw if name == b"_charset_"), "ISO-8859-1")
    try:
        b"".decode(charset)
    except LookupError:
        charset = "ISO-8859-1"
    return [(name.decode(charset, errors="replace"), value.decode(charset, errors="replace"))
            for name, value in raw[:SLING_MAX_PARAMETERS]]
