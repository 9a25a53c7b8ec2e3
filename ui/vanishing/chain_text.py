"""The sentences of the Vanishing page's opened ledger cell (ui.vanishing.chain): templates with
named fields, and the functions that choose one from rnn_core's ChainVerdict and fill it."""

from __future__ import annotations

import math

import numpy as np

import rnn_core as rc
from ui import formulas
from ui.format import number, pow10_plain, sci, tex_number, time_index
from ui.i18n import say, say_n
from ui.vanishing.text import Metric

HEADER = "Open one cell: the chain of Jacobians behind C[s, k]"
INTRO = (
    "Each cell of the ledger is one path term δₖ⁽ˢ⁾ h⁽ᵏ⁻¹⁾ᵀ of ∂L⁽ˢ⁾/∂W, the same object the Update "
    "rules page writes out for s = 3. Its error δₖ⁽ˢ⁾ = diag(f′(a⁽ᵏ⁾)) (∂h⁽ˢ⁾/∂h⁽ᵏ⁾)ᵀ Vᵀ ∂L⁽ˢ⁾/∂o⁽ˢ⁾ "
    "has crossed s − k factors diag(f′(a⁽ʲ⁾)) W, one per step j = s, s − 1, …, k + 1. **Click a cell** "
    "of the ledger above, or choose s and k here, to see every factor with its norm."
)
CLICK_HINT = "Click a cell to open its chain of Jacobians below (the ring marks the open one)."
S_LABEL = "loss L⁽ˢ⁾ at step s"
S_HELP = "Which loss the gradient comes from: a row of the ledger."
K_LABEL = "through step k"
K_HELP = "Where the path reaches W: a column of the ledger, k ≤ s."
ONE_STEP = "With T = 1 the ledger has one cell: s = k = 1."

LEDGER = "C[{s}, {k}] in the ledger"
LEDGER_HELP = "The cell's value, read from the matrix that drew the ledger (rnn_core.contributions)."
TERM = "‖term‖_F from the chain"
TERM_HELP = "‖δₖ⁽ˢ⁾ h⁽ᵏ⁻¹⁾ᵀ‖_F of this term (rnn_core.path_terms), opened below factor by factor."
PRODUCT = "‖∂h⁽ˢ⁾/∂h⁽ᵏ⁾‖₂"
PRODUCT_HELP = "The spectral norm of the product of the s − k factors, computed in log space."
BOUND = "bound (γ·σ_max(W))^(s−k)"
BOUND_HELP = "What the product's norm can at most be: each factor has norm ≤ γ·σ_max(W)."

