r"""Training on the toy tasks: minibatch SGD, momentum or Adam, with optional clipping and truncated BPTT.

Each step draws a fresh batch, runs :func:`rnn_core.forward`, takes the gradient by
:func:`rnn_core.bptt` (truncated to τ if asked), clips it if asked, and updates by the optimizer
(:func:`rnn_core.sgd`, :func:`rnn_core.momentum`, :func:`rnn_core.adam`), by default plain
gradient descent

    θ ← θ − lr · g,   g = ∂(L/B)/∂θ

The cell is the parameters' type: RNNParams, LSTMParams or GRUParams train the same way.

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

from ._checks import choice, finite_number, positive_int
from ._numerics import array_norm
from .activations import get_activation
from .batches import step_batches
from .bptt import bptt
from .clipping import clip_by_norm, clip_elementwise, global_norm
from .forward import Trace, check_cell_options, check_params, forward
from .optimizers import OPTIMIZERS, Optimizer, make_optimizer, tree_map
from .params import CellParams
from .spectral import sigma_max
from .tasks import Task

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


@dataclass(frozen=True, eq=False)
class TrainResult:
    """What :func:`train` returns.

    ``params``: the parameters after the last update applied (always finite). ``history``: one
    array per key of :data:`HISTORY_KEYS`, one entry per step run (see :func:`train`).
    ``baseline_loss``: the constant-predictor loss per sequence, averaged over the batches seen.
    ``stop_reason``: None when every step ran, else one of :data:`STOP_REASONS`; ``stop_step``:
    the (0-based) step where the run stopped, the last entry of the history.
    """

    params: CellParams
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


@dataclass(frozen=True)
class _Step:
    """The settings every step of :func:`train` shares."""

    activation: str
    optimizer: Optimizer
    clip: Callable | None  # clip_by_norm, clip_elementwise or None
    threshold: float
    truncate: int | None


def _settings(params, activation, optimizer, lr, clip, threshold, truncate) -> _Step:
    check_params(params)
    params.check_finite("params")
    activation = get_activation(activation).name
    check_cell_options(params, activation, None)
    lr = finite_number("lr", lr, zero_allowed=True)
    choice("optimizer", optimizer, OPTIMIZERS)
    if clip is not None:
        choice("clip", clip, CLIPS)
        threshold = finite_number("threshold", threshold)
    if truncate is not None:
        truncate = positive_int("truncate", truncate)
    clip_fn = {"norm": clip_by_norm, "elementwise": clip_elementwise}.get(clip)
    return _Step(activation, make_optimizer(optimizer, lr), clip_fn, threshold, truncate)


def _check_fits(params: CellParams, batch: Task) -> None:
    if (batch.n_in, batch.n_out) != (params.n_in, params.n_out):
        raise ValueError(
            f"params must have (n_in, n_out) = ({batch.n_in}, {batch.n_out}) for task {batch.name!r}; "
            f"received params with ({params.n_in}, {params.n_out})"
        )


def _record(step: int, trace: Trace, batch: Task, params: CellParams) -> dict:
    """The history entry of one step, with nan for everything the step has not computed yet."""
    nan = float("nan")
    B = batch.batch_size
    return {
        "step": step,
        "loss": trace.loss / B,
        "baseline": batch.baseline_loss / B,
        "grad_norm": nan,
        "grad_norm_clipped": nan,
        "clipped": False,
        "long_range_norm": nan,
        "long_range_share": nan,
        "sigma_max": sigma_max(params.W),
    }


def _per_sequence(grads: CellParams, B: int) -> CellParams:
    """∂(L/B)/∂θ from ∂L/∂θ."""
    factor = 1.0 / B
    return tree_map(lambda g: g * factor, grads)


def _long_range(params: CellParams, trace: Trace, full_W: np.ndarray, B: int) -> tuple[float, float]:
    """‖Σ_{d ≥ ⌊T/2⌋} G_d‖_F of ∂(L/B)/∂W (the full gradient minus the one truncated to ⌊T/2⌋), and
    its ratio to ‖∂(L/B)/∂W‖_F (0 when that is 0)."""
    half = trace.T // 2
    short_W = _per_sequence(bptt(params, trace, truncate=half), B).W if half > 0 else 0.0
    long_norm = array_norm(full_W - short_W)
    full_W_norm = array_norm(full_W)
    return long_norm, long_norm / full_W_norm if full_W_norm > 0 else 0.0


def _update(state, step: int, batch: Task, record: dict, trace: Trace, settings: _Step):
    """One step from the optimizer state ``state``: the gradient of L/B (truncated if asked), clipped
    if asked, and the optimizer's update. Fills in ``record``; returns (the new state, None) or
    (None, why not)."""
    params, B = state.params, batch.batch_size
    with np.errstate(all="ignore"):  # exploding values are reported in the record, not warned about
        if not np.isfinite(record["loss"]):
            return None, "non-finite loss"
        full = _per_sequence(bptt(params, trace), B)
        record["long_range_norm"], record["long_range_share"] = _long_range(params, trace, full.W, B)
        if settings.truncate is None or settings.truncate >= batch.T:
            used = full
        else:
            used = _per_sequence(bptt(params, trace, truncate=settings.truncate), B)
        record["grad_norm"] = global_norm(used)
        if not np.isfinite(record["grad_norm"]):
            return None, "non-finite gradient"
        if settings.clip is not None:
            used, info = settings.clip(used, settings.threshold)
            record["grad_norm_clipped"], record["clipped"] = info.norm_after, info.clipped
        else:
            record["grad_norm_clipped"] = record["grad_norm"]
        new_params, new_state = settings.optimizer.update(state, used, step)
    if not new_params.is_finite():
        return None, "non-finite parameters"
    return new_state, None


def _history(records: list[dict]) -> dict[str, np.ndarray]:
    return {key: np.array([r[key] for r in records], dtype=dtype) for key, dtype in HISTORY_DTYPES.items()}


def train(
    params: CellParams,
    task,
    *,
    T: int | None = None,
    activation: str = "tanh",
    optimizer: str = "sgd",
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
    r"""Minibatch training, $\theta \leftarrow \mathrm{update}(\theta, \mathrm{clip}(\partial (L/B)/\partial\theta))$, on a toy task.

    ``task``: a name in :data:`rnn_core.TASKS` or a generator ``(T, batch_size, *, seed) -> Task``,
    drawing a fresh batch of ``batch_size`` (default 32) sequences of length ``T`` each step from
    :func:`rnn_core.step_seed` (``seed``, step), so a run is reproducible by ``seed``
    (:func:`rnn_core.batch_at` returns the batch of any step); ``task_options`` are extra keyword
    arguments for the generator (e.g. ``{"n_symbols": 8}``). Or a fixed :class:`Task`: the same batch every
    step (gradient descent on one batch); then ``T`` and ``batch_size`` must be None or match it.
    ``params`` (RNNParams, LSTMParams or GRUParams: the cell trained is the params' type, and
    ``activation`` must be "tanh" for a gated cell) must fit the task: n_in = D, n_out = K.

    ``optimizer``: "sgd" (θ ← θ − lr·g, :func:`rnn_core.sgd`), "momentum" (:func:`rnn_core.momentum`,
    β = 0.9) or "adam" (:func:`rnn_core.adam`, b1 = 0.9, b2 = 0.999, ε = 1e-8), each with ``lr``,
    its moments starting at 0 at step 0. The gradient is clipped first, and the optimizer updates
    its moments from the clipped gradient (as PyTorch's clip_grad_norm_ before optimizer.step()).

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
    opposite directions); ``sigma_max`` σ_max(W) of the parameters the step started from. For a
    gated cell W is the candidate's (the one in tanh(b + U x⁽ᵗ⁾ + W h⁽ᵗ⁻¹⁾)), for the long-range
    part and for σ_max alike; the gates' W^f, W^g, W^q (LSTM) or W^u, W^r (GRU) are not included.

    Exploding runs stop without an exception or a numpy warning: when the loss, the gradient used
    or the updated parameters are not finite, the run stops at that step (``stop_reason``,
    ``stop_step``); that step's record is kept with its inf/nan (nan where nothing was computed),
    and ``params`` are the last finite ones.
    """
    settings = _settings(params, activation, optimizer, lr, clip, threshold, truncate)
    steps = positive_int("steps", steps, minimum=0)
    seed = positive_int("seed", seed, minimum=0)
    if callback is not None and not callable(callback):
        raise ValueError(f"callback must be callable(step, record) or None; received {callback!r}")
    draw = step_batches(task, T, batch_size, seed, task_options)

    state = settings.optimizer.init(params)
    records: list[dict] = []
    stop_reason = stop_step = None
    for step in range(steps):
        batch = draw(step)
        if step == 0:
            _check_fits(params, batch)
        trace = forward(
            params, batch.xs, batch.targets, activation=settings.activation, loss=batch.loss, mask=batch.mask
        )
        record = _record(step, trace, batch, params)
        new_state, stop_reason = _update(state, step, batch, record, trace, settings)
        records.append(record)
        if stop_reason is None:
            state, params = new_state, new_state.params
        go_on = callback(step, dict(record)) if callback is not None else None
        if stop_reason is None and go_on is False:
            stop_reason = "callback"
        if stop_reason is not None:
            stop_step = step
            break

    history = _history(records)
    baseline = float(history["baseline"].mean()) if records else float("nan")
    return TrainResult(params, history, baseline, stop_reason, stop_step)
