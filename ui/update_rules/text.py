r"""The Update rules page's sentences: templates with named fields, and the small functions that
choose one from computed values and fill it (ui.i18n.say) with ui.format-ted numbers.

Fields named ``S`` hold the loss step as the notation writes it, "⁽³⁾" (ui.format.time_index).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ui import formulas as fm
from ui.format import number, time_index
from ui.i18n import say, say_n
from ui.update_rules.calls import FINITE_DIFFERENCES, SUM_OVER_S

# --- the page, in reading order -----------------------------------------------------------------

TITLE = "Update rules"
BY_HAND_LINK = "Work the homework's ∂L⁽³⁾/∂W, ∂L⁽³⁾/∂U and the updates by hand, with every number checked"
INTRO = (
    "A recurrent network applies the **same** matrices at every time step: U reads the input, W "
    "carries the hidden state from one step to the next, V reads the output. Training is gradient "
    "descent, θ ← θ − lr·∂L/∂θ, on the total loss L = Σₜ L⁽ᵗ⁾. This page writes the three update "
    "rules, shows why the gradients of **W** and **U** are sums over paths through earlier steps while "
    "**V**'s is not, and computes every path term on the network in the sidebar "
    "({activation}, H = {H}, T = {T}, {loss}), checking each against the full gradient and against "
    "finite differences."
)

MODEL_HEADER = "1. The model and its update rules"
MODEL_LEAD = "The forward pass, for t = 1..T, with the activation and loss chosen in the sidebar:"
BPTT_LEAD = (
    "Backpropagation through time (BPTT) sends the error backwards: δ⁽ᵗ⁾ = ∂L/∂a⁽ᵗ⁾ collects "
    "what every later loss L⁽ˢ⁾, s ≥ t, owes to step t. Each weight gradient is then a sum over "
    "the steps where that weight was used:"
)
UPDATE_LEAD = "One gradient step with the sidebar's learning rate lr = {lr}:"

STEP_HEADER = "2. Take a gradient step"
STEP_LEAD = (
    "Apply the rules above to the network, one full-batch step at a time. The number of steps is "
    "part of the link, so a shared link reproduces the trained network exactly. **Everything below, "
    "and on the other pages, uses the network after these steps.**"
)
TAKE_STEP = "Take one step"
RESET = "Reset to 0"
STEP_NOTE = "The count is “Gradient steps taken” in the sidebar (0..{max_steps}); these buttons move it."
LOSS_BEFORE = "L before the last step"
LOSS_AFTER = "L after the last step"
LOSS_INITIAL = "L of the initial network"
NO_STEP_YET = "no step yet"
STEPS_TAKEN = "Steps taken"
LOSS_NOTICE = (
    "each step moves θ against ∂L/∂θ, so L falls while lr is small enough; a step that raises L "
    "means lr overshot the valley."
)
LOSS_DROPPED = "{n} loss value(s) that are not positive finite numbers are left out."
NO_LOSS_CURVE = "No loss curve: fewer than two losses are numbers."

PATHS_HEADER = "3. One loss, many paths"
PATHS_LEAD = (
    "Pick one loss step s and follow L⁽ˢ⁾ back to W or U. The homework writes this only for s = 3; "
    "here it is generated for any s."
)
S_LABEL = "Loss step s"
S_HELP = "Which L⁽ˢ⁾ to differentiate; its paths reach back to every step k = 1..s."
ONLY_STEP = "T = 1, so the only loss step is s = 1."
WRT_LABEL = "Differentiate with respect to"
GRAPH_NOTICE = {
    "W": (
        "**Notice:** the red edges are the paths from L{S} back to W: every path leaves L{S} through "
        "o{S} and h{S}, walks back along the W edges of the h row, and meets W on the W edge into "
        "h⁽ᵏ⁾ (from h⁽ᵏ⁻¹⁾). The dashed edge from h⁽⁰⁾ = 0 carries a zero term. Grey edges do not "
        "touch L{S}: nothing after step {s} can change it."
    ),
    "U": (
        "**Notice:** the red edges are the paths from L{S} back to U: every path leaves L{S} through "
        "o{S} and h{S}, walks back along the W edges of the h row, and meets U on the U edge into "
        "h⁽ᵏ⁾ (from x⁽ᵏ⁾). Grey edges do not touch L{S}: nothing after step {s} can change it."
    ),
}
GRAPH_ELIDED = "Boxes with ⋯ stand for elided steps."
EXPANSION_LEAD = (
    "By the chain rule, ∂L{S}/∂{wrt} is a sum of {n} term, one per step k where {wrt} was used:",
    "By the chain rule, ∂L{S}/∂{wrt} is a sum of {n} terms, one per step k where {wrt} was used:",
)
IMMEDIATE_NOTE = (
    "The last factor ∂⁺h⁽ᵏ⁾/∂{wrt} is the **immediate** partial: it differentiates "
    "h⁽ᵏ⁾ = f(b + W h⁽ᵏ⁻¹⁾ + U x⁽ᵏ⁾) holding h⁽ᵏ⁻¹⁾ fixed. (The homework writes ∂h⁽ᵏ⁾/∂{wrt}, "
    "which read as a total derivative would count the earlier paths twice.) The factors are:"
)
CHAIN_LEAD = (
    "Multiplied out right to left, the chain is the δ recursion: BPTT computes every path term "
    "at once, from one error vector per step:"
)
V_SINGLE = (
    "**Why V has a single term.** V appears only in o⁽ᵗ⁾ = c + V h⁽ᵗ⁾: it acts on h{S} at step {s} "
    "and is not part of the recurrence, so no earlier h⁽ᵏ⁾ depends on it and no path runs back in time:"
)

NUMBERS_HEADER = "4. The numbers behind it"
OVERFLOWED = (
    "The forward pass overflowed float64 at t = {t} ≤ s = {s}: h⁽ᵗ⁾ holds inf or nan from there on, "
    "so {n} of the {s} path terms of L{S} are not numbers. Pick s < {t}, lower σ_max(W) or choose a "
    "bounded activation."
)
OVERFLOWED_AT_1 = (
    "The forward pass overflowed float64 at t = 1 ≤ s = {s}: h⁽¹⁾ holds inf or nan, so {n} of the "
    "{s} path terms of L{S} are not numbers. Lower σ_max(W) or choose a bounded activation."
)
TERMS_OVERFLOWED = (
    "The forward pass is finite up to s = {s}, but back-propagating L{S} overflowed float64: {n} of "
    "its {s} path terms hold entries beyond the largest float64 (≈ 1.8·10³⁰⁸), so their norms are "
    "not numbers. A shorter path (smaller s) or a smaller σ_max(W) keeps them in range."
)
TABLE_LEAD = (
    "Each path term of ∂L{S}/∂{wrt}, measured by its Frobenius norm. Two ways to say how much of the "
    "gradient it carries: its **share of Σ‖terms‖** (never negative, sums to 100%) and its **projection "
    "share** ⟨term k, ∂L{S}/∂{wrt}⟩ / ‖∂L{S}/∂{wrt}‖², which also sums to 100% but is negative for a "
    "term that points against the total, because terms can partly cancel."
)
ROW_K1 = (
    "**Row k = 1.** With h⁽⁰⁾ = 0 the first term for W, δ₁{S} h⁽⁰⁾ᵀ, is exactly zero: "
    "‖term 1‖ = {first_w} for W. For U the first term is δ₁{S} x⁽¹⁾ᵀ, and x⁽¹⁾ ≠ 0: "
    "‖term 1‖ = {first_u} for U."
)
ROW_K1_U_ZERO = (
    "**Row k = 1.** With h⁽⁰⁾ = 0 the first term for W, δ₁{S} h⁽⁰⁾ᵀ, is exactly zero: "
    "‖term 1‖ = {first_w} for W. For U the first term is δ₁{S} x⁽¹⁾ᵀ: x⁽¹⁾ ≠ 0, but here δ₁{S} = 0 "
    "exactly (no error of L{S} gets through step 1: every unit's f′(a⁽¹⁾) is 0, or ∂L{S}/∂o{S} is), "
    "so ‖term 1‖ = 0 for U too."
)
BARS_NOTICE = (
    "the bars are one path each; the distance s − k grows to the left. Term k carries the "
    "Jacobian ∂h{S}/∂h⁽ᵏ⁾, whose norm is at most (γ·σ_max(W))^(s−k); for this network's W "
    "({activation}, γ = {gamma}, σ_max(W) = {sigma}), γ·σ_max(W) {comparison}: {bound} "
    "Orange bars point against the total."
)
# γ·σ_max(W) against 1, by rc.BoundVerdict.relation
COMPARISON = {
    "<": "= {base} < 1",
    "=": "= 1 to within {tolerance}",
    ">": "= {base} > 1",
    "": "is not a number",
}
# what the bound (γ·σ_max(W))^(s−k) says about the long paths, by rc.BoundVerdict.kind
BOUND_CLAUSE = {
    "vanishes": "the bound falls geometrically, so the longer paths (left) must carry ever smaller "
    "Jacobians (each bar also scales with ‖∂L{S}/∂h{S}‖ and with h⁽ᵏ⁻¹⁾ or x⁽ᵏ⁾).",
    "cannot_grow": "the bound is 1 at every distance, so no path's Jacobian can grow; whether the long "
    "ones shrink is not decided by the bound.",
    "may_grow": "the bound grows with the distance, so long paths may carry growing Jacobians "
    "(exploding); the bound allows it, it does not force it.",
    "zero": "W = 0, so every path across one step or more is exactly 0.",
    "unbounded": "W overflowed float64, so the bound says nothing.",
    "undefined": "σ_max(W) is not a number, so the bound says nothing.",
}
BARS_NONFINITE = {
    "forward": "{n} term(s) are not numbers (the forward pass overflowed float64 at t = {t}).",
    "terms": "{n} term(s) are not numbers (back-propagating L{S} overflowed float64).",
}
BARS_ZEROS = "term(s) k = {ks} are exactly 0 and have no bar on a log scale."
NO_BARS = "No path term has a positive finite norm to draw:"
ZERO_OUTPUT_ERROR = (
    "Every path term is exactly zero because every path starts from ∂L{S}/∂o{S}, and it is 0 here: "
    "ŷ{S} already equals the target in float64 (L{S} = {step_loss}), as happens when a huge hidden "
    "state saturates the softmax."
)
S1_FOR_W = (
    "With s = 1 there is one path, and it meets W on h⁽⁰⁾ = 0: ∂L⁽¹⁾/∂W = δ₁⁽¹⁾ h⁽⁰⁾ᵀ = 0. "
    "L⁽¹⁾ does not depend on W at all; pick s ≥ 2, or U."
)

RECONCILIATION = "Reconciliation"
PATH_SUM_METRIC = "Σₖ path terms vs BPTT of L{S}"
STEP_FD_METRIC = "BPTT of L{S} vs finite differences"
FULL_METRIC = {
    SUM_OVER_S: "∂L/∂{wrt} (BPTT) vs Σₛ ∂L⁽ˢ⁾/∂{wrt}",
    FINITE_DIFFERENCES: "∂L/∂{wrt} (BPTT) vs finite differences",
}
CHECKS_CAPTION = {
    SUM_OVER_S: (
        "Relative errors ‖x − y‖_F / max(‖x‖_F, ‖y‖_F); errors near 1e-16 are rounding, and finite "
        "differences agree to about 1e-7 or better while the loss is smooth. **Left:** the path terms "
        "summed against `bptt(params, trace, s={s})`, which back-propagates L{S} alone. **Middle:** "
        "against central differences (ε = {eps}) of L{S}, on {step_scope}. **Right:** the full "
        "gradient of L by BPTT against Σₛ ∂L⁽ˢ⁾/∂{wrt}, each of the T = {T} losses back-propagated on "
        "its own and the results added."
    ),
    FINITE_DIFFERENCES: (
        "Relative errors ‖x − y‖_F / max(‖x‖_F, ‖y‖_F); errors near 1e-16 are rounding, and finite "
        "differences agree to about 1e-7 or better while the loss is smooth. **Left:** the path terms "
        "summed against `bptt(params, trace, s={s})`, which back-propagates L{S} alone. **Middle:** "
        "against central differences (ε = {eps}) of L{S}, on {step_scope}. **Right:** the full "
        "gradient of L by BPTT against central differences of L, on {full_scope} (with T = {T}, "
        "back-propagating each L⁽ˢ⁾ on its own would take T backward passes)."
    ),
}
SAMPLED = (
    "Finite differences cost two forward passes per entry, so a large matrix is checked on a sample "
    "and only the sampled entries are compared."
)
SCOPE_ALL = "all {n} entries of {wrt}"
SCOPE_SAMPLE = "a fixed, seeded sample of {checked} of the {n} entries of {wrt}"
# why finite differences disagree with BPTT, by rc.GradientCheckVerdict.cause
FD_GAP = {
    "rounding": (
        "Finite differences disagree with BPTT here (relative error {gap}, above the tolerance "
        "{tolerance}; L{S} = {step_loss}, L = {loss}). The cause is rounding: float64 keeps L to "
        "about ±{ulp}, and against that a change of ε = {eps} in one weight moves L too little (the "
        "gradient is small for a loss of this size): rounding alone gives the difference quotient a "
        "relative error of about {rounding}, not below the tolerance."
    ),
    "unresolvable": (
        "Finite differences disagree with BPTT here (relative error {gap}, above the tolerance "
        "{tolerance}; L{S} = {step_loss}, L = {loss}). The cause is rounding: float64 keeps L to "
        "about ±{ulp}, and the gradients are so small (ε = {eps} times the largest entry of BPTT's "
        "and of the differences' rounds to 0) that no difference of L over ±ε can resolve them."
    ),
    "nonlinear": (
        "Finite differences disagree with BPTT here (relative error {gap}, above the tolerance "
        "{tolerance}; L{S} = {step_loss}, L = {loss}). Rounding alone would give only about "
        "{rounding}: the loss is not linear over ±ε = {eps} in one weight (a ReLU unit switching on "
        "or off, or the curvature of a saturated softmax), so the difference quotient is not the "
        "derivative."
    ),
}
PATH_SUM_HOLDS = "The path-sum check on the left, two exact routes, agrees to {error}."
PATH_SUM_FAILS = "The path-sum check on the left does not agree either ({error})."

MISTAKES_LABEL = "Common mistakes (from the homework this page corrects)"
MISTAKE_HEAD = "**{i}. {title}.** {quote}"
MISTAKE_WHY = "*Why it is wrong:* {why}"
MISTAKE_CORRECT = "*Correct:*"

# --- the table and the charts: columns, axes, legends -------------------------------------------

COL_K = "k"
COL_DISTANCE = "distance s − k"
COL_NORM = "‖term k‖_F"
COL_NORM_SHARE = "share of Σ‖terms‖ (%)"
COL_PROJECTION = "projection share (%)"
COL_NOTE = "note"
NOTE_K1 = {
    "W": "exactly 0: the term is δ₁{S} h⁽⁰⁾ᵀ and h⁽⁰⁾ = 0",
    "U": "not 0: the term is δ₁{S} x⁽¹⁾ᵀ and x⁽¹⁾ ≠ 0",
}
NOTE_K1_U_ZERO = "exactly 0: the term is δ₁{S} x⁽¹⁾ᵀ, and δ₁{S} = 0 here"
PATH_CHART_TITLE = "Path terms of ∂L{S}/∂{wrt}"
PATH_X = "k, the step where the path reaches {wrt}"
PATH_Y = "‖term k‖_F (Frobenius norm, log scale)"
PATH_COLOUR = "projection on ∂L{S}/∂{wrt}"
ALONG = "along the total (or 0)"
AGAINST = "against the total"
TIP_SHARE = "share of Σ‖terms‖"
TIP_PROJECTION = "projection share"
LOSS_CHART_TITLE = "Loss after each gradient step"
LOSS_X = "gradient steps taken"
LOSS_Y = {"softmax_ce": "L = Σₜ L⁽ᵗ⁾ (nats)", "mse": "L = Σₜ L⁽ᵗ⁾"}
LOSS_Y_LOG = {"softmax_ce": "L = Σₜ L⁽ᵗ⁾ (nats, log scale)", "mse": "L = Σₜ L⁽ᵗ⁾ (log scale)"}
TIP_STEP = "step"
TIP_LOSS = "L"

# --- the homework's mistakes (DESIGN §6) --------------------------------------------------------

V_INDICES_TITLE = "Mismatched indices in the V update"
V_INDICES_QUOTE = "The homework writes:"
V_INDICES_WHY = (
    "L⁽ⁱ⁾ depends on o⁽ᵗ⁾ only when i = t, so every term with i ≠ t is zero and the sum collapses to "
    "one step t; the upper limit t is also the index being differentiated. The sum must run over the "
    "steps t, with the loss and the output of the same step."
)
HISTORY_TITLE = '"U involves historical data", then the formula for W'
HISTORY_QUOTE = (
    "The homework writes “The solution of the partial guide of U involves historical data.” and then:"
)
HISTORY_WHY = (
    "Both W and U act inside the recurrence a⁽ᵗ⁾ = b + W h⁽ᵗ⁻¹⁾ + U x⁽ᵗ⁾, so both gradients reach "
    "back through earlier steps (a sum over paths); V acts only outside it, on h⁽ᵗ⁾ at step t, so "
    "its gradient has no history."
)
ONE_LOSS_TITLE = "Updating with one loss step instead of the total loss"
ONE_LOSS_QUOTE = "The homework writes:"
ONE_LOSS_WHY = (
    "The network is trained on L = Σₛ L⁽ˢ⁾; ∂L⁽³⁾/∂W is one of its T pieces. Descending it alone "
    "ignores every other step's loss."
)
ONE_LOSS_WHY_ONE_STEP = (
    "With T = 1, as in the sidebar now, L = L⁽¹⁾: the one loss step is the whole loss, and the update "
    "happens to be right. From T = 2 on, ∂L⁽ˢ⁾/∂W is one of T pieces of ∂L/∂W, and descending it "
    "alone ignores every other step's loss."
)
ONE_LOSS_GAP = (
    "On the network in the sidebar, the relative error between ∂L{S}/∂{wrt} and ∂L/∂{wrt} is {gap} "
    "(‖difference‖_F over the larger norm; 0 would mean equal)."
)
PARTIAL_TITLE = "The last factor of each path is an immediate partial"
PARTIAL_QUOTE = "The homework ends its terms with ∂h⁽³⁾/∂W, ∂h⁽²⁾/∂W, ∂h⁽¹⁾/∂W:"
PARTIAL_WHY = (
    "Read as a total derivative, ∂h⁽²⁾/∂W already contains the path through h⁽¹⁾, which the next "
    "term counts again. Each factor must hold the earlier state fixed: ∂⁺h⁽ᵏ⁾/∂W differentiates "
    "h⁽ᵏ⁾ = f(b + W h⁽ᵏ⁻¹⁾ + U x⁽ᵏ⁾) with h⁽ᵏ⁻¹⁾ treated as a constant."
)


def sentences(*parts: str | None) -> str:
    """Whole sentences, each already said, one after the other (the empty ones left out)."""
    return " ".join(part for part in parts if part)


def at_step(template: str, s: int, **fields) -> str:
    """``template`` said for the loss step ``s`` (fields ``s`` and ``S``) and ``fields``."""
    return say(template, s=s, S=time_index(s), **fields)


def loss_delta(before: float, after: float) -> str | None:
    """The change of L over the last step for st.metric, or None when it is not a number."""
    if not (math.isfinite(before) and math.isfinite(after)):
        return None
    return number(after - before)


def loss_notice(dropped: int) -> str:
    """The loss curve's caption, with how many losses it leaves out."""
    return sentences(say(LOSS_NOTICE), say(LOSS_DROPPED, n=dropped) if dropped else None)


