"""The Overview page's sentences: templates with named fields, and the functions that choose one
from the network's computed spectrum (rc.SpectralSummary) and fill it through ui.i18n.say."""

from __future__ import annotations

import rnn_core as rc
from ui.format import number
from ui.i18n import say

TITLE = "BPTT Explorer"
INTRO = (
    "A recurrent network reads a sequence x⁽¹⁾ … x⁽ᵀ⁾ one step at a time and carries a hidden state "
    "h⁽ᵗ⁾ from step to step. Training it means following the loss back through every step: "
    "**backpropagation through time (BPTT)**. Change the network in the sidebar and watch what "
    "that does to the gradients, on every page. Every number here is computed live from that network."
)
MODEL_HEADER = "The model"
MODEL_CAPTION = (
    "U (H×D) reads the input, W (H×H) carries the state forward, V (K×H) reads out; b and c are "
    "biases. The same U, W, V are used at every step: that sharing is why W's gradient sums over "
    "paths through time."
)
UNROLLED_HEADER = "Unrolled over T = {T} steps"
UNROLLED_CAPTION = (
    "Each column is one time step. Every arrow labelled W is the same matrix: the loss at step s "
    "reaches W through each of the arrows to the left of h⁽ˢ⁾."
)

PAGES_HEADER = "What each page teaches"

NETWORK_HEADER = "This network"
SIGMA_LABEL = "σ_max(W)"
SIGMA_HELP = "Largest singular value of W: how much W can stretch a vector."
RHO_LABEL = "ρ(W)"
RHO_HELP = "Spectral radius: the largest |eigenvalue| of W."
GAMMA_LABEL = "γ of {activation}"
GAMMA_HELP = "γ = sup|f′(a)|."
BASE_LABEL = "γ·σ_max(W)"
BASE_HELP = "The base of the bound on ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖₂."
LOSS_LABEL = "Loss L"
LOSS_HELP = "Σₜ L⁽ᵗ⁾ on this network's sequence (B = 1)."

VANISHING_GUARANTEED = (
    "γ·σ_max(W) = {gamma} × {sigma} = {base} < 1, so every ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖₂ is at most {base}^(t−k): "
    "**vanishing is guaranteed**, whatever the inputs."
)
EXPLOSION_POSSIBLE = (
    "γ·σ_max(W) = {gamma} × {sigma} = {base} ≥ 1, so the bound no longer forces the gradient to "
    "shrink: **explosion is possible but not certain**. Whether it happens depends on the actual "
    "derivatives f′(a⁽ʲ⁾) along the sequence (saturated units shrink it) and on the directions W "
    "stretches."
)
NON_NORMAL = (
    "Here ρ(W) = {rho} < σ_max(W) = {sigma}: for a non-normal W the eigenvalues understate how much "
    "W can stretch a vector, so the bound uses σ_max."
)
AFTER_STEPS = "After {steps} gradient step(s) with lr = {lr} (sidebar)."
NORMAL_TOLERANCE = 1e-9  # relative: ρ(W) and σ_max(W) closer than this are the same number


def metrics(summary: rc.SpectralSummary, activation: str, loss: float) -> list[tuple[str, str, str]]:
    """The five metrics of "This network": (label, value, help) each."""
    return [
        (say(SIGMA_LABEL), number(summary.sigma_max, ".4g"), say(SIGMA_HELP)),
        (say(RHO_LABEL), number(summary.rho, ".4g"), say(RHO_HELP)),
        (say(GAMMA_LABEL, activation=activation), number(summary.gamma, "g"), say(GAMMA_HELP)),
        (say(BASE_LABEL), number(summary.bound_base, ".4g"), say(BASE_HELP)),
        (say(LOSS_LABEL), number(loss, ".6g"), say(LOSS_HELP)),
    ]


def regime_sentence(summary: rc.SpectralSummary) -> str:
    """What γ·σ_max(W) implies for this network (DESIGN §2): the verdict of rc.SpectralSummary."""
    template = VANISHING_GUARANTEED if summary.vanishing_guaranteed else EXPLOSION_POSSIBLE
    return say(
        template,
        gamma=number(summary.gamma, "g"),
        sigma=number(summary.sigma_max, ".4g"),
        base=number(summary.bound_base, ".4g"),
    )


def non_normal_note(summary: rc.SpectralSummary) -> str | None:
    """Why ρ(W) is not the bound's number, when ρ(W) < σ_max(W); None for a normal W."""
    if abs(summary.sigma_max - summary.rho) <= NORMAL_TOLERANCE * summary.sigma_max:
        return None
    return say(NON_NORMAL, rho=number(summary.rho, ".4g"), sigma=number(summary.sigma_max, ".4g"))


def after_steps(steps: int, lr: float) -> str | None:
    """Which network the numbers belong to, once gradient steps were taken."""
    return say(AFTER_STEPS, steps=steps, lr=number(lr, "g")) if steps else None
