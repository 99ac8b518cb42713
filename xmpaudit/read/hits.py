"""The parts of an asset hit (a QueryBuilder full hit or a Sling GET of the asset) that readers look into."""

from __future__ import annotations

from typing import Any

from xmpaudit.core.dates import parse_jcr_date

Node = dict[str, Any]
# A guarded write moves the node it replaces to a sibling named so (``write.sling_params.backup_path``).
BACKUP_PREFIX = "xmpaudit-backup-"


def hit_content(hit: Node) -> Node:
    """The asset's ``jcr:content`` node ({} when the hit has none)."""
    content = hit.get("jcr:content")
    return content if isinstance(content, dict) else {}


def hit_metadata(hit: Node) -> Node | None:
    """The asset's ``jcr:content/metadata`` node, or None when it has none."""
    metadata = hit_content(hit).get("metadata")
    return metadata if isinstance(metadata, dict) else None


def metadata_child(hit: Node, name: str) -> Node | None:
    """The node ``name`` below the asset's metadata (e.g. the XMP array), or None (also for a property there)."""
    node = (hit_metadata(hit) or {}).get(name)
    return node if isinstance(node, dict) else None


def asset_identity(hit: Node) -> str | None:
    """Which node sits at the hit's path: its ``jcr:uuid`` and ``jcr:created`` (to the millisecond) as one text,
    so an asset replaced at the same path (a package restored, another moved onto it) differs even where its
    ``jcr:lastModified`` is older; None when the hit shows neither."""
    uuid = hit.get("jcr:uuid")
    created = parse_jcr_date(hit.get("jcr:created"))
    if not isinstance(uuid, str) and created is None:
        return None
    moment = "" if created is None else created.isoformat(timespec="milliseconds")
    return f"{uuid if isinstance(uuid, str) else ''}|{moment}"
