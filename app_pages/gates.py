"""Gates: why the LSTM and the GRU keep the gradient alive where the tanh RNN loses it, exactly."""

import streamlit as st

from ui import formulas
from ui.chart_cache import show_chart
from ui.gates import calls, charts, sections
from ui.gates import text as t
from ui.gates.reproduction import show_reproduction
from ui.i18n import say
from ui.predict import calls as predictions
from ui.predict import widget as predict
from ui.state import current_network
from ui.vanishing.sections import metrics, notes

net = current_network()

st.title(say(t.TITLE))
st.write(say(t.INTRO))

# --- 1. three cells, one sequence --------------------------------------------------------------
st.header(say(t.HEADER_SETUP))
settings = sections.controls(net)
cells = calls.cells(settings)
notes([t.task_note(settings)], show=st.warning)
st.markdown(t.shared_text(settings, cells.task))
lstm_col, gru_col = st.columns(2)
with lstm_col:
    st.subheader(say(t.LSTM_HEADER))
    st.latex(formulas.GATES_LSTM_LATEX)
with gru_col:
    st.subheader(say(t.GRU_HEADER))
    st.latex(formulas.GATES_GRU_LATEX)

# --- 2. the exact state Jacobians --------------------------------------------------------------
st.header(say(t.HEADER_PROFILE))
st.write(say(t.PROFILE_INTRO))
st.latex(formulas.GATES_STATE_LATEX)
prof = calls.profiles(settings)
gates = calls.gates(settings)
if predict.ask("gates", predictions.keeper(settings)):
    metrics(t.profile_metrics(prof))
    st.markdown("\n\n".join(t.reach_text(r) for r in prof.reaches))
    st.info(
        " ".join(
            t.keep_text(prof, cell, gate) for cell, gate in (("lstm", gates.forget), ("gru", gates.update))
        )
    )
    show_chart(charts.profile_chart(prof), say(t.PROFILE_NOTICE))
st.write(say(t.GRU_JACOBIAN_INTRO))
st.latex(formulas.GATES_GRU_JACOBIAN_LATEX)

# --- 3. the carousel and what it leaves out ----------------------------------------------------
st.header(say(t.HEADER_CAROUSEL))
st.write(say(t.CAROUSEL_INTRO))
st.latex(formulas.GATES_CAROUSEL_STEP_LATEX)
st.latex(formulas.GATES_CAROUSEL_LATEX)
st.latex(formulas.GATES_SIGMA_PRIME_LATEX)
car = calls.carousel(settings)
if predict.ask("gates", predictions.carousel(settings)):
    metrics(t.carousel_metrics(car))
    st.markdown(t.carousel_text(car))
    show_chart(charts.carousel_chart(car), say(t.CAROUSEL_NOTICE))

# --- 4. the gates along the sequence -----------------------------------------------------------
st.header(say(t.HEADER_GATES))
st.write(say(t.GATES_INTRO))
if predict.ask("gates", predictions.forget(settings)):
    metrics(t.gate_metrics(gates.forget, gates.update))
    for gate, bias in ((gates.forget, settings.forget_bias), (gates.update, settings.update_bias)):
        st.markdown(t.gate_text(gate, bias))
        show_chart(charts.gate_heatmap(gate), say(t.HEATMAP_NOTICES[gate.gate]))
    show_chart(charts.products_chart(gates.forget, gates.update), say(t.PRODUCTS_NOTICE))

# --- 5. the two ledgers ------------------------------------------------------------------------
st.header(say(t.HEADER_LEDGER))
st.write(say(t.LEDGER_INTRO))
st.latex(formulas.GATES_LEDGER_LATEX)
led = calls.ledgers(settings)
metrics(t.ledger_metrics(led.rnn, led.lstm))
st.markdown(t.reach_comparison_text(led.comparison, led.rnn, led.lstm, gates.forget))
for column, cell, chart in zip(st.columns(2), ("rnn", "lstm"), charts.ledger_figures(settings)):
    with column:
        st.subheader(say(t.LEDGER_TITLE, cell=t.cell_label(cell)))
        show_chart(chart, say(t.LEDGER_NOTICES[cell]))

# --- 6. the reproduction table (its own section, drawn after everything above) -----------------
show_reproduction()
