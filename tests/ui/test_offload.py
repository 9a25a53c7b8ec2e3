"""Cached computations sent off the server (ui/offload.py through ui.cache.cache_data(offload=...)).

A miss of an offloaded function, in a thread holding the server's turn and outside any other cached
computation, is computed by the offload's workers while the run gives its turn away; everywhere
else it is computed in place. The functions here record the thread that computed them and count
their calls; nothing is timed (threads meet at events).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import multiprocessing
import runpy
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import streamlit as st

from tests.app.helpers import wait_until
from ui import jobs, offload
from ui.cache import cache_data
from ui.turns import TURNS

WAIT = 30  # seconds: only a hung test ever waits this long
ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("offload_benchmark", ROOT / "benchmarks" / "offload.py")
BENCHMARK = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(BENCHMARK)  # its canonical(): two results equal to the last bit
CALLS: list[tuple[str, str]] = []  # (function, the name of the thread that computed it)
GATE = threading.Event()  # tasks marked "gated" hold until it is set


@cache_data(offload=True, max_entries=32, show_spinner=False)
def squared(x: float, tag: str = "") -> float:
    CALLS.append(("squared", threading.current_thread().name))
    if tag == "gated":
        GATE.wait(WAIT)
    if tag == "bad":
        raise ValueError(f"no square of {x} today")
    return x * x


@cache_data(offload=True, max_entries=32, show_spinner=False)
def vector(x: float) -> np.ndarray:
    CALLS.append(("vector", threading.current_thread().name))
    GATE.wait(WAIT)
    return np.array([x, x])


@cache_data(offload=lambda x, tag="": x > 10, max_entries=32, show_spinner=False)
def doubled(x: float, tag: str = "") -> float:
    CALLS.append(("doubled", threading.current_thread().name))
    return 2 * x


@cache_data(max_entries=32, show_spinner=False)
def outer(x: float) -> float:
    CALLS.append(("outer", threading.current_thread().name))
    return squared(x, "nested") + 1


@pytest.fixture
def threads(monkeypatch):
    """The offload of this test: a pool of two threads (named job_…), in place of the server's."""
    off = offload.Offload(jobs.ThreadBackend(2))
    monkeypatch.setattr(offload, "OFFLOAD", off)
    CALLS.clear()
    GATE.clear()
    for fn in (squared, doubled, outer, vector):
        fn.clear()
    yield off
    GATE.set()


def computed_by(name: str) -> list[str]:
    return [thread for fn, thread in CALLS if fn == name]


def test_a_miss_in_a_run_is_computed_by_a_worker_and_a_hit_afterwards(threads):
    with TURNS.turn():
        assert squared(3.0) == 9.0
        assert squared(3.0) == 9.0  # a hit in the server's cache: not computed again
    (thread,) = computed_by("squared")
    assert thread.startswith("job") and thread != threading.current_thread().name
    assert threads.registry.started == 1


def test_without_the_turn_a_miss_is_computed_in_place(threads):
    assert squared(4.0) == 16.0
    assert computed_by("squared") == [threading.current_thread().name]
    assert threads.registry.started == 0


def test_a_call_nested_in_another_cached_computation_is_computed_in_place(threads):
    # outer's entry is locked while it computes: its inner call must not give the turn away
    with TURNS.turn():
        assert outer(5.0) == 26.0
    me = threading.current_thread().name
    assert computed_by("outer") == [me] and computed_by("squared") == [me]
    assert threads.registry.started == 0


def test_the_predicate_decides_which_misses_are_sent_away(threads):
    with TURNS.turn():
        assert doubled(3.0) == 6.0  # not worth it
        assert doubled(30.0) == 60.0
    me = threading.current_thread().name
    small, large = computed_by("doubled")
    assert small == me and large.startswith("job")


