"""The shared formulas: valid-looking LaTeX in the letters of DESIGN §2."""

import re

import pytest

import rnn_core as rc
from ui import formulas as fm


def balanced(tex: str) -> bool:
    """Braces balance (ignoring escaped ones), \\begin/\\end nest, \\left/\\right pair up."""
    stack = []
    for m in re.finditer(r"\\\\|\\[{}]|\\(begin|end)\{(\w+)\}|\\(left|right)(?![a-z])|[{}]", tex):
        token = m.group()
        if token == "{" or m.group(1) == "begin" or m.group(3) == "left":
            stack.append("{" if token == "{" else m.group(2) or "left")
        elif token == "}" or m.group(1) == "end" or m.group(3) == "right":
            want = "{" if token == "}" else m.group(2) or "left"
            if not stack or stack.pop() != want:
                return False
    return not stack


def every_formula() -> list[str]:
    """Each constant of ui.formulas and each builder over all its choices."""
    out = [v for k, v in vars(fm).items() if k.isupper() and isinstance(v, str) and k != "THRESHOLD"]
    out += [v for k, v in vars(fm).items() if k.isupper() and isinstance(v, dict) for v in v.values()]
    for loss in rc.LOSSES:
        out.append(fm.model_latex(loss))
        out += [fm.model_latex(loss, activation) for activation in rc.ACTIVATIONS]
    out += [fm.jacobian_latex(), fm.jacobian_latex(with_delta=True)]
    out += [fm.clip_latex(), *(fm.clip_latex(m) for m in fm.CLIP_LATEX)]
    out += [fm.training_update_latex(c) for c in ("none", *fm.CLIP_LATEX)]
    return out


@pytest.mark.parametrize("tex", every_formula())
def test_every_formula_is_balanced_and_uses_the_design_letters(tex):
    assert balanced(tex), tex
    assert not re.search(r"L_\{?\\tau", tex)  # L is the loss: no "L_τ" for a long-range part
    assert "L_{" not in tex.replace(r"\hat y", "")  # the losses are L and L^{(t)} only
    assert r"\Theta" not in tex


def test_balanced_detects_unbalanced_latex():
    assert not balanced(r"\frac{a}{b") and not balanced(r"a}{") and not balanced(r"\left( a")
    assert not balanced(r"\begin{aligned} a")


def test_clipping_threshold_is_not_theta():
    for tex in (fm.clip_latex(), *fm.CLIP_LATEX.values()):
        assert r"\theta" not in tex and r"\text{threshold}" in tex
    assert r"\lVert g \rVert" in fm.clip_latex("norm") and r"\max(g_i" in fm.clip_latex("elementwise")
    both = fm.clip_latex()
    assert fm.CLIP_LATEX["norm"] in both and fm.CLIP_LATEX["elementwise"] in both


def test_training_update_follows_the_clipping_choice():
    # θ here is the parameters, as in DESIGN §2's update θ ← θ − lr · ∂L/∂θ
    assert r"\theta \leftarrow \theta" in fm.training_update_latex("none")
    assert r"\operatorname{clip}" not in fm.training_update_latex("none")
    assert r"\lVert g \rVert" in fm.training_update_latex("norm")
    assert r"\max(g_i" in fm.training_update_latex("elementwise")


@pytest.mark.parametrize("loss", rc.LOSSES)
def test_model_equations_follow_the_loss_and_the_activation(loss):
    for tex in [fm.model_latex(loss)] + [fm.model_latex(loss, a) for a in rc.ACTIVATIONS]:
        assert r"a^{(t)} &= b + W h^{(t-1)} + U x^{(t)}" in tex and r"o^{(t)} &= c + V h^{(t)}" in tex
        assert r"L &= \sum_{t=1}^{T} L^{(t)}" in tex
        assert (r"\operatorname{softmax}" in tex) == (loss == "softmax_ce")
        assert (r"\tfrac12" in tex) == (loss == "mse")
    for name, act in rc.ACTIVATIONS.items():
        tex = fm.model_latex(loss, name)
        assert act.latex_f in tex and "h^{(0)} = 0" in tex
    assert "h^{(0)}" not in fm.model_latex(loss)


def test_jacobian_and_bound_use_gamma_and_sigma_max():
    assert r"\operatorname{diag}" in fm.JACOBIAN_LATEX and "a^{(j)}" in fm.JACOBIAN_LATEX
    assert r"\prod_{j=k+1}^{t}" in fm.JACOBIAN_LATEX
    assert r"\big(\gamma\, \sigma_{\max}(W)\big)^{t-k}" in fm.BOUND_LATEX
    assert r"\gamma = \sup_a \lvert f'(a)\rvert" in fm.BOUND_LATEX
    assert fm.jacobian_latex() == fm.JACOBIAN_LATEX
    assert fm.jacobian_latex(with_delta=True).startswith(r"\delta^{(t)} = ")


def test_the_file_has_a_section_per_topic():
    with open(fm.__file__, encoding="utf-8") as f:
        sections = re.findall(r"^# --- ([a-z ]+?) -+$", f.read(), flags=re.M)
    assert sections == [
        "shared",
        "overview",
        "update rules",
        "activations",
        "vanishing",
        "training",
        "gates",
        "by hand",
    ]
