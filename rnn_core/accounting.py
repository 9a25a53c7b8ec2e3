r"""Gradient accounting: which paths through time carry the gradient, and how far.

For k ≤ s write δₖ⁽ˢ⁾ = ∂L⁽ˢ⁾/∂a⁽ᵏ⁾. Then ∂L⁽ˢ⁾/∂W = Σₖ₌₁ˢ δₖ⁽ˢ⁾ h⁽ᵏ⁻¹⁾ᵀ (x⁽ᵏ⁾ᵀ for U, nothing for
b): term k is the path L⁽ˢ⁾ → o⁽ˢ⁾ → h⁽ˢ⁾ → … → h⁽ᵏ⁾ → θ, across the distance s − k. Jacobians:
∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ = Πⱼ₌ₖ₊₁ᵗ diag(f′(a⁽ʲ⁾)) W, with ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖₂ ≤ (γ·σ_max(W))^(t−k).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import choice, positive_int
from ._numerics import SigmaMaxes, scaled_product
from .activations import get_activation
from .bptt import CELL_MODULES, backward_sweep, check_step, check_trace, local_errors, output_errors
from .forward import Trace
from .gru import GRUParams
from .lstm import LSTMParams
from .params import RNNParams

WRT = ("W", "U", "b")
_WRT_V = (
    "wrt must be one of ['W', 'U', 'b']; received 'V': ∂L⁽ˢ⁾/∂V = ∂L⁽ˢ⁾/∂o⁽ˢ⁾ h⁽ˢ⁾ᵀ has a single "
    "term, because V acts on h⁽ˢ⁾ only at step s (no path through earlier steps)"
)


def _factors(params: RNNParams, trace: Trace, wrt: str) -> np.ndarray:
    """What δₖ⁽ˢ⁾ is multiplied by in path term k, for every k: (T, B, m)."""
    if wrt == "V":
        raise ValueError(_WRT_V)
    choice("wrt", wrt, WRT)
    check_trace(params, trace)
    if wrt == "W":
        return trace.h[:-1]  # h⁽ᵏ⁻¹⁾
    if wrt == "U":
        return trace.xs  # x⁽ᵏ⁾
    return np.ones(trace.a.shape[:2] + (1,))  # b: δₖ⁽ˢ⁾ alone


GATED_WRT = {LSTMParams: ("W", "Wf", "Wg", "Wq"), GRUParams: ("W", "Wu", "Wr")}  # in the cells' dz order


def _gated_sweep(params, trace, wrt: str):
    """For a gated cell: what ∂L⁽ˢ⁾/∂(pre-activation of ``wrt``'s block at k) multiplies, (T, B, H),
    and the sweep of every L⁽ˢ⁾ restricted to that block, yielding (k, (S, B, H))."""
    names = GATED_WRT[type(params)]
    choice("wrt", wrt, names)
    check_trace(params, trace, cells=(type(params),))
    H = params.n_hidden
    rows = slice(names.index(wrt) * H, (names.index(wrt) + 1) * H)
    Z = trace.r * trace.h[:-1] if isinstance(params, GRUParams) and wrt == "W" else trace.h[:-1]
    _, dh_direct = output_errors(params, trace)
    sweep = CELL_MODULES[type(params)].sweep(params, trace, dh_direct)
    return Z, ((k, dz[..., rows]) for k, dz in sweep)


def _shape(params: RNNParams, wrt: str) -> tuple:
    return getattr(params, wrt).shape


def path_terms(params: RNNParams, trace: Trace, s: int, *, wrt: str = "W") -> np.ndarray:
    r"""The path terms of $\partial L^{(s)}/\partial\theta = \sum_{k=1}^{s} \delta_k^{(s)} h^{(k-1)\top}$.

    Returns (s, *θ.shape): entry k−1 is the part of ∂L⁽ˢ⁾/∂θ through step k (summed over the
    batch); the entries sum to ∂L⁽ˢ⁾/∂θ. ``wrt`` is "W", "U" or "b"; s in 1..T.
    """
    Z = _factors(params, trace, wrt)  # (T, B, m)
    s = check_step("s", s, trace.T)
    _, dh_direct, fprime = local_errors(params, trace, s)
    terms = np.empty((s, params.n_hidden, Z.shape[2]))  # (s, H, m)
    e = dh_direct[s - 1]  # ∂L⁽ˢ⁾/∂h⁽ˢ⁾ (B, H)
    with np.errstate(all="ignore"):
        for k in range(s, 0, -1):
            delta = fprime[k - 1] * e  # δₖ⁽ˢ⁾ (B, H)
            terms[k - 1] = delta.T @ Z[k - 1]  # (H, m), summed over the batch
            e = delta @ params.W  # ∂L⁽ˢ⁾/∂h⁽ᵏ⁻¹⁾
    return terms.reshape((s,) + _shape(params, wrt))


# a sum of squares in this range is exact as computed: no square overflowed, and the squares that
# underflowed add less than 1e-28 of it; its square root times z's scale then overflows (underflows)
# only where the norm itself is beyond float64's range
_SAFE_LOW, _SAFE_HIGH = 1e-280, 1e280


def contributions(params, trace: Trace, *, wrt: str = "W") -> np.ndarray:
    r"""The contribution matrix $C_{s,k} = \|\delta_k^{(s)} h^{(k-1)\top}\|_F$ (path term k of L⁽ˢ⁾), (T, T).

    C[s−1, k−1] is the Frobenius norm of the batch-summed path term; zero where k > s.
    All s are back-propagated at once (O(T) numpy calls); no path term is formed as a matrix:
    with z (B, m) what δₖ⁽ˢ⁾ (B, H) multiplies and the QR factorisation zᵀ = Q R,
    ‖Σ_b δ_b z_bᵀ‖_F = ‖zᵀδ‖_F = ‖R δ‖_F, an (r, H) product with r = min(B, m) rows. z and δ are
    divided by their largest entries first: a term whose entries are float64 numbers has a float64
    norm (inf only where an entry is inf, or the norm itself exceeds the largest float64).
    For LSTMParams ``wrt`` is W (the candidate's recurrent weights), Wf, Wg or Wq; for GRUParams
    W, Wu or Wr: δₖ⁽ˢ⁾ is then L⁽ˢ⁾'s error at that block's pre-activation, through h and s.
    """
    if isinstance(params, tuple(GATED_WRT)):
        Z, sweep = _gated_sweep(params, trace, wrt)  # (T, B, H)
    else:
        Z, sweep = _factors(params, trace, wrt), backward_sweep(params, trace)  # (T, B, m)
    T, B = Z.shape[:2]
    C = np.zeros((T, T))
    with np.errstate(all="ignore"):
        # scaled before any square: Z_k by its largest entry, each R_k δₖ⁽ˢ⁾ by its own, and the
        # scales multiplied back by mantissa and exponent, so a term that is a float64 array has a
        # float64 norm even where its entries (≈ 1e239) square past the largest float64
        z_scale = np.abs(Z).max(axis=(1, 2))  # (T,)
        z_unit = Z / np.where(np.isfinite(z_scale) & (z_scale > 0), z_scale, 1.0)[:, None, None]
        R = np.linalg.qr(z_unit.transpose(0, 2, 1), mode="r")  # (T, r, B): z_kᵀ/scale = Q_k R_k for every k
        for k, delta in sweep:  # delta (S, B, H), rows s = k..T
            if z_scale[k - 1] == 0.0:  # z = 0 (h⁽⁰⁾ = 0 for W): every term through k is exactly 0
                continue
            by_sequence = delta.transpose(1, 0, 2)  # (B, S, H): contiguous for the RNN, as stored
            Rd = (R[k - 1] @ by_sequence.reshape(B, -1)).reshape(-1, *by_sequence.shape[1:])  # (r, S, H)
            squares = np.einsum("rsh,rsh->s", Rd, Rd)  # (S,)
            C[k - 1 :, k - 1] = np.sqrt(squares) * z_scale[k - 1]
            # where the squares may have left float64, divide by the largest entry first and
            # multiply the scales back by mantissa and exponent
            redo = np.flatnonzero(~((squares > _SAFE_LOW) & (squares < _SAFE_HIGH)))
            if redo.size:
                part = Rd[:, redo]  # (r, n, H)
                size = np.abs(part).max(axis=(0, 2))  # (n,); nan where δ holds nan
                unit = part / np.where(np.isfinite(size) & (size > 0), size, 1.0)[None, :, None]
                norms = scaled_product(z_scale[k - 1], size, np.sqrt(np.einsum("rsh,rsh->s", unit, unit)))
                # an infinite δ (it overflowed in the recursion) makes an infinite term, not inf − inf
                C[k - 1 + redo, k - 1] = np.where(np.isinf(size), np.inf, norms)
    return C


def distance_terms(params: RNNParams, trace: Trace, *, wrt: str = "W") -> np.ndarray:
    r"""The gradient split by temporal distance, $G_d = \sum_{s-k=d} \delta_k^{(s)} h^{(k-1)\top}$, (T, *θ.shape).

    Entry d (= s − k, 0..T−1) sums the path terms of every L⁽ˢ⁾ that cross d steps. They sum to
    ∂L/∂θ, and Σ_{d<τ} G_d is the gradient of BPTT truncated to τ. Memory stays bounded: the
    errors are gathered in blocks of steps and reduced with one (T-batched) matrix product per block.
    """
    Z = _factors(params, trace, wrt)
    T, B, m = Z.shape
    H = params.n_hidden
    G_T = np.zeros((T, m, H))  # G_dᵀ: each block adds z (m, k·b) @ δ (k·b, H) for every d
    chunk = max(1, min(T, 4_000_000 // (T * B * H)))  # ≤ ~32 MB of errors per block
    block = np.empty((T, chunk * B, H))  # block[d, i·B + b] = δₖ⁽ᵏ⁺ᵈ⁾ of sequence b, i-th k of the block
    block_z = np.empty((chunk * B, m))
    filled = 0
    with np.errstate(all="ignore"):
        for k, delta in backward_sweep(params, trace):  # delta (S, B, H)
            S, rows = delta.shape[0], slice(filled * B, (filled + 1) * B)
            block[:S, rows] = delta
            block[S:, rows] = 0.0  # L⁽ˢ⁾ exists only for s ≤ T
            block_z[rows] = Z[k - 1]
            filled += 1
            if filled == chunk or k == 1:  # Σ over the block's k and the batch: one product per d
                G_T += block_z[: filled * B].T @ block[:, : filled * B]
                filled = 0
    G = np.ascontiguousarray(G_T.transpose(0, 2, 1))  # (T, H, m)
    return G.reshape((T,) + _shape(params, wrt))


def check_end_step(trace: Trace, t, batch_index) -> int:
    """``t`` (T when None) as an int in 0..T, after checking that ``batch_index`` is in 0..B−1."""
    T, B = trace.a.shape[:2]
    t = T if t is None else positive_int("t", t, minimum=0)
    if t > T:
        raise ValueError(f"t must be a time step in 0..T = 0..{T}; received {t}")
    if (
        isinstance(batch_index, bool)
        or not isinstance(batch_index, (int, np.integer))
        or not (0 <= batch_index < B)
    ):
        raise ValueError(f"batch_index must be an integer in 0..B-1 = 0..{B - 1}; received {batch_index!r}")
    return t


def jacobian_log_norms(
    params: RNNParams, trace: Trace, *, t: int | None = None, batch_index: int = 0
) -> np.ndarray:
    r"""$\log_{10}\|\partial h^{(t)}/\partial h^{(k)}\|_2$ for k = 0..t, shape (t+1,); entry t is 0.

    ∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ = Πⱼ₌ₖ₊₁ᵗ diag(f′(a⁽ʲ⁾)) W for sequence ``batch_index``. The running product is kept
    normalised and its scale accumulated as a log, so the result is finite where the norm itself
    overflows float64 (−inf where the product is exactly zero, e.g. every ReLU unit off at some
    step; nan where the forward pass produced nan). Each σ_max to 1e-12 relative or better
    (rnn_core._numerics.SigmaMaxes: batched eigenvalues of the Gram matrices for H ≤ 48, a
    warm-started, certified power iteration above).
    """
    check_trace(params, trace)
    t = check_end_step(trace, t, batch_index)
    with np.errstate(all="ignore"):
        d = get_activation(trace.activation).df(trace.a[:t, batch_index])  # d[j-1] = f′(a⁽ʲ⁾), (t, H)
    out = np.zeros(t + 1)
    M = np.eye(params.n_hidden)  # ∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ / 10^log_scale
    log_scale = 0.0
    sigmas = SigmaMaxes(params.n_hidden, t + 1)
    with np.errstate(all="ignore"):
        for k in range(t - 1, -1, -1):
            M = (M * d[k]) @ params.W  # append diag(f′(a⁽ᵏ⁺¹⁾)) W on the right
            size = np.abs(M).max()
            if not size > 0.0:  # exactly zero, or nan from an exploded forward pass
                out[: k + 1] = -np.inf if size == 0.0 else np.nan
                break
            M /= size
            log_scale += np.log10(size)
            sigmas.add(k, M, log_scale)
    return sigmas.write(out)


OVERFLOW_KINDS = ("finite", "forward", "terms")


@dataclass(frozen=True)
class TermsVerdict:
    """Which of L⁽ˢ⁾'s s path-term norms are exactly 0 or not numbers, and why.

    ``kind`` (OVERFLOW_KINDS): "finite" (every norm is a number); "forward" (the forward pass
    overflowed at step ``t`` ≤ s, so h⁽ᵗ⁾ and everything after it is inf or nan); "terms" (the
    forward pass is finite up to s, but back-propagating L⁽ˢ⁾ overflowed float64: δₖ⁽ˢ⁾ or the
    term's entries exceed the largest float64). ``n_inf`` and ``n_nan`` count those norms;
    ``zero_ks`` are the k whose term is exactly 0; ``output_error_zero``: ∂L⁽ˢ⁾/∂o⁽ˢ⁾ = 0 exactly,
    so every term is 0 (ŷ⁽ˢ⁾ equals the target in float64).
    """

    kind: str
    s: int
    t: int | None
    n_inf: int
    n_nan: int
    zero_ks: tuple[int, ...]
    output_error_zero: bool

    @property
    def n_nonfinite(self) -> int:
        return self.n_inf + self.n_nan


def terms_verdict(trace: Trace, s: int, norms) -> TermsVerdict:
    """The verdict on the s path-term norms ‖term k‖_F (s,) of L⁽ˢ⁾ computed on ``trace``."""
    s = check_step("s", s, trace.T)
    norms = np.asarray(norms, dtype=np.float64)
    if norms.shape != (s,):
        raise ValueError(f"norms must have shape (s,) = ({s},); received {norms.shape}")
    n_inf, n_nan = int(np.isinf(norms).sum()), int(np.isnan(norms).sum())
    t = trace.overflow_step
    if not n_inf + n_nan:
        kind = "finite"
    elif t is not None and t <= s:
        kind = "forward"
    else:
        kind = "terms"
    zero_ks = tuple(int(k) for k in np.flatnonzero(norms == 0.0) + 1)
    output_error_zero = bool(np.all(trace.dL_do()[s - 1] == 0.0))
    return TermsVerdict(kind, s, t if kind == "forward" else None, n_inf, n_nan, zero_ks, output_error_zero)
