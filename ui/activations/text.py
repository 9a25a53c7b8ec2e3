"""The sentences and tables of the "Activation derivatives" page, filled with computed numbers."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

import rnn_core as rc
from ui.activations import FRACTION, NAMES, label
from ui.format import number, sci
from ui.formulas import STABLE_LATEX
from ui.i18n import say, say_n

if TYPE_CHECKING:
    from ui.activations.calls import CurveData, Float64Data


def where(lo: float, hi: float) -> str:
    """Where a value is reached on the grid: one point, a symmetric pair or a whole interval."""
    if lo == hi:
        return f"a = {sci(lo)}"
    if lo == -hi:
        return f"a = ±{sci(hi)}"
    return f"a ∈ [{sci(lo)}, {sci(hi)}]"


def thresholds_text(show: list[str]) -> str:
    """ "f′ < 0.01 for tanh, ReLU; f′ < 0.0025 for sigmoid": the thresholds of the shown activations."""
    by_threshold: dict[float, list[str]] = {}
    for name in show:
        by_threshold.setdefault(FRACTION * rc.ACTIVATIONS[name].gamma, []).append(label(name))
    return "; ".join(f"f′ < {thr:g} for {', '.join(names)}" for thr, names in by_threshold.items())


def _min_text(check: rc.GridCheck) -> str:
    sign = " > 0" if check.inf > 0.0 and check.values is None else ""
    return f"{sci(check.inf)}{sign} at {where(*check.inf_at)}"


def _max_text(check: rc.GridCheck) -> str:
    mark = "= γ ✓" if check.sup_is_gamma else f"≠ γ = {check.gamma:g} ✗"
    return f"{sci(check.sup)} {mark} at {where(*check.sup_at)}"


def _values_text(check: rc.GridCheck) -> str:
    if check.values is None:
        return "a continuum"
    return r"$\{" + r",\ ".join(f"{v:g}" for v in check.values) + r"\}$"


def ranges_table(data: CurveData, show: list[str]) -> str:
    """A Markdown table: f, the ranges of f and f′ (from rnn_core), γ, 1/γ, and what the fine grid
    computes for f′ (its max and where, its min and where, its distinct values)."""
    head = (
        "| activation | f | range of f | range of f′ | γ = sup f′ | 1/γ | computed: max f′ | "
        "computed: min f′ | computed: values of f′ |\n"
        "|---|---|---|---|---|---|---|---|---|\n"
    )
    rows = []
    for name in show:
        act, check = rc.ACTIVATIONS[name], data.checks[name]
        rows.append(
            f"| **{label(name)}** | ${act.latex_f}$ | ${act.latex_range_f}$ | ${act.latex_range_df}$ | "
            f"{act.gamma:g} | {1 / act.gamma:g} | {_max_text(check)} | {_min_text(check)} | {_values_text(check)} |"
        )
    return head + "\n".join(rows)


def float64_table(data: Float64Data) -> str:
    """A Markdown table: for tanh and sigmoid and each form of f′, where f′ becomes exactly 0.0 on
    each side, and f′ at the float just before that edge (np.nextafter towards 0), nonzero."""
    head = (
        "| activation | form of f′ | a > 0: f′ = 0.0 from a = | f′ one float earlier | "
        "a < 0: f′ = 0.0 from a = | f′ one float earlier |\n|---|---|---|---|---|---|\n"
    )
    rows = []
    for (name, form), pair in data.table.groupby(["name", "form"], sort=False):
        pos, neg = (pair[pair["side"] == side].iloc[0] for side in ("a > 0", "a < 0"))
        formula = STABLE_LATEX[name] if form == "rnn_core" else rc.TEXTBOOK_LATEX[name]
        cells = [label(name), f"{form}: ${formula}$"]
        for side, r in (("", pos), ("−", neg)):
            cells += (
                ["never", ""] if pd.isna(r.threshold) else [f"{side}{float(r.threshold)!r}", sci(r.df_before)]
            )
        rows.append("| " + " | ".join(cells) + " |")
    return head + "\n".join(rows)


def curves_notice(data: CurveData) -> str:
    """What to notice in the f/f′ chart, with the saturation edges read from the computed bands."""

    def edge(name: str) -> str:
        bands = data.bands[(data.bands["name"] == name) & (data.bands["lo"] > 0)]
        where_ = (
            f"at |a| ≥ {sci(bands['lo'].iloc[0])}"
            if len(bands)
            else f"nowhere in [−{data.a_max:g}, {data.a_max:g}]"
        )
        return f"for {name} {where_}"

    g = {n: rc.ACTIVATIONS[n].gamma for n in NAMES}
    return (
        f"f′ is largest where f is steepest: γ = {g['sigmoid']:g} for sigmoid and {g['tanh']:g} for tanh, "
        f"both reached at {where(*data.checks['tanh'].sup_at)} only; ReLU, leaky ReLU and linear reach 1 on a whole half-line. Shaded: f′ < {FRACTION:g}·γ, "
        f"which on this grid holds {edge('tanh')}, {edge('sigmoid')}, and for "
        f"ReLU at every a ≤ 0 (f′ = 0 exactly). Leaky ReLU's slope {rc.LEAKY_SLOPE:g} sits exactly on the "
        "threshold, so by this strict definition it never saturates: it damps the gradient "
        f"{1 / rc.LEAKY_SLOPE:g}-fold, it never cuts it."
    )


def gamma_notice(df: pd.DataFrame, k_max: int) -> str:
    """What to notice in the γᵏ chart, with sigmoid's γᵏ at k max read from the data."""
    sig = df[(df["name"] == "sigmoid") & (df["k"] == k_max)]["gamma_k"].iloc[0]
    return (
        f"Even in the best case, k sigmoid factors shrink a gradient by 4ᵏ: at k = {k_max} that is "
        f"γᵏ = {sci(sig)}. For tanh, ReLU, leaky ReLU and linear, γᵏ = 1: the derivatives at their best "
        "shrink nothing, so whether the gradient vanishes or explodes is then decided by W and by how "
        "far below γ the actual f′ values are (next section)."
    )


