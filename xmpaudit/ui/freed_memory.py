"""Giving the memory a replaced snapshot held back to the system after a Refresh (glibc keeps freed heap pages)."""

from __future__ import annotations

import ctypes
import gc
import sys


def give_back_freed_memory() -> None:
    """Collect garbage, then ask glibc's allocator to return its free pages to the system; elsewhere (macOS,
    Windows, musl) only the collection runs. The kernel's RSS then shows what is held, not what was."""
    gc.collect()
    if not sys.platform.startswith("linux"):
        return
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)
