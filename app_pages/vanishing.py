"""Vanishing & exploding: how far back the gradient reaches, which paths carry it, the regimes, the remedies.

Section 1 is always computed; each section after it is an expander computed only while open (see
ui.vanishing.sections.section); sections 2–4 start closed. Each section is a fragment
(``ui.turns.fragment``): opening it, closing it or moving its own controls reruns that section only, not
the page and the sidebar (a class of a hundred opens sections all the time). The sidebar's network,
its live state and its profile reach them as arguments, computed again by every full run.
"""

import streamlit as st

from ui import formulas, turns
from ui.chart_cache import show_chart
from ui.data import live_network
from ui.i18n import say
from ui.notices import overflow_message, warn_about
from ui.predict import calls as predictions
from ui.predict import widget as predict
from ui.state import current_network, current_steps
from ui.vanishing import calls, charts
from ui.vanishing import text as t
from ui.vanishing.chain import ledger_and_chain
from ui.vanishing.sections import DEFAULT_OPEN, distance_slider, metrics, notes, section

net, steps = current_network(), current_steps()
live = live_network(net, steps)
prof = calls.profile(net, steps)  # sections 1, 3 and 4 read it


def label(name: str) -> str:
    """Section ``name``'s label: what it holds, and whether it is computed when opened."""
    return t.section_label(name, DEFAULT_OPEN[name])


st.title(say(t.TITLE))
st.write(say(t.INTRO))
st.latex(formulas.JACOBIAN_LATEX)
st.latex(formulas.BOUND_LATEX)
st.write(t.intro_bound(live.steps_done))
warn_about(live, steps)


# --- 1. the Jacobian profile ---------------------------------------------------------------------
@turns.fragment
def profile_section(net, steps: int, live, prof) -> None:
    T = net.T
    st.header(say(t.HEADER_PROFILE))
    if predict.ask("vanishing", predictions.regime(net, steps)):
        metrics(t.profile_metrics(prof, net.activation, T))
        st.latex(t.bound_formula(prof.summary, net.activation))
        st.markdown(t.regime_text(prof, net.activation))
        show_chart(charts.profile_chart(prof), say(t.PROFILE_NOTICE))
        notes(t.profile_notes(prof, net.activation, overflow_message(live.trace)))


# --- 2. which paths carry the gradient -------------------------------------------------------------
@turns.fragment
def paths_section(net, steps: int) -> None:
    T = net.T
    st.header(say(t.HEADER_PATHS))
    with section("paths", label("paths"), opened_by=("cs", "ck")) as box:
        if box.open:
            st.write(say(t.PATHS_INTRO))
            st.latex(formulas.DISTANCE_LATEX)
            ledger_and_chain(
                net, steps, calls.ledger(net, steps), say(t.CONTRIBUTION_NOTICE), say(t.CONTRIBUTION_WHAT)
            )
            acc = calls.accounting(net, steps)
            if charts.has_finite(acc.split.shares):
                show_chart(charts.distance_chart(acc.split), say(t.DISTANCE_NOTICE))
            metrics(t.accounting_metrics(acc.split, acc.reconcile, acc.share_sum))
            notes([t.zero_gradient_note(acc.split, T)])


# --- 3. the regime map -----------------------------------------------------------------------------
@turns.fragment
def map_section(net, steps: int, live, prof) -> None:
    T = net.T
    st.header(say(t.HEADER_MAP))
    with section("map", label("map"), opened_by=("dist",)) as box:
        if box.open:
            st.write(say(t.MAP_INTRO))
            dist = distance_slider(
                say(t.DIST_LABEL),
                T,
                calls.DEFAULT_DIST,
                key="dist",
                help=say(t.DIST_HELP),
                one_step=say(t.DIST_ONE_STEP),
            )
            rmap = calls.regime(net.D, net.H, net.K, T, net.w_init, net.seed, dist)
            sigma = prof.summary.sigma_max
            show_chart(
                charts.regime_map_chart(rmap, calls.MAP_EDGES, sigma, net.activation, prof.log_norms[dist]),
                t.map_notice(),
            )
            notes(
                [t.marker_note(sigma, calls.MAP_EDGES), t.map_trained_note(live.steps_done)], show=st.caption
            )
            notes(t.map_notes(rmap))


