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


def _output_error(loss: str, t: str) -> str:
    """∂L⁽ᵗ⁾/∂o⁽ᵗ⁾ of ``loss`` at the step written ``t``."""
    if loss == "mse":
        return rf"o^{{({t})}} - y^{{({t})}}"
    return rf"\hat y^{{({t})}} - \mathbf{{1}}_{{y^{{({t})}}}}"


def _frac(top: str, bottom: str) -> str:
    return rf"\frac{{\partial {top}}}{{\partial {bottom}}}"


def _z(wrt: str, k: str = "k") -> str:
    """What δₖ multiplies in a path term of ``wrt``: h⁽ᵏ⁻¹⁾ᵀ for W, x⁽ᵏ⁾ᵀ for U."""
    return rf"h^{{({k}-1)\top}}" if wrt == "W" else rf"x^{{({k})\top}}"


def gradients_latex(loss: str) -> str:
    """BPTT's backward pass: the output error and the δ recursion, backwards from t = T."""
    return (
        r"\begin{aligned}"
        rf"\frac{{\partial L}}{{\partial o^{{(t)}}}} &= \frac{{\partial L^{{(t)}}}}{{\partial o^{{(t)}}}} "
        rf"= {_output_error(loss, 't')} \\"
        r"\frac{\partial L}{\partial h^{(t)}} &= V^\top \frac{\partial L}{\partial o^{(t)}} "
        r"+ W^\top \delta^{(t+1)}, \qquad \delta^{(T+1)} = 0 \\"
        r"\delta^{(t)} = \frac{\partial L}{\partial a^{(t)}} &= "
        r"\operatorname{diag}\bigl(f'(a^{(t)})\bigr)\, \frac{\partial L}{\partial h^{(t)}}"
        r"\end{aligned}"
    )


_WEIGHT_SUMS = (
    (r"V", r"\sum_{t=1}^{T} \frac{\partial L^{(t)}}{\partial o^{(t)}}\, h^{(t)\top}"),
    (r"c", r"\sum_{t=1}^{T} \frac{\partial L^{(t)}}{\partial o^{(t)}}"),
    (r"W", r"\sum_{t=1}^{T} \delta^{(t)}\, h^{(t-1)\top}"),
    (r"b", r"\sum_{t=1}^{T} \delta^{(t)}"),
    (r"U", r"\sum_{t=1}^{T} \delta^{(t)}\, x^{(t)\top}"),
)


def _two_columns(rows: list[str]) -> str:
    """``rows`` set two to a line, aligned at their relation signs."""
    lines = [" & ".join(rows[i : i + 2]) for i in range(0, len(rows), 2)]
    return r"\begin{aligned}" + r" \\".join(lines) + r"\end{aligned}"


# each weight gradient as a sum over the steps where the weight was used
WEIGHT_GRADIENTS_LATEX = _two_columns(
    [rf"\frac{{\partial L}}{{\partial {p}}} &= {s}" for p, s in _WEIGHT_SUMS]
)


def update_latex(lr: str) -> str:
    """θ ← θ − lr·∂L/∂θ for every parameter, with the learning rate ``lr`` (LaTeX, from
    ui.format.tex_number) written in."""
    return _two_columns([rf"{p} &\leftarrow {p} - {lr} \cdot {s}" for p, s in _WEIGHT_SUMS])


FULL_TERMS = 3  # terms of the path expansion written out before the middle is elided


def path_term_latex(s: int, k: int, wrt: str, *, max_chain: int = 3) -> str:
    r"""Term k of ∂L⁽ˢ⁾/∂θ as a chain-rule product; a chain of more than ``max_chain`` factors is elided."""
    head = _frac(f"L^{{({s})}}", f"o^{{({s})}}") + r"\," + _frac(f"o^{{({s})}}", f"h^{{({s})}}")
    links = [_frac(f"h^{{({j})}}", f"h^{{({j - 1})}}") for j in range(s, k, -1)]  # j = s..k+1
    if len(links) > max_chain:
        inner = rf"{links[0]}\,{links[1]} \cdots {links[-1]}"
        chain = rf"\underbrace{{{inner}}}_{{{len(links)}\ \text{{factors}}}}"
    else:
        chain = r"\,".join(links)
    last = rf"\frac{{\partial^{{+}} h^{{({k})}}}}{{\partial {wrt}}}"
    return r"\,".join(part for part in (head, chain, last) if part)


