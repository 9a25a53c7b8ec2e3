r"""Gradient accounting: which paths through time carry the gradient, and how far.

For k ≤ s write δₖ⁽ˢ⁾ = ∂L⁽ˢ⁾/∂a⁽ᵏ⁾. Then ∂L⁽ˢ⁾/∂W = Σₖ₌₁ˢ δₖ⁽ˢ⁾ h⁽ᵏ⁻¹⁾ᵀ (x⁽ᵏ⁾ᵀ for U, nothing for
b): term k is the path L⁽ˢ⁾ → o⁽ˢ⁾ → h⁽ˢ⁾ → … → h⁽ᵏ⁾ → θ, across the distance s − k. Jacobians:
∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ = Πⱼ₌ₖ₊₁ᵗ diag(f′(a⁽ʲ⁾)) W, with ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖₂ ≤ (γ·σ_max(W))^(t−k).
"""

from __future__ import annotations

import numpy as np

from ._checks import choice, positive_int
from .bptt import backward_sweep, check_step, check_trace, local_errors
from .forward import Trace
from .params import RNNParams

WRT = ("W", "U", "b")
_WRT_V = (
    "wrt must be one of ['W', 'U', 'b']; received 'V': ∂L⁽ˢ⁾/∂V = ∂L⁽ˢ⁾/∂o⁽ˢ⁾ h⁽ˢ⁾ᵀ has a single "
    "term, because V acts on h⁽ˢ⁾ only at step s (no path through earlier steps)"
)


def _factors(params: RNNParams, trace: Trace, wrt: str) -> np.ndarray:
    """What δₖ⁽ˢ⁾ is multiplied by in path term k, for every k: (T, B, m)."""
    if wrt == "V":
        raise ValueError(_WRT_V)
    choice("wrt", wrt, WRT)
    check_trace(params, trace)
    if wrt == "W":
        return trace.h[:-1]  # h⁽ᵏ⁻¹⁾
    if wrt == "U":
        return trace.xs  # x⁽ᵏ⁾
    return np.ones(trace.a.shape[:2] + (1,))  # b: δₖ⁽ˢ⁾ alone


def _shape(params: RNNParams, wrt: str) -> tuple:
    return getattr(params, wrt).shape


def path_terms(params: RNNParams, trace: Trace, s: int, *, wrt: str = "W") -> np.ndarray:
    r"""The path terms of $\partial L^{(s)}/\partial\theta = \sum_{k=1}^{s} \delta_k^{(s)} h^{(k-1)\top}$.

    Returns (s, *θ.shape): entry k−1 is the part of ∂L⁽ˢ⁾/∂θ through step k (summed over the
    batch); the entries sum to ∂L⁽ˢ⁾/∂θ. ``wrt`` is "W", "U" or "b"; s in 1..T.
    """
    Z = _factors(params, trace, wrt)  # (T, B, m)
    s = check_step("s", s, trace.T)
    _, dh_direct, fprime = local_errors(params, trace, s)
    terms = np.empty((s, params.n_hidden, Z.shape[2]))  # (s, H, m)
    e = dh_direct[s - 1]  # ∂L⁽ˢ⁾/∂h⁽ˢ⁾ (B, H)
    with np.errstate(all="ignore"):
        for k in range(s, 0, -1):
            delta = fprime[k - 1] * e  # δₖ⁽ˢ⁾ (B, H)
            terms[k - 1] = delta.T @ Z[k - 1]  # (H, m), summed over the batch
            e = delta @ params.W  # ∂L⁽ˢ⁾/∂h⁽ᵏ⁻¹⁾
    return terms.reshape((s,) + _shape(params, wrt))


def contributions(params: RNNParams, trace: Trace, *, wrt: str = "W") -> np.ndarray:
    r"""The contribution matrix $C_{s,k} = \|\delta_k^{(s)} h^{(k-1)\top}\|_F$ (path term k of L⁽ˢ⁾), (T, T).

    C[s−1, k−1] is the Frobenius norm of the batch-summed path term; zero where k > s.
    All s are back-propagated at once (O(T) numpy calls); no path term is formed as a matrix:
    ‖Σ_b δ_b z_bᵀ‖²_F = Σ_{b,b'} (δ_b·δ_b')(z_b·z_b').
    """
    Z = _factors(params, trace, wrt)
    T, B = Z.shape[:2]
    C = np.zeros((T, T))
    with np.errstate(all="ignore"):
        for k, delta in backward_sweep(params, trace):  # delta (S, B, H), rows s = k..T
            z = Z[k - 1]  # (B, m)
            if B == 1:
                C[k - 1 :, k - 1] = np.linalg.norm(delta[:, 0], axis=1) * np.linalg.norm(z[0])
            else:
                gram_delta = delta @ delta.transpose(0, 2, 1)  # (S, B, B)
                sq = (gram_delta * (z @ z.T)).sum(axis=(1, 2))
                C[k - 1 :, k - 1] = np.sqrt(np.maximum(sq, 0.0))
    return C


