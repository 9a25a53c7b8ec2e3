"""AppTest of the "Activation derivatives" page, opened through the app entry and its URL."""

import math

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import rnn_core as rc
from tests.app.helpers import open_app, widget
from ui import activations as ua
from ui.activations import text as tx
from ui.data import initial_params, live_network, sequence
from ui.format import sci
from ui.i18n import say
from ui.state import ACTIVATION_LABELS, DEFAULT, INIT_LABELS, LOSS_LABELS, Network

PAGE = "app_pages/activations.py"


def open_page(**query) -> AppTest:
    return open_app(PAGE, **query)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def markdown_with(at: AppTest, text: str) -> str:
    return next(m.value for m in at.markdown if text in m.value)


def percent(value: str) -> float:
    return float(value.rstrip("%")) / 100


def test_defaults_run_and_show_every_section():
    at = open_page()
    assert not at.exception
    assert at.title[0].value == "Activation derivatives"
    assert widget(at, "show").value == list(rc.ACTIVATIONS)
    assert widget(at, "arange").value == ua.A_MAX_DEFAULT
    assert widget(at, "kmax").value == ua.K_MAX_DEFAULT
    assert [h.value for h in at.header][:5] == [
        "1. f and f′, side by side",
        "2. Ranges, γ and 1/γ, checked",
        "3. Multiplying k derivatives",
        "4. The derivatives your network actually produces",
        "5. Where float64 rounds f′ to exactly 0.0",
    ]
    assert len(at.get("vega_lite_chart")) == 6  # f/f′/strip, γᵏ, histogram, products, 2 × float64
    assert any("figures are missing" in m.value for m in at.markdown)
    assert any("What the homework gets wrong" in s.value for s in at.subheader)


def test_the_ranges_table_shows_rnn_core_ranges_and_a_passing_check_for_every_activation():
    at = open_page()
    table = markdown_with(at, "| activation | f |")
    for name, act in rc.ACTIVATIONS.items():
        row = next(
            line for line in table.splitlines() if line.startswith(f"| **{ACTIVATION_LABELS[name]}** |")
        )
        assert f"${act.latex_range_df}$" in row and f"${act.latex_range_f}$" in row
        assert "= γ ✓" in row
        assert f"| {act.gamma:g} | {1 / act.gamma:g} |" in row
    assert "✗" not in table
    tanh_row = next(line for line in table.splitlines() if line.startswith("| **tanh** |"))
    assert "at a = 0 |" in tanh_row  # tanh′ reaches 1 at a = 0: (0, 1], not (0, 1)


def test_homework_corrections_are_on_the_page():
    text = markdown_with(at := open_page(), "tanh′ ranges over")
    assert not at.exception
    assert r"$(0,\ 1]$, not $(0,\ 1)$" in text
    assert r"sigmoid′ ranges over $(0,\ \tfrac{1}{4}]$" in text
    assert "causes explosion" in text and "decided by W" in text and "ReLU′ = 0 exactly" in text


def expected_derivatives(net: Network) -> np.ndarray:
    """f′(a⁽ᵗ⁾) of the sidebar's network, from rnn_core directly: (T·H,)."""
    xs, targets = sequence(net)
    trace = rc.forward(initial_params(net), xs, targets, activation=net.activation, loss=net.loss)
    return rc.ACTIVATIONS[net.activation].df(trace.a).ravel()


@pytest.mark.parametrize(
    "act, query",
    [
        ("tanh", {}),
        ("sigmoid", {"act": "sigmoid", "scale": "4.0"}),
        ("relu", {"act": "ReLU", "H": "64", "T": "50"}),
    ],
)
def test_network_metrics_match_a_direct_count(act, query):
    at = open_page(**query)
    assert not at.exception
    net = Network(
        activation=act,
        H=int(query.get("H", DEFAULT.H)),
        T=int(query.get("T", DEFAULT.T)),
        w_scale=float(query.get("scale", DEFAULT.w_scale)),
    )
    d = expected_derivatives(net)
    gamma = rc.ACTIVATIONS[act].gamma
    assert metric(at, "f′ values") == f"{d.size:,}"
    # the page rounds to 0.1 %: the same rounding of the direct count must give the same text
    assert metric(at, "saturated (f′ < 0.01·γ)") == f"{np.mean(d < 0.01 * gamma):.1%}"
    assert metric(at, "exactly 0 (dead paths)") == f"{np.mean(d == 0.0):.1%}"
    assert float(metric(at, "mean f′")) == pytest.approx(d.mean(), rel=5e-3)


def test_the_float64_table_shows_thresholds_that_hold_on_the_float64_grid():
    at = open_page()
    table = markdown_with(at, "form of f′")
    rows = [line for line in table.splitlines() if line.startswith("| tanh") or line.startswith("| sigmoid")]
    assert len(rows) == 4
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        name = "tanh" if cells[0] == "tanh" else "sigmoid"
        df = rc.ACTIVATIONS[name].df if cells[1].startswith("rnn_core") else None
        if df is None:  # the textbook forms, written out here from their definitions
            f = rc.ACTIVATIONS[name].f

            def df(a, f=f, name=name):
                return 1.0 - np.tanh(a) ** 2 if name == "tanh" else f(a) * (1.0 - f(a))

        for cell in (cells[2], cells[4]):
            t = float(cell.replace("−", "-"))
            before = np.nextafter(t, 0.0)
            assert df(np.array([t]))[0] == 0.0
            assert df(np.array([before]))[0] != 0.0
    # rnn_core's sigmoid′ = e/(1+e)² dies exactly where exp(−a) underflows: a > 1075·ln 2
    sigmoid_row = next(r for r in rows if r.startswith("| sigmoid | rnn_core"))
    assert float(sigmoid_row.split("|")[3]) == pytest.approx(1075 * math.log(2), rel=1e-12)


