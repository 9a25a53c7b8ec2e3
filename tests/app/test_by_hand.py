"""AppTest of the "Work it by hand" page: it renders for every activation and loss, reveals a step,
checks a right and a wrong answer, carries its controls, reveals and answers in the link, falls back
from bad links without a traceback, and exports what it shows."""

from __future__ import annotations

import csv
import io
import math

import pytest
from streamlit.testing.v1 import AppTest

import rnn_core as rc
from tests.app.helpers import open_app
from tests.app.helpers import widget as shared_widget
from ui import formulas as fm
from ui.by_hand import calls, controls
from ui.by_hand import text as tx
from ui.by_hand.controls import ExampleSettings
from ui.i18n import say

PAGE = "app_pages/by_hand.py"
ALL_OPEN = {controls.stage_key(stage): "true" for stage in tx.WORKED_STAGES}  # every stage's panel open


def open_page(**query) -> AppTest:
    at = open_app(PAGE, **query)
    assert not at.exception, at.exception
    assert at.title[0].value == say(tx.TITLE)
    return at


def shown_text(at: AppTest) -> list[str]:
    return [
        x.value
        for x in (*at.markdown, *at.caption, *at.info, *at.warning, *at.error, *at.success, *at.header)
    ]


def latex(at: AppTest) -> list[str]:
    return [x.value.strip("$\n") for x in at.latex]


def widget(at: AppTest, key: str):
    """The widget whose key is ``key``, text boxes included (the shared helper knows no text_input)."""
    for box in at.text_input:
        if box.key == key:
            return box
    return shared_widget(at, key)


def qp(at: AppTest, key: str) -> str | None:
    """The link's value of ``key`` (AppTest keeps a value set as a list as a list)."""
    value = at.query_params.get(key)
    return value[0] if isinstance(value, list) else value


def given(ex, name):
    return ex.value(name).tolist()


def a1_by_hand(ex) -> list[float]:
    """a⁽¹⁾ = b + W h⁽⁰⁾ + U x⁽¹⁾ with h⁽⁰⁾ = 0, from the given numbers, one scalar at a time."""
    b, U, x1 = given(ex, "b"), given(ex, "U"), given(ex, "x1")
    return [b[i] + sum(U[i][d] * x1[d] for d in range(ex.D)) for i in range(ex.H)]


def check(at: AppTest, name: str, text: str) -> AppTest:
    widget(at, controls.answer_key(name)).input(text)
    widget(at, controls.CHECK_PREFIX + name).click()
    return at.run()


def test_defaults_render_the_homeworks_example_with_every_sentence_filled():
    at = open_page()
    assert widget(at, "wx_T").value == 3 and widget(at, "wx_s").value == 3 and widget(at, "wx_H").value == 2
    ex = rc.worked_example()
    shown = latex(at)
    assert (
        r"U = \begin{bmatrix}" + r" \\ ".join(f"{u[0]:.2f}" for u in given(ex, "U")) + r"\end{bmatrix}"
        in shown
    )
    # every stage has its title and a closed panel; no step is drawn until its stage is opened
    panels = [e for e in at.expander if e.label == say(tx.WORK_STAGE)]
    assert len(panels) == len(tx.WORKED_STAGES)
    assert [h.value for h in at.subheader] == [tx.stage_title(stage, ex) for stage in tx.WORKED_STAGES]
    assert not [s for s in ex.steps if not s.given and s.formula in shown]
    assert not at.text_input and not [e for e in at.expander if e.label.startswith("Reveal")]
    texts = shown_text(at)
    assert texts and not [t for t in texts if "{" in t and "$" not in t]
    assert len(at.get("download_button")) == 2


def test_an_open_stage_shows_every_rule_and_no_value_before_it_is_revealed():
    at = open_page(**ALL_OPEN)
    ex = rc.worked_example()
    shown = latex(at)
    computed = [s for s in ex.steps if not s.given]
    for step in computed:
        assert step.formula in shown, step.name
        assert fm.by_hand_value_latex(step.latex, tx.rows(step)) not in shown, step.name
    assert len([e for e in at.expander if e.label.startswith("Reveal")]) == len(computed)
    assert len(at.text_input) == len(computed)
    # one stage open: only its steps are drawn
    at = open_page(**{controls.stage_key("gradients"): "true"})
    assert [b.key for b in at.text_input] == [controls.answer_key(s.name) for s in ex.stage("gradients")]


