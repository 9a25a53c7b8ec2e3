"""The sentences, tables and chart labels of the "Activation derivatives" page: templates with named
fields (filled through ui.i18n.say), and the small functions that choose a template from a computed
verdict (rnn_core) and fill it with ui.format-ted numbers."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

import rnn_core as rc
from ui.activations import FRACTION, NAMES, label
from ui.format import number, sci
from ui.formulas import STABLE_LATEX, value_set_latex
from ui.i18n import say, say_n

if TYPE_CHECKING:
    from ui.activations.calls import CurveData, Float64Data, NetworkDerivatives

# --- the page, in reading order -------------------------------------------------------------------

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
CURVES_NOTICE = (
    "f′ is largest where f is steepest: γ = {gamma_sigmoid} for sigmoid and {gamma_tanh} for tanh, "
    "both reached at {where} only; ReLU and leaky ReLU reach 1 on the whole half-line a > 0, the "
    "linear activation everywhere. Shaded: f′ < {fraction}·γ, which on this grid holds {tanh_edge}, "
    "{sigmoid_edge}, and for ReLU at every a ≤ 0 (f′ = 0 exactly). Leaky ReLU's slope {slope} sits "
    "exactly on the threshold, so by this strict definition it never saturates: it damps the "
    "gradient {damping}-fold, it never cuts it."
)
EDGE_AT = "for {name} at |a| ≥ {a}"
EDGE_NOWHERE = "for {name} nowhere in [−{a_max}, {a_max}]"
WHERE = {"point": "a = {lo}", "pair": "a = ±{hi}", "interval": "a ∈ [{lo}, {hi}]"}

RANGES_HEADER = "2. Ranges, γ and 1/γ, checked"
RANGES_HEAD = (
    "| activation | f | range of f | range of f′ | γ = sup f′ | 1/γ | computed: max f′ | "
    "computed: min f′ | computed: values of f′ |\n"
    "|---|---|---|---|---|---|---|---|---|"
)
RANGES_ROW = (
    "| **{name}** | ${f}$ | ${range_f}$ | ${range_df}$ | {gamma} | {inverse} | {max_cell} | {min_cell} "
    "| {values} |"
)
MAX_IS_GAMMA = "{value} = γ ✓ at {where}"
MAX_NOT_GAMMA = "{value} ≠ γ = {gamma} ✗ at {where}"
MIN_OPEN = "{value} > 0 at {where}"
MIN_REACHED = "{value} at {where}"
CONTINUUM = "a continuum"
RANGES_CAPTION = (
    "The ranges are rnn_core's (Activation.latex_range_f / latex_range_df). The last three columns "
    "are computed on a grid of {points} points over [−{a_max}, {a_max}] that holds "
    "a = 0 exactly: the max of f′ equals γ and is reached (a closed end ']'), while tanh′ and sigmoid′ "
    "stay above 0 on any finite interval (an open end '('). 1/γ is the σ_max(W) below which "
    "γ·σ_max(W) < 1, so the bound (γ·σ_max(W))^(t−k) on every ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖₂ shrinks geometrically."
)
HOMEWORK_HEADER = "What the homework gets wrong"
HOMEWORK_TANH = (
    "- **tanh′ ranges over ${range_df}$, not $(0,\\ 1)$.** tanh′(0) = 1 − tanh²0 = 1: the max of "
    "tanh′ on the grid is {sup}, at {where}. The top value is reached; only 0 is never reached."
)
HOMEWORK_SIGMOID = (
    "- **sigmoid′ ranges over ${range_df}$**, with its max {sup} at {where}: even in the best case "
    "every step through a sigmoid multiplies the gradient by at most {gamma}."
)
HOMEWORK_RELU = (
    '- **"ReLU\'s derivative of constant 1 causes explosion" is not right.** f′ = 1 only removes the '
    "damping that f′ < 1 brings: on the active units (a > 0) the step's Jacobian is W itself, so "
    "whether the gradient grows is decided by W (σ_max(W) > 1 on the active units), not by f′. Where "
    "a ≤ 0, ReLU′ = 0 exactly (ReLU′ ranges over ${range_df}$): the path through that unit at that "
    "step is cut, not merely shrunk."
)

PRODUCTS_HEADER = "3. Multiplying k derivatives"
KMAX_LABEL = "k max: how many steps back"
GAMMA_NOTICE = (
    "Even in the best case, k sigmoid factors shrink a gradient by 4ᵏ: at k = {k_max} that is "
    "γᵏ = {value}. For tanh, ReLU, leaky ReLU and linear, γᵏ = 1: the derivatives at their best "
    "shrink nothing, so whether the gradient vanishes or explodes is then decided by W and by how "
    "far below γ the actual f′ values are (next section)."
)

NETWORK_HEADER = "4. The derivatives your network actually produces"
NETWORK_INTRO = (
    "The network in the sidebar ({name}, H = {H}, T = {T}, σ_max(W) = {sigma}{after}) runs forward on "
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
    "{n} f′ value(s) are not numbers (a⁽ᵗ⁾ is nan: the forward pass overflowed) and are left out of "
    "the counts and the charts below."
)
HISTOGRAM_NOTICE = {
    "linear": "The linear activation's f′ is 1 everywhere: nothing saturates, and the gradient's fate is W's alone.",
    "relu": (
        "ReLU′ takes only the values 0 and 1. {zero} of the (t, unit) pairs have a⁽ᵗ⁾ ≤ 0, so f′ = 0: "
        "every path through them is cut at that step. The rest pass the gradient on undamped, "
        "and W alone decides whether it grows."
    ),
    "leaky_relu": (
        "Leaky ReLU′ takes only the values {slope} and 1: no path is cut, the units with a ≤ 0 damp "
        "it {damping}-fold. Mean f′ = {mean}."
    ),
    "smooth": (
        "Values near γ = {gamma} come from small |a⁽ᵗ⁾|; values piled up near 0 are saturated units. "
        "Here {saturated} of the values are left of the dashed line (f′ < {fraction}·γ) and the mean "
        "f′ is {mean}, against the best case γ = {gamma}. Raise σ_max(W) in the sidebar to push "
        "|a⁽ᵗ⁾| up and watch the mass move to 0."
    ),
}
PRODUCTS_NOTICE = (
    "Read at k = T = {T}: log₁₀ Π max f′ = {prod_max}, log₁₀ Π mean f′ = {prod_mean}, against "
    "log₁₀ γᵀ = {gamma_power}. The max line times σ_max(W)ᵏ (σ_max(W) = {sigma} for this network's "
    "W) bounds ‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵏ⁾‖₂: the gap between it and γᵏ is damping that γ alone cannot see."
)
# what the bound Πⱼ max f′ · σ_max(W)ᵀ says at k = T, by rc.ProductBound.kind
PRODUCTS_BOUND = {
    "shrinks": (
        "At k = T that bound is 10^({bound}) < 1: ‖∂h⁽ᵀ⁾/∂h⁽⁰⁾‖₂ must be below 1, whatever the "
        "directions of W."
    ),
    "cannot_grow": "At k = T that bound is 1: ‖∂h⁽ᵀ⁾/∂h⁽⁰⁾‖₂ cannot exceed 1, and need not shrink.",
    "may_grow": (
        "At k = T that bound is 10^({bound}) > 1: it allows ‖∂h⁽ᵀ⁾/∂h⁽⁰⁾‖₂ to exceed 1, it does not "
        "force it (the Vanishing & exploding page measures it)."
    ),
    "cut": (
        "From k = {cut_from} on the max line stops: at step t = {cut_step} every unit had f′ = 0 "
        "exactly, so every path from h⁽ᵀ⁾ back past that step is exactly zero."
    ),
    "not_a_number": "Some steps have no finite f′ (the forward pass overflowed): the bound at k = T is not a number.",
}

FLOAT64_HEADER = "5. Where float64 rounds f′ to exactly 0.0"
FLOAT64_INTRO = (
    "The two forms of each derivative below are equal as real numbers. In float64 they are not: "
    "σ(a) and tanh a round to exactly 1.0 long before their derivatives are negligible, and then "
    "σ(1 − σ) and 1 − tanh² are exactly 0.0. rnn_core evaluates the right-hand forms, which stay "
    "exact until e itself underflows. The thresholds are found by bisection over the float64 numbers "
    "(rnn_core.first_zero), for each form and each side."
)
FLOAT64_HEAD = (
    "| activation | form of f′ | a > 0: f′ = 0.0 from a = | f′ one float earlier | "
    "a < 0: f′ = 0.0 from a = | f′ one float earlier |\n|---|---|---|---|---|---|"
)
FLOAT64_ROW = "| {name} | {form}: ${formula}$ | {pos_at} | {pos_before} | {neg_at} | {neg_before} |"
NEVER = "never"
FLOAT64_NOTICE = (
    "rnn_core's forms (solid) fall on straight lines, exact until e underflows: tanh′ becomes 0.0 at "
    "a = {tanh_core}, sigmoid′ at a = {sigmoid_core}, after values as small as {tanh_core_last} and "
    "{sigmoid_core_last}. The textbook forms (dashed) follow them, then stop at a = {tanh_book} and "
    "{sigmoid_book}: their last nonzero values, {tanh_book_last} and {sigmoid_book_last}, are a "
    "multiple of float64's spacing just below 1 ({spacing}); one float further, σ or tanh is exactly "
    "1.0 and the derivative jumps to 0.0."
)
FLOAT64_MEANING = (
    "**What this means for gradients.** δ⁽ᵗ⁾ = diag(f′(a⁽ᵗ⁾)) ∂L/∂h⁽ᵗ⁾: an f′ of exactly 0.0 makes "
    "every path through that unit at that step exactly zero. No W, however large, brings it back, "
    "and a log-space analysis meets log 0 = −∞. A tiny but nonzero f′ (10⁻³⁰⁰, say) leaves the path "
    "alive and measurable. With the textbook forms a tanh unit would be cut this way from "
    "|a| = {tanh_book}, a sigmoid unit from a = {sigmoid_book} (for a < 0, σ(1 − σ) stays exact to "
    "a = −{sigmoid_book_neg}, since there σ is small and 1 − σ is not); with rnn_core's forms only "
    "from |a| = {tanh_core} and {sigmoid_core}."
)
# the live network's f′ and float64, by activation: exact values (ReLU's 0 is its definition),
# values never 0 (leaky ReLU, linear), or the two forms of a smooth f′
IN_NETWORK = {
    "relu": (
        "**In your network** ({name}): f′ has no rounding to worry about, it is 0 or 1 exactly; "
        "{zero} of the values are exactly 0, by definition (a ≤ 0)."
    ),
    "never_zero": (
        "**In your network** ({name}): f′ has no rounding to worry about, it is one of a few exact "
        "values, none of them 0."
    ),
    "smooth": (
        "**In your network** ({name}): max |a⁽ᵗ⁾| = {max_abs_a}. The textbook form would round "
        "{zero_textbook} of its f′ values to exactly 0.0; rnn_core's form rounds {zero}."
    ),
}

# --- chart labels ------------------------------------------------------------------------------------

LEGEND_ACTIVATION = "activation"
AXIS_A = "pre-activation a"
TIP_F = "f(a)"
TIP_DF = "f′(a)"
F_TITLE = "f(a)"
F_AXIS = "h = f(a)"
DF_TITLE = "f′(a)"
DF_AXIS = "f′(a) = dh/da"
DF_SUBTITLE = "dashed: γ = sup|f′|;  ◆: a point where f′ = γ"
TIP_GAMMA = "γ = sup|f′|"
TIP_ATTAINED = "f′ = γ at"
TIP_FROM = "saturated from a ="
TIP_TO = "to a ="
TIP_THRESHOLD = "f′ < {fraction}·γ ="
TIP_SATURATED = "saturated"
STRIP_TITLE = "Saturated: f′(a) < {fraction}·γ (shaded)"
STRIP_SUBTITLE = (
    "{thresholds}; a gradient through a saturated unit is damped at least {damping}× more than at f′ = γ"
)
THRESHOLD_GROUP = "f′ < {threshold} for {names}"
STRIP_NEVER = "never: f′ ≥ {fraction}·γ on all of [−{a_max}, {a_max}]"
GAMMA_TITLE = "γᵏ: the most that k factors f′ can multiply a gradient by"
GAMMA_X = "k, the number of steps back (factors f′ multiplied)"
GAMMA_Y = "γᵏ (log scale)"
TIP_GAMMA_ONLY = "γ"
TIP_GAMMA_K = "γᵏ"
HIST_X = "f′(aᵢ⁽ᵗ⁾)"
HIST_Y = "number of (t, unit) pairs"
TIP_DF_FROM = "f′ from"
TIP_DF_TO = "f′ to"
TIP_COUNT = "count"
TIP_SHARE = "share"
HIST_RULE = "{fraction}·γ = {threshold}"
TIP_RULE = "saturation threshold"
HIST_TITLE = "f′ over all t and units: {name}, γ = {gamma}"
SERIES_GAMMA = "γᵏ (the best case)"
SERIES_MAX = "Π max over units of f′"
SERIES_MEAN = "Π mean over units of f′"
PRODUCTS_TITLE = "f′ factors from h⁽ᵀ⁾ back to h⁽ᵀ⁻ᵏ⁾, multiplied"
PRODUCTS_X = "k, the number of steps back from T"
PRODUCTS_Y = "log₁₀ of the product (−1 = ÷10)"
TIP_SERIES = "series"
TIP_K = "k"
TIP_LOG10 = "log₁₀"
LEGEND_FORM = "form of f′"
FLOAT64_X = "a"
FLOAT64_Y = "log₁₀ f′(a)"
TIP_FORM = "form"
TIP_LOG10_DF = "log₁₀ f′"
TIP_EDGE = "f′ = 0.0 from a ="
ZOOM_TITLE = "a from 0 to {a_max}: the textbook forms hit 0.0"
FULL_TITLE = "a from 0 to {a_max}: rnn_core's forms hit 0.0"


def where(lo: float, hi: float) -> str:
    """Where a value is reached on the grid: one point, a symmetric pair or a whole interval."""
    return say(WHERE[rc.span_kind(lo, hi)], lo=sci(lo), hi=sci(hi))


def thresholds_text(show: list[str]) -> str:
    """ "f′ < 0.01 for tanh, ReLU; f′ < 0.0025 for sigmoid": the thresholds of the shown activations."""
    by_threshold: dict[float, list[str]] = {}
    for name in show:
        by_threshold.setdefault(FRACTION * rc.ACTIVATIONS[name].gamma, []).append(label(name))
    return "; ".join(
        say(THRESHOLD_GROUP, threshold=number(thr, "g"), names=", ".join(names))
        for thr, names in by_threshold.items()
    )


def _min_text(check: rc.GridCheck) -> str:
    template = MIN_OPEN if check.open_at_zero else MIN_REACHED
    return say(template, value=sci(check.inf), where=where(*check.inf_at))


def _max_text(check: rc.GridCheck) -> str:
    template = MAX_IS_GAMMA if check.sup_is_gamma else MAX_NOT_GAMMA
    return say(template, value=sci(check.sup), gamma=number(check.gamma, "g"), where=where(*check.sup_at))


def _values_text(check: rc.GridCheck) -> str:
    return say(CONTINUUM) if check.values is None else f"${value_set_latex(check.values)}$"


def ranges_table(data: CurveData, show: list[str]) -> str:
    """A Markdown table: f, the ranges of f and f′ (from rnn_core), γ, 1/γ, and what the fine grid
    computes for f′ (its max and where, its min and where, its distinct values)."""
    rows = []
    for name in show:
        act, check = rc.ACTIVATIONS[name], data.checks[name]
        rows.append(
            say(
                RANGES_ROW,
                name=label(name),
                f=act.latex_f,
                range_f=act.latex_range_f,
                range_df=act.latex_range_df,
                gamma=number(act.gamma, "g"),
                inverse=number(1 / act.gamma, "g"),
                max_cell=_max_text(check),
                min_cell=_min_text(check),
                values=_values_text(check),
            )
        )
    return "\n".join([say(RANGES_HEAD), *rows])


def float64_table(data: Float64Data) -> str:
    """A Markdown table: for tanh and sigmoid and each form of f′, where f′ becomes exactly 0.0 on
    each side, and f′ at the float just before that edge (np.nextafter towards 0), nonzero."""
    rows = []
    for (name, form), pair in data.table.groupby(["name", "form"], sort=False):
        cells = {}
        for side, key, sign in (("a > 0", "pos", ""), ("a < 0", "neg", "−")):
            r = pair[pair["side"] == side].iloc[0]
            never = pd.isna(r.threshold)
            cells[f"{key}_at"] = say(NEVER) if never else f"{sign}{float(r.threshold)!r}"
            cells[f"{key}_before"] = "" if never else sci(r.df_before)
        formula = STABLE_LATEX[name] if form == "rnn_core" else rc.TEXTBOOK_LATEX[name]
        rows.append(say(FLOAT64_ROW, name=label(name), form=form, formula=formula, **cells))
    return "\n".join([say(FLOAT64_HEAD), *rows])


def _edge(data: CurveData, name: str) -> str:
    edge = data.edges[name]
    if edge is None:
        return say(EDGE_NOWHERE, name=name, a_max=number(data.a_max, "g"))
    return say(EDGE_AT, name=name, a=sci(edge))


def strip_caption(show: list[str]) -> str:
    """Under the f/f′ chart: where each shown activation counts as saturated, and what that costs."""
    return say(STRIP_SUBTITLE, thresholds=thresholds_text(show), damping=number(1 / FRACTION, "g"))


def curves_notice(data: CurveData) -> str:
    """What to notice in the f/f′ chart, with the saturation edges read from the computed grid."""
    g = {n: rc.ACTIVATIONS[n].gamma for n in NAMES}
    return say(
        CURVES_NOTICE,
        gamma_sigmoid=number(g["sigmoid"], "g"),
        gamma_tanh=number(g["tanh"], "g"),
        where=where(*data.checks["tanh"].sup_at),
        fraction=number(FRACTION, "g"),
        tanh_edge=_edge(data, "tanh"),
        sigmoid_edge=_edge(data, "sigmoid"),
        slope=number(rc.LEAKY_SLOPE, "g"),
        damping=number(1 / rc.LEAKY_SLOPE, "g"),
    )


def gamma_notice(df: pd.DataFrame, k_max: int) -> str:
    """What to notice in the γᵏ chart, with sigmoid's γᵏ at k max read from the data."""
    sig = df[(df["name"] == "sigmoid") & (df["k"] == k_max)]["gamma_k"].iloc[0]
    return say(GAMMA_NOTICE, k_max=k_max, value=sci(sig))


