"""Read many named assets in few requests: whole-folder QueryBuilder pages (no paths in the URL) where the wanted
assets are dense in their folder, path-listing queries (``inventory.fetch_assets``) for the rest."""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from xmpaudit.aem.client import AemClient
from xmpaudit.aem.querybuilder import (
    DEFAULT_WORKERS,
    MAX_PAGE_SIZE,
    QUERYBUILDER_PATH,
    asset_query,
    check_page,
    get_page,
)
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import AemError, AemNotFoundError
from xmpaudit.core.jcrpath import parent_of, validate_path
from xmpaudit.read.deep_nodes import complete_deep_nodes
from xmpaudit.read.number_types import confirm_confidence_types
from xmpaudit.read.path_reads import fetch_assets

# A folder is read by whole pages when it holds at least this many wanted assets (fewer fit one path query) ...
MIN_WANTED_PER_FOLDER = 50
# ... and they are at least this share of its assets (so no more than five times the hits needed are read) ...
MIN_DENSITY = 0.2
# ... and it holds at most this many assets: every page's offset stays far below AEM as a Cloud Service's read
# limit (100,000 nodes), even where Oak sorts the folder in memory to order it by path.
MAX_FOLDER_ASSETS = 20_000

Hit = dict[str, Any]
HitsSink = Callable[[list[Hit]], None]


def folder_page_query(folder: str, *, limit: int, offset: int, count_up_to: int | None = None) -> dict[str, str]:
    """QueryBuilder parameters for one page of the assets directly in ``folder``, ordered by path (a stable order:
    writing metadata does not move an asset); with ``count_up_to`` the answer's total counts up to that many."""
    extra = {"path.flat": "true"}
    if count_up_to is not None:
        extra["p.guessTotal"] = str(count_up_to)
    return asset_query(folder, limit=limit, offset=offset, extra=extra)


def group_by_folder(paths: Iterable[str]) -> dict[str, set[str]]:
    """The wanted asset paths by the folder they sit in."""
    folders: dict[str, set[str]] = defaultdict(set)
    for path in paths:
        folders[parent_of(path)].add(path)
    return folders


class _FolderPages:
    """The page-by-page reading of the dense folders, shared by the worker threads."""

    def __init__(self, client: AemClient, folders: dict[str, set[str]], on_hits: HitsSink, page_size: int,
                 args: SyncArguments | None) -> None:
        self.client = client
        self.args = args
        self.folders = folders
        self.on_hits = on_hits
        self.page_size = page_size
        self.url = client.url_for(QUERYBUILDER_PATH)
        self.delivered: set[str] = set()
        self.totals: dict[str, int] = {}
        self.lock = threading.Lock()
        self.no_querybuilder = False

    def cap(self, folder: str) -> int:
        """The most assets ``folder`` may hold to be read whole (wanted share at least MIN_DENSITY)."""
        return min(MAX_FOLDER_ASSETS, max(self.page_size, math.ceil(len(self.folders[folder]) / MIN_DENSITY)))

    def _read(self, folder: str, offset: int, count_up_to: int | None = None) -> tuple[dict[str, Any], bool] | None:
        if self.no_querybuilder:
            return None
        params = folder_page_query(folder, limit=self.page_size, offset=offset, count_up_to=count_up_to)
        try:
            body = get_page(self.client, params)
            hits, more = check_page(body, self.url)
        except AemNotFoundError:
            self.no_querybuilder = True  # a plain Sling: everything is read by path (one by one)
            return None
        except AemError:
            return None  # this page's wanted assets are left to the path reads
        wanted = self.folders[folder]
        with self.lock:
            mine = [hit for hit in hits if hit["jcr:path"] in wanted and hit["jcr:path"] not in self.delivered]
            self.delivered.update(hit["jcr:path"] for hit in mine)
        if self.args is not None:
            try:
                confirm_confidence_types(self.client, mine, self.args)
            except AemError:
                with self.lock:  # left to the path reads, like a failed page
                    self.delivered.difference_update(hit["jcr:path"] for hit in mine)
                return None
        complete_deep_nodes(self.client, mine, self.args)
        if mine:
            self.on_hits(mine)
        return body, more

    def first_page(self, folder: str) -> list[int]:
        """Read the first page with a count; the offsets of the folder's other pages when it is dense enough."""
        cap = self.cap(folder)
        answer = self._read(folder, 0, count_up_to=cap + 1)
        if answer is None:
            return []
        body, more = answer
        total = body.get("total")
        if not more or not isinstance(total, int) or total > cap:
            return []  # all read, or too sparse or too big: its other wanted assets are read by path
        self.totals[folder] = total
        return list(range(self.page_size, total, self.page_size))

    def next_page(self, folder: str, offset: int) -> list[int]:
        """Read one more page; past the counted end while the folder still grows, one page further (bounded)."""
        answer = self._read(folder, offset)
        if answer is None:
            return []
        _, more = answer
        following = offset + self.page_size
        if more and following >= self.totals[folder] and following < self.cap(folder) + self.page_size:
            return [following]
        return []


