"""List every asset under a DAM path with QueryBuilder, with smart tags and XMP in the same hits: partitioned into
``jcr:created`` windows paged by an ordered key (so no query reads near AEM as a Cloud Service's 100,000-node
limit), a few pages in flight, each finished partition checkpointed as Parquet (incremental runs: incremental.py)."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from .acs import SyncArguments
from .client import AemClient
from .errors import AemHttpError, AemNotFoundError, AemResponseError, ConfigError
from .frames import FrameBuilder
from .jcrpath import quote_path, validate_path
from .number_types import confirm_confidence_types
from .progress import Progress, ProgressCallback
from .snapshot import Snapshot

QUERYBUILDER_PATH = "/bin/querybuilder.json"
MAX_PAGE_SIZE = 1000
# asset(0) / jcr:content(1) / metadata(2) / predictedTags, dam:predictedTags(3) / tag items(4) / grandchildren(5):
# the audit must see children of XMP items (the process never writes any, so a node with them is stale)
ASSET_NODE_DEPTH = 5
DEFAULT_WORKERS = 4
# Nodes one query may read: half of AEM as a Cloud Service's limit (offset-skipped rows + hits count).
DEFAULT_READ_BUDGET = 50_000
# Assets per partition (one FrameBuilder, one Parquet part) before it is closed and a new one begun.
PARTITION_ASSETS = 50_000
# Request lines stay below this (front proxies refuse > 8 KB with 414).
MAX_REQUEST_LINE = 7 * 1024
CREATED = "jcr:created"
LAST_MODIFIED = "jcr:content/jcr:lastModified"
LISTING_PAGE_SIZE = 5000
STATE_FILE = "inventory-state.json"
# Seconds to wait before asking again for a page still answered 429 after the client's own retries.
THROTTLE_WAITS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
FAR_FUTURE = datetime(3000, 1, 1, tzinfo=timezone.utc)
LIKELY_FIRST = datetime(2000, 1, 1, tzinfo=timezone.utc)


class PagingError(AemResponseError):
    """QueryBuilder paging made no progress (``more: true`` without new hits) or broke its order."""


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


def check_page(body: Any, url: str) -> tuple[list[dict[str, Any]], bool]:
    """The hits of a QueryBuilder answer and its ``more`` flag (AemResponseError for a malformed answer)."""
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
    """Yield pages of full asset hits under ``root`` by ``p.offset`` (sequential; deep offsets count toward
    AEM's read limit — ``take_inventory`` partitions instead). Duplicate hits are dropped; a page that brings
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


# -- fetching named assets ----------------------------------------------------------------------------------


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
    GET instead. With ``args``, integer XMP confidences are confirmed (``number_types``)."""
    found: dict[str, dict[str, Any]] = {}
    done = 0
    for params in _path_groups(paths, max_request_line, chunk):
        group = [value for key, value in params.items() if key.endswith("_path")]
        try:
            body = client.get_json(QUERYBUILDER_PATH, params)
        except AemNotFoundError:
            found.update(_read_assets_one_by_one(client, paths[done:]))
            break
        hits, _ = check_page(body, client.url_for(QUERYBUILDER_PATH))
        wanted = set(group)
        hits = [hit for hit in hits if hit["jcr:path"] in wanted]
        if args is not None:
            confirm_confidence_types(client, hits, args)
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


# -- ordered-key windows ------------------------------------------------------------------------------------


def parse_jcr_date(value: Any) -> datetime | None:
    """A Date as Sling renders it (``Wed Nov 25 2026 10:12:32 GMT+0000``) or ISO 8601; None otherwise."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        return datetime.strptime(text, "%a %b %d %Y %H:%M:%S GMT%z").astimezone(timezone.utc)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


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
        return [_iso(self.start), _iso(self.end)]


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
            "daterange.lowerBound": _iso(lower),
            "daterange.lowerOperation": ">=",
            "daterange.upperBound": _iso(window.end),
            "daterange.upperOperation": "<",
        }
        if self.hits == "selective":
            extra.update({"p.hits": "selective", "p.properties": f"jcr:path {self.prop}"})
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


PartitionSink = Callable[[Window, list[dict[str, Any]]], None]


