"""AppTest of "predict, then reveal" (the suite opens pages with predictions off: these links set pred=on): a question hides its chart until the student commits, the
reveal says right or wrong with the live network's numbers, the session keeps the score, pred=off
shows everything at once, and a bad pred value in a link is a note, not an exception.

The right answers are computed here by a second route (the plain loops of tests/core) on the
network the page runs, never read from the page.
"""

from __future__ import annotations

import math

import numpy as np
from streamlit.testing.v1 import AppTest

import rnn_core as rc
from tests.app.helpers import open_app
from tests.core.reference_loops import forward_loop, jacobian_log_norms_loop
from ui.data import initial_params, sequence
from ui.i18n import say
from ui.predict import mode
from ui.predict import text as t
from ui.state import DEFAULT

VANISHING, ACTIVATIONS, RULES = (
    "app_pages/vanishing.py",
    "app_pages/activations.py",
    "app_pages/update_rules.py",
)


def questions(at: AppTest) -> dict[str, object]:
    """The waiting questions' answer widgets by question name ("regime", …)."""
    found = {}
    for w in list(at.radio) + list(at.number_input):
        if w.key and w.key.startswith("pr-"):
            found[w.key.split(":")[1]] = w
    return found


def commit(at: AppTest, name: str, value) -> AppTest:
    """Choose ``value`` (None: nothing) in question ``name`` and press its Commit button."""
    w = questions(at)[name]
    if value is not None:
        w.set_value(value)
    form = "pf-" + w.key[len("pr-") :]
    button = next(b for b in at.button if b.proto.form_id == form)
    return button.click().run()


def verdicts(at: AppTest) -> list[str]:
    return [
        e.value
        for e in list(at.success) + list(at.warning)
        if say(t.RIGHT) in e.value or say(t.WRONG) in e.value
    ]


def score_line(at: AppTest) -> str:
    return next(c.value for c in at.sidebar.caption if "Predictions this session" in c.value)


def charts(at: AppTest) -> int:
    return len(at.get("arrow_vega_lite_chart")) + len(at.get("vega_lite_chart"))


def regime_by_hand(net=DEFAULT) -> str:
    """‖∂h⁽ᵀ⁾/∂h⁽⁰⁾‖₂ of the sidebar's initial network from the plain loop: shrinks, neither, grows."""
    params = initial_params(net)
    xs, targets = sequence(net)
    fw = forward_loop(params, xs, targets, activation=net.activation, loss=net.loss)
    ell = jacobian_log_norms_loop(params, fw, net.T)[0]
    return "shrinks" if ell < -1 else "grows" if ell > 1 else "neither"


def test_questions_wait_then_a_wrong_and_a_right_answer_change_the_score():
    at = open_app(VANISHING, pred="on", vclip="true")  # the clipping question is in its section
    assert not at.exception
    assert {"regime", "clip_long_range", "transient"} <= set(questions(at))
    assert score_line(at) == say(mode.SCORE_NONE)
    hidden = charts(at)

    right = regime_by_hand()
    wrong = next(o for o in ("shrinks", "neither", "grows") if o != right)
    at = commit(at, "regime", wrong)
    assert not at.exception
    assert "regime" not in questions(at)
    assert [v for v in verdicts(at) if say(t.WRONG) in v]
    assert score_line(at) == say(mode.SCORE, right=0, n=1)
    assert charts(at) > hidden  # the Jacobian profile is drawn after the commit

    # the page's own non-normal W: ρ = 0.9 < 1, and ‖Wⁿ‖₂ rises above ‖W‖₂ (computed here)
    W = np.array([[0.9, 1.0], [0.0, 0.9]])
    norms = [np.linalg.norm(np.linalg.matrix_power(W, n), 2) for n in range(1, 61)]
    assert max(norms) > norms[0]
    at = commit(at, "transient", "rises_then_decays")
    assert score_line(at) == say(mode.SCORE, right=1, n=2)
    assert len(verdicts(at)) == 2


def test_committing_without_an_answer_asks_for_one_and_scores_nothing():
    at = commit(open_app(VANISHING, pred="on"), "regime", None)
    assert not at.exception
    assert "regime" in questions(at)
    assert any(say(t.PICK_FIRST) in w.value for w in at.warning)
    assert score_line(at) == say(mode.SCORE_NONE)


