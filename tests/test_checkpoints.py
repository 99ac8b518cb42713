"""read/checkpoints.py: finished partitions kept in memory or on disk, resumed only for the same inventory."""

from datetime import datetime, timezone

from tests.conftest import asset_hit
from xmpaudit.core.acs import SyncArguments
from xmpaudit.read.checkpoints import STATE_FILE, Partitions
from xmpaudit.read.windows import Window

UTC = timezone.utc
IDENTITY = {"source": "http://aem", "root": "/c", "arguments": ""}
WHOLE = Window(datetime(2020, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC))
FIRST = Window(datetime(2020, 1, 1, tzinfo=UTC), datetime(2021, 1, 1, tzinfo=UTC))
STARTED = "2026-12-03T10:00:00.000+00:00"  # when the part's read began
THIRD = Window(datetime(2022, 1, 1, tzinfo=UTC), datetime(2023, 1, 1, tzinfo=UTC))


def hits(*names):
    return [asset_hit(f"/c/{n}.jpg", [{"name": "dog", "confidence": 0.9}]) for n in names]


def test_in_memory_parts_come_back_in_window_order():
    parts = Partitions(None, IDENTITY, SyncArguments())
    parts.add(THIRD, hits("c"), STARTED)
    parts.add(FIRST, hits("a", "b"), STARTED)
    assert [list(s.assets["path"].astype(str)) for s in parts.snapshots()] == [["/c/a.jpg", "/c/b.jpg"], ["/c/c.jpg"]]


def test_gaps_are_what_no_finished_window_covers():
    parts = Partitions(None, IDENTITY, SyncArguments())
    assert parts.gaps(WHOLE) == [WHOLE]
    parts.add(FIRST, hits("a"), STARTED)
    parts.add(THIRD, hits("c"), STARTED)
    assert parts.gaps(WHOLE) == [Window(FIRST.end, THIRD.start), Window(THIRD.end, WHOLE.end)]


def test_saved_parts_resume_for_the_same_inventory_only(tmp_path):
    first = Partitions(tmp_path, IDENTITY, SyncArguments())
    first.add(FIRST, hits("a", "b"), STARTED)
    assert (tmp_path / STATE_FILE).is_file()
    resumed = Partitions(tmp_path, IDENTITY, SyncArguments())
    assert resumed.gaps(WHOLE) == [Window(FIRST.end, WHOLE.end)]
    assert list(resumed.snapshots()[0].assets["path"].astype(str)) == ["/c/a.jpg", "/c/b.jpg"]
    other = Partitions(tmp_path, {**IDENTITY, "root": "/other"}, SyncArguments())
    assert other.gaps(WHOLE) == [WHOLE], "another folder's parts are not taken"


def test_a_completed_inventory_starts_afresh(tmp_path):
    first = Partitions(tmp_path, IDENTITY, SyncArguments())
    first.add(FIRST, hits("a"), STARTED)
    first.complete()
    assert Partitions(tmp_path, IDENTITY, SyncArguments()).gaps(WHOLE) == [WHOLE]


def test_a_sink_takes_the_hits_instead_of_frames():
    received = []
    parts = Partitions(None, IDENTITY, SyncArguments(),
                       sink=lambda window, got, started: received.append((window, len(got), started)))
    parts.add(FIRST, hits("a", "b"), STARTED)
    assert received == [(FIRST, 2, STARTED)] and parts.snapshots() == []
    assert parts.gaps(WHOLE) == [Window(FIRST.end, WHOLE.end)]
