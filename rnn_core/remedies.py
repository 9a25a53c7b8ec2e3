r"""Vanishing and exploding gradients measured on a network, and what the remedies change.

- :func:`classify_regime`: from $\log_{10}\|\partial h^{(t)}/\partial h^{(k)}\|_2$ against t − k, whether the
  gradient vanishes, explodes, or neither over the sequence.
- :func:`regime_map`: $\log_{10}\|\partial h^{(T)}/\partial h^{(T-d)}\|_2$ for W rescaled to a grid of σ_max(W)
  values and several activations (the same U, b, inputs and direction of W).
- :func:`distance_split`: the gradient split by temporal distance, $\partial L/\partial W = \sum_d G_d$:
  each distance's norm and share, and what truncated BPTT of length τ keeps, for every τ.
- :func:`clipping_comparison`: norm clipping (Pascanu, Mikolov & Bengio 2013, Algorithm 1) against
  elementwise clipping, on top of :mod:`rnn_core.clipping`.
- :func:`power_profile`: $\log_{10}\|W^n\|_2$ and its transient peak, for a non-normal W.

Norms here may exceed float64 (an exploding gradient): every norm and inner product is taken after
dividing by the largest entry, so ratios and cosines stay exact where the raw squares overflow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array, choice, positive_int
from .activations import ACTIVATIONS, get_activation
from .clipping import clip_by_norm, clip_elementwise
from .params import RNNParams
from .spectral import power_log_norms

REGIMES = ("vanishing", "exploding", "neither", "zero", "undefined")
# A change of more than one decade (×10 or ×1/10) over the whole sequence names the regime.
REGIME_DECADES = 1.0


# --- robust norms and inner products ------------------------------------------------------------


def _flat(x) -> np.ndarray:
    if isinstance(x, RNNParams):
        return np.concatenate([arr.ravel() for arr in x.arrays().values()])
    return np.asarray(x, dtype=np.float64).ravel()


def _cosine(x: np.ndarray, y: np.ndarray) -> float:
    """⟨x, y⟩/(‖x‖‖y‖), nan when either is zero or not finite; exact when the squares overflow."""
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        return float("nan")
    sx, sy = np.abs(x).max(initial=0.0), np.abs(y).max(initial=0.0)
    if sx == 0.0 or sy == 0.0:
        return float("nan")
    x, y = x / sx, y / sy  # entries in [−1, 1]: the products below cannot overflow
    return float(np.clip((x @ y) / (np.linalg.norm(x) * np.linalg.norm(y)), -1.0, 1.0))


# --- the regime -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Regime:
    """What ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖₂ does over the distances 0..t.

    ``kind`` is one of :data:`REGIMES`; ``distance`` the largest distance with a finite log norm
    (or the first with an exactly zero Jacobian when ``kind`` is "zero"); ``log_norm`` the log₁₀
    norm at ``distance``; ``per_step`` = 10^(log_norm/distance), the average factor per step;
    ``bound_base`` γ·σ_max(W), and ``vanishing_guaranteed`` whether it is < 1.
    """

    kind: str
    distance: int
    log_norm: float
    per_step: float
    bound_base: float
    vanishing_guaranteed: bool


def classify_regime(log_norms, bound_base: float) -> Regime:
    r"""The regime of $\ell_d = \log_{10}\|\partial h^{(t)}/\partial h^{(t-d)}\|_2$, d = 0..t, over the whole sequence.

    ``log_norms`` (t+1,) as returned by :func:`rnn_core.jacobian_log_norms` (entry k is distance
    t − k); ``bound_base`` = γ·σ_max(W) ≥ 0. With ℓ at the largest distance D: "vanishing" when
    ℓ_D < −1 (shrunk more than tenfold), "exploding" when ℓ_D > 1, "neither" in between; "zero"
    when some Jacobian is exactly 0 (every path cut, e.g. all ReLU units off at a step) and
    "undefined" when a log norm is nan (the forward pass produced nan).
    """
    ell = np.asarray(log_norms, dtype=np.float64)
    if ell.ndim != 1 or ell.size < 1:
        raise ValueError(f"log_norms must have shape (t+1,) with t ≥ 0; received shape {ell.shape}")
    if isinstance(bound_base, bool) or not (np.isfinite(bound_base) and bound_base >= 0):
        raise ValueError(f"bound_base must be a finite number ≥ 0 (γ·σ_max(W)); received {bound_base!r}")
    by_distance = ell[::-1]  # entry d = distance d
    guaranteed = bool(bound_base < 1.0)
    if np.isnan(by_distance).any():
        d = int(np.argmax(np.isnan(by_distance)))
        return Regime("undefined", d, float("nan"), float("nan"), float(bound_base), guaranteed)
    if np.isneginf(by_distance).any():
        d = int(np.argmax(np.isneginf(by_distance)))
        return Regime("zero", d, float("-inf"), 0.0, float(bound_base), guaranteed)
    D = by_distance.size - 1
    last = float(by_distance[D])
    per_step = float(10.0 ** (last / D)) if D > 0 else 1.0
    kind = "vanishing" if last < -REGIME_DECADES else "exploding" if last > REGIME_DECADES else "neither"
    return Regime(kind, D, last, per_step, float(bound_base), guaranteed)


# --- the regime map ---------------------------------------------------------------------------


def _product_log_norms(fprime: np.ndarray, W: np.ndarray) -> np.ndarray:
    """log₁₀‖(D₁W)(D₂W)…(D_dW)‖₂ for a batch: fprime (G, d, H) holds the diagonals Dⱼ, W (H, H)."""
    G, d, H = fprime.shape
    M = np.broadcast_to(np.eye(H), (G, H, H)).copy()  # (G, H, H), kept normalised
    log_scale = np.zeros(G)
    alive = np.ones(G, dtype=bool)
    out = np.full(G, np.nan)
    with np.errstate(all="ignore"):
        for j in range(d):
            idx = np.flatnonzero(alive)
            if idx.size == 0:
                break
            Mj = (M[idx] * fprime[idx, j, None, :]).reshape(-1, H) @ W  # one product for the batch
            Mj = Mj.reshape(idx.size, H, H)
            size = np.abs(Mj).max(axis=(1, 2))
            dead = ~(size > 0.0)  # exactly zero (−inf) or nan
            out[idx[dead]] = np.where(size[dead] == 0.0, -np.inf, np.nan)
            alive[idx[dead]] = False
            keep = ~dead
            M[idx[keep]] = Mj[keep] / size[keep, None, None]
            log_scale[idx[keep]] += np.log10(size[keep])
        idx = np.flatnonzero(alive)
        if idx.size:
            sigma = np.linalg.svd(M[idx], compute_uv=False)[:, 0]
            out[idx] = log_scale[idx] + np.log10(sigma)
    return out


def regime_map(
    params: RNNParams,
    xs,
    sigmas,
    activations,
    distance: int,
    *,
    batch_index: int = 0,
) -> np.ndarray:
    r"""$\log_{10}\|\partial h^{(T)}/\partial h^{(T-d)}\|_2$ with W rescaled to each σ_max(W) in ``sigmas``, shape (A, S).

    For activation ``activations[i]`` and W_σ = σ·W/σ_max(W) (U, b and h⁽⁰⁾ = 0 kept), the forward
    pass a⁽ᵗ⁾ = b + W_σ h⁽ᵗ⁻¹⁾ + U x⁽ᵗ⁾ runs on sequence ``batch_index`` of ``xs`` (T, B, D), and
    entry [i, j] is the log norm of ∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾ = Πⱼ diag(f′(a⁽ʲ⁾)) W_σ over the last d = ``distance``
    steps, as :func:`rnn_core.jacobian_log_norms` would give for each network separately. All σ
    run as one batch; when the derivatives do not depend on σ (linear f), the product is formed
    once. −inf where the Jacobian is exactly zero, nan where the forward pass produced nan.
    ``sigmas`` (S,) > 0, ``activations`` names from :data:`rnn_core.ACTIVATIONS`, 1 ≤ d ≤ T.
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
    if not isinstance(batch_index, (int, np.integer)) or isinstance(batch_index, bool) or not 0 <= batch_index < B:
        raise ValueError(f"batch_index must be an integer in 0..B-1 = 0..{B - 1}; received {batch_index!r}")
    top = np.linalg.norm(params.W, 2)
    if top == 0.0:
        raise ValueError("params.W must be nonzero to be rescaled to a given σ_max(W); received W = 0")
    W1 = params.W / top  # σ_max(W1) = 1: W_σ = σ·W1
    x_proj = xs[:, batch_index] @ params.U.T + params.b  # (T, H): U x⁽ᵗ⁾ + b, one call
    out = np.empty((len(activations), sig.size))
    with np.errstate(all="ignore"):
        for i, name in enumerate(activations):
            act = get_activation(name)
            h = np.zeros((sig.size, H))  # (S, H): one hidden state per σ
            fprime = np.empty((sig.size, d, H))  # f′(a⁽ʲ⁾) for j = T−d+1..T
            for t in range(T):  # the recurrence, every σ at once
                a = x_proj[t] + sig[:, None] * (h @ W1.T)
                h = act.f(a)
                if t >= T - d:
                    fprime[:, t - (T - d)] = act.df(a)
            # ∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾ = D_T W_σ D_{T−1} W_σ … D_{T−d+1} W_σ = σᵈ · (D_T W1)(D_{T−1} W1)…
            ordered = fprime[:, ::-1]  # D_T first
            if (ordered == ordered[:1]).all():  # derivatives independent of σ: one product serves all
                base = _product_log_norms(ordered[:1], W1)[0]
                logs = np.full(sig.size, base)
            else:
                logs = _product_log_norms(ordered, W1)
            out[i] = logs + d * np.log10(sig)
    return out


