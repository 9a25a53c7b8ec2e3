"""AppTest of the Vanishing & exploding page, opened through the app's entry file.

The page runs at its defaults and with every control at its extremes; its links round-trip; the
numbers it shows that can be checked are checked against a computation made here.
"""

import re
import string

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import rnn_core as rc
from tests.app.helpers import find_widget, open_app, widget
from ui.i18n import say
from ui.state import ACTIVATION_LABELS, DEFAULT, INIT_LABELS, LOSS_LABELS
from ui.vanishing import calls
from ui.vanishing import text as t
from ui.vanishing.sections import SECTION_KEYS

PAGE = "app_pages/vanishing.py"
# every section open: sections 2–4 start closed (test_vanishing_lazy.py)
ALL_OPEN = {key: "true" for key in SECTION_KEYS.values()}


def run_page(**query) -> AppTest:
    """The page from a link carrying ``query``, with every section open (the link says so)."""
    return open_app(PAGE, **{**ALL_OPEN, **{k: str(v) for k, v in query.items()}})


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def metrics(at: AppTest, label: str) -> list[str]:
    return [m.value for m in at.metric if m.label == label]


def fixed(template: str) -> str:
    """The longest stretch of a template's own words (between its fields): what tells it apart."""
    return max((literal for literal, *_ in string.Formatter().parse(template)), key=len)


def texts(at: AppTest) -> str:
    return "\n".join(
        e.value for kind in ("markdown", "info", "warning", "caption") for e in getattr(at, kind)
    )


def test_defaults_run_and_show_checked_numbers():
    at = run_page()
    assert not at.exception
    assert at.title[0].value == "Vanishing & exploding gradients"
    assert len(at.get("vega_lite_chart")) == 9
    # σ_max(W) and ρ(W) of the default network, computed here from its initial W
    W = rc.RNNParams.init(DEFAULT.D, DEFAULT.H, DEFAULT.K, w_init=DEFAULT.w_init, w_scale=DEFAULT.w_scale).W
    assert float(metrics(at, say(t.SIGMA))[0]) == pytest.approx(
        np.linalg.svd(W, compute_uv=False)[0], rel=5e-3
    )
    assert float(metrics(at, say(t.RHO))[0]) == pytest.approx(np.abs(np.linalg.eigvals(W)).max(), rel=5e-3)
    # the distance split reproduces BPTT's ∂L/∂W, and its shares sum to 1
    assert float(metric(at, say(t.RECONCILE))) < 1e-8
    assert float(metric(at, say(t.SHARE_SUM))) == pytest.approx(1.0, abs=1e-9)
    # norm clipping at θ = 1: the norm after is min(θ, ‖g‖) and the direction is kept
    before = float(metric(at, say(t.NORM_BEFORE)))
    assert float(metric(at, say(t.NORM_AFTER))) == pytest.approx(min(calls.DEFAULT_CLIP, before), rel=1e-3)
    assert metric(at, say(t.NORM_COSINE)) == "1.000000"
    assert float(metric(at, say(t.ELEMENTWISE_COSINE))) <= 1.0
    # the long-range share is the same before and after norm clipping (printed twice)
    answer = next(i.value for i in at.info if fixed(t.LONG_RANGE) in i.value)
    assert fixed(t.LONG_AFTER_CLIPPED) in answer  # ‖g‖ > 1 at the defaults: norm clipping bites
    shares = re.findall(r"share (?:is still )?([0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)", answer)
    assert len(shares) == 2 and shares[0] == shares[1]


def test_the_non_normal_preset_numbers_are_computed():
    at = run_page()
    W = np.array(calls.NONNORMAL_W)
    norms = [
        np.linalg.svd(np.linalg.matrix_power(W, n), compute_uv=False)[0]
        for n in range(1, calls.NONNORMAL_N + 1)
    ]
    assert float(metrics(at, say(t.RHO))[-1]) == pytest.approx(max(abs(np.linalg.eigvals(W))), rel=1e-3)
    assert float(metrics(at, say(t.SIGMA))[-1]) == pytest.approx(
        np.linalg.svd(W, compute_uv=False)[0], rel=1e-3
    )
    assert int(metric(at, say(t.PEAK_AT))) == 1 + int(np.argmax(norms))
    assert metric(at, say(t.PEAK)) == f"10^({np.log10(max(norms)):.3f})"


def test_the_regime_sentence_follows_the_network():
    at = run_page(act="sigmoid", scale="2.0")
    assert not at.exception
    # γ·σ_max(W) = ¼ · 2 = 0.5 < 1: vanishing, and guaranteed by the bound
    assert f"Regime: {say(t.REGIME_LABELS['vanishing'])}." in texts(at)
    assert say(t.WHY_GUARANTEED, base=say(t.BOUND_BASE, base="0.5")) in texts(at)
    at = run_page(act="linear", scale="2.0", T="30")
    assert f"Regime: {say(t.REGIME_LABELS['exploding'])}." in texts(at) and fixed(t.WHY_EXPLODING) in texts(
        at
    )


def test_initialisation_metrics_of_a_linear_network_follow_the_closed_form():
    # linear f, σ_max(W) = 1: orthogonal and identity W keep ‖Wᵈ‖ = 1; a gaussian W has ρ < 1
    at = run_page(act="linear", scale="1.0", T="40")
    assert not at.exception
    assert float(metric(at, say(t.INIT_NORM, init="orthogonal"))) == pytest.approx(0.0, abs=0.006)
    assert float(metric(at, say(t.INIT_NORM, init="identity"))) == pytest.approx(0.0, abs=0.006)
    assert float(metric(at, say(t.INIT_NORM, init="gaussian"))) < -1


