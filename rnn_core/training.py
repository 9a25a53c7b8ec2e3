r"""Training on the toy tasks: plain minibatch SGD with optional clipping and truncated BPTT.

Each step draws a fresh batch, runs :func:`rnn_core.forward`, takes the gradient by
:func:`rnn_core.bptt` (truncated to τ if asked), clips it if asked, and updates

    θ ← θ − lr · g,   g = ∂(L/B)/∂θ

The objective is the loss per sequence, L/B (L is summed over the batch as everywhere in
rnn_core), so ``lr`` and the clipping ``threshold`` mean the same for every batch size, and the
recorded losses of runs with different B compare. With B = 1 this is the update rule of
DESIGN §2, θ ← θ − lr · ∂L/∂θ.

Each step also records how much of ∂(L/B)/∂W crosses long temporal distances: the terms with
d = s − k ≥ ⌊T/2⌋. Since BPTT truncated to τ keeps exactly the terms with d < τ, that part is the
full gradient minus the gradient truncated to ⌊T/2⌋ (equal to the sum of
:func:`rnn_core.distance_terms` over d ≥ ⌊T/2⌋, at a fraction of its cost).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from ._checks import choice, positive_int
from .activations import get_activation
from .bptt import bptt
from .clipping import array_norm, check_threshold, clip_by_norm, clip_elementwise, global_norm
from .forward import forward
from .params import RNNParams
from .tasks import TASKS, Task

CLIPS = ("norm", "elementwise")
DIVERGED = ("non-finite loss", "non-finite gradient", "non-finite parameters")
STOP_REASONS = ("callback",) + DIVERGED
HISTORY_DTYPES = {
    "step": np.int64,
    "loss": float,
    "baseline": float,
    "grad_norm": float,
    "grad_norm_clipped": float,
    "clipped": bool,
    "long_range_norm": float,
    "long_range_share": float,
    "sigma_max": float,
}
HISTORY_KEYS = tuple(HISTORY_DTYPES)
DEFAULT_BATCH_SIZE = 32


@dataclass(frozen=True, eq=False)
class TrainResult:
    """What :func:`train` returns.

    ``params``: the parameters after the last update applied (always finite). ``history``: one
    array per key of :data:`HISTORY_KEYS`, one entry per step run (see :func:`train`).
    ``baseline_loss``: the constant-predictor loss per sequence, averaged over the batches seen.
    ``stop_reason``: None when every step ran, else one of :data:`STOP_REASONS`; ``stop_step``:
    the (0-based) step where the run stopped, the last entry of the history.
    """

    params: RNNParams
    history: dict[str, np.ndarray]
    baseline_loss: float
    stop_reason: str | None
    stop_step: int | None

    @property
    def diverged(self) -> bool:
        """True when the run stopped because a loss, gradient or parameter became inf or nan."""
        return self.stop_reason in DIVERGED

    @property
    def steps_run(self) -> int:
        """The number of entries in the history (updates applied, plus a failed last step if any)."""
        return len(self.history["step"])


def _generator(task, T, options: Mapping | None):
    """``task`` (a TASKS name or a generator) as a function (batch_size, rng) → Task."""
    if isinstance(task, str):
        choice("task", task, TASKS)
        generate = TASKS[task].generate
    elif callable(task):
        generate = task
    else:
        raise ValueError(
            f"task must be a name in {sorted(TASKS)}, a generator (T, batch_size, *, seed) -> Task, "
            f"or a Task; received {type(task).__name__}"
        )
    if T is None:
        raise ValueError("T must be given (an integer ≥ 1) when task is a name or a generator; received None")
    T = positive_int("T", T)
    if options is not None and not isinstance(options, Mapping):
        raise ValueError(f"task_options must be a mapping of keyword arguments; received {options!r}")
    options = dict(options or {})

    def draw(batch_size: int, rng: np.random.Generator) -> Task:
        batch = generate(T, batch_size, seed=rng, **options)
        if not isinstance(batch, Task):
            raise ValueError(f"task generator must return a Task; received {type(batch).__name__}")
        return batch

    return draw


def step_seed(seed: int, step: int) -> np.random.Generator:
    """The random generator of step ``step``'s batch: independent streams per step, reproducible by ``seed``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(step,)))


