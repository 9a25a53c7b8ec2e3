r"""The GRU cell (GBC §10.10 letters, tanh for the candidate): parameters, recurrence, backward recursion.

    u⁽ᵗ⁾ = σ(b^u + U^u x⁽ᵗ⁾ + W^u h⁽ᵗ⁻¹⁾),  r⁽ᵗ⁾ = σ(b^r + U^r x⁽ᵗ⁾ + W^r h⁽ᵗ⁻¹⁾)     update, reset
    a⁽ᵗ⁾ = b + U x⁽ᵗ⁾ + W (r⁽ᵗ⁾ ⊙ h⁽ᵗ⁻¹⁾),  h⁽ᵗ⁾ = u⁽ᵗ⁾ ⊙ h⁽ᵗ⁻¹⁾ + (1 − u⁽ᵗ⁾) ⊙ tanh(a⁽ᵗ⁾)

The two gates share one stacked matrix (u, r). Row vectors throughout; ``dz`` (…, 3H) holds
∂L/∂a, ∂L/∂(pre-activation of u), ∂L/∂(pre-activation of r), in that order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ._checks import positive_int
from .activations import get_activation
from .params import CellParams, recurrent_matrix

BLOCKS = (("U", "W", "b"), ("Uu", "Wu", "bu"), ("Ur", "Wr", "br"))  # a, u, r


@dataclass(frozen=True, eq=False)
class GRUParams(CellParams):
    """U, Uu, Ur (H, D); W, Wu, Wr (H, H); b, bu, br (H,); V (K, H); c (K,).

    (U, W, b) make the candidate's pre-activation a⁽ᵗ⁾; the (U, W, b) with suffix u and r make
    the update and reset gates'. Float64 read-only copies; gradients share this type.
    """

    U: np.ndarray
    W: np.ndarray
    b: np.ndarray
    Uu: np.ndarray
    Wu: np.ndarray
    bu: np.ndarray
    Ur: np.ndarray
    Wr: np.ndarray
    br: np.ndarray
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
        w_init: str = "orthogonal",
        w_scale: float = 1.0,
    ) -> GRUParams:
        r"""Random parameters, deterministic by ``seed``; every bias 0.

        Entries of U, Uu, Ur ~ N(0, 1/D) and of V ~ N(0, 1/H); W, Wu, Wr each drawn as
        :meth:`RNNParams.init` draws W (σ_max = ``w_scale`` by ``w_init``).
        """
        D = positive_int("n_in", n_in)
        H = positive_int("n_hidden", n_hidden)
        K = positive_int("n_out", n_out)
        rng = np.random.default_rng(positive_int("seed", seed, minimum=0))
        arrays = {}
        for U, W, b in BLOCKS:
            arrays[U] = rng.standard_normal((H, D)) / np.sqrt(D)
            arrays[W] = recurrent_matrix(rng, H, w_init, w_scale)
            arrays[b] = np.zeros(H)
        return cls(**arrays, V=rng.standard_normal((K, H)) / np.sqrt(H), c=np.zeros(K))


def gate_weights(params: GRUParams) -> np.ndarray:
    """W^u and W^r stacked, (2H, H)."""
    return np.concatenate([params.Wu, params.Wr])


def recurrence(params: GRUParams, xs: np.ndarray, h0: np.ndarray) -> dict:
    r"""The GRU over validated xs (T, B, D), h0 (B, H).

    Returns a (T, B, H) the candidate's pre-activation, u and r (T, B, H) the gates, h
    (T+1, B, H) with h[0] = h0. Only the recurrence loops over t.
    """
    T, B, D = xs.shape
    H = params.n_hidden
    # σ(z) = 1 / (1 + exp(−z)): r's rows are negated once here, so each step needs no negation; u's
    # are not, so the loop computes σ(−z) = 1 − u, the weight of the candidate, directly
    U3 = np.concatenate([params.U, params.Uu, -params.Ur])  # (3H, D)
    b3 = np.concatenate([params.b, params.bu, -params.br])
    z = (xs.reshape(T * B, D) @ U3.T).reshape(T, B, 3 * H)  # (T, B, 3H)
    z += b3
    a = np.ascontiguousarray(z[..., :H])  # (T, B, H), completed step by step
    z_gates = np.ascontiguousarray(z[..., H:])  # (T, B, 2H)
    Wg_T = np.ascontiguousarray(np.concatenate([params.Wu, -params.Wr]).T)  # (H, 2H)
    W_T = params.W.T
    gates = np.empty((T, B, 2 * H))  # 1 − u, r side by side
    h = np.empty((T + 1, B, H))
    h[0] = h0
    steps = zip(z_gates, a, gates, h[:-1], h[1:])  # views of step t: iterating beats indexing
    with np.errstate(all="ignore"):  # overflow is the subject: the trace shows it, no warnings
        for zg, a_t, gate, h_prev, h_t in steps:  # the recurrence: the only loop over time
            zg += h_prev @ Wg_T
            e = np.exp(zg)  # exp(pre-activation) of u, exp(−pre-activation) of r
            e += 1.0
            np.reciprocal(e, out=gate)  # 1 − u, r
            a_t += (gate[:, H:] * h_prev) @ W_T  # W (r ⊙ h⁽ᵗ⁻¹⁾)
            step = np.tanh(a_t)
            step -= h_prev
            step *= gate[:, :H]
            np.add(h_prev, step, out=h_t)  # h⁽ᵗ⁻¹⁾ + (1 − u) ⊙ (tanh(a) − h⁽ᵗ⁻¹⁾): u = 1 keeps h exactly
    return {"a": a, "u": 1.0 - gates[..., :H], "r": gates[..., H:], "h": h}


def coefficients(trace) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The local derivatives of one step, for every step at once, from a GRU trace, each (T, B, H).

    ``da`` = (1 − u) ⊙ (1 − tanh²a) and ``du`` = (h⁽ᵗ⁻¹⁾ − tanh a) ⊙ u(1 − u), so that ∂L/∂a =
    ``da`` ⊙ ∂L/∂h⁽ᵗ⁾ and ∂L/∂(u's pre-activation) = ``du`` ⊙ ∂L/∂h⁽ᵗ⁾; ``dr`` = h⁽ᵗ⁻¹⁾ ⊙ r(1 − r), so
    that ∂L/∂(r's pre-activation) = ``dr`` ⊙ Wᵀ ∂L/∂a. tanh′ comes from a, in the form that keeps its
    relative precision where 1 − tanh² would round to 0; σ′ = σ(1 − σ) from the gates themselves.
    """
    with np.errstate(all="ignore"):
        cand = np.tanh(trace.a)
        u, r, h_prev = trace.u, trace.r, trace.h[:-1]
        da = (1.0 - u) * get_activation("tanh").df(trace.a)
        return da, (h_prev - cand) * u * (1.0 - u), h_prev * r * (1.0 - r)


