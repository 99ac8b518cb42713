"""read/windows.py: windows by jcr:created, each under half the read budget, paged by key so no asset is missed
or read twice."""

import itertools
from datetime import datetime, timezone

import pytest

from xmpaudit.read.path_reads import iter_asset_pages
from xmpaudit.read.windows import EPOCH, FAR_FUTURE, ScanSpec, Window, plan_windows, run_windows

UTC = timezone.utc
WINDOW = Window(datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))


def test_a_page_is_bounded_by_the_window_and_ordered_by_its_key():
    params = ScanSpec("/c").params(WINDOW, datetime(2024, 6, 1, tzinfo=UTC), limit=100, offset=3)
    assert params["orderby"] == "@jcr:created" and params["daterange.property"] == "jcr:created"
    assert (params["daterange.lowerBound"], params["daterange.lowerOperation"]) == ("2024-06-01T00:00:00.000Z", ">=")
    assert (params["daterange.upperBound"], params["daterange.upperOperation"]) == ("2025-01-01T00:00:00.000Z", "<")
    assert (params["p.limit"], params["p.offset"], params["p.hits"]) == ("100", "3", "full")


def test_a_listing_asks_only_for_paths_the_key_and_the_identity():
    params = ScanSpec("/c", prop="jcr:content/jcr:lastModified", hits="selective").params(WINDOW, WINDOW.start,
                                                                                          limit=5, offset=0)
    assert params["p.hits"] == "selective" and "p.nodedepth" not in params
    # jcr:uuid tells an asset replaced at the same path (with an older lastModified) from the one listed before
    assert params["p.properties"] == "jcr:path jcr:content/jcr:lastModified jcr:uuid"


@pytest.fixture(scope="module")
def planned(demo_readonly):
    spec = ScanSpec(demo_readonly.root, page_size=7, read_budget=40)
    return spec, plan_windows(demo_readonly.client, spec, [Window(EPOCH, FAR_FUTURE)], workers=3)


def test_planned_windows_are_ordered_disjoint_and_cover_the_span(planned):
    _, windows = planned
    assert len(windows) > 1
    assert all(w.start < w.end for w in windows)
    assert all(a.end <= b.start for a, b in itertools.pairwise(windows))
    assert windows[0].start >= EPOCH and windows[-1].end <= FAR_FUTURE


def test_every_asset_is_read_exactly_once_in_small_pages(demo_readonly, planned):
    spec, windows = planned
    got: list[str] = []
    sizes: list[tuple[Window, int]] = []

    def take(window: Window, hits: list[dict], read_started: str) -> None:
        got.extend(h["jcr:path"] for h in hits)
        sizes.append((window, len(hits)))

    run_windows(demo_readonly.client, spec, windows, 3, take, None)
    assert all(n <= spec.read_budget // 2 or (w.end - w.start).total_seconds() < 2 for w, n in sizes)
    every = [h["jcr:path"] for page in iter_asset_pages(demo_readonly.client, demo_readonly.root) for h in page]
    assert len(got) == len(set(got)), "no asset twice"
    assert sorted(got) == sorted(every) and len(every) == 120
