"""Dates: parsing AEM's date strings, writing ISO text (the one place dates are parsed), and how every view shows a
moment (``table_time`` for tables, ``moment_words`` for sentences)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

SLING_DATE = "%a %b %d %Y %H:%M:%S GMT%z"
SLING_DATE_LENGTH = len("Wed Nov 25 2026 10:12:32 GMT+0000")


def parse_jcr_date(value: Any) -> datetime | None:
    """A Date as Sling renders it (``Wed Nov 25 2026 10:12:32 GMT+0000``, a zone name after it ignored) or ISO 8601
    (``Z`` or an offset; none is UTC), in UTC; None otherwise."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        return datetime.strptime(text[:SLING_DATE_LENGTH], SLING_DATE).astimezone(timezone.utc)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def iso_text(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def parse_moment(text: Any) -> datetime | None:
    """A moment xmpaudit wrote (ISO 8601) or AEM sent, in UTC; None when it is none (``parse_jcr_date``)."""
    return parse_jcr_date(text if isinstance(text, datetime) else None if text is None else str(text))


# How every view shows a moment (one owner): in UTC, said once — in a table's header ("Snapshot taken (UTC)") or
# after a banner's, a headline's or a plot's time. Tables: "2026-12-06 13:48"; sentences: "6 Dec 2026, 13:48 UTC".
TIME_ZONE_WORDS = "UTC"
TABLE_TIME = "%Y-%m-%d %H:%M"


def _shown(value: Any) -> datetime | None:
    """``value`` (a datetime, a pandas Timestamp, ISO or Sling text) in UTC; None for missing or unreadable."""
    if value is None or value != value:  # None, NaN, NaT
        return None
    try:
        return parse_moment(value)
    except (TypeError, ValueError):
        return None


def table_time(value: Any) -> str:
    """A moment as a table cell, to the minute, UTC (the column header says so): ``2026-12-06 13:48``; blank
    when unknown."""
    moment = _shown(value)
    return "" if moment is None else moment.strftime(TABLE_TIME)


def moment_words(value: Any, unknown: str = "unknown") -> str:
    """A moment in a sentence (banners, headlines, plots, alerts), to the minute: ``6 Dec 2026, 13:48 UTC``."""
    moment = _shown(value)
    if moment is None:
        return unknown
    return f"{moment.day} {moment.strftime('%b %Y, %H:%M')} {TIME_ZONE_WORDS}"


PLOT_TIME = "%-d %b %H:%M"  # a time axis's ticks ("6 Dec 13:48"); its label says "(UTC)"
