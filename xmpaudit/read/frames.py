"""Typed, compact pandas DataFrames from asset hits: ``assets``, ``smart_tags`` and ``xmp_tags``.

Every asset gets an int32 ``asset_id`` (its row in ``assets``); the tag frames carry that id plus an ``asset``
column (the path, categorical over the assets' paths). Names and folders are categorical, counts narrow ints and
confidences exact float64. Hits are collected column by column (no per-row dicts).

The XMP array node's *shape* is checked per hit against what the ACS process writes (see ``acs.expected_xmp_node``):
JCR types as Sling JSON renders them (Long -> JSON integer, Double -> JSON number with a point or exponent, String
and Decimal -> JSON string, Boolean -> true/false), extra properties, extra children and grandchildren, node types
and child names 1..N. The result is a small bit mask per item (``item_shape``) and per asset (``xmp_shape``), so the
audit compares values only, vectorised.
"""

from __future__ import annotations

import math
from array import array
from typing import Any

import numpy as np
import pandas as pd

from xmpaudit.core.acs import SMART_TAGS_NODE, SyncArguments, parse_confidence, tag_name
from xmpaudit.core.date_columns import utc_times
from xmpaudit.core.jcrpath import name_of, parent_of
from xmpaudit.read.binary_properties import binary_properties, slot_value
from xmpaudit.read.hits import asset_identity, hit_content, hit_metadata

# shape bits (asset level: xmp_shape; item level: item_shape)
SHAPE_TYPES = 1  # a JCR type differs (xmpArraySize not Long, confidence not Double, name/node type not String)
SHAPE_EXTRA_PROPERTIES = 2  # properties the process does not write
SHAPE_STRUCTURE = 4  # node types, xmpNodeType/xmpArrayType values, grandchildren, child names other than 1..N
ITEM_MISNUMBERED = 8  # item level only: the child is not named after its position (counts as structure)
SHAPE_BINARY = 16  # asset level only: a Binary property at some depth (never replaced: read/binary_properties.py)
SHAPE_LABELS = {SHAPE_TYPES: "types", SHAPE_EXTRA_PROPERTIES: "extra properties", SHAPE_STRUCTURE: "structure"}

NODE_TYPE = "nt:unstructured"
# xmp_node_type of an asset whose metadata holds a property (not a node) at sequenceName (xmp_present is False)
SLOT_PROPERTY = "(a property)"
ARRAY_KEYS = frozenset({"jcr:primaryType", "xmpNodeType", "xmpArrayType", "xmpArraySize"})

ASSET_COLUMNS = {
    "asset_id": "int32",
    "path": "string",
    "folder": "category",
    "name": "string",
    "has_metadata": "bool",
    "smart_tag_count": "int32",
    "xmp_present": "bool",
    "xmp_node_type": "category",
    "xmp_array_type": "category",
    "xmp_array_size": "Int64",
    "xmp_item_count": "Int32",
    "xmp_shape": "uint8",
    "last_modified": "datetime64[ns, UTC]",
    "identity": "string",
}
# Columns a snapshot saved before they existed may lack (loaded as missing values).
OPTIONAL_ASSET_COLUMNS = frozenset({"identity"})
SMART_TAG_COLUMNS = {
    "asset_id": "int32",
    "asset": "category",
    "order": "int32",
    "node_name": "category",
    "name": "category",
    "confidence": "float64",
    "confidence_problem": "category",
    "is_custom": "bool",
}
XMP_TAG_COLUMNS = {
    "asset_id": "int32",
    "asset": "category",
    "index": "int32",
    "node_name": "category",
    "name": "category",
    "confidence": "float64",
    "item_node_type": "category",
    "item_shape": "uint8",
}


