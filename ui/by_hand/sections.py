"""The "Work it by hand" page's sections that draw with st.* calls: the given values, one step (its
rule, the student's value with its Check, and its Reveal), a stage of steps (drawn only while its
panel is open), and the exports."""

from __future__ import annotations

import streamlit as st

import rnn_core as rc
from ui import formulas as fm
from ui.by_hand import calls, controls
from ui.by_hand import text as tx
from ui.by_hand.controls import ExampleSettings
from ui.format import tex_number
from ui.i18n import say


def given_values(ex: rc.WorkedExample) -> None:
    """The given parameters, three to a row (one column each on a phone), then the sequence: x⁽ᵗ⁾ and
    y⁽ᵗ⁾ a line each, three steps to a line."""
    params = [ex.step(name) for name in "UWVbc"]
    for trio in (params[:3], params[3:]):
        for column, step in zip(st.columns(3), trio):
            column.latex(fm.by_hand_value_latex(step.latex, tx.rows(step)))
    for letter in "xy":
        steps = [ex.step(f"{letter}{t}") for t in range(1, ex.T + 1)]
        st.latex(fm.by_hand_sequence_latex([(step.latex, tx.rows(step)) for step in steps]))


def model(ex: rc.WorkedExample) -> None:
    act = rc.ACTIVATIONS[ex.activation]
    fprime = ex.step("fp1").formula.replace("^{(1)}", "^{(t)}")
    st.latex(fm.by_hand_model_latex(act.latex_f, fprime))


def tolerance() -> None:
    st.markdown(tx.tolerance_lead())
    st.latex(fm.by_hand_tolerance_latex(tex_number(rc.HAND_RTOL, "g"), tex_number(rc.HAND_ATOL, "g")))
    st.caption(f"{say(tx.TYPE_HELP)} {say(tx.STAGES_HELP, open=say(tx.WORK_STAGE))}")


def reveal_buttons(ex: rc.WorkedExample) -> None:
    names = tuple(step.name for step in ex.steps if not step.given)
    c1, c2 = st.columns(2)
    c1.button(
        say(tx.REVEAL_ALL),
        on_click=controls.reveal_all,
        args=(names, True, tx.WORKED_STAGES),
        key="wx_all",
        width="stretch",
    )
    c2.button(
        say(tx.HIDE_ALL), on_click=controls.reveal_all, args=(names, False), key="wx_none", width="stretch"
    )


def verdict(settings: ExampleSettings, step: rc.WorkedStep, text: str) -> None:
    """The verdict on the student's ``text``: correct, or what is off and the likely reason."""
    result = calls.check(settings, step.name, text)
    if result.verdict is None:
        if result.shape is not None:
            st.warning(tx.wrong_shape(step, result.shape), icon=":material/straighten:")
        else:
            st.warning(tx.answer_problem(result.problem, result.token), icon=":material/edit:")
        return
    correct, lines = tx.verdict_lines(result.verdict, step)
    if correct:
        st.success(lines[0], icon=":material/check_circle:")
    else:
        st.error("\n\n".join(lines), icon=":material/cancel:")


def step_row(settings: ExampleSettings, step: rc.WorkedStep) -> None:
    """One step in a card: its rule, a box for the student's value beside its Check button, the verdict
    once checked, and the Reveal expander (its content is sent only when open)."""
    with st.container(border=True, key=f"wx_card_{step.name}"):
        st.latex(step.formula)
        with st.container(horizontal=True, vertical_alignment="bottom", wrap=False):
            text = st.text_input(
                say(tx.YOUR_VALUE, symbol=step.symbol),
                key=controls.answer_key(step.name),
                placeholder=tx.placeholder(step),
                bind="query-params",
                persist_state="session",  # kept while its stage is closed
            )
            st.button(
                say(tx.CHECK),
                key=controls.CHECK_PREFIX + step.name,
                on_click=controls.mark_checked,
                args=(step.name,),
            )
        if controls.was_checked(step.name):
            verdict(settings, step, text or "")
        with st.expander(
            say(tx.REVEAL, symbol=step.symbol), key=controls.reveal_key(step.name), bind="query-params"
        ) as box:
            if box.open:
                st.latex(fm.by_hand_value_latex(step.latex, tx.rows(step)))


def stage_panel(name: str, steps: tuple[rc.WorkedStep, ...]):
    """The expander holding the steps of stage ``name`` (``with`` it; draw them only when ``.open``),
    closed by default. A link that carries an answer or a reveal of one of its steps, and does not
    say whether the stage is open, opens it on the session's first draw: its sender had it open. Its
    label is the same for every exercise, so that moving T or s does not close it."""
    key = controls.stage_key(name)
    if (
        key not in st.session_state
        and st.query_params.get(key) is None
        and controls.linked_steps(step.name for step in steps)
    ):
        st.session_state[key] = True
    return st.expander(say(tx.WORK_STAGE), key=key, bind="query-params")


def stage(settings: ExampleSettings, ex: rc.WorkedExample, name: str) -> None:
    """A stage's title and lead, and its steps in a panel drawn only while open."""
    st.subheader(tx.stage_title(name, ex))
    st.markdown(tx.stage_lead(name, ex))
    steps = ex.stage(name)
    with stage_panel(name, steps) as box:
        if box.open:
            for step in steps:
                step_row(settings, step)


def downloads(settings: ExampleSettings) -> None:
    base = f"by_hand_T{settings.T}_s{settings.s}_{settings.activation}_{settings.loss}_seed{settings.seed}"
    c1, c2 = st.columns(2)
    c1.download_button(
        say(tx.DOWNLOAD_LATEX),
        calls.latex_document(settings),
        file_name=f"{base}.tex",
        mime="application/x-tex",
        key="wx_tex",
        on_click="ignore",
        icon=":material/description:",
        width="stretch",
    )
    c2.download_button(
        say(tx.DOWNLOAD_CSV),
        calls.csv_text(settings),
        file_name=f"{base}.csv",
        mime="text/csv",
        key="wx_csv",
        on_click="ignore",
        icon=":material/table:",
        width="stretch",
    )
