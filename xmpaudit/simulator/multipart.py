"""multipart/form-data request parameters decoded as Sling does: fields in order, ``_charset_`` for the text,
and at most 10,000 parameters (Sling's ``sling.default.max.parameters``; the rest are dropped silently)."""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import HTTP

SLING_MAX_PARAMETERS = 10_000


def is_multipart(content_type: str | None) -> bool:
    return (content_type or "").lower().startswith("multipart/form-data")


def parse_multipart(content_type: str, body: bytes) -> list[tuple[str, str]]:
    """(name, value) pairs of a multipart/form-data body; ``_charset_`` (default ISO-8859-1) decodes values."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n" + body)
    raw: list[tuple[str, bytes]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name is None:
            continue
        payload = part.get_payload(decode=True) or b""
        raw.append((str(name), payload))
    charset = next((value.decode("latin-1") for name, value in raw if name == "_charset_"), "ISO-8859-1")
    try:
        b"".decode(charset)
    except LookupError:
        charset = "ISO-8859-1"
    return [(name, value.decode(charset, errors="replace")) for name, value in raw[:SLING_MAX_PARAMETERS]]
