r"""Gradient checks: central differences $\partial L/\partial\theta_i \approx (L(\theta + \epsilon e_i) - L(\theta - \epsilon e_i)) / 2\epsilon$."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from ._checks import choice
from .activations import get_activation
from .bptt import check_step
from .forward import _recurrence, check_cell_options, check_inputs, check_params, forward, output_losses
from .params import RNNParams

# The vanilla RNN's differences run perturbed copies of θ side by side, in groups that hold about
# this many numbers (each copy: its field, a and h over T steps, its outputs), at least one entry a group.
BATCH_FLOATS = 1 << 21
OUTPUT_ARRAYS = 5  # (T, B, K) arrays per copy while its losses are computed: o, z, e^z, log ŷ, a sum


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
    indices) limits the work to those entries; the others are nan. Two forward passes per entry;
    for RNNParams they run side by side (:func:`_rnn_losses`), each one the same arithmetic as
    :func:`rnn_core.forward` on that perturbed θ, so the differences are those of separate passes.
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
    idx = np.arange(base.size) if entries is None else np.asarray(entries, dtype=int).ravel()
    grad = np.full(base.size, np.nan) if entries is not None else np.empty(base.size)

    if isinstance(params, RNNParams):
        plus, minus = _rnn_losses(params, xs, targets, h0, mask, activation, loss, wrt, idx, eps, s)
        with np.errstate(all="ignore"):  # an exploded loss gives nan here, not a warning
            grad[idx] = (plus - minus) / (2 * eps)
        return grad.reshape(base.shape)

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


def _perturbed(base: np.ndarray, idx: np.ndarray, eps: float) -> np.ndarray:
    """(2·len(idx), *base.shape): base with entry idx[k] + ε (copy 2k) and − ε (copy 2k + 1)."""
    n = len(idx)
    out = np.repeat(base.reshape(1, -1), 2 * n, axis=0)
    rows = np.arange(2 * n)
    out[rows, np.repeat(idx, 2)] = np.repeat(base.ravel()[idx], 2) + np.tile([eps, -eps], n)
    return out.reshape((2 * n,) + base.shape)


def _rnn_losses(params, xs, targets, h0, mask, activation, loss, wrt, idx, eps, s):
    """L(θ + ε eᵢ) and L(θ − ε eᵢ) for each flat index i of ``idx`` into the field ``wrt``, from
    validated inputs: the passes of all perturbed copies of θ side by side.

    Each copy does exactly what :func:`rnn_core.forward` does on it, in the same order (the same
    products over the same operands, one copy at a time, and the same elementwise steps), so its
    loss is that of its own pass. A perturbed V or c leaves the recurrence as it is: it runs once.
    """
    idx = np.asarray(idx, dtype=int)
    n = len(idx)
    if n == 0:
        return np.empty(0), np.empty(0)
    act = get_activation(activation)
    f = act.f
    T, B, D = xs.shape
    H, K = params.n_hidden, params.V.shape[0]
    losses = np.empty(2 * n)

    def totals(V, c, h):  # h (P, T+1, B, H) or one (T+1, B, H) for copies of V or c
        per_step = output_losses(V, c, h, targets, mask, loss)[2]  # (P, T)
        with np.errstate(all="ignore"):  # inf − inf of an exploded pass is nan, not a warning
            return per_step.sum(axis=-1) if s is None else per_step[:, s - 1]

    field = getattr(params, wrt)
    if wrt in ("V", "c"):
        h = _recurrence(params, xs, h0, act)["h"]
        per_group = max(1, BATCH_FLOATS // (2 * (OUTPUT_ARRAYS * T * B * K + field.size)))
        for start in range(0, n, per_group):
            thetas = _perturbed(field, idx[start : start + per_group], eps)  # (P, *shape)
            V, c = (thetas, params.c) if wrt == "V" else (params.V, thetas)
            losses[2 * start : 2 * start + len(thetas)] = totals(V, c, h)
        return losses[0::2], losses[1::2]
    per_copy = 2 * T * B * H + field.size  # a and h (the outputs' arrays are smaller: K ≤ H mostly)
    per_group = max(1, BATCH_FLOATS // (2 * per_copy))  # entries per group: two copies each
    for start in range(0, n, per_group):
        group = idx[start : start + per_group]
        thetas = _perturbed(field, group, eps)  # (P, *shape)
        P = len(thetas)
        with np.errstate(all="ignore"):  # as in forward: overflow is kept, not warned about
            a = np.empty((P, T, B, H))  # copy by copy, each one's steps together, as its h below
            if wrt == "U":
                for k, U in enumerate(thetas):
                    a[k] = (xs.reshape(T * B, D) @ U.T).reshape(T, B, -1) + params.b
            else:
                proj = (xs.reshape(T * B, D) @ params.U.T).reshape(T, B, -1)
                a[:] = proj[None] + (thetas[:, None, None, :] if wrt == "b" else params.b)
            W_T = thetas.transpose(0, 2, 1) if wrt == "W" else params.W.T
            h = np.empty((P, T + 1, B, H))  # each copy's h as forward's: its output layer reads it in place
            h[:, 0] = h0
            for t in range(T):
                a[:, t] += h[:, t] @ W_T  # one (B, H) @ (H, H) product per copy, as forward's
                h[:, t + 1] = f(a[:, t])
        losses[2 * start : 2 * start + P] = totals(params.V, params.c, h)
    return losses[0::2], losses[1::2]


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
FD_CAUSES = ("rounding", "unresolvable", "nonlinear")
_UNIT_ROUNDOFF = float(np.finfo(np.float64).eps) / 2  # u = 2⁻⁵³: |fl(L) − L| ≤ u·|L|


@dataclass(frozen=True)
class GradientCheckVerdict:
    r"""Whether two routes to a gradient agree: rel_error ≤ tolerance, and if not, why.

    ``kind`` is one of CHECK_KINDS ("not_a_number": the error is nan, an input held inf or nan).
    For a finite-difference check (``eps`` given), ``rounding`` estimates the relative error that
    rounding the loss alone gives the central difference, $u\,|L| / (\varepsilon\,\max(|g|, |\tilde g|))$
    with u = 2⁻⁵³, and ``scale`` is its denominator ε·max(|g|, |g̃|) (the larger of the two gradients
    sets it, so that a zero analytic gradient against a nonzero difference is not blamed on
    rounding). A disagreement is then caused by "unresolvable" (scale = 0: ε times gradients of
    ~1e-318 or less rounds to 0, and no difference over ±ε can resolve them; ``rounding`` is inf),
    "rounding" (rounding ≥ tolerance: the change of L over ±ε is lost in L's last digits) or else
    "nonlinear" (L is not linear over ±ε: a ReLU unit switching, or the curvature of a saturated
    softmax). ``cause`` is None when they agree and for exact routes (``eps`` None). ``loss`` and
    ``eps`` are those of the differences (or None).
    """

    kind: str
    rel_error: float
    tolerance: float
    rounding: float | None
    cause: str | None
    loss: float | None = None
    eps: float | None = None
    scale: float | None = None

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
    rounding = scale = None
    if eps is not None:
        both = np.abs(np.concatenate([np.ravel(analytic), np.ravel(other)]).astype(np.float64))
        big = float(both[np.isfinite(both)].max(initial=0.0))
        # ε·max underflows to 0 for gradients of ~1e-318 and below: no difference over ±ε could
        # resolve them, so the rounding bound is infinite, as for two zero gradients
        scale = float(eps) * big
        with np.errstate(all="ignore"):
            rounding = (
                float(np.float64(_UNIT_ROUNDOFF * abs(float(loss))) / scale) if scale > 0 else float("inf")
            )
    kind, cause = "disagrees", None
    if np.isnan(error):
        kind = "not_a_number"
    elif error <= tolerance:
        kind = "agrees"
    elif rounding is not None:
        cause = "unresolvable" if scale == 0 else "rounding" if not rounding < tolerance else "nonlinear"
    loss = None if loss is None else float(loss)
    return GradientCheckVerdict(kind, error, float(tolerance), rounding, cause, loss, eps, scale)