def test_changing_the_network_asks_again():
    at = commit(open_app(VANISHING, pred="on"), "regime", regime_by_hand())
    assert "regime" not in questions(at)
    at.sidebar.slider(key="scale").set_value(3.0).run()
    assert "regime" in questions(at)  # σ_max(W) = 3: another network, the question is new
    assert score_line(at) == say(mode.SCORE, right=1, n=1)  # the score is the session's


def test_pred_off_shows_every_chart_and_no_question():
    at = open_app(VANISHING, pred="off", vclip="true")
    assert not at.exception
    assert questions(at) == {}
    on = open_app(VANISHING, pred="on", vclip="true")
    for name, value in (("regime", "shrinks"), ("clip_long_range", "same"), ("transient", "decays")):
        on = commit(on, name, value)
    assert charts(at) == charts(on)  # off shows what committing every answer reveals
    assert not [c for c in at.sidebar.caption if "Predictions this session" in c.value]


def test_a_bad_pred_value_is_a_note_not_an_exception(monkeypatch):
    monkeypatch.setenv(mode.DEFAULT_ENV, "on")  # the app's own default (the suite's is off)
    at = open_app(VANISHING, pred="maybe")
    assert not at.exception
    notes = [w.value for w in at.warning if "maybe" in w.value]
    assert notes and "(on, off)" in notes[0] and notes[0].endswith("uses on instead.")
    assert "regime" in questions(at)  # the default, on, is used
    at = open_app(VANISHING, pred="<b>off</b>")
    assert not at.exception and "regime" in questions(at)


def test_the_number_question_on_activations_uses_its_tolerance():
    at = open_app(ACTIVATIONS, pred="on", act="sigmoid", kmax="10")
    assert not at.exception
    assert {"peak", "gamma_power", "product"} <= set(questions(at))
    expected = 10 * math.log10(0.25)  # the best product of ten sigmoid derivatives, (1/4)¹⁰
    at = commit(at, "gamma_power", round(expected, 2) + 0.4)
    assert [v for v in verdicts(at) if say(t.RIGHT) in v]
    at = commit(at, "peak", "below")  # the homework's (0, 1/4): sigmoid′(0) = 1/4 is reached
    assert [v for v in verdicts(at) if say(t.WRONG) in v]
    assert any("Why" in m.value and "0.25" in m.value for m in at.markdown)
    assert score_line(at) == say(mode.SCORE, right=1, n=2)


def test_update_rules_first_w_term_and_the_summed_batch():
    at = open_app(RULES, pred="on")
    assert not at.exception
    assert {"batch_sum", "next_step", "zero_term"} <= set(questions(at))
    assert not at.dataframe  # the path table waits for the prediction
    at = commit(at, "zero_term", "first")  # δ₁ h⁽⁰⁾ᵀ with h⁽⁰⁾ = 0
    assert at.dataframe
    at = commit(at, "batch_sum", "same")  # the mean-loss misconception
    assert [v for v in verdicts(at) if say(t.WRONG) in v]
    assert score_line(at) == say(mode.SCORE, right=1, n=2)
    # the next-step answer against a hand-made step θ − lr·g on the same network
    params = initial_params(DEFAULT)
    xs, targets = sequence(DEFAULT)
    trace = rc.forward(params, xs, targets)
    grads = rc.bptt(params, trace)
    stepped = rc.RNNParams(*(getattr(params, f) - DEFAULT.lr * getattr(grads, f) for f in "UWVbc"))
    after = forward_loop(stepped, xs, targets, activation="tanh", loss="softmax_ce")["loss"]
    at = commit(at, "next_step", "down" if after < trace.loss else "up")
    assert score_line(at) == say(mode.SCORE, right=2, n=3)


def test_gates_questions_hide_their_charts_until_committed():
    at = open_app("app_pages/gates.py", pred="on")
    assert not at.exception
    assert {"keeper", "carousel", "forget"} <= set(questions(at))
    hidden = charts(at)
    for name in ("keeper", "carousel", "forget"):
        at = commit(at, name, questions(at)[name].options[0])
        assert not at.exception
    assert charts(at) > hidden
    assert score_line(at).startswith("Predictions this session:") and "of 3 right" in score_line(at)


