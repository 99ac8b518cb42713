"""XMP nodes of any depth: the XMP node (and the backups beside it) that a depth-limited asset read may have cut off
are read again whole, so what a write compares, journals and restores is the complete node.

A full hit (QueryBuilder ``p.nodedepth``) or a Sling GET ``.N.json`` renders nodes down to N levels below the asset
and the nodes at level N without their children, with no sign that any are missing. Below the XMP node
(asset / ``jcr:content`` / ``metadata`` / node) that is two levels: items, and the items' own children. Only a node
that has something at that last level can have been cut, so only such assets (never a well-formed array, whose items
hold properties only) cost one more read."""

from __future__ import annotations

from typing import Any

from xmpaudit.aem.client import AemClient
from xmpaudit.aem.querybuilder import ASSET_NODE_DEPTH
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import AemError, AemNotFoundError
from xmpaudit.read.hits import BACKUP_PREFIX, hit_metadata

Node = dict[str, Any]
# asset(0) / jcr:content(1) / metadata(2) / the XMP node(3)
NODE_LEVEL = 3
# Where a hit records the metadata children it could not read whole: {name: why} (never part of AEM's answer).
INCOMPLETE = "xmpaudit:incomplete"


def reaches(node: Node, levels: int) -> bool:
    """Whether ``node`` has a child node exactly ``levels`` levels below it (which may have been rendered without
    its own children)."""
    if levels <= 0:
        return True
    return any(isinstance(child, dict) and reaches(child, levels - 1) for child in node.values())


def _moved_names(metadata: Node, args: SyncArguments | None) -> list[str]:
    """The metadata children a write moves or compares: the XMP node (with ``args``) and the backups beside it."""
    slot = args.sequence_name if args is not None else None
    return [name for name, value in metadata.items() if isinstance(value, dict)
            and (name == slot or name.startswith(BACKUP_PREFIX))]


def complete_deep_nodes(client: AemClient, hits: list[Node], args: SyncArguments | None,
                        depth: int = ASSET_NODE_DEPTH) -> int:
    """Replace, in place, every XMP node (at ``args.sequence_name``; without ``args`` only the backups) or backup
    node of ``hits`` (read ``depth`` levels below the asset) that may
    have been cut by a read of it to its full depth (``AemClient.read_tree``, which also reads past Sling's
    ``json.maximumresults``). A node that cannot be read whole keeps its partial content and is named, with the
    reason, under the hit's ``INCOMPLETE`` key (``incomplete_reason``). Returns the nodes read again."""
    levels = depth - NODE_LEVEL
    read = 0
    for hit in hits:
        metadata = hit_metadata(hit)
        if metadata is None:
            continue
        for name in _moved_names(metadata, args):
            if not reaches(metadata[name], levels):
                continue
            path = f"{hit['jcr:path']}/jcr:content/metadata/{name}"
            read += 1
            try:
                metadata[name] = client.read_tree(path)
            except AemNotFoundError:
                hit.setdefault(INCOMPLETE, {})[name] = "it was removed while being read"
            except AemError as exc:
                hit.setdefault(INCOMPLETE, {})[name] = f"reading it to its full depth failed ({exc})"
    return read


def incomplete_reason(hit: Node, name: str) -> str:
    """Why the hit's metadata child ``name`` could not be read whole, in words ('' when it was)."""
    why = (hit.get(INCOMPLETE) or {}).get(name)
    if not why:
        return ""
    return (f"{name} holds nodes deeper than one read shows and {why}: not written (a write could not keep or "
            "restore what it could not read; preview again)")
