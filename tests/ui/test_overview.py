"""Builders of the Overview page: the unrolled graph and the regime sentence."""

import re

import numpy as np
import pytest

from rnn_core.spectral import spectral_summary
from ui.overview import model_latex, regime_sentence, shown_steps, unrolled_dot


@pytest.mark.parametrize("T", [1, 2, 6])
def test_short_sequences_draw_every_step(T):
    assert shown_steps(T) == list(range(1, T + 1))
    dot = unrolled_dot(T)
    assert "gap" not in dot
    for t in range(1, T + 1):
        assert f"h{t - 1} -> h{t}" in dot  # the recurrence edge through W
        assert f"x{t} -> h{t}" in dot and f"h{t} -> o{t}" in dot and f"o{t} -> L{t}" in dot


@pytest.mark.parametrize("T", [7, 20, 200])
def test_long_sequences_keep_both_ends_around_a_gap(T):
    steps = shown_steps(T)
    assert steps[0] == 1 and steps[-1] == T and steps.count(None) == 1
    dot = unrolled_dot(T)
    drawn = sorted(int(n) for n in re.findall(r"^\s+h(\d+) \[label", dot, flags=re.M) if n != "0")
    assert drawn == [t for t in steps if t is not None]
    assert "-> gap" in dot and f"gap -> h{steps[steps.index(None) + 1]}" in dot


def test_model_latex_follows_the_loss():
    assert r"\operatorname{softmax}" in model_latex("softmax_ce")
    assert r"\operatorname{softmax}" not in model_latex("mse") and r"\tfrac12" in model_latex("mse")


def test_regime_sentence_uses_the_computed_bound():
    vanishing = spectral_summary(np.eye(3) * 3.0, "sigmoid")  # γ·σ = 0.75
    assert "guaranteed" in regime_sentence(vanishing) and "0.75" in regime_sentence(vanishing)
    exploding = spectral_summary(np.eye(3) * 1.5, "tanh")
    assert "possible but not certain" in regime_sentence(exploding) and "1.5" in regime_sentence(exploding)
