"""Cached calls into rnn_core shared by the pages: the live network, its sequence, its training.

Everything here is keyed by plain values (a :class:`ui.state.Network` and small ints), cached with
a bounded ``st.cache_data`` so that a whole class hitting the same configuration computes it once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import rnn_core as rc
from ui.cache import cache_data
from ui.notices import stop_reason
from ui.state import MAX_STEPS, Network

CACHE = dict(max_entries=256, show_spinner=False)
CHECKPOINT = 25  # a click on "step" recomputes at most this many steps
# What is worth a worker's time (ui.offload). Sending a call away and storing its result costs the
# server ~2 ms of CPU, and the run, once its result is back, waits for the run holding the turn:
# worth it for a descent of this many recurrence steps or more (steps × T; ~8 ms at the defaults),
# and for a page's section computations on a network of this much work per pass (T·H²: 15–50 ms at
# T = 100, H = 64, 60–400 ms at T = 200, H = 128; below, mostly a few ms, computed in place).
OFFLOAD_STEPS = 500
OFFLOAD_SIZE = 400_000


def long_descent(net: Network, steps: int = 0) -> bool:
    """Whether a miss of :func:`live_network` is sent to a worker process: a long enough descent."""
    return int(steps) * net.T >= OFFLOAD_STEPS


def large(T: int, H: int) -> bool:
    """Whether a section's computation on a network of this T and H is sent to a worker process."""
    return T * H**2 >= OFFLOAD_SIZE


def large_network(net: Network, *_, **__) -> bool:
    """:func:`large` for the sidebar's network, as the ``offload`` of a cached call taking it first."""
    return large(net.T, net.H)


@dataclass(frozen=True)
class LiveNetwork:
    """The network after ``steps_done`` gradient steps on its sequence, with its forward pass."""

    net: Network
    params: rc.RNNParams
    trace: rc.Trace
    losses: np.ndarray  # (steps_done + 1,) the loss L before each step and after the last
    steps_done: int
    stop_reason: str | None  # one of rc.DESCENT_STOPS when fewer steps than asked were taken

    @property
    def stopped(self) -> str | None:
        """Why fewer steps than asked were taken, as a clause for a sentence; None if all were."""
        return None if self.stop_reason is None else stop_reason(self.stop_reason)


def sequence(net: Network) -> tuple[np.ndarray, np.ndarray]:
    """The one training sequence (B = 1) for ``net``: xs (T, 1, D) and its targets, drawn by seed."""
    return rc.random_sequence(net.T, net.D, net.K, loss=net.loss, seed=net.seed)


def initial_params(net: Network) -> rc.RNNParams:
    return rc.RNNParams.init(net.D, net.H, net.K, w_init=net.w_init, w_scale=net.w_scale, seed=net.seed)


@cache_data(offload=long_descent, **CACHE)
def live_network(net: Network, steps: int = 0) -> LiveNetwork:
    """``net`` after ``steps`` full-batch gradient steps θ ← θ − lr·∂L/∂θ (deterministic).

    Built on the cached checkpoint at the last multiple of CHECKPOINT below ``steps``, so taking
    one more step costs at most CHECKPOINT steps, not ``steps``.
    """
    steps = max(0, min(int(steps), MAX_STEPS))
    if steps == 0:
        xs, targets = sequence(net)
        return _descend(net, initial_params(net), xs, targets, 0, np.empty(0))
    base = live_network(net, (steps - 1) // CHECKPOINT * CHECKPOINT)
    if base.stop_reason is not None:
        return base
    earlier = base.losses[:-1]  # the last loss is the first one of the continued descent
    return _descend(net, base.params, base.trace.xs, base.trace.targets, steps - base.steps_done, earlier)


def _descend(net: Network, params, xs, targets, n: int, earlier: np.ndarray) -> LiveNetwork:
    """``params`` after ``n`` more gradient steps on (xs, targets), after the losses ``earlier``."""
    run = rc.descend(params, xs, targets, activation=net.activation, loss=net.loss, lr=net.lr, steps=n)
    losses = np.concatenate([earlier, run.losses])
    return LiveNetwork(net, run.params, run.trace, losses, len(losses) - 1, run.stop_reason)