def test_a_value_typed_in_a_closed_stage_is_kept_for_the_session():
    at = open_page()
    at.session_state[controls.stage_key("forward")] = True  # the student opens the stage
    at.run()
    widget(at, controls.answer_key("L")).input("1.5")
    at.run()
    at.session_state[controls.stage_key("forward")] = False  # the student closes the stage
    at.run()
    assert not at.text_input
    at.session_state[controls.stage_key("forward")] = True
    at.run()
    assert widget(at, controls.answer_key("L")).value == "1.5"


def test_a_revealed_step_shows_the_numbers_of_an_independent_computation():
    at = open_page(wx_r_a1="true", wx_r_L="true")
    ex = rc.worked_example()
    a1 = a1_by_hand(ex)
    want = r"a^{(1)} = \begin{bmatrix}" + r" \\ ".join(f"{v:.4f}" for v in a1) + r"\end{bmatrix}"
    assert want in latex(at)
    assert any(s.startswith("L = ") for s in latex(at))
    # the reveal is in session state and in the link
    assert at.session_state[controls.reveal_key("a1")] is True
    assert qp(at, "wx_r_a1") == "true"


def test_reveal_every_step_and_hide_them_again():
    at = open_page()
    widget(at, "wx_all").click()
    at.run()
    ex = rc.worked_example()
    computed = [s for s in ex.steps if not s.given]
    shown = latex(at)
    assert all(fm.by_hand_value_latex(st.latex, tx.rows(st)) in shown for st in computed)
    assert all(qp(at, controls.reveal_key(s.name)) == "true" for s in computed)
    widget(at, "wx_none").click()
    at.run()
    assert not [k for k in at.query_params if k.startswith(controls.REVEAL_PREFIX)]


def test_a_right_answer_is_accepted_and_a_wrong_one_gets_its_likely_reason():
    at = open_page(**ALL_OPEN)
    ex = rc.worked_example()
    a1 = a1_by_hand(ex)
    check(at, "a1", " ".join(f"{v:.4f}" for v in a1))
    assert [s.value for s in at.success] and at.success[0].value.startswith("Correct")
    # the transposed path term h⁽¹⁾ δ₂⁽³⁾ᵀ, built here from the revealed factors
    h1, d2 = ex.value("h1").tolist(), ex.value("delta_s2").tolist()
    wrong = "; ".join(" ".join(f"{h1[i] * d2[j]:.5f}" for j in range(2)) for i in range(2))
    check(at, "pathW2", wrong)
    errors = [e.value for e in at.error]
    assert errors and say(tx.REASONS["transposed"]) in errors[0]
    assert at.success[0].value.startswith("Correct")  # the earlier verdict stays
    # only the last path k = s of ∂L⁽³⁾/∂W
    last = ex.value("pathW3").tolist()
    check(at, "dLs_dW", "; ".join(" ".join(f"{v:.5f}" for v in row) for row in last))
    assert any(say(tx.REASONS["last_path_only"]) in e.value for e in at.error)


def test_what_cannot_be_read_is_explained_not_raised():
    at = open_page(**ALL_OPEN)
    check(at, "a1", "0.1 zebra")
    assert say(tx.ANSWER_PROBLEMS["not a number"], token="zebra") in [w.value for w in at.warning]
    check(at, "dW", "1 2; 3")
    assert say(tx.ANSWER_PROBLEMS["ragged"]) in [w.value for w in at.warning]
    check(at, "dW", "1 2 3")
    ex = rc.worked_example()
    assert tx.wrong_shape(ex.step("dW"), (1, 3)) in [w.value for w in at.warning]
    check(at, "L", "")
    assert say(tx.ANSWER_PROBLEMS["empty"]) in [w.value for w in at.warning]
    assert not at.exception


