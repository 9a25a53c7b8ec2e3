"""Vanishing & exploding: how far back the gradient reaches, which paths carry it, the regimes, the remedies."""

import streamlit as st

from ui import vanishing as v
from ui.chart_cache import show_chart
from ui.data import live_network
from ui.format import number, pow10_plain
from ui.formulas import BOUND_LATEX, JACOBIAN_LATEX, clip_latex
from ui.notices import explain_nonfinite, overflow_message, warn_about
from ui.state import ACTIVATION_LABELS, INIT_LABELS, current_network, current_steps, step_slider

net = current_network()
steps = current_steps()
live = live_network(net, steps)
T = net.T

st.title("Vanishing & exploding gradients")
st.write(
    "The loss at step s reaches the weights at an earlier step k only through the chain "
    "h⁽ᵏ⁾ → h⁽ᵏ⁺¹⁾ → … → h⁽ˢ⁾. Each link multiplies the error by the Jacobian "
    "∂h⁽ʲ⁾/∂h⁽ʲ⁻¹⁾ = diag(f′(a⁽ʲ⁾)) W, so an error that travels d steps is multiplied by d such "
    "matrices. A product of many matrices shrinks or grows geometrically: the error from far away "
    "either **vanishes** (W learns nothing about long-range dependencies) or **explodes** (one "
    "gradient step throws the weights away). With γ = sup|f′| and σ_max(W) the largest singular "
    "value of W, each factor has norm at most γ·σ_max(W):"
)
st.latex(JACOBIAN_LATEX)
st.latex(BOUND_LATEX)
st.write(
    "So σ_max(W) < 1/γ is enough for vanishing; σ_max(W) > 1/γ is needed for explosion but does "
    "not cause it (Pascanu, Mikolov & Bengio 2013). "
    + v.gamma_sentence()
    + " Everything below is computed live on the network set in the sidebar"
    + (f", after {live.steps_done} gradient step(s)." if live.steps_done else ".")
)
warn_about(live, steps)

# --- 1. the Jacobian profile ---------------------------------------------------------------------
st.header("1. How far back does the gradient reach?")
prof = v.profile(net, steps)
s = prof.summary
m = st.columns(5)
m[0].metric("σ_max(W)", number(s.sigma_max), help="Largest singular value of W: ‖W‖₂.")
m[1].metric("ρ(W)", number(s.rho), help="Spectral radius: the largest |eigenvalue| of W.")
m[2].metric(f"γ of {ACTIVATION_LABELS[net.activation]}", f"{s.gamma:g}", help="γ = sup|f′(a)|.")
m[3].metric("γ·σ_max(W)", number(s.bound_base), help="The base of the bound (γ·σ_max(W))ᵈ.")
m[4].metric(
    "log₁₀‖∂h⁽ᵀ⁾/∂h⁽⁰⁾‖₂",
    number(prof.log_norms[-1], ".2f"),
    help=f"The norm across all T = {T} steps, as its log₁₀ (finite even beyond float64): "
    f"{pow10_plain(prof.log_norms[-1])}.",
)
st.latex(v.bound_latex(s, net.activation))
st.markdown(v.regime_text(prof, net.activation))
show_chart(
    v.profile_chart(prof),
    "the measured curve (blue) always stays under the bound (red, dashed); its slope is the log of "
    "the average factor per step. The grey line is what a linear network with a normal W of the "
    "same ρ(W) would give: for a non-normal W it is not a bound (see section 5). Computed in log "
    "space, so the curve stays finite where the norm itself overflows float64.",
)
for note in v.profile_notes(prof, net.activation, overflow_message(live.trace)):
    st.info(note)

# --- 2. which paths carry the gradient ---------------------------------------------------------------
st.header("2. Which paths carry ∂L/∂W?")
st.write(
    "∂L/∂W sums one term δₖ⁽ˢ⁾ h⁽ᵏ⁻¹⁾ᵀ for every loss L⁽ˢ⁾ and every earlier step k ≤ s: the path "
    "L⁽ˢ⁾ → o⁽ˢ⁾ → h⁽ˢ⁾ → … → h⁽ᵏ⁾ → W, which crosses d = s − k steps. C[s, k] is the size of that "
    "term. Grouping the terms by distance gives G_d; its share p_d says how much of the gradient "
    "comes from dependencies d steps long."
)
st.latex(v.DISTANCE_LATEX)
acc = v.accounting(net, steps)
if v.has_finite(acc.C, positive=True):
    show_chart(
        v.contribution_chart(acc.C),
        "the diagonal (s = k, distance 0) is the short path straight from L⁽ˢ⁾; moving left along a "
        "row goes further back in time. When gradients vanish the colour fades by decades away from "
        "the diagonal; when they explode it brightens. Grey cells are exactly zero: the whole column "
        "k = 1, because that term is δ₁⁽ˢ⁾h⁽⁰⁾ᵀ and h⁽⁰⁾ = 0, and any path cut by f′ = 0 (ReLU units off).",
    )
