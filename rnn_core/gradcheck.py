r"""Gradient checks: central differences $\partial L/\partial\theta_i \approx (L(\theta + \epsilon e_i) - L(\theta - \epsilon e_i)) / 2\epsilon$."""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np

from ._checks import choice
from .bptt import check_step
from .forward import check_cell_options, check_inputs, check_params, forward


def numerical_partial(
    params,
    xs,
    targets,
    *,
    wrt: str,
    activation: str = "tanh",
    loss: str,
    h0=None,
    mask=None,
    eps: float = 1e-6,
    s: int | None = None,
    entries=None,
    s0=None,
) -> np.ndarray:
    r"""Central differences of L (or of L⁽ˢ⁾ alone, with ``s``) with respect to one field ``wrt``.

    ``params`` is RNNParams, LSTMParams or GRUParams; ``activation``, ``h0``, ``s0`` and ``mask``
    as in :func:`rnn_core.forward`. Returns an array of that field's shape. ``entries`` (flat
    indices) limits the work to those entries; the others are nan. Two forward passes per entry.
    """
    check_params(params)
    choice("wrt", wrt, [f.name for f in fields(params)])
    check_cell_options(params, activation, s0)
    xs, targets, h0, mask = check_inputs(params, xs, targets, loss, h0, mask)
    if s is not None:
        s = check_step("s", s, xs.shape[0])
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a finite number > 0; received {eps!r}")
    base = getattr(params, wrt)
    idx = range(base.size) if entries is None else np.asarray(entries, dtype=int).ravel()
    grad = np.full(base.size, np.nan) if entries is not None else np.empty(base.size)

    def loss_at(theta):
        tr = forward(
            replace(params, **{wrt: theta}),
            xs,
            targets,
            activation=activation,
            loss=loss,
            h0=h0,
            mask=mask,
            s0=s0,
        )
        return tr.loss if s is None else tr.losses[s - 1]

    for i in idx:
        theta = base.ravel().copy()
        theta[i] = base.flat[i] + eps
        plus = loss_at(theta.reshape(base.shape))
        theta[i] = base.flat[i] - eps
        minus = loss_at(theta.reshape(base.shape))
        with np.errstate(all="ignore"):  # an exploded loss gives nan here, not a warning
            grad[i] = (plus - minus) / (2 * eps)
    return grad.reshape(base.shape)


def numerical_gradient(
    params,
    xs,
    targets,
    *,
    activation: str = "tanh",
    loss: str,
    h0=None,
    mask=None,
    eps: float = 1e-6,
    s: int | None = None,
    s0=None,
):
    """Central-difference gradient of L (or L⁽ˢ⁾ with ``s``), same type as the params (any cell)."""
    check_params(params)
    return type(params)(
        **{
            name: numerical_partial(
                params,
                xs,
                targets,
                wrt=name,
                activation=activation,
                loss=loss,
                h0=h0,
                mask=mask,
                eps=eps,
                s=s,
                s0=s0,
            )
            for name in (f.name for f in fields(params))
        }
    )


def rel_error(x, y) -> float:
    r"""$\|x - y\|_F / \max(\|x\|_F, \|y\|_F)$ (0 when both are zero): the relative error of two gradients."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape; received {x.shape} and {y.shape}")
    with np.errstate(all="ignore"):  # inf/nan gradients compare as nan, without a warning
        # divide by the largest entry first so that squares of entries near 1e200 do not overflow
        big = max(np.abs(x).max(initial=0.0), np.abs(y).max(initial=0.0))
        if big == 0:
            return 0.0
        x, y = x / big, y / big
        return float(np.linalg.norm(x - y) / max(np.linalg.norm(x), np.linalg.norm(y)))