def _scan_window(client: AemClient, spec: ScanSpec, window: Window, shared: _Shared,
                 on_partition: PartitionSink) -> None:
    """Page one window by its ordered key: the lower bound moves to the last hit's second and ``p.offset`` skips
    only the rows already taken at that second, so no query reads more than a page plus ties. Closed partitions
    (every ``spec.partition_assets`` assets, at a second boundary) go to ``on_partition``."""
    url = client.url_for(QUERYBUILDER_PATH)
    cursor, skip = window.start, 0
    part_start = window.start
    done: list[dict[str, Any]] = []  # hits before ``cursor``
    tail: list[dict[str, Any]] = []  # hits at ``cursor``'s second
    tail_paths: set[str] = set()
    while not shared.stopped:
        if skip + spec.page_size > spec.read_budget:
            raise PagingError(f"more than {spec.read_budget - spec.page_size} assets under {spec.root} share "
                              f"{spec.prop} {_iso(cursor)}; cannot page them under the read limit", url=url)
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
                tail, tail_paths, cursor, skip = [], set(), second, 0
            skip += 1
            if hit["jcr:path"] in tail_paths:
                continue  # a duplicate hit across pages
            tail.append(hit)
            tail_paths.add(hit["jcr:path"])
            new += 1
        shared.advance(new)
        if not more:
            done.extend(tail)
            on_partition(Window(part_start, window.end), done)
            return
        if new == 0:
            raise PagingError(f"QueryBuilder at {url} keeps answering more=true without new hits "
                              f"({spec.prop} >= {_iso(cursor)}, offset {skip - len(hits)}); stopped", url=url)
        if len(done) >= spec.partition_assets:
            on_partition(Window(part_start, cursor), done)
            done, part_start = [], cursor


def get_page(client: AemClient, params: dict[str, str]) -> Any:
    """One QueryBuilder page; while AEM still throttles (429) after the client's retries, wait and ask again."""
    for wait_s in (*THROTTLE_WAITS, None):
        try:
            return client.get_json(QUERYBUILDER_PATH, params)
        except AemHttpError as exc:
            if exc.status == 500:
                raise AemHttpError(f"{exc} (AEM stops a query that reads more than its limit of nodes, 100,000 on "
                                   "AEM as a Cloud Service: try a smaller page size)", method=exc.method, url=exc.url,
                                   status=500) from None
            if exc.status != 429 or wait_s is None:
                raise
            time.sleep(wait_s)
    raise AssertionError("unreachable")


