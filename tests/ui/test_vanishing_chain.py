"""The Vanishing page's ledger that opens (ui.vanishing.chain): the click's selection, the chart's
selection and ring, the verdict's sentences, and the page through AppTest with the inputs, links
that round-trip and links that do not.

Numbers are compared with a second route computed here: the path term of L⁽ˢ⁾ through step k by
the plain loops of tests/core/reference_loops.py on the live network's parameters and sequence.
"""

import altair as alt
import numpy as np
import pytest

import rnn_core as rc
from tests.app.helpers import open_app, widget
from tests.core.reference_loops import forward_loop, path_terms_loop
from ui import palette
from ui.data import live_network
from ui.format import sci
from ui.i18n import say
from ui.state import DEFAULT, Network
from ui.vanishing import calls, charts
from ui.vanishing import chain_text as ct
from ui.vanishing.chain import KEYS, clicked_cell

PAGE = "app_pages/vanishing.py"


def reference_norm(net: Network, s: int, k: int, steps: int = 0) -> float:
    """‖path term k of ∂L⁽ˢ⁾/∂W‖_F on the live network, by the plain loop."""
    live = live_network(net, steps)
    tr = live.trace
    fw = forward_loop(live.params, tr.xs, tr.targets, activation=net.activation, loss=net.loss)
    return float(np.linalg.norm(path_terms_loop(live.params, fw, s, "W")[k - 1]))


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def texts(at) -> str:
    return "\n".join(
        e.value for kind in ("markdown", "info", "warning", "caption") for e in getattr(at, kind)
    )


# --- the click ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "event, want",
    [
        ({"selection": {"cell": [{"s": 5, "k": 2}]}}, (5, 2)),
        ({"selection": {"cell": [{"s": 5.0, "k": 5.0}]}}, (5, 5)),  # the diagonal, numbers as floats
        ({"selection": {"cell": [{"s": 1, "k": 1}]}}, (1, 1)),
        ({"selection": {"cell": []}}, None),  # a click off the cells clears the selection
        ({"selection": {"cell": {}}}, None),  # the state before any click
        ({"selection": {"cell": [{"s": 3, "k": 4}]}}, None),  # k > s is not a path term
        ({"selection": {"cell": [{"s": 9, "k": 2}]}}, None),  # s > T: a selection left from a longer T
        ({"selection": {}}, None),
        (None, None),
    ],
)
def test_a_click_is_read_from_the_selection_state(event, want):
    assert clicked_cell(event, 8) == want


# --- the chart ----------------------------------------------------------------------------------


def _spec(chart) -> dict:
    with alt.data_transformers.disable_max_rows():
        return chart.to_dict()


def test_the_ledger_selects_s_and_k_on_click_and_rings_the_chosen_cell():
    C = np.tril(np.arange(1.0, 26.0).reshape(5, 5))
    C[:, 0] = 0.0
    chart = charts.contribution_chart(C)
    s = _spec(chart)
    params = s["params"]
    assert [p["name"] for p in params] == [charts.LEDGER_SELECTION]
    assert params[0]["select"] == {
        "type": "point",
        "fields": ["s", "k"],
        "on": "click",
        "toggle": False,
        "clear": False,
    }
    units = s["layer"]
    assert [u["mark"]["type"] for u in units] == ["rect", "rect", "rect"]  # zeros, colours, clicks
    # the click layer is drawn on the same dataset as the cells (nothing more is sent), zeros included
    assert "data" in s and not any("data" in u for u in units)
    assert not any("filter" in step for step in units[-1]["transform"])
    # the ring goes under the click layer, with its one row inline; the cached spec is not touched
    drawable = chart.drawable()
    ringed = charts.with_ring(drawable, 5, (4, 2))
    marks = [u["mark"]["type"] if isinstance(u["mark"], dict) else u["mark"] for u in ringed["layer"]]
    assert marks == ["rect", "rect", "point", "point", "rect"]
    assert [u["data"]["values"][0]["s"] for u in ringed["layer"][2:4]] == [4, 4]
    assert [u["data"]["values"][0]["k"] for u in ringed["layer"][2:4]] == [2, 2]
    assert (
        ringed["layer"][3]["mark"]["color"] == palette.MARKER
        and ringed["layer"][2]["mark"]["color"] == "white"
    )
    assert len(drawable["layer"]) == 3 and ringed["params"] == drawable["params"]


def test_the_gates_ledger_has_no_selection_and_no_ring():
    s = _spec(charts.ledger_heatmap(np.tril(np.ones((4, 4))), domain=(0.1, 10)))
    assert "params" not in s and [u["mark"]["type"] for u in s["layer"]] == ["rect", "rect"]


# --- the sentences ------------------------------------------------------------------------------


def _relu_off_at_step_3():
    params = rc.RNNParams(
        U=np.array([[1.0], [0.5]]),
        W=np.array([[0.5, 0.2], [0.1, 0.4]]),
        V=np.array([[1.0, -1.0], [0.3, 0.8]]),
        b=np.zeros(2),
        c=np.zeros(2),
    )
    xs = np.ones((6, 1, 1))
    xs[2] = -100.0  # every unit off at step 3
    return params, rc.forward(params, xs, np.zeros((6, 1), dtype=int), activation="relu")