def child_nodes(node: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Child nodes of a Sling JSON node in stored order."""
    return [(k, v) for k, v in node.items() if isinstance(v, dict)]


def empty_frame(columns: dict[str, str]) -> pd.DataFrame:
    """A frame with no rows and exactly ``columns`` in their dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


def path_dtype(paths: pd.Series | np.ndarray | list[str]) -> pd.CategoricalDtype:
    """The categorical dtype of ``asset`` columns: categories are the assets' paths in row order
    (ValueError when a path repeats)."""
    values = paths.array if isinstance(paths, pd.Series) else paths
    if not (isinstance(values, pd.api.extensions.ExtensionArray) and str(values.dtype) == "string"):
        values = pd.array(np.asarray(values, dtype=object), dtype="string")
    return pd.CategoricalDtype(pd.Index(values))


def unique_paths(paths: pd.api.extensions.ExtensionArray, keep: str) -> tuple[pd.CategoricalDtype, np.ndarray | None]:
    """The ``asset`` dtype for ``paths`` and, when some repeat, which rows to keep ("first" or "last" copy)."""
    try:
        return path_dtype(paths), None
    except ValueError:
        kept = ~pd.Series(paths).duplicated(keep=keep).to_numpy()
        return path_dtype(paths[kept]), kept


def asset_column(asset_ids: np.ndarray, dtype: pd.CategoricalDtype) -> pd.Categorical:
    """Paths for asset ids (ids are rows of ``assets``) as a categorical sharing ``dtype``."""
    return pd.Categorical.from_codes(np.asarray(asset_ids, dtype=np.int32), dtype=dtype)


def as_category(values: Any) -> pd.Categorical:
    """``values`` as a categorical whose categories are pandas "string" (the same dtype everywhere, so parts
    built, loaded or concatenated separately compare and combine)."""
    if isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):
        categorical = values.array if isinstance(values, pd.Series) else values
        if str(categorical.categories.dtype) == "string":
            return categorical
        categories = pd.Index(categorical.categories.astype(object), dtype="string")
        return pd.Categorical.from_codes(categorical.codes, dtype=pd.CategoricalDtype(categories))
    return pd.Categorical(pd.array(values, dtype="string"))


def union_category(parts: list[Any]) -> pd.Categorical:
    """One categorical from several (categories united, codes re-mapped; no string comparisons per row)."""
    cats = [as_category(p) for p in parts]
    if cats and all(c.categories.equals(cats[0].categories) for c in cats[1:]):
        return pd.Categorical.from_codes(np.concatenate([c.codes for c in cats]), dtype=cats[0].dtype)
    union = pd.Index(pd.concat([pd.Series(c.categories, dtype="string") for c in cats], ignore_index=True)).unique()
    union = pd.Index(union.dropna(), dtype="string")
    codes = [np.where(c.codes >= 0, np.append(union.get_indexer(c.categories), -1)[c.codes], -1) for c in cats]
    return pd.Categorical.from_codes(np.concatenate(codes) if codes else np.array([], dtype=np.int8),
                                     dtype=pd.CategoricalDtype(union))


def _string_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


LONG_RANGE = range(-(2**63), 2**63)


def _is_long(value: Any) -> bool:
    """A JSON integer a JCR Long can hold (a wider one cannot come from the repository: it is no Long)."""
    return isinstance(value, int) and not isinstance(value, bool) and value in LONG_RANGE


def _confidence_of(value: Any) -> tuple[float | None, str | None]:
    """``parse_confidence`` of a JSON value; an integer wider than a Long is read as its digits would be as a
    String (``Double.parseDouble``), never overflowing."""
    if isinstance(value, int) and not isinstance(value, bool) and value not in LONG_RANGE:
        value = str(value)
    return parse_confidence(value)


def _size_value(value: Any) -> int | None:
    """xmpArraySize as a number (a wrongly typed "2" or 2.0 still counts as 2; the type is a shape problem)."""
    whole_float = isinstance(value, float) and value.is_integer()
    digits = isinstance(value, str) and value.strip().lstrip("-").isdigit() and value.strip().isascii()
    number = int(value) if whole_float or digits else value
    return number if _is_long(number) else None


def _array_shape(node: dict[str, Any]) -> int:
    """Shape bits of the array node's own properties."""
    bits = 0
    if node.get("jcr:primaryType") != NODE_TYPE:
        bits |= SHAPE_STRUCTURE
    for key, wanted in (("xmpNodeType", "xmpArray"), ("xmpArrayType", "rdf:Seq")):
        value = node.get(key)
        if value is not None and not isinstance(value, str):
            bits |= SHAPE_TYPES
        elif value != wanted:
            bits |= SHAPE_STRUCTURE
    size = node.get("xmpArraySize")
    if size is not None and not _is_long(size):
        bits |= SHAPE_TYPES
    if any(key not in ARRAY_KEYS and not isinstance(value, dict) for key, value in node.items()):
        bits |= SHAPE_EXTRA_PROPERTIES
    return bits


