r"""Verdicts: what the bound (γ·σ_max(W))^(t−k) says, and what makes the measured norm smaller.

    ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖₂ ≤ (γ · σ_max(W))^(t−k)

- :func:`bound_verdict`: γ·σ_max(W) compared with 1 under a stated tolerance (:data:`BOUND_RTOL`):
  the bound vanishes, cannot grow (base 1), or may grow; the base printed so that the printed
  comparison never contradicts its own rounding.
- :func:`shrink_cause`: the gap between the bound and the measured log norm at a distance d split
  into the part from W (its powers fall below σ_max(W)^d) and the part from the derivatives
  (f′ below γ: saturated units, ReLU units off), with the tolerance that names one of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._checks import positive_int
from ._numerics import norm2
from .accounting import jacobian_log_norms
from .activations import get_activation
from .forward import Trace
from .params import RNNParams

# σ_max(W) comes from an SVD whose relative rounding error is a few ulps (≈ 1e-15): W built with
# σ_max(W) = 1 reads 0.9999999999999999 or 1.0000000000000002, and trained W carry the same noise.
# A base within 1e-9 of 1 is 1 up to rounding many orders of magnitude over; over the longest
# sequence shown (T = 200) such a base moves the bound by at most (1 ± 1e-9)²⁰⁰ − 1 ≈ 2·10⁻⁷, far
# below anything a page prints, so "the bound is 1, the norm cannot grow" holds as printed.
BOUND_RTOL = 1e-9
BOUND_KINDS = ("vanishes", "cannot_grow", "may_grow", "zero", "unbounded", "undefined")
SHOWN_DIGITS = 4  # significant digits of a printed base, raised until the comparison with 1 is visible


def base_kind(base: float, rtol: float = BOUND_RTOL) -> str:
    """The kind of :data:`BOUND_KINDS` of a bound's base γ·σ_max(W) ≥ 0 (or inf/nan)."""
    if math.isnan(base):
        return "undefined"
    if math.isinf(base):
        return "unbounded"
    if base == 0.0:
        return "zero"
    if abs(base - 1.0) <= rtol:
        return "cannot_grow"
    return "vanishes" if base < 1.0 else "may_grow"


def _digits(base: float, kind: str) -> int:
    """The fewest significant digits (≥ SHOWN_DIGITS) with which ``base`` prints on its side of 1."""
    if kind != "vanishes" and kind != "may_grow":
        return SHOWN_DIGITS
    for digits in range(SHOWN_DIGITS, 18):
        if float(format(base, f".{digits}g")) != 1.0:
            return digits
    return 17


def _shown(value: float, digits: int) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "∞"
    return format(value, f".{digits}g")


@dataclass(frozen=True)
class BoundVerdict:
    r"""What $\|\partial h^{(t)}/\partial h^{(k)}\|_2 \le (\gamma\,\sigma_{\max}(W))^{t-k}$ says, from its base.

    ``kind`` (one of :data:`BOUND_KINDS`):

    - "vanishes": γσ < 1 − tolerance: every norm is at most (γσ)^(t−k) → 0, whatever the inputs;
    - "cannot_grow": |γσ − 1| ≤ tolerance: the bound is 1 at every distance, so no norm can grow,
      and vanishing is not guaranteed either;
    - "may_grow": γσ > 1 + tolerance: the bound allows growth; whether it happens is not decided;
    - "zero": γσ = 0 (W = 0): every Jacobian across one step or more is exactly 0;
    - "unbounded": σ_max(W) = ∞: W overflowed float64 and the bound says nothing;
    - "undefined": γσ is nan.

    ``base`` = γ·σ_max(W), ``tolerance`` the relative tolerance of "= 1", ``digits`` the significant
    digits that print ``base`` on its own side of 1, ``shown`` the base so printed ("1" exactly when
    ``kind`` is "cannot_grow", never "1 < 1"), ``relation`` the sign to print between it and 1.
    """

    kind: str
    base: float
    gamma: float
    sigma_max: float
    tolerance: float
    digits: int
    shown: str

    @property
    def relation(self) -> str:
        """ "<", "=" or ">" between the base and 1; "" when the base is not a number."""
        return {"vanishes": "<", "zero": "<", "cannot_grow": "=", "may_grow": ">", "unbounded": ">"}.get(
            self.kind, ""
        )

    @property
    def sigma_shown(self) -> str:
        """σ_max(W) printed with the base's digits ("1" beside a base of "1")."""
        if self.kind == "cannot_grow":
            return _shown(1.0 / self.gamma, SHOWN_DIGITS)
        return _shown(self.sigma_max, self.digits)

    @property
    def vanishing_guaranteed(self) -> bool:
        """Whether the bound alone forces every norm to 0 as the distance grows."""
        return self.kind in ("vanishes", "zero")

    @property
    def growth_possible(self) -> bool:
        """Whether the bound leaves room for a norm above 1."""
        return self.kind in ("may_grow", "unbounded", "undefined")