def test_link_round_trip_sets_the_page_controls():
    at = open_page(show=["tanh", "ReLU"], arange="20", kmax="7")
    assert not at.exception
    assert widget(at, "show").value == ["tanh", "relu"]
    assert widget(at, "arange").value == 20
    assert widget(at, "kmax").value == 7
    table = markdown_with(at, "| activation | f |")
    assert "| **tanh** |" in table and "| **ReLU** |" in table and "| **sigmoid** |" not in table
    assert "over [−20, 20]" in next(c.value for c in at.caption if "computed on a grid" in c.value)
    assert f"at k = 7 that is γᵏ = {sci(0.25**7)}" in next(
        c.value for c in at.caption if "k sigmoid factors" in c.value
    )


@pytest.mark.parametrize(
    "key, bad",
    [
        ("show", "softplus"),
        ("arange", "1000"),
        ("arange", "abc"),
        ("arange", "0"),
        ("kmax", "-5"),
        ("kmax", "1e9"),
        ("kmax", "nan"),
    ],
)
def test_garbage_in_a_link_opens_with_the_default(key, bad):
    at = open_page(**{key: bad})
    assert not at.exception
    expected = {"show": list(rc.ACTIVATIONS), "arange": ua.A_MAX_DEFAULT, "kmax": ua.K_MAX_DEFAULT}[key]
    assert widget(at, key).value == expected


PAGE_EXTREMES = (
    [("show", [name]) for name in rc.ACTIVATIONS]
    + [("show", [])]
    + [(k, v) for k in ("arange", "kmax") for v in ("min", "max")]
)
SIDEBAR_EXTREMES = (
    [("act", name) for name in ACTIVATION_LABELS]
    + [("init", name) for name in INIT_LABELS]
    + [("loss", name) for name in LOSS_LABELS]
    + [(k, v) for k in ("H", "T") for v in ("min", "max")]
)


@pytest.mark.parametrize("key, value", PAGE_EXTREMES + SIDEBAR_EXTREMES)
def test_every_control_at_its_extremes(key, value):
    at = open_page()
    w = widget(at, key)
    if value in ("min", "max"):
        value = getattr(w, value)
    w.set_value(value)
    at.run()
    assert not at.exception
    assert widget(at, key).value == value
    if key == "show" and not value:
        assert sum("Choose at least one activation" in i.value for i in at.info) == 3  # sections 1, 2, 3
        assert len(at.get("vega_lite_chart")) == 4  # the network's and float64's charts remain


def test_largest_network_with_saturating_sigmoid_and_largest_page_settings():
    at = open_page(act="sigmoid", H="128", T="200", scale="4.0", arange="40", kmax="500")
    assert not at.exception
    assert metric(at, "f′ values") == f"{128 * 200:,}"
    assert "at k = 500" in next(c.value for c in at.caption if "k sigmoid factors" in c.value)


def test_overflowing_network_is_explained_not_crashed_on():
    at = open_page(act="ReLU", init="identity", scale="4.0", T="200", steps="2")
    assert not at.exception
    assert any("overflowed float64" in w.value for w in at.warning)


def test_relu_gets_its_own_float64_sentence():
    at = open_page(act="ReLU")
    text = markdown_with(at, "In your network")
    d = expected_derivatives(Network(activation="relu"))  # counted here from rnn_core's f′
    assert percent(metric(at, "exactly 0 (dead paths)")) == pytest.approx(np.mean(d == 0.0), abs=5e-4)
    said = say(
        tx.IN_NETWORK["relu"],
        name="ReLU",
        zero=f"{np.mean(d == 0.0):.1%}",
        zero_textbook="0.0%",
        max_abs_a="",
    )
    assert text.endswith(said)


def test_textbook_zero_fraction_shown_for_a_trained_saturated_tanh_network():
    # five steps at σ_max(W) = 4 push some |a⁽ᵗ⁾| past 19, where 1 − tanh²a is exactly 0.0 in float64
    at = open_page(act="tanh", H="32", scale="4.0", steps="5")
    assert not at.exception
    net = Network(activation="tanh", H=32, w_scale=4.0)
    a = live_network(net, 5).trace.a
    textbook_zero = np.mean(1.0 - np.tanh(a) ** 2 == 0.0)
    assert 0.0 < textbook_zero < 1.0  # the configuration shows the difference
    text = markdown_with(at, "In your network")
    assert f"would round {textbook_zero:.1%} of its f′ values to exactly 0.0" in text
    assert f"rnn_core's form rounds {np.mean(rc.ACTIVATIONS['tanh'].df(a) == 0.0):.1%}" in text
    assert f"max |a⁽ᵗ⁾| = {sci(np.abs(a).max())}" in text


def test_the_cached_float64_words_are_the_sentences_of_the_data_and_the_network():
    from ui.activations import calls, words

    data = calls.float64_data()
    said = words.float64_words()
    assert said.table == tx.float64_table(data) and said.notice == tx.float64_notice(data)
    assert words.gamma_notice(50) == tx.gamma_notice(calls.gamma_power_data(50), 50)
    for activation in ("tanh", "relu"):
        at = open_page(act=ACTIVATION_LABELS[activation])
        stats = calls.network_derivatives(Network(activation=activation), 0).stats
        assert tx.float64_meaning(data, stats) in [m.value for m in at.markdown]
        assert any(said.notice in c.value for c in at.caption)
