"""Cached computations sent off the server: a miss computed in a worker process while its run gives
its turn away.

The server is one process whose runs take turns (:mod:`ui.turns`): while one run computes a Bug lab
check at H = 128, T = 200 (0.1–0.7 s) or a few hundred descent steps, every other session waits,
and the machine's other core has nothing to do. A cached function marked with ``offload``
(:func:`ui.cache.cache_data`) has its misses computed by a worker process instead: the run sends
the call there, gives its turn away until the result comes back (``turns.aside(keep_place=True)``:
it then goes ahead of the runs that arrived after it), and stores the result in the server's cache
as if it had computed it itself. Identical misses of several sessions at once share one computation
(:class:`ui.jobs.Registry`, keyed by the function and the digest of its arguments). In the worker
the same cached function runs with the worker's own caches, so what it calls on the way (the live
network a check starts from) is cached there for the next job.

A miss is computed in the run itself, as before, wherever sending it away cannot help or could
deadlock:

- the call is nested in another cached function's computation (ours or any ``st.cache_data`` /
  ``st.cache_resource``): Streamlit locks that function's entry until it returns, and a second run
  asking for the same entry while this one waited without its turn would wait for the lock holding
  the turn, so that this run could never come back;
- the thread does not hold the server's turn (it is not a run: a worker process, a notebook);
- the workers have :data:`QUEUE` jobs each in flight already (this run's own core is then the one free);
- offloading is off (``$BPTT_OFFLOAD=off``, or after :data:`BROKEN_LIMIT` worker processes in a row
  died or could not start), or the job failed (a worker died, the call did not pickle, the function
  raised) or took more than :data:`TIMEOUT` s: the run computes it and raises what the function
  raises, as before.

Several runs waiting for one job each get a result of their own, as from Streamlit's cache: the
first the job's object, the others copies of it.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import threading
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ui import jobs, turns

__all__ = ["ENV", "MISSING", "OFFLOAD", "QUEUE", "Offload", "computing", "default"]

ENV = "BPTT_OFFLOAD"  # "process" (default), "thread" (tests) or "off"
WORKERS_ENV = "BPTT_OFFLOAD_WORKERS"  # worker processes; default: one core left to the server
QUEUE = 2  # jobs in flight per worker beyond which a miss is computed in its run
TIMEOUT = 120.0  # seconds a run waits for its job before computing the call itself
WORKER_CACHE = "16mb"  # the worker's own st.cache_data budget (the server's: .streamlit/config.toml)
BROKEN_LIMIT = 3  # worker processes that die or cannot start, in a row, before offloading stops
MISSING = object()  # what :meth:`Offload.compute` returns when the call was not computed elsewhere
# Modules a worker must not import: its jobs' modules import numpy, rnn_core and Streamlit (~60 MB);
# these would add ~90 MB to the server's process tree (ui.activations.calls imports pandas, and
# ui.predict.calls imports it), so no function of a module that imports them is offloaded (tested).
HEAVY_MODULES = ("pandas", "altair", "pyarrow")
OFFLOADED: set[tuple[str, str]] = set()  # (module, name) of every function marked offload


class _Nesting(threading.local):
    depth = 0  # cached computations in progress in this thread


_NESTING = _Nesting()


@contextlib.contextmanager
def computing() -> Iterator[None]:
    """Around a cached function's own computation: the cached calls made inside it are nested."""
    _NESTING.depth += 1
    try:
        yield
    finally:
        _NESTING.depth -= 1


def _call(payload: tuple[Callable, tuple, dict], report, should_stop) -> Any:
    """The task of an offload job: the cached function's own computation (``__wrapped__``: not its
    cache entry, which a thread backend shares with the waiting runs and Streamlit would lock while
    it computes), the cached calls it makes on the way looked up in the worker's caches."""
    cached, args, kwargs = payload
    with computing():
        return cached.__wrapped__(*args, **kwargs)


try:  # Streamlit's own flag: this thread is inside an st.cache_data / st.cache_resource computation
    from streamlit.runtime.scriptrunner_utils.script_run_context import in_cached_function as _IN_ST_CACHE
except ImportError:  # another Streamlit: our own nesting count alone
    _IN_ST_CACHE = None


def _in_streamlit_cache() -> bool:
    """Whether this thread is inside any st.cache_data / st.cache_resource computation."""
    return _IN_ST_CACHE is not None and bool(_IN_ST_CACHE.get())


