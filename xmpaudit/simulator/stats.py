"""Requests the simulator has seen, by endpoint and by error status, for tests and benchmarks."""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field

LOG_REQUESTS = 10_000  # the most recent requests kept in Stats.log


@dataclass
class Stats:
    """Requests seen by the simulator, for tests and benchmarks."""

    by_endpoint: Counter[str] = field(default_factory=Counter)
    log: deque[tuple[str, str]] = field(default_factory=lambda: deque(maxlen=LOG_REQUESTS))
    running_workflows: int = 0
    max_running_workflows: int = 0
    errors: Counter[int] = field(default_factory=Counter)  # answers with status >= 400, by status

    @property
    def total(self) -> int:
        return sum(self.by_endpoint.values())

    def reset(self) -> None:
        self.by_endpoint.clear()
        self.errors.clear()
        self.log.clear()
        self.max_running_workflows = 0


def endpoint_of(method: str, path: str) -> str:
    """A coarse endpoint label for stats."""
    if path.startswith("/bin/querybuilder"):
        return f"{method} querybuilder"
    if path.startswith("/libs/granite/csrf"):
        return f"{method} csrf"
    if path.startswith(("/etc/workflow", "/var/workflow")):
        return f"{method} workflow"
    return f"{method} sling"
