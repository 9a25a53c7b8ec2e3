r"""log₁₀‖J‖₂ for a batch of Jacobian products J = F₁W F₂W … F_dW, Fⱼ = diag(f′(a)) (H, H) diagonal.

Two ways, chosen by the caller (:func:`rnn_core.regime_map`):

- :func:`explicit_log_norms` forms each product (d matrix products, kept normalised) and takes
  σ_max(J)² as the largest eigenvalue of J Jᵀ: exact, cheap while d·H is small.
- :func:`lanczos_log_norms` never forms J: Golub–Kahan–Lanczos bidiagonalisation

      J qᵢ = αᵢ pᵢ + βᵢ₋₁ pᵢ₋₁,   Jᵀ pᵢ = αᵢ qᵢ + βᵢ qᵢ₊₁

  needs only products of J and Jᵀ with vectors, and the largest singular value of the bidiagonal
  matrix (α on the diagonal, β above it) grows to σ_max(J) from below.

The diagonals arrive as ``fprime`` (R, d, H): row r, entry j holds the diagonal of F_{j+1}.
Products are renormalised at every step and their scale kept as a log, so a product far below or
above float64's range still has a finite log norm; −inf where J = 0, nan where f′ is nan.
"""

from __future__ import annotations

import numpy as np

from ._numerics import top_eigenvalues

LANCZOS_MAX_ITER = 30
EXPLICIT_MAX = 640  # products with d·H up to this are formed explicitly: cheap, and exact
LANCZOS_TOL = 1e-8  # decades: a row stops when its residual bound is this small
_BREAKDOWN = 1e-12  # α or β this small, relative to the largest so far, is rounding noise


def _apply(fprime: np.ndarray, W: np.ndarray, vec: np.ndarray, transpose: bool):
    """J vec, or Jᵀ vec, for every row r at once: fprime (R, d, H), W (H, H), vec (R, H).

    Returns the unit direction (R, H) and log₁₀ of the norm (R,): the vector is renormalised at
    every step, so products that shrink below float64's smallest number still give finite logs.
    """
    d = fprime.shape[1]
    log = np.zeros(vec.shape[0])
    vec = vec.copy()
    for j in range(d) if transpose else range(d - 1, -1, -1):
        vec = (vec * fprime[:, j]) @ W if transpose else (vec @ W.T) * fprime[:, j]  # Wᵀ F vec, or F W vec
        size = np.sqrt(np.einsum("rh,rh->r", vec, vec))
        vec /= np.where(size > 0, size, 1.0)[:, None]
        log += np.log10(size)  # −inf once the vector is exactly zero, nan once it is nan
    return vec, log


