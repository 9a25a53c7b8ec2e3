r"""Backpropagation through time: the gradients of L = Σₜ L⁽ᵗ⁾ with respect to U, W, V, b, c.

    ∂L/∂h⁽ᵗ⁾ = Vᵀ ∂L/∂o⁽ᵗ⁾ + Wᵀ δ⁽ᵗ⁺¹⁾,   δ⁽ᵗ⁾ = ∂L/∂a⁽ᵗ⁾ = f′(a⁽ᵗ⁾) ⊙ ∂L/∂h⁽ᵗ⁾
    ∂L/∂V = Σₜ ∂L/∂o⁽ᵗ⁾ h⁽ᵗ⁾ᵀ,  ∂L/∂W = Σₜ δ⁽ᵗ⁾ h⁽ᵗ⁻¹⁾ᵀ,  ∂L/∂U = Σₜ δ⁽ᵗ⁾ x⁽ᵗ⁾ᵀ,  ∂L/∂c, ∂L/∂b

Only the δ recursion loops over t; the weight-gradient sums are one matrix product each. The LSTM's
and GRU's recursions are in rnn_core.lstm and rnn_core.gru; :func:`bptt` dispatches on the params.
Row vectors throughout: with δ of shape (B, H), Wᵀδ is written ``δ @ W``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from . import gru, lstm
from ._checks import positive_int
from .activations import get_activation
from .forward import TRACES, Trace, check_params
from .gru import GRUParams
from .lstm import LSTMParams
from .params import RNNParams

CELL_MODULES = {LSTMParams: lstm, GRUParams: gru}  # each: backward, sweep, weight_gradients


def check_trace(params, trace: Trace, *, cells=(RNNParams,)) -> None:
    """``ValueError`` unless ``params`` is one of ``cells`` and ``trace`` is what forward() returned for
    parameters of its type and shapes."""
    if not isinstance(params, cells):
        raise ValueError(
            f"params must be {' or '.join(c.__name__ for c in cells)}; received {type(params).__name__}"
        )
    want = TRACES[type(params)]
    if type(trace) is not want:
        raise ValueError(
            f"trace must be the {want.__name__} returned by forward(); received {type(trace).__name__}"
        )
    H, K = params.n_hidden, params.n_out
    if trace.a.shape[2] != H or trace.o.shape[2] != K or trace.xs.shape[2] != params.n_in:
        raise ValueError(
            f"trace must come from params with (D, H, K) = ({params.n_in}, {H}, {K}); received a trace "
            f"with (D, H, K) = ({trace.xs.shape[2]}, {trace.a.shape[2]}, {trace.o.shape[2]})"
        )


def check_step(name: str, s, T: int) -> int:
    """``s`` as an int in 1..T."""
    s = positive_int(name, s)
    if s > T:
        raise ValueError(f"{name} must be a time step in 1..T = 1..{T}; received {s}")
    return s


def output_errors(params, trace: Trace, s: int | None = None):
    r"""∂L/∂o⁽ᵗ⁾ (T, B, K) and its direct part of ∂L⁽ᵗ⁾/∂h⁽ᵗ⁾ = Vᵀ ∂L/∂o⁽ᵗ⁾ (T, B, H), for every cell.

    With ``s``, only L⁽ˢ⁾ sends an error (the other rows are zero).
    """
    with np.errstate(all="ignore"):
        dL_do = trace.dL_do()  # (T, B, K)
        if s is not None:
            keep = np.zeros(trace.T, dtype=bool)
            keep[s - 1] = True
            dL_do = np.where(keep[:, None, None], dL_do, 0.0)
        T, B, K = dL_do.shape
        # Vᵀ ∂L/∂o⁽ᵗ⁾ for every t: one (T·B, K) product, not T small ones
        dh_direct = (dL_do.reshape(T * B, K) @ params.V).reshape(T, B, -1)  # (T, B, H)
    return dL_do, dh_direct


def local_errors(params: RNNParams, trace: Trace, s: int | None = None):
    r"""The per-step pieces of BPTT, each (T, B, ·).

    Returns ∂L/∂o⁽ᵗ⁾ (T, B, K), its direct part of ∂L⁽ᵗ⁾/∂h⁽ᵗ⁾ = Vᵀ ∂L/∂o⁽ᵗ⁾ (T, B, H) and
    f′(a⁽ᵗ⁾) (T, B, H). With ``s``, only L⁽ˢ⁾ sends an error (the other rows are zero).
    """
    dL_do, dh_direct = output_errors(params, trace, s)
    with np.errstate(all="ignore"):
        fprime = get_activation(trace.activation).df(trace.a)  # (T, B, H)
    return dL_do, dh_direct, fprime


def backward_sweep(
    params: RNNParams, trace: Trace, *, window: int | None = None
) -> Iterator[tuple[int, np.ndarray]]:
    r"""Back-propagate every loss L⁽ˢ⁾ separately, all at once: yields (k, Δ) for k = T..1.

    Δ (S, B, H) holds $\delta_k^{(s)} = \partial L^{(s)}/\partial a^{(k)}$ for s = k..k+S−1, so
    row d is the error that crossed the temporal distance d = s − k. ``window`` = τ keeps only
    d < τ (S ≤ τ). One matrix product per k: O(T) numpy calls for all T² terms.
    """
    _, dh_direct, fprime = local_errors(params, trace)
    T, B, H = dh_direct.shape
    # E[b, s-1] = ∂L⁽ˢ⁾/∂h⁽ᵏ⁾ for the current k, rows s ≥ k. Sequence-major, so that each Δ is one
    # contiguous block: the product through W is one (B·S, H) matrix product, and a caller can
    # reduce Δ over the batch with one more (see contributions).
    E = np.zeros((B, T, H))
    with np.errstate(all="ignore"):
        for k in range(T, 0, -1):
            hi = T if window is None else min(T, k - 1 + window)
            E[:, k - 1] = dh_direct[k - 1]  # L⁽ᵏ⁾ enters at its own step
            delta = fprime[k - 1][:, None] * E[:, k - 1 : hi]  # through f, every s at once (B, S, H)
            yield k, delta.transpose(1, 0, 2)  # (S, B, H)
            E[:, k - 1 : hi] = (delta.reshape(-1, H) @ params.W).reshape(delta.shape)  # through W


def deltas(
    params: RNNParams,
    trace: Trace,
    *,
    truncate: int | None = None,
    s: int | None = None,
    errors: tuple | None = None,
):
    r"""$\delta^{(t)} = \partial L/\partial a^{(t)}$ for t = 1..T, shape (T, B, H).

    With ``truncate`` = τ only the paths with s − t < τ; with ``s`` only L⁽ˢ⁾'s error.
    ``errors`` is ``local_errors(params, trace, s)`` when the caller has computed it already.
    """
    T = trace.T
    if truncate is not None and truncate < T and s is None:
        delta = np.empty_like(trace.a)
        for k, d in backward_sweep(params, trace, window=truncate):
            delta[k - 1] = d.sum(axis=0)
        return delta
    _, dh_direct, fprime = local_errors(params, trace, s) if errors is None else errors
    delta = dh_direct.copy()  # turned into δ in place, one step at a time
    dh_next = np.zeros_like(dh_direct[0])  # Wᵀ δ⁽ᵗ⁺¹⁾, zero after the last step
    # L⁽ˢ⁾ depends on steps 1..s only: δ⁽ᵗ⁾ = 0 for t > s, also where a later step overflowed
    last = T if s is None else s
    rows, fprime_rows, W = list(delta), list(fprime), params.W  # indexed once: the loop's cost at small H
    with np.errstate(all="ignore"):
        for t in range(last - 1, -1, -1):
            if truncate is not None and s is not None and s - 1 - t >= truncate:
                dh_next[:] = 0.0  # L⁽ˢ⁾'s paths stop after τ steps
            delta_t = rows[t]
            delta_t += dh_next  # ∂L/∂h⁽ᵗ⁾ = Vᵀ ∂L/∂o⁽ᵗ⁾ + Wᵀ δ⁽ᵗ⁺¹⁾
            delta_t *= fprime_rows[t]  # backprop through f
            dh_next = delta_t @ W  # backprop through W
    return delta


def bptt(params, trace: Trace, *, truncate: int | None = None, s: int | None = None):
    r"""The gradient $\partial L/\partial\theta$ by BPTT, as the params' type (RNN, LSTM or GRU params).

    ``trace`` is ``forward(params, …)``. ``truncate`` = τ keeps only the paths with s − k < τ
    (τ ≥ T is full BPTT). ``s`` in 1..T differentiates L⁽ˢ⁾ alone instead of L = Σₛ L⁽ˢ⁾.
    For a gated cell every path runs through both h and (LSTM) s; the cut is the same.
    """
    check_params(params)
    check_trace(params, trace, cells=(type(params),))
    if truncate is not None:
        truncate = positive_int("truncate", truncate)
    if s is not None:
        s = check_step("s", s, trace.T)
    return type(params)(**_gradient_arrays(params, trace, truncate=truncate, s=s))


def _gradient_arrays(params, trace: Trace, *, truncate: int | None = None, s: int | None = None) -> dict:
    """:func:`bptt`'s gradient as a dict of arrays by field name, for arguments it has checked
    (rnn_core.descent takes many steps on parameters it built itself)."""
    T = trace.T
    if type(params) in CELL_MODULES:
        cell = CELL_MODULES[type(params)]
        dL_do, dh_direct = output_errors(params, trace, s)
        dz = cell.backward(params, trace, dh_direct, truncate=truncate, s=s)
        K, H = params.n_out, params.n_hidden
        with np.errstate(all="ignore"):
            V = dL_do.reshape(-1, K).T @ trace.h[1:].reshape(-1, H)
            c = dL_do.reshape(-1, K).sum(axis=0)
        return {**cell.weight_gradients(trace, dz), "V": V, "c": c}
    errors = local_errors(params, trace, s)
    dL_do = errors[0]
    delta = deltas(params, trace, truncate=truncate, s=s, errors=errors)  # (T, B, H)
    H, K, D = params.n_hidden, params.n_out, params.n_in
    n = T if s is None else s  # L⁽ˢ⁾: the sums stop at step s, so a later overflow cannot reach them
    with np.errstate(all="ignore"):
        d_flat = delta[:n].reshape(-1, H)  # (n·B, H): the sums over t and the batch are one product
        o_flat = dL_do[:n].reshape(-1, K)
        return {
            "U": d_flat.T @ trace.xs[:n].reshape(-1, D),
            "W": d_flat.T @ trace.h[:n].reshape(-1, H),  # h⁽ᵗ⁻¹⁾ for t = 1..n
            "V": o_flat.T @ trace.h[1 : n + 1].reshape(-1, H),
            "b": d_flat.sum(axis=0),
            "c": o_flat.sum(axis=0),
        }
