r"""The forward pass over a batch of sequences, time-major, with its losses.

    a⁽ᵗ⁾ = b + W h⁽ᵗ⁻¹⁾ + U x⁽ᵗ⁾,  h⁽ᵗ⁾ = f(a⁽ᵗ⁾),  o⁽ᵗ⁾ = c + V h⁽ᵗ⁾,  L = Σₜ L⁽ᵗ⁾

The LSTM and the GRU (rnn_core.lstm, rnn_core.gru) share the output layer and the losses; their
traces are :class:`Trace` too, with the cell's own arrays beside. Only the recurrence loops over t.
Exploding values are not errors here: the trace keeps the inf/nan, :attr:`Trace.overflow_step`
says where they first appeared, and no numpy warning leaks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import gru, lstm
from ._checks import as_float_array, choice
from .activations import Activation, get_activation
from .gru import GRUParams
from .lstm import LSTMParams
from .params import RNNParams

LOSSES = ("softmax_ce", "mse")


@dataclass(frozen=True, eq=False)
class Trace:
    """What the forward pass computed, and what :func:`rnn_core.bptt` consumes.

    xs (T, B, D), targets (T, B) ints or (T, B, K) floats, a (T, B, H), h (T+1, B, H) with
    h[0] = h⁽⁰⁾, o (T, B, K), y_hat (T, B, K), losses (T,) each L⁽ᵗ⁾ summed over the batch,
    loss = Σₜ L⁽ᵗ⁾; ``mask`` (T,) the weight of each L⁽ᵗ⁾ (ones unless a task scores only some
    steps); ``activation`` and ``loss_name`` name what produced them.
    """

    xs: np.ndarray
    targets: np.ndarray
    mask: np.ndarray
    activation: str
    loss_name: str
    a: np.ndarray
    h: np.ndarray
    o: np.ndarray
    y_hat: np.ndarray
    losses: np.ndarray
    loss: float

    @property
    def T(self) -> int:
        return self.a.shape[0]

    @property
    def overflow_step(self) -> int | None:
        """The first t (1-based) where h⁽ᵗ⁾ holds inf or nan, or None when all of h is finite."""
        bad = ~np.isfinite(self.h[1:]).all(axis=(1, 2))
        return int(np.argmax(bad)) + 1 if bad.any() else None

    def dL_do(self) -> np.ndarray:
        r"""$\partial L/\partial o^{(t)}$ (T, B, K): ŷ⁽ᵗ⁾ − onehot(y⁽ᵗ⁾), or o⁽ᵗ⁾ − y⁽ᵗ⁾ for mse."""
        with np.errstate(all="ignore"):
            if self.loss_name == "mse":
                g = self.o - self.targets
            else:
                g = self.y_hat.copy()
                T, B = self.targets.shape
                g[np.arange(T)[:, None], np.arange(B)[None, :], self.targets] -= 1.0
            return g * self.mask[:, None, None]


@dataclass(frozen=True, eq=False)
class LSTMTrace(Trace):
    """An LSTM's :class:`Trace`: ``a`` (T, B, H) is the candidate's pre-activation b + U x⁽ᵗ⁾ + W h⁽ᵗ⁻¹⁾,
    ``activation`` is "tanh"; f, g, q (T, B, H) the forget, input and output gates; s (T+1, B, H)
    the cell state with s[0] = s⁽⁰⁾.
    """

    f: np.ndarray
    g: np.ndarray
    q: np.ndarray
    s: np.ndarray


@dataclass(frozen=True, eq=False)
class GRUTrace(Trace):
    """A GRU's :class:`Trace`: ``a`` (T, B, H) is the candidate's pre-activation
    b + U x⁽ᵗ⁾ + W (r⁽ᵗ⁾ ⊙ h⁽ᵗ⁻¹⁾), ``activation`` is "tanh"; u, r (T, B, H) the update and reset gates.
    """

    u: np.ndarray
    r: np.ndarray


CELLS = (RNNParams, LSTMParams, GRUParams)
TRACES = {RNNParams: Trace, LSTMParams: LSTMTrace, GRUParams: GRUTrace}  # what forward returns for each


def check_params(params) -> None:
    """``ValueError`` unless ``params`` is RNNParams, LSTMParams or GRUParams."""
    if not isinstance(params, CELLS):
        raise ValueError(
            f"params must be RNNParams; received {type(params).__name__} (or a gated cell's LSTMParams or "
            "GRUParams)"
        )


def check_cell_options(params, activation, s0) -> None:
    """``ValueError`` for an option the cell does not have: ``activation`` other than tanh for a gated
    cell (its candidate is tanh, its gates σ), ``s0`` for a cell without a cell state."""
    if not isinstance(params, RNNParams) and activation != "tanh":
        raise ValueError(
            f"activation must be 'tanh' (the default) for {type(params).__name__}: a gated cell uses "
            f"tanh for its candidate and σ for its gates; received {activation!r}"
        )
    if not isinstance(params, LSTMParams) and s0 is not None:
        raise ValueError(
            f"s0 is the LSTM's initial cell state; {type(params).__name__} has no cell state: pass s0=None"
        )


def check_inputs(params, xs, targets, loss: str, h0=None, mask=None):
    """Validated (xs, targets, h0, mask) for ``params``; ``ValueError`` saying what is wrong."""
    check_params(params)
    params.check_finite("params")
    choice("loss", loss, LOSSES)
    D, H, K = params.n_in, params.n_hidden, params.n_out
    xs = as_float_array("xs", xs, (None, None, D), f"(T, B, D) with D = {D}")
    T, B, _ = xs.shape
    if T < 1 or B < 1:
        raise ValueError(f"xs must have T ≥ 1 steps and B ≥ 1 sequences; received shape {xs.shape}")
    if loss == "mse":
        targets = as_float_array("targets", targets, (T, B, K), f"(T, B, K) = ({T}, {B}, {K}) for mse")
    else:
        raw = np.asarray(targets)
        if raw.shape != (T, B):
            raise ValueError(
                f"targets must have shape (T, B) = ({T}, {B}) for softmax_ce; received shape {raw.shape}"
            )
        if raw.dtype.kind not in "iu":
            raise ValueError(
                f"targets must be integer class indices for softmax_ce; received dtype {raw.dtype}"
            )
        if raw.size and (raw.min() < 0 or raw.max() >= K):
            raise ValueError(
                f"targets must lie in 0..K-1 = 0..{K - 1}; received values in {raw.min()}..{raw.max()}"
            )
        targets = raw.astype(np.intp)
    if h0 is None:
        h0 = np.zeros((B, H))
    else:
        h0 = as_float_array("h0", h0, (B, H), f"(B, H) = ({B}, {H})")
    if mask is None:
        mask = np.ones(T)
    else:
        mask = as_float_array("mask", mask, (T,), f"(T,) = ({T},)")
        if (mask < 0).any():
            raise ValueError(f"mask must be ≥ 0 (a weight per step); received min {mask.min()}")
    return xs, targets, h0, mask


def forward(
    params,
    xs,
    targets,
    *,
    activation: str = "tanh",
    loss: str = "softmax_ce",
    h0=None,
    mask=None,
    s0=None,
) -> Trace:
    r"""Run the RNN, $a^{(t)} = b + W h^{(t-1)} + U x^{(t)}$, $h^{(t)} = f(a^{(t)})$, $o^{(t)} = c + V h^{(t)}$.

    ``params`` is RNNParams, LSTMParams or GRUParams (see rnn_core.lstm, rnn_core.gru for their
    recurrences; the output layer is the same). xs (T, B, D); targets (T, B) ints for
    ``softmax_ce``, (T, B, K) floats for ``mse``; h0 (B, H), zeros by default; s0 (B, H) the
    LSTM's initial cell state, zeros by default (LSTM only). ``activation`` is the vanilla RNN's f;
    a gated cell accepts only its default. ``mask`` (T,) weights each L⁽ᵗ⁾ (default ones), for
    tasks scored only at some steps: L = Σₜ mask⁽ᵗ⁾ L⁽ᵗ⁾. Returns a :class:`Trace`
    (:class:`LSTMTrace`, :class:`GRUTrace` for the gated cells).
    """
    check_params(params)
    check_cell_options(params, activation, s0)
    act = get_activation(activation)
    xs, targets, h0, mask = check_inputs(params, xs, targets, loss, h0, mask)
    if isinstance(params, LSTMParams):
        B, H = h0.shape
        s0 = np.zeros((B, H)) if s0 is None else as_float_array("s0", s0, (B, H), f"(B, H) = ({B}, {H})")
    return _run_checked(params, xs, targets, h0, mask, act, loss, s0)


def _run_checked(params, xs, targets, h0, mask, act: Activation, loss: str, s0=None) -> Trace:
    """:func:`forward` on inputs it has validated (and s0 given for an LSTM): for a caller that
    runs many passes on inputs it checked once (rnn_core.descent)."""
    if isinstance(params, LSTMParams):
        cell = lstm.recurrence(params, xs, h0, s0)
    elif isinstance(params, GRUParams):
        cell = gru.recurrence(params, xs, h0)
    else:
        cell = _recurrence(params, xs, h0, act)
    a, h = cell.pop("a"), cell.pop("h")
    o, y_hat, losses, total = output_layer(params, h, targets, mask, loss)
    return TRACES[type(params)](xs, targets, mask, act.name, loss, a, h, o, y_hat, losses, total, **cell)


def _recurrence(params: RNNParams, xs: np.ndarray, h0: np.ndarray, act: Activation) -> dict:
    """The vanilla RNN over validated xs (T, B, D), h0 (B, H): a (T, B, H) and h (T+1, B, H)."""
    T, B, D = xs.shape
    W_T = params.W.T
    with np.errstate(all="ignore"):  # overflow is the subject: the trace shows it, no warnings
        # every input projection in one (T·B, D) product: a 3-d operand would be T small products
        a = (xs.reshape(T * B, D) @ params.U.T).reshape(T, B, -1) + params.b  # (T, B, H)
        h = np.empty((T + 1,) + h0.shape)  # (T+1, B, H)
        h[0] = h0
        # the loop over time is the forward pass's cost at small H: its rows are indexed once and
        # f(a⁽ᵗ⁾) written into h's row, the same numbers as ``h[t + 1] = f(a[t])``
        a_rows, h_rows, f_into = list(a), list(h), act.f_into
        for t in range(T):  # the recurrence: the only loop over time
            a_rows[t] += h_rows[t] @ W_T
            f_into(a_rows[t], h_rows[t + 1])
    return {"a": a, "h": h}


def output_layer(params, h: np.ndarray, targets: np.ndarray, mask: np.ndarray, loss: str):
    r"""$o^{(t)} = c + V h^{(t)}$ and the losses, shared by every cell, from h (T+1, B, H).

    Returns o (T, B, K), ŷ (T, B, K), the losses (T,) each L⁽ᵗ⁾ summed over the batch, and their sum.
    """
    o, log_y_hat, losses = output_losses(params.V, params.c, h, targets, mask, loss)
    with np.errstate(all="ignore"):
        y_hat = o if log_y_hat is None else np.exp(log_y_hat)
        total = float(losses.sum())
    return o, y_hat, losses, total


def output_losses(V, c, h: np.ndarray, targets: np.ndarray, mask: np.ndarray, loss: str):
    r"""o, log ŷ (None for mse, where ŷ = o) and the losses L⁽ᵗ⁾ (summed over the batch) of
    :func:`output_layer`, for one network or for P copies side by side.

    h is (T+1, B, H) or (P, T+1, B, H); V (K, H) or (P, K, H); c (K,) or (P, K). With copies,
    o is (P, T, B, K) and the losses (P, T), and each copy's numbers are exactly those of its own
    call: the same matrix product per copy, then elementwise steps and sums along the same axes.
    """
    T, B = h.shape[-3] - 1, h.shape[-2]
    with np.errstate(all="ignore"):
        rows = h[..., 1:, :, :].reshape(h.shape[:-3] + (T * B, h.shape[-1]))  # (…, T·B, H)
        o = rows @ np.swapaxes(V, -1, -2)  # (…, T·B, K)
        o = o.reshape(o.shape[:-2] + (T, B, -1)) + np.asarray(c)[..., None, None, :]  # (…, T, B, K)
        if loss == "mse":
            return o, None, mask * 0.5 * ((o - targets) ** 2).sum(axis=(-2, -1))
        z = o - o.max(axis=-1, keepdims=True)
        log_y_hat = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))  # stable log-softmax
        picked = log_y_hat[..., np.arange(T)[:, None], np.arange(B)[None, :], targets]  # log ŷ⁽ᵗ⁾[y⁽ᵗ⁾]
        # in C order, as the sums below must be: indexing a stack may lay the copies out fastest,
        # and numpy's sum then adds along another order than a single copy's
        picked = np.ascontiguousarray(picked)
        return o, log_y_hat, -mask * picked.sum(axis=-1)
