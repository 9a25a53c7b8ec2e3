"""Every sentence of the Gates page: templates with named fields, and the small functions that choose
one from a verdict computed in rnn_core and fill it with that verdict's own numbers.

Metrics come as :class:`ui.vanishing.text.Metric` rows (label, value, help), drawn by
:func:`ui.vanishing.sections.metrics`.
"""

from __future__ import annotations

import math

import rnn_core as rc
from ui.format import number, pow10, pow10_plain, sci
from ui.i18n import say
from ui.state import INIT_LABELS, LOSS_LABELS
from ui.training.settings import TASK_LABELS
from ui.vanishing.text import Metric

CELL_LABELS = {"rnn": "tanh RNN", "lstm": "LSTM", "gru": "GRU"}
GATE_LABELS = {"f": "forget gate f", "u": "update gate u"}
BIAS_LABELS = {"f": "bᶠ", "u": "bᵘ"}


def cell_label(cell: str) -> str:
    return say(CELL_LABELS[cell])


def _decades(value: float) -> str:
    """A number of decades with two decimals, or ∞ / nan."""
    return number(value, ".2f")


def _factor(decades: float) -> str:
    """10^decades as a factor (2, 1.41·10³), for tolerances and ratios; ∞ beyond float64."""
    if math.isnan(decades):
        return sci(decades)
    return sci(math.inf if decades > 308 else 10.0**decades)


# --- the page's frame ---------------------------------------------------------------------------

TITLE = "Gates: why LSTM and GRU keep the gradient alive"
INTRO = (
    "On the Vanishing page an error that travels d steps back through a tanh RNN is multiplied by d "
    "Jacobians diag(f′(a⁽ʲ⁾)) W, and shrinks or grows geometrically. A gated cell adds a path on "
    "which each step multiplies by a **gate** instead: the LSTM's cell state "
    "s⁽ᵗ⁾ = f⁽ᵗ⁾ ⊙ s⁽ᵗ⁻¹⁾ + … passes an error back through diag(f⁽ᵗ⁾), the GRU's "
    "h⁽ᵗ⁾ = u⁽ᵗ⁾ ⊙ h⁽ᵗ⁻¹⁾ + … through diag(u⁽ᵗ⁾) plus terms through its gates. A gate near 1 keeps "
    "the error; a gate near 0 forgets it. Here the three cells read one sequence, and every "
    "Jacobian is computed exactly, every path through every gate included."
)

# --- 1. the setup -------------------------------------------------------------------------------

HEADER_SETUP = "1. Three cells, one sequence"
TASK = "Task"
T_LABEL = "Task sequence length T"
T_HELP = "The length of the task's sequence, for the three cells alike (the sidebar's T does not apply here)."
FORGET_BIAS = "LSTM forget-gate bias bᶠ"
FORGET_BIAS_HELP = (
    "At zero input and zero state the forget gate is f = σ(bᶠ); the carousel multiplies f at every step. "
    "bᶠ = 1 is the usual initialisation (Jozefowicz, Zaremba & Sutskever 2015)."
)
UPDATE_BIAS = "GRU update-gate bias bᵘ"
UPDATE_BIAS_HELP = (
    "At zero input and zero state the update gate is u = σ(bᵘ). h⁽ᵗ⁾ = u ⊙ h⁽ᵗ⁻¹⁾ + (1 − u) ⊙ …: "
    "a larger u keeps more of the state, and of its error."
)
SHARED = (
    "**Shared by the three cells:** one sequence of the *{task}* task (T = {T}, drawn from seed {seed}; "
    "D = {D} inputs, K = {K} outputs, {loss} loss), H = {H} hidden units, and parameters drawn by "
    "each cell's own init from seed {seed}, every recurrent matrix (W and each gate's) {init} with "
    "σ_max = {scale}. H, the seed, the W initialisation and σ_max(W) come from the sidebar; its "
    "activation, T, D, K, loss and gradient steps do not apply here: the RNN uses tanh, like the "
    "gated cells' candidate, and every cell is at its initialisation. Every step's loss L⁽ˢ⁾ is "
    "scored (the targets hold the answer at every step), so the ledgers of section 5 have a row "
    "for every s."
)
TASK_TOO_SHORT = (
    "The {task} task needs T ≥ {min_T} (one marked value in each half), so it runs at T = {min_T} "
    "instead of the T = {asked} asked for."
)
LSTM_HEADER = "The LSTM"
GRU_HEADER = "The GRU"


