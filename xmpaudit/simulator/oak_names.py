"""Which node and property names Oak accepts (``Namespaces.isValidLocalName``, measured on real Sling 11 + Oak)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

_NON_BREAKING = frozenset("\u00a0\u2007\u202f")
_JAVA_WHITESPACE_CONTROLS = frozenset("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f")
_SEPARATORS = frozenset(" \u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u2028\u2029\u205f\u3000")
FORBIDDEN = frozenset("/:[]|*")


def is_java_whitespace(char: str) -> bool:
    """``Character.isWhitespace``: space separators (not the non-breaking ones), tab to CR, U+001C to U+001F."""
    return char in _JAVA_WHITESPACE_CONTROLS or (char in _SEPARATORS and char not in _NON_BREAKING)


def is_valid_local_name(name: str) -> bool:
    """Oak: not empty, '.' or '..'; none of ``/:[]|*``; whitespace only as inner plain spaces."""
    if name in ("", ".", ".."):
        return False
    for index, char in enumerate(name):
        if is_java_whitespace(char):
            if index in (0, len(name) - 1) or char != " ":
                return False
        elif char in FORBIDDEN:
            return False
    return True


def is_valid_name(name: str) -> bool:
    """A JCR name as Oak stores it: ``prefix:local`` (a non-empty prefix) or a plain local name."""
    prefix, colon, local = name.partition(":")
    return is_valid_local_name(local) and bool(prefix) if colon else is_valid_local_name(name)


def invalid_name_in(paths: Iterable[str]) -> str | None:
    """The first name in ``paths`` (absolute item paths) that Oak would refuse, or None."""
    for path in paths:
        for name in path.split("/")[1:]:
            if not is_valid_name(name):
                return name
    return None


def invalid_key_in(content: dict[str, Any]) -> str | None:
    """The first key of JSON import content (at any depth) that Oak would refuse as a name, or None."""
    for key, value in content.items():
        if not is_valid_name(key):
            return key
        if isinstance(value, dict):
            found = invalid_key_in(value)
            if found is not None:
                return found
    return None


_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}


def escaped(name: str) -> str:
    """A name as Oak's error messages print it (JSON-style escapes; other controls and U+2028/9 as \\uXXXX)."""
    return "".join(_ESCAPES.get(char) or (f"\\u{ord(char):04x}" if char < " " or char in "\u2028\u2029" else char)
                   for char in name)
