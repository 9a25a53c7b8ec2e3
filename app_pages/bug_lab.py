"""Bug lab: rnn_core's BPTT replaced by a variant with one classic bug, to find from its gradient check."""

import streamlit as st

from ui.bug_lab import bugs, calls, sections
from ui.bug_lab import text as tx
from ui.i18n import say
from ui.state import current_network, current_steps

net, steps = current_network(), current_steps()

st.title(say(tx.TITLE))
st.markdown(say(tx.INTRO))
link = sections.read_link()
sections.bug_controls(link)
with st.expander(say(tx.CODE_LABEL)):
    st.code("\n".join(bugs.reference_source()), language="python")
    st.caption(say(tx.CODE_NOTE))

st.header(say(tx.HEADER_CHECK))
result = calls.lab_check(net, steps, link.bug)
sections.settings_section(result)
sections.check_section(result)

sections.guess_section(link)
if link.reveal:
    sections.reveal_section(link, result)