def shared_text(s, task: rc.Task) -> str:
    """What the three cells share, with the numbers of ``s`` (ui.gates.calls.GateSettings) and ``task``."""
    return say(
        SHARED,
        task=TASK_LABELS[s.task],
        T=task.T,
        seed=s.seed,
        D=task.n_in,
        K=task.n_out,
        loss=LOSS_LABELS[task.loss],
        H=s.H,
        init=INIT_LABELS[s.w_init],
        scale=number(s.w_scale, "g"),
    )


def task_note(s) -> str | None:
    """Why the task runs at another T than asked for, or None."""
    if s.T_used == s.T:
        return None
    return say(TASK_TOO_SHORT, task=TASK_LABELS[s.task], min_T=s.T_used, asked=s.T)


# --- 2. the exact state Jacobians ---------------------------------------------------------------

HEADER_PROFILE = "2. How far back does each cell's state reach?"
PROFILE_INTRO = (
    "The norm of the exact Jacobian of each cell's state: x = h for the RNN and the GRU, the pair "
    "x = (h, s) for the LSTM. It is the product of one step's Jacobian per step, every path through "
    "every gate included, computed in log space:"
)
END_NORM = "log₁₀‖∂x⁽ᵀ⁾/∂x⁽⁰⁾‖₂, {cell}"
END_NORM_HELP = "Across all T = {T} steps: {norm}, ×{per_step} per step on average."
REGIME_WORDS = {
    "vanishing": "vanishing",
    "exploding": "exploding",
    "neither": "neither vanishing nor exploding",
    "zero": "cut off (exactly zero)",
    "undefined": "undefined (nan)",
}
REACH_MEASURED = (
    "**{cell}: {regime}.** From 1 at d = 0 to {norm} at d = {d}: ×{per_step} per step on average."
)
REACH_ZERO = (
    "**{cell}: {regime}.** From d = {d} on the Jacobian is exactly the zero matrix (its log₁₀ is −∞, "
    "so the chart stops there): every path through some step is cut, so no error crosses it."
)
REACH_UNDEFINED = (
    "**{cell}: {regime}.** From d = {d} on the Jacobian is not a number (the forward pass produced "
    "nan), so the chart stops there."
)
KEEP_MORE = "The {cell} keeps {gain} decades more than the tanh RNN across the T = {T} steps (×{factor})."
KEEP_SAME = (
    "The {cell} keeps about as much as the tanh RNN: {apart} decades apart, within the tolerance of "
    "{tol} decade."
)
KEEP_LESS = "The {cell} keeps {loss} decades less than the tanh RNN across the T = {T} steps. {why}"
KEEP_UNDEFINED = "The {cell} cannot be compared with the tanh RNN here: a norm is not a number."
LESS_WHY = (
    "Its {gate} averages {mean} along the sequence, and a product of gates sees their geometric mean "
    "{geo}, so the typical unit halves an error every {half} steps: raise {bias} to hold the gate nearer 1."
)
GRU_JACOBIAN_INTRO = (
    "The GRU's one-step Jacobian is its direct path diag(u⁽ᵗ⁾) plus terms through its gates and its "
    "candidate (σ′ᵤ = u⁽ᵗ⁾ ⊙ (1 − u⁽ᵗ⁾), and so on):"
)
PROFILE_NOTICE = (
    "each curve's slope is the log of its cell's average factor per step. The RNN multiplies "
    "diag(f′(a)) W at every step; a gated cell's curve falls only as fast as its gates let it: "
    "gates near 1 hold it near 0 (a factor 1). Move the forget-gate bias and watch the LSTM's curve."
)


def profile_metrics(p: rc.StateProfiles) -> list[Metric]:
    """ℓ_T of each cell, with its norm and average factor per step in the help."""
    T = int(p.distances[-1])
    return [
        Metric(
            say(END_NORM, cell=cell_label(r.cell)),
            number(r.log_norm, ".2f"),
            say(END_NORM_HELP, T=T, norm=pow10_plain(r.log_norm), per_step=number(r.per_step)),
        )
        for r in p.reaches
    ]