# --- 4. remedies ------------------------------------------------------------------------------------
@turns.fragment
def truncation_and_clipping(net, steps: int) -> None:
    """Truncation and clipping: one fragment, since clipping splits the gradient at the truncation's τ."""
    T = net.T
    st.header(say(t.HEADER_REMEDIES))
    st.subheader(say(t.HEADER_TRUNCATION))
    tau = None  # the truncation length τ, when its section is open
    with section("truncation", label("truncation"), opened_by=("tau",)) as box:
        if box.open:
            st.write(say(t.TRUNCATION_INTRO))
            st.latex(formulas.TRUNCATION_LATEX)
            tau = distance_slider(
                say(t.TAU_LABEL),
                T,
                calls.DEFAULT_TAU,
                key="tau",
                help=say(t.TAU_HELP),
                one_step=say(t.TAU_ONE_STEP),
            )
            acc = calls.accounting(net, steps)
            metrics(t.truncation_metrics(acc.split, tau))
            st.markdown(t.truncation_text(acc.split, tau, T))
            if charts.has_finite(acc.split.kept):
                show_chart(charts.truncation_chart(acc.split, tau), say(t.TRUNCATION_NOTICE))

    st.subheader(say(t.HEADER_CLIPPING))
    with section("clipping", label("clipping"), opened_by=("clip",)) as box:
        if box.open:
            st.write(say(t.CLIPPING_INTRO))
            st.latex(formulas.clip_latex())
            threshold = st.select_slider(
                say(t.THRESHOLD_LABEL),
                options=calls.CLIP_THRESHOLDS,
                value=calls.DEFAULT_CLIP,
                format_func=t.clip_label,
                key="clip",
                bind="query-params",
                help=say(t.THRESHOLD_HELP),
            )
            if tau is None:  # the long-range part is split at the truncation section's τ: its default
                tau = min(calls.DEFAULT_TAU, T)
                st.caption(say(t.TAU_OF_CLOSED, tau=tau))
            clip = calls.clipping(net, steps, float(threshold), tau)
            metrics(t.clipping_metrics(clip.comparison))
            st.markdown(t.clip_text(clip.comparison))
            if clip.comparison.finite:
                cos_chart, norm_chart = charts.clipping_charts(
                    clip.sweep, float(threshold), clip.comparison.norm_before
                )
                left, right = st.columns(2)
                with left:
                    show_chart(cos_chart, say(t.COSINE_NOTICE))
                with right:
                    show_chart(norm_chart, t.clipped_norm_notice(clip.comparison))
            if predict.ask("vanishing", predictions.clip_long_range(net, steps, float(threshold), tau)):
                st.info(t.long_range_text(clip.long, clip.comparison))


@turns.fragment
def init_section(net, live, prof) -> None:
    T = net.T
    st.subheader(say(t.HEADER_INIT))
    with section("init", label("init")) as box:
        if box.open:
            st.write(say(t.INIT_INTRO))
            profiles = calls.init_profiles(net)
            metrics(t.init_metrics(profiles, T))
            show_chart(charts.init_chart(profiles), t.init_notice(net.w_scale, net.activation, net.w_init))
            notes([t.init_trained_note(net.w_scale, live.steps_done, prof.summary)], show=st.caption)


# --- 5. non-normal W (no network input: cheap at every size, open by default) ----------------------
@turns.fragment
def nonnormal_section() -> None:
    st.header(say(t.HEADER_NONNORMAL))
    with section("nonnormal", label("nonnormal")) as box:
        if box.open:
            pp = calls.nonnormal()
            st.latex(t.matrix_formula(calls.NONNORMAL_W))
            if predict.ask("vanishing", predictions.transient()):
                st.write(t.nonnormal_intro(pp))
                st.latex(t.power_formula(pp))
                st.latex(formulas.POWER_BOUNDS_LATEX)
                metrics(t.nonnormal_metrics(pp))
                show_chart(charts.power_chart(pp), t.power_notice(pp))


profile_section(net, steps, live, prof)
paths_section(net, steps)
map_section(net, steps, live, prof)
truncation_and_clipping(net, steps)
init_section(net, live, prof)
nonnormal_section()
