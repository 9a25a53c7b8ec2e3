r"""Why gated cells keep the gradient alive: the RNN, the LSTM and the GRU side by side, and the verdicts.

The state x is h for the RNN and the GRU, the pair (h, s) for the LSTM. The direct path of a gated
cell multiplies one gate per step, where the RNN multiplies diag(f′(a)) W:

    LSTM  ∂s⁽ʲ⁾/∂s⁽ʲ⁻¹⁾ = diag(f⁽ʲ⁾)     (h⁽ʲ⁻¹⁾ held fixed; the paths through h come on top)
    GRU   ∂h⁽ʲ⁾/∂h⁽ʲ⁻¹⁾ = diag(u⁽ʲ⁾) + (terms through the gates and the candidate)

so a gate near 1 keeps an error alive for many steps. Every verdict states the numbers that decide
it and the tolerance, in decades of a norm (1 decade = ×10):

- :func:`state_profiles`: ℓ_d = log₁₀‖∂x⁽ᵀ⁾/∂x⁽ᵀ⁻ᵈ⁾‖₂ for every cell and what each keeps at d = T
  compared with the first cell (:data:`KEEP_DECADES`).
- :func:`carousel_check`: the LSTM's direct path Πⱼ diag(f⁽ʲ⁾) against the exact ∂s⁽ᵀ⁾/∂s⁽ᵀ⁻ᵈ⁾ and
  the first distance where they part by more than :data:`CAROUSEL_DECADES`.
- :func:`gate_values`: a gate (the LSTM's f, the GRU's u) along the sequence, the products of it
  that the direct path multiplies, and whether any unit keeps its products above −:data:`KEEP_DECADES`.
- :func:`ledger_reach`, :func:`compare_reach`: the share of the contribution matrix C[s, k] at
  distances s − k ≥ ⌊T/2⌋, and how two cells' shares compare (:data:`LEDGER_DECADES`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._checks import choice, positive_int
from .accounting import check_end_step
from .bptt import check_trace
from .forward import GRUTrace, LSTMTrace, Trace, check_params
from .gated_jacobians import carousel_log_norms, state_jacobian_log_norms
from .gru import GRUParams
from .lstm import LSTMParams
from .params import RNNParams
from .regimes import REGIME_DECADES

CELL_NAMES = ("rnn", "lstm", "gru")
# A cell keeps "more" or "less" than another when ℓ_T differs by more than one decade (×10), and a
# gate "keeps" when its best unit loses at most that much over the sequence: the regimes' tolerance.
KEEP_DECADES = REGIME_DECADES
# The carousel approximation holds while it is within a factor 10^0.3 ≈ 2 of the exact block.
CAROUSEL_DECADES = 0.3
# Two ledgers reach equally far while their long-range shares are within a factor 10^0.3 ≈ 2.
LEDGER_DECADES = 0.3
# The smallest T each task accepts: the adding problem puts one marker in each half.
TASK_MIN_T = {"adding_problem": 2, "remember_first": 1}
KEEP_VERDICTS = ("reference", "more", "same", "less", "undefined")
CAROUSEL_VERDICTS = ("holds", "parts", "undefined")
GATE_VERDICTS = ("keeps", "forgets", "undefined")
REACH_KINDS = ("measured", "zero", "undefined", "too_short")
REACH_VERDICTS = ("further", "similar", "shorter", "none", "undefined")

_CELL_OF = {RNNParams: "rnn", LSTMParams: "lstm", GRUParams: "gru"}


def cell_name(params) -> str:
    """ "rnn", "lstm" or "gru": which cell ``params`` are."""
    check_params(params)
    return _CELL_OF[type(params)]


def three_cells(
    n_in: int,
    n_hidden: int,
    n_out: int,
    *,
    seed: int = 0,
    w_init: str = "orthogonal",
    w_scale: float = 1.0,
    forget_bias: float = 1.0,
    update_bias: float = 0.0,
) -> tuple[RNNParams, LSTMParams, GRUParams]:
    r"""An RNN, an LSTM and a GRU of the same sizes, each drawn by its own ``init`` from the same ``seed``.

    Every recurrent matrix (W, and each gate's W^·) is drawn as :meth:`RNNParams.init` draws W
    (σ_max = ``w_scale`` by ``w_init``). The LSTM's forget gate has $b^f$ = ``forget_bias``; the
    GRU's update gate has $b^u$ = ``update_bias`` (u ≈ σ(b^u) at zero input and state); every
    other bias is 0.
    """
    if not np.isfinite(update_bias):
        raise ValueError(f"update_bias must be a finite number; received {update_bias!r}")
    sizes = dict(seed=seed, w_init=w_init, w_scale=w_scale)
    rnn = RNNParams.init(n_in, n_hidden, n_out, **sizes)
    lstm = LSTMParams.init(n_in, n_hidden, n_out, forget_bias=forget_bias, **sizes)
    gru = GRUParams.init(n_in, n_hidden, n_out, **sizes)
    gru = GRUParams(**{**gru.arrays(), "bu": np.full(gru.n_hidden, float(update_bias))})
    return rnn, lstm, gru


# --- the state Jacobian of every cell ---------------------------------------------------------


@dataclass(frozen=True)
class Reach:
    r"""How much of an error one cell's state keeps across the whole sequence.

    ``kind`` is one of :data:`rnn_core.REGIMES` with the regimes' rules: "vanishing" when
    ℓ_T < −``REGIME_DECADES``, "exploding" when ℓ_T > ``REGIME_DECADES``, "neither" in between,
    "zero" from the first exactly zero Jacobian, "undefined" from the first nan. ``distance`` is T
    (or that first distance), ``log_norm`` ℓ there, ``per_step`` = 10^(ℓ/distance).
    """

    cell: str
    kind: str
    distance: int
    log_norm: float
    per_step: float


def cell_reach(cell: str, by_distance) -> Reach:
    r"""The :class:`Reach` of $\ell_d = \log_{10}\|\partial x^{(T)}/\partial x^{(T-d)}\|_2$, given by distance d = 0..T."""
    choice("cell", cell, CELL_NAMES)
    ell = np.asarray(by_distance, dtype=np.float64)
    if ell.ndim != 1 or ell.size < 2:
        raise ValueError(f"by_distance must have shape (T+1,) with T ≥ 1; received shape {ell.shape}")
    if np.isnan(ell).any():
        return Reach(cell, "undefined", int(np.argmax(np.isnan(ell))), float("nan"), float("nan"))
    if np.isneginf(ell).any():
        return Reach(cell, "zero", int(np.argmax(np.isneginf(ell))), float("-inf"), 0.0)
    d = ell.size - 1
    last = float(ell[d])
    with np.errstate(over="ignore"):  # a per-step factor beyond float64 is inf, not an error
        per_step = float(np.power(10.0, last / d))
    kind = "vanishing" if last < -REGIME_DECADES else "exploding" if last > REGIME_DECADES else "neither"
    return Reach(cell, kind, d, last, per_step)


def _gain(log_norm: float, reference: float) -> float:
    """ℓ − ℓ_ref in decades, with two exactly zero norms equal (gain 0) rather than −∞ − (−∞) = nan."""
    if log_norm == reference:
        return 0.0
    return float(log_norm - reference)


def _keep_verdict(gain: float, tolerance: float) -> str:
    if np.isnan(gain):
        return "undefined"
    return "more" if gain > tolerance else "less" if gain < -tolerance else "same"


@dataclass(frozen=True, eq=False)
class StateProfiles:
    r"""ℓ_d = log₁₀‖∂x⁽ᵀ⁾/∂x⁽ᵀ⁻ᵈ⁾‖₂ of several cells on one sequence, and what each keeps at d = T.

    ``cells`` names them (the first is the reference); ``distances`` (T+1,) = 0..T; ``log_norms``
    (n, T+1) entry [i, d]; ``reaches`` each cell's :class:`Reach`; ``gains`` (n,) = ℓ_T − ℓ_T of the
    reference, in decades; ``verdicts`` "reference" for the first, then "more", "same" or "less"
    (beyond ± ``tolerance`` decades), "undefined" where a norm is nan.
    """

    cells: tuple[str, ...]
    distances: np.ndarray
    log_norms: np.ndarray
    reaches: tuple[Reach, ...]
    gains: np.ndarray
    verdicts: tuple[str, ...]
    tolerance: float

    def index(self, cell: str) -> int:
        """The row of ``cell`` in ``log_norms``."""
        return self.cells.index(choice("cell", cell, self.cells))


def state_profiles(
    runs: Sequence[tuple], *, batch_index: int = 0, tolerance: float = KEEP_DECADES
) -> StateProfiles:
    r"""$\log_{10}\|\partial x^{(T)}/\partial x^{(T-d)}\|_2$ for d = 0..T of every (params, trace) in ``runs``.

    ``runs``: one (params, trace) pair per cell, distinct cells, the same T; the first is the
    reference the others are compared with. Norms from :func:`rnn_core.state_jacobian_log_norms`
    (sequence ``batch_index``), in log space: finite where the norm overflows float64.
    """
    if len(runs) < 1:
        raise ValueError("runs must hold at least one (params, trace) pair; received none")
    names = tuple(cell_name(params) for params, _ in runs)
    if len(set(names)) != len(names):
        raise ValueError(f"runs must hold distinct cells; received {list(names)}")
    lengths = {trace.T for _, trace in runs}
    if len(lengths) != 1:
        raise ValueError(f"runs must share one sequence length T; received T = {sorted(lengths)}")
    rows = [
        state_jacobian_log_norms(params, trace, batch_index=batch_index)[::-1] for params, trace in runs
    ]  # entry d
    log_norms = np.array(rows)  # (n, T+1)
    reaches = tuple(cell_reach(name, row) for name, row in zip(names, log_norms))
    ref = reaches[0].log_norm if reaches[0].kind != "undefined" else float("nan")
    gains = np.array([_gain(r.log_norm, ref) for r in reaches])
    verdicts = ("reference",) + tuple(_keep_verdict(g, tolerance) for g in gains[1:])
    return StateProfiles(names, np.arange(log_norms.shape[1]), log_norms, reaches, gains, verdicts, tolerance)


# --- the LSTM's carousel ------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CarouselCheck:
    r"""The LSTM's direct path against the exact cell-state Jacobian, by distance d = 0..T (T+1,) each.

    ``direct`` = log₁₀‖Πⱼ₌ᵀ₋ᵈ₊₁ᵀ diag(f⁽ʲ⁾)‖₂, ``exact`` = log₁₀‖∂s⁽ᵀ⁾/∂s⁽ᵀ⁻ᵈ⁾‖₂, ``gap`` = exact −
    direct in decades (0 where both are exactly zero). ``first_apart`` is the first d with
    |gap| > ``tolerance`` (None when there is none), ``gap_at_end`` the gap at d = T; ``kind``
    "holds" (never apart), "parts" or "undefined" (a nan before any parting).
    """

    distances: np.ndarray
    direct: np.ndarray
    exact: np.ndarray
    gap: np.ndarray
    tolerance: float
    first_apart: int | None
    gap_at_end: float
    kind: str


def carousel_check(
    params: LSTMParams, trace: LSTMTrace, *, batch_index: int = 0, tolerance: float = CAROUSEL_DECADES
) -> CarouselCheck:
    r"""Where $\prod_j \mathrm{diag}(f^{(j)})$ stops describing $\partial s^{(T)}/\partial s^{(T-d)}$: gaps beyond ``tolerance`` decades.

    LSTMParams only; both curves from :func:`rnn_core.carousel_log_norms` (t = T, sequence
    ``batch_index``).
    """
    c = carousel_log_norms(params, trace, batch_index=batch_index)
    direct, exact = c.direct[::-1].copy(), c.exact[::-1].copy()  # entry d
    with np.errstate(invalid="ignore"):
        gap = np.where(direct == exact, 0.0, exact - direct)  # two exact zeros agree
    apart = np.abs(gap) > tolerance  # nan compares False
    undefined = np.isnan(gap)
    first = int(np.argmax(apart)) if apart.any() else None
    first_nan = int(np.argmax(undefined)) if undefined.any() else None
    if first is not None and (first_nan is None or first < first_nan):
        kind = "parts"
    else:
        kind = "undefined" if first_nan is not None else "holds"
        first = None
    return CarouselCheck(
        np.arange(direct.size), direct, exact, gap, float(tolerance), first, float(gap[-1]), kind
    )


# --- a gate along the sequence -----------------------------------------------------------------

_GATES = {"f": LSTMTrace, "u": GRUTrace}
_BIAS = {"f": "bf", "u": "bu"}


@dataclass(frozen=True, eq=False)
class GateValues:
    r"""One gate (the LSTM's forget gate f or the GRU's update gate u) along one sequence.

    ``values`` (T, H) the gate at step t (row t−1) and unit i; ``at_rest`` (H,) = σ(bias), the gate
    at zero input and zero state; ``mean`` over steps and units, ``geometric_mean`` = 10^(mean log₁₀
    gate), the average factor per step of a product of gates. ``log_products`` (T+1, H) entry
    [d, i] = log₁₀ Πⱼ₌ᵀ₋ᵈ₊₁ᵀ gate⁽ʲ⁾ᵢ, the factor the direct path applies to unit i over the last d
    steps (0 at d = 0); ``best``, ``median``, ``worst`` (T+1,) its largest, median and smallest over
    the units (``best`` is the direct path's norm). ``half_life`` = log₁₀(½) / mean log₁₀ gate
    (log ½ / log ``geometric_mean``), the steps over which the typical unit halves an error (∞ for a gate of exactly 1). ``kind`` "keeps"
    when ``best`` at d = T ≥ −``tolerance``, "forgets" below, "undefined" for nan.
    """

    gate: str
    values: np.ndarray
    at_rest: np.ndarray
    mean: float
    geometric_mean: float
    distances: np.ndarray
    log_products: np.ndarray
    best: np.ndarray
    median: np.ndarray
    worst: np.ndarray
    half_life: float
    tolerance: float
    kind: str


def gate_values(
    params, trace: Trace, gate: str, *, batch_index: int = 0, tolerance: float = KEEP_DECADES
) -> GateValues:
    r"""The gate ``gate`` ("f" for LSTMParams, "u" for GRUParams) and $\log_{10}\prod_{j=T-d+1}^{T} \mathrm{gate}^{(j)}$ per unit.

    ``trace`` = forward(params, …); sequence ``batch_index``. The products are sums of logs: finite
    far below float64's smallest number, −∞ where a gate rounds to exactly 0.
    """
    choice("gate", gate, tuple(_GATES))
    cell = LSTMParams if gate == "f" else GRUParams
    if not isinstance(params, cell):
        raise ValueError(f"gate {gate!r} needs {cell.__name__}; received {type(params).__name__}")
    check_trace(params, trace, cells=(cell,))
    check_end_step(trace, None, batch_index)
    values = np.array(getattr(trace, gate)[:, batch_index])  # (T, H)
    bias = getattr(params, _BIAS[gate])
    at_rest = 1.0 / (1.0 + np.exp(-bias))
    T, H = values.shape
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log10(values)  # (T, H); −inf for a gate that rounds to 0
        products = np.zeros((T + 1, H))
        products[1:] = np.cumsum(logs[::-1], axis=0)  # row d: the last d steps T−d+1..T
        mean_log = float(np.mean(logs))
        half_life = float(np.log10(0.5) / mean_log) if mean_log != 0.0 else float("inf")
    best = products.max(axis=1)
    end = best[-1]
    kind = "undefined" if np.isnan(end) else "keeps" if end >= -tolerance else "forgets"
    return GateValues(
        gate=gate,
        values=values,
        at_rest=at_rest,
        mean=float(values.mean()),
        geometric_mean=float(10.0**mean_log),
        distances=np.arange(T + 1),
        log_products=products,
        best=best,
        median=np.median(products, axis=1),
        worst=products.min(axis=1),
        half_life=half_life,
        tolerance=float(tolerance),
        kind=kind,
    )


# --- the ledger's long-range share -------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LedgerReach:
    r"""How much of a contribution matrix C (T, T) (:func:`rnn_core.contributions`) lies far back.

    ``half`` = ⌊T/2⌋; ``long_mass`` = Σ_{s−k ≥ half} C[s, k]; ``total`` = Σ C[s, k];
    ``share`` = long_mass / total. ``kind``: "measured"; "too_short" when T < 2 (no step lies
    before another); "zero" when C is all zero (share nan); "undefined" when C holds inf or nan.
    """

    C: np.ndarray
    half: int
    long_mass: float
    total: float
    share: float
    kind: str


def ledger_reach(C) -> LedgerReach:
    r"""The long-range share $\sum_{s-k \ge \lfloor T/2\rfloor} C_{s,k} \,/\, \sum_{s,k} C_{s,k}$ of C (T, T), C ≥ 0."""
    C = np.asarray(C, dtype=np.float64)
    if C.ndim != 2 or C.shape[0] != C.shape[1] or C.shape[0] < 1:
        raise ValueError(f"C must have shape (T, T) with T ≥ 1; received shape {C.shape}")
    if (C < 0).any():
        raise ValueError(f"C must hold norms (≥ 0); received min {C.min()}")
    T = C.shape[0]
    half = T // 2
    s, k = np.indices(C.shape)
    nan = float("nan")
    if not np.isfinite(C).all():
        return LedgerReach(C, half, nan, nan, nan, "undefined")
    long_mass, total = float(C[s - k >= half].sum()), float(C[s >= k].sum())
    if T < 2:
        return LedgerReach(C, half, long_mass, total, nan, "too_short")
    if total == 0.0:
        return LedgerReach(C, half, long_mass, total, nan, "zero")
    return LedgerReach(C, half, long_mass, total, long_mass / total, "measured")


@dataclass(frozen=True)
class ReachComparison:
    r"""Two ledgers' long-range shares: ``log_ratio`` = log₁₀(share of ``other`` / share of ``reference``).

    ``kind``: "further", "shorter" (beyond ± ``tolerance`` decades), "similar", "none" (no mass
    at long range in either), "undefined" (a ledger that is not "measured").
    """

    reference: str
    other: str
    reference_share: float
    other_share: float
    log_ratio: float
    tolerance: float
    kind: str


def compare_reach(
    reference: LedgerReach,
    other: LedgerReach,
    *,
    names: tuple[str, str] = ("rnn", "lstm"),
    tolerance: float = LEDGER_DECADES,
) -> ReachComparison:
    r"""Whether ``other`` carries more of its ledger far back than ``reference``: $\log_{10}(p_\text{other}/p_\text{ref})$ against ± ``tolerance``."""
    for name in names:
        choice("names", name, CELL_NAMES)
    a, b = reference.share, other.share
    if reference.kind != "measured" or other.kind != "measured":
        kind, ratio = "undefined", float("nan")
    elif a == 0.0 and b == 0.0:
        kind, ratio = "none", float("nan")
    else:
        with np.errstate(divide="ignore"):
            ratio = float(np.log10(b) - np.log10(a))
        kind = "further" if ratio > tolerance else "shorter" if ratio < -tolerance else "similar"
    return ReachComparison(names[0], names[1], a, b, ratio, float(tolerance), kind)


def task_length(task: str, T: int) -> int:
    """The T a task runs at: ``T``, or the task's smallest T (:data:`TASK_MIN_T`) when ``T`` is below it."""
    choice("task", task, tuple(TASK_MIN_T))
    return max(positive_int("T", T), TASK_MIN_T[task])