def _item_shape(item: dict[str, Any], position: int, node_name: str, args: SyncArguments) -> int:
    """Shape bits of one array item at 1-based ``position``."""
    bits = 0 if node_name == str(position) else ITEM_MISNUMBERED
    if item.get("jcr:primaryType") != NODE_TYPE:
        bits |= SHAPE_STRUCTURE
    node_type = item.get("xmpNodeType")
    if node_type is not None and not isinstance(node_type, str):
        bits |= SHAPE_TYPES
    elif node_type != "xmpStruct":
        bits |= SHAPE_STRUCTURE
    name = item.get(args.name_property)
    if name is not None and not isinstance(name, str):
        bits |= SHAPE_TYPES
    confidence = item.get(args.confidence_property)
    if confidence is not None and not isinstance(confidence, float):
        bits |= SHAPE_TYPES
    allowed = ("jcr:primaryType", "xmpNodeType", args.name_property, args.confidence_property)
    for key, value in item.items():
        if isinstance(value, dict):
            bits |= SHAPE_STRUCTURE  # a grandchild: the process never writes one
        elif key not in allowed:
            bits |= SHAPE_EXTRA_PROPERTIES
    return bits


def item_shape_to_asset(bits: int) -> int:
    """An item's shape bits as asset-level bits (misnumbered counts as structure)."""
    return (bits & (SHAPE_TYPES | SHAPE_EXTRA_PROPERTIES | SHAPE_STRUCTURE)) | (
        SHAPE_STRUCTURE if bits & ITEM_MISNUMBERED else 0)


class _Codes:
    """A categorical column being built: one int32 code per row, each distinct string kept once."""

    def __init__(self) -> None:
        self.codes = array("i")
        self.index: dict[str, int] = {}

    def append(self, value: str | None) -> None:
        if value is None:
            self.codes.append(-1)
            return
        code = self.index.get(value)
        if code is None:
            code = self.index[value] = len(self.index)
        self.codes.append(code)

    def values(self) -> pd.Categorical:
        categories = pd.Index(pd.array(list(self.index), dtype="string"))
        return pd.Categorical.from_codes(np.frombuffer(self.codes, dtype=np.int32) if self.codes else
                                         np.array([], dtype=np.int32), dtype=pd.CategoricalDtype(categories))


class _Numbers:
    """A numeric column being built in a typed array (float: None becomes NaN)."""

    def __init__(self, dtype: str) -> None:
        self.dtype = np.dtype(dtype)
        self.array = array({"int32": "i", "uint8": "B", "bool": "b", "float64": "d"}[dtype])
        self.float = dtype == "float64"

    def append(self, value: Any) -> None:
        self.array.append(math.nan if self.float and value is None else value)

    def values(self) -> np.ndarray:
        return np.frombuffer(self.array, dtype=np.int8 if self.dtype == bool else self.dtype).astype(self.dtype)


class _Objects(list):
    """A column of strings or nullable numbers being built (a plain list)."""

    def values(self) -> list[Any]:
        return self


def _store(dtype: str) -> _Codes | _Numbers | _Objects:
    if dtype == "category":
        return _Codes()
    return _Numbers(dtype) if dtype in ("int32", "uint8", "bool", "float64") else _Objects()


