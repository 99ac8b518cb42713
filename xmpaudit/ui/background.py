"""Long panel work (dry runs, syncs, writebacks, inventories) on a worker thread, one job at a time, with progress,
so the kernel keeps answering the panel's clicks meanwhile."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from xmpaudit.core.errors import XmpAuditError
from xmpaudit.core.progress import ProgressCallback

Job = Callable[[ProgressCallback], Any]


class BackgroundWorker:
    """Runs one job at a time; reports start, progress, result and errors to the given callbacks."""

    def __init__(self, *, on_start: Callable[[str], None], on_progress: ProgressCallback,
                 on_finish: Callable[[], None], on_error: Callable[[BaseException], None],
                 background: bool = True) -> None:
        self.on_start = on_start
        self.on_progress = on_progress
        self.on_finish = on_finish
        self.on_error = on_error
        self.background = background
        self.label = ""
        self._thread: threading.Thread | None = None
        self._running = False
        self._state = threading.Lock()  # starting a job and finishing one never interleave

    @property
    def busy(self) -> bool:
        """True from the start of a job until its ``then`` has run and ``on_finish`` begins."""
        return self._running

    def refuse_if_busy(self) -> None:
        """One XmpAuditError naming the running job, while one runs."""
        if self._running:
            raise XmpAuditError(f"Busy: {self.label} is still running; wait until it finishes")

    def run(self, label: str, job: Job, then: Callable[[Any], None]) -> None:
        """Start ``job(progress)``; ``then(result)`` runs on the same thread when it returns. Refused while
        another job (or its ``then``) runs."""
        with self._state:
            self.refuse_if_busy()
            self._running = True
            self.label = label
            self.on_start(label)
        if not self.background:
            self._work(job, then)
            return
        self._thread = threading.Thread(target=self._work, args=(job, then), name=f"xmpaudit-{label}", daemon=True)
        self._thread.start()

    def _work(self, job: Job, then: Callable[[Any], None]) -> None:
        try:
            then(job(self.on_progress))
        except BaseException as exc:
            self.on_error(exc)
        finally:
            with self._state:
                self._running = False
                self.on_finish()  # buttons come back only now: what ``then`` armed is not clickable before

    def wait(self, timeout: float | None = 600.0) -> None:
        """Block until the running job is done (for scripts and tests)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                raise TimeoutError(f"{self.label} still running after {timeout} s")
