r"""Every LaTeX string the pages show, once, in the letters of DESIGN §2.

The letters: U, W, V, b, c the parameters (θ stands for any of them), a, h, o, ŷ the forward pass,
L = Σₜ L⁽ᵗ⁾ the loss, δ = ∂L/∂a, γ = sup|f′|, σ_max(W) and ρ(W), τ the truncation length. A clipping
threshold is written "threshold", as Pascanu, Mikolov & Bengio (2013) write it: θ is the parameters.

Sections by topic; formulas used by more than one page are under "shared".
"""

from __future__ import annotations

import rnn_core as rc

# --- shared -------------------------------------------------------------------------------------

_FORWARD = (
    r"a^{(t)} &= b + W h^{(t-1)} + U x^{(t)}{h0} \\",
    r"h^{(t)} &= f\!\left(a^{(t)}\right){f} \\",
    r"o^{(t)} &= c + V h^{(t)} \\",
)
_OUTPUT = {
    "softmax_ce": (
        r"\hat y^{(t)} &= \operatorname{softmax}\!\left(o^{(t)}\right){sep}L^{(t)} = -\log \hat y^{(t)}_{y^{(t)}}"
    ),
    "mse": r"\hat y^{(t)} &= o^{(t)}{sep}L^{(t)} = \tfrac12 \lVert o^{(t)} - y^{(t)} \rVert^2",
}


def model_latex(loss: str, activation: str | None = None) -> str:
    """The forward pass and the loss (DESIGN §2) for ``loss``; with ``activation``, its f written
    beside h⁽ᵗ⁾ = f(a⁽ᵗ⁾) and h⁽⁰⁾ = 0 beside the recurrence."""
    if activation is None:
        h0 = f = ""
    else:
        h0, f = r", && h^{(0)} = 0", rf", && {rc.ACTIVATIONS[activation].latex_f}"
    sep = r", && " if activation is not None else r", \qquad "
    lines = (
        _FORWARD[0].replace("{h0}", h0),
        _FORWARD[1].replace("{f}", f),
        _FORWARD[2],
        _OUTPUT[loss].replace("{sep}", sep) + r" \\",
        r"L &= \sum_{t=1}^{T} L^{(t)}",
    )
    return r"\begin{aligned}" + "".join(lines) + r"\end{aligned}"


JACOBIAN_LATEX = r"\frac{\partial h^{(t)}}{\partial h^{(k)}} = \prod_{j=k+1}^{t} \operatorname{diag}\!\big(f'(a^{(j)})\big)\, W"
DELTA_LATEX = (
    r"\delta^{(t)} = \operatorname{diag}\!\big(f'(a^{(t)})\big)\,\frac{\partial L}{\partial h^{(t)}}"
)
BOUND_LATEX = (
    r"\left\lVert \frac{\partial h^{(t)}}{\partial h^{(k)}} \right\rVert_2 \le "
    r"\prod_{j=k+1}^{t} \max_i \big\lvert f'\big(a_i^{(j)}\big)\big\rvert \cdot \sigma_{\max}(W)^{t-k}"
    r" \le \big(\gamma\, \sigma_{\max}(W)\big)^{t-k}, \qquad \gamma = \sup_a \lvert f'(a)\rvert"
)


def jacobian_latex(*, with_delta: bool = False) -> str:
    """∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ as a product of Jacobians; with ``with_delta``, δ⁽ᵗ⁾ = diag(f′(a⁽ᵗ⁾)) ∂L/∂h⁽ᵗ⁾ first."""
    return (DELTA_LATEX + r",\qquad " + JACOBIAN_LATEX) if with_delta else JACOBIAN_LATEX


THRESHOLD = r"\text{threshold}"
CLIP_LATEX = {
    "norm": rf"\operatorname{{clip}}(g) = g \cdot \min\!\left(1, \frac{{{THRESHOLD}}}{{\lVert g \rVert}}\right)",
    "elementwise": (rf"\operatorname{{clip}}(g)_i = \min\!\big(\max(g_i, -{THRESHOLD}), {THRESHOLD}\big)"),
}


def clip_latex(method: str | None = None) -> str:
    """The clipping rule of ``method`` ("norm" or "elementwise"); without one, both side by side."""
    if method is not None:
        return CLIP_LATEX[method]
    return (
        r"\text{norm: } "
        + CLIP_LATEX["norm"]
        + r"\qquad\qquad \text{elementwise: } "
        + CLIP_LATEX["elementwise"]
    )


# --- overview -----------------------------------------------------------------------------------

# --- update rules -------------------------------------------------------------------------------

# --- activations --------------------------------------------------------------------------------

# --- vanishing ----------------------------------------------------------------------------------

# --- training -----------------------------------------------------------------------------------

UPDATE_LATEX = (
    r"\theta \leftarrow \theta - \mathrm{lr}\cdot \operatorname{clip}(g),\qquad "
    r"g = \frac{\partial (L/B)}{\partial \theta},\quad \theta \in \{U, W, V, b, c\}"
)


def training_update_latex(clip: str) -> str:
    """The SGD update of a training run, with the clipping rule of ``clip`` ("none": no clipping)."""
    if clip == "none":
        return UPDATE_LATEX.replace(r"\operatorname{clip}(g)", "g", 1)
    return UPDATE_LATEX + r",\qquad " + clip_latex(clip)
