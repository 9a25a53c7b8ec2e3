"""ui.memory: the malloc arena limit, the fixed mmap threshold and the trimming thread, once per process,
and nothing without glibc."""

import ctypes
import os
import platform
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ui import memory

ROOT = Path(__file__).resolve().parents[2]


class FakeGlibc:
    """Records the calls a MemoryBound makes; its malloc_trim says whether it gave memory back."""

    def __init__(self, gives_back: int = 1):
        self.mallopt_calls: list[tuple[int, int]] = []
        self.trims = 0
        self.gives_back = gives_back

    def mallopt(self, param, value) -> int:
        self.mallopt_calls.append((param.value, value.value))
        return 1

    def malloc_trim(self, pad) -> int:
        assert pad.value == 0
        self.trims += 1
        return self.gives_back


class NoMalloc:
    """A C library without mallopt or malloc_trim (musl, macOS, Windows)."""


def trimmer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == memory.THREAD_NAME]


def test_starting_twice_limits_the_arenas_and_fixes_the_mmap_threshold_once_and_starts_one_thread(
    monkeypatch,
):
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    libc = FakeGlibc()
    bound = memory.MemoryBound(libc, arenas=3, period=3600, mmap_threshold=4096)
    try:
        assert bound.start() and bound.start()
        assert libc.mallopt_calls == [(memory.M_ARENA_MAX, 3), (memory.M_MMAP_THRESHOLD, 4096)]
        assert bound.thread is not None and bound.thread.daemon and bound.thread.is_alive()
        assert [t for t in trimmer_threads() if t is bound.thread] == [bound.thread]
    finally:
        bound.stop()
    assert not bound.thread.is_alive()


@pytest.mark.parametrize(
    "env, kept",
    [
        ({"MALLOC_ARENA_MAX": "4", "MALLOC_MMAP_THRESHOLD_": "65536"}, []),
        ({"MALLOC_ARENA_MAX": "4"}, [(memory.M_MMAP_THRESHOLD, memory.MMAP_THRESHOLD)]),
        ({"MALLOC_MMAP_THRESHOLD_": "65536"}, [(memory.M_ARENA_MAX, memory.ARENAS)]),
    ],
)
def test_what_the_environment_sets_wins(monkeypatch, env, kept):
    for name in ("MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    libc = FakeGlibc()
    bound = memory.MemoryBound(libc, period=3600)
    try:
        assert bound.start()
        assert libc.mallopt_calls == kept
    finally:
        bound.stop()


def test_trim_calls_malloc_trim_and_reports_what_it_says():
    libc = FakeGlibc(gives_back=0)
    bound = memory.MemoryBound(libc)
    assert bound.trim() is False and libc.trims == 1
    libc.gives_back = 1
    assert bound.trim() is True and libc.trims == 2


def test_the_thread_trims_until_stopped():
    libc = FakeGlibc()
    bound = memory.MemoryBound(libc, period=0.001)
    bound.start()
    # the thread's own loop, not a timing: wait for its third trim, however long the machine takes
    done = threading.Event()
    original = libc.malloc_trim

    def counting(pad):
        out = original(pad)
        if libc.trims >= 3:
            done.set()
        return out

    libc.malloc_trim = counting
    try:
        assert done.wait(60)
    finally:
        bound.stop()
    assert not bound.thread.is_alive()


@pytest.mark.parametrize("libc", [None, NoMalloc()])
def test_without_glibc_nothing_happens(libc):
    bound = memory.MemoryBound(libc)
    assert bound.start() is False and bound.start() is False
    assert bound.thread is None and not bound.active
    assert bound.trim() is False
    bound.stop()  # safe without a thread


def test_a_library_without_malloc_trim_is_not_glibc():
    class OnlyMallopt:
        def mallopt(self, param, value):
            raise AssertionError("must not be called")

    assert memory.MemoryBound(OnlyMallopt()).start() is False


def test_bound_twice_in_this_process_is_safe():
    lib = memory.glibc()
    first = memory.bound()
    second = memory.bound()
    assert first == second == (lib is not None)
    assert len(trimmer_threads()) == (1 if lib is not None else 0)
    if lib is not None:
        # the real malloc_trim answers 0 or 1, and allocating afterwards still works
        assert memory.MemoryBound(lib).trim() in (True, False)
        assert len(bytearray(1 << 20)) == 1 << 20


def test_glibc_is_found_where_python_runs_on_glibc():
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        assert memory.glibc() is None or callable(memory.glibc().malloc_trim)
        return
    lib = memory.glibc()
    assert lib is not None
    assert lib.malloc_trim(ctypes.c_size_t(0)) in (0, 1)


_MAPPED_ON_ITS_OWN = """
import ctypes
from ui import memory

class MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks")
        + ("fordblks", "keepcost")
    ]

lib = memory.glibc()
if lib is None or not hasattr(lib, "mallinfo2"):  # glibc < 2.33 or not glibc: nothing to bound
    assert memory.bound() is (lib is not None)
    raise SystemExit(0)
assert memory.bound()
lib.mallinfo2.restype = MallInfo2
big = bytearray(4 << 20)
del big  # freed: glibc's dynamic threshold would rise to 4 MiB here
before = lib.mallinfo2().hblks
block = bytearray(3 << 19)
assert lib.mallinfo2().hblks == before + 1, (before, lib.mallinfo2().hblks)
del block
assert lib.mallinfo2().hblks == before  # returned whole to the system
"""


def test_after_a_large_block_is_freed_the_next_one_is_still_mapped_on_its_own():
    """Without the fixed threshold glibc would raise it to 4 MiB when the first block is freed, and
    carve the second (1.5 MiB) from an arena. In a process of its own: malloc's counts are the whole
    process's, and a test run's other threads (a training job still finishing) allocate too."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    done = subprocess.run(
        [sys.executable, "-c", _MAPPED_ON_ITS_OWN],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
