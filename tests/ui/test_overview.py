"""The Overview page's modules: its cached call and its sentences, chosen by rnn_core's verdict (its
graph: test_graph.py; its formulas: test_formulas.py)."""

import numpy as np
import pytest

import rnn_core as rc
from ui.i18n import say
from ui.overview import calls
from ui.overview import text as tx
from ui.state import Network


def test_regime_sentence_is_chosen_by_the_verdict_and_carries_the_bound():
    vanishing = rc.spectral_summary(np.eye(3) * 3.0, "sigmoid")  # γ·σ = 0.25 × 3 = 0.75 < 1
    assert vanishing.vanishing_guaranteed
    assert tx.regime_sentence(vanishing) == say(tx.VANISHING_GUARANTEED, gamma="0.25", sigma="3", base="0.75")
    exploding = rc.spectral_summary(np.eye(3) * 1.5, "tanh")  # γ·σ = 1.5 ≥ 1
    assert not exploding.vanishing_guaranteed
    assert tx.regime_sentence(exploding) == say(tx.EXPLOSION_POSSIBLE, gamma="1", sigma="1.5", base="1.5")


@pytest.mark.parametrize("scale", [1.0, 1 - 1.1e-16, 1 + 2.2e-16, 1 + rc.BOUND_RTOL / 2])
def test_at_the_bound_no_norm_can_grow_and_nothing_prints_1_below_1(scale):
    summary = rc.spectral_summary(np.eye(3) * scale, "tanh")
    assert summary.bound.kind == "cannot_grow" and not summary.vanishing_guaranteed
    sentence = tx.regime_sentence(summary)
    assert sentence == say(tx.CANNOT_GROW, gamma="1", sigma="1", tolerance="1·10⁻⁹")
    assert "1 < 1" not in sentence and "≥ 1" not in sentence
    values = [value for _, value, _ in tx.metrics(summary, "tanh", 1.0)]
    assert values[0] == "1" and values[3] == "1"  # σ_max(W) and γ·σ_max(W) as the verdict prints them


@pytest.mark.parametrize("scale, kind", [(1.0, "cannot_grow"), (1.5, "may_grow"), (0.5, "vanishes")])
def test_for_a_linear_network_the_sentence_says_that_w_alone_decides(scale, kind):
    summary = rc.spectral_summary(np.eye(3) * scale, "linear")
    assert summary.bound.kind == kind
    sentence = tx.regime_sentence(summary, "linear")
    assert "derivatives f′(a⁽ʲ⁾)" not in sentence
    assert ("W alone decides" in sentence) == (kind != "vanishes")
    assert tx.regime_sentence(summary, "tanh") == tx.regime_sentence(summary)


@pytest.mark.parametrize(
    "scale, template", [(1 - 2e-9, "VANISHING_GUARANTEED"), (1 + 2e-9, "EXPLOSION_POSSIBLE")]
)
def test_just_beyond_the_tolerance_the_printed_base_shows_its_side(scale, template):
    summary = rc.spectral_summary(np.eye(3) * scale, "tanh")
    sentence = tx.regime_sentence(summary)
    assert sentence.startswith(getattr(tx, template).split("{")[0])
    base = sentence.split(" = ")[2].split(" ")[0]  # "γ·σ_max(W) = 1 × σ = base < 1"
    assert (float(base) < 1) if template == "VANISHING_GUARANTEED" else (float(base) > 1)


def test_the_non_normal_note_appears_only_when_rho_is_below_sigma_max():
    assert tx.non_normal_note(rc.spectral_summary(np.eye(4) * 2.0, "tanh")) is None  # normal: ρ = σ_max
    shear = np.array([[0.5, 3.0], [0.0, 0.5]])  # non-normal: ρ = 0.5, σ_max ≈ 3.08
    summary = rc.spectral_summary(shear, "tanh")
    note = tx.non_normal_note(summary)
    assert note == say(tx.NON_NORMAL, rho="0.5", sigma=format(np.linalg.norm(shear, 2), ".4g"))


def test_metrics_show_the_summary_and_the_loss():
    summary = rc.spectral_summary(np.eye(3) * 1.5, "relu")
    shown = tx.metrics(summary, "ReLU", 12.3456789)
    assert [value for _, value, _ in shown] == ["1.5", "1.5", "1", "1.5", "12.3457"]
    assert shown[2][0] == say(tx.GAMMA_LABEL, activation="ReLU")
    assert all(label and help_text for label, _, help_text in shown)


def test_after_steps_only_once_steps_were_taken():
    assert tx.after_steps(0, 0.1) is None
    assert tx.after_steps(3, 0.03) == say(tx.AFTER_STEPS, steps=3, lr="0.03")


@pytest.mark.parametrize("steps", [0, 2])
def test_the_cached_summary_is_the_live_networks_spectrum(steps):
    net = Network(H=6, T=5, w_init="gaussian", w_scale=1.3, seed=2)
    summary = calls.spectral_summary(net, steps)
    params = rc.RNNParams.init(net.D, net.H, net.K, w_init=net.w_init, w_scale=net.w_scale, seed=net.seed)
    xs, targets = rc.random_sequence(net.T, net.D, net.K, loss=net.loss, seed=net.seed)
    for _ in range(steps):  # θ ← θ − lr·∂L/∂θ written out
        params = params.sgd_step(rc.bptt(params, rc.forward(params, xs, targets)), net.lr)
    assert summary.sigma_max == pytest.approx(np.linalg.svd(params.W, compute_uv=False)[0], rel=1e-10)
    assert summary.rho == pytest.approx(np.abs(np.linalg.eigvals(params.W)).max(), rel=1e-10)
    assert summary.gamma == rc.ACTIVATIONS[net.activation].gamma