def backward(
    params: GRUParams, trace, dh_direct: np.ndarray, *, truncate: int | None = None, s: int | None = None
) -> np.ndarray:
    r"""dz (T, B, 3H): ∂L/∂ of the pre-activations (a, u, r) at every step, by BPTT.

    ∂L/∂h⁽ᵗ⁻¹⁾ gets u ⊙ ∂L/∂h⁽ᵗ⁾ + r ⊙ Wᵀ ∂L/∂a⁽ᵗ⁾ + W^uᵀ ∂L/∂(u's) + W^rᵀ ∂L/∂(r's), plus Vᵀ ∂L/∂o⁽ᵗ⁻¹⁾.
    ``dh_direct`` (T, B, H) is Vᵀ ∂L/∂o⁽ᵗ⁾ (only row s − 1 nonzero when ``s`` is given). With
    ``truncate`` = τ only the paths with s − k < τ are kept.
    """
    T, B, H = dh_direct.shape
    if truncate is not None and truncate < T and s is None:
        dz = np.empty((T, B, 3 * H))
        for k, d in sweep(params, trace, dh_direct, window=truncate):
            dz[k - 1] = d.sum(axis=0)
        return dz
    da, du, dr = coefficients(trace)
    W, Wg = params.W, gate_weights(params)
    # only L⁽ˢ⁾ (with s) starts at step s; with τ too, its paths stop at step s − τ + 1; dz = 0 elsewhere
    last = T - 1 if s is None else s - 1
    first = 0 if truncate is None or s is None else max(0, s - truncate)
    dz = np.zeros((T, B, 3, H))  # the blocks a, u, r on their own axis
    dh_next = np.zeros((B, H))  # what h⁽ᵗ⁾ receives from step t + 1
    back = slice(last, first - 1 if first else None, -1)  # t = last … first, as views
    steps = zip(dz[back], dh_direct[back], da[back], du[back], dr[back], trace.u[back], trace.r[back])
    with np.errstate(all="ignore"):
        for dz_t, dh_direct_t, da_t, du_t, dr_t, u_t, r_t in steps:
            dh = dh_direct_t + dh_next  # ∂L/∂h⁽ᵗ⁾
            d_a = np.multiply(dh, da_t, out=dz_t[:, 0])  # backprop through (1 − u) ⊙ tanh(a)
            np.multiply(dh, du_t, out=dz_t[:, 1])  # through u
            d_rh = d_a @ W  # ∂L/∂(r ⊙ h⁽ᵗ⁻¹⁾)
            np.multiply(d_rh, dr_t, out=dz_t[:, 2])  # through r
            dh_next = dh * u_t  # the direct path u ⊙ h⁽ᵗ⁻¹⁾
            d_rh *= r_t
            dh_next += d_rh
            dh_next += dz_t[:, 1:].reshape(B, 2 * H) @ Wg  # through the gates' weights
    return dz.reshape(T, B, 3 * H)