AGREES = (
    "✓ The term's Frobenius norm {norm} is the ledger's C[{s}, {k}] = {ledger} (relative "
    "difference {error}, tolerance {tol}). Multiplying the {factors} out and applying the product to "
    "∂L⁽ˢ⁾/∂h⁽ˢ⁾ gives the same term as the δ recursion (relative error {chain_error})."
)
FACTORS = ("{n} factor", "{n} factors")
NO_FACTOR = (
    "With s = k there is no factor: ∂h⁽ˢ⁾/∂h⁽ˢ⁾ = I, and the term is the short path straight from L⁽ˢ⁾."
)
ZERO = {
    "input": (
        "This term is exactly 0, and so is C[{s}, {k}]: it ends in h{km1}ᵀ, and h{km1} = 0{initial}. "
        "The chain in front of it is not what stops it: U's term through the same chain, "
        "δ{k_index} x{k_index}ᵀ, has norm {u_norm}."
    ),
    "output": (
        "This term is exactly 0, and so is C[{s}, {k}]: ∂L⁽ˢ⁾/∂o⁽ˢ⁾ is 0 in float64 (ŷ{s_index} equals "
        "the target), so every path from L⁽ˢ⁾ carries nothing."
    ),
    "chain": (
        "This term is exactly 0, and so is C[{s}, {k}]: the product ∂h⁽ˢ⁾/∂h⁽ᵏ⁾ sends nothing back. {where}"
    ),
    "local": (
        "This term is exactly 0, and so is C[{s}, {k}]: the error reaches h{k_index}, but "
        "f′(a{k_index}) = 0 on every unit it reaches, so δ{k_index} = 0 (ReLU units off, or f′ "
        "underflowed float64)."
    ),
}
INITIAL = " (the initial state)"
DEAD_STEP = "At step j = {j} every f′(a⁽ʲ⁾) is 0 (every ReLU unit is off, or f′ underflowed), so that factor is the zero matrix."
NO_DEAD_STEP = "No single factor is 0, but their product maps this error to 0."
ZERO_UNEXPLAINED = "This term is exactly 0, and so is C[{s}, {k}] (an underflow of float64 along the chain)."
NONFINITE_FORWARD = (
    "This term is not a number: the forward pass overflowed float64 at t = {t} ≤ s = {s}, so "
    "h⁽ᵗ⁾ and the loss L⁽ˢ⁾ hold inf or nan. {factors} The ledger's cell is {ledger}."
)
FACTORS_NAN = "The factors from step {t} on hold inf or nan too."
FACTORS_FINITE = (
    "The factors diag(f′(a⁽ʲ⁾)) W are still numbers (f′ is, even where a⁽ʲ⁾ is not), so the "
    "norms in the table are exact; the term's other pieces are not."
)
NONFINITE_BACKWARD = (
    "This term is not a number in float64 although the forward pass is finite up to s = {s}: "
    "back-propagating L⁽ˢ⁾ through the {factors} pushed δₖ⁽ˢ⁾ (or the product itself) past the "
    "largest float64 (≈ 1.8·10³⁰⁸). The norms of the factors and of the running product in the "
    "table are computed in log space and stay exact. The ledger's cell is {ledger}."
)
DISAGREES = (
    "✗ The term's norm {norm} and the ledger's C[{s}, {k}] = {ledger} differ by {error} (tolerance "
    "{tol}), or the explicit product disagrees with the δ recursion ({chain_error}): two routes "
    "to one number disagree, which is a bug."
)

TABLE_LEAD = (
    "The chain, one row per factor in the order of the product (j = s first). The last column is "
    "the bound that the running product's norm stays under."
)
COL_J = "step j"
COL_FACTOR = "‖diag(f′(a⁽ʲ⁾)) W‖₂"
COL_RUNNING = "running ‖∂h⁽ˢ⁾/∂h⁽ʲ⁻¹⁾‖₂"
COL_BOUND = "bound (γ·σ_max(W))^(s−j+1)"
COL_MAX_FPRIME = "max f′(a⁽ʲ⁾)"

MATRICES = "The matrices, factor by factor"
MATRICES_BIG = (
    "With H = {H} each factor is a {H} × {H} matrix: they are written out for H ≤ {max_h}. "
    "The term δₖ⁽ˢ⁾ h⁽ᵏ⁻¹⁾ᵀ itself:"
)
MATRICES_MORE = ("… and {n} more factor, down to j = {last}.", "… and {n} more factors, down to j = {last}.")
NOT_FINITE_MATRIX = "Some entries are inf or nan: they overflowed float64 (see above)."


def factors_phrase(n: int) -> str:
    return say_n(*FACTORS, n, n=n)


def _error(x: float) -> str:
    return number(x, ".1e")


def verdict_text(v: rc.ChainVerdict, chain: rc.PathChain) -> str:
    """The sentence of the verdict: the term is the ledger's cell, is 0 (and why), or is not a number."""
    s, k = v.s, v.k
    fields = dict(s=s, k=k, norm=sci(v.term_norm, 4), ledger=sci(v.ledger, 4))
    if v.kind == "agrees":
        agrees = say(
            AGREES,
            **fields,
            error=_error(v.ledger_error),
            tol=number(v.tolerance, "g"),
            factors=factors_phrase(chain.length),
            chain_error=_error(v.chain_error),
        )
        return agrees if chain.length else f"{agrees} {say(NO_FACTOR)}"
    if v.kind == "zero":
        if v.zero_cause is None:
            return say(ZERO_UNEXPLAINED, s=s, k=k)
        extra = dict(
            km1=time_index(k - 1),
            k_index=time_index(k),
            s_index=time_index(s),
            initial=say(INITIAL) if k == 1 else "",
            u_norm=sci(chain.term_U_norm, 4),
            where=say(DEAD_STEP, j=v.dead_step) if v.dead_step is not None else say(NO_DEAD_STEP),
        )
        return say(ZERO[v.zero_cause], s=s, k=k, **extra)
    if v.kind == "nonfinite":
        if v.overflow_step is not None:
            t = v.overflow_step
            factors = say(FACTORS_FINITE) if v.factors_finite else say(FACTORS_NAN, t=t)
            return say(NONFINITE_FORWARD, t=t, s=s, factors=factors, ledger=sci(v.ledger, 4))
        return say(NONFINITE_BACKWARD, s=s, factors=factors_phrase(chain.length), ledger=sci(v.ledger, 4))
    return say(
        DISAGREES,
        **fields,
        error=_error(v.ledger_error),
        tol=number(v.tolerance, "g"),
        chain_error=_error(v.chain_error),
    )