def path_expansion_latex(s: int, wrt: str, *, full_terms: int = FULL_TERMS) -> str:
    r"""∂L⁽ˢ⁾/∂θ written as the sum over k = s, s−1, …, 1 of its path terms, one per line.

    With more than ``full_terms`` + 2 terms, the first ``full_terms`` and the last (k = 1) are
    written out and the middle is one line with ⋯ and how many terms it stands for.
    """
    ks = list(range(s, 0, -1))
    if len(ks) > full_terms + 2:  # elide only when at least two terms would be hidden
        hidden = ks[full_terms:-1]
        rows = [(k, path_term_latex(s, k, wrt)) for k in ks[:full_terms]]
        span = f"k = {hidden[0]}, \\dots, {hidden[-1]}"
        rows.append((None, rf"\cdots \quad \text{{{len(hidden)} more terms, }}{span}"))
        rows.append((1, path_term_latex(s, 1, wrt)))
    else:
        rows = [(k, path_term_latex(s, k, wrt)) for k in ks]
    lines = []
    for i, (k, body) in enumerate(rows):
        lhs = _frac(f"L^{{({s})}}", wrt) + " ={}& " if i == 0 else "&+ "
        tag = rf" && (k = {k})" if k is not None else ""
        lines.append(lhs + body + tag)
    return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"


def compact_latex(s: int, wrt: str) -> str:
    """∂L⁽ˢ⁾/∂θ = Σₖ δₖ⁽ˢ⁾ z⁽ᵏ⁾ᵀ with the δ recursion that computes every path at once."""
    recursion = (
        rf", \qquad \delta_k^{{({s})}} = \operatorname{{diag}}\bigl(f'(a^{{(k)}})\bigr)\, W^\top "
        rf"\delta_{{k+1}}^{{({s})}} \quad (k < {s})"
        if s > 1
        else ""
    )
    return (
        r"\begin{aligned}"
        rf"{_frac(f'L^{{({s})}}', wrt)} &= \sum_{{k=1}}^{{{s}}} \delta_k^{{({s})}}\, {_z(wrt)}, \qquad "
        rf"\delta_k^{{({s})}} = {_frac(f'L^{{({s})}}', 'a^{(k)}')} \\"
        rf"\delta_{{{s}}}^{{({s})}} &= \operatorname{{diag}}\bigl(f'(a^{{({s})}})\bigr)\, V^\top "
        rf"{_frac(f'L^{{({s})}}', f'o^{{({s})}}')}" + recursion + r"\end{aligned}"
    )


def factors_latex(wrt: str, loss: str) -> str:
    """What each factor of a path term is, in the notation of the forward pass."""
    z = r"h^{(k-1)}_j" if wrt == "W" else r"x^{(k)}_j"
    return (
        r"\begin{gathered}"
        rf"\frac{{\partial L^{{(s)}}}}{{\partial o^{{(s)}}}} = {_output_error(loss, 's')}, "
        r"\qquad \frac{\partial o^{(s)}}{\partial h^{(s)}} = V, \qquad "
        r"\frac{\partial h^{(j)}}{\partial h^{(j-1)}} = \operatorname{diag}\bigl(f'(a^{(j)})\bigr)\, W \\"
        rf"\frac{{\partial^{{+}} h^{{(k)}}_i}}{{\partial {wrt}_{{ij}}}} = f'\bigl(a^{{(k)}}_i\bigr)\, {z}"
        rf"\quad\Longrightarrow\quad \text{{term }} k = \delta_k^{{(s)}}\, {_z(wrt)}"
        r"\end{gathered}"
    )


def v_single_term_latex(s: int) -> str:
    """∂L⁽ˢ⁾/∂V: one term, because V acts on h⁽ˢ⁾ only at step s."""
    dL_do = _frac(f"L^{{({s})}}", f"o^{{({s})}}")
    return (
        rf"{_frac(f'L^{{({s})}}', 'V')} = {dL_do}\, {_frac(f'o^{{({s})}}', 'V')} = {dL_do}\, h^{{({s})\top}}"
    )