def batch_at(
    task,
    step: int,
    *,
    T: int | None = None,
    batch_size: int | None = None,
    seed: int = 0,
    task_options: Mapping | None = None,
) -> Task:
    """The batch that :func:`train` uses at ``step`` (0-based) with the same arguments.

    ``task`` a name in :data:`rnn_core.TASKS` or a generator ``(T, batch_size, *, seed) -> Task``
    (with ``T``, ``batch_size`` (default 32), ``task_options`` its keyword arguments), or a fixed
    :class:`Task`, returned as is.
    """
    if isinstance(task, Task):
        return task
    step = positive_int("step", step, minimum=0)
    seed = positive_int("seed", seed, minimum=0)
    B = DEFAULT_BATCH_SIZE if batch_size is None else positive_int("batch_size", batch_size)
    return _generator(task, T, task_options)(B, step_seed(seed, step))


def _scaled(grads: RNNParams, factor: float) -> RNNParams:
    return RNNParams(**{k: v * factor for k, v in grads.arrays().items()})


def train(
    params: RNNParams,
    task,
    *,
    T: int | None = None,
    activation: str = "tanh",
    lr: float = 0.1,
    steps: int = 300,
    batch_size: int | None = None,
    clip: str | None = None,
    threshold: float = 1.0,
    truncate: int | None = None,
    seed: int = 0,
    task_options: Mapping | None = None,
    callback: Callable[[int, dict], bool | None] | None = None,
) -> TrainResult:
    r"""Minibatch SGD, $\theta \leftarrow \theta - \mathrm{lr}\cdot \mathrm{clip}(\partial (L/B)/\partial\theta)$, on a toy task.

    ``task``: a name in :data:`rnn_core.TASKS` or a generator ``(T, batch_size, *, seed) -> Task``,
    drawing a fresh batch of ``batch_size`` (default 32) sequences of length ``T`` each step from
    :func:`step_seed` (``seed``, step), so a run is reproducible by ``seed``
    (:func:`batch_at` returns the batch of any step); ``task_options`` are extra keyword arguments
    for the generator (e.g. ``{"n_symbols": 8}``). Or a fixed :class:`Task`: the same batch every
    step (gradient descent on one batch); then ``T`` and ``batch_size`` must be None or match it.
    ``params`` must fit the task: n_in = D, n_out = K.

    ``clip``: None, "norm" (:func:`rnn_core.clip_by_norm`) or "elementwise"
    (:func:`rnn_core.clip_elementwise`) with ``threshold``. ``truncate`` = τ: the gradient is
    ``bptt(truncate=τ)`` (paths with s − k < τ only). ``callback(step, record)`` runs after each
    step with that step's record (a dict of the history keys); returning False stops the run.

    History (arrays, one entry per step, 0-based ``step``): ``loss`` L/B and ``baseline`` the
    constant-predictor loss / B on that step's batch, before the update; ``grad_norm`` the global
    norm of the gradient used (truncated if asked) before clipping and ``grad_norm_clipped`` after;
    ``clipped``; ``long_range_norm`` ‖Σ_{d ≥ ⌊T/2⌋} G_d‖_F, the part of the full (untruncated)
    ∂(L/B)/∂W carried across distances d = s − k ≥ ⌊T/2⌋, and ``long_range_share`` its ratio to
    ‖∂(L/B)/∂W‖_F (0 when that is 0; it can exceed 1 when the short- and long-range parts point in
    opposite directions); ``sigma_max`` σ_max(W) of the parameters the step started from.

    Exploding runs stop without an exception or a numpy warning: when the loss, the gradient used
    or the updated parameters are not finite, the run stops at that step (``stop_reason``,
    ``stop_step``); that step's record is kept with its inf/nan (nan where nothing was computed),
    and ``params`` are the last finite ones.
    """
    if not isinstance(params, RNNParams):
        raise ValueError(f"params must be RNNParams; received {type(params).__name__}")
    params.check_finite("params")
    act = get_activation(activation).name
    if (
        isinstance(lr, bool)
        or not isinstance(lr, (int, float, np.integer, np.floating))
        or not (np.isfinite(lr) and lr >= 0)
    ):
        raise ValueError(f"lr must be a finite number ≥ 0; received {lr!r}")
    steps = positive_int("steps", steps, minimum=0)
    seed = positive_int("seed", seed, minimum=0)
    if clip is not None:
        choice("clip", clip, CLIPS)
        threshold = check_threshold(threshold)
    if truncate is not None:
        truncate = positive_int("truncate", truncate)
    if callback is not None and not callable(callback):
        raise ValueError(f"callback must be callable(step, record) or None; received {callback!r}")

    if isinstance(task, Task):
        for name, given, actual in (("T", T, task.T), ("batch_size", batch_size, task.batch_size)):
            if given is not None and given != actual:
                raise ValueError(f"{name} must be None or {actual} (the fixed Task's); received {given!r}")
        fixed = task

        def draw(step: int) -> Task:
            return fixed
    else:
        B = DEFAULT_BATCH_SIZE if batch_size is None else positive_int("batch_size", batch_size)
        generate = _generator(task, T, task_options)

        def draw(step: int) -> Task:
            return generate(B, step_seed(seed, step))

    clip_fn = {"norm": clip_by_norm, "elementwise": clip_elementwise}.get(clip)
    records: list[dict] = []
    stop_reason = stop_step = None
    for step in range(steps):
        batch = draw(step)
        if step == 0 and (batch.n_in, batch.n_out) != (params.n_in, params.n_out):
            raise ValueError(
                f"params must have (n_in, n_out) = ({batch.n_in}, {batch.n_out}) for task {batch.name!r}; "
                f"received params with ({params.n_in}, {params.n_out})"
            )
        B, T_batch = batch.batch_size, batch.T
        trace = forward(params, batch.xs, batch.targets, activation=act, loss=batch.loss, mask=batch.mask)
        nan = float("nan")
        record = {
            "step": step,
            "loss": trace.loss / B,
            "baseline": batch.baseline_loss / B,
            "grad_norm": nan,
            "grad_norm_clipped": nan,
            "clipped": False,
            "long_range_norm": nan,
            "long_range_share": nan,
            "sigma_max": float(np.linalg.norm(params.W, 2)),
        }
        new_params = None
        with np.errstate(all="ignore"):  # exploding values are reported in the record, not warned about
            if not np.isfinite(record["loss"]):
                stop_reason = "non-finite loss"
            else:
                full = _scaled(bptt(params, trace), 1.0 / B)
                half = T_batch // 2
                short_W = _scaled(bptt(params, trace, truncate=half), 1.0 / B).W if half > 0 else 0.0
                long_norm = array_norm(full.W - short_W)
                full_W_norm = array_norm(full.W)
                record["long_range_norm"] = long_norm
                record["long_range_share"] = long_norm / full_W_norm if full_W_norm > 0 else 0.0
                if truncate is None or truncate >= T_batch:
                    used = full
                else:
                    used = _scaled(bptt(params, trace, truncate=truncate), 1.0 / B)
                record["grad_norm"] = global_norm(used)
                if not np.isfinite(record["grad_norm"]):
                    stop_reason = "non-finite gradient"
                else:
                    if clip_fn is not None:
                        used, info = clip_fn(used, threshold)
                        record["grad_norm_clipped"], record["clipped"] = info.norm_after, info.clipped
                    else:
                        record["grad_norm_clipped"] = record["grad_norm"]
                    new_params = params.sgd_step(used, lr)
                    if not new_params.is_finite():
                        stop_reason = "non-finite parameters"
        records.append(record)
        if stop_reason is None:
            params = new_params
        go_on = callback(step, dict(record)) if callback is not None else None
        if stop_reason is None and go_on is False:
            stop_reason = "callback"
        if stop_reason is not None:
            stop_step = step
            break

    history = {key: np.array([r[key] for r in records], dtype=dtype) for key, dtype in HISTORY_DTYPES.items()}
    baseline = float(history["baseline"].mean()) if records else float("nan")
    return TrainResult(params, history, baseline, stop_reason, stop_step)
