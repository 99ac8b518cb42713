"""JCR dates: parsing AEM's date strings and writing ISO text (the one place dates are parsed)."""

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