def _sentence(params, trace, s, k, ledger=None):
    chain = rc.path_chain(params, trace, s, k)
    C = rc.contributions(params, trace)
    verdict = rc.chain_verdict(chain, C[s - 1, k - 1] if ledger is None else ledger)
    return verdict, ct.verdict_text(verdict, chain)


def test_each_verdict_has_its_sentence_with_its_numbers():
    params, trace = _relu_off_at_step_3()
    v, text = _sentence(params, trace, 6, 5)
    assert v.kind == "agrees" and text.startswith("✓") and "C[6, 5] = " + sci(v.ledger, 4) in text
    assert "1 factor " in text
    v, text = _sentence(params, trace, 6, 4)  # h⁽³⁾ = 0: every unit was off at step 3
    assert v.zero_cause == "input" and "h⁽³⁾ = 0." in text and say(ct.INITIAL) not in text
    v, text = _sentence(params, trace, 5, 5)
    assert v.kind == "agrees" and say(ct.NO_FACTOR) in text
    v, text = _sentence(params, trace, 5, 1)
    assert v.zero_cause == "input" and "h⁽⁰⁾ = 0 (the initial state)" in text
    v, text = _sentence(params, trace, 5, 2)
    assert v.zero_cause == "chain" and say(ct.DEAD_STEP, j=3) in text
    v, text = _sentence(params, trace, 5, 3)
    assert v.zero_cause == "local" and "f′(a⁽³⁾) = 0" in text
    v, text = _sentence(params, trace, 6, 5, ledger=1.0)
    assert v.kind == "disagrees" and text.startswith("✗")


def test_overflow_sentences_say_where_float64_was_left():
    H = 2
    params = rc.RNNParams(U=np.ones((H, 1)), W=1e60 * np.eye(H), V=np.eye(H), b=np.zeros(H), c=np.zeros(H))
    trace = rc.forward(params, np.ones((8, 1, 1)), np.zeros((8, 1, 2)), activation="linear", loss="mse")
    v, text = _sentence(params, trace, 8, 3)
    assert v.kind == "nonfinite" and "overflowed float64 at t = 7 ≤ s = 8" in text
    # linear: f′ = 1 also where a⁽ʲ⁾ is inf, so the factors stay numbers
    assert v.factors_finite and say(ct.FACTORS_FINITE) in text
    v, text = _sentence(params, trace, 6, 2)  # finite forward pass; δ₂⁽⁶⁾ ≈ 1e60⁴·1e300 is not
    assert v.kind == "nonfinite" and v.overflow_step is None
    assert "back-propagating L⁽ˢ⁾ through the 4 factors" in text


def test_a_page_with_a_backward_overflow_explains_it():
    at = open_app(PAGE, act="linear", scale="8.0", T="180", loss="MSE", H="4", cs="180", ck="2")
    assert not at.exception
    assert metric(at, say(ct.LEDGER, s=180, k=2)) in ("∞", "nan")
    assert "past the largest float64" in texts(at)
    # ‖∂h⁽¹⁸⁰⁾/∂h⁽²⁾‖₂ = 8¹⁷⁸ for an orthogonal W scaled to 8 and f′ = 1: exact in log space
    assert metric(at, say(ct.PRODUCT)) == sci(8.0**178, 4)


def test_metrics_show_the_ledger_and_the_bound_of_the_chain():
    net = Network(H=5, T=9, D=2, K=3, seed=4, activation="sigmoid", w_scale=2.0)
    lc = calls.ledger_chain(net, 0, 8, 3)
    rows = ct.metrics(lc)
    assert rows[0].label == "C[8, 3] in the ledger"
    assert rows[0].value == sci(reference_norm(net, 8, 3), 4) == rows[1].value
    # (γ·σ_max(W))^(s−k) = (¼ · 2)⁵ = 1/32
    assert rows[3].value == sci(0.5**5, 4)
    assert rows[2].value == ct.norm_from_log(lc.chain.log_norms[-1])


@pytest.mark.parametrize(
    "log_value, shown",
    [(0.0, "1"), (-2.0, "0.01"), (350.5, "10^(350.50)"), (-np.inf, "exactly 0"), (np.nan, "nan")],
)
def test_norms_from_their_log(log_value, shown):
    assert ct.norm_from_log(log_value) == shown


# --- the page -----------------------------------------------------------------------------------


def test_the_page_opens_the_default_cell_with_the_ledgers_number():
    at = open_app(PAGE, vpaths="true")  # the paths section (it starts closed)
    assert not at.exception
    s, k = calls.default_cell(DEFAULT.T)
    assert (widget(at, KEYS["s"]).value, widget(at, KEYS["k"]).value) == (s, k) == (20, 10)
    assert metric(at, say(ct.LEDGER, s=s, k=k)) == sci(reference_norm(DEFAULT, s, k), 4)
    assert any(m.value.startswith("✓") for m in at.markdown)
    assert len(at.dataframe) >= 1


