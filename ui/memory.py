"""The server's memory under a class: few malloc arenas, and freed memory given back to the system.

Streamlit runs every script run in a new thread, and glibc's malloc gives threads their own arenas
(up to 8 per core). Each run allocates and frees many medium-sized blocks (cache values unpickled on
a hit, chart specs, protobuf messages); what a run frees stays in its arena as free chunks, scattered
between live ones, so the process's resident memory keeps growing over a long class although the
live data (the bounded caches) does not. :func:`bound`, called once per process from the entry
file (and by each worker process of ui.jobs), limits malloc to :data:`ARENAS` arenas
(``mallopt(M_ARENA_MAX)``, as the environment variable ``MALLOC_ARENA_MAX`` would, for hosts where
the environment cannot be set) and starts one daemon
thread that calls ``malloc_trim(0)`` every :data:`TRIM_PERIOD` seconds, which returns the free pages
inside every arena to the system.

It also fixes malloc's mmap threshold at :data:`MMAP_THRESHOLD` (``mallopt(M_MMAP_THRESHOLD)``,
as ``MALLOC_MMAP_THRESHOLD_`` would). glibc raises that threshold each time a block above it is
freed (up to 32 MiB), so after the first large page (a network at H = 128, T = 200: arrays of a few
MB) every later large array was carved from the arenas instead of mapped on its own; freed, it left
free chunks between live ones, which trimming did not give back (numpy asks for transparent huge
pages on arrays of 4 MiB and more, and the kernel fills a 2 MiB page again when it merges it): in a
10-minute soak of 20 sessions malloc's free chunks grew to 190 MB beside 95 MB in use. With a fixed
threshold every block of 1 MiB or more is its own mapping, returned whole to the system when freed.
Measured in benchmarks/results/memory.md.

Linux with glibc only: elsewhere (macOS, Windows, musl) :func:`bound` does nothing and returns
``False``. A ``MALLOC_ARENA_MAX`` (``MALLOC_MMAP_THRESHOLD_``) already in the environment wins over
:data:`ARENAS` (:data:`MMAP_THRESHOLD`).
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading

__all__ = ["ARENAS", "MMAP_THRESHOLD", "TRIM_PERIOD", "MemoryBound", "bound", "glibc"]

M_ARENA_MAX, M_MMAP_THRESHOLD = -8, -3  # mallopt parameter numbers, from glibc's malloc.h
ARENAS = 2
MMAP_THRESHOLD = 1 << 20  # bytes: a block this large or larger is mapped on its own
TRIM_PERIOD = 10.0  # seconds between two malloc_trim(0)
THREAD_NAME = "malloc-trim"


def glibc():
    """The C library of this process if it is glibc (it has ``mallopt`` and ``malloc_trim``), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    return libc if _has_glibc_malloc(libc) else None


def _has_glibc_malloc(libc) -> bool:
    try:
        return all(callable(getattr(libc, name)) for name in ("mallopt", "malloc_trim"))
    except AttributeError:
        return False


class MemoryBound:
    """Fewer arenas and a periodic ``malloc_trim(0)`` for one C library (glibc, or a stand-in)."""

    def __init__(
        self, libc, *, arenas: int = ARENAS, period: float = TRIM_PERIOD, mmap_threshold: int = MMAP_THRESHOLD
    ):
        self.libc = libc if libc is not None and _has_glibc_malloc(libc) else None
        self.arenas, self.period, self.mmap_threshold = arenas, period, mmap_threshold
        self.thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        return self.thread is not None

    def start(self) -> bool:
        """Limit the arenas, fix the mmap threshold and start the trimming thread, the first time;
        ``False`` without glibc."""
        with self._lock:
            if self.libc is None:
                return False
            if self.thread is None:
                if "MALLOC_ARENA_MAX" not in os.environ:
                    self.libc.mallopt(ctypes.c_int(M_ARENA_MAX), ctypes.c_int(self.arenas))
                if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
                    self.libc.mallopt(ctypes.c_int(M_MMAP_THRESHOLD), ctypes.c_int(self.mmap_threshold))
                self.thread = threading.Thread(target=self._loop, name=THREAD_NAME, daemon=True)
                self.thread.start()
            return True

    def trim(self) -> bool:
        """Give the free pages of every arena back to the system now; whether any was given back."""
        if self.libc is None:
            return False
        return bool(self.libc.malloc_trim(ctypes.c_size_t(0)))

    def stop(self) -> None:
        """Stop the trimming thread (the arena limit and the mmap threshold stay)."""
        self._stop.set()
        if self.thread is not None:
            self.thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self.period):
            self.trim()


_PROCESS: MemoryBound | None = None
_PROCESS_LOCK = threading.Lock()


def bound() -> bool:
    """Bound this process's malloc (once per process; later calls only report): whether it is."""
    global _PROCESS
    with _PROCESS_LOCK:
        if _PROCESS is None:
            _PROCESS = MemoryBound(glibc())
        return _PROCESS.start()


def active() -> bool:
    """Whether :func:`bound` has bounded this process."""
    with _PROCESS_LOCK:
        return _PROCESS is not None and _PROCESS.active
