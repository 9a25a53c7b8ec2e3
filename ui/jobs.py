"""Computations shared by every session of the server: one job per key, run off the script thread.

A class asks for the same computation many times within seconds (everyone pressing Train on one
preset, everyone opening one link). The first request starts a job; every later request for the
same key attaches to it, follows the same progress and reads the one result. The work is a Python
loop that holds the GIL, so the job runs in a worker process (:class:`ProcessBackend`): the sessions
on other pages keep their share of the server while it computes.

The registry holds running jobs only. A finished job's result is stored (by the registry's
``store``: a cache) before the job leaves the registry, and a request looks in the cache under the
registry's lock before it starts a job: a result is found in one of the two while it is computed,
and is never computed twice at once. (The offload's registry stores nothing: its runs store each
result in Streamlit's cache themselves, holding the server's turn, which is what keeps a second
request from starting the job again in between.) A failed job gives its error to every waiter and leaves the
registry, so the next request retries. A job nobody waits for any more (every session that asked
moved on) is cancelled.

Two registries use it: the Training page's runs (:mod:`ui.training.calls`, task
:func:`ui.training.task.train`) and the cached computations sent off the server
(:mod:`ui.offload`). This module imports no streamlit: a training worker imports it, rnn_core and
nothing else.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing as mp
import os
import queue
import sys
import threading
import time
import types
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ui import memory

# A task runs in a worker as task(payload, report, should_stop): report(record) sends one progress
# record to the job's waiters; should_stop() is True once nobody waits for the job any more.
Task = Callable[[Any, Callable[[dict], None], Callable[[], bool]], Any]

LOG_ENV = "BPTT_JOB_LOG"  # when set, each job's start and end is written to stderr (benchmarks count them)
CANCEL_SLOTS = 16  # the ids of the latest cancelled jobs, read by the workers


def default_workers(env: str | None = None) -> int:
    """The worker count: $``env`` if set, else one fewer than the cores (at least 1, at most 2)."""
    value = os.environ.get(env, "") if env else ""
    if value:
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"{env} must be a positive integer; received {value!r}")
        return int(value)
    return max(1, min(2, (os.cpu_count() or 1) - 1))


def _log(name: str, event: str, job: Job, **fields: Any) -> None:
    if os.environ.get(LOG_ENV):
        extra = "".join(f" {k}={v}" for k, v in fields.items())
        print(f"{name} {event} id={job.id}{extra} key={job.key!r}", file=sys.stderr, flush=True)


class Job:
    """One run being computed: its progress records, and its result or error once it ends.

    ``records`` grows while the job runs (one progress record per step, in order). :meth:`wait`
    returns True once the job has ended and every record has arrived.
    """

    def __init__(self, job_id: int, key: Hashable):
        self.id = job_id
        self.key = key
        self.records: list[dict] = []
        self.waiters = 1
        self.cancelled = False
        self.stored = False
        self.reads = 0  # how many waiters have read its result (Registry.result)
        self.future: Future | None = None
        self.started = time.monotonic()
        self._ended = threading.Event()  # every record has arrived (the task's end of the stream)
        self._done = threading.Event()  # ended and the future holds the result or the error

    def wait(self, timeout: float | None = None) -> bool:
        """Block up to ``timeout`` seconds; True when the job has ended."""
        return self._done.wait(timeout)

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def result(self) -> Any:
        """The task's result; raises the task's error. Only once :meth:`wait` returned True."""
        if not self.done:
            raise RuntimeError(f"job {self.id} has not ended yet")
        return self.future.result()


class Registry:
    """One job per key, process-wide and thread-safe.

    ``backend`` runs the tasks (:class:`ProcessBackend` or :class:`ThreadBackend`); ``lookup(key)``
    is the finished result for ``key`` if one was stored (else None) and ``store(key, result)``
    stores it: both are called in the caller's thread, never in a background one. ``name`` starts
    the registry's lines in the job log ($BPTT_JOB_LOG).
    """

    def __init__(
        self,
        backend: ProcessBackend | ThreadBackend,
        *,
        lookup: Callable[[Hashable], Any],
        store: Callable[[Hashable, Any], None],
        name: str = "job",
    ):
        self.backend = backend
        self.name = name
        self.lookup, self.store = lookup, store
        self._lock = threading.Lock()
        self._jobs: dict[Hashable, Job] = {}
        self._by_id: dict[int, Job] = {}
        self._ids = itertools.count(1)
        self.started = 0  # jobs started by this registry (each one a computation)

    def attach(self, key: Hashable, task: Task, payload: Callable[[], Any]) -> Job | None:
        """The job computing ``key``: the running one, or one started now with ``task(payload())``.

        None when the result is stored already (read it with ``lookup``). Every job returned must
        be given back with :meth:`release` once the caller stops waiting for it.
        """
        with self._lock:
            job = self._jobs.get(key)
            if job is not None:
                job.waiters += 1
                return job
            if self.lookup(key) is not None:
                return None
            job = Job(next(self._ids), key)
            self._jobs[key] = job
            self._by_id[job.id] = job
            self.started += 1
        _log(self.name, "start", job)
        try:
            job.future = self.backend.submit(job.id, task, payload(), self)
        except BaseException as error:  # the job never started: its waiters get the error
            future: Future = Future()
            future.set_exception(error)
            job.future = future
            self.end_of_records(job.id)
            self._on_done(job)
            raise
        job.future.add_done_callback(lambda _: self._on_done(job))
        return job

    def result(self, job: Job) -> Any:
        """The ended job's result, stored once (by the first waiter to read it); raises its error."""
        try:
            job.reads += 1
            return job.result()
        finally:
            self._settle(job)

    def release(self, job: Job) -> None:
        """The caller stops waiting for ``job``; the last waiter of a running job cancels it."""
        with self._lock:
            job.waiters -= 1
            if job.waiters > 0 or job.cancelled:
                return
            if not job.done:
                job.cancelled = True
                self._forget(job)
        if job.done:  # ended, but nobody read it: stored all the same
            self._settle(job)
            return
        _log(self.name, "cancel", job)
        if job.future is not None and not job.future.cancel():  # already running: ask it to stop
            self.backend.cancel(job.id)

    def running(self) -> list[Hashable]:
        """The keys of the jobs in the registry."""
        with self._lock:
            return list(self._jobs)

    # -- called by the backends --------------------------------------------------------------------

    def report(self, job_id: int, record: dict) -> None:
        job = self._by_id.get(job_id)
        if job is not None:
            job.records.append(record)

    def end_of_records(self, job_id: int) -> None:
        job = self._by_id.get(job_id)
        if job is not None:
            job._ended.set()
            self._maybe_done(job)

    def _on_done(self, job: Job) -> None:
        future = job.future
        if future.cancelled() or future.exception() is not None:
            # the task never ran (cancelled; its payload did not pickle), its worker died, or it
            # raised: no more records will come (a failed job's records are read by nobody)
            job._ended.set()
        if future.cancelled() or future.exception() is not None:
            with self._lock:  # a failed job leaves the registry at once: the next request retries
                self._forget(job)
        self._maybe_done(job)

    def _maybe_done(self, job: Job) -> None:
        """The job has ended once its records have all arrived and its future is done; both are
        seen from two threads (the records' and the executor's), so the lock decides which ends it."""
        with self._lock:
            future = job.future
            if job.done or not job._ended.is_set() or future is None or not future.done():
                return
            failed = future.cancelled() or future.exception() is not None
            _log(self.name, "end", job, seconds=f"{time.monotonic() - job.started:.2f}", failed=failed)
            job._done.set()
            self.backend.forget(job.id)
            if job.cancelled:
                self._by_id.pop(job.id, None)

    def _settle(self, job: Job) -> None:
        """Store an ended job's result (once, unless it failed or was cancelled) and forget the job."""
        with self._lock:
            future = job.future
            if not (job.stored or job.cancelled or future.cancelled() or future.exception() is not None):
                self.store(job.key, future.result())
                job.stored = True
            self._forget(job)

    def _forget(self, job: Job) -> None:
        """Drop ``job`` from the registry (caller holds the lock)."""
        if self._jobs.get(job.key) is job:
            del self._jobs[job.key]
        if job.done:  # a cancelled job still running keeps its id: its end is still to come
            self._by_id.pop(job.id, None)