def full_sum_latex(wrt: str) -> str:
    """∂L/∂θ = Σₛ ∂L⁽ˢ⁾/∂θ: the gradient of the total loss is the sum of the per-loss gradients."""
    return (
        rf"{_frac('L', wrt)} = \sum_{{s=1}}^{{T}} {_frac('L^{(s)}', wrt)} "
        rf"= \sum_{{s=1}}^{{T}} \sum_{{k=1}}^{{s}} \delta_k^{{(s)}}\, {_z(wrt)} "
        rf"= \sum_{{t=1}}^{{T}} \delta^{{(t)}}\, {_z(wrt, 't')}, \qquad \delta^{{(t)}} = \sum_{{s = t}}^{{T}} \delta_t^{{(s)}}"
    )


# the homework's mistakes (DESIGN §6): what it writes, and the correct version
HOMEWORK_V_UPDATE_LATEX = (
    r"V = V - lr \cdot \sum_{i=1}^t \frac{\partial L^{(i)}}{\partial o^{(t)}} \cdot "
    r"\frac{\partial o^{(t)}}{\partial V}"
)
CORRECT_V_UPDATE_LATEX = (
    r"V \leftarrow V - lr \sum_{t=1}^{T} \frac{\partial L^{(t)}}{\partial o^{(t)}}\, "
    r"\frac{\partial o^{(t)}}{\partial V} = V - lr \sum_{t=1}^{T} "
    r"\frac{\partial L^{(t)}}{\partial o^{(t)}}\, h^{(t)\top}"
)
HOMEWORK_W_UPDATE_LATEX = r"W = W - lr \cdot \frac{\partial L^{(3)}}{\partial W}"
CORRECT_HISTORY_LATEX = (
    r"\frac{\partial L^{(s)}}{\partial W} = \sum_{k=1}^{s} \delta_k^{(s)} h^{(k-1)\top}, \qquad "
    r"\frac{\partial L^{(s)}}{\partial U} = \sum_{k=1}^{s} \delta_k^{(s)} x^{(k)\top}, \qquad "
    r"\frac{\partial L^{(s)}}{\partial V} = \frac{\partial L^{(s)}}{\partial o^{(s)}} h^{(s)\top}"
)
CORRECT_W_UPDATE_LATEX = (
    r"W \leftarrow W - lr\, \frac{\partial L}{\partial W} = W - lr \sum_{s=1}^{T} "
    r"\frac{\partial L^{(s)}}{\partial W} = W - lr \sum_{t=1}^{T} \delta^{(t)} h^{(t-1)\top}"
)
HOMEWORK_TOTAL_PARTIAL_LATEX = (
    r"\cdots + \frac{\partial L^{(3)}}{\partial o^{(3)}} \cdot \frac{\partial o^{(3)}}{\partial h^{(3)}}"
    r" \cdot \frac{\partial h^{(3)}}{\partial h^{(2)}} \cdot \frac{\partial h^{(2)}}{\partial W} + \cdots"
)
CORRECT_IMMEDIATE_PARTIAL_LATEX = (
    r"\frac{\partial^{+} h^{(k)}_i}{\partial W_{ij}} = f'\bigl(a^{(k)}_i\bigr)\, h^{(k-1)}_j"
    r"\quad\Rightarrow\quad \frac{\partial^{+} h^{(1)}}{\partial W} = 0 \text{ since } h^{(0)} = 0"
)


# --- activations --------------------------------------------------------------------------------

# the forms of f′ rnn_core evaluates (exact until e underflows), beside rc.TEXTBOOK_LATEX
STABLE_LATEX = {
    "sigmoid": r"\frac{e}{(1+e)^2},\ e = e^{-\lvert a\rvert}",
    "tanh": r"\frac{4e}{(1+e)^2},\ e = e^{-2\lvert a\rvert}",
}


def saturation_latex(fraction: float = rc.SATURATION_FRACTION) -> str:
    """The definition of a saturated unit at a step, with the threshold fraction·γ."""
    return rf"\text{{unit }} i \text{{ is saturated at step }} t \iff f'\big(a_i^{{(t)}}\big) < {fraction:g}\,\gamma"