def test_the_inputs_open_a_cell_and_put_it_in_the_url():
    at = open_app(PAGE, T=9, H=5, vpaths="true")
    net = Network(T=9, H=5)
    widget(at, KEYS["s"]).set_value(7).run()
    widget(at, KEYS["k"]).set_value(3).run()
    assert not at.exception
    assert metric(at, say(ct.LEDGER, s=7, k=3)) == sci(reference_norm(net, 7, 3), 4)
    # (the browser writes a bound input's value into the URL: tests/e2e/test_ledger_click.py)
    # k follows s down: s = 2 leaves k = 2 (the last k a loss at step 2 can reach)
    widget(at, KEYS["s"]).set_value(2).run()
    assert not at.exception and widget(at, KEYS["k"]).value == 2
    assert metric(at, say(ct.LEDGER, s=2, k=2)) == sci(reference_norm(net, 2, 2), 4)


def test_shortening_the_sequence_keeps_the_cell_a_path_term():
    at = open_app(PAGE, cs=18, ck=12)
    assert (widget(at, KEYS["s"]).value, widget(at, KEYS["k"]).value) == (18, 12)
    widget(at, "T").set_value(5).run()
    assert not at.exception
    s, k = widget(at, KEYS["s"]).value, widget(at, KEYS["k"]).value
    assert 1 <= k <= s <= 5
    assert metric(at, say(ct.LEDGER, s=s, k=k)) == sci(reference_norm(Network(T=5), s, k), 4)


def test_a_link_opens_its_cell():
    at = open_app(PAGE, T=9, H=5, cs=6, ck=1)
    assert not at.exception
    assert (widget(at, KEYS["s"]).value, widget(at, KEYS["k"]).value) == (6, 1)
    assert metric(at, say(ct.LEDGER, s=6, k=1)) == "0"  # δ₁⁽⁶⁾ h⁽⁰⁾ᵀ with h⁽⁰⁾ = 0
    assert "h⁽⁰⁾ = 0 (the initial state)" in texts(at)
    assert not at.warning


def test_a_link_opens_its_cell_on_the_trained_network():
    at = open_app(PAGE, T=9, H=5, steps=3, cs=7, ck=2)
    assert not at.exception
    want = reference_norm(Network(T=9, H=5), 7, 2, steps=3)
    assert want != reference_norm(Network(T=9, H=5), 7, 2)  # the steps changed the term
    assert metric(at, say(ct.LEDGER, s=7, k=2)) == sci(want, 4)


@pytest.mark.parametrize(
    "cs, ck, bad",
    [
        ("abc", "3", ["abc"]),
        ("0", "1", ["0"]),
        ("10", "2", ["10"]),
        ("2.5", "x", ["2.5", "x"]),
        ("4", "5", ["5"]),
    ],
)
def test_a_bad_link_value_is_said_and_the_default_used(cs, ck, bad):
    at = open_app(PAGE, T=9, H=5, cs=cs, ck=ck)
    assert not at.exception
    notes = [w.value for w in at.warning]
    for raw in bad:
        assert any(f"“{raw}”" in n for n in notes), notes
    assert len([n for n in notes if "The link sets" in n]) == len(bad)
    s, k = widget(at, KEYS["s"]).value, widget(at, KEYS["k"]).value
    assert 1 <= k <= s <= 9
    assert metric(at, say(ct.LEDGER, s=s, k=k)) == sci(reference_norm(Network(T=9, H=5), s, k), 4)


def test_one_step_has_one_cell():
    at = open_app(PAGE, T=1, vpaths="true")
    assert not at.exception
    assert say(ct.ONE_STEP) in texts(at)
    assert metric(at, say(ct.LEDGER, s=1, k=1)) == "0"  # the only term is δ₁⁽¹⁾ h⁽⁰⁾ᵀ = 0


@pytest.mark.parametrize(
    "base, n, want",
    [(0.5, 5, 5 * np.log10(0.5)), (3.0, 0, 0.0), (0.0, 4, -np.inf), (np.nan, 2, np.nan), (np.inf, 2, np.inf)],
)
def test_the_bound_in_log_space(base, n, want):
    got = ct.bound_log(base, n)
    assert (np.isnan(got) and np.isnan(want)) or got == pytest.approx(want)


@pytest.mark.parametrize("T", [1, 2, 12, 20, 21, 45, 100, 200])
def test_the_ledgers_ticks_sit_on_whole_steps(T):
    C = np.tril(np.ones((T, T)))
    axis = _spec(charts.contribution_chart(C))["layer"][1]["encoding"]["x"]["axis"]
    ticks = axis["values"]
    assert ticks[0] == 1 and all(1 <= v <= T and float(v).is_integer() for v in ticks)
    assert len(ticks) <= 21 and len(set(np.diff(ticks[1:]))) <= 1  # evenly spaced after 1
    assert T - ticks[-1] < (ticks[-1] - ticks[-2] if len(ticks) > 1 else 1)  # reaches the last step
