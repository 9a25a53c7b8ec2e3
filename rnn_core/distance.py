r"""The gradient split by temporal distance d = s − k, and what truncated BPTT keeps of it.

    ∂L/∂θ = Σ_{d=0}^{T−1} G_d,   G_d = Σ_{s−k=d} δₖ⁽ˢ⁾ h⁽ᵏ⁻¹⁾ᵀ  (θ = W; U: x⁽ᵏ⁾ᵀ;  b: δₖ⁽ˢ⁾ alone)

Truncated BPTT of length τ keeps exactly Σ_{d<τ} G_d and drops the long-range part
Σ_{d≥τ} G_d. Norm clipping multiplies every G_d by the same factor, so it shrinks the long-range
part without changing its share.

- :func:`distance_split`: each distance's norm and share, and what truncation keeps, for every τ.
- :func:`long_range`: the long-range part before and after norm clipping.
- :func:`truncation_verdict`: what truncation at τ does to this gradient: keeps all of it, drops a
  negligible part (below :data:`TRUNCATION_NEGLIGIBLE` of ‖∂L/∂W‖), or drops a part that counts.

Truncation here is per loss: each L⁽ˢ⁾ is back-propagated τ steps (the paths with s − k < τ), which
costs O(T·τ) Jacobian products against O(T) for full BPTT's single backward sweep. Frameworks'
chunked truncation (back-propagate once per chunk of τ steps) is the cheap one, O(T), and keeps
fewer paths: a loss early in a chunk reaches back less than τ steps.

Norms may exceed float64 (an exploding gradient): they are taken after dividing by the largest
entry, so ratios and cosines stay exact where the raw squares overflow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import positive_int
from ._numerics import row_norms
from .clipping import ClipComparison


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
    rows = G.reshape(T, -1)  # (T, m)
    with np.errstate(all="ignore"):
        norms = row_norms(rows)
        total = G.sum(axis=0)
        nan = np.full(T, np.nan)
        if not np.isfinite(rows).all():
            return DistanceSplit(norms, nan, nan, nan, nan, float("nan"), total)
        scale = np.abs(rows).max(initial=0.0)
        if scale == 0.0:
            return DistanceSplit(norms, nan, nan, nan, nan, 0.0, total)
        rows = rows / scale  # entries in [−1, 1]: no square below can overflow
        kept_sum = np.cumsum(rows, axis=0)  # (T, m): row τ−1 = Σ_{d<τ} G_d / scale
        g = kept_sum[-1]
        g_norm = np.linalg.norm(g)
        if g_norm == 0.0:
            return DistanceSplit(norms, nan, nan, nan, nan, 0.0, total)
        kept_norm = np.linalg.norm(kept_sum, axis=1)
        # Σ_{d≥τ} G_d summed from the far end, not as g − Σ_{d<τ} G_d: a vanishing long-range part
        # would drown in the rounding error of that difference
        tail = np.cumsum(rows[::-1], axis=0)[::-1]  # row i = Σ_{d≥i} G_d / scale
        dropped_norm = np.append(np.linalg.norm(tail[1:], axis=1), 0.0)  # row τ−1: ‖Σ_{d≥τ} G_d‖
        shares = (rows @ g) / g_norm**2
        cosine = np.divide(kept_sum @ g, kept_norm * g_norm, out=np.full(T, np.nan), where=kept_norm > 0)
        total_norm = float(g_norm * scale)  # inf only where the true norm exceeds float64
    return DistanceSplit(
        norms=norms,
        shares=shares,
        kept=kept_norm / g_norm,
        cosine=np.clip(cosine, -1.0, 1.0),
        dropped=dropped_norm / g_norm,
        total_norm=total_norm,
        total=total,
    )


TRUNCATION_KINDS = ("full", "negligible", "drops", "zero", "nonfinite")
# A dropped part below a thousandth of ‖∂L/∂W‖ moves the gradient by less than 0.1 %: nothing a
# gradient step would notice, and below what the page prints with three significant digits.
TRUNCATION_NEGLIGIBLE = 1e-3


@dataclass(frozen=True)
class TruncationVerdict:
    r"""What truncated BPTT of length τ does to ∂L/∂W = Σ_d G_d (from :func:`truncation_verdict`).

    ``kind`` (one of :data:`TRUNCATION_KINDS`): "full" when τ ≥ T (every path kept), "negligible"
    when ‖Σ_{d≥τ} G_d‖/‖∂L/∂W‖ ≤ ``tolerance``, "drops" when it is larger, "zero" when ∂L/∂W = 0,
    "nonfinite" when the gradient is not finite. ``kept``, ``cosine``, ``dropped`` as in
    :class:`DistanceSplit` at this τ.
    """

    kind: str
    tau: int
    T: int
    kept: float
    cosine: float
    dropped: float
    tolerance: float


def truncation_verdict(split: DistanceSplit, tau: int, *, tolerance: float = TRUNCATION_NEGLIGIBLE):
    r"""The verdict of $g_\tau = \sum_{d<\tau} G_d$ against $\partial L/\partial W$: full, negligible loss or a real one.

    ``split`` from :func:`distance_split`, ``tau`` in 1..T.
    """
    T = split.norms.size
    tau = positive_int("tau", tau)
    if tau > T:
        raise ValueError(f"tau must be in 1..T = 1..{T}; received {tau}")
    i = tau - 1
    kept, cosine, dropped = float(split.kept[i]), float(split.cosine[i]), float(split.dropped[i])
    if split.total_norm == 0.0:
        kind = "zero"
    elif not np.isfinite(kept):
        kind = "nonfinite"
    elif tau >= T:
        kind = "full"
    else:
        kind = "negligible" if dropped <= tolerance else "drops"
    return TruncationVerdict(kind, tau, T, kept, cosine, dropped, float(tolerance))


@dataclass(frozen=True)
class LongRange:
    r"""The long-range part $G_{\ge\tau} = \sum_{d \ge \tau} G_d$ of ∂L/∂W before and after norm clipping.

    ``norm_before`` ‖G_≥τ‖, ``norm_after`` its norm in the clipped gradient (c·‖G_≥τ‖, c the factor
    norm clipping applied); ``share_before`` ‖G_≥τ‖/‖∂L/∂W‖ and ``share_after`` the same ratio in
    the clipped gradient, c‖G_≥τ‖/‖c ∂L/∂W‖: equal, because one factor multiplies every distance.
    """

    tau: int
    norm_before: float
    norm_after: float
    share_before: float
    share_after: float


def long_range(split: DistanceSplit, tau: int, clip: ClipComparison) -> LongRange:
    r"""What norm clipping does to $G_{\ge\tau} = \sum_{d\ge\tau} G_d$: $g \mapsto c\,g$ maps every $G_d \mapsto c\,G_d$.

    ``split`` from :func:`distance_split` of the W gradient, ``tau`` in 1..T, ``clip`` from
    :func:`rnn_core.clipping_comparison` of the same gradient. ‖∂L/∂W‖ after clipping is measured
    on the clipped gradient itself (``clip.clipped_by_norm.W``), so ``share_after`` =
    ``share_before`` is a check that norm clipping kept the direction, not an assumption.
    """
    T = split.norms.size
    tau = positive_int("tau", tau)
    if tau > T:
        raise ValueError(f"tau must be in 1..T = 1..{T}; received {tau}")
    share = float(split.dropped[tau - 1])
    before = 0.0 if split.total_norm == 0.0 else share * split.total_norm  # no gradient, no long range
    after = clip.norm_scale * before
    w_after = float(row_norms(np.asarray(clip.clipped_by_norm.W, dtype=np.float64).reshape(1, -1))[0])
    with np.errstate(all="ignore"):
        share_after = after / w_after if w_after > 0 else float("nan")
    return LongRange(tau, before, after, share, float(share_after))
