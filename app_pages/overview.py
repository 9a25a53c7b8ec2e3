"""Overview: the model, the network unrolled in time, what each page teaches, and this network's regime."""

import streamlit as st

import rnn_core as rc
from ui.data import live_network
from ui.formulas import BOUND_LATEX, model_latex
from ui.graph import unrolled_dot
from ui.notices import warn_about
from ui.overview import regime_sentence
from ui.state import ACTIVATION_LABELS, current_network, current_steps

net = current_network()
live = live_network(net, current_steps())

st.title("BPTT Explorer")
st.write(
    "A recurrent network reads a sequence x⁽¹⁾ … x⁽ᵀ⁾ one step at a time and carries a hidden state "
    "h⁽ᵗ⁾ from step to step. Training it means following the loss back through every step: "
    "**backpropagation through time (BPTT)**. Change the network in the sidebar and watch what "
    "that does to the gradients, on every page. Every number here is computed live from that network."
)

left, right = st.columns([2, 3])
with left:
    st.subheader("The model")
    st.latex(model_latex(net.loss))
    st.caption(
        "U (H×D) reads the input, W (H×H) carries the state forward, V (K×H) reads out; b and c "
        "are biases. The same U, W, V are used at every step: that sharing is why W's gradient "
        "sums over paths through time."
    )
with right:
    st.subheader(f"Unrolled over T = {net.T} steps")
    st.graphviz_chart(unrolled_dot(net.T), width="stretch")
    st.caption(
        "Each column is one time step. Every arrow labelled W is the same matrix: the loss at step "
        "s reaches W through each of the arrows to the left of h⁽ˢ⁾."
    )

st.subheader("What each page teaches")
c1, c2, c3 = st.columns(3)
with c1:
    st.page_link("app_pages/update_rules.py", label="Update rules", icon=":material/functions:")
    st.write(
        "Gradient descent on V, W and U: why ∂L/∂W and ∂L/∂U sum over paths through earlier "
        "steps and ∂L/∂V does not. Every path term computed and reconciled with the total."
    )
with c2:
    st.page_link("app_pages/activations.py", label="Activation derivatives", icon=":material/show_chart:")
    st.write(
        "sigmoid, tanh, ReLU and friends, their derivatives, the bound γ = sup|f′| and what "
        "multiplying many derivatives does. Where the homework's ranges go wrong."
    )
with c3:
    st.page_link("app_pages/vanishing.py", label="Vanishing & exploding", icon=":material/trending_down:")
    st.write(
        "‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖ against the distance t − k, the bound (γ·σ_max(W))^(t−k), which paths carry "
        "the gradient, and the remedies: clipping, truncation, initialisation."
    )

st.subheader("This network")
summary = rc.spectral_summary(live.params.W, net.activation)
m = st.columns(5)
m[0].metric(
    "σ_max(W)",
    f"{summary.sigma_max:.4g}",
    help="Largest singular value of W: how much W can stretch a vector.",
)
m[1].metric("ρ(W)", f"{summary.rho:.4g}", help="Spectral radius: the largest |eigenvalue| of W.")
m[2].metric(f"γ of {ACTIVATION_LABELS[net.activation]}", f"{summary.gamma:g}", help="γ = sup|f′(a)|.")
m[3].metric("γ·σ_max(W)", f"{summary.bound_base:.4g}", help="The base of the bound on ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖₂.")
m[4].metric("Loss L", f"{live.trace.loss:.6g}", help="Σₜ L⁽ᵗ⁾ on this network's sequence (B = 1).")
st.latex(BOUND_LATEX)
st.markdown(regime_sentence(summary))
if abs(summary.sigma_max - summary.rho) > 1e-9 * summary.sigma_max:
    st.caption(
        f"Here ρ(W) = {summary.rho:.4g} < σ_max(W) = {summary.sigma_max:.4g}: for a non-normal W the "
        "eigenvalues understate how much W can stretch a vector, so the bound uses σ_max."
    )
if live.steps_done:
    st.caption(f"After {live.steps_done} gradient step(s) with lr = {net.lr:g} (sidebar).")
warn_about(live, current_steps())