# --- the gradient split by temporal distance -----------------------------------------------------


@dataclass(frozen=True)
class DistanceSplit:
    r"""∂L/∂θ = Σ_d G_d split by temporal distance d = s − k (index d = 0..T−1), all arrays (T,).

    ``norms[d]`` = ‖G_d‖_F; ``shares[d]`` = ⟨G_d, g⟩/‖g‖² with g = Σ_d G_d (they sum to 1, and may be
    negative: a distance can point against the total); ``kept[τ−1]`` = ‖Σ_{d<τ} G_d‖/‖g‖ and
    ``cosine[τ−1]`` = cos(Σ_{d<τ} G_d, g), what truncated BPTT of length τ keeps, for τ = 1..T;
    ``dropped[τ−1]`` = ‖Σ_{d≥τ} G_d‖/‖g‖, what it drops. ``total_norm`` = ‖g‖_F.
    """

    norms: np.ndarray
    shares: np.ndarray
    kept: np.ndarray
    cosine: np.ndarray
    dropped: np.ndarray
    total_norm: float


def distance_split(G) -> DistanceSplit:
    r"""Norms and shares of $G_d$ in $\partial L/\partial\theta = \sum_{d=0}^{T-1} G_d$, and the truncated sums $\sum_{d<\tau} G_d$.

    ``G`` (T, *θ.shape) as returned by :func:`rnn_core.distance_terms`. Shares
    $p_d = \langle G_d, g\rangle/\|g\|^2$ sum to 1. Everything is computed after dividing G by its
    largest entry, so it is exact where ‖G_d‖² overflows float64; non-finite G gives nan (norms
    keep inf where an entry is inf). A zero gradient gives nan shares and ratios.
    """
    G = np.asarray(G, dtype=np.float64)
    if G.ndim < 1 or G.shape[0] < 1:
        raise ValueError(f"G must have shape (T, *θ.shape) with T ≥ 1; received shape {G.shape}")
    T = G.shape[0]
    flat = G.reshape(T, -1)  # (T, m)
    with np.errstate(all="ignore"):
        if not np.isfinite(flat).all():
            norms = np.sqrt((flat**2).sum(axis=1))
            nan = np.full(T, np.nan)
            return DistanceSplit(norms, nan, nan, nan.copy(), nan.copy(), float(np.sqrt((flat.sum(0) ** 2).sum())))
        scale = np.abs(flat).max(initial=0.0)
        if scale == 0.0:
            nan = np.full(T, np.nan)
            return DistanceSplit(np.zeros(T), nan, nan.copy(), nan.copy(), nan.copy(), 0.0)
        flat = flat / scale  # entries in [−1, 1]
        norms = np.linalg.norm(flat, axis=1)  # (T,)
        kept_sum = np.cumsum(flat, axis=0)  # (T, m): row τ−1 = Σ_{d<τ} G_d / scale
        g = kept_sum[-1]
        g_norm = np.linalg.norm(g)
        kept_norm = np.linalg.norm(kept_sum, axis=1)
        dropped_norm = np.linalg.norm(g - kept_sum, axis=1)
        if g_norm == 0.0:
            nan = np.full(T, np.nan)
            return DistanceSplit(norms * scale, nan, nan.copy(), nan.copy(), nan.copy(), 0.0)
        shares = (flat @ g) / g_norm**2
        cosine = np.divide(kept_sum @ g, kept_norm * g_norm, out=np.full(T, np.nan), where=kept_norm > 0)
        return DistanceSplit(
            norms=norms * scale,
            shares=shares,
            kept=kept_norm / g_norm,
            cosine=np.clip(cosine, -1.0, 1.0),
            dropped=dropped_norm / g_norm,
            total_norm=float(g_norm * scale),
        )