def value_set_latex(values) -> str:
    r"""The distinct values of an f′, as a set: \{0,\ 1\}."""
    return r"\{" + r",\ ".join(format(v, "g") for v in values) + r"\}"


def forms_latex(name: str) -> str:
    """f′ of tanh or sigmoid in its textbook form and in the form rnn_core evaluates."""
    symbol = r"\sigma'(a)" if name == "sigmoid" else r"\tanh'(a)"
    return rf"{symbol} = {rc.TEXTBOOK_LATEX[name]} = {STABLE_LATEX[name]}"


# --- vanishing ----------------------------------------------------------------------------------

DISTANCE_LATEX = (
    r"\frac{\partial L}{\partial W} = \sum_{s=1}^{T}\sum_{k=1}^{s} \delta_k^{(s)} h^{(k-1)\top}"
    r" = \sum_{d=0}^{T-1} G_d, \qquad G_d = \sum_{s-k=d} \delta_k^{(s)} h^{(k-1)\top},"
    r"\qquad p_d = \frac{\langle G_d,\, \partial L/\partial W \rangle}{\lVert \partial L/\partial W \rVert^2},"
    r"\quad \sum_d p_d = 1"
)
TRUNCATION_LATEX = (
    r"g_\tau = \sum_{d<\tau} G_d, \qquad \text{kept} = \frac{\lVert g_\tau \rVert}{\lVert \partial L/\partial W \rVert},"
    r"\qquad \cos\angle\big(g_\tau,\ \partial L/\partial W\big)"
    r" = \frac{\langle g_\tau,\, \partial L/\partial W\rangle}{\lVert g_\tau\rVert\, \lVert \partial L/\partial W\rVert}"
)
POWER_BOUNDS_LATEX = r"\rho(W)^n \;\le\; \lVert W^n\rVert_2 \;\le\; \sigma_{\max}(W)^n"


def bound_values_latex(
    activation: str, gamma: str, sigma_max: str, base: str, relation: str, rho: str
) -> str:
    """γ·σ_max(W) = base compared with 1 (``relation``: <, = or >), and ρ(W): the numbers already
    written in LaTeX (ui.format.tex_number), ``activation`` the label of f."""
    return (
        rf"\gamma_{{\text{{{activation}}}}}\,\sigma_{{\max}}(W) = {gamma} \times {sigma_max} = {base} "
        rf"{relation} 1,\qquad \rho(W) = {rho}"
    )


def matrix_latex(entries) -> str:
    """W as a LaTeX bmatrix of ``entries``, rows of numbers already written as text."""
    return r"W = \begin{bmatrix}" + r" \\ ".join(" & ".join(row) for row in entries) + r"\end{bmatrix}"


def power_latex(rho: str, sigma_max: str, n_max: int, peak_n: int, peak_log: str) -> str:
    """ρ(W), σ_max(W) and the peak ‖W^peak_n‖₂ = 10^peak_log over n = 1..n_max (numbers as LaTeX)."""
    return (
        rf"\rho(W) = {rho},\qquad \sigma_{{\max}}(W) = \lVert W\rVert_2 = {sigma_max},\qquad"
        rf"\max_{{1 \le n \le {n_max}}} \lVert W^n\rVert_2 = \lVert W^{{{peak_n}}}\rVert_2 = 10^{{{peak_log}}}"
    )


# --- training -----------------------------------------------------------------------------------

LONG_RANGE_SHARE_LATEX = (
    r"\frac{\partial L}{\partial W} = \sum_{d=0}^{T-1} G_d,\quad "
    r"G_d = \sum_{s-k=d} \delta_k^{(s)}\, h^{(k-1)\top},\qquad "
    r"\text{long-range share} = \frac{\lVert \sum_{d \ge \lfloor T/2 \rfloor} G_d \rVert_F}"
    r"{\lVert \partial L/\partial W \rVert_F}"
)
UPDATE_LATEX = (
    r"\theta \leftarrow \theta - \mathrm{lr}\cdot \operatorname{clip}(g),\qquad "
    r"g = \frac{\partial (L/B)}{\partial \theta},\quad \theta \in \{U, W, V, b, c\}"
)