def reach_template(r: rc.Reach) -> str:
    return {"zero": REACH_ZERO, "undefined": REACH_UNDEFINED}.get(r.kind, REACH_MEASURED)


def reach_text(r: rc.Reach) -> str:
    """What one cell keeps over the sequence, in words, with the numbers of its :class:`rc.Reach`."""
    return say(
        reach_template(r),
        cell=cell_label(r.cell),
        regime=say(REGIME_WORDS[r.kind]),
        norm=pow10(r.log_norm),
        d=r.distance,
        per_step=number(r.per_step),
    )


KEEP_TEMPLATES = {"more": KEEP_MORE, "same": KEEP_SAME, "less": KEEP_LESS, "undefined": KEEP_UNDEFINED}


def keep_text(p: rc.StateProfiles, cell: str, gate: rc.GateValues) -> str:
    """How ``cell`` compares with the RNN (its verdict in ``p``); when it keeps less, why, from
    ``gate``: the gate of that cell's direct path."""
    i = p.index(cell)
    gain = float(p.gains[i])
    why = say(
        LESS_WHY,
        gate=say(GATE_LABELS[gate.gate]),
        mean=number(gate.mean, ".2f"),
        geo=number(gate.geometric_mean, ".2f"),
        half=number(gate.half_life, ".2g"),
        bias=BIAS_LABELS[gate.gate],
    )
    return say(
        KEEP_TEMPLATES[p.verdicts[i]],
        cell=cell_label(cell),
        gain=_decades(gain),
        loss=_decades(-gain),
        apart=_decades(abs(gain)),
        factor=_factor(gain),
        T=int(p.distances[-1]),
        tol=number(p.tolerance, "g"),
        why=why,
    )


# --- 3. the carousel ----------------------------------------------------------------------------

HEADER_CAROUSEL = "3. The LSTM's carousel, and what it leaves out"
CAROUSEL_INTRO = (
    "Along the cell state alone, an error is multiplied by the forget gate at each step: the "
    '*constant error carousel* of Hochreiter & Schmidhuber (1997), the "conveyor belt". But s⁽ᵗ⁻¹⁾ '
    "also shapes h⁽ᵗ⁻¹⁾, and h⁽ᵗ⁻¹⁾ feeds the candidate and every gate of the next step, so the exact "
    "∂s⁽ᵀ⁾/∂s⁽ᵏ⁾ adds every path that leaves s for h and comes back (σ′ = σ(1 − σ) of each gate):"
)
CAROUSEL_DIRECT = "carousel ‖Πⱼ diag(f⁽ʲ⁾)‖₂, d = T"
CAROUSEL_DIRECT_HELP = "The direct path alone, across all T = {T} steps: the best unit's product of f."
CAROUSEL_EXACT = "exact ‖∂s⁽ᵀ⁾/∂s⁽⁰⁾‖₂"
CAROUSEL_EXACT_HELP = "The s→s block of the LSTM's exact state Jacobian, every path through h included."
CAROUSEL_FIRST = "first d apart (> {tol} decades)"
CAROUSEL_FIRST_HELP = "The first distance at which the two differ by more than a factor {factor}."
CAROUSEL_NEVER = "none"
CAROUSEL_PARTS = (
    "**The carousel describes ∂s⁽ᵀ⁾/∂s⁽ᵀ⁻ᵈ⁾ up to d = {last_ok}** (within {tol} decades, a factor "
    "{factor}). From d = {d} on, the paths through h matter: at d = T = {T} the exact norm is {exact} "
    "against the carousel's {direct}, {gap} decades {direction}"
)
CAROUSEL_MORE = "more: the paths through h add to the direct one."
CAROUSEL_LESS = "less: the paths through h partly cancel the direct one."
CAROUSEL_HOLDS = (
    "**The carousel describes ∂s⁽ᵀ⁾/∂s⁽ᵀ⁻ᵈ⁾ over the whole sequence:** the two stay within {tol} "
    "decades (a factor {factor}) for every d ≤ T = {T}; at d = T they differ by {gap} decades."
)
CAROUSEL_UNDEFINED = (
    "From d = {d} on the two cannot be compared: a norm is not a number (the forward pass produced nan)."
)
CAROUSEL_NOTICE = (
    "at d = 1 the two are equal: one step of s is diag(f) exactly. The vertical rule marks the first "
    "distance at which they part by more than the tolerance; beyond it, reading the LSTM as a conveyor "
    "belt of forget gates misjudges how much error arrives."
)
DIRECT_SERIES = "carousel ‖Πⱼ diag(f⁽ʲ⁾)‖₂"
EXACT_SERIES = "exact ‖∂s⁽ᵀ⁾/∂s⁽ᵀ⁻ᵈ⁾‖₂"
APART_RULE = "first d apart"