# --- clipping ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClipComparison:
    """Norm clipping against elementwise clipping of one gradient g at one threshold.

    ``norm_before`` ‖g‖ (all fields U, W, V, b, c together). For each method: the norm after, the
    cosine between the clipped and the original gradient, whether it changed g. ``norm_scale`` is
    the factor norm clipping multiplied g by (1 when it did not bite); ``elementwise_fraction`` the
    fraction of entries elementwise clipping changed. ``finite`` says whether g was finite.
    """

    threshold: float
    norm_before: float
    finite: bool
    norm_after: float
    norm_cosine: float
    norm_clipped: bool
    norm_scale: float
    elementwise_after: float
    elementwise_cosine: float
    elementwise_clipped: bool
    elementwise_fraction: float
    clipped_by_norm: RNNParams
    clipped_elementwise: RNNParams


def clipping_comparison(grads: RNNParams, threshold: float) -> ClipComparison:
    r"""Clip g by its norm ($g \leftarrow g\cdot\text{threshold}/\|g\|$ when $\|g\| > $ threshold) and entrywise; compare.

    ``grads`` an RNNParams (the gradient from :func:`rnn_core.bptt`), ``threshold`` > 0. Uses
    :func:`rnn_core.clipping.clip_by_norm` and :func:`rnn_core.clipping.clip_elementwise`; the
    cosines cos(clip(g), g) are 1 for norm clipping (same direction) and < 1 for elementwise
    clipping when it changes some entries but not others in proportion.
    """
    by_norm, info_n = clip_by_norm(grads, threshold)
    by_elem, info_e = clip_elementwise(grads, threshold)
    g = _flat(grads)
    with np.errstate(all="ignore"):
        changed = float(np.mean(np.abs(g) > threshold)) if g.size else 0.0
        scale = info_n.norm_after / info_n.norm_before if info_n.clipped else 1.0
    return ClipComparison(
        threshold=float(threshold),
        norm_before=info_n.norm_before,
        finite=info_n.finite,
        norm_after=info_n.norm_after,
        norm_cosine=_cosine(_flat(by_norm), g),
        norm_clipped=info_n.clipped,
        norm_scale=float(scale),
        elementwise_after=info_e.norm_after,
        elementwise_cosine=_cosine(_flat(by_elem), g),
        elementwise_clipped=info_e.clipped,
        elementwise_fraction=changed,
        clipped_by_norm=by_norm,
        clipped_elementwise=by_elem,
    )