def test_a_link_reproduces_the_exercise_and_round_trips():
    query = dict(wx_T="4", wx_s="2", wx_H="3", wx_act="ReLU", wx_loss="MSE", wx_seed="7", wx_lr="0.3")
    at = open_page(**query, wx_r_dW="true", wx_in_L="1.5")
    assert widget(at, "wx_T").value == 4 and widget(at, "wx_s").value == 2 and widget(at, "wx_H").value == 3
    assert widget(at, "wx_act").value == "relu" and widget(at, "wx_loss").value == "mse"
    assert widget(at, "wx_seed").value == 7 and widget(at, "wx_lr").value == 0.3
    assert widget(at, controls.answer_key("L")).value == "1.5"
    ex = rc.worked_example(H=3, T=4, s=2, activation="relu", loss="mse", seed=7, lr=0.3)
    assert tx.exercise_summary(ex) in shown_text(at)
    assert any(s.startswith(r"\frac{\partial L}{\partial W} = \begin{bmatrix}") for s in latex(at))
    for key, value in query.items():
        assert qp(at, key) == value
    # the link opened the stages of the steps it carries, and no other
    ex_stages = {ex.step("dW").stage, ex.step("L").stage}
    drawn = {ex.step(b.key.removeprefix(controls.ANSWER_PREFIX)).stage for b in at.text_input}
    assert drawn == ex_stages == {"gradients", "forward"}
    # the page reads the link on a rerun too (the browser writes a moved control into it: tests/e2e)
    at.run()
    assert widget(at, "wx_seed").value == 7 and widget(at, controls.answer_key("L")).value == "1.5"


def test_a_link_that_closes_a_stage_keeps_it_closed():
    at = open_page(wx_in_L="1.5", **{controls.stage_key("forward"): "false"})
    assert not at.text_input
    at = open_page(wx_in_L="1.5", **{controls.stage_key("forward"): "true"})
    assert widget(at, controls.answer_key("L")).value == "1.5"


def test_s_follows_T_down_and_T_1_has_one_loss():
    at = open_page(wx_T="2", wx_s="3")
    assert widget(at, "wx_s").value == 2
    at = open_page(wx_T="1", **ALL_OPEN)
    assert say(tx.ONLY_STEP) in [c.value for c in at.caption]
    assert any(r"\left.\frac{\partial L^{(1)}}{\partial W}\right|_{k=1}" in s for s in latex(at))


def test_bad_link_values_fall_back_to_the_defaults_without_a_traceback():
    at = open_page(
        wx_T="banana", wx_s="99", wx_H="-1", wx_act="<b>x</b>", wx_loss="hinge", wx_seed="zz", wx_lr="7",
        wx_r_a1="maybe", wx_r_nope="true", wx_in_a1="]]]",
    )  # fmt: skip
    assert widget(at, "wx_T").value == 3 and widget(at, "wx_H").value == 2
    assert widget(at, "wx_act").value == "tanh" and widget(at, "wx_loss").value == "softmax_ce"
    assert widget(at, "wx_seed").value == 0 and widget(at, "wx_lr").value == 0.1
    assert widget(at, "wx_s").value == 3
    widget(at, controls.CHECK_PREFIX + "a1").click()
    at.run()
    assert not at.exception
    assert say(tx.ANSWER_PROBLEMS["empty"]) in [w.value for w in at.warning]


def test_the_exports_hold_every_entry_of_the_example():
    settings = ExampleSettings()
    ex = rc.worked_example(**settings.arguments())
    rows = list(csv.reader(io.StringIO(calls.csv_text(settings))))
    assert tuple(rows[0]) == tx.CSV_HEADER
    assert len(rows) - 1 == sum(max(1, st.value.size) for st in ex.steps)
    by_entry = {(r[1], r[3]): float(r[4]) for r in rows[1:]}
    # a few entries recomputed here from the given numbers
    a1 = a1_by_hand(ex)
    assert by_entry[("a1", "1")] == pytest.approx(a1[0], abs=1e-15)
    assert by_entry[("a1", "2")] == pytest.approx(a1[1], abs=1e-15)
    assert by_entry[("W", "1,2")] == given(ex, "W")[0][1]
    assert math.isclose(by_entry[("L", "")], sum(by_entry[(f"L{t}", "")] for t in (1, 2, 3)), rel_tol=1e-15)
    document = calls.latex_document(settings)
    assert document.startswith(r"\documentclass") and document.rstrip().endswith(r"\end{document}")
    for step in ex.steps:
        assert step.latex + " = " in document, step.name
