"""Builders of the Overview page: the regime sentence (its graph: test_graph.py; its formulas:
test_formulas.py)."""

import numpy as np

import rnn_core as rc
from ui.overview import regime_sentence


def test_regime_sentence_uses_the_computed_bound():
    vanishing = rc.spectral_summary(np.eye(3) * 3.0, "sigmoid")  # γ·σ = 0.75
    assert "guaranteed" in regime_sentence(vanishing) and "0.75" in regime_sentence(vanishing)
    exploding = rc.spectral_summary(np.eye(3) * 1.5, "tanh")
    assert "possible but not certain" in regime_sentence(exploding) and "1.5" in regime_sentence(exploding)
