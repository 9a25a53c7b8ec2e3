"""Work it by hand: a worked example small enough for paper, every number in order, and the
student's own values checked."""

import streamlit as st

from ui.by_hand import calls, controls, sections
from ui.by_hand import text as tx
from ui.i18n import say

st.title(say(tx.TITLE))

st.markdown(say(tx.INTRO))
st.caption(say(tx.OWN_NETWORK))

st.header(say(tx.SETTINGS_HEADER))
settings = controls.example_controls()
ex = calls.example(settings)
st.markdown(tx.exercise_summary(ex))
if ex.draw:
    st.info(say(tx.KINK_REDRAWN, seed=ex.seed, draw=ex.draw), icon=":material/info:")

st.header(say(tx.GIVEN_HEADER))
st.markdown(say(tx.GIVEN_LEAD, decimals=ex.decimals))
sections.given_values(ex)
st.caption(tx.targets_note(ex))
st.markdown(say(tx.MODEL_LEAD))
sections.model(ex)

st.header(say(tx.STEPS_HEADER))
sections.tolerance()
sections.reveal_buttons(ex)
for stage in tx.WORKED_STAGES:
    sections.stage(settings, ex, stage)

st.header(say(tx.EXPORT_HEADER))
st.markdown(say(tx.EXPORT_LEAD))
sections.downloads(settings)
