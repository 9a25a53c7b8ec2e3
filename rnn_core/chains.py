r"""One path term opened up: the chain of Jacobians from h⁽ˢ⁾ back to h⁽ᵏ⁾, factor by factor.

Path term k of L⁽ˢ⁾ (rnn_core.accounting) is δₖ⁽ˢ⁾ h⁽ᵏ⁻¹⁾ᵀ with

    δₖ⁽ˢ⁾ = diag(f′(a⁽ᵏ⁾)) (∂h⁽ˢ⁾/∂h⁽ᵏ⁾)ᵀ Vᵀ ∂L⁽ˢ⁾/∂o⁽ˢ⁾,   ∂h⁽ˢ⁾/∂h⁽ᵏ⁾ = Πⱼ₌ₖ₊₁ˢ diag(f′(a⁽ʲ⁾)) W

(j = s leftmost). :func:`path_chain` returns every factor of that product with its spectral norm,
the product itself, the term from :func:`rnn_core.path_terms`, and the term rebuilt from the
explicit product; :func:`chain_verdict` says whether its norm is the ledger's C[s, k] and, when
the term is 0 or not a number, why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._numerics import array_norm, top_eigenvalues, warm_sigma_max
from .accounting import path_terms
from .activations import get_activation
from .bptt import check_step, check_trace, output_errors
from .forward import Trace
from .gradcheck import EXACT_TOLERANCE, rel_error
from .params import RNNParams

CHAIN_KINDS = ("agrees", "zero", "nonfinite", "disagrees")
# why a path term is exactly 0, in the order they are checked: z = h⁽ᵏ⁻¹⁾ is 0 (k = 1 with h⁽⁰⁾ = 0),
# the error ∂L⁽ˢ⁾/∂h⁽ˢ⁾ is 0, the chain ∂h⁽ˢ⁾/∂h⁽ᵏ⁾ sends 0 back, or f′(a⁽ᵏ⁾) stops what arrives
ZERO_CAUSES = ("input", "output", "chain", "local")
CHAIN_TOLERANCE = EXACT_TOLERANCE  # two exact routes to one term: rounding only


@dataclass(frozen=True)
class PathChain:
    r"""Path term k of ∂L⁽ˢ⁾/∂W (and ∂L⁽ˢ⁾/∂U) of one sequence, with its chain of Jacobians.

    ``steps`` (s−k,) are j = s, s−1, …, k+1, the order of the product. ``fprime`` (s−k+1, H) holds
    f′(a⁽ʲ⁾) for j = s..k (last row: f′(a⁽ᵏ⁾), which δₖ⁽ˢ⁾ applies after the chain).
    ``factor_norms`` (s−k,): ‖diag(f′(a⁽ʲ⁾)) W‖₂. ``log_norms`` (s−k,): log₁₀‖∂h⁽ˢ⁾/∂h⁽ʲ⁻¹⁾‖₂, the
    product up to and including factor j, finite where the product overflows float64.
    ``jacobian`` (H, H): ∂h⁽ˢ⁾/∂h⁽ᵏ⁾ multiplied out in float64 (the identity for s = k; inf/nan
    where it overflowed). ``dh_s`` (H,): ∂L⁽ˢ⁾/∂h⁽ˢ⁾ = Vᵀ ∂L⁽ˢ⁾/∂o⁽ˢ⁾; ``dh_k`` (H,):
    ∂L⁽ˢ⁾/∂h⁽ᵏ⁾ = (∂h⁽ˢ⁾/∂h⁽ᵏ⁾)ᵀ dh_s; ``delta`` (H,): δₖ⁽ˢ⁾ = f′(a⁽ᵏ⁾) ⊙ dh_k; ``z`` (H,): h⁽ᵏ⁻¹⁾.
    ``term`` (H, H) and ``term_U`` (H, D): path_terms(…)[k−1] for W and U; ``term_norm`` and
    ``term_U_norm`` their Frobenius norms. ``chain_error``: rel_error(δₖ⁽ˢ⁾ h⁽ᵏ⁻¹⁾ᵀ, term), the
    explicit product against the recursion (nan where either is not finite).
    """

    s: int
    k: int
    W: np.ndarray
    fprime: np.ndarray
    factor_norms: np.ndarray
    log_norms: np.ndarray
    jacobian: np.ndarray
    dh_s: np.ndarray
    dh_k: np.ndarray
    delta: np.ndarray
    z: np.ndarray
    term: np.ndarray
    term_U: np.ndarray
    term_norm: float
    term_U_norm: float
    chain_error: float
    overflow_step: int | None  # the trace's first t with h⁽ᵗ⁾ not finite, when t ≤ s; else None

    @property
    def length(self) -> int:
        """How many factors the chain has: s − k."""
        return self.s - self.k

    @property
    def steps(self) -> np.ndarray:
        return np.arange(self.s, self.k, -1)

    @property
    def factors(self) -> np.ndarray:
        """diag(f′(a⁽ʲ⁾)) W for j = s..k+1, (s−k, H, H); formed when asked (T·H² floats)."""
        with np.errstate(all="ignore"):
            return self.fprime[:-1, :, None] * self.W[None]


def _factor_norms(fprime: np.ndarray, W: np.ndarray) -> np.ndarray:
    """‖diag(d) W‖₂ for each row d of ``fprime`` (n, H): √λ_max(diag(d) WWᵀ diag(d)), one batched
    eigvalsh on Gram matrices scaled from one WWᵀ (no product per factor); nan where d is not finite."""
    with np.errstate(all="ignore"):
        gram = fprime[:, :, None] * (W @ W.T)[None] * fprime[:, None, :]  # (n, H, H)
    # a W that training drove to inf or nan, or a Gram that overflows: nan, never a LinAlgError
    with np.errstate(invalid="ignore"):
        return np.sqrt(np.maximum(top_eigenvalues(gram), 0.0))


def _products(factors: np.ndarray, H: int) -> tuple[np.ndarray, np.ndarray]:
    """F_1 F_2 ⋯ F_n of a (n, H, H) stack (the identity for n = 0) and log₁₀‖F_1 ⋯ F_i‖₂ for every
    i, (n,). The running product is rescaled by a power of two after each factor (exact), so it is
    inf only where an entry of the product itself exceeds float64 and its norms are exact in log
    space; each norm by accounting's warm-started, certified power iteration. A product that is
    exactly 0 gives −inf from there on, one that holds inf or nan gives nan."""
    product, exponent = np.eye(H), 0
    logs = np.empty(factors.shape[0])
    u = np.full(H, H**-0.5)  # any unit vector: it settles along the product
    for i, factor in enumerate(factors):
        product = product @ factor
        size = np.abs(product).max()
        if not (size > 0 and np.isfinite(size)):  # exactly 0, or inf/nan from an overflowed a⁽ʲ⁾
            logs[i:] = -np.inf if size == 0 else np.nan
            return (np.zeros((H, H)) if size == 0 else product), logs
        e = int(np.frexp(size)[1])
        product, exponent = np.ldexp(product, -e), exponent + e
        sigma, u = warm_sigma_max(product, u)
        logs[i] = exponent * np.log10(2.0) + np.log10(sigma)
    return np.ldexp(product, exponent), logs


def path_chain(params: RNNParams, trace: Trace, s: int, k: int) -> PathChain:
    r"""$\delta_k^{(s)} h^{(k-1)\top}$ with $\partial h^{(s)}/\partial h^{(k)} = \prod_{j=k+1}^{s}\operatorname{diag}(f'(a^{(j)}))\,W$ factor by factor.

    ``trace`` is forward(params, …) of one sequence (B = 1); s in 1..T and k in 1..s. Costs s − k
    products of H × H matrices, a warm-started power iteration per running product and one batched
    eigenvalue call for the factors' norms: meant for the one term a reader picked.
    """
    check_trace(params, trace)
    s = check_step("s", s, trace.T)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= s:
        raise ValueError(f"k must be a time step in 1..s = 1..{s}; received {k!r}")
    k = int(k)
    B = trace.a.shape[1]
    if B != 1:
        raise ValueError(
            f"trace must hold one sequence (B = 1) to follow one chain of Jacobians; received B = {B}"
        )
    H = params.n_hidden
    with np.errstate(all="ignore"):
        fprime = get_activation(trace.activation).df(trace.a[k - 1 : s, 0])[::-1]  # (s−k+1, H): j = s..k
        factors = fprime[:-1, :, None] * params.W[None]  # (s−k, H, H)
        # ∂h⁽ˢ⁾/∂h⁽ᵏ⁾ (the identity for s = k), and log₁₀‖∂h⁽ˢ⁾/∂h⁽ʲ⁻¹⁾‖₂ for j = s..k+1
        jacobian, log_norms = _products(factors, H)
        _, dh_direct = output_errors(params, trace, s)
        dh_s = dh_direct[s - 1, 0]  # (H,)
        dh_k = dh_s @ jacobian  # (∂h⁽ˢ⁾/∂h⁽ᵏ⁾)ᵀ dh_s, as a row vector
        delta = fprime[-1] * dh_k  # δₖ⁽ˢ⁾
        z = trace.h[k - 1, 0]  # h⁽ᵏ⁻¹⁾
        rebuilt = np.outer(delta, z)
    term = path_terms(params, trace, s, wrt="W")[k - 1]
    if not z.any():  # δₖ⁽ˢ⁾ 0ᵀ = 0 however large δ is (in float64, inf · 0 would be nan)
        term, rebuilt = np.zeros_like(term), np.zeros_like(rebuilt)
    term_U = path_terms(params, trace, s, wrt="U")[k - 1]
    overflow = trace.overflow_step
    return PathChain(
        s=s,
        k=k,
        W=params.W,
        fprime=fprime,
        factor_norms=_factor_norms(fprime[:-1], params.W),
        log_norms=log_norms,
        jacobian=jacobian,
        dh_s=dh_s,
        dh_k=dh_k,
        delta=delta,
        z=z,
        term=term,
        term_U=term_U,
        term_norm=array_norm(term),
        term_U_norm=array_norm(term_U),
        chain_error=rel_error(rebuilt, term),
        overflow_step=overflow if overflow is not None and overflow <= s else None,
    )


@dataclass(frozen=True)
class ChainVerdict:
    r"""Whether the chain's term is the ledger's entry C[s, k], and why when it is 0 or not a number.

    ``kind`` (CHAIN_KINDS): "agrees" (the term's norm and ``ledger`` agree within ``tolerance``,
    and so do the term rebuilt from the explicit product and the recursion's); "zero" (the term is
    exactly 0, for the reason ``zero_cause`` in ZERO_CAUSES, and the ledger says 0 too);
    "nonfinite" (the term, the ledger entry or the explicit product holds inf or nan; the forward
    pass overflowed at ``overflow_step`` ≤ s, or back-propagation overflowed when it is None);
    "disagrees" (anything else: a bug). ``ledger_error``: |‖term‖ − C[s, k]| / max of the two.
    ``dead_step``: with zero_cause "chain", the first step j whose factor diag(f′(a⁽ʲ⁾)) W is 0
    (every f′(a⁽ʲ⁾) = 0, as when every ReLU unit is off), None when no single factor is 0.
    """

    kind: str
    s: int
    k: int
    term_norm: float
    ledger: float
    ledger_error: float
    chain_error: float
    tolerance: float
    zero_cause: str | None
    overflow_step: int | None
    dead_step: int | None  # for zero_cause "chain": the first j (from s down) whose factor is exactly 0
    factors_finite: bool  # every factor diag(f′(a⁽ʲ⁾)) W is a float64 matrix (f′ can be, past an overflow)


def _zero_cause(chain: PathChain) -> str | None:
    for cause, vector in zip(ZERO_CAUSES, (chain.z, chain.dh_s, chain.dh_k, chain.delta)):
        if np.all(vector == 0.0):
            return cause
    return None


def chain_verdict(chain: PathChain, ledger: float, *, tolerance: float = CHAIN_TOLERANCE) -> ChainVerdict:
    """The verdict on ``chain`` against the ledger's entry ``ledger`` = C[s, k] (a float ≥ 0, inf or nan)."""
    ledger = float(ledger)
    norm = chain.term_norm
    finite = np.isfinite(norm) and np.isfinite(ledger)
    big = max(abs(norm), abs(ledger)) if finite else np.nan
    ledger_error = (abs(norm - ledger) / big if big > 0 else 0.0) if finite else float("nan")
    cause = None
    if not (finite and np.isfinite(chain.chain_error)):
        kind = "nonfinite"
    elif norm == 0.0 and ledger == 0.0:
        kind, cause = "zero", _zero_cause(chain)
    elif ledger_error <= tolerance and chain.chain_error <= tolerance:
        kind = "agrees"
    else:
        kind = "disagrees"
    return ChainVerdict(
        kind=kind,
        s=chain.s,
        k=chain.k,
        term_norm=norm,
        ledger=ledger,
        ledger_error=float(ledger_error),
        chain_error=chain.chain_error,
        tolerance=tolerance,
        zero_cause=cause,
        overflow_step=chain.overflow_step,
        dead_step=_dead_step(chain) if cause == "chain" else None,
        factors_finite=bool(np.isfinite(chain.factor_norms).all()),
    )


def _dead_step(chain: PathChain) -> int | None:
    dead = np.flatnonzero(chain.factor_norms == 0.0)
    return int(chain.steps[dead[0]]) if dead.size else None
