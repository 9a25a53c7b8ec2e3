r"""Did a training run learn? The verdict on a history of losses, against the baseline and a reference.

The loss of a run is judged by its ratio to the baseline (the best constant predictor's loss on
the same batches), over a trailing window of the last 1/:data:`TAIL_FRACTION` of the steps:

    r = Σ_window L/B ÷ Σ_window baseline

Below the baseline alone is not proof that the distant input was used when a predictor without
it already beats the constant: on the adding problem the second marked value alone gives
r ≈ 0.5 (:func:`rnn_core.half_information_loss`). So a ``reference`` loss, when the task has one,
must be beaten too before a run counts as having learned the task.

Kinds (:data:`LEARNING_KINDS`):

- ``"learned"``: r < :data:`SOLVED_LEVEL` and, with a reference, the window's mean loss is below
  :data:`REFERENCE_LEVEL` × reference;
- ``"partly"``: r < :data:`BASELINE_LEVEL` but not learned (above the solved level, or not below
  the reference: then the part reachable without the distant input may be all it found);
- ``"not learned"``: r ≥ :data:`BASELINE_LEVEL`, on the baseline;
- ``"diverged"``: a loss or gradient norm became inf or nan (or the run stopped for that reason);
- ``"no baseline"``: the baseline is 0 in the final window (B = 1: a constant fits one sequence);
- ``"no steps"``: an empty history.

"Below a level" is strict: a ratio exactly at a level is not below it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .tasks import dependency_lags
from .training import DIVERGED

LEARNING_KINDS = ("learned", "partly", "not learned", "diverged", "no baseline", "no steps")
TAIL_FRACTION = 10  # the final window: the last 1/10 of the steps (at least one)
BASELINE_LEVEL = 0.9  # below the baseline: r < 0.9, a margin over the noise of a fitted baseline
REFERENCE_LEVEL = 0.9  # below the reference: mean loss < 0.9 × reference
SOLVED_LEVEL = 0.1  # learned: r < 0.1, nine tenths of the constant predictor's loss removed
LEVELS = ("baseline", "reference", "solved")


@dataclass(frozen=True, eq=False)
class LearningVerdict:
    """What a run's losses show, and the numbers that decide it.

    ``final_ratio``: r over the final window (inf for a diverged run, nan without a baseline or
    steps). ``reference_ratio``: the reference over the final window's mean baseline (nan without
    a reference), the ratio a predictor without the distant input reaches. ``below_reference``:
    the final window's mean loss < REFERENCE_LEVEL × reference (None without a reference).
    ``window``: the number of steps averaged. ``levels``: the ratio each name of :data:`LEVELS`
    stands for (reference: REFERENCE_LEVEL × reference over the final window's mean baseline).
    ``first_below``: for each level name, the 0-based step that ends the first trailing window
    whose value is below the level (None: never; the reference compares the window's mean loss
    with REFERENCE_LEVEL × reference). ``steps``: the number of steps in the history.
    """

    kind: str
    final_ratio: float
    reference_ratio: float
    below_reference: bool | None
    window: int
    levels: Mapping[str, float]
    first_below: Mapping[str, int | None]
    steps: int
    reference: float | None


def tail_window(n: int) -> int:
    """The length of the final window of a history of n ≥ 1 steps: max(1, n // TAIL_FRACTION)."""
    return max(1, n // TAIL_FRACTION)


def _window_sums(values: np.ndarray, w: int) -> np.ndarray:
    """Entry i: the sum of values[i .. i + w − 1] (inf and nan stay in their own windows)."""
    return np.lib.stride_tricks.sliding_window_view(values, w).sum(axis=1)


def _first(below: np.ndarray, w: int) -> int | None:
    hits = np.flatnonzero(below)
    return int(hits[0]) + w - 1 if hits.size else None


def learning_verdict(
    history: Mapping[str, np.ndarray],
    baseline,
    reference: float | None = None,
    *,
    stop_reason: str | None = None,
) -> LearningVerdict:
    r"""The verdict on a run's losses, $r = \sum_{\mathrm{window}} L/B \,/ \sum_{\mathrm{window}} \mathrm{baseline}$.

    ``history``: a mapping with ``loss`` (n,), the loss per sequence of each step, and optionally
    ``grad_norm`` (n,) (a non-finite one means the run diverged), as :func:`rnn_core.train`
    records them. ``baseline``: the constant predictor's loss per sequence, a float or an (n,)
    array (one per step's batch). ``reference``: the loss per sequence of the best predictor
    without the distant input, or None. ``stop_reason``: a :attr:`TrainResult.stop_reason`; one of
    :data:`rnn_core.DIVERGED` makes the verdict "diverged" whatever the history holds.
    """
    if "loss" not in history:
        raise ValueError(f"history must have a 'loss' entry; received keys {sorted(history)}")
    loss = np.asarray(history["loss"], dtype=np.float64)
    if loss.ndim != 1:
        raise ValueError(f"history['loss'] must have shape (n,); received shape {loss.shape}")
    n = loss.size
    if np.ndim(baseline) != 0 and np.shape(baseline) != loss.shape:
        raise ValueError(
            f"baseline must be a float or have shape {loss.shape}; received shape {np.shape(baseline)}"
        )
    base = np.broadcast_to(np.asarray(baseline, dtype=np.float64), loss.shape)
    if reference is not None and not (np.isfinite(reference) and reference >= 0):
        raise ValueError(f"reference must be a finite loss ≥ 0 or None; received {reference!r}")
    nan = float("nan")
    if n == 0:
        return LearningVerdict("no steps", nan, nan, None, 0, {}, dict.fromkeys(LEVELS), 0, reference)

    w = tail_window(n)
    with np.errstate(all="ignore"):  # inf − inf in a diverged window is nan: not below any level
        loss_sums, base_sums = _window_sums(loss, w), _window_sums(base, w)
        ratios = np.where(base_sums > 0, loss_sums / np.where(base_sums > 0, base_sums, 1.0), nan)
    final_base = float(base_sums[-1]) / w
    reference_ratio = reference / final_base if reference is not None and final_base > 0 else nan
    levels = {
        "baseline": BASELINE_LEVEL,
        "reference": REFERENCE_LEVEL * reference_ratio,
        "solved": SOLVED_LEVEL,
    }
    first_below = {
        "baseline": _first(ratios < BASELINE_LEVEL, w),
        "reference": None if reference is None else _first(loss_sums / w < REFERENCE_LEVEL * reference, w),
        "solved": _first(ratios < SOLVED_LEVEL, w),
    }
    grad_norm = np.asarray(history.get("grad_norm", np.zeros(n)), dtype=np.float64)
    diverged = stop_reason in DIVERGED or not (np.isfinite(loss).all() and np.isfinite(grad_norm).all())
    final_loss = float(loss_sums[-1]) / w
    below_reference = None if reference is None else bool(final_loss < REFERENCE_LEVEL * reference)
    if diverged:
        kind, final_ratio = "diverged", float("inf")
    elif not final_base > 0:
        kind, final_ratio = "no baseline", nan
    else:
        final_ratio = float(ratios[-1])
        if final_ratio >= BASELINE_LEVEL:
            kind = "not learned"
        elif final_ratio < SOLVED_LEVEL and below_reference is not False:
            kind = "learned"
        else:
            kind = "partly"
    return LearningVerdict(
        kind, final_ratio, reference_ratio, below_reference, w, levels, first_below, n, reference
    )


def truncation_keeps_long_range(T: int, truncate: int | None) -> bool:
    """Whether BPTT truncated to τ keeps any path of distance d = s − k ≥ ⌊T/2⌋ (the long-range part).

    Truncation keeps the paths with d < τ; the longest path of a sequence of T steps has d = T − 1.
    So: τ is None (full BPTT) or τ > ⌊T/2⌋ (and ⌊T/2⌋ ≤ T − 1, always true for T ≥ 1).
    """
    return truncate is None or truncate > T // 2


# --- what truncation lets reach the distant input --------------------------------------------------

REACH_KINDS_TRUNCATED = ("full", "all", "some", "none")


@dataclass(frozen=True)
class TruncationReach:
    r"""Whether BPTT truncated to τ carries the error of L⁽ᵀ⁾ back to the input the answer needs.

    Truncation keeps the paths of distance d = s − k < τ. The task's lags (:func:`rnn_core.dependency_lags`)
    run from ``shortest`` to ``longest`` steps, each equally likely (remember-first: exactly T − 1;
    adding: the first marker uniform over the first half, so d uniform over ⌈T/2⌉..T − 1).
    ``kind`` (one of :data:`REACH_KINDS_TRUNCATED`): "full" (no truncation, or τ ≥ T), "all"
    (τ > longest), "some" (shortest < τ ≤ longest), "none" (τ ≤ shortest: no update ever sees the
    distant input). ``reached`` is the fraction of the lags below τ (1 for "full"), ``reached_lags``
    and ``lags`` their counts; ``long_range`` whether any path with d ≥ ⌊T/2⌋ is kept
    (:func:`truncation_keeps_long_range`).
    """

    kind: str
    T: int
    tau: int | None
    shortest: int
    longest: int
    reached_lags: int
    lags: int
    long_range: bool

    @property
    def reached(self) -> float:
        return self.reached_lags / self.lags


def truncation_reach(task: str, T: int, truncate: int | None) -> TruncationReach:
    """The :class:`TruncationReach` of BPTT truncated to ``truncate`` = τ (None or 0: full) on ``task`` at T."""
    shortest, longest = dependency_lags(task, T)
    lags = longest - shortest + 1
    tau = None if not truncate or truncate >= T else int(truncate)
    if tau is None:
        return TruncationReach("full", T, None, shortest, longest, lags, lags, True)
    reached = max(0, min(longest, tau - 1) - shortest + 1)  # the lags d with d < τ
    kind = "none" if reached == 0 else "all" if reached == lags else "some"
    return TruncationReach(
        kind, T, tau, shortest, longest, reached, lags, truncation_keeps_long_range(T, tau)
    )


# --- why a run stopped, and whether norm clipping would have bounded the growth --------------------

STOP_KINDS = ("ran", "callback", "initial", "update", "grown", "within_bound")


@dataclass(frozen=True)
class StopVerdict:
    r"""Why a run stopped, and what norm clipping would have allowed before it.

    Each SGD update with norm clipping at threshold c moves θ by at most lr·c, so after k updates
    ‖W_k − W_0‖₂ ≤ ‖W_k − W_0‖_F ≤ k·lr·c and σ_max(W_k) ≤ σ_max(W_0) + k·lr·c = ``clip_bound``.

    ``kind`` (one of :data:`STOP_KINDS`): "ran" (every step ran), "callback" (stopped by the
    caller), "initial" (the first step failed: no update was applied, the initial network itself
    left float64, so clipping, which acts on a computed gradient, cannot help), "grown" (σ_max(W)
    at the failing step, ``sigma_stop``, is above ``clip_bound``: clipping would have kept W
    smaller), "within_bound" (it is not: clipping at c alone would not have prevented this growth),
    "update" (the update itself, from a finite gradient, left float64: clipping at c bounds it by lr·c).
    ``updates`` is the number of updates applied before the failing step, ``sigma_start`` σ_max(W)
    before the first.
    """

    kind: str
    reason: str | None
    step: int | None
    updates: int
    sigma_start: float
    sigma_stop: float
    clip_bound: float
    lr: float
    threshold: float


def stop_verdict(
    history: Mapping[str, np.ndarray],
    stop_reason: str | None,
    stop_step: int | None,
    *,
    lr: float,
    threshold: float,
) -> StopVerdict:
    r"""The :class:`StopVerdict` of a run: $\sigma_{\max}(W_k) \le \sigma_{\max}(W_0) + k\,\mathrm{lr}\,c$ against the measured one.

    ``history`` with ``sigma_max`` (n,) as :func:`rnn_core.train` records it (σ_max(W) at the start
    of each step); ``stop_reason``, ``stop_step`` a :class:`rnn_core.TrainResult`'s; ``lr`` ≥ 0 and
    ``threshold`` c > 0 the norm clipping the bound is computed for.
    """
    sigma = np.asarray(history["sigma_max"], dtype=np.float64)
    nan = float("nan")
    start = float(sigma[0]) if sigma.size else nan
    if stop_reason is None or stop_step is None:
        return StopVerdict("ran", stop_reason, stop_step, sigma.size, start, nan, nan, lr, threshold)
    k = int(stop_step)
    stop = float(sigma[k])
    bound = start + k * float(lr) * float(threshold)
    if stop_reason not in DIVERGED:
        kind = "callback"
    elif stop_reason == "non-finite parameters":
        kind = "update"
    elif k == 0:
        kind = "initial"
    else:
        kind = "grown" if stop > bound else "within_bound"
    return StopVerdict(kind, stop_reason, k, k, start, stop, bound, float(lr), float(threshold))