def distance_terms(params: RNNParams, trace: Trace, *, wrt: str = "W") -> np.ndarray:
    r"""The gradient split by temporal distance, $G_d = \sum_{s-k=d} \delta_k^{(s)} h^{(k-1)\top}$, (T, *θ.shape).

    Entry d (= s − k, 0..T−1) sums the path terms of every L⁽ˢ⁾ that cross d steps. They sum to
    ∂L/∂θ, and Σ_{d<τ} G_d is the gradient of BPTT truncated to τ. Memory stays bounded: the
    errors are gathered in blocks of steps and reduced with one matrix product per block.
    """
    Z = _factors(params, trace, wrt)
    T, B, m = Z.shape
    H = params.n_hidden
    G = np.zeros((T, H, m))
    chunk = max(1, min(T, 4_000_000 // (T * B * H)))  # ≤ ~32 MB of errors per block
    block = np.zeros((chunk, T, B, H))  # block[i, d] = δₖ⁽ᵏ⁺ᵈ⁾ for the i-th k of the block
    block_z = np.zeros((chunk, B, m))
    filled = 0
    with np.errstate(all="ignore"):
        for k, delta in backward_sweep(params, trace):
            block[filled] = 0.0
            block[filled, : delta.shape[0]] = delta
            block_z[filled] = Z[k - 1]
            filled += 1
            if filled == chunk or k == 1:
                errs = block[:filled].transpose(1, 3, 0, 2).reshape(T, H, filled * B)
                G += errs @ block_z[:filled].reshape(filled * B, m)  # Σ over k and the batch
                filled = 0
    return G.reshape((T,) + _shape(params, wrt))


_POWER_ITERATIONS = 30
_POWER_TOL = 1e-12
_RESEED = 1e-3


def _sigma_max(M: np.ndarray, u: np.ndarray | None, probe: np.ndarray) -> tuple[float, np.ndarray]:
    """Largest singular value of M and its left singular vector, warm-started from u.

    Power iteration on M Mᵀ from the previous step's left singular vector: along a product of
    Jacobians that vector settles, so a few iterations meet the tolerance. A small fixed dense
    ``probe`` is mixed in so that a new top direction orthogonal to u (as with a diagonal W) is
    still found. When the iterations do not settle (a cluster of nearly equal singular values),
    an exact SVD decides.
    """
    if u is not None:
        u = u + _RESEED * probe
        u /= np.linalg.norm(u)
        for _ in range(_POWER_ITERATIONS):
            w = u @ M  # Mᵀu
            sw = np.sqrt(w @ w)
            if sw == 0.0:
                break
            x = M @ w
            sx = np.sqrt(x @ x) / sw  # ‖M Mᵀu‖/‖Mᵀu‖: sw ≤ sx ≤ σ_max
            u = x / (sx * sw)
            if sx - sw <= _POWER_TOL * sx:
                return sx, u
        return np.linalg.svd(M, compute_uv=False)[0], u
    left, sv, _ = np.linalg.svd(M)
    return sv[0], left[:, 0]


def jacobian_log_norms(
    params: RNNParams, trace: Trace, *, t: int | None = None, batch_index: int = 0
) -> np.ndarray:
    r"""$\log_{10}\|\partial h^{(t)}/\partial h^{(k)}\|_2$ for k = 0..t, shape (t+1,); entry t is 0.

    ∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ = Πⱼ₌ₖ₊₁ᵗ diag(f′(a⁽ʲ⁾)) W for sequence ``batch_index``. The running product is kept
    normalised and its scale accumulated as a log, so the result is finite where the norm itself
    overflows float64 (−inf where the product is exactly zero, e.g. every ReLU unit off at some
    step; nan where the forward pass produced nan).
    """
    check_trace(params, trace)
    T, B = trace.a.shape[:2]
    t = T if t is None else positive_int("t", t, minimum=0)
    if t > T:
        raise ValueError(f"t must be a time step in 0..T = 0..{T}; received {t}")
    if (
        isinstance(batch_index, bool)
        or not isinstance(batch_index, (int, np.integer))
        or not (0 <= batch_index < B)
    ):
        raise ValueError(f"batch_index must be an integer in 0..B-1 = 0..{B - 1}; received {batch_index!r}")
    _, _, fprime = local_errors(params, trace)
    d = fprime[:t, batch_index]  # d[j-1] = f′(a⁽ʲ⁾), (t, H)
    out = np.zeros(t + 1)
    M = np.eye(params.n_hidden)  # ∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ / 10^log_scale
    log_scale = 0.0
    u = None
    probe = np.random.default_rng(0).standard_normal(params.n_hidden)
    probe /= np.linalg.norm(probe)
    with np.errstate(all="ignore"):
        for k in range(t - 1, -1, -1):
            M = (M * d[k]) @ params.W  # append diag(f′(a⁽ᵏ⁺¹⁾)) W on the right
            size = np.abs(M).max()
            if not size > 0.0:  # exactly zero, or nan from an exploded forward pass
                out[: k + 1] = -np.inf if size == 0.0 else np.nan
                break
            M /= size
            log_scale += np.log10(size)
            sigma, u = _sigma_max(M, u, probe)
            out[k] = log_scale + np.log10(sigma)
    return out
