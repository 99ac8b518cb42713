"""Typed pandas DataFrames from asset hits: ``assets``, ``smart_tags`` and ``xmp_tags``."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .acs import SMART_TAGS_NODE, SyncArguments, parse_confidence, tag_name
from .jcrpath import name_of, parent_of

ASSET_COLUMNS = {
    "path": "string",
    "folder": "string",
    "name": "string",
    "has_metadata": "boolean",
    "smart_tag_count": "Int64",
    "xmp_present": "boolean",
    "xmp_node_type": "string",
    "xmp_array_type": "string",
    "xmp_array_size": "Int64",
    "xmp_item_count": "Int64",
    "last_modified": "string",
}
SMART_TAG_COLUMNS = {
    "asset": "string",
    "order": "Int64",
    "node_name": "string",
    "name": "string",
    "confidence": "Float64",
    "confidence_problem": "string",
    "is_custom": "boolean",
}
XMP_TAG_COLUMNS = {
    "asset": "string",
    "index": "Int64",
    "node_name": "string",
    "name": "string",
    "confidence": "Float64",
    "item_node_type": "string",
}


def child_nodes(node: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Child nodes of a Sling JSON node in stored order."""
    return [(k, v) for k, v in node.items() if isinstance(v, dict)]


def typed_frame(rows: list[dict[str, Any]], columns: dict[str, str]) -> pd.DataFrame:
    """A DataFrame with exactly ``columns`` in their declared dtypes."""
    frame = pd.DataFrame(rows, columns=list(columns))
    return frame.astype(columns) if len(frame) else pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _as_str(value: Any) -> str | None:
    return None if value is None or isinstance(value, dict | list) else str(value)


class FrameBuilder:
    """Collects rows from asset hits page by page; ``build()`` returns the three typed frames."""

    def __init__(self, args: SyncArguments | None = None) -> None:
        self.args = args or SyncArguments()
        self.asset_rows: list[dict[str, Any]] = []
        self.smart_tag_rows: list[dict[str, Any]] = []
        self.xmp_rows: list[dict[str, Any]] = []

    def add_hits(self, hits: list[dict[str, Any]]) -> None:
        for hit in hits:
            self.add_hit(hit)

    def add_hit(self, hit: dict[str, Any]) -> None:
        path = hit["jcr:path"]
        content = hit.get("jcr:content") if isinstance(hit.get("jcr:content"), dict) else {}
        metadata = content.get("metadata") if isinstance(content.get("metadata"), dict) else None
        smart = metadata.get(SMART_TAGS_NODE) if metadata else None
        xmp = metadata.get(self.args.sequence_name) if metadata else None
        smart_children = child_nodes(smart) if isinstance(smart, dict) else []
        xmp_children = child_nodes(xmp) if isinstance(xmp, dict) else []
        self.asset_rows.append(
            {
                "path": path,
                "folder": parent_of(path),
                "name": name_of(path),
                "has_metadata": metadata is not None,
                "smart_tag_count": len(smart_children),
                "xmp_present": isinstance(xmp, dict),
                "xmp_node_type": _as_str(xmp.get("xmpNodeType")) if isinstance(xmp, dict) else None,
                "xmp_array_type": _as_str(xmp.get("xmpArrayType")) if isinstance(xmp, dict) else None,
                "xmp_array_size": _as_int(xmp.get("xmpArraySize")) if isinstance(xmp, dict) else None,
                "xmp_item_count": len(xmp_children) if isinstance(xmp, dict) else None,
                "last_modified": _as_str(content.get("jcr:lastModified")),
            }
        )
        for order, (node_name, tag) in enumerate(smart_children):
            confidence, problem = parse_confidence(tag.get("confidence"))
            is_custom = tag.get("isCustom")
            self.smart_tag_rows.append(
                {
                    "asset": path,
                    "order": order,
                    "node_name": node_name,
                    "name": tag_name(tag.get("name")),
                    "confidence": confidence,
                    "confidence_problem": problem,
                    "is_custom": is_custom if isinstance(is_custom, bool) else str(is_custom).lower() == "true",
                }
            )
        for index, (node_name, item) in enumerate(xmp_children, start=1):
            confidence, _ = parse_confidence(item.get(self.args.confidence_property))
            self.xmp_rows.append(
                {
                    "asset": path,
                    "index": index,
                    "node_name": node_name,
                    "name": tag_name(item.get(self.args.name_property)),
                    "confidence": confidence,
                    "item_node_type": _as_str(item.get("xmpNodeType")),
                }
            )

    def build(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        return (
            typed_frame(self.asset_rows, ASSET_COLUMNS),
            typed_frame(self.smart_tag_rows, SMART_TAG_COLUMNS),
            typed_frame(self.xmp_rows, XMP_TAG_COLUMNS),
        )


def frames_from_hits(
    hits: list[dict[str, Any]], args: SyncArguments | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(assets, smart_tags, xmp_tags)`` for a list of full asset hits."""
    builder = FrameBuilder(args)
    builder.add_hits(hits)
    return builder.build()