def histogram_notice(stats: rc.DerivativeStats) -> str:
    """What to notice in the histogram of f′ values, for the live network's activation."""
    sat, zero = f"{stats.fraction_saturated:.1%}", f"{stats.fraction_zero:.1%}"
    if stats.activation == "linear":
        return "The linear activation's f′ is 1 everywhere: nothing saturates, and the gradient's fate is W's alone."
    if stats.activation == "relu":
        return (
            f"ReLU′ takes only the values 0 and 1. {zero} of the (t, unit) pairs have a⁽ᵗ⁾ ≤ 0, so f′ = 0: "
            "every path through them is cut at that step. The rest pass the gradient on undamped, "
            "and W alone decides whether it grows."
        )
    if stats.activation == "leaky_relu":
        return (
            f"Leaky ReLU′ takes only the values {rc.LEAKY_SLOPE:g} and 1: no path is cut, the units with "
            f"a ≤ 0 damp it {1 / rc.LEAKY_SLOPE:g}-fold. Mean f′ = {sci(stats.mean)}."
        )
    return (
        f"Values near γ = {stats.gamma:g} come from small |a⁽ᵗ⁾|; values piled up near 0 are saturated "
        f"units. Here {sat} of the values are left of the dashed line (f′ < {FRACTION:g}·γ) and the mean "
        f"f′ is {sci(stats.mean)}, against the best case γ = {stats.gamma:g}. Raise σ_max(W) in the "
        "sidebar to push |a⁽ᵗ⁾| up and watch the mass move to 0."
    )


def products_notice(stats: rc.DerivativeStats, sigma_max: float) -> str:
    """What to notice in the products chart: the values at k = T and where a product became 0."""
    T = stats.per_step_max.size
    dead = [k for k, v in enumerate(stats.log10_prod_max, start=1) if v == -math.inf]
    text = (
        f"Read at k = T = {T}: log₁₀ Π max f′ = {sci(stats.log10_prod_max[-1])}, log₁₀ Π mean f′ = "
        f"{sci(stats.log10_prod_mean[-1])}, against log₁₀ γᵀ = {sci(T * math.log10(stats.gamma))}. "
        f"The max line times σ_max(W)ᵏ (here σ_max(W) = {sigma_max:g}) bounds ‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵏ⁾‖₂: the "
        "gap between it and γᵏ is damping that γ alone cannot see."
    )
    if dead:
        text += (
            f" From k = {dead[0]} on the max line stops: at step t = {T - dead[0] + 1} every unit had "
            "f′ = 0 exactly, so every path from h⁽ᵀ⁾ back past that step is exactly zero."
        )
    return text


def float64_notice(data: Float64Data) -> str:
    """What to notice in the float64 charts, with the a > 0 edges and last values read from the table."""
    pos = data.table[data.table["side"] == "a > 0"].set_index(["name", "form"])
    t, last = pos["threshold"], pos["df_before"]
    return (
        f"rnn_core's forms (solid) fall on straight lines, exact until e underflows: tanh′ becomes 0.0 at "
        f"a = {t['tanh', 'rnn_core']:.6g}, sigmoid′ at a = {t['sigmoid', 'rnn_core']:.6g}, after values as "
        f"small as {sci(last['tanh', 'rnn_core'])} and {sci(last['sigmoid', 'rnn_core'])}. The textbook forms "
        f"(dashed) follow them, then stop at a = {t['tanh', 'textbook']:.6g} and {t['sigmoid', 'textbook']:.6g}: "
        f"their last nonzero values, {sci(last['tanh', 'textbook'])} and {sci(last['sigmoid', 'textbook'])}, "
        f"are a multiple of float64's spacing just below 1 ({sci(math.ulp(0.5))}); one float further, σ or "
        "tanh is exactly 1.0 and the derivative jumps to 0.0."
    )


