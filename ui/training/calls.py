"""A training run: trained by :func:`rnn_core.train` on the sidebar's network, and cached by settings.

The page trains outside ``st.cache_data`` so that it can draw progress while it trains (st calls
made inside a cached function are recorded and replayed on a hit, and a placeholder drawn before
the call cannot be replayed into). So the cache is filled explicitly: :func:`store_run` puts a
finished run in it and :func:`cached_run` reads it, for every session of the server.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import streamlit as st

import rnn_core as rc
from ui.training.settings import RunSettings, task_shape

CACHE = dict(max_entries=64, show_spinner=False)
TAIL_FRACTION = 10  # "final" values are averaged over the last 1/TAIL_FRACTION of the steps


@dataclass(frozen=True, eq=False)
class RunRecord:
    """A finished, stopped or running run: its settings and what :func:`rnn_core.train` returned.

    ``result.history`` holds one entry per step run, keyed by :data:`rnn_core.HISTORY_KEYS`. A run
    still in progress (:func:`partial_record`) has no parameters yet: ``result.params`` is None.
    """

    settings: RunSettings
    result: rc.TrainResult


def initial_params(s: RunSettings) -> rc.RNNParams:
    """The sidebar's network, sized for the task (D and K come from the task)."""
    D, K, _ = task_shape(s.task)
    return rc.RNNParams.init(D, s.H, K, w_init=s.w_init, w_scale=s.w_scale, seed=s.seed)


def train_run(s: RunSettings, callback: Callable[[int, dict], None] | None = None) -> RunRecord:
    """Train the run ``s`` describes; ``callback(step, record)`` sees each step as it finishes."""
    result = rc.train(
        initial_params(s),
        s.task,
        T=s.T,
        activation=s.activation,
        lr=s.lr,
        steps=s.steps,
        batch_size=s.batch_size,
        clip=None if s.clip == "none" else s.clip,
        threshold=s.threshold,
        truncate=s.tau or None,
        seed=s.seed,
        callback=callback,
    )
    return RunRecord(s, result)


def partial_record(s: RunSettings, records: Sequence[dict]) -> RunRecord:
    """A run still in progress, from the per-step records its callback has seen so far: each history
    key as an array of :data:`rnn_core.HISTORY_DTYPES`, the baseline averaged over the batches seen."""
    history = {
        key: np.array([r[key] for r in records], dtype=dtype) for key, dtype in rc.HISTORY_DTYPES.items()
    }
    return RunRecord(s, rc.TrainResult(None, history, float(history["baseline"].mean()), None, None))


class _NotStored(Exception):
    """Raised by :func:`_stored` on a cache miss, so that nothing is cached for that call."""


@st.cache_data(**CACHE)
def _stored(settings: RunSettings, _record: RunRecord | None = None) -> RunRecord:
    # called with a record it stores it; called without, it returns the stored run or raises (an
    # exception is not cached)
    if _record is None:
        raise _NotStored
    return _record


def cached_run(settings: RunSettings) -> RunRecord | None:
    """The finished run with these settings if some session trained it already, else None."""
    try:
        return _stored(settings)
    except _NotStored:
        return None


def store_run(record: RunRecord) -> None:
    """Put a finished run in the cache, keyed by its settings."""
    _stored(record.settings, _record=record)


# --- what a run did --------------------------------------------------------------------------------


def tail_slice(n: int) -> slice:
    """The last 10% of a history of n steps (at least one step): where "final" values are averaged."""
    return slice(n - max(1, n // TAIL_FRACTION), n)


def final_ratio(record: RunRecord) -> float:
    """Final loss / baseline: the mean L/B over the last 10% of steps over the mean baseline there.

    inf for a run that diverged (its loss left float64); nan when the baseline is 0 (with B = 1 a
    constant fits the one sequence of each batch exactly). Below 1: better than the best constant
    guess; near 1: nothing learned.
    """
    result = record.result
    if result.diverged:
        return float("inf")
    tail = tail_slice(result.steps_run)
    baseline = float(np.mean(result.history["baseline"][tail]))
    return float(np.mean(result.history["loss"][tail])) / baseline if baseline > 0 else float("nan")


def median_share(record: RunRecord) -> float:
    """The median over the run of the long-range share of ∂L/∂W (nan where none is a number)."""
    share = record.result.history["long_range_share"]
    share = share[np.isfinite(share)]
    return float(np.median(share)) if share.size else float("nan")


def max_grad_norm(record: RunRecord) -> float:
    """The largest finite gradient norm ‖g‖ of the run (nan when none is finite)."""
    norms = record.result.history["grad_norm"]
    norms = norms[np.isfinite(norms)]
    return float(norms.max()) if norms.size else float("nan")


def max_grad_norm_before_stop(record: RunRecord) -> float:
    """The largest finite ‖g‖ of the steps before a stopped run's last step (nan when there is none)."""
    norms = record.result.history["grad_norm"][: record.result.stop_step]
    norms = norms[np.isfinite(norms)]
    return float(norms.max()) if norms.size else float("nan")
