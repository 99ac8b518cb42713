"""JCR path helpers: validation, URL quoting, parents and common ancestors."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from xmpaudit.core.errors import ConfigError, UsageError

ILLEGAL_NAME_CHARS = frozenset("/[]|*")


def validate_path(path: str) -> str:
    """Return ``path`` if it is an absolute, normalised JCR path; raise ConfigError otherwise."""
    if not isinstance(path, str) or not path.startswith("/"):
        raise ConfigError(f"JCR path must be absolute (start with '/'), got {path!r}")
    if path == "/":
        return path
    names = path.split("/")[1:]
    for name in names:
        if name in ("", ".", ".."):
            raise ConfigError(f"JCR path {path!r} has an empty, '.' or '..' segment")
        bad = ILLEGAL_NAME_CHARS.intersection(name)
        if bad:
            raise ConfigError(f"JCR path {path!r} has illegal characters {''.join(sorted(bad))!r}")
    return path


def quote_path(path: str) -> str:
    """Percent-encode a JCR path for a URL (spaces, unicode, '#', '?', '%' and the like)."""
    return quote(path, safe="/:")


def parent_of(path: str) -> str:
    """The parent path ('/' for top-level nodes)."""
    head = path.rsplit("/", 1)[0]
    return head or "/"


def name_of(path: str) -> str:
    """The last path segment."""
    return path.rsplit("/", 1)[-1]


def common_ancestor(paths: Iterable[str]) -> str:
    """The deepest path that is an ancestor of (or equal to the parent of) every given path."""
    parents = [parent_of(p).split("/") for p in paths]
    if not parents:
        raise UsageError("common_ancestor needs at least one path")
    shared: list[str] = []
    for segments in zip(*parents, strict=False):
        if all(s == segments[0] for s in segments):
            shared.append(segments[0])
        else:
            break
    return "/".join(shared) or "/"


def relative_to(path: str, ancestor: str) -> str:
    """``path`` relative to ``ancestor`` in Sling POST form (``./a/b``)."""
    prefix = ancestor.rstrip("/") + "/"
    if not path.startswith(prefix):
        raise UsageError(f"{path!r} is not below {ancestor!r}")
    return "./" + path[len(prefix) :]
