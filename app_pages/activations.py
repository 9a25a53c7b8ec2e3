"""Activation derivatives: f and f′, the bound γ = sup|f′|, saturation, and where float64 gives up."""

import streamlit as st

from ui import activations as ua
from ui.chart_cache import draw_chart, show_chart
from ui.format import sci
from ui.formulas import BOUND_LATEX, jacobian_latex
from ui.state import ACTIVATION_LABELS, current_network, current_steps

net = current_network()

st.title("Activation derivatives")
st.write(
    "Going backward through one step of a recurrent network multiplies the gradient by two things: "
    "the derivative f′ of the activation at that step's pre-activation a⁽ᵗ⁾ (one number per hidden "
    "unit) and the recurrent matrix W. Going back k steps multiplies k such pairs. So the size of "
    "f′ decides how much gradient each step lets through, and its largest possible value, "
    "**γ = sup|f′|**, caps it: a unit whose f′ is tiny is *saturated*, and the gradient through it "
    "is all but lost."
)
st.latex(jacobian_latex(with_delta=True))
st.latex(BOUND_LATEX)
st.caption(
    "δ⁽ᵗ⁾ = ∂L/∂a⁽ᵗ⁾. ‖·‖₂ is the spectral norm; σ_max(W) is W's largest singular value. The middle "
    "bound uses the f′ values the network actually produces (section 4); the right one uses only γ."
)

st.header("1. f and f′, side by side")
st.write(
    'The homework describes these curves for sigmoid, tanh and ReLU "as follows", but its figures '
    "are missing. Here they are, computed from rnn_core's own f and f′ (leaky ReLU and the linear "
    "activation added for comparison)."
)
c1, c2 = st.columns([3, 2])
show = c1.multiselect(
    "Activations to show",
    list(ua.NAMES),
    default=list(ua.NAMES),
    format_func=ACTIVATION_LABELS.get,
    key=ua.SHOW_KEY,
    bind="query-params",
)
a_max = c2.slider(
    "Range of a: from −A to A",
    ua.A_MAX_MIN,
    ua.A_MAX_MAX,
    ua.A_MAX_DEFAULT,
    key=ua.ARANGE_KEY,
    bind="query-params",
    help="The half-width A of the interval of pre-activations a drawn and checked.",
)
curves_notice, ranges_md, corrections_md, check_points = ua.curve_texts(int(a_max), show)
CHOOSE = "Choose at least one activation above to draw its curves, its row of the table and its γᵏ."
if show:
    show_chart(ua.curves_figure(int(a_max), show), curves_notice)
else:
    st.info(CHOOSE)

st.header("2. Ranges, γ and 1/γ, checked")
if show:
    st.markdown(ranges_md)
    st.caption(
        f"The ranges are rnn_core's (Activation.latex_range_f / latex_range_df). The last three columns "
        f"are computed on a grid of {check_points:,} points over [−{a_max}, {a_max}] that holds "
        "a = 0 exactly: the max of f′ equals γ and is reached (a closed end ']'), while tanh′ and sigmoid′ "
        "stay above 0 on any finite interval (an open end '('). 1/γ is the σ_max(W) below which "
        "γ·σ_max(W) < 1, so every ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖ must shrink geometrically."
    )
else:
    st.info(CHOOSE)

with st.container(border=True):
    st.subheader("What the homework gets wrong")
    st.markdown(corrections_md)

st.header("3. Multiplying k derivatives")
k_max = st.slider(
    "k max: how many steps back",
    ua.K_MAX_MIN,
    ua.K_MAX_MAX,
    ua.K_MAX_DEFAULT,
    key=ua.KMAX_KEY,
    bind="query-params",
)
if show:
    show_chart(ua.gamma_figure(int(k_max), show), ua.gamma_text(int(k_max)))
else:
    st.info(CHOOSE)

st.header("4. The derivatives your network actually produces")
live = ua.network_derivatives(net, current_steps())
stats = live.stats
name = ACTIVATION_LABELS[net.activation]
st.write(
    f"The network in the sidebar ({name}, H = {net.H}, T = {net.T}, σ_max(W) = {net.w_scale:g}"
    f"{f', after {live.steps_done} gradient step(s)' if live.steps_done else ''}) runs forward on its "
    "sequence; here is every f′(aᵢ⁽ᵗ⁾) it produced, over all steps t and units i."
)
st.latex(ua.saturation_latex())
m = st.columns(4)
m[0].metric("f′ values", f"{stats.n_finite:,}", help="T × H values f′(aᵢ⁽ᵗ⁾) (batch B = 1).")
m[1].metric(
    f"saturated (f′ < {ua.FRACTION:g}·γ)",
    f"{stats.fraction_saturated:.1%}",
    help=f"Units and steps where the gradient is damped at least {1 / ua.FRACTION:g} times more than at f′ = γ.",
)
m[2].metric(
    "exactly 0 (dead paths)",
    f"{stats.fraction_zero:.1%}",
    help="f′ = 0.0 exactly: every path through that unit at that step is zero (ReLU with a ≤ 0).",
)
m[3].metric("mean f′", sci(stats.mean), help=f"γ = {stats.gamma:g} is the most it could be.")
if live.overflow:
    st.warning(live.overflow, icon=":material/warning:")
if stats.n_nonfinite:
    st.caption(
        f"{stats.n_nonfinite:,} f′ value(s) are not numbers (a⁽ᵗ⁾ overflowed) and are left out of the "
        "counts and the charts below."
    )
if stats.n_finite:
    histogram, products = ua.derivative_figures(net, current_steps())
    show_chart(histogram, ua.histogram_notice(stats))
    show_chart(products, ua.products_notice(stats, net.w_scale))

st.header("5. Where float64 rounds f′ to exactly 0.0")
st.write(
    "The two forms of each derivative below are equal as real numbers. In float64 they are not: "
    "σ(a) and tanh a round to exactly 1.0 long before their derivatives are negligible, and then "
    "σ(1 − σ) and 1 − tanh² are exactly 0.0. rnn_core evaluates the right-hand forms, which stay "
    "exact until e itself underflows. The thresholds are found by bisection over the float64 numbers "
    "(rnn_core.saturation.first_zero), for each form and each side."
)
for bounded in ua.BOUNDED:
    st.latex(ua.forms_latex(bounded))
float64_md, float64_notice = ua.float64_texts()
st.markdown(float64_md)
zoom, full = ua.float64_figures()
left, right = st.columns(2)
draw_chart(zoom, where=left)
draw_chart(full, where=right)
st.caption(f"**Notice:** {float64_notice}")
st.markdown(ua.float64_meaning_text(net, current_steps()))
