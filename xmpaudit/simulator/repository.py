"""An in-memory JCR-like content tree with typed properties, rendered and changed the way Sling does."""

from __future__ import annotations

import functools
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

# The namespace registry as Oak shows it at NAMESPACES_PATH (prefix = URI; docs/facts.md): the prefixes AEM
# registers for assets. A node whose name has another prefix cannot be saved; a property can (Sling escapes it).
NAMESPACES_PATH = "/jcr:system/rep:namespaces"
AEM_NAMESPACES = {
    "jcr": "http://www.jcp.org/jcr/1.0", "nt": "http://www.jcp.org/jcr/nt/1.0", "mix": "http://www.jcp.org/jcr/mix/1.0",
    "xml": "http://www.w3.org/XML/1998/namespace", "sv": "http://www.jcp.org/jcr/sv/1.0", "rep": "internal",
    "oak": "http://jackrabbit.apache.org/oak/ns/1.0", "sling": "http://sling.apache.org/jcr/sling/1.0",
    "cq": "http://www.day.com/jcr/cq/1.0", "dam": "http://www.day.com/dam/1.0",
    "dc": "http://purl.org/dc/elements/1.1/", "xmp": "http://ns.adobe.com/xap/1.0/",
    "xmpMM": "http://ns.adobe.com/xap/1.0/mm/", "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
    "tiff": "http://ns.adobe.com/tiff/1.0/", "exif": "http://ns.adobe.com/exif/1.0/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/", "pdf": "http://ns.adobe.com/pdf/1.3/",
    "Iptc4xmpCore": "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/",
}
PERSISTENCE_EXCEPTION = "org.apache.sling.api.resource.PersistenceException"
PROPERTY_TYPES = ("String", "Long", "Double", "Boolean", "Date", "Binary", "Name", "Path", "Decimal")


class RepositoryError(Exception):
    """A JCR-level failure; ``kind`` names the javax.jcr exception Sling would report."""

    def __init__(self, message: str, kind: str = "javax.jcr.RepositoryException") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class Property:
    """A typed property; ``value`` is a list when ``multiple``."""

    type: str
    value: Any
    multiple: bool = False

    def __post_init__(self) -> None:
        if self.type not in PROPERTY_TYPES:
            raise RepositoryError(f"Unknown property type {self.type!r}", "javax.jcr.ValueFormatException")


@dataclass
class Node:
    """A node with ordered properties and ordered children."""

    name: str
    primary_type: str = "nt:unstructured"
    properties: dict[str, Property] = field(default_factory=dict)
    children: dict[str, Node] = field(default_factory=dict)

    def child(self, name: str) -> Node | None:
        return self.children.get(name)

    def add_child(self, name: str, primary_type: str | None = None) -> Node:
        if name in self.children:
            raise RepositoryError(f"Node {name!r} exists already", "javax.jcr.ItemExistsException")
        if not name or any(c in name for c in "/[]|*") or name in (".", ".."):
            raise RepositoryError(f"Invalid node name {name!r}", "javax.jcr.RepositoryException")
        node = Node(name, primary_type or default_child_type(self.primary_type))
        self.children[name] = node
        return node

    def set(self, name: str, value: Any, type_: str | None = None) -> None:
        """Set a property, inferring the JCR type from the Python value when no type is given."""
        if name == "jcr:primaryType":
            self.primary_type = str(value)
            return
        if isinstance(value, list):
            inferred = type_ or (infer_type(value[0]) if value else "String")
            self.properties[name] = Property(inferred, list(value), multiple=True)
        else:
            self.properties[name] = Property(type_ or infer_type(value), value)

    def get(self, name: str, default: Any = None) -> Any:
        if name == "jcr:primaryType":
            return self.primary_type
        prop = self.properties.get(name)
        return default if prop is None else prop.value


def default_child_type(parent_type: str) -> str:
    """The type JCR picks for a child added without one."""
    return {"sling:Folder": "sling:Folder", "sling:OrderedFolder": "sling:Folder"}.get(parent_type, "nt:unstructured")


def infer_type(value: Any) -> str:
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Long"
    if isinstance(value, float):
        return "Double"
    if isinstance(value, bytes | bytearray):
        return "Binary"
    if isinstance(value, datetime):
        return "Date"
    return "String"


@functools.lru_cache(maxsize=1 << 16)  # property names repeat on every node rendered
def java_hash(text: str) -> int:
    """Java's ``String.hashCode()`` (UTF-16 code units, signed 32-bit)."""
    value = 0
    data = text.encode("utf-16-be")
    for i in range(0, len(data), 2):
        value = (31 * value + int.from_bytes(data[i : i + 2], "big")) & 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def oak_property_order(names: list[str]) -> list[str]:
    """The order Oak (segment store) lists properties in: mixin types first, the rest by Java hash code."""
    return sorted(names, key=lambda name: (name != "jcr:mixinTypes", java_hash(name)))


def ecma_date(value: datetime) -> str:
    """Sling's JSON rendering of a Date (ECMA-262 style)."""
    value = value.astimezone(timezone.utc)
    return value.strftime("%a %b %d %Y %H:%M:%S GMT+0000")


def split_path(path: str) -> list[str]:
    if not path.startswith("/"):
        raise RepositoryError(f"Not an absolute path: {path!r}", "javax.jcr.PathNotFoundException")
    return [segment for segment in path.split("/") if segment]


