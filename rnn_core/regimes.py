r"""The regime of a network: whether ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖₂ vanishes, explodes or neither over the sequence.

    ∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ = Πⱼ₌ₖ₊₁ᵗ diag(f′(a⁽ʲ⁾)) W,   ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖₂ ≤ (γ · σ_max(W))^(t−k)

- :func:`jacobian_profile`: log₁₀‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂ against the distance d with the bound
  d·log₁₀(γ·σ_max(W)) and the linear-case reference d·log₁₀ρ(W).
- :func:`classify_regime`: the verdict, from the log norm at the largest distance: a change of
  more than :data:`REGIME_DECADES` decades over the sequence names the regime; the average factor
  per step is "flat" when even :data:`EDGE_STEPS` steps at that rate change the norm by less.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._numerics import log_line
from .accounting import jacobian_log_norms
from .activations import get_activation
from .forward import Trace
from .params import RNNParams
from .spectral import SpectralSummary, spectral_summary
from .verdicts import BoundVerdict, ShrinkCause, base_kind, cause_of

REGIMES = ("vanishing", "exploding", "neither", "zero", "undefined")
TRENDS = ("shrinking", "flat", "growing", "none")
# A change of more than one decade (×10 or ×1/10) over the whole sequence names the regime.
REGIME_DECADES = 1.0
# A per-step factor that changes the norm by less than REGIME_DECADES over this many steps (the
# longest sequence the app draws) is flat: ×0.9886 to ×1.0116 per step.
EDGE_STEPS = 200


@dataclass(frozen=True)
class Regime:
    """What ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖₂ does over the distances 0..t.

    ``kind`` is one of :data:`REGIMES`; ``distance`` the largest distance with a finite log norm
    (or the first with an exactly zero Jacobian when ``kind`` is "zero"); ``log_norm`` the log₁₀
    norm at ``distance``; ``per_step`` = 10^(log_norm/distance), the average factor per step;
    ``bound_base`` γ·σ_max(W), and ``vanishing_guaranteed`` whether it is < 1 beyond
    rc.BOUND_RTOL (rc.bound_verdict's rule); ``trend`` (one of :data:`TRENDS`) whether the average
    factor per step shrinks, grows, or is flat: within REGIME_DECADES over EDGE_STEPS steps
    ("none" for "zero" and "undefined"); ``steps_per_decade`` the steps that factor takes to
    change the norm tenfold (∞ when it is exactly 1).
    """

    kind: str
    distance: int
    log_norm: float
    per_step: float
    bound_base: float
    vanishing_guaranteed: bool
    trend: str = "none"
    steps_per_decade: float = float("nan")


def classify_regime(log_norms, bound_base: float) -> Regime:
    r"""The regime of $\ell_d = \log_{10}\|\partial h^{(t)}/\partial h^{(t-d)}\|_2$, d = 0..t, over the whole sequence.

    ``log_norms`` (t+1,) as returned by :func:`rnn_core.jacobian_log_norms` (entry k is distance
    t − k); ``bound_base`` = γ·σ_max(W) ≥ 0, or its :class:`rnn_core.BoundVerdict`. With ℓ at the largest distance t: "vanishing" when
    ℓ_t < −1 (shrunk more than tenfold), "exploding" when ℓ_t > 1, "neither" in between; "zero"
    when some Jacobian is exactly 0 (every path cut, e.g. all ReLU units off at a step) and
    "undefined" when a log norm is nan (the forward pass produced nan).
    """
    ell = np.asarray(log_norms, dtype=np.float64)
    if ell.ndim != 1 or ell.size < 1:
        raise ValueError(f"log_norms must have shape (t+1,) with t ≥ 0; received shape {ell.shape}")
    if isinstance(bound_base, BoundVerdict):
        bound_base, kind = bound_base.base, bound_base.kind
    elif isinstance(bound_base, bool) or not (np.isfinite(bound_base) and bound_base >= 0):
        raise ValueError(f"bound_base must be a finite number ≥ 0 (γ·σ_max(W)); received {bound_base!r}")
    else:
        kind = base_kind(float(bound_base))
    by_distance = ell[::-1]  # entry d = distance d
    guaranteed = kind in ("vanishes", "zero")
    if np.isnan(by_distance).any():
        d = int(np.argmax(np.isnan(by_distance)))
        return Regime("undefined", d, float("nan"), float("nan"), float(bound_base), guaranteed)
    if np.isneginf(by_distance).any():
        d = int(np.argmax(np.isneginf(by_distance)))
        return Regime("zero", d, float("-inf"), 0.0, float(bound_base), guaranteed)
    d_max = by_distance.size - 1
    last = float(by_distance[d_max])
    with np.errstate(over="ignore"):  # a per-step factor beyond float64 is inf, not an error
        per_step = float(np.power(10.0, last / d_max)) if d_max > 0 else 1.0
    kind = "vanishing" if last < -REGIME_DECADES else "exploding" if last > REGIME_DECADES else "neither"
    rate = last / d_max if d_max > 0 else 0.0  # decades per step
    trend = "flat" if abs(rate) * EDGE_STEPS <= REGIME_DECADES else "shrinking" if rate < 0 else "growing"
    per_decade = REGIME_DECADES / abs(rate) if rate != 0 else float("inf")
    return Regime(kind, d_max, last, per_step, float(bound_base), guaranteed, trend, per_decade)


@dataclass(frozen=True)
class JacobianProfile:
    r"""‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂ against the distance d = 0..T, with its bound and the linear-case reference.

    ``distances`` (T+1,) = 0..T; ``log_norms`` (T+1,) the measured log₁₀ norms (entry d); ``bound``
    d·log₁₀(γ·σ_max(W)); ``linear_reference`` d·log₁₀ρ(W) (what a linear f with a normal W would
    give, −inf when ρ = 0); ``summary`` σ_max, ρ, γ; ``regime`` from :func:`classify_regime`;
    ``cause`` from :func:`rnn_core.shrink_cause` at the regime's distance (None when T = 0 or the
    regime has no finite distance to explain).
    """

    distances: np.ndarray
    log_norms: np.ndarray
    bound: np.ndarray
    linear_reference: np.ndarray
    summary: SpectralSummary
    regime: Regime
    cause: ShrinkCause | None = None

    @property
    def verdict(self) -> BoundVerdict:
        """The bound's verdict for this network (rc.bound_verdict of γ and σ_max(W))."""
        return self.summary.bound


