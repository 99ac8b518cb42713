"""The QueryBuilder's matching nodes per (type, property filters, path scopes), kept up to date through the paths a
write reports (as Oak's indexes are) instead of walking the whole repository again after every write."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from xmpaudit.simulator.repository import Node, Repository

Scope = tuple[str, bool]  # (path, include the path itself)


@dataclass
class Walk:
    """The matching nodes of one walk key; ``in_document_order`` is False once writes were folded in."""

    found: dict[str, Node]
    in_document_order: bool = True


def walk(node: Node, path: str, flat: bool = False, wanted_type: str | None = None) -> Iterator[tuple[str, Node]]:
    """``node`` and its descendants (only its children with ``flat``), in document order; with ``wanted_type``,
    leaves of another type are left out (no query can match them), which spares building their paths."""
    if flat:
        yield path, node
        prefix = path.rstrip("/")
        yield from ((f"{prefix}/{name}", child) for name, child in node.children.items())
        return
    stack = [(path, node)]
    while stack:
        current_path, current = stack.pop()
        yield current_path, current
        children = current.children
        if not children:
            continue
        prefix = current_path.rstrip("/") + "/"
        stack.extend([(prefix + name, child) for name, child in reversed(children.items())
                      if wanted_type is None or child.children or child.primary_type == wanted_type])


def relative(node: Node, relative_path: str) -> Any:
    """A property or node below ``node`` by relative path (node values rendered later)."""
    *node_names, last = relative_path.split("/")
    current: Node | None = node
    for name in node_names:
        current = current.children.get(name) if current else None
    if current is None:
        return None
    if last in current.children:
        return current.children[last]
    return current.get(last)


def _accepts(node: Node, wanted_type: str | None, properties: tuple[tuple[str, str], ...]) -> bool:
    return (wanted_type is None or node.primary_type == wanted_type) and all(
        str(relative(node, name)) == value for name, value in properties)


def _under(path: str, root: str) -> bool:
    return root == "/" or path == root or path.startswith(root + "/")


def _collect(repo: Repository, found: dict[str, Node], start: str, scope: Scope, key: tuple) -> None:
    """Add the matches at and below ``start`` (a path within ``scope``) to ``found``."""
    _, wanted_type, properties, _, flat = key
    base = repo.node(start)
    if base is None:
        return
    for path, node in walk(base, start, flat, wanted_type):
        if path == scope[0] and not scope[1]:
            continue
        if _accepts(node, wanted_type, properties):
            found[path] = node


def found_nodes(repo: Repository, wanted_type: str | None, properties: list[tuple[str, str]],
                scopes: list[Scope], flat: bool, document_order: bool) -> dict[str, Node]:
    """The matching nodes (in document order when ``document_order``); one full walk per key, then kept up to
    date from the paths writes touched (``Repository.changed``)."""
    key = ("walk", wanted_type, tuple(properties), tuple(scopes), flat)
    _fold_in_touched(repo)
    cached = repo.walks.get(key)
    if cached is not None and (cached.in_document_order or not document_order):  # type: ignore[attr-defined]
        return cached.found  # type: ignore[attr-defined]
    repo.full_walks += 1
    found: dict[str, Node] = {}
    for scope in scopes:
        _collect(repo, found, scope[0], scope, key)
    repo.walks[key] = Walk(found)
    return found


def _fold_in_touched(repo: Repository) -> None:
    """Bring every cached walk up to date with the paths written since the last query."""
    touched, repo.touched = repo.touched, set()
    if not touched:
        return
    for key, cached in list(repo.walks.items()):
        if key[4] or len(key[3]) > 1:  # a flat walk (one folder's children) or a set of paths (a few assets'
            # subtrees) is cheap to walk again when asked, and keeping every such set would only grow
            del repo.walks[key]
        else:
            _update(repo, key, cached.found, touched)  # type: ignore[attr-defined]
            cached.in_document_order = False  # type: ignore[attr-defined]


def _outermost(paths: Iterable[str]) -> set[str]:
    roots: set[str] = set()
    for path in sorted(paths):
        if not any(_under(path, root) for root in _ancestors_or_self(path, roots)):
            roots.add(path)
    return roots


def _ancestors_or_self(path: str, roots: set[str]) -> list[str]:
    found = [path] if path in roots else []
    while path not in ("", "/"):
        path = path.rpartition("/")[0] or "/"
        if path in roots:
            found.append(path)
    return found


def _update(repo: Repository, key: tuple, found: dict[str, Node], touched: set[str]) -> None:
    """Match again every node at or below a touched path, and the ancestors whose property filters reach it."""
    _, wanted_type, properties, scopes, _ = key
    roots = _outermost(touched)
    for path in [path for path in found if _ancestors_or_self(path, roots)]:
        del found[path]
    for root in roots:
        for scope in scopes:
            if _under(root, scope[0]):
                _collect(repo, found, root, scope, key)
            elif _under(scope[0], root):
                _collect(repo, found, scope[0], scope, key)
    reach = 1 + max((name.count("/") for name, _ in properties), default=0)
    for ancestor in _reaching_ancestors(touched, reach):
        found.pop(ancestor, None)
        node = repo.node(ancestor)
        inside = any(_under(ancestor, path) and (ancestor != path or self_too) for path, self_too in scopes)
        if node is not None and inside and _accepts(node, wanted_type, properties):
            found[ancestor] = node


def _reaching_ancestors(touched: set[str], reach: int) -> set[str]:
    """The ancestors up to ``reach`` levels above each touched path (a property filter may read down to it)."""
    ancestors: set[str] = set()
    for path in touched:
        for _ in range(reach):
            if path in ("", "/"):
                break
            path = path.rpartition("/")[0] or "/"
            ancestors.add(path)
    return ancestors
