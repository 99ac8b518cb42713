"""Freshness decisions: reuse only while younger than the maximum age and with nothing journaled under the folder
since the snapshot's reads began; a journaled write is read again incrementally, an old snapshot fully."""

from datetime import datetime, timedelta, timezone

import pytest

from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import ConfigError
from xmpaudit.workspace.clock import NOW_VARIABLE
from xmpaudit.workspace.clock import now as clock_now
from xmpaudit.workspace.freshness import (
    DATA_SINCE,
    OLDEST_READ,
    READS_BEGAN,
    data_since,
    decide,
    max_snapshot_age,
    reads_began,
    stamp_reads,
    unseen_words,
)
from xmpaudit.write.journal import Journal

SOURCE, ROOT = "http://aem:4502", "/content/dam/a"
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)


def iso(moment):
    return moment.isoformat(timespec="milliseconds")


def meta(minutes_ago=2.0, **extra):
    began = iso(NOW - timedelta(minutes=minutes_ago))
    return {"source": SOURCE, "root": ROOT, "arguments": SyncArguments().to_process_args(),
            "taken_at": began, READS_BEGAN: began, DATA_SINCE: began, **extra}


def decision(saved, journal, **kwargs):
    kwargs.setdefault("max_age", timedelta(minutes=10))
    return decide(saved, source=SOURCE, root=ROOT, args=SyncArguments(), journal=journal, now=NOW, **kwargs)


def journal_at(path, *records):
    """A journal whose records carry the given times (Journal.append stamps now; these are written as read)."""
    import json

    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_young_and_nothing_journaled_is_reused(tmp_path):
    chosen = decision(meta(), tmp_path / "none.jsonl")
    assert chosen.action == "reuse" and "younger than the maximum age of 10 min" in chosen.reason


def test_no_snapshot_other_source_folder_names_or_refresh_mean_a_full_inventory(tmp_path):
    journal = tmp_path / "none.jsonl"
    assert decision(None, journal).reason == "no saved snapshot of this AEM and folder"
    assert "another AEM (http://x:1)" in decision(meta(source="http://x:1"), journal).reason
    assert "another folder (/content/dam/b)" in decision(meta(root="/content/dam/b"), journal).reason
    other = meta(arguments="sequenceName=dam:other")
    assert "other ACS process arguments" in decision(other, journal).reason
    assert decision(meta(), journal, refresh=True).reason == "a new inventory was asked for"
    assert {decision(m, journal).action for m in (None, other)} == {"full"}


def test_a_different_minimum_confidence_does_not_make_a_snapshot_unusable(tmp_path):
    saved = meta(arguments=SyncArguments(minimum_confidence=0.5).to_process_args())
    assert decision(saved, tmp_path / "none.jsonl").action == "reuse"


def test_too_old_means_a_full_inventory_even_after_journaled_writes(tmp_path):
    journal = journal_at(tmp_path / "j.jsonl", {"time": iso(NOW), "run": "sync-1", "kind": "sync",
                                                "event": "applied", "asset": f"{ROOT}/x.jpg"})
    chosen = decision(meta(minutes_ago=11), journal)
    assert chosen.action == "full" and "is 11 min old (maximum 10 min)" in chosen.reason
    assert decision(meta(minutes_ago=1), journal, max_age=timedelta(0)).action == "full"


def test_a_journaled_write_under_the_folder_since_the_reads_began_is_read_again_incrementally(tmp_path):
    before = {"time": iso(NOW - timedelta(minutes=5)), "run": "sync-0", "kind": "sync", "event": "applied",
              "asset": f"{ROOT}/old.jpg"}
    elsewhere = {"time": iso(NOW), "run": "sync-2", "kind": "sync", "event": "applied",
                 "asset": "/content/dam/ab/x.jpg"}  # a sibling folder whose name starts the same
    journal = journal_at(tmp_path / "j.jsonl", before, elsewhere)
    assert decision(meta(), journal).action == "reuse"
    after = {"time": iso(NOW - timedelta(minutes=1)), "run": "undo-1", "kind": "undo", "event": "intent",
             "asset": f"{ROOT}/sub/y.jpg"}
    journal_at(journal, before, elsewhere, after)
    chosen = decision(meta(), journal)
    assert chosen.action == "incremental" and chosen.written == [f"{ROOT}/sub/y.jpg"]
    assert "undo run undo-1" in chosen.reason and "1 journaled asset" in chosen.reason


