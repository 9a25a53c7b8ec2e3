"""AppTest of the Update rules page: its controls at their extremes, its links, its step buttons,
and the numbers it shows checked against rnn_core called directly."""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import rnn_core as rc
from tests.app.helpers import open_app, widget
from ui import notices
from ui.data import live_network
from ui.i18n import say
from ui.state import ACTIVATION_LABELS, INIT_LABELS, LOSS_LABELS, Network
from ui.update_rules import calls
from ui.update_rules import text as tx

PAGE = "app_pages/update_rules.py"


def open_page(**query) -> AppTest:
    """The app opened from a link carrying ``query``, then switched to this page."""
    at = open_app(PAGE, **query)
    assert not at.exception, at.exception
    assert at.title[0].value == "Update rules"
    return at


def metric(at: AppTest, prefix: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(prefix))


def label_start(template: str) -> str:
    """What a metric's label says before its first field."""
    return template.split("{")[0]


def checks(at: AppTest) -> tuple[float, float, float]:
    """The three reconciliation errors the page shows: path sum, finite differences, full gradient."""
    templates = (tx.PATH_SUM_METRIC, tx.STEP_FD_METRIC, tx.FULL_METRIC[calls.SUM_OVER_S])
    return tuple(float(metric(at, label_start(t))) for t in templates)


def full_route(at: AppTest) -> str:
    """Which second route the full-gradient metric names."""
    labels = {m.label for m in at.metric}
    return next(r for r, t in tx.FULL_METRIC.items() if any(say(t, wrt=w) in labels for w in "WU"))


def default_network():
    """The sidebar's default network built here from rnn_core alone: params, xs, targets, trace."""
    net = Network()
    params = rc.RNNParams.init(net.D, net.H, net.K, w_init=net.w_init, w_scale=net.w_scale, seed=net.seed)
    xs, targets = rc.random_sequence(net.T, net.D, net.K, loss=net.loss, seed=net.seed)
    return params, xs, targets, rc.forward(params, xs, targets, activation=net.activation, loss=net.loss)


def test_defaults_show_the_homeworks_s3_and_reconcile():
    at = open_page()
    assert widget(at, "s").value == 3 and widget(at, "wrt").value == "W"
    path_sum, fd, full = checks(at)
    assert path_sum < 1e-12 and fd < 1e-7 and full < 1e-12
    table = at.dataframe[0].value
    assert list(table["k"]) == [1, 2, 3]
    # the table's norms are the path terms of L⁽³⁾, recomputed here from rnn_core
    params, xs, targets, trace = default_network()
    terms = rc.path_terms(params, trace, 3, wrt="W")
    np.testing.assert_allclose(table["‖term k‖_F"], [np.linalg.norm(t) for t in terms], rtol=1e-12)
    assert table["‖term k‖_F"][0] == 0.0  # k = 1 meets h⁽⁰⁾ = 0
    assert len(at.get("graphviz_chart")) == 1
    assert len(at.get("vega_lite_chart")) == 1  # the path-norm bars (no loss curve before a step)
    # row k = 1: W's first term is 0, U's is ‖δ₁⁽³⁾ x⁽¹⁾ᵀ‖, computed here
    first_u = format(np.linalg.norm(rc.path_terms(params, trace, 3, wrt="U")[0]), ".3g")
    row = tx.at_step(tx.ROW_K1, 3, first_w="0", first_u=first_u)
    assert any(m.value == row for m in at.markdown)
    assert any(m.value == say(tx.UPDATE_LEAD, lr="0.1") for m in at.markdown)
    assert any(r"\partial^{+} h^{(3)}" in x.value for x in at.latex)
    # every sentence is a template with all its fields filled
    shown = [*at.markdown, *at.caption, *at.info, *at.warning, *at.error, *at.header, *at.metric]
    assert shown and not [
        x for x in shown if "{" in getattr(x, "value", "") or "{" in getattr(x, "label", "")
    ]


def test_page_controls_and_sidebar_at_their_extremes():
    at = open_page(T="12", H="6")
    moves = [("s", 1), ("s", 12), ("wrt", "U"), ("s", 1), ("wrt", "W")]
    moves += [("act", a) for a in ACTIVATION_LABELS] + [("act", "tanh")]
    moves += [("init", i) for i in INIT_LABELS] + [("loss", name) for name in LOSS_LABELS]
    moves += [("H", 1), ("H", 128), ("T", 1), ("T", 200), ("scale", 4.0), ("scale", 0.05)]
    for key, value in moves:
        widget(at, key).set_value(value).run()
        assert not at.exception, (key, value, at.exception)
        if at.slider(key="T").value > 1:
            assert 1 <= widget(at, "s").value <= at.slider(key="T").value
        path_sum, _, full = checks(at)
        assert not path_sum > 1e-12, (key, value)  # nan only after an overflow
        if full_route(at) == calls.SUM_OVER_S:
            assert not full > 1e-12, (key, value)
    assert at.slider(key="T").value == 200
    # T = 200 is too long for T separate backward passes: the full gradient is checked by FD
    assert full_route(at) == calls.FINITE_DIFFERENCES


def test_T_equal_1_has_no_s_slider_and_still_reconciles():
    at = open_page(T="1")
    assert not [s for s in at.slider if s.key == "s"]
    assert any(m.value == say(tx.ONLY_STEP) for m in at.markdown)
    assert any(i.value == say(tx.S1_FOR_W) for i in at.info)  # ∂L⁽¹⁾/∂W = δ₁⁽¹⁾ h⁽⁰⁾ᵀ = 0
    assert checks(at)[0] == 0.0


