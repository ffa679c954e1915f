"""A worker's resident memory: glibc's malloc tuned for many threads and for large arrays
that come and go, freed pages returned.

glibc gives each thread that allocates its own heap ("arena"), up to eight per core, and a
heap keeps the memory freed in it for that thread's next allocations. A worker runs up to
16 requests at once, each in a thread of its own, so every thread's heap grows to the
largest request it served and stays there: at a million agreements, 5 s each of `wrk -t2 -c32`
on the VN list, the busy filter with four facets and `q` took one worker's peak resident
memory from 232 MB to 323 MB; with two heaps, to 253 MB (same throughput). Python's own
small objects do not go through these heaps; SQLite's page caches and numpy's arrays do.

Past a size, glibc maps an allocation on its own and unmaps it when freed; but it raises that
size to the largest block freed so far, so after the first large temporary array, arrays of
a few megabytes come from the heaps, where their holes stay resident. Building the counting
index at a million agreements left 22 MB of such holes (its peak 194 MB, 185 MB with the
size fixed at MMAP_FROM; its CPU time the same).

Elsewhere than glibc (musl, macOS) both functions do nothing.
"""

import ctypes
import ctypes.util
import os
from functools import cache

M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
"""mallopt's parameter numbers (glibc's malloc.h)."""
ARENAS = 2
"""One per core of the machine this was measured on; more buy no throughput here."""
MMAP_FROM = 256 * 1024
"""Blocks this large or larger are mapped on their own (glibc's starting value is 128 kB)."""


@cache
def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    libc = ctypes.CDLL(name)
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def tune_malloc() -> None:
    """At most ARENAS heaps for this process's threads, and blocks from MMAP_FROM mapped
    on their own, each unless the operator chose otherwise in the environment (glibc has
    read it already). Call before starting threads: a thread that has a heap keeps it."""
    libc = _glibc()
    if libc is None:
        return
    if "MALLOC_ARENA_MAX" not in os.environ:
        libc.mallopt(M_ARENA_MAX, ARENAS)
    if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_FROM)


def release_free_memory() -> None:
    """Give the pages malloc holds free back to the system (after a burst of allocations
    such as the counting index's build, most of which are freed when it ends)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
