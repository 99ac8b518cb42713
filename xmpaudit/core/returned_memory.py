"""Memory a replaced snapshot frees goes back to the system: allocator settings for the kit's long-lived kernels and
giving freed pages back after a Refresh."""

from __future__ import annotations

import ctypes
import gc
import os
import sys
from collections.abc import Mapping

MMAP_THRESHOLD = 128 * 1024  # glibc's own initial value, kept fixed (glibc raises it after large frees)
M_MMAP_THRESHOLD = -3  # mallopt's parameter number for it (malloc.h)

# Set for the kernels the kit starts (`xmpaudit lab`, `xmpaudit app`); a value the user set wins. Measured at 100,000
# assets (benchmarks/RESULTS.md, "Kernel memory over five Refreshes"): with Python's own small-object allocator a
# kernel grew ~15-40 MB per Refresh (a 1 MiB arena stays while one object lives in it); with these it stays level.
KERNEL_ENVIRONMENT = {
    "PYTHONMALLOC": "malloc",  # small objects from C malloc, whose free pages malloc_trim returns
    "MALLOC_MMAP_THRESHOLD_": str(MMAP_THRESHOLD),  # large arrays always mapped, so unmapped when freed
    "ARROW_DEFAULT_MEMORY_POOL": "system",  # Arrow's buffers from C malloc too (mimalloc/jemalloc keep theirs)
}


def kernel_environment(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` with the allocator settings of ``KERNEL_ENVIRONMENT`` where ``env`` sets none of its own."""
    return {**KERNEL_ENVIRONMENT, **env}


def keep_freed_memory_returnable() -> None:
    """What a running process can still change (a kernel the kit did not start): Arrow's default pool becomes
    the system one unless ``$ARROW_DEFAULT_MEMORY_POOL`` names a pool, and on glibc the mmap threshold is fixed
    unless ``$MALLOC_MMAP_THRESHOLD_`` is set. Python's allocator is chosen at start only (``PYTHONMALLOC``)."""
    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        import pyarrow

        pyarrow.set_memory_pool(pyarrow.system_memory_pool())
    libc = _glibc()
    if libc is not None and not os.environ.get("MALLOC_MMAP_THRESHOLD_"):
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def give_back_freed_memory() -> None:
    """Collect garbage, then ask glibc to return its free pages to the system; elsewhere (macOS, Windows, musl)
    only the collection runs. The kernel's RSS then shows what is held, not what was."""
    gc.collect()
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc (it has malloc_trim and mallopt); None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None
