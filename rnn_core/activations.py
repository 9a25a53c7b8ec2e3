r"""Activation functions f and their derivatives f′, numerically stable in float64.

Each :class:`Activation` carries f, f′ = df/da, the bound γ = sup|f′| that enters
‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖₂ ≤ (γ·σ_max(W))^(t−k), and LaTeX for the formulas and ranges.

The derivatives are written in forms that keep full relative precision for large |a|:
sigmoid′(a) = e/(1+e)² and tanh′(a) = 4e/(1+e)² with e = exp(−|a|) and exp(−2|a|), instead of
σ(1−σ) and 1 − tanh², which round to exactly 0.0 as soon as σ or tanh rounds to 1 (|a| ≈ 37 and 19).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    """An elementwise activation h = f(a) with its derivative and its bound γ = sup|f′|."""

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]
    gamma: float
    latex_f: str
    latex_df: str
    latex_range_f: str
    latex_range_df: str
    f_out: Callable[[np.ndarray, np.ndarray], object] | None = None  # f(a, out=…) where f is one ufunc

    @property
    def f_into(self) -> Callable[[np.ndarray, np.ndarray], object]:
        """``f_into(a, out)`` writes f(a) into ``out`` (float64, a's shape): in place where f is one
        numpy ufunc (``f_out``), the same numbers as ``f(a)`` either way. For the loop over t."""
        return self.f_out or self._assign

    def _assign(self, a: np.ndarray, out: np.ndarray) -> None:
        out[...] = self.f(a)


def _sigmoid(a):
    r"""$\sigma(a) = 1/(1+e^{-a})$ for a ≥ 0 and $e^{a}/(1+e^{a})$ for a < 0: no exponent is ever
    positive, so nothing overflows for any |a|, and σ(a) ≈ e^a keeps its relative precision far below 0.

    Written as $e^{\min(a, 0)}/(1+e^{-|a|})$: the same two quotients (e^0 is exactly 1, and
    e^{min(a,0)} is e^{-|a|} for a < 0), in fewer array operations than choosing between them.
    """
    a = np.asarray(a, dtype=np.float64)
    return np.exp(np.minimum(a, 0.0)) / (1.0 + np.exp(-np.abs(a)))


def _dsigmoid(a):
    r"""$\sigma'(a) = \sigma(a)(1-\sigma(a)) = e^{-|a|}/(1+e^{-|a|})^2$."""
    e = np.exp(-np.abs(np.asarray(a, dtype=np.float64)))
    return e / (1.0 + e) ** 2


def _tanh(a):
    return np.tanh(np.asarray(a, dtype=np.float64))


def _dtanh(a):
    r"""$\tanh'(a) = 1 - \tanh^2 a = 4e^{-2|a|}/(1+e^{-2|a|})^2$ (exactly 1 at a = 0)."""
    e = np.exp(-2.0 * np.abs(np.asarray(a, dtype=np.float64)))
    return 4.0 * e / (1.0 + e) ** 2


def _relu(a):
    return np.maximum(np.asarray(a, dtype=np.float64), 0.0)


def _drelu(a):
    # heaviside(a, 0): 0 for a ≤ 0 (ReLU′(0) = 0 by convention), 1 for a > 0, nan stays nan
    return np.heaviside(np.asarray(a, dtype=np.float64), 0.0)


def _leaky_relu(a):
    a = np.asarray(a, dtype=np.float64)
    return np.where(a > 0, a, LEAKY_SLOPE * a)


def _dleaky_relu(a):
    a = np.asarray(a, dtype=np.float64)
    return np.where(np.isnan(a), np.nan, np.where(a > 0, 1.0, LEAKY_SLOPE))


def _linear(a):
    return np.array(a, dtype=np.float64)


def _dlinear(a):
    return np.ones_like(np.asarray(a, dtype=np.float64))


def _tanh_out(a, out):
    return np.tanh(a, out=out)


def _relu_out(a, out):
    return np.maximum(a, 0.0, out=out)


ACTIVATIONS: dict[str, Activation] = {
    act.name: act
    for act in (
        Activation(
            "tanh",
            _tanh,
            _dtanh,
            1.0,
            r"f(a) = \tanh a",
            r"f'(a) = 1 - \tanh^2 a",
            r"(-1,\ 1)",
            r"(0,\ 1]",
            f_out=_tanh_out,
        ),
        Activation(
            "sigmoid",
            _sigmoid,
            _dsigmoid,
            0.25,
            r"f(a) = \sigma(a) = \frac{1}{1 + e^{-a}}",
            r"f'(a) = \sigma(a)\,\bigl(1 - \sigma(a)\bigr)",
            r"(0,\ 1)",
            r"(0,\ \tfrac{1}{4}]",
        ),
        Activation(
            "relu",
            _relu,
            _drelu,
            1.0,
            r"f(a) = \max(0,\ a)",
            r"f'(a) = \begin{cases} 1 & a > 0 \\ 0 & a \le 0 \end{cases}",
            r"[0,\ \infty)",
            r"\{0,\ 1\}",
            f_out=_relu_out,
        ),
        Activation(
            "leaky_relu",
            _leaky_relu,
            _dleaky_relu,
            1.0,
            r"f(a) = \begin{cases} a & a > 0 \\ 0.01\,a & a \le 0 \end{cases}",
            r"f'(a) = \begin{cases} 1 & a > 0 \\ 0.01 & a \le 0 \end{cases}",
            r"(-\infty,\ \infty)",
            r"\{0.01,\ 1\}",
        ),
        Activation(
            "linear",
            _linear,
            _dlinear,
            1.0,
            r"f(a) = a",
            r"f'(a) = 1",
            r"(-\infty,\ \infty)",
            r"\{1\}",
        ),
    )
}


def get_activation(name: str) -> Activation:
    """The :class:`Activation` called ``name``; ``ValueError`` naming the choices otherwise."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}; received {name!r}") from None