def read_by_folder_pages(client: AemClient, paths: Iterable[str], on_hits: HitsSink, *,
                         workers: int = DEFAULT_WORKERS, page_size: int = MAX_PAGE_SIZE,
                         on_folder_done: Callable[[str], None] | None = None,
                         args: SyncArguments | None = None) -> list[str]:
    """Read the wanted assets that are dense in their folder by whole-folder pages ordered by path, up to
    ``workers`` pages in flight, and call ``on_hits`` with each page's wanted hits right after it is read (from
    a worker thread; each asset once), and ``on_folder_done`` (also in a worker) once a folder's pages are all
    read. Returns the wanted paths not delivered, in the given order: those in folders with few wanted assets,
    sparse or very large folders, on pages that failed, and any a folder page did not show (deleted, moved, or
    shifted past a page by a concurrent insert): read those by path. With ``args``, integer XMP confidences are
    confirmed (``number_types``). An exception raised by a callback stops the reading (pages in flight finish)
    and is raised."""
    wanted = list(dict.fromkeys(validate_path(str(path)) for path in paths))
    dense = {folder: members for folder, members in group_by_folder(wanted).items()
             if len(members) >= MIN_WANTED_PER_FOLDER}
    if not dense:
        return wanted
    pages = _FolderPages(client, dense, on_hits, page_size, args)
    done: set[str] = set()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="xmpaudit-folder-pages") as pool:
        pending: dict[Future[list[int]], str] = {pool.submit(pages.first_page, folder): folder for folder in dense}
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                folder = pending.pop(future)
                try:
                    offsets = future.result()
                except BaseException:
                    for other in pending:
                        other.cancel()
                    raise
                for offset in offsets:
                    pending[pool.submit(pages.next_page, folder, offset)] = folder
                if on_folder_done is not None and folder not in done and folder not in pending.values():
                    done.add(folder)
                    pending[pool.submit(_call_done, on_folder_done, folder)] = folder
    return [path for path in wanted if path not in pages.delivered]


def _call_done(on_folder_done: Callable[[str], None], folder: str) -> list[int]:
    on_folder_done(folder)
    return []


def read_assets(client: AemClient, paths: Iterable[str], *, workers: int = DEFAULT_WORKERS,
                folder_pages: bool = True, args: SyncArguments | None = None) -> dict[str, Hit]:
    """Full hits for the given asset paths (deleted ones absent): folder pages where they cover the wanted assets
    densely, path-listing queries for the rest (``folder_pages=False``: path-listing queries only). With ``args``,
    integer XMP confidences are confirmed (``number_types``); XMP (with ``args``) and backup nodes deeper than a
    read shows are read whole (``deep_nodes``)."""
    found: dict[str, Hit] = {}
    lock = threading.Lock()

    def keep(hits: list[Hit]) -> None:
        with lock:
            found.update((hit["jcr:path"], hit) for hit in hits)

    rest = read_by_folder_pages(client, paths, keep, workers=workers, args=args) if folder_pages else list(paths)
    found.update(fetch_assets(client, rest, args=args))
    return found
