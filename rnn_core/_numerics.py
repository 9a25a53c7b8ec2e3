r"""Norms, cosines and log-lines that stay exact where an exploding gradient overflows float64.

An exploding gradient can hold entries near 10³⁰⁰: their squares overflow although the norm and
every ratio of norms is a float64 number. Each function here divides by the largest entry first,

    ‖v‖ = m · ‖v/m‖,   m = max|vᵢ|,

so the squares of v/m lie in [0, 1]; inf or nan entries give inf or nan, never a warning.
"""

from __future__ import annotations

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
