"""Overview: the model, the network unrolled in time, what each page teaches, and this network's regime."""

import streamlit as st

from ui.data import live_network
from ui.formulas import BOUND_LATEX, model_latex
from ui.graph import unrolled_dot
from ui.i18n import say
from ui.notices import warn_about
from ui.overview import calls
from ui.overview import text as tx
from ui.site import PAGES
from ui.state import ACTIVATION_LABELS, current_network, current_steps

net = current_network()
live = live_network(net, current_steps())

st.title(say(tx.TITLE))
st.write(say(tx.INTRO))

left, right = st.columns([2, 3])
with left:
    st.subheader(say(tx.MODEL_HEADER))
    st.latex(model_latex(net.loss))
    st.caption(say(tx.MODEL_CAPTION))
with right:
    st.subheader(say(tx.UNROLLED_HEADER, T=net.T))
    st.graphviz_chart(unrolled_dot(net.T), width="stretch")
    st.caption(say(tx.UNROLLED_CAPTION))

st.subheader(say(tx.PAGES_HEADER))
others = [p for p in PAGES if p.url_path]
for row in range(0, len(others), 3):
    for column, p in zip(st.columns(3), others[row : row + 3]):
        with column:
            st.page_link(p.script, label=say(p.title), icon=p.icon)
            st.write(say(p.blurb))

st.subheader(say(tx.NETWORK_HEADER))
summary = calls.spectral_summary(net, current_steps())
for column, (label, value, help_text) in zip(
    st.columns(5), tx.metrics(summary, ACTIVATION_LABELS[net.activation], live.trace.loss)
):
    column.metric(label, value, help=help_text)
st.latex(BOUND_LATEX)
st.markdown(tx.regime_sentence(summary, net.activation))
if note := tx.non_normal_note(summary):
    st.caption(note)
if after := tx.after_steps(live.steps_done, net.lr):
    st.caption(after)
warn_about(live, current_steps())