def float64_meaning(data: Float64Data, stats: rc.DerivativeStats) -> str:
    """Markdown: what an f′ of exactly 0.0 does to the gradient, and where the live network stands."""
    t = data.table.set_index(["name", "form", "side"])["threshold"]
    text = (
        "**What this means for gradients.** δ⁽ᵗ⁾ = diag(f′(a⁽ᵗ⁾)) ∂L/∂h⁽ᵗ⁾: an f′ of exactly 0.0 makes "
        "every path through that unit at that step exactly zero. No W, however large, brings it back, "
        "and a log-space analysis meets log 0 = −∞. A tiny but nonzero f′ (10⁻³⁰⁰, say) leaves the path "
        "alive and measurable. With the textbook forms a tanh unit would be cut this way from "
        f"|a| = {t['tanh', 'textbook', 'a > 0']:.6g}, a sigmoid unit from a = "
        f"{t['sigmoid', 'textbook', 'a > 0']:.6g} (for a < 0, σ(1 − σ) stays exact to "
        f"a = −{t['sigmoid', 'textbook', 'a < 0']:.6g}, since there σ is small and 1 − σ is not); with "
        f"rnn_core's forms only from |a| = {t['tanh', 'rnn_core', 'a > 0']:.6g} and "
        f"{t['sigmoid', 'rnn_core', 'a > 0']:.6g}.\n\n"
    )
    name = label(stats.activation)
    if stats.fraction_zero_textbook is None:
        return text + (
            f"**In your network** ({name}): f′ has no rounding to worry about, it is one of a few exact "
            f"values; {stats.fraction_zero:.1%} of them are exactly 0 by definition."
        )
    return text + (
        f"**In your network** ({name}): max |a⁽ᵗ⁾| = {sci(stats.max_abs_a)}. The textbook form would round "
        f"{stats.fraction_zero_textbook:.1%} of its f′ values to exactly 0.0; rnn_core's form rounds "
        f"{stats.fraction_zero:.1%}."
    )


def homework_corrections(data: CurveData) -> str:
    """Markdown: the homework's three claims about f′ and the correct statements, with computed values."""
    tanh, sig, relu = (rc.ACTIVATIONS[n] for n in ("tanh", "sigmoid", "relu"))
    ct, cs = data.checks["tanh"], data.checks["sigmoid"]
    return (
        f"- **tanh′ ranges over ${tanh.latex_range_df}$, not $(0,\\ 1)$.** tanh′(0) = 1 − tanh²0 = 1: the max "
        f"of tanh′ on the grid is {sci(ct.sup)}, at {where(*ct.sup_at)}. The top value is reached; only "
        "0 is never reached.\n"
        f"- **sigmoid′ ranges over ${sig.latex_range_df}$**, with its max {sci(cs.sup)} at {where(*cs.sup_at)}: "
        f"even in the best case every step through a sigmoid multiplies the gradient by at most {sig.gamma:g}.\n"
        '- **"ReLU\'s derivative of constant 1 causes explosion" is not right.** f′ = 1 only removes the '
        "damping that f′ < 1 brings: on the active units (a > 0) the step's Jacobian is W itself, so whether "
        "the gradient grows is decided by W (σ_max(W) > 1 on the active units), not by f′. Where a ≤ 0, "
        f"ReLU′ = 0 exactly (ReLU′ ranges over ${relu.latex_range_df}$): the path through that unit at that "
        "step is cut, not merely shrunk."
    )


# --- the page's sentences: templates with named fields, filled through ui.i18n.say ------------------

