"""A worker's memory: flat on glibc, and a garbage collector that stays out of the tail.

Young-generation threshold. CPython collects its youngest generation every 700 container
allocations by default. A worker with 64 requests in flight keeps thousands of young objects
alive at any moment, so each collection walks them all and promotes them, and older collections
follow: on the careers page at 64 connections p99 was about 110 ms against a p50 of 4 ms.
Collecting every 10 000 allocations instead brought p99 to about 12 ms with the same p50 and
the same flat memory (50 000 did as well for latency but kept 20 MB more resident);
bench/FINDINGS.md has the measurements.

mmap threshold. Password hashing (argon2id) takes 19 MB at a time. glibc serves an allocation
that large from its own mapping, but after the first one is freed it raises its mmap threshold
to that size, so every later hash comes from a heap arena and stays resident: about 19 MB more
per hashing thread for the life of the process. A fixed threshold (which also turns the
adjustment off) keeps allocations of 1 MB and more in mappings that go back to the system when
freed.
"""

from __future__ import annotations

import ctypes
import gc
import sys

M_MMAP_THRESHOLD = -3
THRESHOLD = 1024 * 1024
GC_THRESHOLDS = (10_000, 10, 10)


def tune_garbage_collector() -> None:
    """Collect the youngest generation every 10 000 allocations, not every 700."""
    gc.set_threshold(*GC_THRESHOLDS)


def return_large_allocations() -> bool:
    """Set the fixed threshold; False where the C library has no ``mallopt`` (not glibc)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, THRESHOLD))
