"""Read bytes at an offset of an open file on every platform (``os.pread`` is POSIX only; Windows seeks, which is
safe where the caller holds the file's lock and appends with ``O_APPEND``)."""

from __future__ import annotations

import os


def read_at(descriptor: int, length: int, offset: int) -> bytes:
    """Up to ``length`` bytes of ``descriptor`` from ``offset`` (``os.pread`` where it exists)."""
    if hasattr(os, "pread"):
        return os.pread(descriptor, length, offset)
    os.lseek(descriptor, offset, os.SEEK_SET)
    return os.read(descriptor, length)
