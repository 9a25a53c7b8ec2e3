r"""Gradient clipping: pure functions on the gradient (an :class:`RNNParams`), for exploding gradients.

- :func:`clip_by_norm` (Pascanu, Mikolov & Bengio 2013, Algorithm 1): one global norm over all
  fields; when ‖g‖ > threshold, g ← g · threshold/‖g‖. The direction is kept.
- :func:`clip_elementwise`: each entry clipped to [−threshold, threshold]. The direction can change.

Non-finite gradients (after an exploding forward pass). Norm clipping cannot recover a direction
from inf or nan, so :func:`clip_by_norm` returns the gradient unchanged and says so in the info
(``finite`` False, ``clipped`` False): replacing it by zeros would turn a blow-up into a silent
skipped step, while an unchanged inf/nan makes :meth:`RNNParams.sgd_step` refuse it.
:func:`clip_elementwise` is defined entry by entry, so ±inf becomes ±threshold (its sign is known)
and nan stays nan; its info reports ``finite`` of the input too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .params import RNNParams


@dataclass(frozen=True)
class ClipInfo:
    """What a clipping call did: global norms before and after, whether it changed anything, and
    whether the gradient it received was finite."""

    norm_before: float
    norm_after: float
    clipped: bool
    finite: bool


def check_threshold(threshold) -> float:
    """``threshold`` as a float, finite and > 0."""
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, (int, float, np.integer, np.floating))
        or not (np.isfinite(threshold) and threshold > 0)
    ):
        raise ValueError(f"threshold must be a finite number > 0; received {threshold!r}")
    return float(threshold)


def _check(grads: RNNParams, threshold) -> float:
    if not isinstance(grads, RNNParams):
        raise ValueError(f"grads must be RNNParams (the type bptt returns); received {type(grads).__name__}")
    return check_threshold(threshold)


def array_norm(arr) -> float:
    r"""$\|a\|_F$ of any array, inf/nan when an entry is, finite wherever the squares would overflow."""
    flat = np.asarray(arr, dtype=np.float64).ravel()
    if not np.isfinite(flat).all():
        return float("nan") if np.isnan(flat).any() else float("inf")
    with np.errstate(all="ignore"):
        norm = float(np.sqrt(flat @ flat))
        big = float(np.abs(flat).max()) if flat.size else 0.0
        if big > 0 and (not np.isfinite(norm) or norm < big):  # the squares overflowed or underflowed
            scaled = flat / big
            norm = big * float(np.sqrt(scaled @ scaled))
    return norm


def global_norm(grads: RNNParams) -> float:
    r"""$\|g\| = \sqrt{\sum_{\theta \in \{U, W, V, b, c\}} \|\partial L/\partial\theta\|_F^2}$, the norm of all fields together.

    inf when an entry is ±inf (and none is nan), nan when an entry is nan. Finite entries give a
    finite norm even where their squares overflow (the sum is rescaled by the largest entry).
    """
    if not isinstance(grads, RNNParams):
        raise ValueError(f"grads must be RNNParams (the type bptt returns); received {type(grads).__name__}")
    return array_norm(np.concatenate([arr.ravel() for arr in grads.arrays().values()]))


def _scale(grads: RNNParams, factor: float) -> RNNParams:
    return RNNParams(**{k: v * factor for k, v in grads.arrays().items()})


def clip_by_norm(grads: RNNParams, threshold: float) -> tuple[RNNParams, ClipInfo]:
    r"""Rescale when too long: $g \leftarrow g \cdot \text{threshold}/\|g\|$ if $\|g\| > \text{threshold}$.

    ``grads`` an RNNParams (fields U, W, V, b, c), ``threshold`` > 0. Returns (clipped grads, info);
    the input is not modified. A non-finite gradient comes back unchanged with
    ``info.finite`` False (see the module docstring).
    """
    threshold = _check(grads, threshold)
    norm = global_norm(grads)
    if not np.isfinite(norm):
        return grads, ClipInfo(norm, norm, clipped=False, finite=False)
    if norm <= threshold:
        return grads, ClipInfo(norm, norm, clipped=False, finite=True)
    clipped = _scale(grads, threshold / norm)
    return clipped, ClipInfo(norm, global_norm(clipped), clipped=True, finite=True)


def clip_elementwise(grads: RNNParams, threshold: float) -> tuple[RNNParams, ClipInfo]:
    r"""Clip every entry: $g_i \leftarrow \min(\max(g_i, -\text{threshold}), \text{threshold})$.

    ``grads`` an RNNParams, ``threshold`` > 0. Returns (clipped grads, info); ``clipped`` is True
    when some entry changed. ±inf becomes ±threshold, nan stays nan (``info.finite`` is False for
    both). The input is not modified.
    """
    threshold = _check(grads, threshold)
    norm = global_norm(grads)
    arrays = grads.arrays()
    finite = all(np.isfinite(arr).all() for arr in arrays.values())
    changed = any((np.abs(arr) > threshold).any() for arr in arrays.values())
    if not changed:
        return grads, ClipInfo(norm, norm, clipped=False, finite=finite)
    clipped = RNNParams(**{k: np.clip(v, -threshold, threshold) for k, v in arrays.items()})
    return clipped, ClipInfo(norm, global_norm(clipped), clipped=True, finite=finite)
