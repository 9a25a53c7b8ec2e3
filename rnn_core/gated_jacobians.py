r"""Jacobians of the state through time for every cell, and the LSTM's constant error carousel.

The state is h for the RNN and the GRU, the pair (h, s) for the LSTM. Its one-step Jacobian, in
the letters of rnn_core.lstm and rnn_core.gru (c̃ = tanh a, σ′ = σ(1 − σ)):

    LSTM  ∂s⁽ʲ⁾/∂s⁽ʲ⁻¹⁾ = diag(f),
          ∂s⁽ʲ⁾/∂h⁽ʲ⁻¹⁾ = A = diag(g(1 − c̃²)) W + diag(s⁽ʲ⁻¹⁾ f′) W^f + diag(c̃ g′) W^g,
          ∂h⁽ʲ⁾/∂s⁽ʲ⁻¹⁾ = diag(q(1 − tanh²s) f),  ∂h⁽ʲ⁾/∂h⁽ʲ⁻¹⁾ = diag(q(1 − tanh²s)) A + diag(tanh(s) q′) W^q
    GRU   ∂h⁽ʲ⁾/∂h⁽ʲ⁻¹⁾ = diag(u) + diag((h⁽ʲ⁻¹⁾ − c̃) u′) W^u
                        + diag((1 − u)(1 − c̃²)) W (diag(r) + diag(h⁽ʲ⁻¹⁾ r′) W^r)

The direct path s⁽ᵏ⁾ → s⁽ᵏ⁺¹⁾ → … → s⁽ᵗ⁾ alone gives Πⱼ diag(f⁽ʲ⁾), the "conveyor belt"; the exact
∂s⁽ᵗ⁾/∂s⁽ᵏ⁾ adds every path that leaves s for h and comes back through the gates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import gru, lstm
from ._numerics import SigmaMaxes
from .accounting import check_end_step, jacobian_log_norms
from .bptt import check_trace
from .forward import LSTMTrace, Trace, check_params
from .gru import GRUParams
from .lstm import LSTMParams
from .params import RNNParams


@dataclass(frozen=True, eq=False)
class CarouselLogNorms:
    r"""The LSTM's cell-state Jacobian two ways, for k = 0..t, each (t+1,) with entry t = 0.

    ``direct`` = log₁₀‖Πⱼ₌ₖ₊₁ᵗ diag(f⁽ʲ⁾)‖₂ = log₁₀ maxᵢ Πⱼ f⁽ʲ⁾ᵢ, the path along s alone;
    ``exact`` = log₁₀‖∂s⁽ᵗ⁾/∂s⁽ᵏ⁾‖₂, the s→s block of the total derivative of (h⁽ᵗ⁾, s⁽ᵗ⁾)
    with respect to (h⁽ᵏ⁾, s⁽ᵏ⁾), which adds the paths through h. Where the two agree the
    carousel approximation holds; where they part, the indirect paths matter.
    """

    direct: np.ndarray
    exact: np.ndarray

    @property
    def gap(self) -> np.ndarray:
        """exact − direct (t+1,), in decades: how far the indirect paths move the norm."""
        with np.errstate(invalid="ignore"):
            return self.exact - self.direct


def _lstm_step(params: LSTMParams, trace: LSTMTrace, n: int) -> Callable[[np.ndarray, int], np.ndarray]:
    """M ↦ M J⁽ʲ⁾ for sequence n, J⁽ʲ⁾ = ∂(h⁽ʲ⁾, s⁽ʲ⁾)/∂(h⁽ʲ⁻¹⁾, s⁽ʲ⁻¹⁾) (2H, 2H), never formed whole."""
    ds_dh, dq, dafg = (arr[:, n] for arr in lstm.coefficients(trace))  # (T, H), (T, H), (T, 3, H)
    f = trace.f[:, n]
    H = params.n_hidden
    W3 = np.stack([params.W, params.Wf, params.Wg])  # (3, H, H)

    def step(M: np.ndarray, j: int) -> np.ndarray:
        A = np.einsum("ki,kij->ij", dafg[j - 1], W3)  # ∂s⁽ʲ⁾/∂h⁽ʲ⁻¹⁾ (H, H)
        M_h, M_s = M[:, :H], M[:, H:]
        P = M_h * ds_dh[j - 1] + M_s  # what reaches s⁽ʲ⁾, directly or through h⁽ʲ⁾ = q ⊙ tanh(s⁽ʲ⁾)
        out = np.empty_like(M)
        out[:, :H] = P @ A + (M_h * dq[j - 1]) @ params.Wq
        out[:, H:] = P * f[j - 1]
        return out

    return step


def _gru_step(params: GRUParams, trace, n: int) -> Callable[[np.ndarray, int], np.ndarray]:
    """M ↦ M J⁽ʲ⁾ for sequence n, J⁽ʲ⁾ = ∂h⁽ʲ⁾/∂h⁽ʲ⁻¹⁾ (H, H)."""
    da, du, dr = (arr[:, n] for arr in gru.coefficients(trace))  # (T, H) each
    u, r = trace.u[:, n], trace.r[:, n]

    def step(M: np.ndarray, j: int) -> np.ndarray:
        W, i = params.W, j - 1
        through_a = W * r[i] + (W * dr[i]) @ params.Wr  # ∂a⁽ʲ⁾/∂h⁽ʲ⁻¹⁾ (H, H)
        J = da[i][:, None] * through_a + du[i][:, None] * params.Wu
        J[np.diag_indices_from(J)] += u[i]  # the direct path u ⊙ h⁽ʲ⁻¹⁾
        return M @ J

    return step


def _product_log_norms(step, size: int, t: int, block: slice) -> np.ndarray:
    r"""log₁₀‖(Πⱼ₌ₖ₊₁ᵗ J⁽ʲ⁾)[block, block]‖₂ for k = 0..t (t+1,), from ``step`` (M ↦ M J⁽ʲ⁾).

    The product is kept normalised and its scale accumulated as a log (finite where the norm
    overflows float64); −inf where the block is exactly zero, nan after a nan forward pass.
    σ_max as in :func:`rnn_core.jacobian_log_norms`: to 1e-12 relative or better.
    """
    out = np.zeros(t + 1)
    M = np.eye(size)
    log_scale = 0.0
    sigmas = SigmaMaxes(M[block, block].shape[0], t + 1)
    with np.errstate(all="ignore"):
        for k in range(t - 1, -1, -1):
            M = step(M, k + 1)  # append J⁽ᵏ⁺¹⁾ on the right
            scale = np.abs(M).max()
            if not scale > 0.0:  # exactly zero, or nan from an exploded forward pass
                out[: k + 1] = -np.inf if scale == 0.0 else np.nan
                break
            M /= scale
            log_scale += np.log10(scale)
            part = M[block, block]
            size_part = np.abs(part).max()
            if not size_part > 0.0:  # this block alone vanishes; later ones need not
                out[k] = -np.inf if size_part == 0.0 else np.nan
                continue
            sigmas.add(k, part / size_part, log_scale + np.log10(size_part))
    return sigmas.write(out)


def state_jacobian_log_norms(
    params, trace: Trace, *, t: int | None = None, batch_index: int = 0
) -> np.ndarray:
    r"""$\log_{10}\|\mathrm{d}x^{(t)}/\mathrm{d}x^{(k)}\|_2$ for k = 0..t, shape (t+1,); entry t is 0.

    x is the state: h (H,) for RNNParams and GRUParams, (h, s) (2H,) for LSTMParams; the total
    derivative follows every path through the gates. For RNNParams this is
    :func:`rnn_core.jacobian_log_norms`. Sequence ``batch_index`` of ``trace`` = forward(params, …);
    t defaults to T. Finite where the norm overflows float64, as there.
    """
    check_params(params)
    if isinstance(params, RNNParams):
        return jacobian_log_norms(params, trace, t=t, batch_index=batch_index)
    check_trace(params, trace, cells=(type(params),))
    t = check_end_step(trace, t, batch_index)
    H = params.n_hidden
    if isinstance(params, LSTMParams):
        return _product_log_norms(_lstm_step(params, trace, batch_index), 2 * H, t, slice(None))
    return _product_log_norms(_gru_step(params, trace, batch_index), H, t, slice(None))


def carousel_log_norms(
    params: LSTMParams, trace: LSTMTrace, *, t: int | None = None, batch_index: int = 0
) -> CarouselLogNorms:
    r"""$\log_{10}\|\prod_{j=k+1}^{t} \mathrm{diag}(f^{(j)})\|_2$ beside $\log_{10}\|\partial s^{(t)}/\partial s^{(k)}\|_2$.

    LSTMParams only. Returns a :class:`CarouselLogNorms` with ``direct`` and ``exact``, each
    (t+1,) with entry t = 0, for sequence ``batch_index``; t defaults to T. The direct path is a
    product of diagonals: its norm is the largest per-unit product, summed in log space.
    """
    if not isinstance(params, LSTMParams):
        raise ValueError(
            "carousel_log_norms needs LSTMParams (the cell state s and its forget gate f); "
            f"received {type(params).__name__}"
        )
    check_trace(params, trace, cells=(LSTMParams,))
    t = check_end_step(trace, t, batch_index)
    H = params.n_hidden
    with np.errstate(divide="ignore", invalid="ignore"):
        log_f = np.log10(trace.f[:t, batch_index])  # (t, H); log₁₀ 0 = −inf: a unit that forgets all
        tail = np.cumsum(log_f[::-1], axis=0)[::-1]  # tail[k] = Σⱼ₌ₖ₊₁ᵗ log₁₀ f⁽ʲ⁾, per unit
    direct = np.zeros(t + 1)
    direct[:t] = tail.max(axis=1)
    exact = _product_log_norms(_lstm_step(params, trace, batch_index), 2 * H, t, slice(H, None))
    return CarouselLogNorms(direct=direct, exact=exact)