class Repository:
    """The content tree, guarded by one re-entrant lock (``with repo.lock:`` for multi-step changes)."""

    def __init__(self) -> None:
        self.root = Node("", "rep:root")
        self.lock = threading.RLock()
        self.generation = 0
        self.query_cache: dict[object, object] = {}
        self.walks: dict[object, object] = {}  # the QueryBuilder's matching nodes per walk (query_walks)
        self.touched: set[str] = set()  # item paths written since the walks were last brought up to date
        self.full_walks = 0  # how many times a query walked its whole scope
        registry = self.ensure_node(NAMESPACES_PATH, "rep:Unstructured")
        for prefix, uri in AEM_NAMESPACES.items():
            registry.set(prefix, uri)

    def check_node_name(self, name: str) -> None:
        """Refuse a node name whose namespace prefix is not registered, as Oak does when saving."""
        prefix, colon, _ = name.partition(":")
        registry = self.node(NAMESPACES_PATH)
        if colon and registry is not None and prefix not in registry.properties:
            raise RepositoryError("Unable to commit changes to session.", PERSISTENCE_EXCEPTION)

    def changed(self, paths: Iterable[str] | None = None) -> None:
        """Record that content changed (drops cached query results). With ``paths`` (every item path the change
        created, modified, deleted or moved, as Sling's POST lists them) the QueryBuilder's walks are brought up to
        date at the next query; without, they are dropped (the next query walks its scope again)."""
        self.generation += 1
        self.query_cache.clear()
        if paths is None:
            self.walks.clear()
            self.touched.clear()
        else:
            self.touched.update(paths)

    # -- lookup ------------------------------------------------------------------------------------------

    def node(self, path: str) -> Node | None:
        node: Node | None = self.root
        for name in split_path(path):
            node = node.children.get(name) if node else None
            if node is None:
                return None
        return node

    def require(self, path: str) -> Node:
        node = self.node(path)
        if node is None:
            raise RepositoryError(f"No node at {path}", "javax.jcr.PathNotFoundException")
        return node

    def exists(self, path: str) -> bool:
        return self.item(path) is not None

    def item(self, path: str) -> Node | Property | None:
        """The node or property at ``path``."""
        node = self.node(path)
        if node is not None:
            return node
        parent_path, _, name = path.rpartition("/")
        parent = self.node(parent_path or "/")
        if parent is None:
            return None
        if name == "jcr:primaryType":
            return Property("Name", parent.primary_type)
        return parent.properties.get(name)

    # -- change ------------------------------------------------------------------------------------------

    def ensure_node(self, path: str, primary_type: str | None = None, types: dict[str, str] | None = None) -> Node:
        """Get or create the node at ``path`` with intermediate nodes; ``types`` maps paths to node types. Nodes
        created are noted in ``touched`` for the QueryBuilder's walks."""
        node = self.root
        walked = ""
        for name in split_path(path):
            walked += "/" + name
            child = node.children.get(name)
            if child is None:
                wanted = (types or {}).get(walked) or (primary_type if walked == path else None)
                self.check_node_name(name)
                child = node.add_child(name, wanted)
                self.touched.add(walked)  # a node created on the way (Sling does not always list it)
            node = child
        return node

    def remove(self, path: str) -> bool:
        """Remove the node or property at ``path``; False when nothing is there."""
        parent_path, _, name = path.rpartition("/")
        parent = self.node(parent_path or "/")
        if parent is None:
            return False
        if name in parent.children:
            del parent.children[name]
            return True
        if name in parent.properties:
            del parent.properties[name]
            return True
        return False

    # -- Sling JSON --------------------------------------------------------------------------------------

    def to_json(self, node: Node, depth: int | None) -> dict[str, Any]:
        """Sling's JSON rendering: properties, then children down to ``depth`` levels (None = infinity)."""
        out: dict[str, Any] = {"jcr:primaryType": node.primary_type}
        for name in oak_property_order(list(node.properties)):
            prop = node.properties[name]
            if prop.type == "Binary":
                out[":" + name] = [len(v) for v in prop.value] if prop.multiple else len(prop.value)
            elif prop.type == "Date":
                out[name] = [ecma_date(v) for v in prop.value] if prop.multiple else ecma_date(prop.value)
            else:
                out[name] = list(prop.value) if prop.multiple else prop.value
        if depth is None or depth > 0:
            for name, child in node.children.items():
                out[name] = self.to_json(child, None if depth is None else depth - 1)
        return out

    def overflow_level(self, node: Node, depth: int | None, maximum: int) -> int:
        """Sling's ResourceTraversor check: -1 when the dump fits, else the deepest level it may serve."""
        if depth == 1:
            return -1
        count = 0
        queue: deque[tuple[Node, int]] = deque([(node, 0)])
        while queue:
            current, level = queue.popleft()
            if depth is not None and level >= depth:
                continue
            for child in current.children.values():
                count += 1
                if count > maximum:
                    return level
                queue.append((child, level + 1))
        return -1

    def import_json(self, parent: Node, name: str, content: dict[str, Any]) -> list[str]:
        """Create ``name`` under ``parent`` from Sling import JSON; returns the created relative paths."""
        created = [name]
        node = parent.add_child(name, content.get("jcr:primaryType"))
        for key, value in content.items():
            if key == "jcr:primaryType":
                continue
            if isinstance(value, dict):
                created += [f"{name}/{p}" for p in self.import_json(node, key, value)]
            elif key == "jcr:mixinTypes":
                node.set(key, value if isinstance(value, list) else [value], "Name")
            else:
                node.set(key, value)
                created.append(f"{name}/{key}")
        return created


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
