"""The parts of an asset hit (a QueryBuilder full hit or a Sling GET of the asset) that readers look into."""

from __future__ import annotations

from typing import Any

Node = dict[str, Any]


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