def test_a_real_journal_append_counts(tmp_path):
    began = iso(datetime.now(timezone.utc) - timedelta(seconds=1))
    saved = {**meta(), "taken_at": began, READS_BEGAN: began, DATA_SINCE: began}
    Journal(tmp_path / "j.jsonl").append([{"run": "sync-9", "kind": "sync", "event": "applied",
                                           "asset": f"{ROOT}/z.jpg"}])
    chosen = decide(saved, source=SOURCE, root=ROOT, args=SyncArguments(), journal=tmp_path / "j.jsonl",
                    max_age=timedelta(hours=1))
    assert chosen.action == "incremental" and chosen.written == [f"{ROOT}/z.jpg"]


def test_stamps_reads_began_and_the_oldest_data(tmp_path):
    fresh: dict = {}
    stamp_reads(fresh, iso(NOW))
    assert reads_began(fresh) == data_since(fresh) == NOW
    refreshed: dict = {}
    stamp_reads(refreshed, iso(NOW + timedelta(minutes=3)), previous=fresh)
    assert reads_began(refreshed) == NOW + timedelta(minutes=3) and data_since(refreshed) == NOW
    per_part = {**fresh, OLDEST_READ: iso(NOW - timedelta(minutes=1))}  # a reader's oldest-read stamp counts
    assert reads_began(per_part) == data_since(per_part) == NOW - timedelta(minutes=1)
    assert reads_began({"taken_at": "2026-12-03T11:00:00+00:00"}) == NOW - timedelta(hours=1)
    assert decision({k: v for k, v in meta().items() if k not in (READS_BEGAN, DATA_SINCE, "taken_at")},
                    tmp_path / "none.jsonl").reason == "the saved snapshot does not say when it was read"


def test_age_counts_from_the_oldest_read(tmp_path):
    """A snapshot refreshed incrementally a minute ago still holds rows read 11 minutes ago: it is 11 minutes old,
    and so is one whose reader stamped an oldest read of 12 minutes ago though its reads ended a minute ago."""
    none = tmp_path / "none.jsonl"
    refreshed = meta(minutes_ago=1, **{DATA_SINCE: iso(NOW - timedelta(minutes=11))})
    chosen = decision(refreshed, none)
    assert chosen.action == "full" and "is 11 min old (maximum 10 min)" in chosen.reason
    stamped = meta(minutes_ago=1, **{OLDEST_READ: iso(NOW - timedelta(minutes=12))})
    chosen = decision(stamped, none)
    assert chosen.action == "full" and "is 12 min old (maximum 10 min)" in chosen.reason
    assert decision(meta(minutes_ago=1), none).action == "reuse"  # the same, all read a minute ago
    assert decision(meta(minutes_ago=10), none).action == "full"  # as old as the maximum: no longer younger


def test_a_snapshot_that_does_not_say_when_its_reads_began_is_not_reused(tmp_path):
    only_oldest = {k: v for k, v in meta().items() if k not in (READS_BEGAN, "taken_at")}
    assert decision(only_oldest, tmp_path / "none.jsonl").reason == "the saved snapshot does not say when it was read"


def test_the_reason_names_the_latest_run_journaled_since(tmp_path):
    runs = [{"time": iso(NOW - timedelta(minutes=minutes)), "run": run, "kind": "sync", "event": "applied",
             "asset": f"{ROOT}/{run}.jpg"} for minutes, run in ((1.5, "sync-1"), (1, "sync-2"))]
    chosen = decision(meta(), journal_at(tmp_path / "j.jsonl", *runs))
    assert chosen.action == "incremental" and "sync run sync-2 (" in chosen.reason
    assert chosen.written == [f"{ROOT}/sync-1.jpg", f"{ROOT}/sync-2.jpg"]


