r"""Vanishing and exploding gradients measured on a network, and what the remedies change.

- :func:`jacobian_profile`, :func:`classify_regime`: $\log_{10}\|\partial h^{(T)}/\partial h^{(T-d)}\|_2$
  against the distance d with the bound d·log₁₀(γ·σ_max(W)), and whether the gradient vanishes,
  explodes, or neither over the sequence.
- :func:`regime_map`: the same log norm at one distance for W rescaled to a grid of σ_max(W)
  (:func:`sigma_grid`) and several activations (the same U, b, inputs and direction of W).
- :func:`distance_split`: the gradient split by temporal distance, $\partial L/\partial W = \sum_d G_d$:
  each distance's norm and share, and what truncated BPTT of length τ keeps, for every τ.
- :func:`clipping_comparison`, :func:`clipping_sweep`, :func:`long_range`: norm clipping (Pascanu,
  Mikolov & Bengio 2013, Algorithm 1) against elementwise clipping, on :mod:`rnn_core.clipping`,
  and what norm clipping does to the long-range part of the gradient.
- :func:`power_profile`: $\log_{10}\|W^n\|_2$ against n·log₁₀ρ(W) and n·log₁₀σ_max(W), with its peak.

Norms here may exceed float64 (an exploding gradient): norms and inner products are taken after
dividing by the largest entry, so ratios and cosines stay exact where the raw squares overflow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array, choice, positive_int
from .accounting import jacobian_log_norms
from .activations import ACTIVATIONS, get_activation
from .clipping import clip_by_norm, clip_elementwise
from .forward import Trace
from .params import RNNParams
from .spectral import SpectralSummary, power_log_norms, spectral_summary

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


def _row_norms(flat: np.ndarray) -> np.ndarray:
    """‖row‖₂ of a (T, m) array, each row divided by its own largest entry first (no overflow or
    underflow of the squares); inf/nan rows give inf/nan."""
    size = np.abs(flat).max(axis=1, initial=0.0)  # (T,)
    ok = np.isfinite(size) & (size > 0)
    out = np.zeros(flat.shape[0])
    out[ok] = size[ok] * np.linalg.norm(flat[ok] / size[ok, None], axis=1)
    bad = ~np.isfinite(size)
    out[bad] = np.where(np.isnan(flat[bad]).any(axis=1), np.nan, np.inf)  # zero rows stay 0
    return out


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
    with np.errstate(over="ignore"):  # a per-step factor beyond float64 is inf, not an error
        per_step = float(np.power(10.0, last / D)) if D > 0 else 1.0
    kind = "vanishing" if last < -REGIME_DECADES else "exploding" if last > REGIME_DECADES else "neither"
    return Regime(kind, D, last, per_step, float(bound_base), guaranteed)


def _line(n: np.ndarray, base: float) -> np.ndarray:
    """n·log₁₀(base) for n ≥ 0, with 0 at n = 0 even when base = 0 (0⁰ = 1)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n == 0, 0.0, n * np.log10(base))


@dataclass(frozen=True)
class JacobianProfile:
    r"""‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂ against the distance d = 0..T, with its bound and the linear-case reference.

    ``distances`` (T+1,) = 0..T; ``log_norms`` (T+1,) the measured log₁₀ norms (entry d); ``bound``
    d·log₁₀(γ·σ_max(W)); ``linear_reference`` d·log₁₀ρ(W) (what a linear f with a normal W would
    give, −inf when ρ = 0); ``summary`` σ_max, ρ, γ; ``regime`` from :func:`classify_regime`.
    """

    distances: np.ndarray
    log_norms: np.ndarray
    bound: np.ndarray
    linear_reference: np.ndarray
    summary: SpectralSummary
    regime: Regime