def no_loss_curve(dropped: int) -> str:
    return sentences(say(NO_LOSS_CURVE), say(LOSS_DROPPED, n=dropped) if dropped else None)


def graph_notice(s: int, wrt: str, elided: bool) -> str:
    """The caption of the unrolled graph with L⁽ˢ⁾'s paths to ``wrt`` highlighted."""
    return sentences(at_step(GRAPH_NOTICE[wrt], s), say(GRAPH_ELIDED) if elided else None)


def expansion_lead(s: int, wrt: str) -> str:
    return say_n(*EXPANSION_LEAD, s, S=time_index(s), wrt=wrt)


def overflowed(terms) -> str | None:
    """The error shown when some path terms are not numbers (rc.TermsVerdict), naming what
    overflowed: the forward pass at t ≤ s, or the back-propagation of L⁽ˢ⁾; else None."""
    if terms.kind == "forward":
        if terms.t > 1:
            return at_step(OVERFLOWED, terms.s, t=terms.t, n=terms.n_nonfinite)
        return at_step(OVERFLOWED_AT_1, terms.s, n=terms.n_nonfinite)
    if terms.kind == "terms":
        return at_step(TERMS_OVERFLOWED, terms.s, n=terms.n_nonfinite)
    return None


def row_k1(report) -> str | None:
    """What row k = 1 of the table says for W and for U, when both first terms are numbers."""
    if not report.first_term_finite:
        return None
    first = report.first_term
    template = ROW_K1_U_ZERO if 1 in report.terms["U"].zero_ks else ROW_K1
    return at_step(template, report.s, first_w=number(first["W"]), first_u=number(first["U"]))