def carousel_metrics(c: rc.CarouselCheck) -> list[Metric]:
    T = int(c.distances[-1])
    first = CAROUSEL_NEVER if c.first_apart is None else str(c.first_apart)
    return [
        Metric(say(CAROUSEL_DIRECT), pow10_plain(c.direct[-1]), say(CAROUSEL_DIRECT_HELP, T=T)),
        Metric(say(CAROUSEL_EXACT), pow10_plain(c.exact[-1]), say(CAROUSEL_EXACT_HELP)),
        Metric(
            say(CAROUSEL_FIRST, tol=number(c.tolerance, "g")),
            say(first) if c.first_apart is None else first,
            say(CAROUSEL_FIRST_HELP, factor=_factor(c.tolerance)),
        ),
    ]


def carousel_template(c: rc.CarouselCheck) -> str:
    return {"parts": CAROUSEL_PARTS, "holds": CAROUSEL_HOLDS, "undefined": CAROUSEL_UNDEFINED}[c.kind]


def carousel_text(c: rc.CarouselCheck) -> str:
    """Where the carousel approximation holds, from the verdict's own numbers."""
    T = int(c.distances[-1])
    d = c.first_apart
    if c.kind == "undefined":
        first_nan = next(i for i, g in enumerate(c.gap) if math.isnan(g))
        return say(CAROUSEL_UNDEFINED, d=first_nan)
    direction = CAROUSEL_MORE if c.gap_at_end > 0 else CAROUSEL_LESS
    return say(
        carousel_template(c),
        last_ok=None if d is None else d - 1,
        d=d,
        T=T,
        tol=number(c.tolerance, "g"),
        factor=_factor(c.tolerance),
        exact=pow10(c.exact[-1]),
        direct=pow10(c.direct[-1]),
        gap=_decades(abs(c.gap_at_end)),
        direction=say(direction),
    )


# --- 4. the gates -------------------------------------------------------------------------------

HEADER_GATES = "4. The gates along the sequence"
GATES_INTRO = (
    "The carousel multiplies each unit's forget gate f⁽ᵗ⁾; the GRU's direct path multiplies its update "
    "gate u⁽ᵗ⁾. The heatmaps show each gate at every step t and unit i. The chart below them is the "
    "log₁₀ of the product of a unit's gates over the last d steps (j = T − d + 1, …, T): its largest "
    "over the units is the carousel of section 3."
)
GATE_TEXT = (
    "**{cell}, {bias_name} = {bias}:** at zero input and zero state the {gate} is σ({bias}) = {rest}; "
    "along this sequence it averages {mean}, and a product of gates sees their geometric mean {geo}, so "
    "the typical unit halves an error every {half} steps. "
    "Over the T = {T} steps the best unit keeps {best}, the median unit {median}. {verdict}"
)
GATE_KEEPS = "The best unit carries an error across the whole sequence: it loses at most {tol} decade."
GATE_FORGETS = (
    "Every unit loses more than {tol} decade across the sequence: raise {bias_name} to hold the gate "
    "nearer 1."
)
GATE_UNDEFINED = "The gate's products are not numbers here (the forward pass produced nan)."
MEAN_GATE = "mean {gate}, {cell}"
MEAN_GATE_HELP = "σ({bias_name}) = {rest} at zero input and state."
BEST_PRODUCT = "best unit's Π over T, {cell}"
BEST_PRODUCT_HELP = "log₁₀ of the largest per-unit product of the gate over all T steps: {value}."
HEATMAP_NOTICES = {
    "f": (
        "bright cells are a forget gate near 1 (the unit keeps its cell state, and the error on it), dark "
        "ones a gate near 0 (it forgets). The bias sets the level; the inputs and the state move each "
        "gate around it."
    ),
    "u": (
        "the same colours for the GRU's update gate: near 1 the unit copies h⁽ᵗ⁻¹⁾ forward (and its "
        "error back), near 0 it replaces h with the candidate."
    ),
}
PRODUCTS_NOTICE = (
    "each curve falls by log₁₀ of its gate at every step, so a gate a little below 1 still loses a "
    "fixed number of decades per step, and over many steps only gates very near 1 keep an error. The "
    "LSTM's best-unit curve is the carousel of section 3."
)
AXIS_STEP = "step t"
AXIS_UNIT = "unit i"
TIP_STEP = "t"
TIP_UNIT = "unit"
TIP_GATE = "{gate}"
LEGEND_GATE = "{gate}"
BEST_SERIES = "{cell} Π{letter}, best unit"
MEDIAN_SERIES = "{cell} Π{letter}, median unit"
AXIS_PRODUCT = "log₁₀ Π of the last d gates"
AXIS_DISTANCE = "distance d = T − k (steps)"


