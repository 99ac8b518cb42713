"""Arrow's buffers from the C allocator, so the memory a replaced snapshot frees can be given back to the system."""

from __future__ import annotations

import os

POOL_VARIABLE = "ARROW_DEFAULT_MEMORY_POOL"  # pyarrow's own setting: a user who sets it keeps their choice


def use_system_allocator() -> bool:
    """Make pyarrow's default memory pool the system one (C ``malloc``) unless ``$ARROW_DEFAULT_MEMORY_POOL``
    names a pool. pyarrow's default (mimalloc or jemalloc) keeps freed pages for itself: a 100,000-asset kernel
    grew ~40 MB per Refresh with it and stayed level with the system pool, whose free pages ``malloc_trim`` returns
    (benchmarks/RESULTS.md, "Kernel memory over five Refreshes"). True when the pool was set here."""
    if os.environ.get(POOL_VARIABLE):
        return False
    import pyarrow

    pyarrow.set_memory_pool(pyarrow.system_memory_pool())
    return True
