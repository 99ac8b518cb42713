"""Whether a saved snapshot may still be used: only while young and with nothing journaled under its folder since."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.dates import moment_words, parse_moment
from xmpaudit.core.errors import ConfigError
from xmpaudit.core.number_words import counted
from xmpaudit.workspace.clock import now as clock_now
from xmpaudit.write.journal import Journal

MAX_AGE_VARIABLE = "XMPAUDIT_MAX_SNAPSHOT_AGE"
DEFAULT_MAX_AGE = timedelta(minutes=10)
READS_BEGAN = "inventory_started"   # when this snapshot's own reads began (a refresh sets its own)
DATA_SINCE = "data_since"           # when the oldest data in it was read (kept through incremental refreshes)
OLDEST_READ = "oldest_read"         # a reader's per-part stamp of its oldest read, used when present
FULL_READ = "full_read_began"       # when the last full inventory behind it began (kept through incremental ones)
FUTURE_TOLERANCE = timedelta(seconds=2)
UNITS = {"": 1, "s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "d": 86400}

Action = Literal["reuse", "incremental", "full"]


@dataclass(frozen=True)
class Freshness:
    """What to do with the saved snapshot and why (in words for the banner). ``written``: the assets journaled
    under the folder since its reads began, which an incremental refresh must re-read."""

    action: Action
    reason: str
    written: list[str] = field(default_factory=list)


def stamp_reads(meta: dict[str, Any], started: str, previous: dict[str, Any] | None = None) -> None:
    """Mark a new snapshot's ``meta``: its reads began at ``started``; its oldest data is from then, or, for an
    incremental refresh of ``previous``, as old as the previous snapshot's oldest data."""
    meta[READS_BEGAN] = started
    oldest = None if previous is None else data_since(previous)
    meta[DATA_SINCE] = started if oldest is None else oldest.isoformat(timespec="milliseconds")
    full = None if previous is None else (previous.get(FULL_READ) or previous.get(DATA_SINCE))
    meta[FULL_READ] = started if full is None else str(full)


def max_snapshot_age(given: float | timedelta | str | None = None) -> timedelta:
    """The maximum age of a reusable snapshot: ``given`` (seconds, a timedelta, or text like ``90``, ``90s``,
    ``10min``, ``2h``), else ``$XMPAUDIT_MAX_SNAPSHOT_AGE``, else 10 minutes."""
    if given is None:
        given = os.environ.get(MAX_AGE_VARIABLE, "").strip() or None
    if given is None:
        return DEFAULT_MAX_AGE
    if isinstance(given, timedelta):
        age = given
    elif isinstance(given, (int, float)) and not isinstance(given, bool):
        age = _seconds(float(given), given)
    else:
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|sec|min|m|h|d)?\s*", str(given))
        if match is None:
            raise ConfigError(f"Maximum snapshot age {given!r} is not a duration like 600, 90s, 10min or 2h")
        age = _seconds(float(match.group(1)) * UNITS[match.group(2) or ""], given)
    if age < timedelta(0):
        raise ConfigError(f"Maximum snapshot age must not be negative, got {given!r}")
    return age


def _seconds(seconds: float, given: object) -> timedelta:
    try:
        return timedelta(seconds=seconds)
    except (OverflowError, ValueError):  # beyond timedelta's ~2.7 million years, or not a number
        raise ConfigError(f"Maximum snapshot age {given!r} is too large (at most {timedelta.max.days} days)") from None


def reads_began(meta: dict[str, Any]) -> datetime | None:
    """When the reads of this snapshot began (journaled writes from then on may be missing from it)."""
    return _earliest(meta, (READS_BEGAN, OLDEST_READ)) or parse_moment(meta.get("taken_at"))


def data_since(meta: dict[str, Any]) -> datetime | None:
    """When its oldest data was read: what the maximum age is measured from."""
    return _earliest(meta, (DATA_SINCE, READS_BEGAN, OLDEST_READ)) or parse_moment(meta.get("taken_at"))


def _earliest(meta: dict[str, Any], keys: tuple[str, ...]) -> datetime | None:
    moments = [m for m in (parse_moment(meta[k]) for k in keys if meta.get(k)) if m is not None]
    return min(moments) if moments else None


