r"""Norms, cosines and log-lines that stay exact where an exploding gradient overflows float64, and
the certified σ_max that the Jacobian profiles and chains take step by step (:func:`warm_sigma_max`).

An exploding gradient can hold entries near 10³⁰⁰: their squares overflow although the norm and
every ratio of norms is a float64 number. Each function here divides by the largest entry first,

    ‖v‖ = m · ‖v/m‖,   m = max|vᵢ|,

so the squares of v/m lie in [0, 1]; inf or nan entries give inf or nan, never a warning.
"""

from __future__ import annotations

import math

import numpy as np

from .params import CellParams


def flat(value) -> np.ndarray:
    """Any cell's parameters (every field, in declaration order) or any array as one float64 vector."""
    if isinstance(value, CellParams):
        return np.concatenate([arr.ravel() for arr in value.arrays().values()])
    return np.asarray(value, dtype=np.float64).ravel()


def array_norm(arr) -> float:
    r"""$\|x\|_F$ of any array, inf/nan when an entry is, finite wherever the squares would overflow."""
    vec = flat(arr)
    if not np.isfinite(vec).all():
        return float("nan") if np.isnan(vec).any() else float("inf")
    with np.errstate(all="ignore"):
        norm = float(np.sqrt(vec @ vec))
        big = float(np.abs(vec).max()) if vec.size else 0.0
        if big > 0 and (not np.isfinite(norm) or norm < big):  # the squares overflowed or underflowed
            scaled = vec / big
            norm = big * float(np.sqrt(scaled @ scaled))
    return norm


def row_norms(rows: np.ndarray) -> np.ndarray:
    """‖row‖₂ of a (T, m) array, each row divided by its own largest entry first (no overflow or
    underflow of the squares); inf/nan rows give inf/nan, zero rows 0."""
    size = np.abs(rows).max(axis=1, initial=0.0)  # (T,)
    ok = np.isfinite(size) & (size > 0)
    out = np.zeros(rows.shape[0])
    out[ok] = size[ok] * np.linalg.norm(rows[ok] / size[ok, None], axis=1)
    bad = ~np.isfinite(size)
    out[bad] = np.where(np.isnan(rows[bad]).any(axis=1), np.nan, np.inf)
    return out


def cosine(p: np.ndarray, q: np.ndarray) -> float:
    """⟨p, q⟩/(‖p‖‖q‖), nan when either is zero or not finite; exact when the squares overflow."""
    if not (np.isfinite(p).all() and np.isfinite(q).all()):
        return float("nan")
    size_p, size_q = np.abs(p).max(initial=0.0), np.abs(q).max(initial=0.0)
    if size_p == 0.0 or size_q == 0.0:
        return float("nan")
    p, q = p / size_p, q / size_q  # entries in [−1, 1]: the products below cannot overflow
    return float(np.clip((p @ q) / (np.linalg.norm(p) * np.linalg.norm(q)), -1.0, 1.0))


