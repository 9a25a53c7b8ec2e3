r"""The LSTM cell (GBC §10.10 letters, tanh for the candidate): parameters, recurrence, backward recursion.

    f⁽ᵗ⁾ = σ(b^f + U^f x⁽ᵗ⁾ + W^f h⁽ᵗ⁻¹⁾),  g⁽ᵗ⁾ = σ(b^g + …),  q⁽ᵗ⁾ = σ(b^q + …)   forget, input, output
    a⁽ᵗ⁾ = b + U x⁽ᵗ⁾ + W h⁽ᵗ⁻¹⁾,  s⁽ᵗ⁾ = f⁽ᵗ⁾ ⊙ s⁽ᵗ⁻¹⁾ + g⁽ᵗ⁾ ⊙ tanh(a⁽ᵗ⁾),  h⁽ᵗ⁾ = q⁽ᵗ⁾ ⊙ tanh(s⁽ᵗ⁾)

The four pre-activations share one stacked matrix, in the order (a, f, g, q): one (B, H) @ (H, 4H)
product per step forward and one (B, 4H) @ (4H, H) product per step backward. Row vectors
throughout; ``dz`` (…, 4H) holds ∂L/∂a, ∂L/∂(pre-activation of f, g, q) in that order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ._checks import positive_int
from .params import CellParams, recurrent_matrix

BLOCK = 64  # steps vectorised at once: input projections forward, local derivatives backward
BLOCKS = (("U", "W", "b"), ("Uf", "Wf", "bf"), ("Ug", "Wg", "bg"), ("Uq", "Wq", "bq"))  # a, f, g, q


@dataclass(frozen=True, eq=False)
class LSTMParams(CellParams):
    """U, Uf, Ug, Uq (H, D); W, Wf, Wg, Wq (H, H); b, bf, bg, bq (H,); V (K, H); c (K,).

    (U, W, b) make the candidate's pre-activation a⁽ᵗ⁾; the (U, W, b) with suffix f, g, q make the
    forget, input and output gates'. Float64 read-only copies; gradients share this type.
    """

    U: np.ndarray
    W: np.ndarray
    b: np.ndarray
    Uf: np.ndarray
    Wf: np.ndarray
    bf: np.ndarray
    Ug: np.ndarray
    Wg: np.ndarray
    bg: np.ndarray
    Uq: np.ndarray
    Wq: np.ndarray
    bq: np.ndarray
    V: np.ndarray
    c: np.ndarray

    @classmethod
    def init(
        cls,
        n_in: int,
        n_hidden: int,
        n_out: int,
        *,
        seed: int = 0,
        forget_bias: float = 1.0,
        w_init: str = "orthogonal",
        w_scale: float = 1.0,
    ) -> LSTMParams:
        r"""Random parameters, deterministic by ``seed``; $b^f = $ ``forget_bias``, the other biases 0.

        Entries of U, Uf, Ug, Uq ~ N(0, 1/D) and of V ~ N(0, 1/H); W, Wf, Wg, Wq each drawn as
        :meth:`RNNParams.init` draws W (σ_max = ``w_scale`` by ``w_init``). A forget bias of 1
        starts the cell near f ≈ 0.73, remembering (Jozefowicz et al. 2015).
        """
        D = positive_int("n_in", n_in)
        H = positive_int("n_hidden", n_hidden)
        K = positive_int("n_out", n_out)
        if not np.isfinite(forget_bias):
            raise ValueError(f"forget_bias must be a finite number; received {forget_bias!r}")
        rng = np.random.default_rng(positive_int("seed", seed, minimum=0))
        arrays = {}
        for U, W, b in BLOCKS:
            arrays[U] = rng.standard_normal((H, D)) / np.sqrt(D)
            arrays[W] = recurrent_matrix(rng, H, w_init, w_scale)
            arrays[b] = np.full(H, float(forget_bias)) if b == "bf" else np.zeros(H)
        return cls(**arrays, V=rng.standard_normal((K, H)) / np.sqrt(H), c=np.zeros(K))


def stacked(params: LSTMParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The four blocks (a, f, g, q) stacked: U (4H, D), W (4H, H), b (4H,)."""
    return tuple(np.concatenate([getattr(params, blk[i]) for blk in BLOCKS]) for i in range(3))


