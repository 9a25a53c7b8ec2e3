"""Training lab: train the sidebar's network on a long-range task and watch vanishing and exploding
gradients change what it learns."""

import streamlit as st

from ui.formulas import LONG_RANGE_SHARE_LATEX, training_update_latex
from ui.i18n import say
from ui.predict import calls as predictions
from ui.predict import widget as predict
from ui.state import current_network
from ui.training import presets, runs, sections, settings, text

net = current_network()

st.title(say(text.TITLE))
st.write(say(text.INTRO))
st.markdown(text.task_bullets())
st.write(say(text.SGD))
st.info(say(text.SIDEBAR_NOTE), icon=":material/info:")
with st.expander(say(text.MEASURED_TITLE)):
    st.markdown(say(text.MEASURED_PATHS))
    st.latex(LONG_RANGE_SHARE_LATEX)
    st.markdown(say(text.MEASURED_QUANTITIES))

st.subheader(say(text.PRESETS_HEADER))
st.caption(say(text.PRESETS_CAPTION))
sections.preset_buttons()

st.subheader(say(text.YOUR_RUN))
run, tau = sections.run_controls(net)
st.caption(text.lag_sentence(run.task, run.T))
gated = text.gated_note(run, net.activation)
if gated:
    st.caption(gated)
st.latex(training_update_latex(run.clip))
optimizer_note = text.optimizer_note(run)
if optimizer_note:
    st.caption(optimizer_note)
if tau and run.tau == 0:
    st.caption(say(text.TAU_FULL, tau=tau, T=run.T))
if run.batch_size == 1:
    st.caption(say(text.ONE_SEQUENCE))
long_run = text.long_run_message(run)
if long_run:
    st.warning(long_run, icon=":material/hourglass:")
predict.ask("training", predictions.truncation(run.T, run.tau))
predict.ask("training", predictions.bound(run.cell, run.activation, run.w_scale, run.T))
learning_slot = st.container()  # filled once this run's training, if any, has ended
refused = settings.run_length(run) == "refused"
pressed = st.button(
    say(text.TRAIN), type="primary", key="ttrain", icon=":material/play_arrow:", disabled=refused
)

queue, link = runs.runs_to_train(run, pressed=pressed, refused=refused)
progress = st.empty()
st.subheader(say(text.COMPARED))
# placeholders (not containers): each replaces the previous run's content at once, so nothing stale
# is left on screen while a new run trains
messages, summary, chart_area = st.empty(), st.empty(), st.empty()
notes = sections.train_queue(queue, progress, chart_area)

with learning_slot:
    predict.ask("training", predictions.learning(run), context=run)
if link:
    notes.insert(0, ("warning", text.link_note(link)))

compared = runs.compared_runs()
runs.sync_link(compared, presets.preset_runs(runs.chosen_preset()))
labels = text.run_labels([r.settings for r in compared])
sections.draw_notes(messages, notes, compared, labels, run)
if not compared:
    chart_area.info(say(text.NO_RUN), icon=":material/model_training:")
    st.stop()
sections.draw_summary(summary, compared, labels)
sections.draw_charts(chart_area, compared)