def journaled_since(journal_path: str | Path, root: str, since: datetime) -> tuple[list[str], dict[str, Any] | None]:
    """The assets under ``root`` with a journaled event (a write or an attempt) at or after ``since``, and the
    latest such record; an unreadable time counts as recent."""
    path = Path(journal_path)
    if not path.exists():
        return [], None
    records = Journal(path).records_under(root, since)
    return list(dict.fromkeys(str(r["asset"]) for r in records)), (records[-1] if records else None)


def unusable_because(meta: dict[str, Any], source: str, root: str, args: SyncArguments) -> str | None:
    """Why a saved snapshot cannot stand for this AEM, folder and XMP names, or None when it can."""
    if meta.get("source") != source:
        return f"it was taken from another AEM ({meta.get('source')})"
    if meta.get("root") != root:
        return f"it is of another folder ({meta.get('root')})"
    taken = SyncArguments.from_process_args(meta.get("arguments"))
    if (taken.sequence_name, taken.name_property, taken.confidence_property) != (
            args.sequence_name, args.name_property, args.confidence_property):
        return "it was read with other ACS process arguments"
    return None


def age_words(age: timedelta) -> str:
    """``42 s``, ``12 min``, ``3 h`` or ``2 days``."""
    seconds = max(int(age.total_seconds()), 0)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def decide(meta: dict[str, Any] | None, *, source: str, root: str, args: SyncArguments, journal: str | Path,
           max_age: timedelta, refresh: bool = False, now: datetime | None = None) -> Freshness:
    """Reuse the saved snapshot (``meta``; None when there is none) only while younger than ``max_age`` and with
    nothing journaled under ``root`` since its reads began. A journaled write within the age is refreshed
    incrementally (the journal names every asset written); an older snapshot gets a full inventory, because a
    change made outside xmpaudit (a plain Sling POST to the metadata) leaves no trace an incremental read sees."""
    if refresh:
        return Freshness("full", "a new inventory was asked for")
    if meta is None:
        return Freshness("full", "no saved snapshot of this AEM and folder")
    unusable = unusable_because(meta, source, root, args)
    if unusable:
        return Freshness("full", f"the saved snapshot was not used: {unusable}")
    began, oldest = reads_began(meta), data_since(meta)
    if began is None or oldest is None:
        return Freshness("full", "the saved snapshot does not say when it was read")
    now = now or clock_now()
    if oldest - now > FUTURE_TOLERANCE:
        return Freshness("full", f"the saved snapshot is stamped {age_words(oldest - now)} in the future "
                                 f"({moment_words(oldest)}): its age is unknown, so it was read again")
    age = now - oldest
    if age >= max_age:
        return Freshness("full", f"the saved snapshot is {age_words(age)} old (maximum {age_words(max_age)}); "
                                 "changes made outside xmpaudit can only be seen by reading everything again")
    written, latest = journaled_since(journal, root, began)
    if written:
        run = latest or {}
        when = moment_words(run.get("time"), "?")
        return Freshness("incremental", f"{run.get('kind', 'a')} run {run.get('run', '?')} ({when}) "
                                        f"wrote under the folder after the snapshot was read; "
                                        f"{counted(len(written), 'journaled asset')} and AEM's changes re-read",
                         written)
    return Freshness("reuse", f"younger than the maximum age of {age_words(max_age)}, nothing journaled under the "
                              "folder since it was read")


def unseen_words(meta: dict[str, Any]) -> str:
    """What a snapshot cannot show, in words for the banner: writes by other tools since its oldest read (a plain
    Sling POST leaves no journal record and no ``jcr:lastModified``), and when the last full read began."""
    oldest, full = data_since(meta), parse_moment(meta.get(FULL_READ)) or data_since(meta)
    since = moment_words(oldest, "an unknown time")
    full_text = moment_words(full)
    return (f"Not seen: changes made by other tools (not xmpaudit) since {since}, the snapshot's oldest read; "
            f"only a full read sees them all (the last began {full_text})")