# --- backends ---------------------------------------------------------------------------------------


class ThreadBackend:
    """Tasks in a thread pool of this process (tests, and where processes cannot be started)."""

    def __init__(self, workers: int = 1):
        self.workers = workers
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="job")
        self._cancelled: set[int] = set()

    def submit(self, job_id: int, task: Task, payload: Any, registry: Registry) -> Future:
        def run():
            try:
                return task(payload, lambda r: registry.report(job_id, r), lambda: job_id in self._cancelled)
            finally:
                registry.end_of_records(job_id)

        return self.pool.submit(run)

    def cancel(self, job_id: int) -> None:
        self._cancelled.add(job_id)

    def forget(self, job_id: int) -> None:
        self._cancelled.discard(job_id)

    def warm(self) -> None:
        """Nothing to start ahead."""


# In a worker process: the progress queue and the cancelled ids, set by _init_worker.
_WORKER: dict[str, Any] = {}


PARENT_CHECK_SECONDS = 1.0


def _init_worker(progress, cancelled, setup: Callable[[], None] | None = None) -> None:
    _WORKER.update(progress=progress, cancelled=cancelled)
    memory.bound()  # as the server's own malloc: few arenas, large arrays mapped, free pages returned
    if setup is not None:
        setup()
    # The worker ends with the server, even when the server is killed without cleaning up. (Not
    # PR_SET_PDEATHSIG: it fires when the *thread* that started the worker ends, which in a server
    # is any script thread.)
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _ready() -> None:
    """A job that does nothing: submitted to start a worker process."""


