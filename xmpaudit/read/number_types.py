"""Confirm the JCR type of whole-number XMP confidences: QueryBuilder's JSON may print a Double 1.0 as ``1`` (older
AEM JSON writers do), so an asset whose hit shows an integer confidence has its metadata read again with a Sling GET,
which renders every Double with a point (checked on real Sling)."""

from __future__ import annotations

from typing import Any

from xmpaudit.aem.client import AemClient
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import AemNotFoundError
from xmpaudit.read.hits import metadata_child

# metadata(0) / XMP node(1) / items(2) / grandchildren(3): what a full hit holds below ``metadata``
METADATA_DEPTH = 3


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def integer_confidence(hit: dict[str, Any], args: SyncArguments) -> bool:
    """Whether an item of the hit's XMP node shows its confidence as a JSON integer (a Long, or a whole Double
    written without a point)."""
    node = metadata_child(hit, args.sequence_name)
    if node is None:
        return False
    for item in node.values():
        if isinstance(item, dict):
            value = item.get(args.confidence_property)
            if _is_integer(value) or (isinstance(value, list) and any(_is_integer(v) for v in value)):
                return True
    return False


def confirm_confidence_types(client: AemClient, hits: list[dict[str, Any]], args: SyncArguments) -> None:
    """Replace, in place, the ``metadata`` of every hit with an integer XMP confidence by a Sling GET of it (an asset
    gone meanwhile keeps its hit)."""
    for hit in hits:
        if not integer_confidence(hit, args):
            continue
        try:
            metadata = client.read_tree(f"{hit['jcr:path']}/jcr:content/metadata", METADATA_DEPTH)
        except AemNotFoundError:
            continue
        hit["jcr:content"]["metadata"] = metadata
