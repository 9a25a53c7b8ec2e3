"""A training run: trained by :func:`rnn_core.train` on the sidebar's network, and cached by settings.

The page trains outside ``st.cache_data`` so that it can draw progress while it trains (st calls
made inside a cached function are recorded and replayed on a hit, and a placeholder drawn before
the call cannot be replayed into). So the cache is filled explicitly: :func:`store_run` puts a
finished run in it and :func:`cached_run` reads it, for every session of the server.

While a run trains it is a job of :data:`JOBS` (:mod:`ui.jobs`), in a worker process: every
session asking for the same settings meanwhile follows that one job (:func:`training_job`) instead
of training the run again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import streamlit as st

import rnn_core as rc
from ui import jobs
from ui.training import task
from ui.training.settings import FORGET_BIAS, RunSettings, task_shape

CACHE = dict(max_entries=64, show_spinner=False)


@dataclass(frozen=True, eq=False)
class RunRecord:
    """A finished, stopped or running run: its settings and what :func:`rnn_core.train` returned.

    ``result.history`` holds one entry per step run, keyed by :data:`rnn_core.HISTORY_KEYS`. A run
    still in progress (:func:`partial_record`) has no parameters yet: ``result.params`` is None.
    """

    settings: RunSettings
    result: rc.TrainResult


def initial_params(s: RunSettings) -> rc.RNNParams | rc.LSTMParams | rc.GRUParams:
    """The sidebar's network as the run's cell, sized for the task (D and K come from the task).

    Every cell is drawn by its own ``init`` from the run's seed, with the sidebar's W init and
    σ_max(W) for each recurrent matrix (the LSTM's forget gate bias at :data:`FORGET_BIAS`).
    """
    D, K, _ = task_shape(s.task)
    init = dict(w_init=s.w_init, w_scale=s.w_scale, seed=s.seed)
    if s.cell == "lstm":
        return rc.LSTMParams.init(D, s.H, K, forget_bias=FORGET_BIAS, **init)
    if s.cell == "gru":
        return rc.GRUParams.init(D, s.H, K, **init)
    return rc.RNNParams.init(D, s.H, K, **init)


def train_options(s: RunSettings) -> dict:
    """The keyword arguments of :func:`rnn_core.train` for the run ``s``, but the callback."""
    return dict(
        task=s.task,
        T=s.T,
        activation=s.activation,
        optimizer=s.optimizer,
        lr=s.lr,
        steps=s.steps,
        batch_size=s.batch_size,
        clip=None if s.clip == "none" else s.clip,
        threshold=s.threshold,
        truncate=s.tau or None,
        seed=s.seed,
    )


def train_run(s: RunSettings, callback: Callable[[int, dict], None] | None = None) -> RunRecord:
    """Train the run ``s`` describes; ``callback(step, record)`` sees each step as it finishes."""
    return RunRecord(s, rc.train(initial_params(s), **train_options(s), callback=callback))


def partial_record(s: RunSettings, records: Sequence[dict]) -> RunRecord:
    """A run still in progress, from the per-step records its callback has seen so far: each history
    key as an array of :data:`rnn_core.HISTORY_DTYPES`, the baseline averaged over the batches seen."""
    history = {
        key: np.array([r[key] for r in records], dtype=dtype) for key, dtype in rc.HISTORY_DTYPES.items()
    }
    return RunRecord(s, rc.TrainResult(None, history, float(history["baseline"].mean()), None, None))


class _NotStored(Exception):
    """Raised by :func:`_stored` on a cache miss, so that nothing is cached for that call."""


@st.cache_resource(max_entries=CACHE["max_entries"], show_spinner=False)
def _stored(settings: RunSettings, _record: RunRecord | None = None) -> RunRecord:
    # called with a record it stores it; called without, it returns the stored run or raises (an
    # exception is not cached). One object for every session (st.cache_resource: not a copy per
    # hit), so the charts of a run are built once for all of them (sections.shared_chart_set); its
    # arrays are read-only (store_run), so no session can change what the others see.
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
    """Put a finished run in the cache, keyed by its settings, its history made read-only (the
    parameters are already)."""
    for values in record.result.history.values():
        values.setflags(write=False)
    _stored(record.settings, _record=record)


# --- a run trained by a job that every session asking for it shares ----------------------------------

JOBS = jobs.Registry(
    jobs.default_backend("BPTT_TRAIN_BACKEND", "BPTT_TRAIN_WORKERS"),
    lookup=cached_run,
    store=lambda settings, result: store_run(RunRecord(settings, result)),
    name="training job",  # the job log's lines that benchmarks/loadtest.py counts
)


def warm() -> None:
    """Start the Training page's worker now (once), while the first visitor reads a page, not when
    they press Train. Called by the entry file, not on import: a process importing this module
    (an offload worker) starts no processes of its own."""
    JOBS.backend.warm()


def training_job(s: RunSettings) -> jobs.Job | None:
    """The job training ``s`` (the one running, else one started now); None when the run is in the
    cache already. Give it back with :func:`release_job` when done with it."""
    return JOBS.attach(s, task.train, lambda: (initial_params(s), train_options(s)))


def job_record(job: jobs.Job) -> RunRecord:
    """The ended job's run (now in the cache); raises the job's error (a ValueError from rnn_core)."""
    return RunRecord(job.key, JOBS.result(job))


def release_job(job: jobs.Job) -> None:
    """This session stops following ``job`` (the last one to leave a running job cancels it)."""
    JOBS.release(job)


# --- what a run did --------------------------------------------------------------------------------


def reference_loss(s: RunSettings) -> float | None:
    """The loss per sequence reachable without the distant input (the adding problem's half-information
    loss), or None when the task has none beyond the baseline."""
    return rc.TASKS[s.task].reference_loss


def learning(record: RunRecord) -> rc.LearningVerdict:
    """What the run's losses show: :func:`rnn_core.learning_verdict` against its baselines and reference."""
    result = record.result
    return rc.learning_verdict(
        result.history,
        result.history["baseline"],
        reference_loss(record.settings),
        stop_reason=result.stop_reason,
    )


def final_ratio(record: RunRecord) -> float:
    """Final loss / baseline of the verdict: over the last 10% of the steps, inf for a diverged run, nan
    without a baseline (B = 1: a constant fits the one sequence of each batch exactly)."""
    return learning(record).final_ratio


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
