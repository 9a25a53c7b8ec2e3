"""The Gates page's settings and its cached calls into rnn_core, one per section.

The three cells run on one sequence of a toy task: :class:`GateSettings` holds everything that
decides it (the page's controls and the sidebar's H, seed, W init and σ_max(W)), rounded to the
controls' steps so that cache keys stay finite. Every call is bounded by ``max_entries``.
"""

from __future__ import annotations

from dataclasses import dataclass

import rnn_core as rc
from ui.cache import cache_data
from ui.state import SCALE_STEP, Network, snap

CACHE = dict(max_entries=32, show_spinner=False)

T_MIN, T_MAX, T_DEFAULT = 1, 200, 60
BIAS_MIN, BIAS_MAX, BIAS_STEP = -4.0, 6.0, 0.5
FORGET_BIAS_DEFAULT = 1.0  # Jozefowicz et al. (2015); LSTMParams.init's default
UPDATE_BIAS_DEFAULT = 0.0  # GRUParams.init's: every bias 0
TASK_DEFAULT = "adding_problem"
# URL keys of the page's own controls
KEYS = dict(task="g_task", T="g_T", forget_bias="g_fb", update_bias="g_ub")


@dataclass(frozen=True)
class GateSettings:
    """What the three cells and their sequence depend on: the task and its length T, the sidebar's
    H, seed, W init and σ_max(W), the LSTM's forget bias b^f and the GRU's update bias b^u.

    ``T`` is what the control asked for; :attr:`T_used` the length the task runs at.
    """

    task: str = TASK_DEFAULT
    T: int = T_DEFAULT
    H: int = 16
    seed: int = 0
    w_init: str = "orthogonal"
    w_scale: float = 1.0
    forget_bias: float = FORGET_BIAS_DEFAULT
    update_bias: float = UPDATE_BIAS_DEFAULT

    @property
    def T_used(self) -> int:
        return rc.task_length(self.task, self.T)


def settings_from(net: Network, *, task: str, T: int, forget_bias: float, update_bias: float) -> GateSettings:
    """The page's controls and the sidebar's network, rounded to the controls' steps."""
    return GateSettings(
        task=task,
        T=int(T),
        H=int(net.H),
        seed=int(net.seed),
        w_init=net.w_init,
        w_scale=snap(float(net.w_scale), SCALE_STEP),
        forget_bias=snap(float(forget_bias), BIAS_STEP),
        update_bias=snap(float(update_bias), BIAS_STEP),
    )


@dataclass(frozen=True, eq=False)
class Cells:
    """The task's sequence (B = 1) and, in rc.CELL_NAMES order, each cell's parameters and forward
    pass on it, every step's loss L⁽ˢ⁾ scored (the targets hold the answer at every step)."""

    task: rc.Task
    params: tuple
    traces: tuple


@cache_data(**CACHE)
def cells(s: GateSettings) -> Cells:
    task = rc.TASKS[s.task](s.T_used, 1, seed=s.seed)
    params = rc.three_cells(
        task.n_in,
        s.H,
        task.n_out,
        seed=s.seed,
        w_init=s.w_init,
        w_scale=s.w_scale,
        forget_bias=s.forget_bias,
        update_bias=s.update_bias,
    )
    traces = tuple(rc.forward(p, task.xs, task.targets, loss=task.loss) for p in params)
    return Cells(task, params, traces)


def _cell(c: Cells, name: str):
    i = rc.CELL_NAMES.index(name)
    return c.params[i], c.traces[i]


# --- 2. the exact state Jacobians ----------------------------------------------------------------


@cache_data(**CACHE)
def profiles(s: GateSettings) -> rc.StateProfiles:
    """log₁₀‖∂x⁽ᵀ⁾/∂x⁽ᵀ⁻ᵈ⁾‖₂ of the RNN (the reference), the LSTM and the GRU, and their verdicts."""
    c = cells(s)
    return rc.state_profiles([_cell(c, name) for name in rc.CELL_NAMES])


# --- 3. the carousel ----------------------------------------------------------------------------


@cache_data(**CACHE)
def carousel(s: GateSettings) -> rc.CarouselCheck:
    return rc.carousel_check(*_cell(cells(s), "lstm"))


# --- 4. the gates along the sequence ------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Gates:
    """The LSTM's forget gate f and the GRU's update gate u along the sequence."""

    forget: rc.GateValues
    update: rc.GateValues


@cache_data(**CACHE)
def gates(s: GateSettings) -> Gates:
    c = cells(s)
    return Gates(rc.gate_values(*_cell(c, "lstm"), "f"), rc.gate_values(*_cell(c, "gru"), "u"))


# --- 5. the ledgers -----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Ledgers:
    """C[s, k] of the RNN (wrt W) and of the LSTM (wrt the candidate's W), with their long-range
    shares, and how the two shares compare."""

    rnn: rc.LedgerReach
    lstm: rc.LedgerReach
    comparison: rc.ReachComparison


@cache_data(**CACHE)
def ledgers(s: GateSettings) -> Ledgers:
    c = cells(s)
    rnn, lstm = (rc.ledger_reach(rc.contributions(*_cell(c, name), wrt="W")) for name in ("rnn", "lstm"))
    return Ledgers(rnn, lstm, rc.compare_reach(rnn, lstm))
