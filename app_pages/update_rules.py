"""Update rules: gradient descent on V, W, U, and why W's and U's gradients are sums over paths."""

import streamlit as st

from ui import formulas as fm
from ui.chart_cache import show_chart
from ui.data import live_network
from ui.format import number, tex_number
from ui.graph import MAX_STEPS as MAX_GRAPH_STEPS
from ui.graph import unrolled_dot
from ui.i18n import say
from ui.notices import warn_about
from ui.predict import calls as predictions
from ui.predict import widget as predict
from ui.state import ACTIVATION_LABELS, LOSS_LABELS, MAX_STEPS, current_network, current_steps, step_slider
from ui.update_rules import calls, charts, controls
from ui.update_rules import text as tx

net = current_network()
activation = ACTIVATION_LABELS[net.activation]

st.title(say(tx.TITLE))
st.markdown(say(tx.INTRO, activation=activation, H=net.H, T=net.T, loss=LOSS_LABELS[net.loss]))
st.page_link("app_pages/by_hand.py", label=say(tx.BY_HAND_LINK), icon=":material/edit_note:")

st.header(say(tx.MODEL_HEADER))
st.markdown(say(tx.MODEL_LEAD))
st.latex(fm.model_latex(net.loss, net.activation))
st.markdown(say(tx.BPTT_LEAD))
st.latex(fm.gradients_latex(net.loss))
st.latex(fm.WEIGHT_GRADIENTS_LATEX)
st.markdown(say(tx.UPDATE_LEAD, lr=number(net.lr, "g")))
st.latex(fm.update_latex(tex_number(net.lr, "g")))
predict.ask("update_rules", predictions.batch_sum(net, current_steps()))

st.header(say(tx.STEP_HEADER))
st.markdown(say(tx.STEP_LEAD))
steps = current_steps()
live = live_network(net, steps)
predict.ask("update_rules", predictions.next_step(net, steps))
col_step, col_reset, col_note = st.columns([1, 1, 3], vertical_alignment="center")
can_step = live.stopped is None and steps < MAX_STEPS
col_step.button(
    say(tx.TAKE_STEP), on_click=controls.take_step, disabled=not can_step, type="primary", width="stretch"
)
col_reset.button(say(tx.RESET), on_click=controls.reset_steps, disabled=steps == 0, width="stretch")
col_note.caption(say(tx.STEP_NOTE, max_steps=MAX_STEPS))
warn_about(live, steps)

m1, m2, m3 = st.columns(3)
if live.steps_done >= 1:
    before, after = live.losses[-2], live.losses[-1]
    m1.metric(say(tx.LOSS_BEFORE), number(before, ".6g"))
    m2.metric(
        say(tx.LOSS_AFTER), number(after, ".6g"), delta=tx.loss_delta(before, after), delta_color="inverse"
    )
else:
    m1.metric(say(tx.LOSS_INITIAL), number(live.losses[-1], ".6g"))
    m2.metric(say(tx.LOSS_AFTER), say(tx.NO_STEP_YET))
m3.metric(say(tx.STEPS_TAKEN), str(live.steps_done))
if live.steps_done >= 1:
    loss_df, loss_log, dropped = charts.loss_chart_data(live.losses)
    if len(loss_df) >= 2:
        show_chart(charts.loss_chart(loss_df, loss_log, net.loss), tx.loss_notice(dropped))
    else:
        st.caption(tx.no_loss_curve(dropped))

st.header(say(tx.PATHS_HEADER))
st.markdown(say(tx.PATHS_LEAD))
col_s, col_wrt = st.columns([3, 1])
with col_s:
    if net.T > 1:
        s = step_slider(say(tx.S_LABEL), net.T, controls.default_step(net.T), key="s", help=say(tx.S_HELP))
    else:
        s = 1
        st.markdown(say(tx.ONLY_STEP))
with col_wrt:
    wrt = st.radio(say(tx.WRT_LABEL), controls.WRT_OPTIONS, key="wrt", bind="query-params", horizontal=True)

st.graphviz_chart(unrolled_dot(net.T, s=s, wrt=wrt), width="content")
st.caption(tx.graph_notice(s, wrt, elided=net.T > MAX_GRAPH_STEPS))
st.markdown(tx.expansion_lead(s, wrt))
st.latex(fm.path_expansion_latex(s, wrt))
st.markdown(say(tx.IMMEDIATE_NOTE, wrt=wrt))
st.latex(fm.factors_latex(wrt, net.loss))
st.markdown(say(tx.CHAIN_LEAD))
st.latex(fm.compact_latex(s, wrt))
st.markdown(tx.at_step(tx.V_SINGLE, s))
st.latex(fm.v_single_term_latex(s))

st.header(say(tx.NUMBERS_HEADER))
report = calls.path_report(net, live.steps_done, s, wrt)
if overflowed := tx.overflowed(report.overflow):
    st.error(overflowed)
st.markdown(tx.at_step(tx.TABLE_LEAD, s, wrt=wrt))
if predict.ask("update_rules", predictions.zero_term(net, live.steps_done, s, wrt)):
    st.dataframe(charts.path_table(report), **charts.path_table_options(s))
    if row_k1 := tx.row_k1(report):
        st.markdown(row_k1)
    bars = charts.path_chart_data(report)
    note = tx.bars_note(report.overflow)
    if len(bars):
        show_chart(charts.path_norms_chart(bars, s, wrt), tx.bars_notice(activation, report.bound, s, note))
    else:
        st.info(tx.no_bars(note))
if info := tx.path_info(report):
    st.info(info)

st.subheader(say(tx.RECONCILIATION))
full_check = calls.full_gradient_check(net, live.steps_done, wrt)
c1, c2, c3 = st.columns(3)
c1.metric(tx.at_step(tx.PATH_SUM_METRIC, s), tx.error(report.sum_vs_bptt))
c2.metric(tx.at_step(tx.STEP_FD_METRIC, s), tx.error(report.bptt_vs_fd))
c3.metric(say(tx.FULL_METRIC[full_check.route], wrt=wrt), tx.error(full_check.error))
st.caption(tx.checks_caption(report, full_check, net.T, calls.FD_EPS))
if (fd_gap := calls.fd_disagreement(report, full_check)) is not None:
    st.info(tx.fd_gap(fd_gap, report, live.trace.loss, calls.FD_EPS))
st.latex(fm.full_sum_latex(wrt))

with st.expander(say(tx.MISTAKES_LABEL), expanded=False):
    for i, mistake in enumerate(tx.mistakes(s, wrt, report.single_vs_full, T=net.T), 1):
        st.markdown(say(tx.MISTAKE_HEAD, i=i, title=mistake.title, quote=mistake.quote))
        st.latex(mistake.quote_latex)
        st.markdown(say(tx.MISTAKE_WHY, why=mistake.why))
        st.markdown(say(tx.MISTAKE_CORRECT))
        st.latex(mistake.fix_latex)