def histogram_notice(stats: rc.DerivativeStats) -> str:
    """What to notice in the histogram of f′ values, for the live network's activation."""
    key = stats.activation if stats.activation in HISTOGRAM_NOTICE else "smooth"
    return say(
        HISTOGRAM_NOTICE[key],
        zero=number(stats.fraction_zero, ".1%"),
        saturated=number(stats.fraction_saturated, ".1%"),
        mean=sci(stats.mean),
        gamma=number(stats.gamma, "g"),
        fraction=number(FRACTION, "g"),
        slope=number(rc.LEAKY_SLOPE, "g"),
        damping=number(1 / rc.LEAKY_SLOPE, "g"),
    )


def products_notice(bound: rc.ProductBound) -> str:
    """What to notice in the products chart: the values at k = T, and what rc.ProductBound says."""
    read = say(
        PRODUCTS_NOTICE,
        T=bound.T,
        prod_max=sci(bound.log10_prod_max),
        prod_mean=sci(bound.log10_prod_mean),
        gamma_power=sci(bound.log10_gamma_power),
        sigma=number(bound.sigma_max, ".4g"),
    )
    verdict = say(
        PRODUCTS_BOUND[bound.kind],
        bound=number(bound.log10_bound, ".3g"),
        cut_from=bound.cut_from,
        cut_step=bound.cut_step,
    )
    return f"{read} {verdict}"