@pytest.mark.parametrize("given, seconds", [(None, 600), (90, 90), ("90", 90), ("90s", 90), ("10min", 600),
                                            ("2h", 7200), ("1d", 86400), (timedelta(seconds=5), 5), (0, 0)])
def test_maximum_age(given, seconds):
    assert max_snapshot_age(given) == timedelta(seconds=seconds)


def test_maximum_age_from_the_environment_and_bad_values(monkeypatch):
    monkeypatch.setenv("XMPAUDIT_MAX_SNAPSHOT_AGE", "30s")
    assert max_snapshot_age() == timedelta(seconds=30)
    for bad in ("soon", "-5", "10 weeks"):
        with pytest.raises(ConfigError, match="is not a duration like 600, 90s, 10min or 2h"):
            max_snapshot_age(bad)
    with pytest.raises(ConfigError, match="must not be negative"):
        max_snapshot_age(-1)


def test_huge_maximum_ages_are_one_line(monkeypatch):
    for huge in ("1" + "0" * 20, "99999999999d", 1e300, float("inf")):
        with pytest.raises(ConfigError, match="is too large"):
            max_snapshot_age(huge)
    monkeypatch.setenv("XMPAUDIT_MAX_SNAPSHOT_AGE", "9" * 30 + "h")
    with pytest.raises(ConfigError, match="is too large"):
        max_snapshot_age()


def test_a_snapshot_stamped_in_the_future_has_an_unknown_age_and_is_read_again(tmp_path):
    ahead = meta(minutes_ago=-60)  # clock stepped back, or a store copied from a machine running ahead
    chosen = decision(ahead, tmp_path / "none.jsonl", max_age=timedelta(seconds=1))
    assert chosen.action == "full"
    assert chosen.reason == ("the saved snapshot is stamped 60 min in the future (3 Dec 2026, 13:00 UTC): its age "
                             "is unknown, so it was read again")
    assert decision(meta(minutes_ago=-0.01), tmp_path / "none.jsonl").action == "reuse"  # within the tolerance


def test_the_test_clock_moves_now_without_sleeping(monkeypatch, tmp_path):
    saved = meta(minutes_ago=0)
    monkeypatch.setenv(NOW_VARIABLE, iso(NOW))
    assert clock_now() == NOW
    assert decide(saved, source=SOURCE, root=ROOT, args=SyncArguments(), journal=tmp_path / "none.jsonl",
                  max_age=timedelta(minutes=10)).action == "reuse"
    moved = tmp_path / "now.txt"
    moved.write_text(iso(NOW + timedelta(minutes=11)))
    monkeypatch.setenv(NOW_VARIABLE, f"@{moved}")  # a file: a running process follows it
    assert decide(saved, source=SOURCE, root=ROOT, args=SyncArguments(), journal=tmp_path / "none.jsonl",
                  max_age=timedelta(minutes=10)).reason.startswith("the saved snapshot is 11 min old")
    monkeypatch.setenv(NOW_VARIABLE, "+90")
    assert abs((clock_now() - datetime.now(timezone.utc)).total_seconds() - 90) < 5
    monkeypatch.setenv(NOW_VARIABLE, "tomorrow")
    with pytest.raises(ConfigError, match=r"\$XMPAUDIT_NOW='tomorrow' is not \+SECONDS or an ISO moment"):
        clock_now()


def test_the_freshness_line_names_what_the_snapshot_cannot_see():
    stamped: dict = {}
    stamp_reads(stamped, iso(NOW))
    refreshed: dict = {}
    stamp_reads(refreshed, iso(NOW + timedelta(minutes=5)), previous=stamped)
    assert unseen_words(refreshed) == ("Not seen: changes made by other tools (not xmpaudit) since 3 Dec 2026, 12:00 "
                                       "UTC, the snapshot's oldest read; only a full read sees them all (the last "
                                       "began 3 Dec 2026, 12:00 UTC)")