def note_k1(report) -> str:
    """The note of row k = 1 of the table, from rc.TermsVerdict ("" when the term is not a number)."""
    if 1 in report.overflow.zero_ks:
        return at_step(NOTE_K1_U_ZERO if report.wrt == "U" else NOTE_K1["W"], report.s)
    if not report.first_term_finite:
        return ""
    return at_step(NOTE_K1[report.wrt], report.s)


def _ks(zeros: tuple[int, ...]) -> str:
    return ", ".join(str(k) for k in zeros[:6]) + (", …" if len(zeros) > 6 else "")


def bars_note(terms) -> str | None:
    """Which path terms the log-scale bars leave out (not numbers, and why; exactly 0), from
    rc.TermsVerdict, or None."""
    nonfinite = None
    if terms.kind != "finite":
        nonfinite = at_step(BARS_NONFINITE[terms.kind], terms.s, n=terms.n_nonfinite, t=terms.t)
    zeros = say(BARS_ZEROS, ks=_ks(terms.zero_ks)) if terms.zero_ks else None
    return sentences(nonfinite, zeros) or None


def bars_notice(activation: str, bound, s: int, note: str | None) -> str:
    """The bars' caption: what rc.BoundVerdict ``bound`` of the live W says about long paths."""
    clause = at_step(BOUND_CLAUSE[bound.kind], s)
    notice = at_step(
        BARS_NOTICE,
        s,
        activation=activation,
        gamma=number(bound.gamma, "g"),
        sigma=bound.sigma_shown,
        comparison=say(COMPARISON[bound.relation], base=bound.shown, tolerance=number(bound.tolerance, "g")),
        bound=clause,
    )
    return sentences(notice, note)


