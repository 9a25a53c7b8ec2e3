r"""Toy tasks with a long-range dependency: a batch of sequences whose answer is scored at step T only.

Each generator returns a :class:`Task`: xs (T, B, D), targets, the per-step ``mask`` for
:func:`rnn_core.forward` (mask = [0, …, 0, 1]: only L⁽ᵀ⁾ counts), the loss name, and the loss of
the best constant predictor on that very batch (``baseline_loss``), so a trained network can be
judged against "predict the average". Generators are deterministic by ``seed`` (an int or a
``np.random.Generator``); no global random state is used.

Targets hold the answer at every step; the mask makes only step T count.

A task's lags (:func:`dependency_lags`) are the distances between the output at step T and the
input it needs. The adding problem also has a half-information reference
(:func:`half_information_loss`): the loss of the best predictor that sees only the second marked
value, which any network reaches without carrying anything across the long lag.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._checks import choice, positive_int


@dataclass(frozen=True, eq=False)
class Task:
    """One batch of a toy task, ready for ``forward(params, xs, targets, loss=loss, mask=mask)``.

    xs (T, B, n_in); targets (T, B) ints for ``softmax_ce`` or (T, B, n_out) floats for ``mse``;
    mask (T,) with a 1 at the scored step T and 0 elsewhere. ``dependency_length`` is the smallest
    temporal distance s − k that the answer of every sequence has to cross (the information sits at
    step k ≤ T − dependency_length). ``baseline_loss`` is the loss of the best constant predictor on
    this batch, summed over the batch like :attr:`rnn_core.Trace.loss`.
    """

    name: str
    xs: np.ndarray
    targets: np.ndarray
    mask: np.ndarray
    loss: str
    n_in: int
    n_out: int
    dependency_length: int
    baseline_loss: float

    def __post_init__(self):
        for field in ("xs", "targets", "mask"):
            arr = np.array(getattr(self, field))
            arr.flags.writeable = False  # a task is a value: cached and shared safely
            object.__setattr__(self, field, arr)

    @property
    def T(self) -> int:
        """The sequence length."""
        return self.xs.shape[0]

    @property
    def batch_size(self) -> int:
        """B, the number of sequences."""
        return self.xs.shape[1]


def _as_generator(seed) -> np.random.Generator:
    """``seed`` as a ``np.random.Generator``: a Generator is used as is (and advanced), an int ≥ 0 seeds a new one."""
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer ≥ 0 or a numpy Generator; received {seed!r}")
    return np.random.default_rng(int(seed))


def constant_baseline(targets: np.ndarray, mask: np.ndarray, loss: str, n_out: int) -> float:
    r"""The loss of the best constant predictor, $\min_c \sum_t m_t \sum_b L(c, y_b^{(t)})$, summed over the batch.

    One output for every sequence and every step. mse: c = the mask-weighted mean target, loss
    ½ Σₜ mₜ Σ_b ‖y − c‖². softmax_ce: ŷ = the mask-weighted class frequencies p, loss
    −N Σₖ pₖ log pₖ with N = B Σₜ mₜ (an infimum when some class never occurs: softmax never
    reaches 0, but 0·log 0 = 0 is the limit). targets (T, B) ints or (T, B, n_out); mask (T,).
    """
    weight = np.asarray(mask, dtype=np.float64)
    if loss == "mse":
        y = np.asarray(targets, dtype=np.float64)  # (T, B, K)
        B = y.shape[1]
        c = np.einsum("t,tbk->k", weight, y) / (B * weight.sum())
        return float(0.5 * np.einsum("t,tbk->", weight, (y - c) ** 2))
    counts = np.zeros(n_out)
    for t in np.flatnonzero(weight):  # only the scored steps: one or a few
        counts += weight[t] * np.bincount(targets[t], minlength=n_out)
    p = counts / counts.sum()
    seen = p > 0
    return float(-(counts[seen] * np.log(p[seen])).sum())


def _last_step_mask(T: int) -> np.ndarray:
    mask = np.zeros(T)
    mask[-1] = 1.0
    return mask


def adding_problem(T: int, batch_size: int, *, seed=0) -> Task:
    r"""The adding problem: output $y = x^{(p)}_0 + x^{(q)}_0$, the sum of the two marked values, at step T.

    xs (T, B, 2): channel 0 holds values uniform in [0, 1]; channel 1 is a marker, 1 at exactly two
    steps p and q and 0 elsewhere. Convention: one marker per half, p uniform in 1..⌊T/2⌋ and q
    uniform in ⌊T/2⌋+1..T (1-based steps), as in the setting of Pascanu, Mikolov & Bengio (2013);
    Hochreiter & Schmidhuber (1997) placed both markers earlier, drew values in [−1, 1] and
    rescaled the target. targets (T, B, 1) floats, the sum repeated at every step; mask scores
    step T only; loss ``mse``. The first marker is at least ⌈T/2⌉ steps before T, so
    ``dependency_length`` = T − ⌊T/2⌋. Needs T ≥ 2.
    """
    T = positive_int("T", T, minimum=2)
    B = positive_int("batch_size", batch_size)
    rng = _as_generator(seed)
    half = T // 2
    values = rng.uniform(0.0, 1.0, size=(T, B))
    first = rng.integers(0, half, size=B)  # 0-based: steps 1..⌊T/2⌋
    second = rng.integers(half, T, size=B)  # 0-based: steps ⌊T/2⌋+1..T
    cols = np.arange(B)
    markers = np.zeros((T, B))
    markers[first, cols] = 1.0
    markers[second, cols] = 1.0
    xs = np.stack([values, markers], axis=-1)  # (T, B, 2)
    total = values[first, cols] + values[second, cols]  # (B,)
    targets = np.broadcast_to(total[None, :, None], (T, B, 1))
    mask = _last_step_mask(T)
    return Task(
        name="adding_problem",
        xs=xs,
        targets=targets,
        mask=mask,
        loss="mse",
        n_in=2,
        n_out=1,
        dependency_length=T - half,
        baseline_loss=constant_baseline(targets, mask, "mse", 1),
    )


ADDING_VALUE_RANGE = (0.0, 1.0)  # the adding problem's values are uniform on this interval


def half_information_loss() -> float:
    r"""The adding problem's half-information reference, $\tfrac12\,\mathrm{Var}(x^{(p)}_0) = \tfrac{1}{24}$ per sequence.

    The best predictor of y = x⁽ᵖ⁾₀ + x⁽ᵠ⁾₀ that sees the second marked value x⁽ᵠ⁾₀ (and everything
    after the first half) but not the first one outputs E[y | x⁽ᵠ⁾₀] = x⁽ᵠ⁾₀ + E[x⁽ᵖ⁾₀]; its mse loss
    ½ E[(y − ŷ)²] is ½ Var(x⁽ᵖ⁾₀) = ½ (b − a)²/12 for values uniform on [a, b] = [0, 1]. The
    constant predictor's loss is ½ Var(y) = twice that, so a loss/baseline near 0.5 is reachable
    without the distant input. Per sequence, like the history's ``loss`` of :func:`rnn_core.train`.
    """
    a, b = ADDING_VALUE_RANGE
    return 0.5 * (b - a) ** 2 / 12.0


def remember_first(T: int, batch_size: int, *, n_symbols: int = 4, distractors: bool = True, seed=0) -> Task:
    r"""Remember the first symbol: output class $y = $ the symbol seen at step 1, at step T.

    xs (T, B, K) one-hot with K = ``n_symbols`` ≥ 2: x⁽¹⁾ is the symbol to remember, drawn uniformly
    from 0..K−1. With ``distractors`` (the default) steps 2..T carry further uniformly random
    symbols, one-hot like the first, so the network must tell the first step from the rest (it can:
    h⁽⁰⁾ = 0 marks the start); without, steps 2..T are zero vectors. targets (T, B) ints, the first
    symbol repeated at every step; mask scores step T only; loss ``softmax_ce``;
    ``dependency_length`` = T − 1. T ≥ 1 (T = 1 asks for the current symbol).
    """
    T = positive_int("T", T)
    B = positive_int("batch_size", batch_size)
    K = positive_int("n_symbols", n_symbols, minimum=2)
    if not isinstance(distractors, (bool, np.bool_)):
        raise ValueError(f"distractors must be True or False; received {distractors!r}")
    rng = _as_generator(seed)
    symbols = rng.integers(0, K, size=(T, B))
    xs = np.eye(K)[symbols]  # (T, B, K) one-hot
    if not distractors:
        xs[1:] = 0.0
    targets = np.broadcast_to(symbols[0][None, :], (T, B))
    mask = _last_step_mask(T)
    return Task(
        name="remember_first",
        xs=xs,
        targets=targets,
        mask=mask,
        loss="softmax_ce",
        n_in=K,
        n_out=K,
        dependency_length=T - 1,
        baseline_loss=constant_baseline(targets, mask, "softmax_ce", K),
    )


def _adding_lags(T: int) -> tuple[int, int]:
    half = positive_int("T", T, minimum=2) // 2
    return T - half, T - 1  # the first marker at steps 1..⌊T/2⌋, the output at step T


def _remember_lags(T: int) -> tuple[int, int]:
    T = positive_int("T", T)
    return T - 1, T - 1  # the symbol at step 1, the output at step T


@dataclass(frozen=True)
class TaskSpec:
    """A registered task: ``generate(T, batch_size, *, seed, **options)`` returns a :class:`Task`.

    ``lags(T)`` → (shortest, longest) distance from the input the answer needs to the output at
    step T; ``reference_loss`` the loss per sequence of the best predictor without that distant
    input when it beats the constant one (None when it does not: then the baseline is the reference).
    """

    name: str
    generate: Callable[..., Task]
    description: str
    lags: Callable[[int], tuple[int, int]]
    reference_loss: float | None = None

    def __call__(self, T: int, batch_size: int, *, seed=0, **options) -> Task:
        return self.generate(T, batch_size, seed=seed, **options)


TASKS: dict[str, TaskSpec] = {
    spec.name: spec
    for spec in (
        TaskSpec(
            "adding_problem",
            adding_problem,
            "Output the sum of the two marked values (one marked in each half), at the last step.",
            _adding_lags,
            half_information_loss(),
        ),
        TaskSpec(
            "remember_first",
            remember_first,
            "Output the first symbol of the sequence at the last step, past random distractor symbols.",
            _remember_lags,
        ),
    )
}


def dependency_lags(task: str, T: int) -> tuple[int, int]:
    """(shortest, longest) number of steps between the input the answer needs and the output at step T.

    adding_problem: (T − ⌊T/2⌋, T − 1), the first marker lies in the first half; remember_first:
    (T − 1, T − 1). ``task`` a name in :data:`TASKS`.
    """
    return TASKS[choice("task", task, TASKS)].lags(T)
