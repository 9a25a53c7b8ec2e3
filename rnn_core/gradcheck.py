r"""Gradient checks: central differences $\partial L/\partial\theta_i \approx (L(\theta + \epsilon e_i) - L(\theta - \epsilon e_i)) / 2\epsilon$."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

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
    if not (np.isfinite(x).all() and np.isfinite(y).all()):  # inf/nan gradients compare as nan
        return float("nan")
    with np.errstate(all="ignore"):
        # divide by the largest entry first so that squares of entries near 1e200 do not overflow
        big = max(np.abs(x).max(initial=0.0), np.abs(y).max(initial=0.0))
        if big == 0:
            return 0.0
        x, y = x / big, y / big
        return float(np.linalg.norm(x - y) / max(np.linalg.norm(x), np.linalg.norm(y)))


FD_TOLERANCE = 1e-4  # central differences (ε = 1e-6) of a smooth loss agree to ~1e-7; beyond this, explained
EXACT_TOLERANCE = 1e-10  # two exact routes to one gradient differ by rounding only (~1e-16 per operation)
CHECK_KINDS = ("agrees", "disagrees", "not_a_number")
FD_CAUSES = ("rounding", "nonlinear")
_UNIT_ROUNDOFF = float(np.finfo(np.float64).eps) / 2  # u = 2⁻⁵³: |fl(L) − L| ≤ u·|L|


@dataclass(frozen=True)
class GradientCheckVerdict:
    r"""Whether two routes to a gradient agree: rel_error ≤ tolerance, and if not, why.

    ``kind`` is one of CHECK_KINDS ("not_a_number": the error is nan, an input held inf or nan).
    For a finite-difference check (``eps`` given), ``rounding`` estimates the relative error that
    rounding the loss alone gives the central difference, $u\,|L| / (\varepsilon\,\max|g|)$ with
    u = 2⁻⁵³; a disagreement is then caused by "rounding" (rounding ≥ tolerance: the change of L
    over ±ε is lost in L's last digits) or else "nonlinear" (L is not linear over ±ε: a ReLU unit
    switching, or the curvature of a saturated softmax). ``cause`` is None when they agree and
    for exact routes (``eps`` None). ``loss`` and ``eps`` are those of the differences (or None).
    """

    kind: str
    rel_error: float
    tolerance: float
    rounding: float | None
    cause: str | None
    loss: float | None = None
    eps: float | None = None

    @property
    def agrees(self) -> bool:
        return self.kind == "agrees"


def gradient_check_verdict(
    analytic, other, *, tolerance: float = FD_TOLERANCE, loss: float | None = None, eps: float | None = None
) -> GradientCheckVerdict:
    r"""$\mathrm{rel\_error}(g, \tilde g) \le$ tolerance, for g = ``analytic`` and $\tilde g$ = ``other`` (same shape).

    ``other`` is a central-difference estimate when ``eps`` (with ``loss``, the value of L it
    differentiates) is given, another exact route otherwise (use EXACT_TOLERANCE then).
    """
    if not (isinstance(tolerance, (int, float)) and 0 < tolerance < 1):
        raise ValueError(f"tolerance must be a number in (0, 1); received {tolerance!r}")
    if (eps is None) != (loss is None):
        raise ValueError(f"loss and eps go together; received loss={loss!r}, eps={eps!r}")
    error = rel_error(analytic, other)
    rounding = None
    if eps is not None:
        big = float(np.abs(np.asarray(analytic, dtype=np.float64)).max(initial=0.0))
        with np.errstate(all="ignore"):
            rounding = float(_UNIT_ROUNDOFF * abs(loss) / (eps * big)) if big > 0 else float("inf")
    kind, cause = "disagrees", None
    if np.isnan(error):
        kind = "not_a_number"
    elif error <= tolerance:
        kind = "agrees"
    elif rounding is not None:
        cause = "rounding" if not rounding < tolerance else "nonlinear"
    loss = None if loss is None else float(loss)
    return GradientCheckVerdict(kind, error, float(tolerance), rounding, cause, loss, eps)