def training_update_latex(clip: str) -> str:
    """The SGD update of a training run, with the clipping rule of ``clip`` ("none": no clipping)."""
    if clip == "none":
        return UPDATE_LATEX.replace(r"\operatorname{clip}(g)", "g", 1)
    return UPDATE_LATEX + r",\qquad " + clip_latex(clip)


# --- gates --------------------------------------------------------------------------------------

# Each line of these blocks fits a phone's column: the long ones are split with aligned.
GATES_LSTM_LATEX = (
    r"\begin{aligned}"
    r"f^{(t)} &= \sigma\big(b^f + U^f x^{(t)} + W^f h^{(t-1)}\big) \\"
    r"g^{(t)} &= \sigma\big(b^g + U^g x^{(t)} + W^g h^{(t-1)}\big) \\"
    r"q^{(t)} &= \sigma\big(b^q + U^q x^{(t)} + W^q h^{(t-1)}\big) \\"
    r"a^{(t)} &= b + U x^{(t)} + W h^{(t-1)} \\"
    r"s^{(t)} &= f^{(t)} \odot s^{(t-1)} + g^{(t)} \odot \tanh\big(a^{(t)}\big) \\"
    r"h^{(t)} &= q^{(t)} \odot \tanh\big(s^{(t)}\big)"
    r"\end{aligned}"
)
GATES_GRU_LATEX = (
    r"\begin{aligned}"
    r"u^{(t)} &= \sigma\big(b^u + U^u x^{(t)} + W^u h^{(t-1)}\big) \\"
    r"r^{(t)} &= \sigma\big(b^r + U^r x^{(t)} + W^r h^{(t-1)}\big) \\"
    r"a^{(t)} &= b + U x^{(t)} + W \big(r^{(t)} \odot h^{(t-1)}\big) \\"
    r"h^{(t)} &= u^{(t)} \odot h^{(t-1)} \\"
    r"&\quad + \big(1 - u^{(t)}\big) \odot \tanh\big(a^{(t)}\big)"
    r"\end{aligned}"
)
GATES_STATE_LATEX = (
    r"\begin{aligned}"
    r"\left\lVert \frac{\partial x^{(T)}}{\partial x^{(T-d)}} \right\rVert_2"
    r" &= \left\lVert \prod_{j=T-d+1}^{T} \frac{\partial x^{(j)}}{\partial x^{(j-1)}} \right\rVert_2 \\"
    r"x &= h \ \text{(RNN, GRU)} \\"
    r"x &= (h, s) \ \text{(LSTM)}"
    r"\end{aligned}"
)
GATES_CAROUSEL_STEP_LATEX = (
    r"\begin{aligned}"
    r"\frac{\partial s^{(t)}}{\partial s^{(t-1)}} &= \operatorname{diag}\big(f^{(t)}\big) \\"
    r"\frac{\partial s^{(t)}}{\partial h^{(t-1)}} &= \operatorname{diag}\big(g^{(t)} \odot \tanh'(a^{(t)})\big)\, W \\"
    r"&\quad + \operatorname{diag}\big(s^{(t-1)} \odot \sigma'_f\big)\, W^f \\"
    r"&\quad + \operatorname{diag}\big(\tanh(a^{(t)}) \odot \sigma'_g\big)\, W^g"
    r"\end{aligned}"
)
GATES_CAROUSEL_LATEX = (
    r"\begin{aligned}"
    r"&\frac{\partial s^{(T)}}{\partial s^{(k)}} = \prod_{j=k+1}^{T} \operatorname{diag}\big(f^{(j)}\big) \\"
    r"&\quad + \big(\text{paths through } h\big)"
    r"\end{aligned}"
)
GATES_GRU_JACOBIAN_LATEX = (
    r"\begin{aligned}"
    r"&\frac{\partial h^{(t)}}{\partial h^{(t-1)}} = \operatorname{diag}\big(u^{(t)}\big) \\"
    r"&\quad + \operatorname{diag}\big((h^{(t-1)} - \tilde h^{(t)}) \odot \sigma'_u\big)\, W^u \\"
    r"&\quad + \operatorname{diag}\big((1 - u^{(t)}) \odot \tanh'(a^{(t)})\big)\, W \\"
    r"&\qquad \cdot \big(\operatorname{diag}(r^{(t)}) \\"
    r"&\qquad\quad + \operatorname{diag}(h^{(t-1)} \odot \sigma'_r)\, W^r\big), \\"
    r"&\tilde h^{(t)} = \tanh\big(a^{(t)}\big)"
    r"\end{aligned}"
)
GATES_SIGMA_PRIME_LATEX = (
    r"\begin{aligned}"
    r"&\sigma'_f = f^{(t)} \odot \big(1 - f^{(t)}\big) \\"
    r"&\text{and so on for } g, u, r"
    r"\end{aligned}"
)
GATES_LEDGER_LATEX = (
    r"\begin{aligned}"
    r"C_{s,k} &= \big\lVert \delta_k^{(s)} h^{(k-1)\top} \big\rVert_F \\"
    r"\text{long-range share} &= \frac{\sum_{s-k \ge \lfloor T/2 \rfloor} C_{s,k}}{\sum_{k \le s} C_{s,k}}"
    r"\end{aligned}"
)


