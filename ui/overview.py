"""Builders for the Overview page: the regime sentence (its formulas are in ui.formulas, its graph in
ui.graph)."""

from __future__ import annotations

import rnn_core as rc


def regime_sentence(summary: rc.SpectralSummary) -> str:
    """What γ·σ_max(W) implies for this network (DESIGN §2), in one or two sentences."""
    g, s, base = summary.gamma, summary.sigma_max, summary.bound_base
    if summary.vanishing_guaranteed:
        return (
            f"γ·σ_max(W) = {g:g} × {s:.4g} = {base:.4g} < 1, so every ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖₂ is at most "
            f"{base:.4g}^(t−k): **vanishing is guaranteed**, whatever the inputs."
        )
    return (
        f"γ·σ_max(W) = {g:g} × {s:.4g} = {base:.4g} ≥ 1, so the bound no longer forces the gradient "
        "to shrink: **explosion is possible but not certain**. Whether it happens depends on the "
        "actual derivatives f′(a⁽ʲ⁾) along the sequence (saturated units shrink it) and on the "
        "directions W stretches."
    )
