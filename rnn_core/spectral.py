r"""Spectral facts about W that decide whether gradients can vanish or explode.

    ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖₂ ≤ (γ · σ_max(W))^(t−k)

σ_max(W) < 1/γ is sufficient for vanishing; σ_max(W) > 1/γ is necessary, not sufficient, for
explosion (Pascanu, Mikolov & Bengio 2013, §2.1). The spectral radius ρ(W) = max|λᵢ(W)| governs
‖Wⁿ‖ only as n → ∞ (‖Wⁿ‖^(1/n) → ρ); for a non-normal W, ‖Wⁿ‖ can first grow far above ρⁿ:

    ρ(W)ⁿ ≤ ‖Wⁿ‖₂ ≤ σ_max(W)ⁿ

- :func:`spectral_summary`: σ_max(W), ρ(W), γ and the bound's base γ·σ_max(W).
- :func:`power_log_norms`, :func:`power_profile`: log₁₀‖Wⁿ‖₂ against both lines, and its peak.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array, positive_int
from ._numerics import log_line, norm2
from .activations import get_activation
from .verdicts import BoundVerdict, bound_verdict

RHO_RTOL = 1e-9  # relative: ρ(W) this close to σ_max(W) is σ_max(W) up to the rounding of SVD and eig


@dataclass(frozen=True)
class SpectralSummary:
    """σ_max(W), ρ(W), the activation's γ, the bound's base γ·σ_max(W) and its threshold 1/γ."""

    sigma_max: float
    rho: float
    gamma: float
    bound_base: float
    sigma_threshold: float

    @property
    def bound(self) -> BoundVerdict:
        """The verdict of the bound (γ·σ_max(W))^(t−k): < 1, = 1 or > 1 within rc.BOUND_RTOL."""
        return bound_verdict(self.gamma, self.sigma_max)

    @property
    def rho_below_sigma(self) -> bool:
        """ρ(W) < σ_max(W) beyond :data:`RHO_RTOL`: W is not normal, and its eigenvalues understate
        how much it stretches a vector."""
        return self.sigma_max - self.rho > RHO_RTOL * self.sigma_max

    @property
    def vanishing_guaranteed(self) -> bool:
        """γ·σ_max(W) < 1 beyond the tolerance: every ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖ shrinks at least geometrically."""
        return self.bound.vanishing_guaranteed


def _square(name: str, W) -> np.ndarray:
    W = np.asarray(W, dtype=np.float64)
    n = W.shape[0] if W.ndim == 2 else None
    return as_float_array(name, W, (n, n), "(H, H), square")


def sigma_max(W: np.ndarray) -> float:
    r"""$\sigma_{\max}(W) = \|W\|_2$, the largest singular value of a float64 matrix W (H, H).

    nan if W holds inf or nan. LAPACK's SVD; where it does not converge (rarely, on a finite W),
    √λ_max(WᵀW/m²)·m with m = max|Wᵢⱼ| by the eigenvalue routine, so never a LinAlgError.
    """
    return norm2(W)


def spectral_radius(W: np.ndarray) -> float:
    r"""$\rho(W) = \max_i |\lambda_i(W)|$ of a float64 square matrix W (H, H); nan if W holds inf or
    nan or LAPACK's eigenvalue routine does not converge on it (never a LinAlgError)."""
    W = np.asarray(W, dtype=np.float64)
    if not np.isfinite(W).all():
        return float("nan")
    try:
        return float(np.abs(np.linalg.eigvals(W)).max())
    except np.linalg.LinAlgError:
        return float("nan")


def spectral_summary(W, activation: str) -> SpectralSummary:
    r"""$\sigma_{\max}(W)$, $\rho(W)$ and $\gamma\,\sigma_{\max}(W)$ for W (H, H) and the named activation."""
    W = _square("W", W)
    gamma = get_activation(activation).gamma
    sigma = sigma_max(W)
    return SpectralSummary(sigma, spectral_radius(W), gamma, gamma * sigma, 1.0 / gamma)


def power_log_norms(W, n_max: int) -> np.ndarray:
    r"""$\log_{10}\|W^n\|_2$ for n = 0..n_max, shape (n_max+1,), finite where ‖Wⁿ‖ overflows.

    The running power is kept normalised and its scale accumulated as a log; each norm is an
    exact SVD (meant for the small examples a page shows, H up to a few dozen).
    """
    W = _square("W", W)
    n_max = positive_int("n_max", n_max, minimum=0)
    out = np.zeros(n_max + 1)
    P = np.eye(W.shape[0])
    log_scale = 0.0
    for n in range(1, n_max + 1):
        P = P @ W
        size = np.abs(P).max()
        if size == 0.0:  # nilpotent W: Wⁿ = 0 from here on
            out[n:] = -np.inf
            break
        P /= size
        log_scale += np.log10(size)
        out[n] = log_scale + np.log10(np.linalg.norm(P, 2))
    return out


PEAK_DECADES = 1e-9  # a peak higher than ‖W‖₂ by less than this (in decades) is rounding, not growth


@dataclass(frozen=True)
class PowerProfile:
    """log₁₀‖Wⁿ‖₂ for n = 0..n_max against n·log₁₀ρ(W) and n·log₁₀σ_max(W), and its peak over n ≥ 1.

    ``transient`` is the verdict "‖Wⁿ‖₂ grows for a while, then decays": ρ(W) < 1 (so ‖Wⁿ‖ → 0)
    and yet the peak lies at n > 1, above ‖W‖₂ by more than :data:`PEAK_DECADES`; ``growth`` =
    peak / ‖W‖₂ (how much it grows after the first step).
    """

    n: np.ndarray
    log_norms: np.ndarray
    rho_line: np.ndarray
    sigma_line: np.ndarray
    rho: float
    sigma_max: float
    peak_n: int
    peak_log_norm: float

    @property
    def growth(self) -> float:
        """‖W^peak_n‖₂ / ‖W‖₂ (1 when the largest power is W itself)."""
        return float(10.0 ** (self.peak_log_norm - self.log_norms[1]))

    @property
    def transient(self) -> bool:
        """Whether ‖Wⁿ‖₂ rises above ‖W‖₂ (a peak at some n > 1) although ρ(W) < 1."""
        return self.rho < 1 and self.peak_n > 1 and self.peak_log_norm - self.log_norms[1] > PEAK_DECADES


def power_profile(W, n_max: int) -> PowerProfile:
    r"""$n\log_{10}\rho(W) \le \log_{10}\|W^n\|_2 \le n\log_{10}\sigma_{\max}(W)$ for n = 0..n_max, and the peak.

    W (H, H) finite, n_max ≥ 1; the norms from :func:`power_log_norms`. For a non-normal W, ‖Wⁿ‖
    can rise far above ρⁿ before it decays. The peak is over n = 1..n_max (the first n on ties).
    """
    n_max = positive_int("n_max", n_max)
    logs = power_log_norms(W, n_max)
    W = _square("W", W)
    rho, sigma = spectral_radius(W), sigma_max(W)
    n = np.arange(n_max + 1)
    peak = 1 + int(np.argmax(logs[1:]))
    return PowerProfile(n, logs, log_line(n, rho), log_line(n, sigma), rho, sigma, peak, float(logs[peak]))
