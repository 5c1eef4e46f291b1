"""glibc's malloc thresholds, fixed at import so that a training step reuses the memory the last one freed.

glibc adapts them as a program runs: once a large block (say a conv layer's 6.5 MiB output) is freed,
blocks up to that size come from the heap, and the heap's free top goes back to the OS whenever it
exceeds twice that size. A training step frees more than that at its end, so the next step touches
those pages afresh. Alone in a process, the benchmark's ConvNet step took 47 ms with ~2,800 page faults
against 29-31 ms with the thresholds fixed (about 3 faults). Run next to PyTorch, the faults went
away, which is why the benchmark's interleaved timings hid them. The fixed values are where glibc's
own adaptation stops: blocks from the heap up to 32 MiB, and free heap given back above 64 MiB.
NumPy also sets a memory policy at import (huge pages for large arrays).

This is skipped when the process started with any of glibc's own malloc settings (`MALLOC_*_`
variables or `GLIBC_TUNABLES`). Those are the user's choice, and the benchmarks' memory probes use
them to fix the thresholds for every library. It is also skipped with `AUTOGRAD_LITE_MALLOC=system`.
"""
from __future__ import annotations

import ctypes
import os
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt parameters (malloc.h)
MMAP_THRESHOLD = 32 << 20  # glibc's ceiling for an adapted threshold (64-bit)
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD  # glibc keeps the trim threshold at twice the mmap one when it adapts
_GLIBC_SETTINGS = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_",
                   "MALLOC_ARENA_MAX", "GLIBC_TUNABLES")

tuned = False  # whether this process's thresholds were fixed at import


def _startup_environment() -> set[str]:
    """The names of the variables the process started with, which are what glibc read (os.environ may
    have been changed since)."""
    try:
        with open("/proc/self/environ", "rb") as f:
            return {entry.split(b"=", 1)[0].decode(errors="replace") for entry in f.read().split(b"\0") if entry}
    except OSError:
        return set(os.environ)


def tune() -> bool:
    """Fix glibc's mmap and trim thresholds (Linux with glibc only; see the module's docstring).
    Returns whether they were set."""
    global tuned
    if not sys.platform.startswith("linux") or os.environ.get("AUTOGRAD_LITE_MALLOC") == "system":
        return False
    if _startup_environment().intersection(_GLIBC_SETTINGS):
        return False
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018  (musl and others have no such symbol: not glibc, leave it)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    # mmap first: setting either turns glibc's adaptation off, and a trim threshold alone would leave
    # every block over 128 KiB to mmap
    tuned = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return tuned
