"""The part of AEM's QueryBuilder JSON servlet that xmpaudit uses: path (``path.flat``)/type/group and
``daterange`` predicates, ordering, paging with ``p.guessTotal``, simple, full and selective hits, and Oak's count
of nodes a query reads (for the read limit)."""

from __future__ import annotations

import bisect
from datetime import datetime, timezone
from typing import Any

from xmpaudit.simulator.cloud_limits import QueryReadLimitExceeded
from xmpaudit.simulator.query_walks import found_nodes, relative
from xmpaudit.simulator.repository import Node, Repository

DEFAULT_LIMIT = 10


class QueryError(Exception):
    """A bad query (AEM answers 400 with success=false)."""


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
    """Matching (path, node) pairs in result order; the unfiltered, ordered set is cached per content generation
    (like an index), ``daterange`` windows are cut from it by binary search when the order is by that property."""
    ranges = _date_ranges(params)
    if ranges and "orderby" not in params:  # an unordered range query comes in the order of that property's index
        params = {**params, "orderby": f"@{ranges[0][0]}"}
    key = tuple(sorted((k, v) for k, v in params.items() if not k.startswith("p.") and "daterange" not in k))
    cached = repo.query_cache.get(key)
    if cached is None:
        cached = repo.query_cache[key] = _find(repo, params)
    results, order_prop, order_keys = cached  # type: ignore[misc]
    for prop, lower, lower_inclusive, upper, upper_inclusive in ranges:
        if prop == order_prop and order_keys is not None:
            start, end = 0, len(order_keys)
            if lower is not None:
                cut = bisect.bisect_left if lower_inclusive else bisect.bisect_right
                start = cut(order_keys, (1, lower.timestamp()))
            if upper is not None:
                cut = bisect.bisect_right if upper_inclusive else bisect.bisect_left
                end = cut(order_keys, (1, upper.timestamp()))
            results, order_keys = results[start:end], order_keys[start:end]
        else:
            results = [item for item in results
                       if _in_range(_relative(repo, *item, prop), lower, lower_inclusive, upper, upper_inclusive)]
            order_keys = None
    return results


def _property_predicates(params: dict[str, str]) -> list[tuple[str, str]]:
    """(relative property path, value) of ``property``/``N_property`` predicates (AND-ed, equality only)."""
    found = []
    for key, name in params.items():
        if key == "property" or (key.endswith("_property") and key.split("_", 1)[0].isdigit()):
            found.append((name, params.get(f"{key}.value", "")))
    return found