def gate_verdict_template(g: rc.GateValues) -> str:
    return {"keeps": GATE_KEEPS, "forgets": GATE_FORGETS, "undefined": GATE_UNDEFINED}[g.kind]


def gate_text(g: rc.GateValues, bias: float) -> str:
    """What the bias makes of the gate, from its :class:`rc.GateValues`; ``bias`` the control's value."""
    cell = "lstm" if g.gate == "f" else "gru"
    fields = dict(tol=number(g.tolerance, "g"), bias_name=BIAS_LABELS[g.gate])
    return say(
        GATE_TEXT,
        cell=cell_label(cell),
        gate=say(GATE_LABELS[g.gate]),
        bias=number(bias, "g"),
        rest=number(float(g.at_rest.mean()), ".2f"),
        mean=number(g.mean, ".2f"),
        geo=number(g.geometric_mean, ".2f"),
        half=number(g.half_life, ".2g"),
        T=int(g.distances[-1]),
        best=pow10(g.best[-1]),
        median=pow10(g.median[-1]),
        verdict=say(gate_verdict_template(g), **fields),
        **fields,
    )


def gate_metrics(forget: rc.GateValues, update: rc.GateValues) -> list[Metric]:
    rows = []
    for g, cell in ((forget, "lstm"), (update, "gru")):
        rows.append(
            Metric(
                say(MEAN_GATE, gate=g.gate, cell=cell_label(cell)),
                number(g.mean, ".3f"),
                say(
                    MEAN_GATE_HELP, bias_name=BIAS_LABELS[g.gate], rest=number(float(g.at_rest.mean()), ".3f")
                ),
            )
        )
        rows.append(
            Metric(
                say(BEST_PRODUCT, cell=cell_label(cell)),
                pow10_plain(g.best[-1]),
                say(BEST_PRODUCT_HELP, value=number(g.best[-1], ".2f")),
            )
        )
    return rows


# --- 5. the ledgers -----------------------------------------------------------------------------

