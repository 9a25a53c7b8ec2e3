"""AppTest of the entry file, the shared sidebar and the Overview page."""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import rnn_core as rc
from tests.app.helpers import open_app, widget
from ui import notices
from ui.i18n import say
from ui.overview import text as tx
from ui.state import ACTIVATION_LABELS, DEFAULT, INIT_LABELS, LOSS_LABELS


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_defaults_run_and_show_the_network_summary():
    at = open_app()
    assert not at.exception
    assert at.title[0].value == say(tx.TITLE)
    params = rc.RNNParams.init(
        DEFAULT.D, DEFAULT.H, DEFAULT.K, w_init=DEFAULT.w_init, w_scale=DEFAULT.w_scale
    )
    sigma = np.linalg.norm(params.W, 2)
    rho = np.abs(np.linalg.eigvals(params.W)).max()
    assert float(metric(at, say(tx.SIGMA_LABEL))) == pytest.approx(sigma, rel=1e-3)
    assert float(metric(at, say(tx.RHO_LABEL))) == pytest.approx(rho, rel=1e-3)
    assert len(at.get("graphviz_chart")) == 1
    # tanh (γ = 1) and σ_max(W) = 1: the bound is 1ᵈ, so no norm can grow (and none must vanish)
    assert abs(sigma - 1) <= rc.BOUND_RTOL
    regime = say(tx.CANNOT_GROW, gamma="1", sigma="1", tolerance="1·10⁻⁹")
    assert any(m.value == regime for m in at.markdown)
    assert not [m for m in at.markdown if "possible but not certain" in m.value]


def test_sigmoid_below_one_over_gamma_says_vanishing_is_guaranteed():
    at = open_app(act="sigmoid", scale="2.0")
    assert not at.exception
    assert float(metric(at, say(tx.BASE_LABEL))) == pytest.approx(0.25 * 2.0)
    regime = say(tx.VANISHING_GUARANTEED, gamma="0.25", sigma="2", base="0.5")
    assert any(m.value == regime for m in at.markdown)


def test_link_sets_every_sidebar_control():
    query = dict(
        act="ReLU",
        H="32",
        T="50",
        init="identity",
        scale="1.5",
        D="4",
        K="5",
        loss="MSE",
        seed="7",
        lr="0.03",
    )
    at = open_app(**query)
    assert not at.exception
    assert widget(at, "act").value == "relu"
    assert widget(at, "H").value == 32
    assert widget(at, "T").value == 50
    assert widget(at, "init").value == "identity"
    assert widget(at, "scale").value == pytest.approx(1.5)
    assert widget(at, "D").value == 4
    assert widget(at, "K").value == 5
    assert widget(at, "loss").value == "mse"
    assert widget(at, "seed").value == 7
    assert widget(at, "lr").value == pytest.approx(0.03)
    # identity init with scale 1.5: W = 1.5 I, so ρ = σ_max = 1.5
    assert float(metric(at, say(tx.RHO_LABEL))) == pytest.approx(1.5)


@pytest.mark.parametrize(
    "key, bad",
    [
        ("H", "1000"),
        ("H", "-3"),
        ("T", "abc"),
        ("scale", "nan"),
        ("scale", "99"),
        ("act", "softplus"),
        ("init", "<script>"),
        ("loss", ""),
        ("seed", "1e9"),
        ("lr", "7"),
        ("D", "0"),
        ("K", "1"),
    ],
)
def test_garbage_in_a_link_opens_with_the_default(key, bad):
    at = open_app(**{key: bad})
    assert not at.exception
    field = {"act": "activation", "init": "w_init", "scale": "w_scale"}.get(key, key)
    expected = getattr(DEFAULT, field)
    value = widget(at, key).value
    assert value == pytest.approx(expected) if isinstance(expected, float) else value == expected
    # ... and says so, naming what it received and what it uses; still after a rerun
    notes = [w.value for w in at.warning if w.value.startswith("The link sets")]
    assert len(notes) == 1 and f"“{bad}”" in notes[0]
    at.run()
    assert [w.value for w in at.warning if w.value.startswith("The link sets")] == notes


def test_a_link_value_between_slider_steps_is_used_as_shown():
    at = open_app(scale="1.33")  # the slider moves in 0.05 steps but shows two decimals
    assert not at.exception
    assert widget(at, "scale").value == pytest.approx(1.33)
    assert float(metric(at, say(tx.SIGMA_LABEL))) == pytest.approx(1.33, abs=1e-9)
    assert not [w for w in at.warning if w.value.startswith("The link sets")]


@pytest.mark.parametrize("scale", ["5", "8"])
def test_sigmoid_above_one_over_gamma_can_be_linked(scale):
    at = open_app(act="sigmoid", scale=scale)
    assert not at.exception
    assert widget(at, "scale").value == pytest.approx(float(scale))
    base = 0.25 * float(scale)
    regime = say(tx.EXPLOSION_POSSIBLE, gamma="0.25", sigma=scale, base=format(base, "g"))
    assert regime in [m.value for m in at.markdown]


SIDEBAR_EXTREMES = (
    [("act", name) for name in ACTIVATION_LABELS]
    + [("init", name) for name in INIT_LABELS]
    + [("loss", name) for name in LOSS_LABELS]
    + [(k, v) for k in ("H", "T", "D", "K") for v in ("min", "max")]
    + [("scale", "min"), ("scale", "max"), ("seed", 9999), ("lr", 0.001), ("lr", 1.0), ("steps", 500)]
)


@pytest.mark.parametrize("key, value", SIDEBAR_EXTREMES)
def test_every_sidebar_control_at_its_extremes(key, value):
    at = open_app()
    w = widget(at, key)
    if value in ("min", "max"):
        value = getattr(w, value)
    w.set_value(value)
    at.run()
    assert not at.exception
    assert widget(at, key).value == value


def test_overflow_is_explained_not_crashed_on():
    # 4^200 ≈ 1e120 still fits in float64; one gradient step of that size does not
    at = open_app(act="linear", scale="4.0", T="200", steps="2")
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert any("overflowed float64 at t =" in w for w in warnings)
    stopped = {say(notices.STOPPED, done=1, steps=2, reason=notices.stop_reason(r)) for r in rc.DESCENT_STOPS}
    assert stopped & set(warnings)  # 1 of the 2 steps taken


def test_a_non_normal_W_and_taken_steps_are_explained():
    at = open_app(init="gaussian", steps="2")
    assert not at.exception
    sigma, rho = float(metric(at, say(tx.SIGMA_LABEL))), float(metric(at, say(tx.RHO_LABEL)))
    assert rho < sigma  # a random Gaussian W is not normal
    captions = [c.value for c in at.caption]
    assert (
        say(tx.NON_NORMAL, rho=metric(at, say(tx.RHO_LABEL)), sigma=metric(at, say(tx.SIGMA_LABEL)))
        in captions
    )
    assert say(tx.AFTER_STEPS, steps=2, lr=format(DEFAULT.lr, "g")) in captions
    assert not [
        c for c in open_app().caption if c.value.startswith(tx.NON_NORMAL.split("{")[0])
    ]  # orthogonal
