"""One script run at a time: the server's runs take turns, in the order they arrive.

Every session's run is a thread of the one server process, and Python runs one thread at a time
(the GIL). Each element a run draws is handed to the server's event loop, which costs the run the
GIL; with several runs computing at once it then waits for each of the others' turns before it
may go on (5 ms each, Python's switch interval). A run drawing 60 elements beside nine others
waited seconds for nothing: a class of 100 following one link saw its reruns take 3.9 s at p95
with the server at 67 % of a core (0.53 s taking turns; ``benchmarks/results/``).

So each run takes :data:`TURNS` for its whole length, and the next run in line gets it when that
run ends: the runs are served one after the other, in arrival order, each at its own cost. The
entry script takes it around the whole page (:func:`turn`), a fragment's rerun around the
fragment (:func:`fragment`, the only way the pages declare fragments), and a run that waits for
something outside it (a training job) gives its turn away meanwhile (:func:`aside`). A run that
calls another turn-taking function while it holds the turn keeps it (the turn is reentrant).

A run coming back from :func:`aside` lets the runs that ask afresh within :data:`HANDICAP` seconds
go first: when the job a class of fifty followed ends, the fifty draw their results one after the
other, and a student on another page who moves a slider just then does not wait for all fifty;
nor do the fifty wait for ever behind late presses of Train (they would, behind fresh runs without
a limit, and did: half of a herd's results came 2.5 s after its job had ended). A run that only
waits for a part of itself computed elsewhere (:mod:`ui.offload`) keeps its place instead
(``aside(keep_place=True)``): it comes back as having asked when it first did, ahead of the runs
that arrived after it, so that sending work away never makes a run later than its arrival order.
"""

from __future__ import annotations

import contextlib
import functools
import heapq
import itertools
import threading
import time
from collections.abc import Callable, Iterator

import streamlit as st

__all__ = ["HANDICAP", "TURNS", "Turns", "aside", "fragment", "turn"]

HANDICAP = 0.5  # seconds: a run back from aside() lets the fresh runs of this long after it go first


class Turns:
    """A reentrant lock handed to its waiters in the order they asked for it (a releasing thread
    gives it to the first in line, nobody can overtake); a waiter coming back from :meth:`aside`
    counts as having asked ``handicap`` seconds later than it did."""

    def __init__(self, handicap: float = HANDICAP, clock: Callable[[], float] = time.monotonic) -> None:
        self.handicap, self._clock = handicap, clock
        self._guard = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        # (when it counts as having asked, arrival number, thread, its wake-up): a heap
        self._waiting: list[tuple[float, int, int, threading.Event]] = []
        self._arrivals = itertools.count()
        self._asked = 0.0  # when the owner asked for the turn (the clock's time it queued with)

    @property
    def owner(self) -> int | None:
        """The thread id holding the turn, None if nobody does."""
        return self._owner

    @property
    def waiting(self) -> int:
        """How many threads wait for the turn."""
        return len(self._waiting)

    def held(self) -> bool:
        """True when the calling thread holds the turn."""
        return self._owner == threading.get_ident()

    def acquire(self, depth: int = 1, *, returning: bool = False, asked: float | None = None) -> None:
        """Wait for the turn (at once if this thread holds it or nobody does); ``returning`` (a run
        back from :meth:`aside`): behind the fresh waiters that ask up to ``handicap`` s later;
        ``asked``: in line as if it had asked at that time of the clock (a run keeping its place)."""
        me = threading.get_ident()
        with self._guard:
            if self._owner == me:
                self._depth += depth
                return
            if asked is not None:
                due = asked
            else:
                due = self._clock() + (self.handicap if returning else 0.0)
            if self._owner is None:
                self._owner, self._depth, self._asked = me, depth, due
                return
            ready = threading.Event()
            heapq.heappush(self._waiting, (due, next(self._arrivals), me, ready))
        ready.wait()  # the releasing thread made this one the owner, with its depth
        with self._guard:
            self._depth, self._asked = depth, due

    def release(self) -> None:
        """Give back one level of the turn; at the last one, hand it to the first waiter in line."""
        with self._guard:
            self._check_owner()
            self._depth -= 1
            if self._depth == 0:
                self._hand_over()

    def release_all(self) -> int:
        """Give the turn away whatever its depth; returns the depth, for :meth:`acquire`."""
        with self._guard:
            self._check_owner()
            depth, self._depth = self._depth, 0
            self._hand_over()
            return depth

    def _check_owner(self) -> None:
        if self._owner != threading.get_ident():
            raise RuntimeError(
                f"the turn is released by thread {threading.get_ident()}, but held by {self._owner}"
            )

    def _hand_over(self) -> None:
        if self._waiting:
            _, _, self._owner, ready = heapq.heappop(self._waiting)
            self._depth = 0  # set by the new owner when it wakes (acquire)
            ready.set()
        else:
            self._owner = None

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        self.acquire()
        try:
            yield
        finally:
            self.release()

    @contextlib.contextmanager
    def aside(self, *, keep_place: bool = False) -> Iterator[None]:
        """Let the others run meanwhile, then wait for the turn again: with the handicap, or, with
        ``keep_place``, in line as of when this run first asked for the turn. Without the turn (a
        thread that is not a run): nothing to give."""
        if not self.held():
            yield
            return
        asked = self._asked if keep_place else None
        depth = self.release_all()
        try:
            yield
        finally:
            self.acquire(depth, returning=True, asked=asked)


TURNS = Turns()  # the server's one: every run of every session takes it


def turn() -> contextlib.AbstractContextManager[None]:
    """Hold the server's turn for a run (the entry script wraps the whole page in it)."""
    return TURNS.turn()


def aside(*, keep_place: bool = False) -> contextlib.AbstractContextManager[None]:
    """Give the server's turn away while this run waits for something outside it (it comes back
    with the handicap: behind the runs that ask afresh within :data:`HANDICAP` s; with
    ``keep_place``, ahead of the runs that asked after it did)."""
    return TURNS.aside(keep_place=keep_place)


def fragment(fn: Callable) -> Callable:
    """``st.fragment`` whose rerun takes the server's turn (in a full run, the page holds it)."""

    @functools.wraps(fn)
    def in_turn(*args, **kwargs):
        with TURNS.turn():
            return fn(*args, **kwargs)

    return st.fragment(in_turn)