class FrameBuilder:
    """Collects hits page by page into per-column lists; ``build()`` returns the three typed frames.
    A path seen again (paging drift) keeps its first hit."""

    def __init__(self, args: SyncArguments) -> None:
        self.args = args
        self._assets = {c: _store(t) for c, t in ASSET_COLUMNS.items() if c not in ("asset_id", "name")}
        self._smart = {c: _store(t) for c, t in SMART_TAG_COLUMNS.items() if c != "asset"}
        self._xmp = {c: _store(t) for c, t in XMP_TAG_COLUMNS.items() if c != "asset"}

    def __len__(self) -> int:
        return len(self._assets["path"])

    def add_hits(self, hits: list[dict[str, Any]]) -> None:
        for hit in hits:
            self.add_hit(hit)

    def add_hit(self, hit: dict[str, Any]) -> None:
        asset_id = len(self)
        a, s, x = self._assets, self._smart, self._xmp
        content = hit_content(hit)
        metadata = hit_metadata(hit)
        smart = metadata.get(SMART_TAGS_NODE) if metadata else None
        xmp = slot_value(metadata, self.args.sequence_name)
        smart_children = child_nodes(smart) if isinstance(smart, dict) else []
        path = hit["jcr:path"]
        a["path"].append(path)
        a["folder"].append(parent_of(path))
        a["has_metadata"].append(metadata is not None)
        a["smart_tag_count"].append(len(smart_children))
        a["last_modified"].append(_string_or_none(content.get("jcr:lastModified")))
        a["identity"].append(asset_identity(hit))
        for order, (node_name, tag) in enumerate(smart_children):
            confidence, problem = _confidence_of(tag.get("confidence"))
            is_custom = tag.get("isCustom")
            s["asset_id"].append(asset_id)
            s["order"].append(order)
            s["node_name"].append(node_name)
            s["name"].append(tag_name(tag.get("name")))
            s["confidence"].append(confidence)
            s["confidence_problem"].append(problem)
            s["is_custom"].append(is_custom if isinstance(is_custom, bool) else str(is_custom).lower() == "true")
        if not isinstance(xmp, dict):
            slot = SLOT_PROPERTY if xmp is not None else None
            for column, value in (("xmp_present", False), ("xmp_node_type", slot), ("xmp_array_type", None),
                                  ("xmp_array_size", None), ("xmp_item_count", None), ("xmp_shape", 0)):
                a[column].append(value)
            return
        items = child_nodes(xmp)
        shape = _array_shape(xmp)
        for index, (node_name, item) in enumerate(items, start=1):
            bits = _item_shape(item, index, node_name, self.args)
            shape |= item_shape_to_asset(bits)
            confidence, _ = _confidence_of(item.get(self.args.confidence_property))
            x["asset_id"].append(asset_id)
            x["index"].append(index)
            x["node_name"].append(node_name)
            x["name"].append(tag_name(item.get(self.args.name_property)))
            x["confidence"].append(confidence)
            x["item_node_type"].append(_string_or_none(item.get("xmpNodeType")))
            x["item_shape"].append(bits)
        if shape & (SHAPE_EXTRA_PROPERTIES | SHAPE_STRUCTURE) and binary_properties(xmp):
            shape |= SHAPE_BINARY  # a binary is an extra property or sits in a grandchild: only those are searched
        size = xmp.get("xmpArraySize")
        a["xmp_present"].append(True)
        a["xmp_node_type"].append(_string_or_none(xmp.get("xmpNodeType")))
        a["xmp_array_type"].append(_string_or_none(xmp.get("xmpArrayType")))
        a["xmp_array_size"].append(_size_value(size))
        a["xmp_item_count"].append(len(items))
        a["xmp_shape"].append(shape)

    def build(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """``(assets, smart_tags, xmp_tags)``; duplicate paths keep their first hit."""
        paths = pd.array(self._assets["path"].values(), dtype="string")
        dtype, keep = unique_paths(paths, "first")
        assets = pd.DataFrame({c: store.values() for c, store in self._assets.items()})
        assets["path"] = paths
        if keep is not None:
            assets = assets[keep].reset_index(drop=True)
        assets.insert(0, "asset_id", np.arange(len(assets), dtype=np.int32))
        assets.insert(3, "name", [name_of(p) for p in assets["path"]])
        frames = []
        for columns, spec in ((self._smart, SMART_TAG_COLUMNS), (self._xmp, XMP_TAG_COLUMNS)):
            frame = pd.DataFrame({c: store.values() for c, store in columns.items()})
            if len(frame) and keep is not None:
                new_id = np.cumsum(keep, dtype=np.int64) - 1
                ids = frame["asset_id"].to_numpy(dtype=np.int64)
                frame = frame[keep[ids]]
                frame["asset_id"] = new_id[frame["asset_id"].to_numpy(dtype=np.int64)]
            frames.append(typed(frame, spec, dtype))
        return typed(assets, ASSET_COLUMNS), frames[0], frames[1]


def typed_column(values: pd.Series, dtype: str) -> Any:
    """One column in its declared dtype (no copy when it has it already)."""
    if dtype == "category":
        return as_category(values)
    if dtype.startswith("datetime64"):
        return utc_times(values).array
    if dtype in ("string", "Int64", "Int32"):
        return pd.array(values, dtype=dtype)
    return values.to_numpy(dtype=dtype)


def typed(frame: pd.DataFrame, columns: dict[str, str], paths: pd.CategoricalDtype | None = None) -> pd.DataFrame:
    """``frame`` with exactly ``columns`` in their dtypes; ``asset`` is rebuilt from ``asset_id`` over ``paths``."""
    if not len(frame) and paths is None:
        return empty_frame(columns)
    return pd.DataFrame({
        column: asset_column(frame["asset_id"].to_numpy(), paths) if column == "asset" and paths is not None
        else typed_column(frame[column], dtype)
        for column, dtype in columns.items()
    })


def frames_from_hits(
    hits: list[dict[str, Any]], args: SyncArguments
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(assets, smart_tags, xmp_tags)`` for a list of full asset hits."""
    builder = FrameBuilder(args)
    builder.add_hits(hits)
    return builder.build()
