"""ui.data.live_network: the sidebar's network after its training steps, built from checkpoints and
with its long descents in a worker process, is rnn_core.descend from the start bit for bit; a worker
that cannot start or dies leaves the descent to the server."""

import os
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import pytest

import rnn_core as rc
from ui import data, memory
from ui.state import Network
from ui.training import jobs

FIELDS = ("U", "W", "V", "b", "c")


def one_descent(net: Network, steps: int) -> rc.Descent:
    """The reference: one rc.descend from the initial parameters, no checkpoints, no worker."""
    xs, targets = data.sequence(net)
    return rc.descend(
        data.initial_params(net),
        xs,
        targets,
        activation=net.activation,
        loss=net.loss,
        lr=net.lr,
        steps=steps,
    )


def assert_same(live: data.LiveNetwork, want: rc.Descent) -> None:
    np.testing.assert_array_equal(live.losses, want.losses)  # nan where the reference has nan
    for k in FIELDS:
        np.testing.assert_array_equal(getattr(live.params, k), getattr(want.params, k))
    np.testing.assert_array_equal(live.trace.h, want.trace.h)
    assert live.stop_reason == want.stop_reason and live.steps_done == want.steps_taken


@pytest.fixture(autouse=True)
def fresh_cache():
    data.live_network.clear()
    yield
    data.live_network.clear()


# T = 20: every checkpoint's 25 steps stay below WORKER_STEP_TIMES_T (500 < 1 000), so the server
# computes them; T = 60 and 100: each checkpoint goes to the worker
NETS = [
    Network(T=20),
    Network(T=60, activation="sigmoid", H=24),
    Network(T=100, activation="relu", w_scale=3.0, lr=1.0),  # blows up within the first checkpoint
]


@pytest.mark.parametrize("net", NETS, ids=["server", "worker", "worker-overflow"])
@pytest.mark.parametrize("steps", [0, 1, 25, 26, 77])
def test_live_network_is_one_descent_from_the_start_bit_for_bit(net, steps):
    started = data.DESCENTS.started
    live = data.live_network(net, steps)
    assert_same(live, one_descent(net, steps))
    # where it ran: a chunk of n steps goes to the worker when n·T reaches the bound
    to_worker = steps > 0 and min(steps, data.CHECKPOINT) * net.T >= data.WORKER_STEP_TIMES_T
    assert (data.DESCENTS.started > started) == to_worker


def test_the_worker_bound_is_what_the_comment_says():
    # one checkpoint's 25 steps go to the worker from T = 40 on
    assert data.CHECKPOINT * 39 < data.WORKER_STEP_TIMES_T <= data.CHECKPOINT * 40


class _Broken:
    """A backend whose worker died before it could compute: every job fails with BrokenProcessPool."""

    def submit(self, job_id, task, payload, registry):
        future = Future()
        future.set_exception(BrokenProcessPool("the worker died"))
        return future

    def cancel(self, job_id):
        pass

    def forget(self, job_id):
        pass


class _Unstartable(_Broken):
    """A backend that cannot start a worker at all."""

    def submit(self, job_id, task, payload, registry):
        raise OSError("no more processes")


@pytest.mark.parametrize("backend", [_Broken(), _Unstartable()], ids=["died", "cannot-start"])
def test_a_worker_that_fails_leaves_the_descent_to_the_server(monkeypatch, backend):
    net = Network(T=60)
    monkeypatch.setattr(data.DESCENTS, "backend", backend)
    started = data.DESCENTS.started
    live = data.live_network(net, 30)
    assert data.DESCENTS.started > started  # it was asked, and failed
    assert_same(live, one_descent(net, 30))
    assert data.DESCENTS.running() == []  # the failed jobs left the registry: the next ask retries


def test_the_descents_log_as_descent_jobs_not_as_training_runs(monkeypatch, capsys):
    # the benchmarks count the Train button's runs by their "training job" lines ($BPTT_JOB_LOG)
    monkeypatch.setenv("BPTT_JOB_LOG", "1")
    data.live_network(Network(T=60), 25)
    lines = capsys.readouterr().err.splitlines()
    assert any(ln.startswith("descent job start ") for ln in lines)
    assert any(ln.startswith("descent job end ") for ln in lines)
    assert not any(ln.startswith("training job") for ln in lines)


def test_the_descents_worker_runs_at_a_lower_priority_than_the_server():
    assert data.DESCENT_NICE > 0 and data.DESCENTS.backend.nice == data.DESCENT_NICE
    backend = jobs.ProcessBackend(workers=1, nice=data.DESCENT_NICE)  # what the default backend starts
    try:
        niceness = backend._start().submit(os.nice, 0).result(timeout=60)
    finally:
        backend.shutdown()
    assert niceness == min(19, os.nice(0) + data.DESCENT_NICE)


def test_a_worker_bounds_its_malloc_as_the_server_does():
    backend = jobs.ProcessBackend(workers=1)
    try:
        assert (
            backend._start()
            .submit(
                memory.active,
            )
            .result(timeout=60)
            == memory.bound()
        )
    finally:
        backend.shutdown()