def _orthogonalise(vec: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """vec (R, H) minus its projection on the orthonormal rows of basis (R, k, H), done twice for accuracy."""
    for _ in range(2):
        vec = vec - np.einsum("rj,rjh->rh", np.einsum("rjh,rh->rj", basis, vec), basis)
    return vec


def _lengths(vec: np.ndarray) -> np.ndarray:
    return np.sqrt(np.einsum("rh,rh->r", vec, vec))


def explicit_log_norms(fprime: np.ndarray, W: np.ndarray) -> np.ndarray:
    """log₁₀‖F₁W F₂W … F_dW‖₂ (R,) by forming each product: fprime (R, d, H), W (H, H).

    Cheap when d·H is small, where the Lanczos iterations converge slowest (clustered singular
    values of a short product).
    """
    R, d, H = fprime.shape
    J = np.broadcast_to(np.eye(H), (R, H, H)).copy()  # (R, H, H), divided by 10^log_scale
    log_scale = np.zeros(R)
    for j in range(d):
        J = (J * fprime[:, j, None, :]).reshape(R * H, H) @ W  # J ← J F_j W, every row in one call
        J = J.reshape(R, H, H)
        size = np.abs(J).max(axis=(1, 2))
        J /= np.where(size > 0, size, 1.0)[:, None, None]
        log_scale += np.log10(size)  # −inf for a zero product, nan for nan
    ok = np.isfinite(log_scale)
    out = log_scale.copy()
    top = top_eigenvalues(J[ok] @ J[ok].transpose(0, 2, 1))  # nan where no method converges
    out[ok] += 0.5 * np.log10(top)
    return out


def lanczos_log_norms(
    fprime: np.ndarray, W: np.ndarray, max_iter: int = LANCZOS_MAX_ITER
) -> tuple[np.ndarray, float]:
    r"""log₁₀‖F₁W … F_dW‖₂ (R,) from products with vectors only, and the accuracy of the result.

    Full reorthogonalisation; 2d matrix-vector products per iteration, for all rows at once, on J
    scaled by 10^(−c) with c = log₁₀‖J q₁‖ so that the Krylov vectors stay in float64's range. A
    row is done when its residual puts a singular value of J within LANCZOS_TOL decades of the
    estimate, when its Krylov space closed (then the estimate is σ_max(J) itself), or after
    min(H, max_iter) iterations (exact when that is H: the space is then everything); done rows
    leave the batch. The accuracy is the largest residual bound of any row, in decades (0 when all
    are exact).
    """
    R, d, H = fprime.shape
    out = np.full(R, np.nan)
    q1 = np.random.default_rng(0).standard_normal(H)  # a fixed start: results are deterministic
    q1 /= np.linalg.norm(q1)
    p, log_scale = _apply(fprime, W, np.broadcast_to(q1, (R, H)), transpose=False)
    out[np.isneginf(log_scale)] = -np.inf
    rows = np.flatnonzero(np.isfinite(log_scale))  # the rows still being worked on, by original index
    if rows.size == 0:
        return out, 0.0
    fprime, p, log_scale = fprime[rows], p[rows], log_scale[rows]
    n = rows.size
    k_max = min(H, max_iter)
    Q = np.zeros((n, k_max + 1, H))  # right Lanczos vectors q₁, q₂, …
    P = np.zeros((n, k_max, H))  # left Lanczos vectors p₁, p₂, …
    Q[:, 0] = q1
    alpha = np.zeros((n, k_max))
    beta = np.zeros((n, k_max))
    done = np.zeros(n, dtype=bool)
    accuracy = 0.0
    for i in range(k_max):
        if i > 0:
            vec, log = _apply(fprime, W, Q[:, i], transpose=False)
            p = 10.0 ** (log - log_scale)[:, None] * vec - beta[:, i - 1, None] * P[:, i - 1]
        p = _orthogonalise(p, P[:, :i])
        alpha_i = _lengths(p)
        # what is left after orthogonalisation is rounding noise: the Krylov space closed
        closed = ~(alpha_i > _BREAKDOWN * np.maximum(alpha.max(axis=1), beta.max(axis=1)))
        alpha[:, i] = np.where(closed, 0.0, alpha_i)
        P[:, i] = np.where(closed[:, None], 0.0, p / np.where(closed, 1.0, alpha_i)[:, None])
        vec, log = _apply(fprime, W, P[:, i], transpose=True)
        q = _orthogonalise(
            10.0 ** (log - log_scale)[:, None] * vec - alpha[:, i, None] * Q[:, i], Q[:, : i + 1]
        )
        beta_i = _lengths(q)
        closed |= ~(beta_i > _BREAKDOWN * np.maximum(alpha.max(axis=1), beta.max(axis=1)))
        beta[:, i] = np.where(closed, 0.0, beta_i)
        Q[:, i + 1] = np.where(closed[:, None], 0.0, q / np.where(closed, 1.0, beta_i)[:, None])
        bidiag = np.zeros((n, i + 1, i + 1))  # upper bidiagonal: α on the diagonal, β above it
        diag = np.arange(i + 1)
        bidiag[:, diag, diag] = alpha[:, : i + 1]
        bidiag[:, diag[:-1], diag[1:]] = beta[:, :i]
        left, sv, _ = np.linalg.svd(bidiag)
        estimate = np.log10(sv[:, 0])
        # The top Ritz pair (u, v) satisfies J v = σu and Jᵀu = σv + βᵢ eᵢ q_{i+1}, with eᵢ the last
        # entry of the bidiagonal's top left singular vector: some singular value of J lies within
        # βᵢ|eᵢ|/√2 of σ.
        with np.errstate(divide="ignore", invalid="ignore"):
            error = np.log10(1.0 + beta[:, i] * np.abs(left[:, -1, 0]) / np.sqrt(2.0) / sv[:, 0])
        last = i == k_max - 1
        finish = ~done & (closed | (error <= LANCZOS_TOL) | last)
        out[rows[finish]] = log_scale[finish] + estimate[finish]
        stopped = finish & ~closed  # by the tolerance or the cap: report the residual bound
        if stopped.any() and not (last and k_max == H):  # H iterations leave nothing out: exact
            accuracy = max(accuracy, float(error[stopped].max()))
        done |= finish
        if done.all():
            break
        if done.sum() * 4 >= n:  # drop the finished rows once they are a quarter of the batch
            keep = ~done
            rows, fprime, log_scale, Q, P, alpha, beta = (
                arr[keep] for arr in (rows, fprime, log_scale, Q, P, alpha, beta)
            )
            n = rows.size
            done = np.zeros(n, dtype=bool)
    return out, accuracy
