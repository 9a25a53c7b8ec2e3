"""Update rules: gradient descent on V, W, U, and why W's and U's gradients are sums over paths."""

import streamlit as st

from ui import update_rules as ur
from ui.chart_cache import show_chart
from ui.data import live_network
from ui.format import number, time_index
from ui.formulas import model_latex
from ui.graph import MAX_STEPS as MAX_GRAPH_STEPS
from ui.graph import unrolled_dot
from ui.notices import warn_about
from ui.state import ACTIVATION_LABELS, LOSS_LABELS, MAX_STEPS, current_network, current_steps, step_slider

net = current_network()

st.title("Update rules")
st.markdown(
    "A recurrent network applies the **same** matrices at every time step: U reads the input, W "
    "carries the hidden state from one step to the next, V reads the output. Training is gradient "
    "descent, θ ← θ − lr·∂L/∂θ, on the total loss L = Σₜ L⁽ᵗ⁾. This page writes the three update "
    "rules, shows why the gradients of **W** and **U** are sums over paths through earlier steps while "
    "**V**'s is not, and computes every path term on the network in the sidebar "
    f"({ACTIVATION_LABELS[net.activation]}, H = {net.H}, T = {net.T}, {LOSS_LABELS[net.loss]}), "
    "checking each against the full gradient and against finite differences."
)

# --- the model and its update rules -------------------------------------------------------------
st.header("1. The model and its update rules")
st.markdown("The forward pass, for t = 1..T, with the activation and loss chosen in the sidebar:")
st.latex(model_latex(net.loss, net.activation))
st.markdown(
    "Backpropagation through time (BPTT) sends the error backwards: δ⁽ᵗ⁾ = ∂L/∂a⁽ᵗ⁾ collects "
    "what every later loss L⁽ˢ⁾, s ≥ t, owes to step t. Each weight gradient is then a sum over "
    "the steps where that weight was used:"
)
st.latex(ur.gradients_latex(net.loss))
st.latex(ur.weight_gradients_latex())
st.markdown(f"One gradient step with the sidebar's learning rate lr = {net.lr:g}:")
st.latex(ur.update_latex(net.lr))

# --- take gradient steps ------------------------------------------------------------------------
st.header("2. Take a gradient step")
st.markdown(
    "Apply the rules above to the network, one full-batch step at a time. The number of steps is "
    "part of the link, so a shared link reproduces the trained network exactly. **Everything below, "
    "and on the other pages, uses the network after these steps.**"
)
steps = current_steps()
live = live_network(net, steps)
col_step, col_reset, col_note = st.columns([1, 1, 3], vertical_alignment="center")
col_step.button(
    "Take one step",
    on_click=ur.take_step,
    disabled=live.stopped is not None or steps >= MAX_STEPS,
    type="primary",
    width="stretch",
)
col_reset.button("Reset to 0", on_click=ur.reset_steps, disabled=steps == 0, width="stretch")
col_note.caption(
    f"The count is “Gradient steps taken” in the sidebar (0..{MAX_STEPS}); these buttons move it."
)

warn_about(live, steps)

m1, m2, m3 = st.columns(3)
if live.steps_done >= 1:
    before, after = live.losses[-2], live.losses[-1]
    m1.metric("L before the last step", number(before, ".6g"))
    m2.metric(
        "L after the last step",
        number(after, ".6g"),
        delta=ur.loss_delta(before, after),
        delta_color="inverse",
    )
else:
    m1.metric("L of the initial network", number(live.losses[-1], ".6g"))
    m2.metric("L after the last step", "no step yet")
m3.metric("Steps taken", f"{live.steps_done}")
if live.steps_done >= 1:
    loss_df, loss_log, loss_note = ur.loss_chart_data(live.losses)
    if len(loss_df) >= 2:
        show_chart(
            ur.loss_chart(loss_df, loss_log),
            "each step moves θ against ∂L/∂θ, so L falls while lr is small enough; a step that "
            "raises L means lr overshot the valley." + (f" {loss_note}" if loss_note else ""),
        )
    else:
        st.caption(f"No loss curve: fewer than two losses are numbers. {loss_note or ''}")

# --- one loss, many paths -----------------------------------------------------------------------
st.header("3. One loss, many paths")
st.markdown(
    "Pick one loss step s and follow L⁽ˢ⁾ back to W or U. The homework writes this only for s = 3; "
    "here it is generated for any s."
)
col_s, col_wrt = st.columns([3, 1])
with col_s:
    if net.T > 1:
        s = step_slider(
            "Loss step s",
            net.T,
            ur.default_step(net.T),
            key="s",
            help="Which L⁽ˢ⁾ to differentiate; its paths reach back to every step k = 1..s.",
        )
    else:
        s = 1
        st.markdown("T = 1, so the only loss step is s = 1.")