def long_range_share(grad_W, long_part) -> float:
    r"""$\|L\|/\|g_W\|$: how much of a W gradient ``grad_W`` (H, H) a long-range part ``long_part`` (H, H) is.

    Computed after dividing both by the largest entry of ``grad_W`` (no overflow); nan when
    ``grad_W`` is zero or either holds inf/nan.
    """
    gw = np.asarray(grad_W, dtype=np.float64)
    lp = np.asarray(long_part, dtype=np.float64)
    if gw.shape != lp.shape:
        raise ValueError(f"long_part must have the shape of grad_W {gw.shape}; received shape {lp.shape}")
    if not (np.isfinite(gw).all() and np.isfinite(lp).all()):
        return float("nan")
    scale = np.abs(gw).max(initial=0.0)
    if scale == 0.0:
        return float("nan")
    return float(np.linalg.norm(lp / scale) / np.linalg.norm(gw / scale))


# --- transient growth of a non-normal W ----------------------------------------------------------


@dataclass(frozen=True)
class PowerProfile:
    """log₁₀‖Wⁿ‖₂ for n = 0..n_max, with ρ(W), σ_max(W) and the largest ‖Wⁿ‖ (n ≥ 1) and its n."""

    log_norms: np.ndarray
    rho: float
    sigma_max: float
    peak_n: int
    peak_log_norm: float


def power_profile(W, n_max: int) -> PowerProfile:
    r"""$\log_{10}\|W^n\|_2$ for n = 0..n_max (:func:`rnn_core.spectral.power_log_norms`), ρ(W), σ_max(W) and the peak.

    W (H, H) finite, n_max ≥ 1. ρⁿ ≤ ‖Wⁿ‖₂ ≤ σ_max(W)ⁿ for every n; for a non-normal W the norm can
    rise far above ρⁿ before it decays. The peak is over n = 1..n_max (the first n on ties).
    """
    n_max = positive_int("n_max", n_max)
    logs = power_log_norms(W, n_max)
    W = np.asarray(W, dtype=np.float64)
    n = 1 + int(np.argmax(logs[1:]))
    return PowerProfile(
        log_norms=logs,
        rho=float(np.abs(np.linalg.eigvals(W)).max()),
        sigma_max=float(np.linalg.norm(W, 2)),
        peak_n=n,
        peak_log_norm=float(logs[n]),
    )