def norm_from_log(log_value: float) -> str:
    """A norm given by its log₁₀: as a number while float64 holds it comfortably, else as 10^(…)."""
    if math.isfinite(log_value) and abs(log_value) < 300:
        return sci(10.0**log_value, 4)
    return pow10_plain(log_value)


def bound_log(base: float, n: int) -> float:
    """log₁₀ of the bound (γ·σ_max(W))ⁿ: 0 for n = 0, −∞ for a zero base, nan for a base that is not a number."""
    if n == 0:
        return 0.0
    if not base >= 0 or math.isinf(base):
        return math.nan if math.isnan(base) else math.inf
    return n * math.log10(base) if base > 0 else -math.inf


def metrics(lc) -> list[Metric]:
    """C[s, k] from the ledger, the term's norm, the product's norm and its bound (ui.vanishing.calls.LedgerChain)."""
    chain, v = lc.chain, lc.verdict
    product = chain.log_norms[-1] if chain.length else 0.0
    return [
        Metric(say(LEDGER, s=v.s, k=v.k), sci(v.ledger, 4), say(LEDGER_HELP)),
        Metric(say(TERM), sci(v.term_norm, 4), say(TERM_HELP)),
        Metric(say(PRODUCT), norm_from_log(product), say(PRODUCT_HELP)),
        Metric(say(BOUND), norm_from_log(bound_log(lc.bound.base, chain.length)), say(BOUND_HELP)),
    ]


def _rows(arr) -> list[list[str]]:
    arr = np.atleast_2d(np.asarray(arr, dtype=float))
    return [[tex_number(x, ".3g") for x in row] for row in arr]


def _column(vec) -> list[list[str]]:
    return _rows(np.asarray(vec, dtype=float)[:, None])


def matrix_lines(chain: rc.PathChain, shown: int) -> tuple[list[str], str | None]:
    """LaTeX lines of the first ``shown`` factors, the product, ∂L⁽ˢ⁾/∂h⁽ˢ⁾, δₖ⁽ˢ⁾, h⁽ᵏ⁻¹⁾ and the
    term, and a sentence for the factors left out (None when all are shown)."""
    s, k = chain.s, chain.k
    lines = [
        formulas.by_hand_value_latex(rf"\operatorname{{diag}}\bigl(f'(a^{{({j})}})\bigr)\,W", _rows(f))
        for j, f in zip(chain.steps[:shown], chain.factors[:shown])
    ]
    lines += [
        formulas.by_hand_value_latex(
            rf"\frac{{\partial h^{{({s})}}}}{{\partial h^{{({k})}}}}", _rows(chain.jacobian)
        ),
        formulas.by_hand_value_latex(
            rf"\frac{{\partial L^{{({s})}}}}{{\partial h^{{({s})}}}}", _column(chain.dh_s)
        ),
        formulas.by_hand_value_latex(rf"\delta_{{{k}}}^{{({s})}}", _column(chain.delta)),
        formulas.by_hand_value_latex(rf"h^{{({k - 1})}}", _column(chain.z)),
        formulas.by_hand_value_latex(rf"\delta_{{{k}}}^{{({s})}}\, h^{{({k - 1})\top}}", _rows(chain.term)),
    ]
    more = chain.length - shown
    note = say_n(*MATRICES_MORE, more, n=more, last=k + 1) if more > 0 else None
    return lines, note
