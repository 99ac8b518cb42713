"""The moment freshness is judged at: the system clock, or ``$XMPAUDIT_NOW`` (for tests: no sleeping until a
snapshot ages)."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

from xmpaudit.core.dates import parse_moment
from xmpaudit.core.errors import ConfigError

NOW_VARIABLE = "XMPAUDIT_NOW"


def now() -> datetime:
    """The current moment in UTC. ``$XMPAUDIT_NOW`` moves it: ``+90`` (seconds ahead of the system clock), an ISO
    moment, or ``@FILE`` naming a file holding either (read at every call, so a running process follows it)."""
    text = os.environ.get(NOW_VARIABLE, "").strip()
    real = datetime.now(timezone.utc)
    if text.startswith("@"):
        try:
            text = Path(text[1:]).expanduser().read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"${NOW_VARIABLE} names {text[1:]!r}, which cannot be read: {exc}") from None
    if not text:
        return real
    if text[0] in "+-":
        try:
            return real + timedelta(seconds=float(text))
        except (ValueError, OverflowError):
            raise ConfigError(f"${NOW_VARIABLE}={text!r} is not +SECONDS or an ISO moment") from None
    moment = parse_moment(text)
    if moment is None:
        raise ConfigError(f"${NOW_VARIABLE}={text!r} is not +SECONDS or an ISO moment")
    return moment