with col_wrt:
    wrt = st.radio(
        "Differentiate with respect to",
        ur.WRT_OPTIONS,
        key="wrt",
        bind="query-params",
        horizontal=True,
    )
s = int(s)
S = time_index(s)  # "⁽³⁾": the step written as a superscript in running text

st.graphviz_chart(unrolled_dot(net.T, s=s, wrt=wrt), width="content")
st.caption(
    f"**Notice:** the red edges are the paths from L{S} back to {wrt}: every path leaves L{S} "
    f"through o{S} and h{S}, walks back along the W edges of the h row, and meets {wrt} on "
    + (
        "the W edge into h⁽ᵏ⁾ (from h⁽ᵏ⁻¹⁾). The dashed edge from h⁽⁰⁾ = 0 carries a zero term."
        if wrt == "W"
        else "the U edge into h⁽ᵏ⁾ (from x⁽ᵏ⁾)."
    )
    + f" Grey edges do not touch L{S}: nothing after step {s} can change it."
    + (" Boxes with ⋯ stand for elided steps." if net.T > MAX_GRAPH_STEPS else "")
)

st.markdown(
    f"By the chain rule, ∂L{S}/∂{wrt} is a sum of {s} term{'s' if s > 1 else ''}, one per step k "
    f"where {wrt} was used:"
)
st.latex(ur.path_expansion_latex(s, wrt))
st.markdown(
    f"The last factor ∂⁺h⁽ᵏ⁾/∂{wrt} is the **immediate** partial: it differentiates "
    f"h⁽ᵏ⁾ = f(b + W h⁽ᵏ⁻¹⁾ + U x⁽ᵏ⁾) holding h⁽ᵏ⁻¹⁾ fixed. (The homework writes ∂h⁽ᵏ⁾/∂{wrt}, "
    "which read as a total derivative would count the earlier paths twice.) The factors are:"
)
st.latex(ur.factors_latex(wrt, net.loss))
st.markdown(
    "Multiplied out right to left, the chain is the δ recursion: BPTT computes every path term "
    "at once, from one error vector per step:"
)
st.latex(ur.compact_latex(s, wrt))
st.markdown(
    f"**Why V has a single term.** V appears only in o⁽ᵗ⁾ = c + V h⁽ᵗ⁾: it acts on h{S} at step {s} "
    "and is not part of the recurrence, so no earlier h⁽ᵏ⁾ depends on it and no path runs back in time:"
)
st.latex(ur.v_single_term_latex(s))

# --- the numbers behind it ----------------------------------------------------------------------
st.header("4. The numbers behind it")
report = ur.path_report(net, live.steps_done, s, wrt)
t_over = live.trace.overflow_step
if t_over is not None and t_over <= s:
    st.error(
        f"The forward pass overflowed at t = {t_over} ≤ s = {s}: the path terms of L{S} and the "
        "checks below are not numbers. "
        + (
            f"Pick s < {t_over}, lower σ_max(W) or choose a bounded activation."
            if t_over > 1
            else "Lower σ_max(W) or choose a bounded activation."
        )
    )
st.markdown(
    f"Each path term of ∂L{S}/∂{wrt}, measured by its Frobenius norm. Two ways to say how much "
    "of the gradient it carries: its **share of Σ‖terms‖** (positive, sums to 100%) and its "
    f"**projection share** ⟨term k, ∂L{S}/∂{wrt}⟩ / ‖∂L{S}/∂{wrt}‖², which also sums to 100% but is "
    "negative for a term that points against the total, because terms can partly cancel."
)
table = ur.path_table(report)
st.dataframe(table, hide_index=True, column_config=ur.path_table_config(), height=min(38 + 35 * s, 320))
first_w, first_u = report.first_term["W"], report.first_term["U"]
if report.first_term_finite:
    st.markdown(
        f"**Row k = 1.** With h⁽⁰⁾ = 0 the first term for W, δ₁{S} h⁽⁰⁾ᵀ, is exactly zero: "
        f"‖term 1‖ = {first_w:.3g} for W. For U the first term is δ₁{S} x⁽¹⁾ᵀ, and x⁽¹⁾ ≠ 0: "
        f"‖term 1‖ = {first_u:.3g} for U."
    )