TITLE = "Activation derivatives"
INTRO = (
    "Going backward through one step of a recurrent network multiplies the gradient by two things: "
    "the derivative f′ of the activation at that step's pre-activation a⁽ᵗ⁾ (one number per hidden "
    "unit) and the recurrent matrix W. Going back k steps multiplies k such pairs. So the size of "
    "f′ decides how much gradient each step lets through, and its largest possible value, "
    "**γ = sup|f′|**, caps it: a unit whose f′ is tiny is *saturated*, and the gradient through it "
    "is all but lost."
)
BOUND_CAPTION = (
    "δ⁽ᵗ⁾ = ∂L/∂a⁽ᵗ⁾. ‖·‖₂ is the spectral norm; σ_max(W) is W's largest singular value. The middle "
    "bound uses the f′ values the network actually produces (section 4); the right one uses only γ."
)
CURVES_HEADER = "1. f and f′, side by side"
CURVES_INTRO = (
    'The homework describes these curves for sigmoid, tanh and ReLU "as follows", but its figures '
    "are missing. Here they are, computed from rnn_core's own f and f′ (leaky ReLU and the linear "
    "activation added for comparison)."
)
SHOW_LABEL = "Activations to show"
ARANGE_LABEL = "Range of a: from −A to A"
ARANGE_HELP = "The half-width A of the interval of pre-activations a drawn and checked."
CHOOSE = "Choose at least one activation above to draw its curves, its row of the table and its γᵏ."
RANGES_HEADER = "2. Ranges, γ and 1/γ, checked"
RANGES_CAPTION = (
    "The ranges are rnn_core's (Activation.latex_range_f / latex_range_df). The last three columns "
    "are computed on a grid of {points} points over [−{a_max}, {a_max}] that holds "
    "a = 0 exactly: the max of f′ equals γ and is reached (a closed end ']'), while tanh′ and sigmoid′ "
    "stay above 0 on any finite interval (an open end '('). 1/γ is the σ_max(W) below which "
    "γ·σ_max(W) < 1, so every ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖ must shrink geometrically."
)
HOMEWORK_HEADER = "What the homework gets wrong"
PRODUCTS_HEADER = "3. Multiplying k derivatives"
KMAX_LABEL = "k max: how many steps back"
NETWORK_HEADER = "4. The derivatives your network actually produces"
NETWORK_INTRO = (
    "The network in the sidebar ({name}, H = {H}, T = {T}, σ_max(W) = {w_scale}{after}) runs forward on "
    "its sequence; here is every f′(aᵢ⁽ᵗ⁾) it produced, over all steps t and units i."
)
AFTER_STEP = ", after {n} gradient step"
AFTER_STEPS = ", after {n} gradient steps"
VALUES_LABEL = "f′ values"
VALUES_HELP = "T × H values f′(aᵢ⁽ᵗ⁾) (batch B = 1)."
SATURATED_LABEL = "saturated (f′ < {fraction}·γ)"
SATURATED_HELP = "Units and steps where the gradient is damped at least {damping} times more than at f′ = γ."
ZERO_LABEL = "exactly 0 (dead paths)"
ZERO_HELP = "f′ = 0.0 exactly: every path through that unit at that step is zero (ReLU with a ≤ 0)."
MEAN_LABEL = "mean f′"
MEAN_HELP = "γ = {gamma} is the most it could be."
NONFINITE = (
    "{n} f′ value(s) are not numbers (a⁽ᵗ⁾ overflowed) and are left out of the counts and the charts below."
)
FLOAT64_HEADER = "5. Where float64 rounds f′ to exactly 0.0"
FLOAT64_INTRO = (
    "The two forms of each derivative below are equal as real numbers. In float64 they are not: "
    "σ(a) and tanh a round to exactly 1.0 long before their derivatives are negligible, and then "
    "σ(1 − σ) and 1 − tanh² are exactly 0.0. rnn_core evaluates the right-hand forms, which stay "
    "exact until e itself underflows. The thresholds are found by bisection over the float64 numbers "
    "(rnn_core.first_zero), for each form and each side."
)
NOTICE = "**Notice:** {notice}"


def network_intro(name: str, H: int, T: int, w_scale: float, steps_done: int) -> str:
    """The sentence that introduces the live network's f′ values."""
    after = say_n(AFTER_STEP, AFTER_STEPS, steps_done) if steps_done else ""
    return say(NETWORK_INTRO, name=name, H=H, T=T, w_scale=number(w_scale, "g"), after=after)


def network_metrics(stats: rc.DerivativeStats) -> tuple[tuple[str, str, str], ...]:
    """(label, value, help) of the four metrics of the live network's f′ values."""
    fraction = number(stats.fraction, "g")
    return (
        (say(VALUES_LABEL), number(stats.n_finite, ","), say(VALUES_HELP)),
        (
            say(SATURATED_LABEL, fraction=fraction),
            number(stats.fraction_saturated, ".1%"),
            say(SATURATED_HELP, damping=number(1 / stats.fraction, "g")),
        ),
        (say(ZERO_LABEL), number(stats.fraction_zero, ".1%"), say(ZERO_HELP)),
        (say(MEAN_LABEL), sci(stats.mean), say(MEAN_HELP, gamma=number(stats.gamma, "g"))),
    )