def sweep(
    params: GRUParams, trace, dh_direct: np.ndarray, *, window: int | None = None
) -> Iterator[tuple[int, np.ndarray]]:
    r"""Back-propagate every loss L⁽ˢ⁾ separately, all at once: yields (k, dz) for k = T..1.

    dz (S, B, 3H) holds ∂L⁽ˢ⁾/∂(pre-activations a, u, r at step k) for s = k..k+S−1; row d
    crossed the distance d = s − k. ``window`` = τ keeps only d < τ. O(T) numpy calls.
    """
    T, B, H = dh_direct.shape
    da, du, dr = coefficients(trace)
    W, Wg = params.W, gate_weights(params)
    u, r = trace.u, trace.r
    E = np.zeros((B, T, H))  # E[b, s−1] = ∂L⁽ˢ⁾/∂h⁽ᵏ⁾, rows s ≥ k, sequence-major as in bptt.backward_sweep
    with np.errstate(all="ignore"):
        for k in range(T, 0, -1):
            hi = T if window is None else min(T, k - 1 + window)
            E[:, k - 1] = dh_direct[k - 1]  # L⁽ᵏ⁾ enters at its own step
            dh = E[:, k - 1 : hi]  # (B, S, H)
            dz = np.empty(dh.shape[:2] + (3, H))  # (B, S, 3, H)
            np.multiply(dh, da[k - 1][:, None], out=dz[:, :, 0])
            np.multiply(dh, du[k - 1][:, None], out=dz[:, :, 1])
            d_rh = dz[:, :, 0] @ W  # (B, S, H)
            np.multiply(d_rh, dr[k - 1][:, None], out=dz[:, :, 2])
            back = dh * u[k - 1][:, None] + d_rh * r[k - 1][:, None] + dz[:, :, 1:].reshape(B, -1, 2 * H) @ Wg
            dz = dz.reshape(B, -1, 3 * H)  # (B, S, 3H)
            yield k, dz.transpose(1, 0, 2)  # (S, B, 3H)
            E[:, k - 1 : hi] = back


def weight_gradients(trace, dz: np.ndarray) -> dict[str, np.ndarray]:
    r"""$\partial L/\partial W^{u} = \sum_t dz_u^{(t)\top} h^{(t-1)}$ per block, from dz (T, B, 3H).

    U (with x⁽ᵗ⁾) and b alike; the candidate's W sees r⁽ᵗ⁾ ⊙ h⁽ᵗ⁻¹⁾ in place of h⁽ᵗ⁻¹⁾.
    """
    H, D = trace.h.shape[2], trace.xs.shape[2]
    with np.errstate(all="ignore"):
        dz_flat = dz.reshape(-1, 3 * H)  # (T·B, 3H): the sums over t and the batch are one product each
        h_prev = trace.h[:-1].reshape(-1, H)
        gU = dz_flat.T @ trace.xs.reshape(-1, D)  # (3H, D)
        gb = dz_flat.sum(axis=0)  # (3H,)
        gW = dz_flat[:, :H].T @ (trace.r.reshape(-1, H) * h_prev)  # the candidate sees r ⊙ h⁽ᵗ⁻¹⁾
        gWg = dz_flat[:, H:].T @ h_prev  # (2H, H)
    return {
        "U": gU[:H], "W": gW, "b": gb[:H],
        "Uu": gU[H : 2 * H], "Wu": gWg[:H], "bu": gb[H : 2 * H],
        "Ur": gU[2 * H :], "Wr": gWg[H:], "br": gb[2 * H :],
    }  # fmt: skip
