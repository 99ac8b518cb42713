"""List every asset under a DAM path with QueryBuilder, in pages, with smart tags and XMP in the same hits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .acs import SyncArguments
from .client import AemClient
from .errors import AemNotFoundError, AemResponseError, ConfigError
from .frames import FrameBuilder
from .jcrpath import validate_path
from .progress import Progress, ProgressCallback
from .snapshot import Snapshot

QUERYBUILDER_PATH = "/bin/querybuilder.json"
MAX_PAGE_SIZE = 1000
# asset(0) / jcr:content(1) / metadata(2) / predictedTags, dam:predictedTags(3) / tag items(4) / grandchildren(5):
# the audit must see children of XMP items (the process never writes any, so a node with them is stale)
ASSET_NODE_DEPTH = 5


def asset_query(root: str, *, limit: int, offset: int, extra: dict[str, str] | None = None) -> dict[str, str]:
    """QueryBuilder parameters for one page of full asset hits under ``root``."""
    params = {
        "type": "dam:Asset",
        "p.limit": str(limit),
        "p.offset": str(offset),
        "p.guessTotal": "true",
        "orderby": "path",
        "p.hits": "full",
        "p.nodedepth": str(ASSET_NODE_DEPTH),
    }
    if root:
        params["path"] = root
    params.update(extra or {})
    return params


def _check_page(body: Any, url: str) -> tuple[list[dict[str, Any]], bool]:
    if not isinstance(body, dict) or not isinstance(body.get("hits"), list):
        raise AemResponseError(f"QueryBuilder answer from {url} has no 'hits' list", url=url)
    if body.get("success") is False:
        raise AemResponseError(f"QueryBuilder reported failure: {body.get('errorMessage')}", url=url)
    hits = [h for h in body["hits"] if isinstance(h, dict) and isinstance(h.get("jcr:path"), str)]
    if len(hits) != len(body["hits"]):
        raise AemResponseError(f"QueryBuilder answer from {url} has hits without jcr:path", url=url)
    return hits, bool(body.get("more"))


def iter_asset_pages(
    client: AemClient,
    root: str,
    *,
    page_size: int = MAX_PAGE_SIZE,
    progress: Progress | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """Yield pages of full asset hits under ``root`` (never ``p.limit=-1``)."""
    validate_path(root)
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ConfigError(f"page_size must be 1..{MAX_PAGE_SIZE}, got {page_size}")
    offset = 0
    while True:
        body = client.get_json(QUERYBUILDER_PATH, asset_query(root, limit=page_size, offset=offset))
        hits, more = _check_page(body, client.url_for(QUERYBUILDER_PATH))
        if progress is not None:
            guessed = body.get("total")
            if isinstance(guessed, int):
                progress.set_total(max(guessed, offset + len(hits)) + (1 if more else 0))
            progress.advance(len(hits))
        yield hits
        offset += len(hits)
        if not more or not hits:
            break
    if progress is not None:
        progress.set_total(offset)


def fetch_assets(client: AemClient, paths: list[str], *, chunk: int = 200) -> dict[str, dict[str, Any]]:
    """Full hits for the given asset paths, a few hundred per query (OR-ed path predicates).
    Paths that no longer exist are absent from the result. Where QueryBuilder does not exist (a plain Sling,
    as in the contract tests), each asset is read with a Sling GET instead."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(paths), chunk):
        group = paths[start : start + chunk]
        extra = {"group.p.or": "true"}
        for number, path in enumerate(group, start=1):
            extra[f"group.{number}_path"] = validate_path(path)
            extra[f"group.{number}_path.self"] = "true"
        try:
            body = client.get_json(QUERYBUILDER_PATH, asset_query("", limit=len(group), offset=0, extra=extra))
        except AemNotFoundError:
            found.update(_read_assets_one_by_one(client, paths[start:]))
            break
        hits, _ = _check_page(body, client.url_for(QUERYBUILDER_PATH))
        wanted = set(group)
        found.update((hit["jcr:path"], hit) for hit in hits if hit["jcr:path"] in wanted)
    return found


def _read_assets_one_by_one(client: AemClient, paths: list[str]) -> dict[str, dict[str, Any]]:
    found = {}
    for path in paths:
        try:
            found[path] = {"jcr:path": path, **client.read_tree(path, ASSET_NODE_DEPTH)}
        except AemNotFoundError:
            continue
    return found


def take_inventory(
    client: AemClient,
    root: str,
    args: SyncArguments | None = None,
    *,
    page_size: int = MAX_PAGE_SIZE,
    show_progress: bool = True,
    on_progress: ProgressCallback | None = None,
) -> Snapshot:
    """Inventory every asset under ``root`` into a Snapshot (assets, smart tags, XMP tags)."""
    args = args or SyncArguments()
    builder = FrameBuilder(args)
    with Progress(None, f"Inventory {root}", show=show_progress, callback=on_progress) as progress:
        for hits in iter_asset_pages(client, root, page_size=page_size, progress=progress):
            builder.add_hits(hits)
    assets, smart_tags, xmp_tags = builder.build()
    meta = {
        "source": client.base_url,
        "root": root,
        "taken_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "arguments": args.to_process_args(),
        "requests": client.request_count,
    }
    return Snapshot(assets=assets, smart_tags=smart_tags, xmp_tags=xmp_tags, meta=meta)


def snapshot_of(client: AemClient, paths: list[str], args: SyncArguments | None = None) -> Snapshot:
    """A snapshot of just these assets, read in a few batched queries (deleted ones are absent)."""
    args = args or SyncArguments()
    return Snapshot.from_hits(fetch_assets(client, paths).values(), args, source=client.base_url, root="")


def load_or_take(
    client: AemClient,
    root: str,
    args: SyncArguments | None = None,
    snapshot_dir: str | Path | None = None,
    *,
    refresh: bool = False,
    show_progress: bool = True,
) -> Snapshot:
    """The snapshot in ``snapshot_dir`` if it was taken from this AEM, root and arguments; otherwise a new
    inventory (saved there when a folder is given)."""
    args = args or SyncArguments()
    if snapshot_dir is not None and Path(snapshot_dir, "snapshot.json").exists() and not refresh:
        snapshot = Snapshot.load(snapshot_dir)
        meta = snapshot.meta
        if (meta.get("source"), meta.get("root"), meta.get("arguments")) == (
            client.base_url, root, args.to_process_args()
        ):
            return snapshot
    snapshot = take_inventory(client, root, args, show_progress=show_progress)
    if snapshot_dir is not None:
        snapshot.save(snapshot_dir)
    return snapshot