def no_bars(note: str | None) -> str:
    return sentences(say(NO_BARS), note)


def path_info(report) -> str | None:
    """Why every path term is zero (the output error is 0), or why L⁽¹⁾ has no W gradient; else None."""
    if report.overflow.output_error_zero:
        return at_step(ZERO_OUTPUT_ERROR, report.s, step_loss=number(report.step_loss))
    if report.wrt == "W" and report.s == 1:
        return say(S1_FOR_W)
    return None


def error(value: float) -> str:
    """A relative error as the reconciliation metrics show it."""
    return number(value, ".2e")


def fd_scope(checked: int, n_entries: int, wrt: str) -> str:
    """Which entries a finite-difference check compared, as a phrase."""
    if checked >= n_entries:
        return say(SCOPE_ALL, n=n_entries, wrt=wrt)
    return say(SCOPE_SAMPLE, checked=checked, n=n_entries, wrt=wrt)


def checks_caption(report, full, T: int, eps: float) -> str:
    """What the three reconciliation metrics compare, on which entries."""
    caption = at_step(
        CHECKS_CAPTION[full.route],
        report.s,
        wrt=report.wrt,
        eps=number(eps, "g"),
        T=T,
        step_scope=fd_scope(report.fd_entries, report.n_entries, report.wrt),
        full_scope=fd_scope(full.fd_entries, full.n_entries, report.wrt),
    )
    sampled = report.fd_entries < report.n_entries or full.fd_entries < full.n_entries
    return sentences(caption, say(SAMPLED) if sampled else None)


