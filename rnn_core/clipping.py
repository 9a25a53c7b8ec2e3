r"""Gradient clipping: pure functions on the gradient (of any cell: RNN, LSTM or GRU params), for exploding
gradients.

- :func:`clip_by_norm` (Pascanu, Mikolov & Bengio 2013, Algorithm 1): one global norm over all
  fields; when ‖g‖ > threshold, g ← g · threshold/‖g‖. The direction is kept.
- :func:`clip_elementwise`: each entry clipped to [−threshold, threshold]. The direction can change.
- :func:`clipping_comparison`, :func:`clipping_sweep`: both methods on one gradient, at one
  threshold or many: the norm after and the cosine cos(clip(g), g) = ⟨clip(g), g⟩/(‖clip(g)‖‖g‖).

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

from ._checks import as_float_array, finite_number
from ._numerics import array_norm, cosine, flat
from .optimizers import tree_map
from .params import CellParams


@dataclass(frozen=True)
class ClipInfo:
    """What a clipping call did: global norms before and after, whether it changed anything, and
    whether the gradient it received was finite."""

    norm_before: float
    norm_after: float
    clipped: bool
    finite: bool


def _check_grads(grads) -> None:
    if not isinstance(grads, CellParams):
        raise ValueError(
            "grads must be RNNParams (or a gated cell's LSTMParams or GRUParams: the type bptt returns); "
            f"received {type(grads).__name__}"
        )


def _check(grads, threshold) -> float:
    _check_grads(grads)
    return finite_number("threshold", threshold)


def global_norm(grads) -> float:
    r"""$\|g\| = \sqrt{\sum_{\theta} \|\partial L/\partial\theta\|_F^2}$, the norm of all fields together.

    ``grads`` any cell's gradient (θ ∈ {U, W, V, b, c} for the RNN, every gate's U, W, b too for the
    LSTM and GRU). inf when an entry is ±inf (and none is nan), nan when an entry is nan. Finite entries give a
    finite norm even where their squares overflow (the sum is rescaled by the largest entry).
    """
    _check_grads(grads)
    return array_norm(flat(grads))


def clip_by_norm(grads, threshold: float) -> tuple[CellParams, ClipInfo]:
    r"""Rescale when too long: $g \leftarrow g \cdot \text{threshold}/\|g\|$ if $\|g\| > \text{threshold}$.

    ``grads`` any cell's gradient (RNNParams, LSTMParams, GRUParams), ``threshold`` > 0. Returns
    (clipped grads, of the same type, info);
    the input is not modified. A non-finite gradient comes back unchanged with
    ``info.finite`` False (see the module docstring).
    """
    threshold = _check(grads, threshold)
    norm = global_norm(grads)
    if not np.isfinite(norm):
        return grads, ClipInfo(norm, norm, clipped=False, finite=False)
    if norm <= threshold:
        return grads, ClipInfo(norm, norm, clipped=False, finite=True)
    factor = threshold / norm
    clipped = tree_map(lambda g: g * factor, grads)
    return clipped, ClipInfo(norm, global_norm(clipped), clipped=True, finite=True)


def clip_elementwise(grads, threshold: float) -> tuple[CellParams, ClipInfo]:
    r"""Clip every entry: $g_i \leftarrow \min(\max(g_i, -\text{threshold}), \text{threshold})$.

    ``grads`` any cell's gradient, ``threshold`` > 0. Returns (clipped grads, info); ``clipped`` is True
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
    clipped = tree_map(lambda g: np.clip(g, -threshold, threshold), grads)
    return clipped, ClipInfo(norm, global_norm(clipped), clipped=True, finite=finite)


@dataclass(frozen=True)
class ClipComparison:
    """Norm clipping against elementwise clipping of one gradient g at one threshold.

    ``norm_before`` ‖g‖ (all fields together). For each method: the norm after, the
    cosine between the clipped and the original gradient, whether it changed g. ``norm_scale`` is
    the factor norm clipping multiplied g by (1 when it did not bite); ``elementwise_fraction`` the
    fraction of entries elementwise clipping changed; ``clipped_by_norm`` the norm-clipped gradient
    itself. ``finite`` says whether g was finite.
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
    clipped_by_norm: CellParams


def clipping_comparison(grads, threshold: float) -> ClipComparison:
    r"""Clip g by its norm ($g \leftarrow g\cdot\text{threshold}/\|g\|$ when $\|g\| > $ threshold) and entrywise; compare.

    ``grads`` any cell's gradient (from :func:`rnn_core.bptt`), ``threshold`` > 0. Uses
    :func:`clip_by_norm` and :func:`clip_elementwise`; the cosines cos(clip(g), g) are 1 for norm
    clipping (same direction) and < 1 for elementwise clipping when it changes some entries but
    not others in proportion.
    """
    by_norm, info_n = clip_by_norm(grads, threshold)
    by_elem, info_e = clip_elementwise(grads, threshold)
    g = flat(grads)
    with np.errstate(all="ignore"):
        changed = float(np.mean(np.abs(g) > threshold)) if g.size else 0.0
        scale = info_n.norm_after / info_n.norm_before if info_n.clipped else 1.0
    return ClipComparison(
        threshold=float(threshold),
        norm_before=info_n.norm_before,
        finite=info_n.finite,
        norm_after=info_n.norm_after,
        norm_cosine=cosine(flat(by_norm), g),
        norm_clipped=info_n.clipped,
        norm_scale=float(scale),
        elementwise_after=info_e.norm_after,
        elementwise_cosine=cosine(flat(by_elem), g),
        elementwise_clipped=info_e.clipped,
        elementwise_fraction=changed,
        clipped_by_norm=by_norm,
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


def clipping_sweep(grads, thresholds) -> ClipSweep:
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
