r"""A worked example small enough to do on paper: every number of ∂L⁽ˢ⁾/∂W, ∂L⁽ˢ⁾/∂U and one update.

The network (default H = 2, D = 1, K = 2, T = 3) is drawn by seed and its parameters, inputs and
targets are rounded to ``decimals`` decimals *before* anything uses them, so a hand computation
starts from exactly the numbers the app starts from. The states a⁽ᵗ⁾, h⁽ᵗ⁾, … are not rounded:
they are computed exactly from the rounded inputs (a student's value is accepted within a stated
tolerance, see rnn_core.mistakes).

The steps, in the order a student works them (DESIGN §2's notation, B = 1):

    given        U, W, V, b, c, h⁽⁰⁾ = 0, x⁽ᵗ⁾, y⁽ᵗ⁾
    forward      a⁽ᵗ⁾ = b + W h⁽ᵗ⁻¹⁾ + U x⁽ᵗ⁾, h⁽ᵗ⁾ = f(a⁽ᵗ⁾), o⁽ᵗ⁾ = c + V h⁽ᵗ⁾, ŷ⁽ᵗ⁾, L⁽ᵗ⁾, L
    output       ∂L⁽ᵗ⁾/∂o⁽ᵗ⁾
    derivative   f′(a⁽ᵗ⁾)
    loss_s       ∂L⁽ˢ⁾/∂h⁽ᵏ⁾ and δₖ⁽ˢ⁾ = f′(a⁽ᵏ⁾) ⊙ ∂L⁽ˢ⁾/∂h⁽ᵏ⁾ for k = s..1
    paths        δₖ⁽ˢ⁾ h⁽ᵏ⁻¹⁾ᵀ and δₖ⁽ˢ⁾ x⁽ᵏ⁾ᵀ for k = 1..s, their sums ∂L⁽ˢ⁾/∂W, ∂L⁽ˢ⁾/∂U, and ∂L⁽ˢ⁾/∂V
    full         ∂L/∂h⁽ᵗ⁾ and δ⁽ᵗ⁾ for t = T..1
    gradients    ∂L/∂V, ∂L/∂W, ∂L/∂U, ∂L/∂b, ∂L/∂c
    update       θ ← θ − lr · ∂L/∂θ

The totals come from rnn_core itself (forward, bptt, path_terms); the tests recompute every step
with plain loops over scalars.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import choice, finite_number, positive_int
from .accounting import path_terms
from .activations import ACTIVATIONS, get_activation
from .bptt import bptt, check_step, deltas
from .forward import LOSSES, Trace, forward
from .params import RNNParams

WORKED_STAGES = ("given", "forward", "output", "derivative", "loss_s", "paths", "full", "gradients", "update")
MAX_DECIMALS = 6
# A ReLU pre-activation this close to 0 sits on the kink, where float rounding (not the hand
# computation) would decide f′: such a draw is replaced by the next one of the same seed.
RELU_KINK = 1e-9
MAX_DRAWS = 100
KINKED = ("relu", "leaky_relu")

# f′(a⁽ᵗ⁾) as a student evaluates it, from h⁽ᵗ⁾ where the activation allows ({t} is the step)
FPRIME_LATEX = {
    "tanh": r"f'(a^{{({t})}}) = 1 - \big(h^{{({t})}}\big)^2",
    "sigmoid": r"f'(a^{{({t})}}) = h^{{({t})}} \odot \big(1 - h^{{({t})}}\big)",
    "relu": r"f'(a^{{({t})}}) = \mathbb{{1}}\big[a^{{({t})}} > 0\big]",
    "leaky_relu": r"f'(a^{{({t})}}) = 1 \text{{ where }} a^{{({t})}} > 0, \text{{ else }} 0.01",
    "linear": r"f'(a^{{({t})}}) = 1",
}


@dataclass(frozen=True, eq=False)
class WorkedStep:
    """One quantity of the worked example.

    ``name`` an ASCII key ("a2", "delta_s1", "pathW2", "dW", "W_new"); ``stage`` one of
    :data:`WORKED_STAGES`; ``kind`` what it is ("a", "h", "pathW", …) and ``index`` its t or k (None for
    a parameter or a gradient); ``symbol`` in Unicode (a⁽²⁾), ``latex`` its LaTeX name, ``formula``
    the LaTeX rule it is computed by; ``value`` read-only float64 (vectors (n,), matrices (m, n),
    scalars ()); ``decimals`` the decimals that write a given value exactly (0 for a class index),
    None for a computed one.
    """

    name: str
    stage: str
    kind: str
    index: int | None
    symbol: str
    latex: str
    formula: str
    value: np.ndarray
    decimals: int | None = None

    @property
    def given(self) -> bool:
        return self.stage == "given"


@dataclass(frozen=True, eq=False)
class WorkedExample:
    """Every number of one hand computation, as :func:`worked_example` builds it.

    ``params`` the rounded parameters, ``xs`` (T, 1, D) and ``targets`` (T, 1) or (T, 1, K) the
    rounded sequence, ``trace`` their forward pass, ``grads`` ∂L/∂θ, ``grads_s`` ∂L⁽ˢ⁾/∂θ,
    ``updated`` θ − lr·∂L/∂θ; ``steps`` in order. ``draw`` is which draw of ``seed`` was used (> 0
    only when an earlier one put a ReLU pre-activation on the kink).
    """

    H: int
    D: int
    K: int
    T: int
    s: int
    activation: str
    loss: str
    lr: float
    seed: int
    decimals: int
    draw: int
    params: RNNParams
    xs: np.ndarray
    targets: np.ndarray
    trace: Trace
    grads: RNNParams
    grads_s: RNNParams
    updated: RNNParams
    steps: tuple[WorkedStep, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(step.name for step in self.steps)

    def step(self, name: str) -> WorkedStep:
        """The step called ``name``; ``ValueError`` naming the choices otherwise."""
        for step in self.steps:
            if step.name == name:
                return step
        raise ValueError(f"name must be one of the example's steps {list(self.names)}; received {name!r}")

    def value(self, name: str) -> np.ndarray:
        return self.step(name).value

    def stage(self, stage: str) -> tuple[WorkedStep, ...]:
        """The steps of one stage, in order."""
        choice("stage", stage, WORKED_STAGES)
        return tuple(step for step in self.steps if step.stage == stage)


_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _t(t: int) -> str:
    """⁽ᵗ⁾ for the Unicode symbols."""
    return f"⁽{str(t).translate(_SUP)}⁾"


def _k(k: int) -> str:
    return str(k).translate(_SUB)


def _frozen(value) -> np.ndarray:
    arr = np.array(np.array(value, dtype=np.float64) + 0.0)  # + 0.0: no −0 in a worked example
    arr.flags.writeable = False
    return arr


def _draw(H, D, K, T, loss, seed, decimals, attempt):
    """Rounded params, xs (T, 1, D) and targets of one draw."""
    rng = np.random.default_rng([seed, attempt])

    def rounded(low, high, shape):
        return np.round(rng.uniform(low, high, shape), decimals) + 0.0

    params = RNNParams(
        U=rounded(-1, 1, (H, D)),
        W=rounded(-1, 1, (H, H)),
        V=rounded(-1, 1, (K, H)),
        b=rounded(-0.5, 0.5, H),
        c=rounded(-0.5, 0.5, K),
    )
    xs = rounded(-1, 1, (T, 1, D))
    targets = rounded(-1, 1, (T, 1, K)) if loss == "mse" else rng.integers(0, K, size=(T, 1))
    return params, xs, targets


def _fraction(top: str, bottom: str) -> str:
    return rf"\frac{{\partial {top}}}{{\partial {bottom}}}"


def worked_example(
    *,
    H: int = 2,
    D: int = 1,
    K: int = 2,
    T: int = 3,
    s: int = 3,
    activation: str = "tanh",
    loss: str = "softmax_ce",
    lr: float = 0.1,
    seed: int = 0,
    decimals: int = 2,
) -> WorkedExample:
    r"""Every number of $\partial L^{(s)}/\partial W = \sum_{k=1}^{s} \delta_k^{(s)} h^{(k-1)\top}$, $\partial L^{(s)}/\partial U$ and one update.

    Sizes H, D, K ≥ 1 (K ≥ 2 for softmax_ce) and T ≥ 1; s in 1..T; ``activation`` one of
    ACTIVATIONS, ``loss`` one of LOSSES; lr ≥ 0; seed ≥ 0; ``decimals`` in 0..MAX_DECIMALS.
    Parameters, inputs and targets are drawn by ``seed`` (U, W, V, x, mse targets uniform in
    [−1, 1], b, c in [−0.5, 0.5], class targets uniform in 0..K−1) and rounded to ``decimals``
    before use. Returns a :class:`WorkedExample` whose steps are listed in the module docstring.
    """
    H, D, K, T = (positive_int(n, v) for n, v in (("H", H), ("D", D), ("K", K), ("T", T)))
    s = check_step("s", s, T)
    act = get_activation(activation)
    choice("loss", loss, LOSSES)
    if loss == "softmax_ce" and K < 2:
        raise ValueError(f"K must be ≥ 2 for softmax_ce (one class has loss 0 whatever); received {K}")
    lr = finite_number("lr", lr, zero_allowed=True)
    seed = positive_int("seed", seed, minimum=0)
    decimals = positive_int("decimals", decimals, minimum=0)
    if decimals > MAX_DECIMALS:
        raise ValueError(f"decimals must be in 0..{MAX_DECIMALS} (a hand computation); received {decimals}")
    for draw in range(MAX_DRAWS):
        params, xs, targets = _draw(H, D, K, T, loss, seed, decimals, draw)
        trace = forward(params, xs, targets, activation=act.name, loss=loss)
        if act.name not in KINKED or not (np.abs(trace.a) < RELU_KINK).any():
            break
    grads = bptt(params, trace)
    grads_s = bptt(params, trace, s=s)
    updated = params.sgd_step(grads, lr)
    steps = _steps(params, trace, grads, grads_s, updated, s, act.name, loss, decimals)
    return WorkedExample(
        H, D, K, T, s, act.name, loss, lr, seed, decimals, draw,
        params, xs, targets, trace, grads, grads_s, updated, steps,
    )  # fmt: skip


def _steps(params, trace, grads, grads_s, updated, s, activation, loss, decimals) -> tuple[WorkedStep, ...]:
    T = trace.T
    steps: list[WorkedStep] = []

    def add(name, stage, kind, index, symbol, latex, formula, value, exact=None):
        steps.append(WorkedStep(name, stage, kind, index, symbol, latex, formula, _frozen(value), exact))

    # given: the rounded parameters and sequence
    for field in ("U", "W", "V", "b", "c"):
        add(field, "given", field, None, field, field, "", getattr(params, field), decimals)
    add("h0", "given", "h", 0, "h⁽⁰⁾", "h^{(0)}", "h^{(0)} = 0", trace.h[0, 0], decimals)
    for t in range(1, T + 1):
        add(f"x{t}", "given", "x", t, f"x{_t(t)}", f"x^{{({t})}}", "", trace.xs[t - 1, 0], decimals)
    for t in range(1, T + 1):
        exact = decimals if loss == "mse" else 0
        add(f"y{t}", "given", "y", t, f"y{_t(t)}", f"y^{{({t})}}", "", trace.targets[t - 1, 0], exact)

    # forward pass, step by step
    for t in range(1, T + 1):
        a, h, o = f"a^{{({t})}}", f"h^{{({t})}}", f"o^{{({t})}}"
        add(f"a{t}", "forward", "a", t, f"a{_t(t)}", a, rf"{a} = b + W h^{{({t - 1})}} + U x^{{({t})}}",
            trace.a[t - 1, 0])  # fmt: skip
        add(f"h{t}", "forward", "h", t, f"h{_t(t)}", h, rf"{h} = f({a})", trace.h[t, 0])
        add(f"o{t}", "forward", "o", t, f"o{_t(t)}", o, rf"{o} = c + V {h}", trace.o[t - 1, 0])
        if loss == "softmax_ce":
            y_hat = rf"\hat y^{{({t})}}"
            add(f"yhat{t}", "forward", "yhat", t, f"ŷ{_t(t)}", y_hat,
                rf"{y_hat}_i = e^{{o^{{({t})}}_i}} \big/ \textstyle\sum_j e^{{o^{{({t})}}_j}}",
                trace.y_hat[t - 1, 0])  # fmt: skip
            rule = rf"L^{{({t})}} = -\ln {y_hat}_{{y^{{({t})}}}}"
        else:
            rule = rf"L^{{({t})}} = \tfrac12 \lVert {o} - y^{{({t})}} \rVert^2"
        add(f"L{t}", "forward", "L", t, f"L{_t(t)}", f"L^{{({t})}}", rule, trace.losses[t - 1])
    add("L", "forward", "L", None, "L", "L", rf"L = \sum_{{t=1}}^{{{T}}} L^{{(t)}}", trace.loss)

    # ∂L⁽ᵗ⁾/∂o⁽ᵗ⁾ and f′(a⁽ᵗ⁾)
    dL_do = trace.dL_do()[:, 0]  # (T, K)
    for t in range(1, T + 1):
        name = _fraction(f"L^{{({t})}}", f"o^{{({t})}}")
        rule = rf"\hat y^{{({t})}} - \operatorname{{onehot}}(y^{{({t})}})" if loss == "softmax_ce" else (
            rf"o^{{({t})}} - y^{{({t})}}"
        )  # fmt: skip
        add(f"dLdo{t}", "output", "dLdo", t, f"∂L{_t(t)}/∂o{_t(t)}", name, f"{name} = {rule}", dL_do[t - 1])
    fprime = ACTIVATIONS[activation].df(trace.a[:, 0])  # (T, H)
    for t in range(1, T + 1):
        add(f"fp{t}", "derivative", "fp", t, f"f′(a{_t(t)})", f"f'(a^{{({t})}})",
            FPRIME_LATEX[activation].format(t=t), fprime[t - 1])  # fmt: skip

    # L⁽ˢ⁾ back through time: ∂L⁽ˢ⁾/∂h⁽ᵏ⁾ and δₖ⁽ˢ⁾ for k = s..1
    delta_s = deltas(params, trace, s=s)[:, 0]  # (T, H): row k−1 is δₖ⁽ˢ⁾, zero for k > s
    for k in range(s, 0, -1):
        dh = params.V.T @ dL_do[s - 1] if k == s else params.W.T @ delta_s[k]
        name = _fraction(f"L^{{({s})}}", f"h^{{({k})}}")
        rule = (
            rf"V^\top {_fraction(f'L^{{({s})}}', f'o^{{({s})}}')}"
            if k == s
            else rf"W^\top \delta_{{{k + 1}}}^{{({s})}}"
        )
        add(f"dLs_dh{k}", "loss_s", "dLs_dh", k, f"∂L{_t(s)}/∂h{_t(k)}", name, f"{name} = {rule}", dh)
        delta = rf"\delta_{{{k}}}^{{({s})}}"
        add(f"delta_s{k}", "loss_s", "delta_s", k, f"δ{_k(k)}{_t(s)}", delta,
            rf"{delta} = f'(a^{{({k})}}) \odot {name}", delta_s[k - 1])  # fmt: skip

    # the path terms of ∂L⁽ˢ⁾/∂W and ∂L⁽ˢ⁾/∂U, their sums, and V's single term
    for wrt, factor in (("W", r"h^{{({k_1})\top}}"), ("U", r"x^{{({k})\top}}")):
        terms = path_terms(params, trace, s, wrt=wrt)  # (s, H, ·)
        total = _fraction(f"L^{{({s})}}", wrt)
        for k in range(1, s + 1):
            z, term = factor.format(k=k, k_1=k - 1), rf"\left.{total}\right|_{{k={k}}}"
            add(f"path{wrt}{k}", "paths", f"path{wrt}", k, f"∂L{_t(s)}/∂{wrt} via k = {k}",
                term, rf"{term} = \delta_{{{k}}}^{{({s})}}\, {z}", terms[k - 1])  # fmt: skip
        z = factor.format(k="k", k_1="k-1")
        add(f"dLs_d{wrt}", "paths", f"dLs_d{wrt}", None, f"∂L{_t(s)}/∂{wrt}", total,
            rf"{total} = \sum_{{k=1}}^{{{s}}} \delta_k^{{({s})}}\, {z}", getattr(grads_s, wrt))  # fmt: skip
    total = _fraction(f"L^{{({s})}}", "V")
    add("dLs_dV", "paths", "dLs_dV", None, f"∂L{_t(s)}/∂V", total,
        rf"{total} = {_fraction(f'L^{{({s})}}', f'o^{{({s})}}')}\, h^{{({s})\top}}", grads_s.V)  # fmt: skip

    # every loss back through time: ∂L/∂h⁽ᵗ⁾ and δ⁽ᵗ⁾ for t = T..1
    delta = deltas(params, trace)[:, 0]  # (T, H)
    for t in range(T, 0, -1):
        dh = params.V.T @ dL_do[t - 1] + (params.W.T @ delta[t] if t < T else 0.0)
        name = _fraction("L", f"h^{{({t})}}")
        rule = rf"V^\top {_fraction(f'L^{{({t})}}', f'o^{{({t})}}')}"
        if t < T:
            rule += rf" + W^\top \delta^{{({t + 1})}}"
        add(f"dL_dh{t}", "full", "dL_dh", t, f"∂L/∂h{_t(t)}", name, f"{name} = {rule}", dh)
        add(f"delta{t}", "full", "delta", t, f"δ{_t(t)}", rf"\delta^{{({t})}}",
            rf"\delta^{{({t})}} = f'(a^{{({t})}}) \odot {name}", delta[t - 1])  # fmt: skip

    # the full gradients, and the update
    rules = {
        "V": rf"\sum_{{t=1}}^{{{T}}} {_fraction('L^{(t)}', 'o^{(t)}')}\, h^{{(t)\top}}",
        "W": rf"\sum_{{t=1}}^{{{T}}} \delta^{{(t)}} h^{{(t-1)\top}}",
        "U": rf"\sum_{{t=1}}^{{{T}}} \delta^{{(t)}} x^{{(t)\top}}",
        "b": rf"\sum_{{t=1}}^{{{T}}} \delta^{{(t)}}",
        "c": rf"\sum_{{t=1}}^{{{T}}} {_fraction('L^{(t)}', 'o^{(t)}')}",
    }
    for field, rule in rules.items():
        name = _fraction("L", field)
        add(f"d{field}", "gradients", f"d{field}", None, f"∂L/∂{field}", name, f"{name} = {rule}",
            getattr(grads, field))  # fmt: skip
    for field in rules:
        new = rf"{field}_{{\text{{new}}}}"
        add(f"{field}_new", "update", f"{field}_new", None, f"{field} (updated)", new,
            rf"{new} = {field} - \mathrm{{lr}}\, {_fraction('L', field)}", getattr(updated, field))  # fmt: skip
    return tuple(steps)
