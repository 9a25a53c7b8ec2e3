"""Builders for the Overview page: the model's equations, the unrolled graph, the regime sentence."""

from __future__ import annotations

from rnn_core.spectral import SpectralSummary
from ui.text import superscript

MODEL_LATEX = r"""
\begin{aligned}
a^{(t)} &= b + W h^{(t-1)} + U x^{(t)} \\
h^{(t)} &= f\!\left(a^{(t)}\right) \\
o^{(t)} &= c + V h^{(t)} \\
\hat y^{(t)} &= \operatorname{softmax}\!\left(o^{(t)}\right) \\
L &= \sum_{t=1}^{T} L^{(t)}, \qquad L^{(t)} = -\log \hat y^{(t)}_{y^{(t)}}
\end{aligned}
"""

MODEL_LATEX_MSE = MODEL_LATEX.replace(
    r"\hat y^{(t)} &= \operatorname{softmax}\!\left(o^{(t)}\right) \\", r"\hat y^{(t)} &= o^{(t)} \\"
).replace(r"L^{(t)} = -\log \hat y^{(t)}_{y^{(t)}}", r"L^{(t)} = \tfrac12 \lVert o^{(t)} - y^{(t)} \rVert^2")

BOUND_LATEX = (
    r"\left\lVert \frac{\partial h^{(t)}}{\partial h^{(k)}} \right\rVert_2"
    r" = \left\lVert \prod_{j=k+1}^{t} \operatorname{diag}\!\big(f'(a^{(j)})\big)\, W \right\rVert_2"
    r" \le \big(\gamma\, \sigma_{\max}(W)\big)^{t-k}"
)


def model_latex(loss: str) -> str:
    """The forward pass and the loss, in the notation of DESIGN §2, for ``loss``."""
    return MODEL_LATEX_MSE if loss == "mse" else MODEL_LATEX


def shown_steps(T: int, limit: int = 6) -> list[int | None]:
    """The steps drawn in an unrolled graph of length T: all when few, else the ends with a gap (None)."""
    if T <= limit:
        return list(range(1, T + 1))
    head = limit // 2
    return list(range(1, head + 1)) + [None] + list(range(T - (limit - head) + 2, T + 1))


def unrolled_dot(T: int, limit: int = 6) -> str:
    """Graphviz DOT of the network unrolled over T steps: time runs left to right, x⁽ᵗ⁾ → h⁽ᵗ⁾ →
    o⁽ᵗ⁾ → L⁽ᵗ⁾ bottom to top, h⁽ᵗ⁻¹⁾ → h⁽ᵗ⁾ through W; long sequences show their ends around a gap."""
    lines = [
        "digraph RNN {",
        "  rankdir=BT; nodesep=0.35; ranksep=0.35;",
        '  node [shape=circle, fontname="Helvetica", fontsize=14, width=0.75, fixedsize=true];',
        '  edge [fontname="Helvetica", fontsize=10];',
        '  h0 [label="h⁽⁰⁾", style=dashed];',
    ]
    prev, hidden = "h0", ["h0"]
    for t in shown_steps(T, limit):
        if t is None:
            lines += ['  gap [label="⋯", shape=plaintext];', f'  {prev} -> gap [label="W"];']
            prev = "gap"
            hidden.append(prev)
            continue
        sup = superscript(t)
        lines += [
            f'  x{t} [label="x{sup}", shape=box, style=rounded];',
            f'  h{t} [label="h{sup}", style=filled, fillcolor="#dbe9f6"];',
            f'  o{t} [label="o{sup}"];',
            f'  L{t} [label="L{sup}", shape=box];',
            f'  x{t} -> h{t} [label="U"];',
            f'  h{t} -> o{t} [label="V"];',
            f"  o{t} -> L{t};",
            f'  {prev} -> h{t} [label="W"];',
        ]
        prev = f"h{t}"
        hidden.append(prev)
    lines += ["  {rank=same; " + "; ".join(hidden) + ";}", "}"]
    return "\n".join(lines)


def regime_sentence(summary: SpectralSummary) -> str:
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
