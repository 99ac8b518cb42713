"""An inventory cut into jcr:created windows that each stay under the query read limit, read page by page."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from xmpaudit.aem.client import AemClient
from xmpaudit.aem.querybuilder import MAX_PAGE_SIZE, QUERYBUILDER_PATH, PagingError, asset_query, check_page, get_page
from xmpaudit.core.dates import iso_text, parse_jcr_date
from xmpaudit.core.errors import AemResponseError
from xmpaudit.core.progress import Progress

# Nodes one query may read: half of AEM as a Cloud Service's limit (offset-skipped rows + hits count).
DEFAULT_READ_BUDGET = 50_000


# Assets per partition (one FrameBuilder, one Parquet part) before it is closed and a new one begun.
PARTITION_ASSETS = 50_000
CREATED = "jcr:created"
LISTING_PAGE_SIZE = 5000
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
FAR_FUTURE = datetime(3000, 1, 1, tzinfo=timezone.utc)
LIKELY_FIRST = datetime(2000, 1, 1, tzinfo=timezone.utc)


def _value_at(hit: dict[str, Any], relative: str) -> Any:
    current: Any = hit
    for name in relative.split("/"):
        current = current.get(name) if isinstance(current, dict) else None
    return current


def _second_of(hit: dict[str, Any], prop: str) -> datetime | None:
    value = parse_jcr_date(_value_at(hit, prop))
    return None if value is None else value.replace(microsecond=0)


@dataclass
class Window:
    """Assets whose ``prop`` falls in [start, end) (whole seconds: Sling renders dates to the second)."""

    start: datetime
    end: datetime

    def key(self) -> list[str]:
        return [iso_text(self.start), iso_text(self.end)]


@dataclass
class ScanSpec:
    """What a windowed scan asks for: the ordering date property, hit mode and page size."""

    root: str
    prop: str = CREATED
    hits: str = "full"
    page_size: int = MAX_PAGE_SIZE
    read_budget: int = DEFAULT_READ_BUDGET
    partition_assets: int = PARTITION_ASSETS

    def params(self, window: Window, lower: datetime, *, limit: int, offset: int) -> dict[str, str]:
        extra = {
            "orderby": f"@{self.prop}",
            "daterange.property": self.prop,
            "daterange.lowerBound": iso_text(lower),
            "daterange.lowerOperation": ">=",
            "daterange.upperBound": iso_text(window.end),
            "daterange.upperOperation": "<",
        }
        if self.hits == "selective":
            extra.update({"p.hits": "selective", "p.properties": f"jcr:path {self.prop} jcr:uuid"})
            extra.pop("p.nodedepth", None)
        params = asset_query(self.root, limit=limit, offset=offset, extra=extra)
        if self.hits == "selective":
            params.pop("p.nodedepth")
        return params


@dataclass
class _Shared:
    """What the workers share: whether to stop, and the progress bar (behind a lock)."""

    stopped: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    progress: Progress | None = None

    def advance(self, count: int) -> None:
        if self.progress is not None and count:
            with self.lock:
                self.progress.advance(count)


# (window, its hits, when the first request for them was sent: ISO 8601 with milliseconds)
PartitionSink = Callable[[Window, list[dict[str, Any]], str], None]


def now_text() -> str:
    """The current moment as ISO 8601 with milliseconds (how reads are stamped)."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _scan_window(client: AemClient, spec: ScanSpec, window: Window, shared: _Shared,
                 on_partition: PartitionSink) -> None:
    """Page one window by its ordered key: the lower bound moves to the last hit's second and ``p.offset`` skips
    only the rows already taken at that second, so no query reads more than a page plus ties. Closed partitions
    (every ``spec.partition_assets`` assets, at a second boundary) go to ``on_partition`` with the moment the
    request for their first rows was sent."""
    url = client.url_for(QUERYBUILDER_PATH)
    cursor, skip = window.start, 0
    part_start = window.start
    done: list[dict[str, Any]] = []  # hits before ``cursor``
    tail: list[dict[str, Any]] = []  # hits at ``cursor``'s second
    tail_paths: set[str] = set()
    part_began = tail_began = now_text()
    while not shared.stopped:
        if skip + spec.page_size > spec.read_budget:
            raise PagingError(f"more than {spec.read_budget - spec.page_size} assets under {spec.root} share "
                              f"{spec.prop} {iso_text(cursor)}; cannot page them under the read limit", url=url)
        asked = now_text()
        body = get_page(client, spec.params(window, cursor, limit=spec.page_size, offset=skip))
        hits, more = check_page(body, url)
        new = 0
        for hit in hits:
            second = _second_of(hit, spec.prop)
            if second is None or not window.start <= second < window.end:
                raise PagingError(f"QueryBuilder at {url} answered {hit['jcr:path']} with {spec.prop} "
                                  f"{_value_at(hit, spec.prop)!r}, outside the asked range", url=url)
            if second < cursor:
                continue  # every row before the cursor was taken already: a duplicate
            if second > cursor:
                done.extend(tail)
                tail, tail_paths, cursor, skip, tail_began = [], set(), second, 0, asked
            skip += 1
            if hit["jcr:path"] in tail_paths:
                continue  # a duplicate hit across pages
            tail.append(hit)
            tail_paths.add(hit["jcr:path"])
            new += 1
        shared.advance(new)
        if not more:
            done.extend(tail)
            on_partition(Window(part_start, window.end), done, part_began)
            return
        if new == 0:
            raise PagingError(f"QueryBuilder at {url} keeps answering more=true without new hits "
                              f"({spec.prop} >= {iso_text(cursor)}, offset {skip - len(hits)}); stopped", url=url)
        if len(done) >= spec.partition_assets:
            on_partition(Window(part_start, cursor), done, part_began)
            done, part_start, part_began = [], cursor, tail_began