def bound_verdict(gamma: float, sigma_max: float, *, rtol: float = BOUND_RTOL) -> BoundVerdict:
    r"""The verdict of $(\gamma\,\sigma_{\max}(W))^{t-k}$: base < 1, = 1 or > 1 within ``rtol`` (relative).

    ``gamma`` = sup|f′| > 0 finite; ``sigma_max`` ≥ 0, inf or nan (a W that overflowed).
    """
    for name, value in (("gamma", gamma), ("sigma_max", sigma_max), ("rtol", rtol)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise ValueError(f"{name} must be a number; received {value!r}")
    if not (math.isfinite(gamma) and gamma > 0):
        raise ValueError(f"gamma must be a finite number > 0 (sup|f′|); received {gamma!r}")
    if sigma_max < 0:
        raise ValueError(f"sigma_max must be ≥ 0 (a singular value), inf or nan; received {sigma_max!r}")
    if not (math.isfinite(rtol) and 0 <= rtol < 1):
        raise ValueError(f"rtol must be a number in [0, 1); received {rtol!r}")
    base = float(gamma) * float(sigma_max)
    kind = base_kind(base, rtol)
    digits = _digits(base, kind)
    shown = "1" if kind == "cannot_grow" else "0" if kind == "zero" else _shown(base, digits)
    return BoundVerdict(kind, base, float(gamma), float(sigma_max), float(rtol), digits, shown)


# --- what makes the norm smaller than the bound ---------------------------------------------------

CAUSE_KINDS = ("none", "weights", "derivatives", "both", "cut", "undefined")
CAUSE_DECADES = 0.05  # a gap to the bound below this many decades (×1.12) is "none"
CAUSE_SHARE = 0.1  # a part below this fraction of the gap is not named as a cause
# what f′ < γ means, for each activation: a unit off (ReLU's f′ = 0, leaky ReLU's slope), a
# saturated unit (tanh, sigmoid: f′ reaches γ only at a = 0), or never (linear: f′ ≡ γ)
SHORTFALL = {
    "relu": "off",
    "leaky_relu": "off",
    "tanh": "saturated",
    "sigmoid": "saturated",
    "linear": "none",
}


@dataclass(frozen=True)
class ShrinkCause:
    r"""Why ℓ_d = log₁₀‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂ lies below the bound d·log₁₀(γσ_max), in decades.

        d·log₁₀(γσ_max) − ℓ_d = weights + derivatives
        weights     = d·log₁₀σ_max(W) − log₁₀‖Wᵈ‖₂     ≥ 0: W's own powers fall below σ_max(W)ᵈ
        derivatives = d·log₁₀γ + log₁₀‖Wᵈ‖₂ − ℓ_d      the factors f′(a⁽ʲ⁾) below γ (may be < 0)

    ``kind`` (one of :data:`CAUSE_KINDS`): "none" when the gap is below ``tolerance`` decades,
    "weights" or "derivatives" when the other part is below ``share`` of the gap, "both" otherwise,
    "cut" when ℓ_d = −∞ (an exactly zero Jacobian), "undefined" when ℓ_d is nan.
    ``shortfall`` says what f′ < γ means for the activation (:data:`SHORTFALL`), ``below_gamma``
    the fraction of the d·H derivatives f′(a⁽ʲ⁾ᵢ) of the last d steps that are below γ (relative
    1e-12), ``mean_ratio`` their mean f′/γ, ``power_log_norm`` log₁₀‖Wᵈ‖₂.
    """

    kind: str
    distance: int
    measured: float
    bound: float
    weights: float
    derivatives: float
    power_log_norm: float
    shortfall: str
    below_gamma: float
    mean_ratio: float
    tolerance: float
    share: float


def _log_norm_power(W: np.ndarray, d: int) -> float:
    r"""$\log_{10}\|W^d\|_2$ by repeated squaring, each product normalised (no overflow); −inf if Wᵈ = 0."""
    result, log_result = np.eye(W.shape[0]), 0.0
    base, log_base = W.copy(), 0.0
    with np.errstate(all="ignore"):
        while True:
            if d & 1:
                result = result @ base
                size = np.abs(result).max()
                if not size > 0.0:
                    return float("-inf") if size == 0.0 else float("nan")
                result, log_result = result / size, log_result + log_base + np.log10(size)
            d >>= 1
            if not d:
                return float(log_result + np.log10(norm2(result)))
            base = base @ base
            size = np.abs(base).max()
            if not size > 0.0:
                return float("-inf") if size == 0.0 else float("nan")
            base, log_base = base / size, 2 * log_base + np.log10(size)


def cause_of(
    W, activation: str, fprime, measured: float, distance: int, *, tolerance=CAUSE_DECADES, share=CAUSE_SHARE
) -> ShrinkCause:
    r"""The :class:`ShrinkCause` of a measured ``measured`` = ℓ_d at ``distance`` d ≥ 1.

    ``W`` (H, H) finite; ``fprime`` (d, H) the derivatives f′(a⁽ʲ⁾) of the d steps of the product.
    """
    W = np.asarray(W, dtype=np.float64)
    d = positive_int("distance", distance)
    act = get_activation(activation)
    gamma = act.gamma
    sigma = norm2(W)
    fprime = np.asarray(fprime, dtype=np.float64)
    with np.errstate(all="ignore"):
        below = float(np.mean(fprime < gamma * (1 - 1e-12))) if fprime.size else 0.0
        ratio = float(np.mean(fprime) / gamma) if fprime.size else 1.0
        power = _log_norm_power(W, d)
        bound = d * math.log10(gamma) + (d * math.log10(sigma) if sigma > 0 else -math.inf)
        weights = d * math.log10(sigma) - power if sigma > 0 else 0.0
        derivatives = d * math.log10(gamma) + power - measured
    kind = _cause_kind(measured, weights, derivatives, tolerance, share)
    return ShrinkCause(
        kind,
        d,
        float(measured),
        bound,
        weights,
        derivatives,
        power,
        SHORTFALL[act.name],
        below,
        ratio,
        tolerance,
        share,
    )


def _cause_kind(measured: float, weights: float, derivatives: float, tolerance: float, share: float) -> str:
    if math.isnan(measured):
        return "undefined"
    if measured == -math.inf:
        return "cut"
    if math.isinf(weights):  # Wᵈ = 0 (nilpotent W): W alone removes the norm
        return "weights"
    gap = weights + derivatives
    if gap <= tolerance:
        return "none"
    if derivatives <= share * gap:
        return "weights"
    if weights <= share * gap:
        return "derivatives"
    return "both"


def shrink_cause(
    params: RNNParams, trace: Trace, *, distance: int | None = None, batch_index: int = 0
) -> ShrinkCause:
    r"""Why $\|\partial h^{(T)}/\partial h^{(T-d)}\|_2$ is below $(\gamma\sigma_{\max}(W))^d$: W's powers or f′ < γ.

    ``trace`` = forward(params, …) with T steps; ``distance`` d in 1..T (default T). The measured
    norm comes from :func:`rnn_core.jacobian_log_norms`, ‖Wᵈ‖₂ from repeated squaring, the
    derivatives f′(a⁽ʲ⁾) of steps j = T−d+1..T from the trace.
    """
    ell = jacobian_log_norms(params, trace, batch_index=batch_index)  # entry k: distance T − k
    T = ell.size - 1
    d = T if distance is None else positive_int("distance", distance)
    if d > T:
        raise ValueError(f"distance must be in 1..T = 1..{T}; received {d}")
    with np.errstate(all="ignore"):
        fprime = get_activation(trace.activation).df(trace.a[T - d : T, batch_index])  # (d, H)
    return cause_of(params.W, trace.activation, fprime, float(ell[T - d]), d)


# --- where the Jacobian profile stops being a number ------------------------------------------------


def derivative_failure_step(trace: Trace, *, batch_index: int | None = None) -> int | None:
    r"""The first step t (1-based) whose derivatives f′(a⁽ᵗ⁾) hold inf or nan, or None when all are numbers.

    ∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ = Πⱼ diag(f′(a⁽ʲ⁾)) W involves only f′ and W, so its log norm stays finite past an
    overflow of h as long as the f′ are numbers: ReLU′(+∞) = 1 and ReLU′(−∞) = 0 are, ReLU′(nan)
    is not. So this step is usually one after :attr:`Trace.overflow_step` (the h⁽ᵗ⁾ that holds ±inf
    makes a⁽ᵗ⁺¹⁾ = W h⁽ᵗ⁾ + … hold inf − inf = nan), and it is the same step when h⁽ᵗ⁾ holds nan itself.
    ``batch_index`` None: any sequence of the batch; else that sequence only.
    """
    a = trace.a if batch_index is None else trace.a[:, batch_index : batch_index + 1]  # (T, B, H)
    with np.errstate(all="ignore"):
        fprime = get_activation(trace.activation).df(a)
    bad = ~np.isfinite(fprime).all(axis=(1, 2))
    return int(np.argmax(bad)) + 1 if bad.any() else None