def test_saturated_units_zero_gradient_is_explained():
    # five steps at lr 0.1 push tanh so far into saturation that f′ underflows to 0: ∂L/∂W = 0
    at = run_page(act="tanh", scale="4.0", T="200", steps="5")
    assert not at.exception
    infos = "\n".join(i.value for i in at.info)
    assert say(t.ZERO_GRADIENT, why=say(t.ZERO_CUT)) in infos
    assert say(t.LONG_ZERO) in infos
    assert say(t.CUT_SATURATED) in infos and say(t.CUT_RELU) not in infos


def test_relu_with_one_unit_explains_exactly_zero_jacobians():
    at = run_page(act="ReLU", H="1")
    assert not at.exception
    assert any(fixed(form) in texts(at) for form in t.PROFILE_ZERO) and say(t.CUT_RELU) in texts(at)
    assert f"Regime: {say(t.REGIME_LABELS['zero'])}." in texts(at)


def test_overflow_is_explained_not_crashed_on():
    # 4^200 fits in float64; the gradient steps that follow do not (as on the Overview page)
    at = run_page(act="linear", scale="4.0", T="200", steps="2")
    assert not at.exception
    assert any("overflowed float64 at t =" in w.value for w in at.warning)
    assert say(t.CLIP_NONFINITE) in texts(at)
    assert metric(at, say(t.RECONCILE)) == "nan"
    # C, G_d, truncation and clipping would be empty: left out; profile, map, inits, Wⁿ remain
    assert len(at.get("vega_lite_chart")) == 4


# --- links --------------------------------------------------------------------------------------


def test_a_link_sets_the_page_controls():
    at = run_page(T="30", dist="7", tau="3", clip="0.05")
    assert not at.exception
    assert widget(at, "dist").value == 7
    assert widget(at, "tau").value == 3
    assert widget(at, "clip").value == pytest.approx(0.05)
    assert fixed(t.TRUNCATION_KEEPS) in texts(at) and "τ = 3 keeps the paths with s − k < 3" in texts(at)
    assert "threshold = 0.05" in texts(at)


@pytest.mark.parametrize(
    "query",
    [
        dict(dist="abc", tau="-2", clip="7"),
        dict(dist="1e9", tau="nan", clip="<b>"),
        dict(T="10", dist="15", tau="11"),  # beyond the current T
        dict(dist="0", tau="", clip="0"),
    ],
)
def test_garbage_and_out_of_range_links_open_with_the_defaults(query):
    at = run_page(**query)
    assert not at.exception
    T = int(query.get("T", DEFAULT.T))
    assert widget(at, "dist").value == min(calls.DEFAULT_DIST, T)
    assert widget(at, "tau").value == min(calls.DEFAULT_TAU, T)
    assert widget(at, "clip").value == pytest.approx(calls.DEFAULT_CLIP)


# --- every control at its extremes --------------------------------------------------------------


@pytest.mark.parametrize("key, end", [("dist", "min"), ("dist", "max"), ("tau", "min"), ("tau", "max")])
def test_page_sliders_at_their_extremes(key, end):
    at = run_page()
    w = widget(at, key)
    value = getattr(w, end)
    w.set_value(value).run()
    assert not at.exception
    assert widget(at, key).value == value


@pytest.mark.parametrize("index", [0, -1])
def test_clip_threshold_at_its_extremes(index):
    at = run_page()
    theta = calls.CLIP_THRESHOLDS[index]
    widget(at, "clip").set_value(theta).run()
    assert not at.exception
    before = float(metric(at, say(t.NORM_BEFORE)))
    assert float(metric(at, say(t.NORM_AFTER))) == pytest.approx(min(theta, before), rel=1e-3)


SIDEBAR = (
    [("act", name) for name in ACTIVATION_LABELS]
    + [("init", name) for name in INIT_LABELS]
    + [("loss", name) for name in LOSS_LABELS]
    + [(k, end) for k in ("H", "T") for end in ("min", "max")]
)


@pytest.mark.parametrize("key, value", SIDEBAR)
def test_sidebar_controls_at_their_extremes(key, value):
    at = run_page()
    w = widget(at, key)
    if value in ("min", "max"):
        value = getattr(w, value)
    w.set_value(value).run()
    assert not at.exception
    assert widget(at, key).value == value
    if key == "T" and value == 1:  # a one-step sequence has no range to slide over
        assert not (find_widget(at, "dist") is not None) and not (find_widget(at, "tau") is not None)
        # ∂L/∂W = δ⁽¹⁾h⁽⁰⁾ᵀ = 0: the page says why there are no shares
        assert any(say(t.ZERO_GRADIENT, why=say(t.ZERO_ONE_STEP)) in i.value for i in at.info)
    else:  # the link opened the sections: they stay open and compute for the new value
        assert float(metric(at, say(t.SHARE_SUM))) == pytest.approx(1.0, abs=1e-9)


def test_largest_network_runs():
    at = run_page(H="128", T="200", dist="200", tau="200")
    assert not at.exception
    assert widget(at, "dist").value == 200
    assert say(t.TRUNCATION_FULL, tau=200, T=200) in texts(at)
    assert float(metric(at, say(t.KEPT, tau=200))) == pytest.approx(1.0, abs=1e-4)
    assert float(metric(at, say(t.DROPPED))) == 0.0
    assert float(metric(at, say(t.RECONCILE))) < 1e-8
