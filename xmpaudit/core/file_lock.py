"""One writer at a time across processes: an exclusive lock on ``<file>.lock`` beside a shared file (``filelock``,
so it works the same on Linux, macOS and Windows)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_SUFFIX = ".lock"


def lock_path(path: str | Path) -> Path:
    """The lock file that guards ``path``: ``<path>.lock`` in the same folder."""
    target = Path(path)
    return target.with_name(target.name + LOCK_SUFFIX)


@contextmanager
def exclusive(path: str | Path, timeout: float = -1) -> Iterator[None]:
    """Hold the exclusive lock on ``path`` (waiting for another holder, forever unless ``timeout`` seconds; then
    ``TimeoutError``)."""
    from filelock import FileLock, Timeout

    try:
        lock = FileLock(str(lock_path(path)), timeout=timeout)
        lock.acquire()
    except Timeout:
        raise TimeoutError(f"{path} stayed locked by another process for {timeout:.0f} s") from None
    try:
        yield
    finally:
        lock.release()