def _worker_setup() -> None:
    """In a worker as it starts (it has imported this module, and with it Streamlit, to unpickle
    this function; the app's modules come with its first job): the worker offloads nothing (it
    holds no turn anyway; and no module starts processes as it is imported, so a worker starts
    none); its caches are bounded in bytes and their compute locks live only while in use, as the
    server's are; and Streamlit's notices that its caches run without a server (one per function, at
    warning level) stay out of the server's log."""
    global OFFLOAD
    OFFLOAD = Offload(None)
    import streamlit.logger
    from streamlit import config

    # Outside a server Streamlit leaves its caches' byte budget off (max_entries alone would let the
    # worker's caches of the live networks its jobs start from grow to hundreds of MB); the worker's
    # results are the server's to keep, so the worker keeps WORKER_CACHE of what they need. (Setting
    # an option parses the config, which sets the log level again: the level comes after.)
    try:
        from streamlit.runtime.caching import global_cache_budget

        config.set_option("server.maxCacheDataSize", WORKER_CACHE)
        global_cache_budget.reconfigure_global_cache_budget_from_config()
    except (ImportError, AttributeError):  # another Streamlit: its caches keep their max_entries
        pass
    config.set_option("logger.level", "error")
    streamlit.logger.set_log_level("ERROR")
    from ui import session_memory

    session_memory.weak_compute_locks()  # as the server's: a key's compute lock lives while in use


def _nothing(key: Hashable) -> None:
    return None  # a finished job's result is stored by its runs, in Streamlit's cache


def _keep_nothing(key: Hashable, result: Any) -> None:
    pass


class Offload:
    """Sends cached calls to ``backend``'s workers (None: computes nothing elsewhere)."""

    def __init__(self, backend: jobs.ProcessBackend | jobs.ThreadBackend | None):
        self.backend = backend
        self.registry = (
            None
            if backend is None
            else jobs.Registry(backend, lookup=_nothing, store=_keep_nothing, name="offload job")
        )
        self._broken = 0  # worker processes that died or could not start, in a row

    def wanted(self, key: Hashable) -> bool:
        """Whether a miss of ``key`` in this thread should be computed elsewhere (module docstring)."""
        if self.registry is None or _NESTING.depth or not turns.TURNS.held() or _in_streamlit_cache():
            return False
        running = self.registry.running()
        return key in running or len(running) < QUEUE * self.backend.workers

    def compute(self, key: Hashable, fn: Callable, args: tuple, kwargs: dict) -> Any:
        """``fn(*args, **kwargs)`` computed by a worker (or the job already computing ``key``), the
        server's turn given away meanwhile; :data:`MISSING` when it was not computed there."""
        registry = self.registry
        try:
            job = registry.attach(key, _call, lambda: (fn, args, kwargs))
        except Exception:  # the job could not start (its error is the caller's to meet, inline)
            return MISSING
        try:
            with turns.aside(keep_place=True):
                ended = job.wait(TIMEOUT)
            if not ended:
                return MISSING
            try:
                result = registry.result(job)
            except BrokenProcessPool:  # the worker died, or could not start
                self._broken += 1
                if self._broken >= BROKEN_LIMIT:
                    self.registry = None  # offloading stops: every miss is computed in its run
                return MISSING
            except Exception:
                return MISSING
            self._broken = 0
            # read with the turn held, one waiter at a time: the first gets the job's object
            return result if job.reads == 1 else pickle.loads(pickle.dumps(result, protocol=5))
        finally:
            registry.release(job)

    def warm(self) -> None:
        """Start the worker processes now (once), so that the first miss does not wait for them."""
        if self.backend is not None:
            self.backend.warm()


def default() -> Offload:
    """The offload $BPTT_OFFLOAD asks for: "process" (default), "thread" or "off"."""
    name = os.environ.get(ENV, "process")
    if name == "off":
        return Offload(None)
    if name == "process":
        return Offload(jobs.ProcessBackend(jobs.default_workers(WORKERS_ENV), setup=_worker_setup))
    if name == "thread":
        return Offload(jobs.ThreadBackend(2))
    raise ValueError(f"{ENV} must be 'process', 'thread' or 'off'; received {name!r}")


OFFLOAD = default()  # the server's one (its workers start on the first miss, or at warm())