def test_a_run_gives_the_turn_away_while_its_miss_is_computed_and_others_share_that_job(threads):
    results = {}

    def run(name: str) -> None:
        with TURNS.turn():
            results[name] = vector(6.0)

    first = threading.Thread(target=run, args=("first",))
    first.start()
    wait_until(lambda: threads.registry.running())  # its job computes, held at the gate
    # the turn is given away: another run can take it (it would wait forever if the first one kept it) ...
    wait_until(lambda: TURNS.owner is None)
    second = threading.Thread(target=run, args=("second",))
    second.start()
    wait_until(lambda: [job.waiters for job in threads.registry._jobs.values()] == [2])
    GATE.set()
    for th in (first, second):
        th.join(WAIT)
    assert len(computed_by("vector")) == 1  # ... and attaches to the same job: computed once
    assert threads.registry.started == 1 and TURNS.owner is None
    # each run has a result of its own, as from Streamlit's cache
    assert results["first"].tolist() == results["second"].tolist() == [6.0, 6.0]
    assert results["first"] is not results["second"]


def test_a_failing_job_is_computed_in_place_and_raises_the_functions_own_error(threads):
    with TURNS.turn(), pytest.raises(ValueError, match="no square of 2.0 today"):
        squared(2.0, "bad")
    worker, here = computed_by("squared")
    assert worker.startswith("job") and here == threading.current_thread().name
    with TURNS.turn(), pytest.raises(ValueError):  # an error is not cached
        squared(2.0, "bad")


def test_with_the_workers_full_a_miss_is_computed_in_place(threads, monkeypatch):
    monkeypatch.setattr(offload, "QUEUE", 1)  # one job per worker; two workers
    held = []

    def run(x: float) -> None:
        with TURNS.turn():
            held.append(squared(x, "gated"))

    busy = [threading.Thread(target=run, args=(x,)) for x in (7.0, 8.0)]
    for i, th in enumerate(busy):
        th.start()
        wait_until(lambda i=i: len(threads.registry.running()) == i + 1)
    with TURNS.turn():
        assert squared(9.0) == 81.0
    assert computed_by("squared")[-1] == threading.current_thread().name
    GATE.set()
    for th in busy:
        th.join(WAIT)
    assert sorted(held) == [49.0, 64.0]


class BrokenBackend:
    """A backend whose worker process never starts: every job ends with BrokenProcessPool."""

    workers = 1

    def submit(self, job_id, task, payload, registry):
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool

        future = Future()
        future.set_exception(BrokenProcessPool("the worker died"))
        return future

    def forget(self, job_id):
        pass


def test_workers_that_keep_dying_turn_offloading_off_and_each_miss_is_computed_in_place(monkeypatch):
    broken = offload.Offload(BrokenBackend())
    monkeypatch.setattr(offload, "OFFLOAD", broken)
    CALLS.clear()
    squared.clear()
    me = threading.current_thread().name
    with TURNS.turn():
        for i in range(offload.BROKEN_LIMIT):
            assert broken.registry is not None
            assert squared(float(i)) == float(i) ** 2  # computed here after its job failed
        assert broken.registry is None  # no more jobs
        assert squared(10.0) == 100.0
    assert computed_by("squared") == [me] * (offload.BROKEN_LIMIT + 1)


def test_off_computes_everything_in_place(monkeypatch):
    monkeypatch.setattr(offload, "OFFLOAD", offload.Offload(None))
    CALLS.clear()
    squared.clear()
    with TURNS.turn():
        assert squared(1.5) == 2.25
    assert computed_by("squared") == [threading.current_thread().name]


def test_the_setting_says_what_it_received(monkeypatch):
    monkeypatch.setenv(offload.ENV, "gpu")
    with pytest.raises(ValueError, match="BPTT_OFFLOAD must be 'process', 'thread' or 'off'; received 'gpu'"):
        offload.default()
    monkeypatch.setenv(offload.ENV, "off")
    assert offload.default().registry is None


# --- the app's offloaded functions, in a worker process, equal to the last bit ----------------------


@pytest.fixture(scope="module")
def worker():
    off = offload.Offload(jobs.ProcessBackend(1, setup=offload._worker_setup))
    yield off
    off.backend.shutdown()