nonfinite_c = explain_nonfinite(acc.C, "C[s, k]")
if nonfinite_c:
    st.info(nonfinite_c)
if v.has_finite(acc.split.shares):
    show_chart(
        v.distance_chart(acc.split),
        "top: the size of each distance's part G_d (log scale); bottom: its share p_d of ∂L/∂W, "
        "which sum to 1 (a negative share points against the total). Vanishing gradients put nearly "
        "all of the share at small d: W is trained almost only by short dependencies. (G at "
        "d = T − 1 is the single term through k = 1, zero because h⁽⁰⁾ = 0, so the log scale leaves "
        "it out.)",
    )
c = st.columns(3)
c[0].metric("‖∂L/∂W‖_F", number(acc.split.total_norm, ".4g"))
c[1].metric(
    "Σ_d G_d vs BPTT's ∂L/∂W",
    number(acc.reconcile, ".1e"),
    help="Relative error ‖Σ_d G_d − ∂L/∂W‖/‖∂L/∂W‖ between the distance split and rnn_core.bptt.",
)
c[2].metric("Σ_d p_d", number(v.share_sum(acc.split), ".12f"), help="The shares sum to 1.")
zero_note = v.zero_gradient_note(acc.split, T)
if zero_note:
    st.info(zero_note)

# --- 3. the regime map ---------------------------------------------------------------------------------
st.header("3. The regime map")
st.write(
    "Which of the two regimes a network lands in depends mostly on σ_max(W) and the activation. "
    "Each cell below is a network with the sidebar's H, T, D, seed and W initialisation, W rescaled "
    "so that σ_max(W) is the cell's column, and the row's activation; the colour is "
    "log₁₀‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂ at the distance d you pick. Black ticks mark σ_max(W) = 1/γ: to their "
    "left vanishing is guaranteed."
)
if T > 1:
    dist = step_slider(
        "Distance d (steps back from T)",
        T,
        v.DEFAULT_DIST,
        key="dist",
        help="The map shows ‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂: how much of an error survives d steps back from the last step.",
    )
else:
    dist = 1
    st.caption("T = 1: the only distance is d = 1.")
rmap = v.regime(net.D, net.H, net.K, T, net.w_init, net.seed, dist)
edges = v.map_edges()
show_chart(
    v.regime_map_chart(rmap, edges, s.sigma_max, net.activation, prof.log_norms[dist]),
    v.map_notice(),
)
outside = v.marker_note(s.sigma_max, edges)
if outside:
    st.caption(outside)
if live.steps_done:
    st.caption(
        f"The map's networks are untrained; the diamond is your network after {live.steps_done} "
        "gradient step(s), placed at its current σ_max(W)."
    )
for note in v.map_notes(rmap):
    st.info(note)

# --- 4. remedies ------------------------------------------------------------------------------------
st.header("4. Remedies")
st.subheader("Truncated BPTT")
st.write(
    "Truncated BPTT stops each error after τ steps: it keeps the paths with s − k < τ, the sum of "
    "G_d for d < τ. It makes each step cheaper and bounds how far an explosion can compound, at "
    "the price of the long-range part of the gradient."
)
st.latex(v.TRUNCATION_LATEX)
if T > 1:
    tau = step_slider(
        "Truncation length τ",
        T,
        v.DEFAULT_TAU,
        key="tau",
        help="Truncated BPTT keeps the paths that cross fewer than τ steps.",
    )
else:
    tau = 1
    st.caption("T = 1: τ = 1 is the whole gradient.")
sp = acc.split
m = st.columns(3)
m[0].metric(f"kept ‖g_τ‖ / ‖∂L/∂W‖, τ = {tau}", number(sp.kept[tau - 1], ".4g"))
m[1].metric("cosine(g_τ, ∂L/∂W)", number(sp.cosine[tau - 1], ".6f"))
m[2].metric("dropped ‖Σ_(d≥τ) G_d‖ / ‖∂L/∂W‖", number(sp.dropped[tau - 1], ".3g"))
st.markdown(v.truncation_text(sp, tau, T))
if v.has_finite(acc.split.kept):
    show_chart(
        v.truncation_chart(acc.split, tau),
        "both curves reach 1 at τ = T (full BPTT). If they are already near 1 at small τ, the "
        "gradient was short-range anyway and truncation is free; a slow rise means long-range paths "
        "matter and truncation discards them.",
    )