def run_windows(client: AemClient, spec: ScanSpec, windows: list[Window], workers: int,
                 on_partition: PartitionSink, progress: Progress | None) -> None:
    """Scan ``windows`` with up to ``workers`` pages in flight; the first failure stops the rest and is raised."""
    shared = _Shared(progress=progress)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="xmpaudit-inventory") as pool:
        futures = [pool.submit(_scan_window, client, spec, window, shared, on_partition) for window in windows]
        failure = None
        for future in as_completed(futures):
            if future.exception() is not None and failure is None:
                failure, shared.stopped = future.exception(), True
    if failure is not None:
        raise failure


def _count(client: AemClient, spec: ScanSpec, window: Window, cap: int) -> int:
    """Assets in ``window``, counted up to ``cap`` (``p.guessTotal``: Oak reads no more than ``cap`` rows;
    no ordering, so nothing is sorted)."""
    params = {**spec.params(window, window.start, limit=1, offset=0), "p.guessTotal": str(cap),
              "p.hits": "selective", "p.properties": "jcr:path"}
    params.pop("orderby")
    params.pop("p.nodedepth", None)
    body = get_page(client, params)
    check_page(body, client.url_for(QUERYBUILDER_PATH))
    total = body.get("total")
    if not isinstance(total, int) or total < 0:
        raise AemResponseError(f"QueryBuilder at {client.url_for(QUERYBUILDER_PATH)} answered without a total",
                               url=client.url_for(QUERYBUILDER_PATH))
    return total


def plan_windows(client: AemClient, spec: ScanSpec, spans: list[Window], workers: int,
                  progress: Progress | None = None) -> list[Window]:
    """Windows holding at most ``spec.read_budget // 2`` assets each (whole seconds may hold more): count each
    span, split those with more into ``workers`` pieces, level by level with ``workers`` counts in flight. Every
    query then reads less than the budget even where AEM sorts a window in memory instead of reading it from an
    ordered index.
    Windows of several pages are split further until there are about two per worker, to keep them all busy."""
    target = spec.read_budget // 2
    planned: list[tuple[Window, int]] = []
    frontier = list(spans)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="xmpaudit-plan") as pool:
        while frontier:
            counts = list(pool.map(lambda window: _count(client, spec, window, target + 1), frontier))
            next_level: list[Window] = []
            busy = sum(1 for count in counts if count > 0)
            for window, count in zip(frontier, counts, strict=True):
                seconds = int((window.end - window.start).total_seconds())
                if count == 0:
                    continue
                windows_so_far = len(planned) + len(next_level) + busy
                few = workers > 1 and count > 2 * spec.page_size and windows_so_far < 2 * workers
                if (count <= target and not few) or seconds < 2:
                    planned.append((window, count))
                else:
                    pieces = _cut_at_likely_bounds([window])
                    if len(pieces) == 1:  # into as many pieces as counts run at once (at least two)
                        parts = min(max(2, workers), seconds)
                        bounds = [window.start + timedelta(seconds=seconds * i // parts) for i in range(parts)]
                        pieces = [Window(a, b) for a, b in itertools.pairwise([*bounds, window.end])]
                    next_level += pieces
            frontier = next_level
    if progress is not None:
        progress.set_total(progress.done + sum(count for _, count in planned))
    return _merge_small(sorted(planned, key=lambda item: item[0].start), spans, spec, workers)


def _merge_small(planned: list[tuple[Window, int]], spans: list[Window], spec: ScanSpec,
                 workers: int) -> list[Window]:
    """Neighbouring windows of one span joined while together they hold no more than a share of the work (at most
    half the read budget; what lies between them was counted empty): fewer short last pages, still work for every
    worker. Windows of different spans stay apart (finished partitions lie between them)."""
    total = sum(count for _, count in planned)
    limit = min(spec.read_budget // 2, max(2 * spec.page_size, total // (2 * workers)))
    merged: list[Window] = []
    held = 0
    for window, count in planned:
        joined = Window(merged[-1].start, window.end) if merged else window
        if merged and held + count <= limit and any(s.start <= joined.start and joined.end <= s.end for s in spans):
            merged[-1] = joined
            held += count
        else:
            merged.append(Window(window.start, window.end))
            held = count
    return merged


def _cut_at_likely_bounds(spans: list[Window]) -> list[Window]:
    """``spans`` cut at 2000-01-01 and at tomorrow: repositories hold dates between, so the spans outside cost one
    count each (usually empty) and the bisection starts from a span decades, not a millennium, wide."""
    cuts = [LIKELY_FIRST, datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=1)]
    pieces = []
    for span in spans:
        bounds = [span.start, *(cut for cut in cuts if span.start < cut < span.end), span.end]
        pieces += [Window(lower, upper) for lower, upper in itertools.pairwise(bounds)]
    return pieces