def recurrence(params: LSTMParams, xs: np.ndarray, h0: np.ndarray, s0: np.ndarray) -> dict:
    r"""The LSTM over validated xs (T, B, D), h0 (B, H), s0 (B, H).

    Returns a (T, B, H) the candidate's pre-activation, f, g, q (T, B, H) the gates, s and h
    (T+1, B, H) with s[0] = s0 and h[0] = h0. Only the recurrence loops over t.
    """
    T, B, D = xs.shape
    H = params.n_hidden
    U4, W4, b4 = stacked(params)
    # σ(z) = 1 / (1 + exp(−z)): the gate rows are negated once here, so each step needs no negation
    sign = np.concatenate([np.ones(H), -np.ones(3 * H)])
    U4_T, b4 = (sign[:, None] * U4).T, sign * b4  # (D, 4H), (4H,)
    W4_T = np.ascontiguousarray((sign[:, None] * W4).T)  # (H, 4H)
    a = np.empty((T, B, H))
    gates = np.empty((T, B, 3 * H))  # f, g, q side by side
    s = np.empty((T + 1, B, H))
    h = np.empty((T + 1, B, H))
    s[0], h[0] = s0, h0
    f, g, q = gates[..., :H], gates[..., H : 2 * H], gates[..., 2 * H :]  # views
    with np.errstate(all="ignore"):  # overflow is the subject: the trace shows it, no warnings
        # the input projections of a block of steps in one product: block-sized arrays that the
        # allocator reuses, where one array of the whole trace's size would cost fresh pages
        for start in range(0, T, BLOCK):
            rows = slice(start, min(T, start + BLOCK))
            n = rows.stop - start
            z = (xs[rows].reshape(n * B, D) @ U4_T).reshape(n, B, 4 * H)  # (n, B, 4H)
            z += b4
            # the views of step t, by iterating (cheaper than indexing and slicing inside the loop)
            steps = zip(z, z[..., H:], z[..., :H], gates[rows], f[rows], g[rows], q[rows])
            states = zip(s[rows], s[1:][rows], h[rows], h[1:][rows])
            for (z_t, z_gates, a_t, gate, f_t, g_t, q_t), (s_prev, s_t, h_prev, h_t) in zip(steps, states):
                z_t += h_prev @ W4_T  # the recurrence: the only loop over time
                e = np.exp(z_gates)  # exp(−pre-activation) of f, g, q
                e += 1.0
                np.reciprocal(e, out=gate)
                cand = np.tanh(a_t)
                np.multiply(f_t, s_prev, out=s_t)  # f ⊙ s⁽ᵗ⁻¹⁾
                cand *= g_t
                s_t += cand  # + g ⊙ tanh(a)
                np.multiply(q_t, np.tanh(s_t), out=h_t)  # q ⊙ tanh(s)
            a[rows] = z[..., :H]
    return {"a": a, "f": f, "g": g, "q": q, "s": s, "h": h}


