"""Read named assets by QueryBuilder path queries (byte-sized request lines), and page through a folder in order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from xmpaudit.aem.client import AemClient
from xmpaudit.aem.querybuilder import (
    ASSET_NODE_DEPTH,
    MAX_PAGE_SIZE,
    QUERYBUILDER_PATH,
    PagingError,
    asset_query,
    check_page,
)
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import AemNotFoundError, ConfigError
from xmpaudit.core.jcrpath import quote_path, validate_path
from xmpaudit.core.progress import Progress
from xmpaudit.read.deep_nodes import complete_deep_nodes
from xmpaudit.read.number_types import confirm_confidence_types

# Request lines stay below this (front proxies refuse > 8 KB with 414).
MAX_REQUEST_LINE = 7 * 1024


def iter_asset_pages(
    client: AemClient,
    root: str,
    *,
    page_size: int = MAX_PAGE_SIZE,
    progress: Progress | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """Yield pages of full asset hits under ``root`` by ``p.offset`` (sequential; deep offsets count toward
    AEM's read limit — ``take_inventory`` partitions instead). Backup nodes deeper than a page shows are read
    whole (``deep_nodes``). Duplicate hits are dropped; a page that brings
    nothing new while the server says ``more``, or answers another offset than asked, stops with PagingError."""
    validate_path(root)
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ConfigError(f"page_size must be 1..{MAX_PAGE_SIZE}, got {page_size}")
    offset, seen = 0, set()
    url = client.url_for(QUERYBUILDER_PATH)
    while True:
        body = client.get_json(QUERYBUILDER_PATH, asset_query(root, limit=page_size, offset=offset))
        hits, more = check_page(body, url)
        if isinstance(body.get("offset"), int) and body["offset"] != offset:
            raise PagingError(f"QueryBuilder at {url} answered offset {body['offset']} when asked for {offset}",
                              url=url)
        new = [hit for hit in hits if hit["jcr:path"] not in seen]
        seen.update(hit["jcr:path"] for hit in new)
        complete_deep_nodes(client, new, None)  # backups deeper than the page shows (cleanup journals them whole)
        if progress is not None:
            guessed = body.get("total")
            if isinstance(guessed, int):
                progress.set_total(max(guessed, offset + len(hits)) + (1 if more else 0))
            progress.advance(len(new))
        if new:
            yield new
        offset += len(hits)
        if not more:
            break
        if not new:
            raise PagingError(f"QueryBuilder at {url} keeps answering more=true without new hits at offset "
                              f"{offset}; stopped", url=url)
    if progress is not None:
        progress.set_total(len(seen))


def _request_line_bytes(params: dict[str, str]) -> int:
    """Bytes of ``GET <path>?<query> HTTP/1.1`` as requests encodes it."""
    return len(f"GET {quote_path(QUERYBUILDER_PATH)}?{urlencode(params)} HTTP/1.1")


def _path_groups(paths: list[str], max_request_line: int, chunk: int | None = None) -> Iterator[dict[str, str]]:
    """QueryBuilder parameters OR-ing as many paths (at most ``chunk``) as fit into one request line of
    ``max_request_line`` bytes."""
    group: list[str] = []

    def params_for(members: list[str]) -> dict[str, str]:
        extra = {"group.p.or": "true"}
        for number, path in enumerate(members, start=1):
            extra[f"group.{number}_path"] = path
            extra[f"group.{number}_path.self"] = "true"
        return asset_query("", limit=len(members), offset=0, extra=extra)

    for path in paths:
        validate_path(path)
        full = chunk is not None and len(group) >= chunk
        if group and (full or _request_line_bytes(params_for([*group, path])) > max_request_line):
            yield params_for(group)
            group = []
        group.append(path)
    if group:
        yield params_for(group)


def fetch_assets(
    client: AemClient, paths: list[str], *, chunk: int | None = None, max_request_line: int = MAX_REQUEST_LINE,
    args: SyncArguments | None = None,
) -> dict[str, dict[str, Any]]:
    """Full hits for the given asset paths, as many per query (OR-ed path predicates; at most ``chunk``) as fit
    into a request line of ``max_request_line`` bytes. Paths that no longer exist are absent from the result.
    Where QueryBuilder does not exist (a plain Sling, as in the contract tests), each asset is read with a Sling
    GET instead. With ``args``, integer XMP confidences are confirmed (``number_types``). XMP (with ``args``) and
    backup nodes deeper than the read shows are read whole (``deep_nodes``)."""
    found: dict[str, dict[str, Any]] = {}
    done = 0
    for params in _path_groups(paths, max_request_line, chunk):
        group = [value for key, value in params.items() if key.endswith("_path")]
        try:
            body = client.get_json(QUERYBUILDER_PATH, params)
        except AemNotFoundError:
            rest = _read_assets_one_by_one(client, paths[done:])
            complete_deep_nodes(client, list(rest.values()), args)
            found.update(rest)
            break
        hits, _ = check_page(body, client.url_for(QUERYBUILDER_PATH))
        wanted = set(group)
        hits = [hit for hit in hits if hit["jcr:path"] in wanted]
        if args is not None:
            confirm_confidence_types(client, hits, args)
        complete_deep_nodes(client, hits, args)
        found.update((hit["jcr:path"], hit) for hit in hits)
        done += len(group)
    return found


def _read_assets_one_by_one(client: AemClient, paths: list[str]) -> dict[str, dict[str, Any]]:
    found = {}
    for path in paths:
        try:
            found[path] = {"jcr:path": path, **client.read_tree(path, ASSET_NODE_DEPTH)}
        except AemNotFoundError:
            continue
    return found
