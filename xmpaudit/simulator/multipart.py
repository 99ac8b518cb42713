"""multipart/form-data request parameters decoded as Sling does: fields in order, ``_charset_`` for the text,
names read from ``Content-Disposition`` as commons-fileupload reads them (no unescaping, no percent-decoding),
and at most 10,000 parameters (Sling's ``sling.default.max.parameters``; the rest are dropped silently)."""

from __future__ import annotations

import re

from xmpaudit.core.acs import java_trim

SLING_MAX_PARAMETERS = 10_000
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)


def is_multipart(content_type: str | None) -> bool:
    return (content_type or "").lower().startswith("multipart/form-data")


def _header_lines(head: str) -> list[str]:
    """Header lines split on CRLF only, folded continuation lines joined with a space (bare CR or LF stay)."""
    lines: list[str] = []
    for line in head.split("\r\n"):
        if lines and line[:1] in (" ", "\t"):
            lines[-1] += " " + line.lstrip(" \t")
        elif line:
            lines.append(line)
    return lines


def _quoted_token(text: str, start: int) -> tuple[str, int]:
    """commons-fileupload ``ParameterParser.parseQuotedToken``: up to a ``;`` outside quotes; a ``"`` toggles
    quoting unless it follows a backslash; the backslash is kept; one pair of surrounding quotes is removed."""
    quoted = escaped = False
    end = start
    while end < len(text):
        char = text[end]
        if not quoted and char == ";":
            break
        if not escaped and char == '"':
            quoted = not quoted
        escaped = not escaped and char == "\\"
        end += 1
    token = text[start:end].strip()
    if len(token) >= 2 and token[0] == token[-1] == '"':
        token = token[1:-1]
    return token, end


def field_name(header_text: str) -> str | None:
    """The field name of one part's headers as commons-fileupload reads it (``None``: not a form field)."""
    for line in _header_lines(header_text):
        key, _, value = line.partition(":")
        if key.strip().lower() != "content-disposition":
            continue
        if not value.strip().lower().startswith("form-data"):
            return None
        params: dict[str, str] = {}
        position = 0
        while position < len(value):
            equals = min((i for i in (value.find("=", position), value.find(";", position)) if i != -1),
                         default=len(value))
            key_text = value[position:equals].strip().lower()
            token = ""
            if equals < len(value) and value[equals] == "=":
                token, equals = _quoted_token(value, equals + 1)
            position = equals + 1
            if key_text:
                params[key_text] = token
        name = params.get("name")
        return java_trim(name) if name else None
    return None


def parse_multipart(content_type: str, body: bytes) -> list[tuple[str, str]]:
    """(name, value) pairs of a multipart/form-data body; ``_charset_`` (default ISO-8859-1) decodes names and
    values (Sling reads them as ISO-8859-1 and re-decodes the bytes in that charset)."""
    found = _BOUNDARY.search(content_type)
    if not found:
        return []
    delimiter = b"--" + found.group(1).encode("latin-1")
    raw: list[tuple[bytes, bytes]] = []
    for part in body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break  # the closing delimiter
        head, separator, value = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        name = field_name(head.decode("latin-1")) if separator else None
        if name is None:
            continue
        raw.append((name.encode("latin-1"), value.removesuffix(b"\r\n")))
    charset = next((value.decode("latin-1") for name, value in raw if name == b"_charset_"), "ISO-8859-1")
    try:
        b"".decode(charset)
    except LookupError:
        charset = "ISO-8859-1"
    return [(name.decode(charset, errors="replace"), value.decode(charset, errors="replace"))
            for name, value in raw[:SLING_MAX_PARAMETERS]]
