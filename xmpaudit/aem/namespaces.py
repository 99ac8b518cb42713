"""The namespace prefixes the repository has registered, and whether a JCR name can be written there."""

from __future__ import annotations

from xmpaudit.aem.client import AemClient
from xmpaudit.core.errors import AemAuthError, AemNotFoundError

# Oak keeps its namespace registry as the properties of this node (prefix = URI); Sling's GET servlet renders it
# for a user who may read /jcr:system (docs/facts.md).
NAMESPACES_PATH = "/jcr:system/rep:namespaces"
_FORBIDDEN = set("/:[]|*")


def registered_prefixes(client: AemClient) -> frozenset[str] | None:
    """The prefixes registered in the repository, or None when the registry cannot be read (no read access)."""
    try:
        node = client.read_tree(NAMESPACES_PATH, 0)
    except (AemNotFoundError, AemAuthError):
        return None
    if not isinstance(node, dict):
        return None
    return frozenset(key for key, value in node.items() if isinstance(value, str) and key != "jcr:primaryType")


def _xml_char(char: str) -> bool:
    """A character XML 1.0 (and so JCR) allows in a name."""
    code = ord(char)
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or code >= 0x10000


def name_problem(name: str, prefixes: frozenset[str] | None) -> str:
    """Why the repository would reject ``name`` as a node or property name ('' when it would take it).
    ``prefixes`` None skips the namespace check (the registry could not be read)."""
    prefix, colon, local = name.partition(":")
    if not colon:
        prefix, local = "", name
    bad = sorted({c for c in local if c in _FORBIDDEN or not _xml_char(c)} | {c for c in prefix if not _xml_char(c)})
    if bad:
        return f"{name!r} holds characters JCR forbids in a name ({', '.join(repr(c) for c in bad)})"
    blank_end = local != local.strip() or prefix != prefix.strip()
    if not local or local in (".", "..") or blank_end or (colon and not prefix):
        return f"{name!r} is not a valid JCR name"
    if colon and prefixes is not None and prefix not in prefixes:
        return f"the namespace prefix {prefix!r} of {name!r} is not registered in this repository"
    return ""
