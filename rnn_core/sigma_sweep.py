r"""The regime map: ‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂ as σ_max(W) sweeps a grid, for several activations at once.

W keeps its direction and is rescaled, W_σ = σ·W/σ_max(W); U, b and the inputs stay. For each
σ and activation f the forward pass runs again and

    ∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾ = Πₜ₌ₜ₋ₐ₊₁ᵀ diag(f′(a⁽ᵗ⁾)) W_σ = σᵈ · Πₜ diag(f′(a⁽ᵗ⁾)) W/σ_max(W)

so σᵈ is factored out and the remaining products' norms come from :mod:`rnn_core._products`.
- :func:`sigma_grid`: σ values evenly spaced on a log scale, with the edges of their cells.
- :func:`regime_map`: the log norms (A activations × S values of σ) at one distance d.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _products
from ._checks import as_float_array, choice, positive_int
from .activations import ACTIVATIONS, get_activation
from .params import RNNParams
from .spectral import sigma_max

METHODS = ("auto", "explicit", "lanczos")


def sigma_grid(low: float, high: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n values of σ_max(W) evenly spaced on a log scale from ``low`` to ``high`` (> low > 0), and the
    n+1 edges of the cells around them (geometric midpoints, the ends half a step out): (n,), (n+1,)."""
    n = positive_int("n", n, minimum=2)
    if not (np.isfinite(low) and np.isfinite(high) and 0 < low < high):
        raise ValueError(f"low and high must satisfy 0 < low < high; received low={low!r}, high={high!r}")
    logs = np.linspace(np.log10(low), np.log10(high), n)
    half = (logs[1] - logs[0]) / 2
    edges = np.concatenate([[logs[0] - half], (logs[:-1] + logs[1:]) / 2, [logs[-1] + half]])
    return 10.0**logs, 10.0**edges


@dataclass(frozen=True)
class RegimeMap:
    r"""``log_norms`` (A, S): log₁₀‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂ for ``activations`` (A,) × ``sigmas`` (S,) at ``distance`` d.

    ``accuracy`` (decades): 0 when every value is exact; otherwise each value is within
    ``accuracy`` of a singular value of its product (Lanczos residual bound) and never above the
    largest one.
    """

    log_norms: np.ndarray
    sigmas: np.ndarray
    activations: tuple
    distance: int
    accuracy: float


def _check_batch_index(batch_index, B: int) -> int:
    if (
        isinstance(batch_index, bool)
        or not isinstance(batch_index, (int, np.integer))
        or not 0 <= batch_index < B
    ):
        raise ValueError(f"batch_index must be an integer in 0..B-1 = 0..{B - 1}; received {batch_index!r}")
    return int(batch_index)


def _derivatives(x_proj: np.ndarray, W1: np.ndarray, sigmas: np.ndarray, name: str, d: int) -> np.ndarray:
    """f′(a⁽ᵗ⁾) over the last d steps for every σ: (S, d, H), row j = step T − j (the product's order).

    The recurrence a⁽ᵗ⁾ = U x⁽ᵗ⁾ + b + σ W1 h⁽ᵗ⁻¹⁾ runs for every σ at once; x_proj (T, H) holds
    U x⁽ᵗ⁾ + b. When the derivatives do not depend on σ (linear f) one row serves all: (1, d, H).
    """
    act = get_activation(name)
    T, H = x_proj.shape
    h = np.zeros((sigmas.size, H))  # (S, H): one hidden state per σ
    fprime = np.empty((sigmas.size, d, H))
    for t in range(T):
        a = x_proj[t] + sigmas[:, None] * (h @ W1.T)
        h = act.f(a)
        if t >= T - d:
            fprime[:, T - 1 - t] = act.df(a)
    return fprime[:1] if (fprime == fprime[:1]).all() else fprime