def jacobian_profile(params: RNNParams, trace: Trace, *, batch_index: int = 0) -> JacobianProfile:
    r"""$\log_{10}\|\partial h^{(T)}/\partial h^{(T-d)}\|_2 \le d\,\log_{10}(\gamma\,\sigma_{\max}(W))$ for d = 0..T.

    ``trace`` = forward(params, …) (T steps); the norms come from
    :func:`rnn_core.jacobian_log_norms` (t = T), σ_max, ρ, γ from :func:`rnn_core.spectral.spectral_summary`.
    """
    ell = jacobian_log_norms(params, trace, batch_index=batch_index)[::-1].copy()  # entry d
    summary = spectral_summary(params.W, trace.activation)
    d = np.arange(ell.size)
    return JacobianProfile(
        distances=d,
        log_norms=ell,
        bound=_line(d, summary.bound_base),
        linear_reference=_line(d, summary.rho),
        summary=summary,
        regime=classify_regime(ell[::-1], summary.bound_base),
    )


# --- the regime map ---------------------------------------------------------------------------


LANCZOS_MAX_ITER = 30
EXPLICIT_MAX = 640  # products with d·H up to this are formed explicitly: cheap, and exact
LANCZOS_TOL = 1e-8  # decades: a row stops when its residual bound is this small
_BREAKDOWN = 1e-12  # α or β this small, relative to the largest so far, is rounding noise


def _apply_product(fprime: np.ndarray, W: np.ndarray, x: np.ndarray, transpose: bool):
    """J x, or Jᵀ x, for each row r with J_r = D_{r,1} W D_{r,2} W … D_{r,d} W.

    fprime (R, d, H) holds the diagonals D_{r,j}; W (H, H); x (R, H). Returns the unit direction
    (R, H) and log₁₀ of the norm (R,): the vector is renormalised at every step, so products that
    shrink below float64's smallest number still come out as finite logs.
    """
    d = fprime.shape[1]
    log = np.zeros(x.shape[0])
    x = x.copy()
    for j in range(d) if transpose else range(d - 1, -1, -1):
        x = (x * fprime[:, j]) @ W if transpose else (x @ W.T) * fprime[:, j]  # Wᵀ D x, or D W x
        n = np.sqrt(np.einsum("rh,rh->r", x, x))
        x /= np.where(n > 0, n, 1.0)[:, None]
        log += np.log10(n)  # −inf once the vector is exactly zero, nan once it is nan
    return x, log


