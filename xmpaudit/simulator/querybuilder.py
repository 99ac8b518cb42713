"""The part of AEM's QueryBuilder JSON servlet that xmpaudit uses: path/type/group predicates, ordering,
paging with ``p.guessTotal``, and simple, full and selective hits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .repository import Node, Repository

DEFAULT_LIMIT = 10


class QueryError(Exception):
    """A bad query (AEM answers 400 with success=false)."""


def _walk(node: Node, path: str) -> Iterator[tuple[str, Node]]:
    stack = [(path, node)]
    while stack:
        current_path, current = stack.pop()
        yield current_path, current
        prefix = current_path.rstrip("/")
        stack.extend((f"{prefix}/{name}", child) for name, child in reversed(current.children.items()))


def _int(params: dict[str, str], key: str, default: int) -> int:
    try:
        return int(params.get(key, default))
    except ValueError:
        raise QueryError(f"{key} must be an integer, got {params[key]!r}") from None


def _path_scopes(params: dict[str, str]) -> list[tuple[str, bool]]:
    """(path, include self) pairs from ``path`` or an OR-ed ``group.N_path`` set."""
    scopes = []
    if "path" in params:
        scopes.append((params["path"], params.get("path.self") == "true"))
    for key, value in params.items():
        if key.startswith("group.") and key.endswith("_path"):
            scopes.append((value, params.get(f"{key}.self") == "true"))
    return scopes or [("/", False)]


def _matches(repo: Repository, params: dict[str, str]) -> list[tuple[str, Node]]:
    key = tuple(sorted((k, v) for k, v in params.items() if not k.startswith("p.")))
    cached = repo.query_cache.get(key)
    if cached is None:
        cached = repo.query_cache[key] = _find(repo, params)
    return cached  # type: ignore[return-value]


def _property_predicates(params: dict[str, str]) -> list[tuple[str, str]]:
    """(relative property path, value) of ``property``/``N_property`` predicates (AND-ed, equality only)."""
    found = []
    for key, name in params.items():
        if key == "property" or (key.endswith("_property") and key.split("_", 1)[0].isdigit()):
            found.append((name, params.get(f"{key}.value", "")))
    return found


def _find(repo: Repository, params: dict[str, str]) -> list[tuple[str, Node]]:
    wanted_type = params.get("type")
    properties = _property_predicates(params)
    found: dict[str, Node] = {}
    for scope, include_self in _path_scopes(params):
        base = repo.node(scope)
        if base is None:
            continue
        for path, node in _walk(base, scope):
            if path == scope and not include_self:
                continue
            if (wanted_type is None or node.primary_type == wanted_type) and all(
                    str(_relative(repo, path, node, name)) == value for name, value in properties):
                found[path] = node
    results = list(found.items())
    order = params.get("orderby")
    if order in ("path", "@jcr:path"):
        results.sort(key=lambda item: item[0])
    elif order and order.startswith("@"):
        prop = order[1:]
        results.sort(key=lambda item: str(_relative(repo, item[0], item[1], prop) or ""))
    if params.get("orderby.sort") == "desc":
        results.reverse()
    return results


def _relative(repo: Repository, path: str, node: Node, relative: str) -> Any:
    """A property or node below ``node`` by relative path (node values rendered later)."""
    *node_names, last = relative.split("/")
    current: Node | None = node
    for name in node_names:
        current = current.children.get(name) if current else None
    if current is None:
        return None
    if last in current.children:
        return current.children[last]
    return current.get(last)


def _hit(repo: Repository, path: str, node: Node, mode: str, params: dict[str, str], depth: int) -> dict[str, Any]:
    if mode == "full":
        return {"jcr:path": path, **repo.to_json(node, depth)}
    if mode == "selective":
        hit: dict[str, Any] = {}
        for name in params.get("p.properties", "").split():
            if name == "jcr:path":
                hit[name] = path
                continue
            value = _relative(repo, path, node, name)
            if isinstance(value, Node):
                hit[name] = repo.to_json(value, depth)
            elif value is not None:
                hit[name] = repo.to_json(node, 0).get(name, value) if "/" not in name else value
        return hit
    title = node.children.get("jcr:content")
    return {
        "path": path,
        "excerpt": "",
        "name": path.rsplit("/", 1)[-1],
        "title": (title.get("jcr:title") if title else None) or path.rsplit("/", 1)[-1],
        "lastModified": "",
        "created": "",
    }


def run_query(repo: Repository, params: dict[str, str]) -> dict[str, Any]:
    """Answer one ``/bin/querybuilder.json`` request."""
    limit = _int(params, "p.limit", DEFAULT_LIMIT)
    offset = _int(params, "p.offset", 0)
    depth = _int(params, "p.nodedepth", 0)
    mode = params.get("p.hits", "simple")
    if mode not in ("simple", "full", "selective"):
        raise QueryError(f"Unknown p.hits {mode!r}")
    if offset < 0:
        raise QueryError("p.offset must be >= 0")
    results = _matches(repo, params)
    page = results[offset:] if limit < 0 else results[offset : offset + limit]
    more = limit >= 0 and len(results) > offset + limit
    total = len(results)
    if params.get("p.guessTotal") == "true" and more:
        total = offset + limit
    return {
        "success": True,
        "results": len(page),
        "total": total,
        "more": more,
        "offset": offset,
        "hits": [_hit(repo, path, node, mode, params, depth) for path, node in page],
    }
