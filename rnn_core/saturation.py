r"""Saturation: where f′ is small, what products of f′ do, and where float64 rounds f′ to 0.0.

Backpropagating from h⁽ᵗ⁾ to h⁽ᵏ⁾ multiplies t − k factors diag(f′(a⁽ʲ⁾)) W, so

    ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖₂ ≤ Πⱼ₌ₖ₊₁ᵗ maxᵢ f′(aᵢ⁽ʲ⁾) · σ_max(W)^(t−k) ≤ (γ · σ_max(W))^(t−k),   γ = sup|f′|

A unit is *saturated* at a step when f′(a) < fraction·γ (fraction = 0.01 unless asked otherwise):
every path through it is damped at least 1/fraction times more than in the best case.

- :func:`symmetric_grid`, :func:`grid_check`, :func:`saturated_intervals`: f′ on a grid of a.
- :func:`gamma_powers`: γᵏ, the most k factors f′ can multiply a gradient by.
- :func:`derivative_stats`: the f′(a⁽ᵗ⁾) of a forward pass and the products of their means.

Where float64 rounds f′ to exactly 0.0 is in :mod:`rnn_core.underflow`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array, positive_int
from .activations import get_activation
from .underflow import textbook_derivative
from .verdicts import BOUND_RTOL

SATURATION_FRACTION = 0.01


def _fraction(fraction) -> float:
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be a number in (0, 1); received {fraction!r}")
    return float(fraction)


def _grid(a) -> np.ndarray:
    a = as_float_array("a", a, (None,), "(n,), finite and increasing")
    if a.size < 2 or np.any(np.diff(a) <= 0):
        raise ValueError(f"a must hold at least 2 strictly increasing values; received {a.size} value(s)")
    return a


def symmetric_grid(a_max: float, n_half: int) -> np.ndarray:
    r"""The grid $-a_{\max}, \dots, 0, \dots, a_{\max}$: (2·n_half + 1,), symmetric, holding 0 exactly.

    0 must be on the grid because tanh′ and sigmoid′ reach γ only there.
    """
    if isinstance(a_max, bool) or not isinstance(a_max, (int, float)) or not 0.0 < a_max < np.inf:
        raise ValueError(f"a_max must be a positive finite number; received {a_max!r}")
    n_half = positive_int("n_half", n_half)
    half = np.linspace(0.0, float(a_max), n_half + 1)  # (n_half+1,) from 0.0 exactly
    return np.concatenate([-half[:0:-1], half])


@dataclass(frozen=True)
class GridCheck:
    """What f′ does on a grid: its largest and smallest value and where each is reached.

    ``sup_at`` / ``inf_at`` are the smallest and largest grid points where f′ equals its maximum
    / minimum (equal when reached at one point). ``values`` are the distinct values of f′ when
    there are at most 3 of them (ReLU, leaky ReLU, linear), else None.
    """

    activation: str
    gamma: float
    sup: float
    sup_at: tuple[float, float]
    inf: float
    inf_at: tuple[float, float]
    values: tuple[float, ...] | None

    @property
    def sup_is_gamma(self) -> bool:
        return self.sup == self.gamma

    @property
    def open_at_zero(self) -> bool:
        """f′ takes a continuum of values and stays above 0 on the grid (the range's '(0' end)."""
        return self.inf > 0.0 and self.values is None


SPANS = ("point", "pair", "interval")


def span_kind(lo: float, hi: float) -> str:
    """How the grid points [lo, hi] where a value is reached read (SPANS): one point (lo = hi), a
    symmetric pair (lo = −hi), or an interval."""
    if lo == hi:
        return "point"
    return "pair" if lo == -hi else "interval"


def grid_check(activation: str, a) -> GridCheck:
    r"""$\max_a f'(a)$, $\min_a f'(a)$ over the grid a (n,) and where they are reached, for the range of f′."""
    act = get_activation(activation)
    a = _grid(a)
    fprime = act.df(a)  # (n,)
    hi, lo = fprime.max(), fprime.min()
    at_hi, at_lo = a[fprime == hi], a[fprime == lo]
    distinct = np.unique(fprime)
    return GridCheck(
        act.name,
        act.gamma,
        float(hi),
        (float(at_hi[0]), float(at_hi[-1])),
        float(lo),
        (float(at_lo[0]), float(at_lo[-1])),
        tuple(float(v) for v in distinct) if distinct.size <= 3 else None,
    )


def saturated_intervals(activation: str, a, fraction: float = SATURATION_FRACTION) -> np.ndarray:
    r"""The runs of the grid a (n,) where $f'(a) < \text{fraction}\cdot\gamma$: (m, 2) rows [first, last]."""
    act = get_activation(activation)
    a = _grid(a)
    sat = act.df(a) < _fraction(fraction) * act.gamma  # (n,)
    edges = np.diff(sat.astype(np.int8), prepend=0, append=0)  # +1 where a run starts, −1 after it ends
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return np.column_stack([a[starts], a[stops]]).reshape(-1, 2)


def saturation_edge(activation: str, a, fraction: float = SATURATION_FRACTION) -> float | None:
    r"""The smallest grid point a > 0 with $f'(a) < \text{fraction}\cdot\gamma$ (a (n,)), or None."""
    act = get_activation(activation)
    a = _grid(a)
    positive = a[(a > 0) & (act.df(a) < _fraction(fraction) * act.gamma)]
    return float(positive[0]) if positive.size else None


def gamma_powers(activation: str, k_max: int) -> np.ndarray:
    r"""$\gamma^k$ for k = 0..k_max: (k_max+1,), the most k factors f′ can multiply a gradient by."""
    act = get_activation(activation)
    k_max = positive_int("k_max", k_max, minimum=0)
    return act.gamma ** np.arange(k_max + 1, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class DerivativeStats:
    r"""The values f′(aᵢ⁽ᵗ⁾) a network produces, over all steps t, sequences and units i.

    Fractions count finite values of f′ only (``n_nonfinite`` says how many were not: a⁽ᵗ⁾ that
    overflowed to nan). Per-step arrays are (T,), nan at a step without a finite value.
    ``log10_prod_mean[k−1]`` = log₁₀ Πⱼ₌ₜ₋ₖ₊₁ᵀ mean f′ at step j, the product of the k factors
    between h⁽ᵀ⁻ᵏ⁾ and h⁽ᵀ⁾ (−inf once a factor is exactly 0); likewise ``log10_prod_max``.
    ``hist_counts`` (bins,) over ``hist_edges`` (bins+1,) spanning [0, γ].
    ``fraction_zero_textbook`` is the fraction that the textbook form of f′ (σ(1−σ), 1 − tanh²)
    rounds to exactly 0.0, None for activations without one.
    """

    activation: str
    gamma: float
    fraction: float
    threshold: float
    n_finite: int
    n_nonfinite: int
    fraction_saturated: float
    fraction_zero: float
    fraction_zero_textbook: float | None
    mean: float
    max_abs_a: float
    per_step_mean: np.ndarray
    per_step_max: np.ndarray
    log10_prod_mean: np.ndarray
    log10_prod_max: np.ndarray
    hist_edges: np.ndarray
    hist_counts: np.ndarray


def _log10_suffix_products(per_step: np.ndarray) -> np.ndarray:
    """log₁₀ of the products of the last k entries, k = 1..T: a sum of logs, so nothing underflows."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.cumsum(np.log10(per_step[::-1]))


def derivative_stats(
    activation: str, a, fraction: float = SATURATION_FRACTION, bins: int = 40
) -> DerivativeStats:
    r"""Statistics of $f'(a_i^{(t)})$ for the pre-activations a (T, B, H) of a forward pass.

    Saturated: f′ < fraction·γ. Per step t the mean and max run over the batch and the units.
    """
    act = get_activation(activation)
    fraction = _fraction(fraction)
    bins = positive_int("bins", bins)
    a = as_float_array("a", a, (None, None, None), "(T, B, H)", finite=False)
    if a.shape[0] < 1 or a[0].size < 1:
        raise ValueError(f"a must have T ≥ 1 steps and at least one unit per step; received shape {a.shape}")
    T = a.shape[0]
    with np.errstate(all="ignore"):  # a may hold ±inf/nan from an overflowed forward pass
        fprime = act.df(a).reshape(T, -1)  # (T, B·H)
    ok = np.isfinite(fprime)
    n_ok = ok.sum(axis=1)  # (T,)
    fprime_or_0 = np.where(ok, fprime, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_step_mean = np.where(n_ok > 0, fprime_or_0.sum(axis=1) / np.maximum(n_ok, 1), np.nan)
    per_step_max = np.where(n_ok > 0, np.where(ok, fprime, -np.inf).max(axis=1), np.nan)
    finite = fprime[ok]  # (n_finite,)
    n = finite.size
    threshold = fraction * act.gamma
    counts, edges = np.histogram(finite, bins=bins, range=(0.0, act.gamma))
    zero_textbook = None
    textbook = textbook_derivative(act.name)
    if textbook is not None:
        with np.errstate(all="ignore"):
            tb = textbook(a).reshape(T, -1)[ok]
        zero_textbook = float(np.mean(tb == 0.0)) if n else float("nan")
    a_ok = np.abs(a[np.isfinite(a)])
    return DerivativeStats(
        activation=act.name,
        gamma=act.gamma,
        fraction=fraction,
        threshold=threshold,
        n_finite=int(n),
        n_nonfinite=int(fprime.size - n),
        fraction_saturated=float(np.mean(finite < threshold)) if n else float("nan"),
        fraction_zero=float(np.mean(finite == 0.0)) if n else float("nan"),
        fraction_zero_textbook=zero_textbook,
        mean=float(finite.mean()) if n else float("nan"),
        max_abs_a=float(a_ok.max()) if a_ok.size else float("nan"),
        per_step_mean=per_step_mean,
        per_step_max=per_step_max,
        log10_prod_mean=_log10_suffix_products(per_step_mean),
        log10_prod_max=_log10_suffix_products(per_step_max),
        hist_edges=edges,
        hist_counts=counts,
    )


PRODUCT_RTOL = BOUND_RTOL  # per factor, as for γ·σ_max(W): a bound within (1 ± rtol)ᵀ of 1 is 1
PRODUCT_KINDS = ("cut", "shrinks", "cannot_grow", "may_grow", "not_a_number")


@dataclass(frozen=True)
class ProductBound:
    r"""What the f′ values of a forward pass allow ‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵏ⁾‖₂ to be, at k = T.

    The bound $\prod_{j=1}^{T} \max_i f'(a_i^{(j)}) \cdot \sigma_{\max}(W)^T$, as ``log10_bound``
    (= ``log10_prod_max`` + T·log₁₀ σ_max). ``kind`` (PRODUCT_KINDS): "cut" when a factor is
    exactly 0 (every unit had f′ = 0 at step ``cut_step``, so the Jacobian is exactly 0 from
    k = ``cut_from`` on); else "shrinks" (bound < 1 beyond the tolerance: the norm must be below
    1), "cannot_grow" (bound = 1 within it), "may_grow" (bound > 1: allowed, not certain), or
    "not_a_number" (a step without a finite f′). ``tolerance`` is in decades,
    T·log₁₀(1 + PRODUCT_RTOL).
    """

    kind: str
    T: int
    sigma_max: float
    log10_prod_max: float
    log10_prod_mean: float
    log10_gamma_power: float
    log10_bound: float
    tolerance: float
    cut_from: int | None
    cut_step: int | None


def product_bound(stats: DerivativeStats, sigma_max: float, *, rtol: float = PRODUCT_RTOL) -> ProductBound:
    r"""The verdict on $\prod_{j} \max_i f'(a_i^{(j)})\,\sigma_{\max}(W)^T$ for ``stats`` of a
    forward pass and σ_max of the W that ran it (≥ 0)."""
    if isinstance(sigma_max, bool) or not isinstance(sigma_max, (int, float, np.floating)) or sigma_max < 0:
        raise ValueError(f"sigma_max must be a number ≥ 0; received {sigma_max!r}")
    T = int(stats.log10_prod_max.size)
    prod_max = float(stats.log10_prod_max[-1])
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = prod_max + T * float(np.log10(sigma_max))
    tolerance = T * float(np.log10(1.0 + rtol))
    dead = np.flatnonzero(stats.log10_prod_max == -np.inf)
    cut_from = int(dead[0]) + 1 if dead.size else None
    if cut_from is not None and not np.isnan(stats.log10_prod_max[: cut_from - 1]).any():
        kind = "cut"
    elif np.isnan(bound):
        kind = "not_a_number"
    elif bound < -tolerance:
        kind = "shrinks"
    elif bound <= tolerance:
        kind = "cannot_grow"
    else:
        kind = "may_grow"
    return ProductBound(
        kind=kind,
        T=T,
        sigma_max=float(sigma_max),
        log10_prod_max=prod_max,
        log10_prod_mean=float(stats.log10_prod_mean[-1]),
        log10_gamma_power=T * float(np.log10(stats.gamma)),
        log10_bound=float(bound),
        tolerance=tolerance,
        cut_from=cut_from if kind == "cut" else None,
        cut_step=T - cut_from + 1 if kind == "cut" else None,
    )