def _orthogonalise(p: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """p (R, H) minus its projection on the orthonormal rows of basis (R, k, H), done twice for accuracy."""
    for _ in range(2):
        p = p - np.einsum("rj,rjh->rh", np.einsum("rjh,rh->rj", basis, p), basis)
    return p


def _explicit_log_norms(fprime: np.ndarray, W: np.ndarray) -> np.ndarray:
    """log₁₀‖D₁W D₂W … D_dW‖₂ for a batch, by forming each product: fprime (R, d, H), W (H, H).

    d matrix products per row, kept normalised, then the largest eigenvalue of J Jᵀ (= σ_max(J)²).
    Cheap when d·H is small, where the Lanczos iterations converge slowest (clustered singular
    values of a short product).
    """
    R, d, H = fprime.shape
    M = np.broadcast_to(np.eye(H), (R, H, H)).copy()  # (R, H, H), divided by 10^log_scale
    log_scale = np.zeros(R)
    for j in range(d):
        M = (M * fprime[:, j, None, :]).reshape(R * H, H) @ W  # M ← M D_j W, every row in one call
        M = M.reshape(R, H, H)
        size = np.abs(M).max(axis=(1, 2))
        M /= np.where(size > 0, size, 1.0)[:, None, None]
        log_scale += np.log10(size)  # −inf for a zero product, nan for nan
    ok = np.isfinite(log_scale)
    out = log_scale.copy()
    top = np.linalg.eigvalsh(M[ok] @ M[ok].transpose(0, 2, 1))[:, -1]
    out[ok] += 0.5 * np.log10(top)
    return out


def _product_log_norms(fprime: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, float]:
    r"""log₁₀‖D₁W D₂W … D_dW‖₂ for a batch of products, without forming them, and their accuracy.

    Golub–Kahan–Lanczos bidiagonalisation with full reorthogonalisation: only products of J and Jᵀ
    with vectors (2d matrix-vector products per iteration, for all rows at once), on J scaled by
    10^(−c) with c = log₁₀‖J v₁‖ so that the Krylov vectors stay in float64's range. The largest
    singular value of the bidiagonal matrix grows to σ_max(J) from below. A row is done when its
    residual puts a singular value of J within LANCZOS_TOL decades of it, when its Krylov space
    closed (then it is σ_max(J) itself), or after min(H, LANCZOS_MAX_ITER) iterations (exact when
    that is H: the space is then everything); done rows leave the batch. Returns (log norms (R,),
    the largest residual bound of any row, in decades: 0 when all are exact). −inf where
    J v₁ = 0 (J = 0), nan for nan.
    """
    R, d, H = fprime.shape
    out = np.full(R, np.nan)
    v1 = np.random.default_rng(0).standard_normal(H)  # a fixed start: results are deterministic
    v1 /= np.linalg.norm(v1)
    p, c = _apply_product(fprime, W, np.broadcast_to(v1, (R, H)), transpose=False)
    out[np.isneginf(c)] = -np.inf
    rows = np.flatnonzero(np.isfinite(c))  # the rows still being worked on, by original index
    if rows.size == 0:
        return out, 0.0
    fprime, p, c = fprime[rows], p[rows], c[rows]
    n = rows.size
    k_max = min(H, LANCZOS_MAX_ITER)
    V = np.zeros((n, k_max + 1, H))
    U = np.zeros((n, k_max, H))
    V[:, 0] = v1
    alpha = np.zeros((n, k_max))
    beta = np.zeros((n, k_max))
    done = np.zeros(n, dtype=bool)
    accuracy = 0.0
    for i in range(k_max):
        if i > 0:
            x, ln = _apply_product(fprime, W, V[:, i], transpose=False)
            p = 10.0 ** (ln - c)[:, None] * x - beta[:, i - 1, None] * U[:, i - 1]
        p = _orthogonalise(p, U[:, :i])
        a = np.sqrt(np.einsum("rh,rh->r", p, p))
        # what is left after orthogonalisation is rounding noise: the Krylov space closed
        closed = ~(a > _BREAKDOWN * np.maximum(alpha.max(axis=1), beta.max(axis=1)))
        alpha[:, i] = np.where(closed, 0.0, a)
        U[:, i] = np.where(closed[:, None], 0.0, p / np.where(closed, 1.0, a)[:, None])
        x, ln = _apply_product(fprime, W, U[:, i], transpose=True)
        q = _orthogonalise(10.0 ** (ln - c)[:, None] * x - alpha[:, i, None] * V[:, i], V[:, : i + 1])
        b = np.sqrt(np.einsum("rh,rh->r", q, q))
        closed |= ~(b > _BREAKDOWN * np.maximum(alpha.max(axis=1), beta.max(axis=1)))
        beta[:, i] = np.where(closed, 0.0, b)
        V[:, i + 1] = np.where(closed[:, None], 0.0, q / np.where(closed, 1.0, b)[:, None])
        B = np.zeros((n, i + 1, i + 1))  # upper bidiagonal: α on the diagonal, β above it
        diag = np.arange(i + 1)
        B[:, diag, diag] = alpha[:, : i + 1]
        B[:, diag[:-1], diag[1:]] = beta[:, :i]
        P, sv, _ = np.linalg.svd(B)
        est = np.log10(sv[:, 0])
        # The top Ritz pair (x, y) satisfies J y = σx and Jᵀx = σy + βᵢ pᵢ vᵢ₊₁ (pᵢ the last entry of
        # B's top left singular vector): some singular value of J lies within βᵢ|pᵢ|/√2 of σ.
        with np.errstate(divide="ignore", invalid="ignore"):
            error = np.log10(1.0 + beta[:, i] * np.abs(P[:, -1, 0]) / np.sqrt(2.0) / sv[:, 0])
        last = i == k_max - 1
        finish = ~done & (closed | (error <= LANCZOS_TOL) | last)
        out[rows[finish]] = c[finish] + est[finish]
        stopped = finish & ~closed  # by the tolerance or the cap: report the residual bound
        if stopped.any() and not (last and k_max == H):  # H iterations leave nothing out: exact
            accuracy = max(accuracy, float(error[stopped].max()))
        done |= finish
        if done.all():
            break
        if done.sum() * 4 >= n:  # drop the finished rows once they are a quarter of the batch
            keep = ~done
            rows, fprime, c, V, U, alpha, beta = (arr[keep] for arr in (rows, fprime, c, V, U, alpha, beta))
            n = rows.size
            done = np.zeros(n, dtype=bool)
    return out, accuracy


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


def regime_map(
    params: RNNParams,
    xs,
    sigmas,
    activations,
    distance: int,
    *,
    batch_index: int = 0,
) -> RegimeMap:
    r"""$\log_{10}\|\partial h^{(T)}/\partial h^{(T-d)}\|_2$ with W rescaled to each σ_max(W) in ``sigmas``, for each activation.

    For activation ``activations[i]`` and W_σ = σ·W/σ_max(W) (U, b and h⁽⁰⁾ = 0 kept), the forward
    pass a⁽ᵗ⁾ = b + W_σ h⁽ᵗ⁻¹⁾ + U x⁽ᵗ⁾ runs on sequence ``batch_index`` of ``xs`` (T, B, D), and
    entry [i, j] of the result's ``log_norms`` (A, S) is the log norm of
    ∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾ = Πₜ₌ₜ₋ₐ₊₁ᵀ diag(f′(a⁽ᵗ⁾)) W_σ over the last d = ``distance`` steps: what
    :func:`rnn_core.jacobian_log_norms` gives for each network separately. The σ run as one batch
    through the recurrence (σᵈ factored out of the product; a product whose derivatives do not
    depend on σ, as for linear f, is done once). The A·S products are formed explicitly when
    d·H ≤ EXPLICIT_MAX; otherwise one Lanczos run finds all their norms from products with vectors
    (``accuracy`` in the result bounds how far a value may be from a singular value of its product).
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
    if (
        isinstance(batch_index, bool)
        or not isinstance(batch_index, (int, np.integer))
        or not 0 <= batch_index < B
    ):
        raise ValueError(f"batch_index must be an integer in 0..B-1 = 0..{B - 1}; received {batch_index!r}")
    top = np.linalg.norm(params.W, 2)
    if top == 0.0:
        raise ValueError("params.W must be nonzero to be rescaled to a given σ_max(W); received W = 0")
    W1 = params.W / top  # σ_max(W1) = 1 and W_σ = σ·W1
    x_proj = xs[:, batch_index] @ params.U.T + params.b  # (T, H): U x⁽ᵗ⁾ + b for every t, one call
    blocks, rows = [], []  # per activation: the diagonals of its products, and the row of each σ
    start = 0
    with np.errstate(all="ignore"):
        for name in activations:
            act = get_activation(name)
            h = np.zeros((sig.size, H))  # (S, H): one hidden state per σ
            fprime = np.empty((sig.size, d, H))  # row j = f′(a⁽ᵀ⁻ʲ⁾): D_T first, as the product reads
            for t in range(T):  # the recurrence, every σ at once
                a = x_proj[t] + sig[:, None] * (h @ W1.T)
                h = act.f(a)
                if t >= T - d:
                    fprime[:, T - 1 - t] = act.df(a)
            if (fprime == fprime[:1]).all():  # derivatives independent of σ: one product serves all
                fprime = fprime[:1]
                rows.append(np.full(sig.size, start))
            else:
                rows.append(start + np.arange(sig.size))
            blocks.append(fprime)
            start += fprime.shape[0]
        fprime = np.concatenate(blocks)
        if d * H <= EXPLICIT_MAX:
            logs, accuracy = _explicit_log_norms(fprime, W1), 0.0
        else:
            logs, accuracy = _product_log_norms(fprime, W1)
        out = np.stack([logs[r] for r in rows]) + d * np.log10(sig)  # (A, S): σᵈ put back
    return RegimeMap(out, sig.copy(), tuple(activations), d, accuracy)


# --- the gradient split by temporal distance -----------------------------------------------------


@dataclass(frozen=True)
class DistanceSplit:
    r"""∂L/∂θ = Σ_d G_d split by temporal distance d = s − k (index d = 0..T−1), all arrays (T,).

    ``norms[d]`` = ‖G_d‖_F; ``shares[d]`` = ⟨G_d, g⟩/‖g‖² with g = Σ_d G_d (they sum to 1, and may be
    negative: a distance can point against the total); ``kept[τ−1]`` = ‖Σ_{d<τ} G_d‖/‖g‖ and
    ``cosine[τ−1]`` = cos(Σ_{d<τ} G_d, g), what truncated BPTT of length τ keeps, for τ = 1..T;
    ``dropped[τ−1]`` = ‖Σ_{d≥τ} G_d‖/‖g‖, what it drops. ``total_norm`` = ‖g‖_F and ``total`` = g
    itself (θ.shape), to reconcile with the BPTT gradient.
    """

    norms: np.ndarray
    shares: np.ndarray
    kept: np.ndarray
    cosine: np.ndarray
    dropped: np.ndarray
    total_norm: float
    total: np.ndarray


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
        norms = _row_norms(flat)
        total = G.sum(axis=0)
        nan = np.full(T, np.nan)
        if not np.isfinite(flat).all():
            return DistanceSplit(norms, nan, nan, nan, nan, float("nan"), total)
        scale = np.abs(flat).max(initial=0.0)
        if scale == 0.0:
            return DistanceSplit(norms, nan, nan, nan, nan, 0.0, total)
        flat = flat / scale  # entries in [−1, 1]: no square below can overflow
        kept_sum = np.cumsum(flat, axis=0)  # (T, m): row τ−1 = Σ_{d<τ} G_d / scale
        g = kept_sum[-1]
        g_norm = np.linalg.norm(g)
        if g_norm == 0.0:
            return DistanceSplit(norms, nan, nan, nan, nan, 0.0, total)
        kept_norm = np.linalg.norm(kept_sum, axis=1)
        # Σ_{d≥τ} G_d summed from the far end, not as g − Σ_{d<τ} G_d: a vanishing long-range part
        # would drown in the rounding error of that difference
        tail = np.cumsum(flat[::-1], axis=0)[::-1]  # row i = Σ_{d≥i} G_d / scale
        dropped_norm = np.append(np.linalg.norm(tail[1:], axis=1), 0.0)  # row τ−1: ‖Σ_{d≥τ} G_d‖
        shares = (flat @ g) / g_norm**2
        cosine = np.divide(kept_sum @ g, kept_norm * g_norm, out=np.full(T, np.nan), where=kept_norm > 0)
    return DistanceSplit(
        norms=norms,
        shares=shares,
        kept=kept_norm / g_norm,
        cosine=np.clip(cosine, -1.0, 1.0),
        dropped=dropped_norm / g_norm,
        total_norm=float(g_norm * scale),
        total=total,
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


@dataclass(frozen=True)
class ClipSweep:
    """:func:`clipping_comparison` over many thresholds: each field (n,) for ``thresholds`` (n,)."""

    thresholds: np.ndarray
    norm_cosine: np.ndarray
    elementwise_cosine: np.ndarray
    norm_after: np.ndarray
    elementwise_after: np.ndarray
    elementwise_fraction: np.ndarray


def clipping_sweep(grads: RNNParams, thresholds) -> ClipSweep:
    """Both clippings of ``grads`` at every threshold in ``thresholds`` (n,) > 0: cosines, norms after."""
    th = as_float_array("thresholds", thresholds, (None,), "(n,)")
    rows = [clipping_comparison(grads, float(t)) for t in th]
    return ClipSweep(
        thresholds=th,
        norm_cosine=np.array([r.norm_cosine for r in rows]),
        elementwise_cosine=np.array([r.elementwise_cosine for r in rows]),
        norm_after=np.array([r.norm_after for r in rows]),
        elementwise_after=np.array([r.elementwise_after for r in rows]),
        elementwise_fraction=np.array([r.elementwise_fraction for r in rows]),
    )


@dataclass(frozen=True)
class LongRange:
    r"""The long-range part $L_\tau = \sum_{d \ge \tau} G_d$ of ∂L/∂W before and after norm clipping.

    ``norm_before`` ‖L_τ‖, ``norm_after`` its norm in the clipped gradient (c·‖L_τ‖, c the factor
    norm clipping applied); ``share_before`` ‖L_τ‖/‖∂L/∂W‖ and ``share_after`` the same ratio in
    the clipped gradient, c‖L_τ‖/‖c ∂L/∂W‖: equal, because one factor multiplies every distance.
    """

    tau: int
    norm_before: float
    norm_after: float
    share_before: float
    share_after: float


def long_range(split: DistanceSplit, tau: int, clip: ClipComparison) -> LongRange:
    r"""What norm clipping does to $L_\tau = \sum_{d\ge\tau} G_d$: $g \mapsto c\,g$ maps every $G_d \mapsto c\,G_d$.

    ``split`` from :func:`distance_split` of the W gradient, ``tau`` in 1..T, ``clip`` from
    :func:`clipping_comparison` of the same gradient. ‖∂L/∂W‖ after clipping is measured on the
    clipped gradient itself (``clip.clipped_by_norm.W``), so ``share_after`` = ``share_before``
    is a check that norm clipping kept the direction, not an assumption.
    """
    T = split.norms.size
    tau = positive_int("tau", tau)
    if tau > T:
        raise ValueError(f"tau must be in 1..T = 1..{T}; received {tau}")
    share = float(split.dropped[tau - 1])
    before = 0.0 if split.total_norm == 0.0 else share * split.total_norm  # no gradient, no long range
    after = clip.norm_scale * before
    w_after = float(_row_norms(np.asarray(clip.clipped_by_norm.W, dtype=np.float64).reshape(1, -1))[0])
    with np.errstate(all="ignore"):
        share_after = after / w_after if w_after > 0 else float("nan")
    return LongRange(tau, before, after, share, float(share_after))


# --- transient growth of a non-normal W ----------------------------------------------------------


@dataclass(frozen=True)
class PowerProfile:
    """log₁₀‖Wⁿ‖₂ for n = 0..n_max against n·log₁₀ρ(W) and n·log₁₀σ_max(W), and its peak over n ≥ 1."""

    n: np.ndarray
    log_norms: np.ndarray
    rho_line: np.ndarray
    sigma_line: np.ndarray
    rho: float
    sigma_max: float
    peak_n: int
    peak_log_norm: float


def power_profile(W, n_max: int) -> PowerProfile:
    r"""$n\log_{10}\rho(W) \le \log_{10}\|W^n\|_2 \le n\log_{10}\sigma_{\max}(W)$ for n = 0..n_max, and the peak.

    W (H, H) finite, n_max ≥ 1; the norms from :func:`rnn_core.spectral.power_log_norms`. For a
    non-normal W, ‖Wⁿ‖ can rise far above ρⁿ before it decays. The peak is over n = 1..n_max (the
    first n on ties).
    """
    n_max = positive_int("n_max", n_max)
    logs = power_log_norms(W, n_max)
    W = np.asarray(W, dtype=np.float64)
    rho = float(np.abs(np.linalg.eigvals(W)).max())
    sigma = float(np.linalg.norm(W, 2))
    n = np.arange(n_max + 1)
    peak = 1 + int(np.argmax(logs[1:]))
    return PowerProfile(n, logs, _line(n, rho), _line(n, sigma), rho, sigma, peak, float(logs[peak]))