def test_training_learning_prediction_waits_for_the_run():
    at = open_app("app_pages/training.py", pred="on", tT="6", tsteps="20", tB="4")
    assert not at.exception
    assert {"truncation", "bound", "learning"} <= set(questions(at))
    at = commit(at, "learning", "learned")
    assert any(say(t.COMMITTED, response=t.OPTIONS["learning"]["learned"]) in i.value for i in at.info)
    assert score_line(at) == say(mode.SCORE_NONE)  # not scored before the run exists
    at = next(b for b in at.button if b.key == "ttrain").click().run(timeout=120)
    at.run(timeout=120)
    assert not at.exception
    [verdict] = verdicts(at)  # the reveal came with the run, and the prediction is scored
    assert score_line(at) == say(mode.SCORE, right=int(say(t.RIGHT) in verdict), n=1)
    # τ = 0 here (full BPTT): every path is kept, the long range included
    at = commit(at, "truncation", "keeps")
    assert score_line(at).endswith("of 2 right.")


def every_prediction() -> list[rc.Prediction]:
    """One prediction of every question, from a few networks (a cut ReLU one among them)."""
    from dataclasses import replace

    out = []
    for activation, w_scale, T in (("tanh", 1.0, 8), ("relu", 3.0, 8), ("sigmoid", 4.0, 1)):
        net = replace(DEFAULT, activation=activation, w_scale=w_scale, T=T, H=4)
        params, (xs, targets) = initial_params(net), sequence(net)
        trace = rc.forward(params, xs, targets, activation=activation)
        grads = rc.bptt(params, trace)
        split = rc.distance_split(rc.distance_terms(params, trace))
        clip = rc.clipping_comparison(grads, 0.1)
        stats = rc.derivative_stats(activation, trace.a)
        norms = np.linalg.norm(rc.path_terms(params, trace, T, wrt="W").reshape(T, -1), axis=1)
        out += [
            rc.regime_prediction(rc.jacobian_profile(params, trace), activation),
            rc.long_range_clip_prediction(rc.long_range(split, 1, clip), clip),
            rc.peak_prediction(activation),
            rc.gamma_power_prediction(activation, 5),
            rc.product_prediction(rc.product_bound(stats, rc.sigma_max(params.W)), activation),
            rc.batch_sum_prediction(params, xs, targets, activation=activation, loss="softmax_ce"),
            rc.next_step_prediction(trace.loss, trace.loss * 2, 1.0),
            rc.next_step_prediction(trace.loss, None, 1.0),
            rc.zero_term_prediction(norms, "W"),
            rc.zero_term_prediction(np.r_[norms[:-1], 0.0], "U"),
            rc.bound_prediction(activation, w_scale, 5),
            rc.truncation_prediction(T, 1),
            rc.truncation_prediction(T, 0),
        ]
    out.append(rc.transient_prediction(rc.power_profile(np.array([[0.9, 1.0], [0.0, 0.9]]), 60)))
    for forget_bias in (1.0, 6.0):
        cells = rc.three_cells(2, 3, 2, forget_bias=forget_bias)
        xs = np.random.default_rng(0).standard_normal((12, 1, 2))
        runs = [(p, rc.forward(p, xs, np.zeros((12, 1), dtype=int))) for p in cells]
        out += [
            rc.keeper_prediction(rc.state_profiles(runs)),
            rc.carousel_prediction(rc.carousel_check(*runs[1])),
            rc.forget_prediction(rc.gate_values(*runs[1], "f"), forget_bias),
        ]
    baseline = np.ones(20)
    for losses in (np.full(20, 0.05), np.ones(20)):
        verdict = rc.learning_verdict({"loss": losses, "baseline": baseline}, baseline, None)
        out.append(rc.learning_prediction(verdict, clip="norm"))
    return out


def test_every_question_option_reveal_and_misconception_has_its_words():
    """Each sentence a prediction can show fills its template: no field is missing, whatever the
    answer and whatever wrong option was chosen."""
    seen = set()
    for pred in every_prediction():
        assert t.question(pred)
        if not pred.askable:
            continue
        seen.add(pred.key)
        assert t.reveal(pred)
        responses = pred.options if pred.options is not None else (pred.answer - 3, pred.answer + 3)
        for response in responses:
            assert t.option(pred, response) and t.you_said(pred, response)
            why = t.tempting(pred, response)
            assert (why is None) == (pred.misconception(response) is None)
    assert seen == set(t.QUESTIONS)  # every question was revealed at least once
    assert set(t.QUESTIONS) == set(t.OPTIONS) | {"gamma_power"}