def float64_notice(data: Float64Data) -> str:
    """What to notice in the float64 charts, with the a > 0 edges and last values read from the table."""
    pos = data.table[data.table["side"] == "a > 0"].set_index(["name", "form"])
    t, last = pos["threshold"], pos["df_before"]
    return say(
        FLOAT64_NOTICE,
        tanh_core=number(t["tanh", "rnn_core"], ".6g"),
        sigmoid_core=number(t["sigmoid", "rnn_core"], ".6g"),
        tanh_core_last=sci(last["tanh", "rnn_core"]),
        sigmoid_core_last=sci(last["sigmoid", "rnn_core"]),
        tanh_book=number(t["tanh", "textbook"], ".6g"),
        sigmoid_book=number(t["sigmoid", "textbook"], ".6g"),
        tanh_book_last=sci(last["tanh", "textbook"]),
        sigmoid_book_last=sci(last["sigmoid", "textbook"]),
        spacing=sci(math.ulp(0.5)),
    )


def float64_meaning(data: Float64Data, stats: rc.DerivativeStats) -> str:
    """Markdown: what an f′ of exactly 0.0 does to the gradient, and where the live network stands."""
    return f"{zero_meaning(data)}\n\n{in_network(stats)}"


def zero_meaning(data: Float64Data) -> str:
    """What an f′ of exactly 0.0 does to the gradient, with the edges read from the table (the part
    of :func:`float64_meaning` that depends on no control)."""
    t = data.table.set_index(["name", "form", "side"])["threshold"]
    return say(
        FLOAT64_MEANING,
        tanh_book=number(t["tanh", "textbook", "a > 0"], ".6g"),
        sigmoid_book=number(t["sigmoid", "textbook", "a > 0"], ".6g"),
        sigmoid_book_neg=number(t["sigmoid", "textbook", "a < 0"], ".6g"),
        tanh_core=number(t["tanh", "rnn_core", "a > 0"], ".6g"),
        sigmoid_core=number(t["sigmoid", "rnn_core", "a > 0"], ".6g"),
    )