st.subheader("Gradient clipping")
st.write(
    "Clipping fights explosion. Norm clipping (Pascanu et al. 2013, Algorithm 1) rescales the whole "
    "gradient g (all of U, W, V, b, c) when its norm exceeds the threshold, keeping its direction; elementwise "
    "clipping cuts each entry to [−threshold, threshold], which turns the direction."
)
st.latex(clip_latex())
threshold = st.select_slider(
    "Threshold",
    options=v.CLIP_THRESHOLDS,
    value=v.DEFAULT_CLIP,
    format_func=v.clip_label,
    key="clip",
    bind="query-params",
    help="Log-spaced thresholds. Norm clipping acts when ‖g‖ > threshold; elementwise when some |gᵢ| > threshold.",
)
clip = v.clipping(net, steps, float(threshold), tau)
cc = clip.comparison
m = st.columns(4)
m[0].metric("‖g‖ before", number(cc.norm_before, ".4g"))
m[1].metric("‖g‖ after norm clipping", number(cc.norm_after, ".4g"))
m[2].metric("cosine, norm clipping", number(cc.norm_cosine, ".6f"), help="cos∠(clipped g, g)")
m[3].metric("cosine, elementwise", number(cc.elementwise_cosine, ".6f"), help="cos∠(clipped g, g)")
st.markdown(v.clip_text(cc))
if cc.finite:
    cos_chart, norm_chart = v.clipping_charts(clip.sweep, float(threshold), cc.norm_before)
    left, right = st.columns(2)
    with left:
        show_chart(
            cos_chart,
            "norm clipping's cosine is exactly 1 at every threshold: it only rescales. Elementwise clipping's "
            "drops once the threshold falls below the largest entries: it changes the direction of descent.",
        )
    with right:
        show_chart(
            norm_chart,
            f"left of ‖g‖ = {cc.norm_before:.3g} (a dashed line, like your threshold) norm clipping caps the "
            "length at exactly the threshold; elementwise clipping caps it only loosely, at up to the threshold times the "
            "square root of the number of entries.",
        )
st.info(v.long_range_text(clip.long, cc))

st.subheader("Initialisation")
st.write(
    "An orthogonal W has all its singular values equal: with σ_max(W) = 1 it neither stretches nor "
    "shrinks any direction, so a linear network would keep ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖ = 1 at every distance. The "
    "identity is the simplest orthogonal matrix (the idea behind IRNN: ReLU with W = I). A gaussian "
    "W rescaled to the same σ_max has most singular values far below it, so products of it shrink "
    "faster. The three initial networks below share everything else in the sidebar."
)
profiles = v.init_profiles(net)
m = st.columns(len(profiles))
for col, (w_init, p) in zip(m, profiles.items()):
    col.metric(
        f"{INIT_LABELS[w_init]}: log₁₀‖∂h⁽ᵀ⁾/∂h⁽⁰⁾‖₂",
        number(p.log_norms[-1], ".2f"),
        help=f"The initial network with {INIT_LABELS[w_init]} W, across all T = {T} steps.",
    )
show_chart(
    v.init_chart(profiles),
    f"at σ_max(W) = {net.w_scale:g} (sidebar) and {ACTIVATION_LABELS[net.activation]}, the curves "
    "start together and part with distance; the gaussian one usually falls fastest. Set σ_max(W) to "
    f"1 and the activation to linear to see orthogonal and identity stay flat at 0. Your W init is "
    f"{INIT_LABELS[net.w_init]}. Initialisation sets the start only: training moves W.",
)

# --- 5. non-normal W -------------------------------------------------------------------------------------
st.header("5. ρ or σ_max? A non-normal W")
pp = v.nonnormal()
st.write(
    "For a linear network ∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ = Wᵗ⁻ᵏ. Its eigenvalues say where Wⁿ ends up (‖Wⁿ‖^(1/n) → ρ(W)), "
    f"not how large it gets on the way. For this W, ρ(W) = {pp.rho:g} < 1, yet ‖Wⁿ‖ is far above ρⁿ "
    "for many steps before it decays: a gradient can grow even though every eigenvalue is inside "
    "the unit circle. Only σ_max(W) bounds every step, which is why the bound uses it."
)
st.latex(v.matrix_latex(v.NONNORMAL_W))
st.latex(v.power_latex(pp))
st.latex(v.POWER_BOUNDS_LATEX)
m = st.columns(4)
m[0].metric("ρ(W)", f"{pp.rho:.4g}")
m[1].metric("σ_max(W)", f"{pp.sigma_max:.4g}")
m[2].metric(
    "largest ‖Wⁿ‖₂", pow10_plain(pp.peak_log_norm, 3), help=f"Over n = 1..{v.NONNORMAL_N}, from log₁₀."
)
m[3].metric("at n =", f"{pp.peak_n}")
show_chart(v.power_chart(pp), v.power_notice(pp))