def fd_gap(verdict, report, loss: float, eps: float) -> str:
    """Why finite differences disagree with BPTT (rc.GradientCheckVerdict ``verdict``, kind
    "disagrees"), and whether the exact path-sum check still holds."""
    gap = at_step(
        FD_GAP[verdict.cause],
        report.s,
        gap=number(verdict.rel_error, ".2g"),
        tolerance=number(verdict.tolerance, "g"),
        rounding=number(verdict.rounding, ".2g"),
        ulp=number(math.ulp(verdict.loss) if math.isfinite(verdict.loss) else verdict.loss, ".2g"),
        step_loss=number(report.step_loss),
        loss=number(loss),
        eps=number(eps, "g"),
    )
    held = PATH_SUM_HOLDS if report.path_sum.agrees else PATH_SUM_FAILS
    return sentences(gap, say(held, error=error(report.path_sum.rel_error)))


@dataclass(frozen=True)
class Mistake:
    title: str
    quote: str  # the homework's words
    quote_latex: str
    why: str
    fix_latex: str


def mistakes(s: int, wrt: str, single_vs_full: float, *, T: int) -> list[Mistake]:
    """The homework's errors (DESIGN §6), each quoted, explained and corrected.

    ``single_vs_full`` is rel_error(∂L⁽ˢ⁾/∂θ, ∂L/∂θ) for θ = ``wrt`` on the live network of ``T``
    steps (with T = 1 the one loss step is the whole loss, and the third is no mistake there).
    """
    gap = at_step(ONE_LOSS_GAP, s, wrt=wrt, gap=number(single_vs_full))
    return [
        Mistake(
            say(V_INDICES_TITLE),
            say(V_INDICES_QUOTE),
            fm.HOMEWORK_V_UPDATE_LATEX,
            say(V_INDICES_WHY),
            fm.CORRECT_V_UPDATE_LATEX,
        ),
        Mistake(
            say(HISTORY_TITLE),
            say(HISTORY_QUOTE),
            fm.HOMEWORK_W_UPDATE_LATEX,
            say(HISTORY_WHY),
            fm.CORRECT_HISTORY_LATEX,
        ),
        Mistake(
            say(ONE_LOSS_TITLE),
            say(ONE_LOSS_QUOTE),
            fm.HOMEWORK_W_UPDATE_LATEX,
            sentences(
                say(ONE_LOSS_WHY_ONE_STEP if T == 1 else ONE_LOSS_WHY),
                gap if math.isfinite(single_vs_full) else None,
            ),
            fm.CORRECT_W_UPDATE_LATEX,
        ),
        Mistake(
            say(PARTIAL_TITLE),
            say(PARTIAL_QUOTE),
            fm.HOMEWORK_TOTAL_PARTIAL_LATEX,
            say(PARTIAL_WHY),
            fm.CORRECT_IMMEDIATE_PARTIAL_LATEX,
        ),
    ]