def in_network(stats: rc.DerivativeStats) -> str:
    """Where the live network's f′ values stand against float64's zeros (the part of
    :func:`float64_meaning` that depends on the network)."""
    if stats.fraction_zero_textbook is not None:
        key = "smooth"
    else:
        key = "relu" if stats.activation == "relu" else "never_zero"
    return say(
        IN_NETWORK[key],
        name=label(stats.activation),
        zero=number(stats.fraction_zero, ".1%"),
        zero_textbook=number(stats.fraction_zero_textbook or 0.0, ".1%"),
        max_abs_a=sci(stats.max_abs_a),
    )


def homework_corrections(data: CurveData) -> str:
    """Markdown: the homework's three claims about f′ and the correct statements, with computed values."""
    tanh, sig, relu = (rc.ACTIVATIONS[n] for n in ("tanh", "sigmoid", "relu"))
    ct, cs = data.checks["tanh"], data.checks["sigmoid"]
    return "\n".join(
        [
            say(HOMEWORK_TANH, range_df=tanh.latex_range_df, sup=sci(ct.sup), where=where(*ct.sup_at)),
            say(
                HOMEWORK_SIGMOID,
                range_df=sig.latex_range_df,
                sup=sci(cs.sup),
                where=where(*cs.sup_at),
                gamma=number(sig.gamma, "g"),
            ),
            say(HOMEWORK_RELU, range_df=relu.latex_range_df),
        ]
    )


def network_intro(live: NetworkDerivatives, name: str, H: int, T: int) -> str:
    """The sentence that introduces the live network's f′ values, with σ_max of its current W."""
    after = say_n(AFTER_STEP, AFTER_STEPS, live.steps_done) if live.steps_done else ""
    return say(NETWORK_INTRO, name=name, H=H, T=T, sigma=number(live.sigma_max, ".4g"), after=after)


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