def regime_map(
    params: RNNParams,
    xs,
    sigmas,
    activations,
    distance: int,
    *,
    batch_index: int = 0,
    method: str = "auto",
    max_iter: int = _products.LANCZOS_MAX_ITER,
) -> RegimeMap:
    r"""$\log_{10}\|\partial h^{(T)}/\partial h^{(T-d)}\|_2$ with W rescaled to each σ_max(W) in ``sigmas``, for each activation.

    For activation ``activations[i]`` and W_σ = σ·W/σ_max(W) (U, b and h⁽⁰⁾ = 0 kept), the forward
    pass a⁽ᵗ⁾ = b + W_σ h⁽ᵗ⁻¹⁾ + U x⁽ᵗ⁾ runs on sequence ``batch_index`` of ``xs`` (T, B, D), and
    entry [i, j] of the result's ``log_norms`` (A, S) is the log norm of
    ∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾ = Πₜ₌ₜ₋ₐ₊₁ᵀ diag(f′(a⁽ᵗ⁾)) W_σ over the last d = ``distance`` steps: what
    :func:`rnn_core.jacobian_log_norms` gives for each network separately. The σ run as one batch
    through the recurrence (σᵈ factored out of the product; a product whose derivatives do not
    depend on σ, as for linear f, is done once). ``method`` "explicit" forms the A·S products,
    "lanczos" finds their norms from products with vectors (at most ``max_iter`` iterations), and
    "auto" forms them when d·H ≤ 640, where that is cheap and exact. ``accuracy`` in the result
    bounds how far a value may be from a singular value of its product (0: exact).
    −inf where the Jacobian is exactly zero, nan where the forward pass produced nan.
    ``sigmas`` (S,) > 0; ``activations`` names from :data:`rnn_core.ACTIVATIONS`; 1 ≤ d ≤ T.

    The trajectory a⁽ᵗ⁾ is recomputed here with W_σ = σ·W1, which rounds differently from a
    forward pass with the matrix σ·W1 formed first. Where the dynamics are chaotic (tanh with
    σ_max(W) well above 1, say) such rounding differences grow along the sequence, and so do the
    differences between the two computations' Jacobians at large d; the growth rate agrees.
    """
    if not isinstance(params, RNNParams):
        raise ValueError(f"params must be RNNParams; received {type(params).__name__}")
    params.check_finite("params")
    H, D = params.n_hidden, params.n_in
    xs = as_float_array("xs", xs, (None, None, D), f"(T, B, D) with D = {D}")
    T, B, _ = xs.shape
    if T < 1 or B < 1:
        raise ValueError(f"xs must have T ≥ 1 steps and B ≥ 1 sequences; received shape {xs.shape}")
    sig = as_float_array("sigmas", sigmas, (None,), "(S,)")
    if sig.size < 1 or (sig <= 0).any():
        raise ValueError(f"sigmas must be a non-empty list of numbers > 0; received {sig.tolist()}")
    if isinstance(activations, str) or len(activations) < 1:
        raise ValueError(f"activations must be a non-empty list of names; received {activations!r}")
    for name in activations:
        choice("activations[i]", name, ACTIVATIONS)
    d = positive_int("distance", distance)
    if d > T:
        raise ValueError(f"distance must be in 1..T = 1..{T}; received {d}")
    batch_index = _check_batch_index(batch_index, B)
    choice("method", method, METHODS)
    max_iter = positive_int("max_iter", max_iter)
    top = sigma_max(params.W)
    if top == 0.0:
        raise ValueError("params.W must be nonzero to be rescaled to a given σ_max(W); received W = 0")
    W1 = params.W / top  # σ_max(W1) = 1 and W_σ = σ·W1
    x_proj = xs[:, batch_index] @ params.U.T + params.b  # (T, H): U x⁽ᵗ⁾ + b for every t, one call
    blocks, rows = [], []  # per activation: the diagonals of its products, and the row of each σ
    start = 0
    with np.errstate(all="ignore"):
        for name in activations:
            fprime = _derivatives(x_proj, W1, sig, name, d)
            rows.append(start + (np.zeros(sig.size, dtype=int) if len(fprime) == 1 else np.arange(sig.size)))
            blocks.append(fprime)
            start += fprime.shape[0]
        fprime = np.concatenate(blocks)
        if method == "explicit" or (method == "auto" and d * H <= _products.EXPLICIT_MAX):
            logs, accuracy = _products.explicit_log_norms(fprime, W1), 0.0
        else:
            logs, accuracy = _products.lanczos_log_norms(fprime, W1, max_iter)
        out = np.stack([logs[r] for r in rows]) + d * np.log10(sig)  # (A, S): σᵈ put back
    return RegimeMap(out, sig.copy(), tuple(activations), d, accuracy)