# --- by hand ------------------------------------------------------------------------------------


def by_hand_array_latex(rows: list[list[str]]) -> str:
    """A value written out from rows of numbers already written as text: one number as itself, else a
    bmatrix (a vector is one column)."""
    if len(rows) == 1 and len(rows[0]) == 1:
        return rows[0][0]
    return r"\begin{bmatrix}" + r" \\ ".join(" & ".join(row) for row in rows) + r"\end{bmatrix}"


def by_hand_value_latex(name: str, rows: list[list[str]]) -> str:
    """``name`` = its value, e.g. a^{(2)} = [[0.1], [−0.3]]."""
    return f"{name} = {by_hand_array_latex(rows)}"


def by_hand_sequence_latex(values: list[tuple[str, list[list[str]]]], per_line: int = 2) -> str:
    """Several (name, rows) as name = value, ``per_line`` to a line: x⁽¹⁾ = 0.46, x⁽²⁾ = −0.65, …"""
    parts = [by_hand_value_latex(name, rows) for name, rows in values]
    lines = [r",\quad ".join(parts[i : i + per_line]) for i in range(0, len(parts), per_line)]
    return lines[0] if len(lines) == 1 else r"\begin{gathered}" + r" \\ ".join(lines) + r"\end{gathered}"


def by_hand_tolerance_latex(rtol: str, atol: str) -> str:
    """When a student's value v is accepted for the exact e, with rtol and atol already written as LaTeX."""
    return (
        r"\begin{gathered} |v_i - e_i| \le \mathrm{atol} + \mathrm{rtol}\,|e_i| \ \text{for all } i \\"
        rf"\mathrm{{rtol}} = {rtol},\quad \mathrm{{atol}} = {atol} \end{{gathered}}"
    )


def by_hand_model_latex(f_latex: str, fprime_latex: str) -> str:
    """The vanilla RNN's step, one line each (narrow screens), with the activation ``f_latex`` and the
    derivative rule ``fprime_latex`` of the example."""
    return (
        r"\begin{gathered} a^{(t)} = b + W h^{(t-1)} + U x^{(t)} \\ h^{(t)} = f(a^{(t)}) \\"
        r" o^{(t)} = c + V h^{(t)} \\ " + f_latex + r" \\ " + fprime_latex + r" \end{gathered}"
    )


def by_hand_document_latex(
    title: str, settings: str, sections: list[tuple[str, list[tuple[str, str]]]]
) -> str:
    """A complete LaTeX document: ``title``, a ``settings`` paragraph (LaTeX text), then one section per
    stage, each a list of (rule, value) formulas (either may be empty)."""
    lines = [
        r"\documentclass[11pt]{article}",
        r"\usepackage[margin=2cm]{geometry}",
        r"\usepackage{amsmath,amssymb}",
        r"\setcounter{MaxMatrixCols}{20}",
        rf"\title{{{title}}}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
        settings,
        "",
    ]
    for heading, formulas in sections:
        lines.append(rf"\section*{{{heading}}}")
        for rule, value in formulas:
            body = r" \\ ".join(part for part in (rule, value) if part)
            lines += [r"\begin{gather*}", body, r"\end{gather*}"]
        lines.append("")
    lines.append(r"\end{document}")
    return "\n".join(lines) + "\n"