HEADER_LEDGER = "5. Which paths carry ∂L/∂W: the RNN's ledger beside the LSTM's"
LEDGER_INTRO = (
    "C[s, k] is the norm of the path term through step k of ∂L⁽ˢ⁾/∂W, as on the Vanishing page: for the "
    "RNN its W, for the LSTM the candidate's W (in tanh(b + U x⁽ᵗ⁾ + W h⁽ᵗ⁻¹⁾)), whose error reaches "
    "step k through h and s. The two heatmaps share one colour scale, so a colour is the same norm in "
    "both. The long-range share is the part of a ledger's mass at distances s − k ≥ ⌊T/2⌋:"
)
LEDGER_TITLE = "{cell}: C[s, k]"
SHARE = "long-range share, {cell}"
SHARE_HELP = "Σ of C[s, k] over s − k ≥ {half}, divided by Σ of all C[s, k]."
REACH_FURTHER = (
    "**The LSTM's ledger reaches further back:** {lstm} of its mass lies at s − k ≥ ⌊T/2⌋ = {half}, "
    "against {rnn} of the RNN's, {ratio} times as much ({decades} decades, beyond the tolerance of {tol})."
)
REACH_SHORTER = (
    "**The RNN's ledger reaches further back:** {rnn} of its mass lies at s − k ≥ ⌊T/2⌋ = {half}, "
    "against {lstm} of the LSTM's, {ratio} times as much ({decades} decades, beyond the tolerance of "
    "{tol})."
)
# why, from the forget gate's verdict (rc.GateValues.kind): only a forgetting gate is blamed
SHORTER_WHY = {
    "forgets": " The LSTM's forget gates forget too fast here: even its best unit's Πf over the T = {T} "
    "steps is {best}, below 10^(−{gate_tol}): raise bᶠ.",
    "keeps": " The LSTM's forget gates do not explain it: the best unit's Πf over the T = {T} steps is {best}, "
    "within {gate_tol} decade of 1.",
    "undefined": "",
}
REACH_SIMILAR = (
    "**The two ledgers reach about as far:** {lstm} of the LSTM's mass and {rnn} of the RNN's lie at "
    "s − k ≥ ⌊T/2⌋ = {half}, within a factor {factor} ({tol} decades) of each other."
)
REACH_NONE = (
    "No path term at distance s − k ≥ ⌊T/2⌋ = {half} is nonzero in either ledger: the only one of "
    "these short sequences goes through k = 1, and its term multiplies h⁽⁰⁾ = 0."
)
LEDGER_TOO_SHORT = "With T = 1 every path term has distance 0: there is no long range to compare."
LEDGER_ZERO = "∂L/∂W is exactly zero in the {cell}'s ledger, so its shares are not defined."
LEDGER_UNDEFINED = (
    "The {cell}'s ledger holds values that are not finite (inf or nan), so its shares are not defined."
)
LEDGER_NOTICES = {
    "rnn": (
        "the diagonal s = k is the error a loss sends to its own step; columns to the left are older "
        "steps. Grey: exactly zero (the column k = 1 multiplies h⁽⁰⁾ = 0)."
    ),
    "lstm": (
        "the same colour scale as the RNN's: the same colour is the same norm. Compare how fast each "
        "ledger fades from its diagonal to the left; the long-range shares above say it in numbers."
    ),
}


def ledger_metrics(rnn: rc.LedgerReach, lstm: rc.LedgerReach) -> list[Metric]:
    return [
        Metric(say(SHARE, cell=cell_label(name)), number(r.share, ".3g"), say(SHARE_HELP, half=r.half))
        for name, r in (("rnn", rnn), ("lstm", lstm))
    ]


REACH_TEMPLATES = {
    "further": REACH_FURTHER,
    "shorter": REACH_SHORTER,
    "similar": REACH_SIMILAR,
    "none": REACH_NONE,
}
LEDGER_KIND_TEMPLATES = {"too_short": LEDGER_TOO_SHORT, "zero": LEDGER_ZERO, "undefined": LEDGER_UNDEFINED}


def reach_comparison_template(cmp: rc.ReachComparison, rnn: rc.LedgerReach, lstm: rc.LedgerReach) -> str:
    if cmp.kind != "undefined":
        return REACH_TEMPLATES[cmp.kind]
    odd = rnn if rnn.kind != "measured" else lstm
    return LEDGER_KIND_TEMPLATES[odd.kind]


def reach_comparison_text(
    cmp: rc.ReachComparison, rnn: rc.LedgerReach, lstm: rc.LedgerReach, forget: rc.GateValues | None = None
) -> str:
    """Which ledger reaches further back, chosen by the comparison's verdict, with its numbers; when
    the RNN's reaches further, why, from the LSTM's ``forget`` gate verdict (nothing without it)."""
    odd = "rnn" if rnn.kind != "measured" else "lstm"
    decades = abs(cmp.log_ratio)
    why = ""
    if cmp.kind == "shorter" and forget is not None:
        why = say(
            SHORTER_WHY[forget.kind],
            T=int(forget.distances[-1]),
            best=pow10(forget.best[-1]),
            gate_tol=number(forget.tolerance, "g"),
        )
    text = say(
        reach_comparison_template(cmp, rnn, lstm),
        lstm=number(cmp.other_share, ".3g"),
        rnn=number(cmp.reference_share, ".3g"),
        half=rnn.half,
        ratio=_factor(decades),
        decades=_decades(decades),
        tol=number(cmp.tolerance, "g"),
        factor=_factor(cmp.tolerance),
        cell=cell_label(odd),
    )
    return text + why
