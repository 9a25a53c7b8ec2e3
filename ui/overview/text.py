"""The Overview page's sentences: templates with named fields, and the functions that choose one
from the network's computed spectrum (rc.SpectralSummary) and fill it through ui.i18n.say."""

from __future__ import annotations

import rnn_core as rc
from ui.format import number, sci
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
CANNOT_GROW = (
    "γ·σ_max(W) = {gamma} × {sigma} = 1 (to within a relative {tolerance}, the rounding of σ_max), so the bound is "
    "1^(t−k) = 1: **no ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖₂ can grow**, at any distance, and none is guaranteed to vanish. "
    "Whether it shrinks depends on the actual derivatives f′(a⁽ʲ⁾) along the sequence (below γ "
    "where units saturate or switch off) and on how W's other singular values line up."
)
EXPLOSION_POSSIBLE = (
    "γ·σ_max(W) = {gamma} × {sigma} = {base} > 1, so the bound no longer forces the gradient to "
    "shrink: **explosion is possible but not certain**. Whether it happens depends on the actual "
    "derivatives f′(a⁽ʲ⁾) along the sequence (saturated units shrink it) and on the directions W "
    "stretches."
)
CANNOT_GROW_LINEAR = (
    "γ·σ_max(W) = {gamma} × {sigma} = 1 (to within a relative {tolerance}, the rounding of σ_max), so the "
    "bound is 1^(t−k) = 1: **no ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖₂ can grow**, at any distance, and none is guaranteed "
    "to vanish. With f′ ≡ 1 here ∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ = Wᵗ⁻ᵏ, so W alone decides whether it shrinks: it stays "
    "at 1 for an orthogonal W and falls for one whose other singular values are smaller."
)
EXPLOSION_POSSIBLE_LINEAR = (
    "γ·σ_max(W) = {gamma} × {sigma} = {base} > 1, so the bound no longer forces the gradient to "
    "shrink: **explosion is possible but not certain**. With f′ ≡ 1 here ∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ = Wᵗ⁻ᵏ, so W "
    "alone decides: ‖Wⁿ‖₂ grows without end when ρ(W) > 1 and decays in the end when ρ(W) < 1."
)
BOUND_ZERO = (
    "γ·σ_max(W) = 0: W = 0, so every ∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ with t > k is exactly zero: no gradient flows back "
    "through time at all."
)
BOUND_UNKNOWN = (
    "σ_max(W) = {sigma}: W holds values beyond float64 after the gradient steps, so the bound "
    "(γ·σ_max(W))^(t−k) says nothing here."
)
# the template for each kind of rc.BoundVerdict
BOUND_SENTENCES = {
    "vanishes": VANISHING_GUARANTEED,
    "cannot_grow": CANNOT_GROW,
    "may_grow": EXPLOSION_POSSIBLE,
    "zero": BOUND_ZERO,
    "unbounded": BOUND_UNKNOWN,
    "undefined": BOUND_UNKNOWN,
}
# the same for an activation whose f′ is γ everywhere (rc.verdicts.SHORTFALL "none": linear)
BOUND_SENTENCES_LINEAR = {
    **BOUND_SENTENCES,
    "cannot_grow": CANNOT_GROW_LINEAR,
    "may_grow": EXPLOSION_POSSIBLE_LINEAR,
}
NON_NORMAL = (
    "Here ρ(W) = {rho} < σ_max(W) = {sigma}: for a non-normal W the eigenvalues understate how much "
    "W can stretch a vector, so the bound uses σ_max."
)
AFTER_STEPS = "After {steps} gradient step(s) with lr = {lr} (sidebar)."


def metrics(summary: rc.SpectralSummary, activation: str, loss: float) -> list[tuple[str, str, str]]:
    """The five metrics of "This network": (label, value, help) each."""
    bound = summary.bound
    return [
        (say(SIGMA_LABEL), bound.sigma_shown, say(SIGMA_HELP)),
        (say(RHO_LABEL), number(summary.rho, ".4g"), say(RHO_HELP)),
        (say(GAMMA_LABEL, activation=activation), number(summary.gamma, "g"), say(GAMMA_HELP)),
        (say(BASE_LABEL), bound.shown, say(BASE_HELP)),
        (say(LOSS_LABEL), number(loss, ".6g"), say(LOSS_HELP)),
    ]


def regime_sentence(summary: rc.SpectralSummary, activation: str | None = None) -> str:
    """What γ·σ_max(W) implies for this network (DESIGN §2): the template of its rc.BoundVerdict,
    with the base and σ_max(W) printed as the verdict prints them (never "1 < 1"). With the
    ``activation`` named and f′ ≡ γ (linear), the sentence says that W alone decides."""
    bound = summary.bound
    constant = activation is not None and rc.SHORTFALL[activation] == "none"
    return say(
        (BOUND_SENTENCES_LINEAR if constant else BOUND_SENTENCES)[bound.kind],
        gamma=number(summary.gamma, "g"),
        sigma=bound.sigma_shown,
        base=bound.shown,
        tolerance=sci(bound.tolerance, 1),
    )


def non_normal_note(summary: rc.SpectralSummary) -> str | None:
    """Why ρ(W) is not the bound's number, when ρ(W) < σ_max(W); None for a normal W."""
    if not summary.rho_below_sigma:
        return None
    digits = next(
        n for n in range(4, 18) if format(summary.rho, f".{n}g") != format(summary.sigma_max, f".{n}g")
    )
    return say(
        NON_NORMAL, rho=number(summary.rho, f".{digits}g"), sigma=number(summary.sigma_max, f".{digits}g")
    )


def after_steps(steps: int, lr: float) -> str | None:
    """Which network the numbers belong to, once gradient steps were taken."""
    return say(AFTER_STEPS, steps=steps, lr=number(lr, "g")) if steps else None
