"""Injected failures for the simulator: error statuses, resets before or after processing, hangs, torn bodies,
HTML login pages, and hooks that let "another writer" act just before a request is processed."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol


class AnswerChannel(Protocol):
    """The parts of the simulator's request handler a fault answers through."""

    close_connection: bool
    connection: Any
    wfile: BinaryIO

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None: ...

    def send_response(self, code: int, message: str | None = None) -> None: ...

    def send_header(self, keyword: str, value: str) -> None: ...

    def end_headers(self) -> None: ...

# Kinds answered instead of processing the request (nothing reaches the repository).
STATUS = "status"  # answer ``status`` (text/plain, Retry-After: ``retry_after_s``)
MALFORMED = "malformed"  # 200 with a JSON body that breaks off
RESET_BEFORE = "reset_before"  # close the connection without an answer
HANG = "hang"  # wait ``delay_s`` (longer than the client's timeout), then close
TORN = "torn"  # 200 announcing a longer body than sent, then close
LOGIN_PAGE = "login_page"  # 200 with AEM's HTML login form
# Kinds that let the request be processed first (the write happens), then fail the answer.
RESET_AFTER = "reset_after"  # processed, then the connection closes without an answer
TORN_AFTER = "torn_after"  # processed, then the answer breaks off mid-body
PASS = "pass"  # processed normally (use with ``before`` to act in between)
ANSWER_INSTEAD = frozenset({STATUS, MALFORMED, RESET_BEFORE, HANG, TORN, LOGIN_PAGE})
AFTER_PROCESSING = frozenset({RESET_AFTER, TORN_AFTER, PASS})
KINDS = ANSWER_INSTEAD | AFTER_PROCESSING

LOGIN_HTML = (b"<!DOCTYPE html><html><head><title>AEM Sign In</title></head><body class='granite-login'>"
              b"<form name='login' action='/libs/granite/core/content/login.html/j_security_check' method='POST'>"
              b"<input name='j_username'><input name='j_password' type='password'></form></body></html>")


@dataclass
class Fault:
    """An injected failure for matching requests, ``times`` times (``kind``: see the module constants).
    ``before`` runs in the server just before the request is processed (e.g. another writer's edit)."""

    status: int = 503
    times: int = 1
    method: str | None = None
    path_prefix: str = ""
    malformed: bool = False
    delay_s: float = 0.0
    kind: str = STATUS
    before: Callable[[], None] | None = None
    retry_after_s: int | None = 0  # the Retry-After header of a STATUS answer (None: no header)

    def __post_init__(self) -> None:
        if self.malformed:
            self.kind = MALFORMED
        if self.kind not in KINDS:
            raise ValueError(f"Unknown fault kind {self.kind!r} (known: {', '.join(sorted(KINDS))})")

    def matches(self, method: str, path: str) -> bool:
        return self.times > 0 and (self.method in (None, method)) and path.startswith(self.path_prefix)

    @property
    def answers_instead(self) -> bool:
        return self.kind in ANSWER_INSTEAD

    def answer(self, handler: AnswerChannel) -> None:
        """Answer ``handler``'s request with this fault instead of processing it."""
        time.sleep(self.delay_s if self.kind != HANG else 0)
        if self.kind == STATUS:
            headers = {} if self.retry_after_s is None else {"Retry-After": str(self.retry_after_s)}
            handler._send(self.status, f"injected {self.status}".encode(), "text/plain", headers)
        elif self.kind == MALFORMED:
            handler._send(200, b'{"truncated": ', "application/json")
        elif self.kind == LOGIN_PAGE:
            handler._send(200, LOGIN_HTML, "text/html;charset=utf-8")
        elif self.kind == TORN:
            torn_answer(handler, 200, b'{"hits": [{"jcr:path": "/content/dam/a.jpg", "jcr:content":', 4096)
        else:
            if self.kind == HANG:
                time.sleep(self.delay_s or 30)
            drop_connection(handler)

    def after_processing(self, handler: AnswerChannel, status: int, body: bytes, content_type: str,
                         headers: dict[str, str] | None) -> bool:
        """Fail an answer after processing; True when this fault took the answer over."""
        if self.kind == RESET_AFTER:
            drop_connection(handler)
            return True
        if self.kind == TORN_AFTER:
            torn_answer(handler, status, body[: max(1, len(body) // 2)], len(body) + 100, content_type, headers)
            return True
        return False


def drop_connection(handler: AnswerChannel) -> None:
    """Close the client connection without an answer."""
    handler.close_connection = True
    with contextlib.suppress(OSError):
        handler.connection.shutdown(socket.SHUT_RDWR)


def torn_answer(handler: AnswerChannel, status: int, body: bytes, announced: int,
                content_type: str = "application/json", headers: dict[str, str] | None = None) -> None:
    """Headers announcing ``announced`` bytes, then only ``body``, then the connection closes."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(announced))
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.end_headers()
    handler.wfile.write(body)
    handler.wfile.flush()
    drop_connection(handler)