def jacobian_profile(params: RNNParams, trace: Trace, *, batch_index: int = 0) -> JacobianProfile:
    r"""$\log_{10}\|\partial h^{(T)}/\partial h^{(T-d)}\|_2 \le d\,\log_{10}(\gamma\,\sigma_{\max}(W))$ for d = 0..T.

    ``trace`` = forward(params, …) (T steps); the norms come from
    :func:`rnn_core.jacobian_log_norms` (t = T), σ_max, ρ, γ from :func:`rnn_core.spectral_summary`.
    """
    ell = jacobian_log_norms(params, trace, batch_index=batch_index)[::-1].copy()  # entry d
    summary = spectral_summary(params.W, trace.activation)
    d = np.arange(ell.size)
    regime = classify_regime(ell[::-1], summary.bound)
    cause = None
    T = ell.size - 1
    if T > 0 and regime.kind in ("vanishing", "exploding", "neither"):
        with np.errstate(all="ignore"):
            fprime = get_activation(trace.activation).df(trace.a[:T, batch_index])  # steps 1..T
        cause = cause_of(params.W, trace.activation, fprime, float(ell[T]), T)
    return JacobianProfile(
        distances=d,
        log_norms=ell,
        bound=log_line(d, summary.bound_base),
        linear_reference=log_line(d, summary.rho),
        summary=summary,
        regime=regime,
        cause=cause,
    )