def _parse_date(text: str | None, key: str) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise QueryError(f"{key} is not an ISO 8601 date: {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _date_ranges(params: dict[str, str]) -> list[tuple[str, datetime | None, bool, datetime | None, bool]]:
    """The ``daterange`` / ``N_daterange`` predicates: (property, lower, lower inclusive, upper, upper inclusive)."""
    found = []
    for key, prop in params.items():
        if key == "daterange.property" or (key.endswith("_daterange.property") and "." not in key.split("_")[0]):
            base = key.removesuffix(".property")
            lower_op = params.get(f"{base}.lowerOperation", ">")
            upper_op = params.get(f"{base}.upperOperation", "<")
            if lower_op not in (">", ">=") or upper_op not in ("<", "<="):
                raise QueryError(f"{base}: lowerOperation must be > or >=, upperOperation < or <=")
            found.append((prop.removeprefix("@"), _parse_date(params.get(f"{base}.lowerBound"), base),
                          lower_op == ">=", _parse_date(params.get(f"{base}.upperBound"), base), upper_op == "<="))
    return found


def _in_range(value: Any, lower: datetime | None, lower_inclusive: bool, upper: datetime | None,
              upper_inclusive: bool) -> bool:
    if not isinstance(value, datetime):
        return False
    if lower is not None and (value < lower or (value == lower and not lower_inclusive)):
        return False
    return upper is None or value < upper or (value == upper and upper_inclusive)


def _sort_key(value: Any) -> tuple[int, float | str]:
    if isinstance(value, datetime):
        return 1, value.timestamp()
    if value is None or isinstance(value, Node):
        return 0, 0.0
    return 2, str(value)


def _found(repo: Repository, params: dict[str, str]) -> dict[str, Node]:
    """The matching nodes, before any ordering (in document order when the query keeps it); shared by the
    queries that differ only in their ordering and kept up to date through writes (``query_walks``)."""
    order = params.get("orderby")
    sorted_later = order in ("path", "@jcr:path") or bool(order and order.startswith("@"))
    return found_nodes(repo, params.get("type"), _property_predicates(params), _path_scopes(params),
                       params.get("path.flat") == "true", document_order=not sorted_later)


def _find(repo: Repository, params: dict[str, str]) -> tuple[list[tuple[str, Node]], str | None, list | None]:
    results = list(_found(repo, params).items())
    order = params.get("orderby")
    order_prop, order_keys = None, None
    if order in ("path", "@jcr:path"):
        results.sort(key=lambda item: item[0])
    elif order and order.startswith("@"):
        order_prop = order[1:]
        keyed = sorted(((_sort_key(_relative(repo, path, node, order_prop)), path, node) for path, node in results),
                       key=lambda row: (row[0], row[1]))
        results = [(path, node) for _, path, node in keyed]
        order_keys = [key for key, _, _ in keyed]
    if params.get("orderby.sort") == "desc":
        results.reverse()
        order_keys = None
    return results, order_prop, order_keys


def _relative(repo: Repository, path: str, node: Node, relative_path: str) -> Any:
    """A property or node below ``node`` by relative path (node values rendered later)."""
    return relative(node, relative_path)


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


def nodes_read(params: dict[str, str], offset: int, returned: int, total: int, ordered_index: bool = True) -> int:
    """How many rows Oak reads for one QueryBuilder request: the rows ``p.offset`` skips plus the hits, up to a
    numeric ``p.guessTotal``; without ``p.guessTotal`` (or with ``p.limit=-1``) QueryBuilder counts them all, and
    so does an ordered query that Oak sorts in memory (no ``ordered_index``)."""
    guess = params.get("p.guessTotal")
    if guess is None or params.get("p.limit") == "-1" or ("orderby" in params and not ordered_index):
        return total
    read = offset + returned
    if guess.isdigit():
        read = max(read, min(total, int(guess)))
    return min(read, total)


def whole_doubles_as_integers(value: Any) -> Any:
    """``value`` with every whole-number float written as an integer, as the org.json-style writer of older AEM
    versions prints a Double 1.0 (``1``); whether an AEM's QueryBuilder does so is not verified (README)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: whole_doubles_as_integers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [whole_doubles_as_integers(item) for item in value]
    return value


def run_query(repo: Repository, params: dict[str, str], read_limit: int | None = None,
              ordered_index: bool = True, doubles_without_point: bool = False) -> dict[str, Any]:
    """Answer one ``/bin/querybuilder.json`` request; QueryReadLimitExceeded past ``read_limit`` nodes read.
    ``doubles_without_point``: render whole-number Doubles in hits as integers (``whole_doubles_as_integers``)."""
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
    if read_limit is not None and nodes_read(params, offset, len(page), total, ordered_index) > read_limit:
        raise QueryReadLimitExceeded(read_limit)
    guess = params.get("p.guessTotal")
    if guess == "true" and more:
        total = offset + limit
    elif guess is not None and guess.isdigit():
        total = min(total, max(int(guess), offset + len(page)))
    hits = [_hit(repo, path, node, mode, params, depth) for path, node in page]
    return {
        "success": True,
        "results": len(page),
        "total": total,
        "more": more,
        "offset": offset,
        "hits": whole_doubles_as_integers(hits) if doubles_without_point else hits,
    }
