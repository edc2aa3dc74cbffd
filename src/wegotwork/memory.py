"""Keep a worker's memory flat on glibc.

Password hashing (argon2id) takes 19 MB at a time. glibc serves an allocation that large from
its own mapping, but after the first one is freed it raises its mmap threshold to that size, so
every later hash comes from a heap arena and stays resident: about 19 MB more per hashing thread
for the life of the process. A fixed threshold (which also turns the adjustment off) keeps
allocations of 1 MB and more in mappings that go back to the system when freed.
"""

from __future__ import annotations

import ctypes
import sys

M_MMAP_THRESHOLD = -3
THRESHOLD = 1024 * 1024


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