def test_link_round_trip():
    at = open_page(T="30", s="17", wrt="U")
    assert widget(at, "s").value == 17 and widget(at, "wrt").value == "U"
    assert at.query_params["s"] == "17" and at.query_params["wrt"] == "U"
    assert list(at.dataframe[0].value["k"]) == list(range(1, 18))
    assert at.dataframe[0].value["‖term k‖_F"][0] > 0  # U's k = 1 term is not zero


@pytest.mark.parametrize(
    "query",
    [
        {"s": "abc", "wrt": "V"},  # garbage
        {"s": "500"},  # beyond T = 20
        {"s": "0", "wrt": ""},
        {"T": "10", "s": "15"},  # beyond this link's own T
    ],
)
def test_bad_links_fall_back_to_defaults(query):
    at = open_page(**query)
    assert widget(at, "s").value == 3 and widget(at, "wrt").value == "W"


def test_short_sequence_clamps_the_default_step():
    at = open_page(T="2", s="3")
    assert widget(at, "s").value == 2


def test_step_buttons_train_the_network_and_reset():
    at = open_page()
    at.button[0].click().run()
    assert not at.exception
    assert widget(at, "steps").value == 1 and at.query_params["steps"] == "1"
    # one step of θ ← θ − lr·∂L/∂θ done here with rnn_core alone
    params, xs, targets, trace = default_network()
    after = rc.forward(params.sgd_step(rc.bptt(params, trace), Network().lr), xs, targets)
    assert float(metric(at, say(tx.LOSS_BEFORE))) == pytest.approx(trace.loss, rel=1e-5)
    assert float(metric(at, say(tx.LOSS_AFTER))) == pytest.approx(after.loss, rel=1e-5)
    assert len(at.get("vega_lite_chart")) == 2  # the loss curve joined the path norms
    at.button[0].click().run()
    assert widget(at, "steps").value == 2 and metric(at, say(tx.STEPS_TAKEN)) == "2"
    path_sum, fd, full = checks(at)
    assert path_sum < 1e-12 and fd < 1e-7 and full < 1e-12  # on the trained network
    at.button[1].click().run()
    assert widget(at, "steps").value == 0 and "steps" not in at.query_params
    assert metric(at, say(tx.STEPS_TAKEN)) == "0" and at.button[1].disabled


def test_link_with_steps_reproduces_the_trained_network():
    clicked = open_page()
    for _ in range(3):
        clicked.button[0].click().run()
    linked = open_page(steps="3")
    assert metric(linked, say(tx.LOSS_AFTER)) == metric(clicked, say(tx.LOSS_AFTER))
    assert linked.dataframe[0].value.equals(clicked.dataframe[0].value)


def test_a_step_that_cannot_be_taken_is_explained_in_place():
    # linear, σ_max(W) = 4, lr = 1 on MSE: the first step sends h past float64 at t = 2
    at = open_page(act="linear", scale="4.0", T="200", loss="MSE", lr="1.0", steps="3")
    stopped = {say(notices.STOPPED, done=1, steps=3, reason=notices.stop_reason(r)) for r in rc.DESCENT_STOPS}
    assert stopped & {w.value for w in at.warning}  # 1 of the 3 steps taken
    assert any("overflowed float64 at t = 2" in w.value for w in at.warning)
    # which of the 3 path terms of L⁽³⁾ are not float64 numbers, counted here entry by entry
    live = live_network(Network(activation="linear", w_scale=4.0, T=200, loss="mse", lr=1.0), 3)
    with np.errstate(all="ignore"):
        terms = rc.path_terms(live.params, live.trace, 3, wrt="W")
    n = int((~np.isfinite(terms).all(axis=(1, 2))).sum())
    assert n == 3
    assert any(e.value == say(tx.OVERFLOWED, t=2, s=3, S="⁽³⁾", n=n) for e in at.error)
    assert at.button[0].disabled
    assert metric(at, say(tx.LOSS_AFTER)) == "nan"
    assert metric(at, label_start(tx.PATH_SUM_METRIC)) == "nan"


def test_large_weights_check_a_sample_of_entries_and_say_so():
    at = open_page(H="30", T="8", s="8")
    # 30 × 30 = 900 entries of W: more than finite differences check, so a capped sample
    sample = say(tx.SCOPE_SAMPLE, checked=calls.MAX_FD_ENTRIES, n=900, wrt="W")
    assert any(sample in c.value for c in at.caption)
    _, fd, _ = checks(at)
    assert fd < 1e-7
    widget(at, "wrt").set_value("U").run()
    assert any(say(tx.SCOPE_ALL, n=90, wrt="U") in c.value for c in at.caption)  # U is 30 × 3


def test_common_mistakes_quote_the_homework_with_this_networks_gap():
    at = open_page()
    box = at.expander[0]
    assert box.label == say(tx.MISTAKES_LABEL)
    texts = " ".join(m.value for m in box.markdown)
    for title in (tx.V_INDICES_TITLE, tx.HISTORY_TITLE, tx.ONE_LOSS_TITLE, tx.PARTIAL_TITLE):
        assert say(title) in texts
    # the gap between ∂L⁽³⁾/∂W and ∂L/∂W, as the page says it, against rnn_core directly
    params, xs, targets, trace = default_network()
    gap = rc.rel_error(rc.bptt(params, trace, s=3).W, rc.bptt(params, trace).W)
    assert tx.at_step(tx.ONE_LOSS_GAP, 3, wrt="W", gap=format(gap, ".3g")) in texts
    assert len(box.latex) >= 7
