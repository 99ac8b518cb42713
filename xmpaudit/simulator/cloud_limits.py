"""AEM as a Cloud Service limits for the simulator: query read limit, request time limit, throttling (429 with
Retry-After), request-line limits and (off by default, as on Sling 11) URL-encoded form limits — and the answers a
real AEM/Jetty gives when one trips."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

# Oak's QueryEngineSettings.limitReads on AEM as a Cloud Service; the message Oak's FilterIterators raise
# (org.apache.jackrabbit.oak.query.RuntimeNodeTraversalException, logged *WARN* and answered as a server error).
AEMAACS_QUERY_READ_LIMIT = 100_000
TRAVERSAL_EXCEPTION = "org.apache.jackrabbit.oak.query.RuntimeNodeTraversalException"
AEMAACS_REQUEST_SECONDS = 60.0
PROXY_REQUEST_LINE_BYTES = 8192  # common front proxies (Apache httpd LimitRequestLine, nginx large buffers)
# Stock Jetty's URL-encoded form limits (Request maxFormKeys / maxFormContentSize). Real Sling 11 does not apply
# them (measured: 20,000 keys and a 5 MB URL-encoded body accepted; docs/facts.md), nor does the Apache httpd +
# dispatcher in front of AEM (LimitRequestBody 1 GB), so they are off unless a test configures such a container.
JETTY_FORM_KEYS = 1000
JETTY_FORM_BYTES = 200_000


class QueryReadLimitExceeded(Exception):
    """A query read more nodes than the limit allows (Oak stops it)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"{TRAVERSAL_EXCEPTION}: The query read or traversed more than {limit} nodes. "
            "To avoid affecting other tasks, processing was stopped."
        )


@dataclass
class CloudLimits:
    """Which AEM as a Cloud Service limits the simulator enforces; ``None`` switches one off.

    ``max_in_flight``: more concurrent requests than this are answered 429 with ``Retry-After``.
    ``ordered_index``: an ordered query reads only the rows it skips and returns (the index delivers them in
    order); False models Oak sorting in memory, which reads every row the query matches.
    """

    query_read_limit: int | None = AEMAACS_QUERY_READ_LIMIT
    request_seconds: float | None = AEMAACS_REQUEST_SECONDS
    max_in_flight: int | None = None
    retry_after_s: int = 1
    request_line_bytes: int | None = PROXY_REQUEST_LINE_BYTES
    form_keys: int | None = None
    form_bytes: int | None = None
    ordered_index: bool = True
    _in_flight: int = field(default=0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def off(cls) -> CloudLimits:
        """No limits (an on-premise AEM with everything raised)."""
        return cls(None, None, None, 1, None, None, None)

    def enter(self) -> bool:
        """Count a request in; False when it must be throttled (429)."""
        with self._lock:
            if self.max_in_flight is not None and self._in_flight >= self.max_in_flight:
                return False
            self._in_flight += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    @property
    def in_flight(self) -> int:
        """Requests being handled now."""
        with self._lock:
            return self._in_flight

    def request_line_error(self, request_line: str) -> tuple[int, str] | None:
        """(414, message) when the request line is longer than a front proxy accepts."""
        size = len(request_line.encode("latin-1", errors="replace"))
        if self.request_line_bytes is not None and size > self.request_line_bytes:
            return 414, f"Request-URI Too Long: request line of {size} bytes > {self.request_line_bytes}"
        return None

    def form_error(self, body_bytes: int, keys: int) -> tuple[int, str] | None:
        """Jetty's answer to an URL-encoded form over its limits: 413 when too large, 400 for too many keys."""
        if self.form_bytes is not None and body_bytes > self.form_bytes:
            return 413, f"Form is larger than max length {self.form_bytes}"
        if self.form_keys is not None and keys > self.form_keys:
            return 400, f"Unable to parse form content: Too many keys > {self.form_keys}"
        return None

    def too_slow(self, elapsed_s: float) -> bool:
        return self.request_seconds is not None and elapsed_s > self.request_seconds