def _dtanh(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """tanh′(x) = 1/cosh²(x), to full relative precision everywhere (1 − tanh² rounds to 0 for |x| > 19)."""
    out = np.cosh(x, out=out)  # inf beyond |x| ≈ 710, where tanh′ underflows to 0 anyway
    np.square(out, out=out)
    return np.reciprocal(out, out=out)


def coefficients(trace, rows: slice = slice(None)) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The local derivatives of one step, for the steps ``rows`` (all by default) at once, from an LSTM trace.

    Returns ``ds_dh`` = q ⊙ (1 − tanh²s) (T, B, H), so that ∂L/∂s gets ``ds_dh`` ⊙ ∂L/∂h;
    ``dq`` = tanh(s) ⊙ q(1 − q) = h ⊙ (1 − q) (T, B, H), so that ∂L/∂(q's pre-activation) =
    ``dq`` ⊙ ∂L/∂h; and
    ``dafg`` (T, B, 3, H) = (g ⊙ (1 − tanh²a), s⁽ᵗ⁻¹⁾ ⊙ f(1 − f), tanh(a) ⊙ g(1 − g)), so that
    ∂L/∂(pre-activations of a, f, g) = ``dafg`` ⊙ ∂L/∂s⁽ᵗ⁾. tanh′ comes from its argument, in the
    form that keeps its relative precision where 1 − tanh² would round to 0; σ′ = σ(1 − σ) from the
    gates themselves (a gate that rounds to exactly 0 or 1 has σ′ = 0).
    """
    f, g, q, a = trace.f[rows], trace.g[rows], trace.q[rows], trace.a[rows]
    dafg = np.empty(f.shape[:2] + (3, f.shape[2]))  # (T, B, 3, H)
    d_a, d_f, d_g = dafg[:, :, 0], dafg[:, :, 1], dafg[:, :, 2]
    with np.errstate(all="ignore"):  # in place: each array is made once
        _dtanh(a, out=d_a)
        d_a *= g
        np.subtract(1.0, f, out=d_f)
        d_f *= f
        d_f *= trace.s[:-1][rows]
        np.subtract(1.0, g, out=d_g)
        d_g *= g
        d_g *= np.tanh(a)
        ds_dh = _dtanh(trace.s[1:][rows])
        ds_dh *= q
        dq = np.subtract(1.0, q)
        dq *= trace.h[1:][rows]
    return ds_dh, dq, dafg


def backward(
    params: LSTMParams, trace, dh_direct: np.ndarray, *, truncate: int | None = None, s: int | None = None
) -> np.ndarray:
    r"""dz (T, B, 4H): ∂L/∂ of the pre-activations (a, f, g, q) at every step, by BPTT.

    ∂L/∂h⁽ᵗ⁾ = Vᵀ ∂L/∂o⁽ᵗ⁾ + W₄ᵀ dz⁽ᵗ⁺¹⁾,  ∂L/∂s⁽ᵗ⁾ = q ⊙ (1 − tanh²s) ⊙ ∂L/∂h⁽ᵗ⁾ + f⁽ᵗ⁺¹⁾ ⊙ ∂L/∂s⁽ᵗ⁺¹⁾.
    ``dh_direct`` (T, B, H) is Vᵀ ∂L/∂o⁽ᵗ⁾ (only row s − 1 nonzero when ``s`` is given). With
    ``truncate`` = τ only the paths with s − k < τ are kept.
    """
    T, B, H = dh_direct.shape
    if truncate is not None and truncate < T and s is None:
        dz = np.empty((T, B, 4 * H))
        for k, d in sweep(params, trace, dh_direct, window=truncate):
            dz[k - 1] = d.sum(axis=0)
        return dz
    W4 = stacked(params)[1]
    # only L⁽ˢ⁾ (with s) starts at step s; with τ too, its paths stop at step s − τ + 1; dz = 0 elsewhere
    last = T - 1 if s is None else s - 1
    first = 0 if truncate is None or s is None else max(0, s - truncate)
    full = first == 0 and last == T - 1
    dz = (np.empty if full else np.zeros)((T, B, 4, H))  # the blocks a, f, g, q on their own axis
    dh_next = np.zeros((B, H))  # W₄ᵀ dz⁽ᵗ⁺¹⁾, zero after the last step
    ds_next = np.zeros((B, H))  # f⁽ᵗ⁺¹⁾ ⊙ ∂L/∂s⁽ᵗ⁺¹⁾
    with np.errstate(all="ignore"):
        # the local derivatives come in blocks of steps, each vectorised: small arrays that the
        # allocator reuses, where arrays of the whole trace's size would each cost fresh pages
        for stop in range(last + 1, first, -BLOCK):
            rows = slice(max(first, stop - BLOCK), stop)
            ds_dh, dq, dafg = coefficients(trace, rows)
            back = slice(None, None, -1)  # t = stop − 1 … rows.start, as views
            steps = zip(
                dz[rows][back], dh_direct[rows][back], ds_dh[back], dq[back], dafg[back], trace.f[rows][back]
            )
            for dz_t, dh_direct_t, ds_dh_t, dq_t, dafg_t, f_t in steps:
                dh = dh_direct_t + dh_next  # ∂L/∂h⁽ᵗ⁾
                ds = dh * ds_dh_t  # backprop through h = q ⊙ tanh(s)
                ds += ds_next  # ∂L/∂s⁽ᵗ⁾
                np.multiply(dafg_t, ds[:, None, :], out=dz_t[:, :3])  # a, f, g
                np.multiply(dh, dq_t, out=dz_t[:, 3])  # q
                dh_next = dz_t.reshape(B, 4 * H) @ W4  # backprop through the stacked weights
                ds_next = ds * f_t  # backprop through s = f ⊙ s⁽ᵗ⁻¹⁾ + …
    return dz.reshape(T, B, 4 * H)


def sweep(
    params: LSTMParams, trace, dh_direct: np.ndarray, *, window: int | None = None
) -> Iterator[tuple[int, np.ndarray]]:
    r"""Back-propagate every loss L⁽ˢ⁾ separately, all at once: yields (k, dz) for k = T..1.

    dz (S, B, 4H) holds ∂L⁽ˢ⁾/∂(pre-activations a, f, g, q at step k) for s = k..k+S−1; row d
    crossed the distance d = s − k. ``window`` = τ keeps only d < τ. O(T) numpy calls.
    """
    T, B, H = dh_direct.shape
    ds_dh, dq, dafg = coefficients(trace)
    W4 = stacked(params)[1]
    f = trace.f
    Eh = np.zeros((B, T, H))  # Eh[b, s−1] = ∂L⁽ˢ⁾/∂h⁽ᵏ⁾, rows s ≥ k, sequence-major as in bptt.backward_sweep
    Es = np.zeros((B, T, H))  # Es[b, s−1] = f⁽ᵏ⁺¹⁾ ⊙ ∂L⁽ˢ⁾/∂s⁽ᵏ⁺¹⁾
    with np.errstate(all="ignore"):
        for k in range(T, 0, -1):
            hi = T if window is None else min(T, k - 1 + window)
            Eh[:, k - 1] = dh_direct[k - 1]  # L⁽ᵏ⁾ enters at its own step
            Es[:, k - 1] = 0.0
            dh = Eh[:, k - 1 : hi]  # (B, S, H)
            ds = dh * ds_dh[k - 1][:, None] + Es[:, k - 1 : hi]  # (B, S, H)
            dz = np.empty(dh.shape[:2] + (4, H))  # (B, S, 4, H)
            np.multiply(dafg[k - 1][:, None], ds[:, :, None], out=dz[:, :, :3])
            np.multiply(dh, dq[k - 1][:, None], out=dz[:, :, 3])
            dz = dz.reshape(B, -1, 4 * H)  # (B, S, 4H)
            yield k, dz.transpose(1, 0, 2)  # (S, B, 4H)
            Eh[:, k - 1 : hi] = (dz.reshape(-1, 4 * H) @ W4).reshape(dh.shape)
            Es[:, k - 1 : hi] = ds * f[k - 1][:, None]


def weight_gradients(trace, dz: np.ndarray) -> dict[str, np.ndarray]:
    r"""$\partial L/\partial W = \sum_t dz^{(t)\top} h^{(t-1)}$ for each block's W, from dz (T, B, 4H).

    U (with x⁽ᵗ⁾ in place of h⁽ᵗ⁻¹⁾) and b (Σₜ dz⁽ᵗ⁾) alike; every sum is one product over t and the batch.
    """
    H, D = trace.h.shape[2], trace.xs.shape[2]
    with np.errstate(all="ignore"):
        dz_flat = dz.reshape(-1, 4 * H)  # (T·B, 4H): the sums over t and the batch are one product each
        gU = dz_flat.T @ trace.xs.reshape(-1, D)  # (4H, D)
        gW = dz_flat.T @ trace.h[:-1].reshape(-1, H)  # (4H, H)
        gb = dz_flat.sum(axis=0)  # (4H,)
    out = {}
    for i, (U, W, b) in enumerate(BLOCKS):
        rows = slice(i * H, (i + 1) * H)
        out[U], out[W], out[b] = gU[rows], gW[rows], gb[rows]
    return out