def test_a_worker_process_computes_the_live_network_and_the_bug_lab_check_bit_for_bit(worker, monkeypatch):
    from ui.bug_lab import calls as lab
    from ui.data import live_network
    from ui.state import DEFAULT

    nets = [
        (replace(DEFAULT, T=30), 40),
        (replace(DEFAULT, activation="relu", w_scale=1.5, T=50), 60),  # its descent stops (overflow)
    ]
    checks = [(replace(DEFAULT, H=8, T=12), 25, "batch_mean"), (replace(DEFAULT, T=30), 40, "prev_state")]
    monkeypatch.setattr(offload, "OFFLOAD", worker)
    live_network.clear()
    lab.lab_check.clear()
    with TURNS.turn():
        sent = [live_network(n, s) for n, s in nets] + [lab.lab_check(*c) for c in checks]
    assert worker.registry.started == len(nets) + len(checks)  # every one of them was a job
    monkeypatch.setattr(offload, "OFFLOAD", offload.Offload(None))
    live_network.clear()
    lab.lab_check.clear()
    here = [live_network(n, s) for n, s in nets] + [lab.lab_check(*c) for c in checks]
    assert sent[1].stop_reason is not None  # the overflow's stop came back as it is computed here
    for a, b in zip(sent, here):
        assert BENCHMARK.canonical(a) == BENCHMARK.canonical(b)


def _worker_cache_budget() -> int | None:
    from streamlit.runtime.caching import global_cache_budget

    return global_cache_budget.get_global_cache_budget().max_bytes


def _starts_nothing(modules: list[str]) -> tuple[list, list[str]]:
    """Import ``modules`` (the Training page's calls among them); the child processes and the warm-up
    threads of ui.jobs this worker then has (none: it starts no processes of its own)."""
    for name in modules:
        importlib.import_module(name)
    return multiprocessing.active_children(), [t.name for t in threading.enumerate() if t.name == "job-warm"]


def _imports_light(modules: list[str]) -> list[str]:
    for name in modules:
        importlib.import_module(name)
    return [m for m in offload.HEAVY_MODULES if m in sys.modules]


def _worker_state() -> tuple:
    # the logger of the warning "No runtime found, using MemoryCacheStorageManager"
    return offload.OFFLOAD.registry, logging.getLogger(
        "streamlit.runtime.caching.cache_data_api"
    ).getEffectiveLevel()


def test_a_worker_bounds_its_caches_in_bytes_and_starts_no_process_of_its_own(worker):
    pool = worker.backend._start()
    assert pool.submit(_worker_cache_budget).result(WAIT) == 16 * 2**20
    assert pool.submit(_starts_nothing, ["ui.training.calls", "ui.data"]).result(WAIT) == ([], [])
    # it offloads nothing itself, and Streamlit's warnings stay out of the server's log
    assert pool.submit(_worker_state).result(WAIT) == (None, logging.ERROR)


def test_the_modules_of_the_offloaded_functions_leave_pandas_and_altair_out_of_the_worker(worker):
    for name in ("bug_lab", "vanishing", "update_rules", "activations", "predict", "gates", "training"):
        importlib.import_module(f"ui.{name}.calls")  # every page's cached calls, marked or not
    modules = sorted({module for module, _ in offload.OFFLOADED if not module.startswith("tests.")})
    assert {"ui.data", "ui.bug_lab.calls", "ui.vanishing.calls", "ui.update_rules.calls"} <= set(modules)
    assert worker.backend._start().submit(_imports_light, modules).result(WAIT) == []


def test_the_offload_benchmark_runs_and_checks_its_two_routes_agree():
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "offload.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ") and "%" in line]
    assert len(rows) == 3, done.stdout  # one per computation, each with the share of CPU saved


def test_a_worker_importing_the_entry_file_as_its_main_draws_no_page_and_starts_no_worker(monkeypatch):
    class Drawn(Exception):
        pass

    started, drawn = [], []

    def navigation(*args, **kwargs):
        drawn.append(True)
        raise Drawn  # as far as this test follows a page

    from ui.training import calls as training

    monkeypatch.setattr(offload.OFFLOAD, "warm", lambda: started.append("offload"))
    monkeypatch.setattr(training, "warm", lambda: started.append("training"))
    monkeypatch.setattr(st, "navigation", navigation)
    entry = ROOT / "streamlit_app.py"
    runpy.run_path(str(entry), run_name="__mp_main__")
    assert started == [] and drawn == []
    with pytest.raises(Drawn):  # run as the script, the same file does both
        runpy.run_path(str(entry), run_name="__main__")
    assert started == ["offload", "training"] and drawn == [True]