bars, bars_note = ur.path_chart_data(report)
if len(bars):
    show_chart(
        ur.path_norms_chart(bars, s, wrt),
        f"the bars are one path each; the distance s − k grows to the left. With "
        f"{ACTIVATION_LABELS[net.activation]} and σ_max(W) = {net.w_scale:g}, watch whether the "
        "norms fall (vanishing) or rise (exploding) as the path gets longer. Orange bars point "
        "against the total." + (f" {bars_note}" if bars_note else ""),
    )
else:
    st.info(f"No path term has a positive finite norm to draw: {bars_note or ''}")
if report.output_error_norm == 0:
    st.info(
        f"Every path term is exactly zero because every path starts from ∂L{S}/∂o{S}, and it is "
        f"0 here: ŷ{S} already equals the target in float64 (L{S} = {report.step_loss:.3g}), as "
        "happens when a huge hidden state saturates the softmax."
    )
elif wrt == "W" and s == 1:
    st.info(
        "With s = 1 there is one path, and it meets W on h⁽⁰⁾ = 0: ∂L⁽¹⁾/∂W = δ₁⁽¹⁾ h⁽⁰⁾ᵀ = 0. "
        "L⁽¹⁾ does not depend on W at all; pick s ≥ 2, or U."
    )

st.subheader("Reconciliation")
full_check = ur.full_gradient_check(net, live.steps_done, wrt)
c1, c2, c3 = st.columns(3)
c1.metric(f"Σₖ path terms vs BPTT of L{S}", number(report.sum_vs_bptt, ".2e"))
c2.metric(f"BPTT of L{S} vs finite differences", number(report.bptt_vs_fd, ".2e"))
if full_check.route == "sum over s":
    c3.metric(f"∂L/∂{wrt} (BPTT) vs Σₛ ∂L⁽ˢ⁾/∂{wrt}", number(full_check.error, ".2e"))
else:
    c3.metric(f"∂L/∂{wrt} (BPTT) vs finite differences", number(full_check.error, ".2e"))
sampled = report.fd_entries < report.n_entries or full_check.fd_entries < full_check.n_entries
st.caption(
    "Relative errors ‖x − y‖_F / max(‖x‖_F, ‖y‖_F); errors near 1e-16 are rounding, and finite "
    "differences agree to about 1e-7 or better while the loss is smooth. **Left:** the path terms "
    f"summed against `bptt(params, trace, s={s})`, which back-propagates L{S} alone. **Middle:** "
    f"against central differences (ε = {ur.FD_EPS:g}) of L{S}, on "
    + ur.fd_scope(report.fd_entries, report.n_entries, wrt)
    + ". **Right:** "
    + (
        f"the full gradient of L by BPTT against Σₛ ∂L⁽ˢ⁾/∂{wrt}, each of the T = {net.T} losses "
        "back-propagated on its own and the results added."
        if full_check.route == "sum over s"
        else "the full gradient of L by BPTT against central differences of L, on "
        + ur.fd_scope(full_check.fd_entries, full_check.n_entries, wrt)
        + f" (with T = {net.T}, back-propagating each L⁽ˢ⁾ on its own would take T backward passes)."
    )
    + (
        " Finite differences cost two forward passes per entry, so a large matrix is checked on a "
        "sample and only the sampled entries are compared."
        if sampled
        else ""
    )
)
fd_gap = ur.fd_disagreement(report, full_check)
if fd_gap is not None:
    st.info(
        f"Finite differences disagree with BPTT here (relative error up to {fd_gap:.2g}; "
        f"L{S} = {report.step_loss:.3g}, L = {live.trace.loss:.3g}). When the hidden state is huge or "
        f"the softmax saturated, a change of ε = {ur.FD_EPS:g} in one weight moves the loss far "
        "beyond the range where it is linear, or rounding of the loss swamps the change, so the "
        "difference quotient is not the derivative. BPTT is exact; the path-sum check on the left "
        "still holds."
    )
st.latex(ur.full_sum_latex(wrt))

with st.expander("Common mistakes (from the homework this page corrects)", expanded=False):
    for i, mistake in enumerate(ur.mistakes(s, wrt, report.single_vs_full), 1):
        st.markdown(f"**{i}. {mistake.title}.** {mistake.quote}")
        if mistake.quote_latex:
            st.latex(mistake.quote_latex)
        st.markdown(f"*Why it is wrong:* {mistake.why}")
        st.markdown("*Correct:*")
        st.latex(mistake.fix_latex)
