"""The job registry (ui.jobs), as the Training page uses it: a run asked for by many sessions at once is computed
once, in a worker, and every session reads that one result.

The tasks here count their own calls: in this process (a thread backend) with a module-level
counter, in a worker process with one line appended to a file per call. Nothing is timed: threads
meet at barriers and events, and tasks hold until the test releases them.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from ui import jobs, memory
from ui.training import calls, settings, task

CALLS: dict[str, int] = {}
CALLS_LOCK = threading.Lock()
WAIT = 30  # seconds: only a hung test ever waits this long


def counted(payload, report, should_stop):
    """A task that counts its calls under ``payload["name"]``, reports 3 records, holds until
    ``payload["go"]`` is set (if given), then returns ``payload["value"]`` or raises."""
    with CALLS_LOCK:
        CALLS[payload["name"]] = CALLS.get(payload["name"], 0) + 1
    for step in range(3):
        report({"step": step})
    if "go" in payload:
        assert payload["go"].wait(WAIT)
    if payload.get("fail"):
        raise ValueError(f"{payload['name']} refused")
    return payload["value"]


def stoppable(payload, report, should_stop):
    """A task that reports steps until it is asked to stop; returns how many it reported."""
    step = 0
    while not should_stop():
        report({"step": step})
        step += 1
        payload["started"].set()
        if step > 10**7:
            raise AssertionError("never asked to stop")
    return step


def written(payload, report, should_stop):
    """A task for a worker process: one line per call in the file ``payload[0]``, returns payload[1]."""
    with open(payload[0], "a") as f:
        f.write("called\n")
    report({"step": 0})
    return payload[1]


class Cache:
    """The store a registry is given: a dict, with the number of times each key was stored."""

    def __init__(self):
        self.values, self.stores = {}, {}

    def lookup(self, key):
        return self.values.get(key)

    def store(self, key, value):
        self.values[key] = value
        self.stores[key] = self.stores.get(key, 0) + 1


def registry(cache: Cache, workers: int = 2) -> jobs.Registry:
    return jobs.Registry(jobs.ThreadBackend(workers), lookup=cache.lookup, store=cache.store)


def ask(reg: jobs.Registry, key, task, payload) -> object:
    """What one session does: attach, wait, read the result (or the error), release."""
    job = reg.attach(key, task, lambda: payload)
    if job is None:
        return ("cached", None)
    try:
        assert job.wait(WAIT)
        try:
            return ("result", reg.result(job), len(job.records))
        except ValueError as error:
            return ("error", str(error))
    finally:
        reg.release(job)


def together(n: int, fn):
    """``fn(i)`` in n threads that all start at one barrier; their return values, in order."""
    barrier = threading.Barrier(n)

    def run(i):
        barrier.wait(WAIT)
        return fn(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def test_many_sessions_asking_for_one_key_at_once_share_one_computation():
    cache, go = Cache(), threading.Event()
    reg = registry(cache)
    payload = dict(name="same", value=42.0, go=go)
    attached = threading.Barrier(17)  # 16 sessions and the test

    def session(i):
        job = reg.attach("run", counted, lambda: payload)
        attached.wait(WAIT)  # every session holds the job before it may end
        assert job.wait(WAIT)
        try:
            return reg.result(job), list(job.records)
        finally:
            reg.release(job)

    with ThreadPoolExecutor(16) as pool:
        futures = [pool.submit(session, i) for i in range(16)]
        attached.wait(WAIT)
        assert reg.running() == ["run"]
        go.set()
        results = [f.result(WAIT) for f in futures]

    assert CALLS["same"] == 1 and reg.started == 1
    assert results == [(42.0, [{"step": 0}, {"step": 1}, {"step": 2}])] * 16  # the same progress too
    assert cache.stores == {"run": 1} and reg.running() == []
    # once stored, a later request reads the cache and starts nothing
    assert ask(reg, "run", counted, payload) == ("cached", None) and CALLS["same"] == 1


def test_different_keys_are_separate_jobs_each_computed_once():
    cache = Cache()
    reg = registry(cache)
    keys = ["a", "b", "c"]

    def session(i):
        key = keys[i % 3]
        return key, ask(reg, key, counted, dict(name=f"key-{key}", value=key.upper()))

    out = together(12, session)
    for key, answer in out:
        assert answer[0] in ("result", "cached")  # a late session may find the run stored already
        assert answer[0] == "cached" or answer[1] == key.upper()
    assert [CALLS[f"key-{k}"] for k in keys] == [1, 1, 1]
    assert reg.started == 3 and cache.values == {"a": "A", "b": "B", "c": "C"}


def test_a_failing_job_gives_its_error_to_every_waiter_and_the_next_request_retries():
    cache, go = Cache(), threading.Event()
    reg = registry(cache)
    payload = dict(name="fails", value=None, go=go, fail=True)
    held = [reg.attach("bad", counted, lambda: payload) for _ in range(5)]
    assert len({id(j) for j in held}) == 1  # all five wait for one job
    go.set()
    for job in held:
        assert job.wait(WAIT)
        with pytest.raises(ValueError, match="fails refused"):
            reg.result(job)
        reg.release(job)
    assert CALLS["fails"] == 1 and cache.stores == {} and reg.running() == []

    # the error is not kept: the next request computes again, and may succeed
    assert ask(reg, "bad", counted, dict(name="fails", value=7)) == ("result", 7, 3)
    assert CALLS["fails"] == 2 and cache.values == {"bad": 7}


def test_a_job_every_waiter_left_is_cancelled_and_not_stored():
    cache, started = Cache(), threading.Event()
    reg = registry(cache, workers=1)
    first = reg.attach("long", stoppable, lambda: dict(started=started))
    second = reg.attach("long", stoppable, lambda: dict(started=started))
    assert first is second
    assert started.wait(WAIT)
    reg.release(first)
    assert not first.cancelled  # one session still waits
    reg.release(second)  # the last one leaves: the job is asked to stop
    assert first.cancelled and first.wait(WAIT)
    assert first.future.result() == len(first.records) > 0
    assert reg.running() == [] and cache.stores == {}
    # a new request for the same key is a new job
    again = reg.attach("long", stoppable, lambda: dict(started=threading.Event()))
    assert again is not first and reg.started == 2
    reg.release(again)
    assert again.wait(WAIT)


def test_a_worker_process_computes_a_run_once_for_many_sessions(tmp_path: Path):
    log = tmp_path / "calls.txt"
    cache = Cache()
    reg = jobs.Registry(jobs.ProcessBackend(workers=1), lookup=cache.lookup, store=cache.store)
    try:
        out = together(8, lambda i: ask(reg, "proc", written, (str(log), {"value": 3.5})))
    finally:
        reg.backend.shutdown()
    assert log.read_text().splitlines() == ["called"]
    assert all(o in (("result", {"value": 3.5}, 1), ("cached", None)) for o in out), out
    assert cache.stores == {"proc": 1}


def test_the_pages_job_trains_the_run_calls_train_run_trains():
    s = settings.normalised(replace(settings.DEFAULT, T=4, H=4, steps=6, batch_size=2, seed=3))
    cache = Cache()
    reg = jobs.Registry(jobs.ThreadBackend(), lookup=cache.lookup, store=cache.store)
    job = reg.attach(s, task.train, lambda: (calls.initial_params(s), calls.train_options(s)))
    assert job.wait(WAIT)
    result = reg.result(job)
    reg.release(job)
    direct = calls.train_run(s).result
    for key in ("loss", "grad_norm", "sigma_max"):
        np.testing.assert_array_equal(result.history[key], direct.history[key])
        np.testing.assert_array_equal([r[key] for r in job.records], direct.history[key])
    np.testing.assert_array_equal(result.params.W, direct.params.W)
    assert cache.values[s] is result


def test_bad_worker_settings_say_what_was_received(monkeypatch):
    monkeypatch.setenv("BPTT_TRAIN_WORKERS", "zero")
    with pytest.raises(ValueError, match="BPTT_TRAIN_WORKERS.*'zero'"):
        jobs.default_workers("BPTT_TRAIN_WORKERS")
    monkeypatch.setenv("BPTT_TRAIN_BACKEND", "gpu")
    with pytest.raises(ValueError, match="BPTT_TRAIN_BACKEND must be 'process' or 'thread'; received 'gpu'"):
        jobs.default_backend("BPTT_TRAIN_BACKEND")


def test_a_worker_bounds_its_malloc_as_the_server_does():
    # where glibc's malloc is there (this machine, CI), the server's process is bounded and so is
    # each worker, by the initializer; elsewhere neither is
    backend = jobs.ProcessBackend(workers=1)
    try:
        with jobs._plain_main():  # as ProcessBackend.submit starts a worker
            bounded = backend._start().submit(memory.active)
        assert bounded.result(timeout=60) == memory.bound()
    finally:
        backend.shutdown()


def test_a_job_whose_payload_cannot_reach_the_worker_ends_with_its_error_at_once():
    # the payload is pickled on its way to the worker process: a lambda cannot be, so the task never
    # runs and no end-of-records mark ever comes; the job must end anyway, not leave its waiters
    # waiting
    cache = Cache()
    reg = jobs.Registry(jobs.ProcessBackend(workers=1), lookup=cache.lookup, store=cache.store)
    try:
        job = reg.attach("unpicklable", counted, lambda: {"name": "never", "value": lambda: 0})
        assert job.wait(WAIT)
        with pytest.raises(Exception, match="pickle"):
            reg.result(job)
        reg.release(job)
        assert reg.running() == []
    finally:
        reg.backend.shutdown()
