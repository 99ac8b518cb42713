"""JCR dates: parsing AEM's date strings and writing ISO text."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any


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


def iso_text(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def parse_moment(text: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
