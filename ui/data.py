"""Cached calls into rnn_core shared by the pages: the live network, its sequence, its training.

Everything here is keyed by plain values (a :class:`ui.state.Network` and small ints), cached with
a bounded ``st.cache_data`` so that a whole class hitting the same configuration computes it once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

import rnn_core as rc
from ui.state import MAX_STEPS, Network

CACHE = dict(max_entries=256, show_spinner=False)


@dataclass(frozen=True)
class LiveNetwork:
    """The network after ``steps`` gradient steps on its sequence, with its forward pass."""

    net: Network
    params: rc.RNNParams
    trace: rc.Trace
    losses: np.ndarray  # (steps_done + 1,) the loss L before each step and after the last
    steps_done: int
    stopped: str | None  # why fewer steps than asked were taken, if so


def sequence(net: Network) -> tuple[np.ndarray, np.ndarray]:
    """The one training sequence (B = 1) for ``net``: xs (T, 1, D) and its targets, drawn by seed."""
    rng = np.random.default_rng([net.seed, 1])  # a stream separate from the parameters'
    xs = rng.standard_normal((net.T, 1, net.D))
    if net.loss == "mse":
        return xs, rng.standard_normal((net.T, 1, net.K))
    return xs, rng.integers(0, net.K, size=(net.T, 1))


def initial_params(net: Network) -> rc.RNNParams:
    return rc.RNNParams.init(net.D, net.H, net.K, w_init=net.w_init, w_scale=net.w_scale, seed=net.seed)


CHECKPOINT = 25  # a click on "step" recomputes at most this many steps


@st.cache_data(**CACHE)
def live_network(net: Network, steps: int = 0) -> LiveNetwork:
    """``net`` after ``steps`` full-batch gradient steps θ ← θ − lr·∂L/∂θ (deterministic).

    Built on the cached checkpoint at the last multiple of CHECKPOINT below ``steps``, so taking
    one more step costs at most CHECKPOINT steps, not ``steps``.
    """
    steps = max(0, min(int(steps), MAX_STEPS))
    if steps == 0:
        xs, targets = sequence(net)
        params = initial_params(net)
        trace = rc.forward(params, xs, targets, activation=net.activation, loss=net.loss)
        return LiveNetwork(net, params, trace, np.array([trace.loss]), 0, None)
    base = live_network(net, (steps - 1) // CHECKPOINT * CHECKPOINT)
    return _continue(base, steps - base.steps_done)


def _continue(start: LiveNetwork, n: int) -> LiveNetwork:
    """``start`` after ``n`` more gradient steps, or fewer if one cannot be taken."""
    if start.stopped:
        return start
    net, params, trace = start.net, start.params, start.trace
    xs, targets = trace.xs, trace.targets
    losses = list(start.losses)
    stopped = None
    for _ in range(n):
        grads = rc.bptt(params, trace)
        if not grads.is_finite():
            stopped = "the gradient holds inf or nan, so no step can be taken"
            break
        candidate = params.sgd_step(grads, net.lr)
        if not candidate.is_finite():
            stopped = "the step would leave parameters that overflow float64"
            break
        params = candidate
        trace = rc.forward(params, xs, targets, activation=net.activation, loss=net.loss)
        losses.append(trace.loss)
    return LiveNetwork(net, params, trace, np.array(losses), len(losses) - 1, stopped)