def log_line(n: np.ndarray, base: float) -> np.ndarray:
    """n·log₁₀(base) for n ≥ 0 (the log of baseⁿ), with 0 at n = 0 even when base = 0 (0⁰ = 1)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n == 0, 0.0, n * np.log10(base))


def scaled_product(*factors) -> np.ndarray:
    """Πᵢ factorᵢ elementwise without an intermediate overflow or underflow: each factor is split
    into mantissa and exponent (np.frexp), the mantissas (in [0.5, 1)) are multiplied and the
    exponents added, so the result is inf only where the true product exceeds float64 (0 only
    where it is below float64's smallest number). Where a factor is inf or nan, the plain product."""
    factors = [np.asarray(f, dtype=np.float64) for f in factors]
    mantissa, exponent = np.ones(np.broadcast_shapes(*(f.shape for f in factors))), 0
    finite = np.ones(mantissa.shape, dtype=bool)
    plain = mantissa.copy()
    with np.errstate(all="ignore"):
        for factor in factors:
            m, e = np.frexp(factor)
            mantissa, exponent = mantissa * m, exponent + e
            finite &= np.isfinite(factor)
            plain = plain * factor
        return np.where(finite, np.ldexp(mantissa, exponent), plain)


# --- σ_max along a product of Jacobians, warm-started from the previous step ---------------------

_TOL = 1e-12  # relative accuracy of σ_max² that every step certifies (≤ 2.2e-13 in log₁₀)
_POWER_STEPS = 16  # power iterations through M before the Gram matrix MMᵀ is formed
_GRAM_STEPS = 20  # power iterations on MMᵀ before the Cholesky check


def _two_by_two_bound(theta: float, rho: float, tau: float) -> float:
    """λ_max([[θ, ρ], [ρ, τ]]), an upper bound on λ_max(G) for a symmetric G = [[θ, rᵀ], [r, G⊥]]
    written in a basis (u, u⊥), when ρ = ‖r‖ and τ ≥ λ_max(G⊥)."""
    return 0.5 * (theta + tau) + math.hypot(0.5 * (theta - tau), rho)


def top_eigenvalues(G: np.ndarray) -> np.ndarray:
    """λ_max of each symmetric positive semi-definite matrix of a stack G (n, H, H), (n,); never a
    LinAlgError.

    LAPACK's ``syevd`` on the whole stack. Where it does not converge (it can, rarely, on a finite
    matrix), each matrix alone, and for one that still fails its largest singular value by ``gesdd``,
    another algorithm, which for a positive semi-definite matrix is the same number. A matrix that
    holds inf or nan, or on which neither converges, gives nan.
    """
    G = np.asarray(G, dtype=np.float64)
    out = np.full(G.shape[0], np.nan)
    ok = np.flatnonzero(np.isfinite(G).all(axis=(1, 2)))
    if not ok.size:
        return out
    try:
        out[ok] = np.linalg.eigvalsh(G[ok])[:, -1]
    except np.linalg.LinAlgError:
        for i in ok:
            try:
                out[i] = np.linalg.eigvalsh(G[i])[-1]
            except np.linalg.LinAlgError:
                try:
                    out[i] = np.linalg.svd(G[i], compute_uv=False)[0]
                except np.linalg.LinAlgError:
                    pass
    return out


def norm2(W) -> float:
    """‖W‖₂, the largest singular value of a float64 matrix; nan if W holds inf or nan.

    LAPACK's SVD; where it does not converge (rarely, on a finite W), √λ_max(WᵀW/m²)·m with
    m = max|Wᵢⱼ| by the eigenvalue routine (:func:`top_eigenvalues`), so never a LinAlgError.
    """
    W = np.asarray(W, dtype=np.float64)
    if not np.isfinite(W).all():
        return math.nan
    try:
        return float(np.linalg.norm(W, 2))
    except np.linalg.LinAlgError:
        m = float(np.abs(W).max())
        scaled = W / m
        return m * math.sqrt(max(float(top_eigenvalues((scaled.T @ scaled)[None])[0]), 0.0))


def warm_sigma_max(M: np.ndarray, u: np.ndarray) -> tuple[float, np.ndarray]:
    """σ_max(M) to relative accuracy _TOL, certified, and a unit vector near its left singular vector.

    Power iteration on G = MMᵀ, warm-started from the previous step's vector u: along a product of
    Jacobians that vector settles, so few iterations are needed, and θ = ‖Mᵀu‖² ≤ σ_max² for any
    unit u. An upper bound within _TOL of θ certifies it; the cheapest one that settles is used:

    1. In the basis (u, u⊥), G = [[θ, rᵀ], [r, G⊥]] with r = Gu − θu and λ_max(G⊥) ≤ tr G⊥ =
       ‖M‖²_F − θ. Settles when one singular value carries most of ‖M‖_F (long products).
    2. c·I − G has a Cholesky factor only if σ_max² < c: one factorisation with c = θ(1 + _TOL),
       for any spectrum (near-equal singular values, short products).
    3. Otherwise the eigenvalues of G: the iteration has not converged, or has missed a new top
       direction orthogonal to u (a diagonal W can do that), which no power iteration can see.
       One step of inverse iteration then gives the next step its vector.
    """
    fro2 = float(np.vdot(M, M))
    for _ in range(_POWER_STEPS):
        w = u @ M  # Mᵀu
        theta = float(w @ w)
        if not theta > 0.0:  # u in the null space of Mᵀ: bound 1 cannot settle
            break
        x = M @ w  # Gu
        r = x - theta * u
        tail = fro2 - theta
        if _two_by_two_bound(theta, math.sqrt(r @ r), tail) <= theta * (1.0 + _TOL):
            return math.sqrt(theta), u
        u = x / math.sqrt(x @ x)
        if tail > theta * (1.0 + _TOL):  # the mass is spread: bound 1 cannot settle
            break
    G = M @ M.T
    theta, settled = 0.0, False
    for _ in range(_GRAM_STEPS):
        x = G @ u
        previous, theta = theta, float(u @ x)
        if not theta > 0.0:
            break
        u = x / math.sqrt(x @ x)
        if theta - previous <= 0.1 * _TOL * theta:
            settled = True
            break
    eye = np.eye(len(G))
    if settled:
        theta = float(u @ G @ u)
        try:
            np.linalg.cholesky(theta * (1.0 + _TOL) * eye - G)
            return math.sqrt(theta), u
        except np.linalg.LinAlgError:
            pass
    if not np.isfinite(G).all():
        return (math.nan if np.isnan(G).any() else math.inf), u  # past float64: no eigenvalues
    top = float(top_eigenvalues(G[None])[0])
    if not top >= 0.0:  # no eigenvalue method converged on this G
        return math.nan, u
    if not theta > top * (1.0 - 1e-6):  # u is far from the top direction, not merely unsettled
        # (c·I − G)⁻¹ with c just above σ_max² magnifies the top direction by ~1e9 over the
        # others; the dense term keeps a component along it even where u has none
        try:
            x = np.linalg.solve(top * (1.0 + 1e-9) * eye - G, u + 1.0 / math.sqrt(len(u)))
            u = x / math.sqrt(x @ x)
        except np.linalg.LinAlgError:  # singular to working precision: keep u, the norm is exact
            pass
    return math.sqrt(top), u


# Up to this size σ_max of every step comes from one batched eigenvalue call per _CHUNK steps, which
# on most products costs less than the warm power iteration's many small numpy calls; above it the
# warm iteration's few matrix-vector products win (benchmarks/sigma_max.py times both ways).
BATCHED_SIZE_MAX = 48
_CHUNK = 32


class SigmaMaxes:
    """log₁₀ of σ_max of many matrices of one size m, handed over one at a time in a product's order.

    Each matrix comes with the log₁₀ of the scale it was divided by (its largest entry is near 1).
    Up to :data:`BATCHED_SIZE_MAX` their Gram matrices MMᵀ are gathered and :func:`top_eigenvalues`
    takes _CHUNK at once (LAPACK's syevd: σ_max to about 1e-15 relative); above it each comes from
    :func:`warm_sigma_max`, warm-started from the previous one (certified to 1e-12 relative).
    ``batched`` overrides the choice.
    """

    def __init__(self, m: int, n: int, *, batched: bool | None = None):
        self.batched = m <= BATCHED_SIZE_MAX if batched is None else batched
        self._sigma = np.full(n, np.nan)
        self._log_scale = np.zeros(n)
        self._added = np.zeros(n, dtype=bool)
        self._u = np.full(m, m**-0.5)  # any unit vector; it settles along the product
        self._grams = np.empty((min(_CHUNK, max(n, 1)), m, m)) if self.batched else None
        self._where: list[int] = []

    def add(self, index: int, M: np.ndarray, log_scale: float) -> None:
        """Hand over M = (the matrix at ``index``) / 10^``log_scale``."""
        self._added[index], self._log_scale[index] = True, log_scale
        if not self.batched:
            self._sigma[index], self._u = warm_sigma_max(M, self._u)
            return
        np.matmul(M, M.T, out=self._grams[len(self._where)])
        self._where.append(index)
        if len(self._where) == len(self._grams):
            self._flush()

    def _flush(self) -> None:
        if self._where:
            with np.errstate(invalid="ignore"):  # nan where no eigenvalue method converged
                top = np.maximum(top_eigenvalues(self._grams[: len(self._where)]), 0.0)
            self._sigma[self._where] = np.sqrt(top)
            self._where.clear()

    def write(self, out: np.ndarray) -> np.ndarray:
        """``out`` with log₁₀ σ_max (the scale's log added back) at every index handed over."""
        self._flush()
        added = self._added
        with np.errstate(divide="ignore"):
            out[added] = self._log_scale[added] + np.log10(self._sigma[added])
        return out