def _run_in_worker(job_id: int, task: Task, payload: Any) -> Any:
    progress, cancelled = _WORKER["progress"], _WORKER["cancelled"]
    try:
        return task(payload, lambda r: progress.put((job_id, r)), lambda: job_id in cancelled[:])
    finally:
        progress.put((job_id, None))  # the end of this job's records


@contextlib.contextmanager
def _plain_main():
    """While a worker process starts: ``__main__`` as an interactive interpreter's (no file).

    A spawned child first imports its parent's ``__main__`` from its file. In a Streamlit server
    that is the page script being run (Streamlit installs it as ``__main__``), which the worker
    must not run. Streamlit writes ``__main__`` again at the start of every script run.
    """
    previous = sys.modules.get("__main__")
    plain = types.ModuleType("__main__")
    sys.modules["__main__"] = plain
    try:
        yield
    finally:
        if sys.modules.get("__main__") is plain and previous is not None:
            sys.modules["__main__"] = previous


class ProcessBackend:
    """Tasks in worker processes (spawned: the server's threads are not forked), started on first use.

    Progress comes back through one queue that a thread of this process hands to the registry;
    cancelled job ids go to the workers through a small shared array.
    """

    def __init__(self, workers: int | None = None, *, setup: Callable[[], None] | None = None):
        self.workers = workers or default_workers()
        self.setup = setup  # run once in each worker as it starts (a module-level function)
        self._ctx = mp.get_context("spawn")
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._progress = None
        self._cancelled = None
        self._next_slot = 0
        self._registries: dict[int, Registry] = {}
        self._warmed = False

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._progress = self._ctx.Queue()
            self._cancelled = self._ctx.Array("q", CANCEL_SLOTS)
            threading.Thread(target=self._forward, args=(self._progress,), daemon=True).start()
        if self._pool is None or getattr(self._pool, "_broken", False):
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=self._ctx,
                initializer=_init_worker,
                initargs=(self._progress, self._cancelled, self.setup),
            )
        return self._pool

    def submit(self, job_id: int, task: Task, payload: Any, registry: Registry) -> Future:
        with self._lock, _plain_main():  # a submit may start a worker process
            self._registries[job_id] = registry
            try:
                return self._start().submit(_run_in_worker, job_id, task, payload)
            except BrokenProcessPool:  # a worker died since: a fresh pool
                self._pool = None
                return self._start().submit(_run_in_worker, job_id, task, payload)

    def cancel(self, job_id: int) -> None:
        with self._lock:
            if self._cancelled is not None:
                self._cancelled[self._next_slot] = job_id
                self._next_slot = (self._next_slot + 1) % CANCEL_SLOTS

    def forget(self, job_id: int) -> None:
        self._registries.pop(job_id, None)

    def warm(self) -> None:
        """Start the worker processes now (once: later calls do nothing), in a thread of their own,
        so that the first job does not wait for a process to start and import numpy."""
        with self._lock:
            if self._warmed:
                return
            self._warmed = True

        def start() -> None:
            with self._lock, _plain_main():
                pool = self._start()
                for _ in range(self.workers):
                    pool.submit(_ready)

        threading.Thread(target=start, name="job-warm", daemon=True).start()

    def shutdown(self) -> None:
        """Stop the worker processes (a later submit starts new ones)."""
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown()
                self._pool = None

    def _forward(self, progress) -> None:
        while True:
            try:
                job_id, record = progress.get()
            except (EOFError, OSError, queue.Empty):
                return
            registry = self._registries.get(job_id)
            if registry is None:
                continue
            if record is None:
                registry.end_of_records(job_id)
            else:
                registry.report(job_id, record)


def default_backend(env: str, workers_env: str | None = None) -> ProcessBackend | ThreadBackend:
    """The backend $``env`` asks for: "process" (default; $``workers_env`` workers) or "thread"."""
    name = os.environ.get(env, "process")
    if name == "process":
        return ProcessBackend(default_workers(workers_env))
    if name == "thread":
        return ThreadBackend()
    raise ValueError(f"{env} must be 'process' or 'thread'; received {name!r}")
