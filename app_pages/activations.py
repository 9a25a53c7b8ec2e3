"""Activation derivatives: f and f′, the bound γ = sup|f′|, saturation, and where float64 gives up."""

import streamlit as st

from ui import activations as ua
from ui import formulas as uf
from ui.activations import calls, charts, text, words
from ui.chart_cache import draw_chart, notice, show_chart
from ui.data import live_network
from ui.format import number
from ui.i18n import say
from ui.predict import calls as predictions
from ui.predict import widget as predict
from ui.state import ACTIVATION_LABELS, current_network, current_steps

net = current_network()
steps = current_steps()

st.title(say(text.TITLE))
st.write(say(text.INTRO))
st.latex(uf.jacobian_latex(with_delta=True))
st.latex(uf.BOUND_LATEX)
st.caption(say(text.BOUND_CAPTION))

st.header(say(text.CURVES_HEADER))
st.write(say(text.CURVES_INTRO))
c1, c2 = st.columns([3, 2])
show = c1.multiselect(
    say(text.SHOW_LABEL),
    list(ua.NAMES),
    default=list(ua.NAMES),
    format_func=ACTIVATION_LABELS.get,
    key=ua.SHOW_KEY,
    bind="query-params",
)
a_max = c2.slider(
    say(text.ARANGE_LABEL),
    ua.A_MAX_MIN,
    ua.A_MAX_MAX,
    ua.A_MAX_DEFAULT,
    key=ua.ARANGE_KEY,
    bind="query-params",
    help=say(text.ARANGE_HELP),
)
curves = calls.curve_data(int(a_max))
peak = predictions.peak(net.activation)
if show and predict.ask("activations", peak):
    show_chart(charts.curves_figure(int(a_max), show), text.curves_notice(curves))
    st.caption(text.strip_caption(show))
elif not show:
    st.info(say(text.CHOOSE))

st.header(say(text.RANGES_HEADER))
if show and predict.shown("activations", peak):
    st.markdown(text.ranges_table(curves, show))
    st.caption(say(text.RANGES_CAPTION, points=number(curves.check_points, ","), a_max=a_max))
elif not show:
    st.info(say(text.CHOOSE))

if predict.shown("activations", peak):
    with st.container(border=True):
        st.subheader(say(text.HOMEWORK_HEADER))
        st.markdown(text.homework_corrections(curves))

st.header(say(text.PRODUCTS_HEADER))
k_max = st.slider(
    say(text.KMAX_LABEL), ua.K_MAX_MIN, ua.K_MAX_MAX, ua.K_MAX_DEFAULT, key=ua.KMAX_KEY, bind="query-params"
)
if show and predict.ask("activations", predictions.gamma_power(net.activation, int(k_max))):
    show_chart(
        charts.gamma_figure(int(k_max), show),
        words.gamma_notice(int(k_max)),
    )
elif not show:
    st.info(say(text.CHOOSE))

st.header(say(text.NETWORK_HEADER))
live_network(net, steps)  # first at the page's level: a long descent goes to the worker (ui/offload.py)
live = calls.network_derivatives(net, steps)
stats = live.stats
st.write(text.network_intro(live, ACTIVATION_LABELS[net.activation], net.H, net.T))
st.latex(uf.saturation_latex(ua.FRACTION))
for column, (label, value, help_) in zip(st.columns(4), text.network_metrics(stats)):
    column.metric(label, value, help=help_)
if live.overflow:
    st.warning(live.overflow, icon=":material/warning:")
if stats.n_nonfinite:
    st.caption(say(text.NONFINITE, n=number(stats.n_nonfinite, ",")))
if stats.n_finite:
    histogram, products = charts.derivative_figures(net, steps)
    show_chart(histogram, text.histogram_notice(stats))
    if predict.ask("activations", predictions.product(net, steps)):
        show_chart(products, text.products_notice(live.bound))

st.header(say(text.FLOAT64_HEADER))
st.write(say(text.FLOAT64_INTRO))
for bounded in ua.BOUNDED:
    st.latex(uf.forms_latex(bounded))
float64 = words.float64_words()
st.markdown(float64.table)
zoom, full = charts.float64_figures()
left, right = st.columns(2)
draw_chart(zoom, where=left)
draw_chart(full, where=right)
st.caption(notice(float64.notice))
st.markdown(f"{float64.meaning}\n\n{text.in_network(stats)}")