def _run_windows(client: AemClient, spec: ScanSpec, windows: list[Window], workers: int,
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


def _plan_windows(client: AemClient, spec: ScanSpec, spans: list[Window], workers: int,
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


# -- checkpoints ------------------------------------------------------------------------------------------


class _Partitions:
    """Finished partitions: kept in memory, or saved as Parquet parts under ``folder`` with a state file that
    lets an interrupted inventory resume."""

    def __init__(self, folder: Path | None, identity: dict[str, Any], args: SyncArguments,
                 sink: PartitionSink | None = None) -> None:
        self.sink = sink
        self.folder = folder
        self.identity = identity
        self.args = args
        self.lock = threading.Lock()
        self.finished: list[dict[str, Any]] = []
        self.parts: list[tuple[list[str], Snapshot]] = []
        self.range: list[str] | None = None
        if folder is not None and (folder / STATE_FILE).exists():
            state = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
            if {k: state.get(k) for k in identity} == identity and not state.get("complete"):
                self.finished, self.range = state["finished"], state.get("range")

    def complete(self) -> None:
        """Record that the inventory finished: the next one with this folder starts afresh."""
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            state = {**self.identity, "range": self.range, "finished": self.finished, "complete": True}
            (self.folder / STATE_FILE).write_text(json.dumps(state, indent=1), encoding="utf-8")

    def set_range(self, window: Window) -> None:
        self.range = window.key()
        self._write_state()

    def add(self, window: Window, hits: list[dict[str, Any]]) -> None:
        if self.sink is not None:
            with self.lock:
                self.sink(window, hits)
                self.finished.append({"window": window.key(), "assets": len(hits)})
            return
        builder = FrameBuilder(self.args)
        builder.add_hits(hits)
        assets, smart_tags, xmp_tags = builder.build()
        part = Snapshot(assets, smart_tags, xmp_tags, {"arguments": self.args.to_process_args()})
        with self.lock:
            if self.folder is None:
                self.parts.append((window.key(), part))
                self.finished.append({"window": window.key(), "assets": len(hits)})
                return
            name = f"part-{_iso(window.start)}-{_iso(window.end)}".replace(":", "")
            part.save(self.folder / "parts" / name)
            self.finished.append({"window": window.key(), "part": name, "assets": len(hits)})
            self._write_state()

    def _write_state(self) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / (STATE_FILE + ".tmp")
        state = {**self.identity, "range": self.range, "finished": self.finished}
        temporary.write_text(json.dumps(state, indent=1), encoding="utf-8")
        temporary.replace(self.folder / STATE_FILE)

    def gaps(self, whole: Window) -> list[Window]:
        """Parts of ``whole`` no finished partition covers."""
        covered = sorted((parse_jcr_date(a), parse_jcr_date(b)) for a, b in (f["window"] for f in self.finished))
        gaps, start = [], whole.start
        for lower, upper in covered:
            if lower > start:  # type: ignore[operator]
                gaps.append(Window(start, lower))  # type: ignore[arg-type]
            start = max(start, upper)  # type: ignore[type-var]
        if start < whole.end:
            gaps.append(Window(start, whole.end))
        return gaps

    def snapshots(self) -> list[Snapshot]:
        if self.folder is None:
            return [part for _, part in sorted(self.parts, key=lambda item: item[0])]
        ordered = sorted(self.finished, key=lambda f: f["window"])
        return [Snapshot.load(self.folder / "parts" / f["part"]) for f in ordered]


def _empty_snapshot(args: SyncArguments) -> Snapshot:
    assets, smart_tags, xmp_tags = FrameBuilder(args).build()
    return Snapshot(assets, smart_tags, xmp_tags, {})


def _cut_at_likely_bounds(spans: list[Window]) -> list[Window]:
    """``spans`` cut at 2000-01-01 and at tomorrow: repositories hold dates between, so the spans outside cost one
    count each (usually empty) and the bisection starts from a span decades, not a millennium, wide."""
    cuts = [LIKELY_FIRST, datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=1)]
    pieces = []
    for span in spans:
        bounds = [span.start, *(cut for cut in cuts if span.start < cut < span.end), span.end]
        pieces += [Window(lower, upper) for lower, upper in itertools.pairwise(bounds)]
    return pieces


def _scan(client: AemClient, spec: ScanSpec, partitions: _Partitions, *, workers: int, lower: datetime | None,
          progress: Progress | None) -> None:
    """Cover every asset under the root whose ``spec.prop`` is at or after ``lower`` with finished partitions."""
    if partitions.range is None:
        start = (lower or EPOCH).replace(microsecond=0)
        partitions.set_range(Window(start, FAR_FUTURE))
    whole = Window(parse_jcr_date(partitions.range[0]), parse_jcr_date(partitions.range[1]))  # type: ignore[arg-type]
    gaps = partitions.gaps(whole)
    if gaps:
        windows = _plan_windows(client, spec, gaps, workers, progress)
        def add(window: Window, hits: list[dict[str, Any]]) -> None:
            if spec.hits == "full":
                confirm_confidence_types(client, hits, partitions.args)
            partitions.add(window, hits)

        _run_windows(client, spec, windows, workers, add, progress)


def take_inventory(
    client: AemClient,
    root: str,
    args: SyncArguments | None = None,
    *,
    page_size: int = MAX_PAGE_SIZE,
    workers: int = DEFAULT_WORKERS,
    read_budget: int = DEFAULT_READ_BUDGET,
    partition_assets: int = PARTITION_ASSETS,
    checkpoint_dir: str | Path | None = None,
    show_progress: bool = True,
    on_progress: ProgressCallback | None = None,
) -> Snapshot:
    """Inventory every asset under ``root`` into a Snapshot (assets, smart tags, XMP tags).

    The assets are split into ``jcr:created`` windows paged by that key (``orderby=@jcr:created`` with a
    ``daterange`` lower bound), so no query reads more than ``read_budget`` nodes; up to ``workers`` pages are in
    flight. With ``checkpoint_dir`` every finished partition is saved there as Parquet and an interrupted
    inventory started again with the same folder reads only what is missing (after a completed one, the next
    inventory with that folder starts afresh)."""
    validate_path(root)
    args = args or SyncArguments()
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ConfigError(f"page_size must be 1..{MAX_PAGE_SIZE}, got {page_size}")
    if workers < 1:
        raise ConfigError(f"workers must be at least 1, got {workers}")
    if read_budget < 2 * page_size:
        raise ConfigError(f"read_budget ({read_budget}) must be at least twice page_size ({page_size})")
    identity = {"source": client.base_url, "root": root, "arguments": args.to_process_args()}
    folder = Path(checkpoint_dir) if checkpoint_dir is not None else None
    partitions = _Partitions(folder, identity, args)
    spec = ScanSpec(root, page_size=page_size, read_budget=read_budget, partition_assets=partition_assets)
    started = client.request_count
    with Progress(None, f"Inventory {root}", show=show_progress, callback=on_progress) as progress:
        _scan(client, spec, partitions, workers=workers, lower=None, progress=progress)
    parts = partitions.snapshots()
    partitions.complete()
    snapshot = Snapshot.concat(parts) if parts else _empty_snapshot(args)  # in jcr:created order
    snapshot.meta = {
        **identity,
        "taken_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "requests": client.request_count - started,
        "partitions": len(parts),
    }
    return snapshot


def snapshot_of(client: AemClient, paths: list[str], args: SyncArguments | None = None) -> Snapshot:
    """A snapshot of just these assets, read in a few queries (folder pages where dense; deleted ones are absent)."""
    from .folder_reads import read_assets  # it builds on this module

    args = args or SyncArguments()
    return Snapshot.from_hits(read_assets(client, paths, args=args).values(), args, source=client.base_url, root="")
