r"""Saturation: where f′ is small, what products of f′ do, and where float64 rounds f′ to 0.0.

Backpropagating from h⁽ᵗ⁾ to h⁽ᵏ⁾ multiplies t − k factors diag(f′(a⁽ʲ⁾)) W, so

    ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖₂ ≤ Πⱼ₌ₖ₊₁ᵗ maxᵢ f′(aᵢ⁽ʲ⁾) · σ_max(W)^(t−k) ≤ (γ · σ_max(W))^(t−k),   γ = sup|f′|

A unit is *saturated* at a step when f′(a) < fraction·γ (fraction = 0.01 unless asked otherwise):
every path through it is damped at least 1/fraction times more than in the best case.

float64: rnn_core writes sigmoid′ = e/(1+e)² with e = exp(−|a|) and tanh′ = 4e/(1+e)² with
e = exp(−2|a|); they round to exactly 0.0 only when e underflows. The textbook forms σ(1−σ) and
1 − tanh² round to 0.0 as soon as σ or tanh rounds to 1. :func:`first_zero` finds where, by
bisection over the float64 numbers themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array, choice, positive_int
from .activations import get_activation

SATURATION_FRACTION = 0.01
FORMS = ("rnn_core", "textbook")
_LARGEST = np.finfo(np.float64).max


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


def grid_check(activation: str, a) -> GridCheck:
    r"""$\max_a f'(a)$, $\min_a f'(a)$ over the grid a (n,) and where they are reached, for the range of f′."""
    act = get_activation(activation)
    a = _grid(a)
    d = act.df(a)  # (n,)
    hi, lo = d.max(), d.min()
    at_hi, at_lo = a[d == hi], a[d == lo]
    distinct = np.unique(d)
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
        d = act.df(a).reshape(T, -1)  # (T, B·H)
    ok = np.isfinite(d)
    n_ok = ok.sum(axis=1)  # (T,)
    d0 = np.where(ok, d, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_step_mean = np.where(n_ok > 0, d0.sum(axis=1) / np.maximum(n_ok, 1), np.nan)
    per_step_max = np.where(n_ok > 0, np.where(ok, d, -np.inf).max(axis=1), np.nan)
    finite = d[ok]  # (n_finite,)
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
        n_nonfinite=int(d.size - n),
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


# --- float64 ----------------------------------------------------------------------------------


def _textbook_dsigmoid(a):
    s = get_activation("sigmoid").f(a)
    return s * (1.0 - s)


def _textbook_dtanh(a):
    return 1.0 - np.tanh(np.asarray(a, dtype=np.float64)) ** 2


_TEXTBOOK = {"sigmoid": _textbook_dsigmoid, "tanh": _textbook_dtanh}
TEXTBOOK_LATEX = {"sigmoid": r"\sigma(a)\,\bigl(1 - \sigma(a)\bigr)", "tanh": r"1 - \tanh^2 a"}


def textbook_derivative(activation: str) -> Callable[[np.ndarray], np.ndarray] | None:
    r"""The textbook f′: $\sigma(a)(1-\sigma(a))$ for sigmoid, $1-\tanh^2 a$ for tanh, else None."""
    return _TEXTBOOK.get(get_activation(activation).name)


def _derivative(activation: str, form: str) -> Callable[[np.ndarray], np.ndarray] | None:
    choice("form", form, FORMS)
    act = get_activation(activation)
    return act.df if form == "rnn_core" else textbook_derivative(act.name)


def first_zero(df: Callable[[np.ndarray], np.ndarray], sign: int = 1) -> float | None:
    r"""The smallest x > 0 with $f'(\text{sign}\cdot x) = 0.0$ in float64, or None if there is none.

    A bisection over the bit patterns of the positive float64 numbers (ordered like the numbers),
    so the answer is exact: f′(sign·x) == 0.0 and f′(sign·nextafter(x, 0)) != 0.0. It assumes
    what holds for every f′ here: once exactly 0.0 as |a| grows, f′ stays 0.0.
    """
    if sign not in (1, -1):
        raise ValueError(f"sign must be 1 or -1; received {sign!r}")

    def is_zero(bits: int) -> bool:
        x = np.array([bits], dtype=np.int64).view(np.float64)  # (1,)
        with np.errstate(all="ignore"):  # e.g. −2·|a| overflows to −inf near the largest float
            return bool(df(sign * x)[0] == 0.0)

    lo = 0  # the bits of 0.0: treated as "not zero", since x > 0 is asked for
    hi = int(np.array([_LARGEST]).view(np.int64)[0])
    if not is_zero(hi):
        return None
    while hi - lo > 1:  # invariant: f′ is nonzero at lo (or lo = 0) and zero at hi
        mid = (lo + hi) // 2
        if is_zero(mid):
            hi = mid
        else:
            lo = mid
    return float(np.array([hi], dtype=np.int64).view(np.float64)[0])


@dataclass(frozen=True)
class ZeroEdge:
    """Where f′ becomes exactly 0.0 on one side: ``at`` = the smallest x > 0 with f′(sign·x) == 0.0
    (None if never), f′ there, the float just before it (np.nextafter towards 0) and f′ there."""

    activation: str
    form: str
    sign: int
    at: float | None
    df_at: float | None
    before: float | None
    df_before: float | None


def zero_edge(activation: str, sign: int = 1, *, form: str = "rnn_core") -> ZeroEdge:
    r"""The float64 edge beyond which $f'(\text{sign}\cdot x) = 0.0$, with f′ on both sides of it."""
    df = _derivative(activation, form)
    name = get_activation(activation).name
    at = None if df is None else first_zero(df, sign)
    if at is None:
        return ZeroEdge(name, form, sign, None, None, None, None)
    before = float(np.nextafter(at, 0.0))
    with np.errstate(all="ignore"):
        d_at, d_before = (float(df(np.array([sign * x]))[0]) for x in (at, before))
    return ZeroEdge(name, form, sign, at, d_at, before, d_before)


def zero_derivative_threshold(activation: str, *, form: str = "rnn_core") -> float | None:
    r"""The smallest |a| > 0 with $f'(a) = f'(-a) = 0.0$ in float64: beyond it every path through f dies.

    ``form`` = "rnn_core" (the activation's own f′) or "textbook" (σ(1−σ), 1 − tanh²). None when
    f′ is never 0.0 on one side: ReLU and leaky ReLU (f′ = 1 for all a > 0), linear, and the
    textbook form of activations that have none.
    """
    sides = [zero_edge(activation, sign, form=form).at for sign in (1, -1)]
    return None if None in sides else max(sides)


def log10_derivative(activation: str, a, *, form: str = "rnn_core") -> np.ndarray:
    r"""$\log_{10} f'(a)$ for a (n,), −inf where f′ is exactly 0.0 (for plots of where float64 gives up)."""
    df = _derivative(activation, form)
    if df is None:
        raise ValueError(f"form 'textbook' exists for {sorted(_TEXTBOOK)} only; received {activation!r}")
    a = as_float_array("a", a, (None,), "(n,)")
    with np.errstate(divide="ignore"):
        return np.log10(df(a))
