r"""Where float64 rounds f′ to exactly 0.0, beyond which every path through the unit is cut.

rnn_core writes sigmoid′ = e/(1+e)² with e = exp(−|a|) and tanh′ = 4e/(1+e)² with
e = exp(−2|a|); they round to exactly 0.0 only when e underflows. The textbook forms

    σ′(a) = σ(a)(1 − σ(a)),   tanh′(a) = 1 − tanh²(a)

round to 0.0 as soon as σ or tanh rounds to 1, far sooner. :func:`first_zero` finds where, by
bisection over the float64 numbers themselves; :func:`zero_edge` and
:func:`zero_derivative_threshold` apply it to each activation and form, and
:func:`log10_derivative` gives log₁₀ f′ for plots of where float64 gives up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array, choice
from .activations import get_activation

FORMS = ("rnn_core", "textbook")
_LARGEST = np.finfo(np.float64).max


def _textbook_dsigmoid(a):
    sig = get_activation("sigmoid").f(a)
    return sig * (1.0 - sig)


def _textbook_dtanh(a):
    return 1.0 - np.tanh(np.asarray(a, dtype=np.float64)) ** 2


_TEXTBOOK = {"sigmoid": _textbook_dsigmoid, "tanh": _textbook_dtanh}
TEXTBOOK_LATEX = {"sigmoid": r"\sigma(a)\,\bigl(1 - \sigma(a)\bigr)", "tanh": r"1 - \tanh^2 a"}


def textbook_derivative(activation: str) -> Callable[[np.ndarray], np.ndarray] | None:
    r"""The textbook f′: $\sigma(a)(1-\sigma(a))$ for sigmoid, $1-\tanh^2 a$ for tanh, else None."""
    return _TEXTBOOK.get(get_activation(activation).name)


def _derivative(activation: str, form: str) -> Callable[[np.ndarray], np.ndarray] | None:
    choice("form", form, FORMS)
    act = get_activation(activation)
    return act.df if form == "rnn_core" else textbook_derivative(act.name)


def first_zero(df: Callable[[np.ndarray], np.ndarray], sign: int = 1) -> float | None:
    r"""The smallest x > 0 with $f'(\text{sign}\cdot x) = 0.0$ in float64, or None if there is none.

    A bisection over the bit patterns of the positive float64 numbers (ordered like the numbers),
    so the answer is exact: f′(sign·x) == 0.0 and f′(sign·nextafter(x, 0)) != 0.0. It assumes
    what holds for every f′ here: once exactly 0.0 as |a| grows, f′ stays 0.0.
    """
    if sign not in (1, -1):
        raise ValueError(f"sign must be 1 or -1; received {sign!r}")

    def is_zero(bits: int) -> bool:
        x = np.array([bits], dtype=np.int64).view(np.float64)  # (1,)
        with np.errstate(all="ignore"):  # e.g. −2·|a| overflows to −inf near the largest float
            return bool(df(sign * x)[0] == 0.0)

    lo = 0  # the bits of 0.0: treated as "not zero", since x > 0 is asked for
    hi = int(np.array([_LARGEST]).view(np.int64)[0])
    if not is_zero(hi):
        return None
    while hi - lo > 1:  # invariant: f′ is nonzero at lo (or lo = 0) and zero at hi
        mid = (lo + hi) // 2
        if is_zero(mid):
            hi = mid
        else:
            lo = mid
    return float(np.array([hi], dtype=np.int64).view(np.float64)[0])


@dataclass(frozen=True)
class ZeroEdge:
    """Where f′ becomes exactly 0.0 on one side: ``at`` = the smallest x > 0 with f′(sign·x) == 0.0
    (None if never), f′ there, the float just before it (np.nextafter towards 0) and f′ there."""

    activation: str
    form: str
    sign: int
    at: float | None
    df_at: float | None
    before: float | None
    df_before: float | None


def zero_edge(activation: str, sign: int = 1, *, form: str = "rnn_core") -> ZeroEdge:
    r"""The float64 edge beyond which $f'(\text{sign}\cdot x) = 0.0$, with f′ on both sides of it."""
    df = _derivative(activation, form)
    name = get_activation(activation).name
    at = None if df is None else first_zero(df, sign)
    if at is None:
        return ZeroEdge(name, form, sign, None, None, None, None)
    before = float(np.nextafter(at, 0.0))
    with np.errstate(all="ignore"):
        d_at, d_before = (float(df(np.array([sign * x]))[0]) for x in (at, before))
    return ZeroEdge(name, form, sign, at, d_at, before, d_before)


def zero_derivative_threshold(activation: str, *, form: str = "rnn_core") -> float | None:
    r"""The smallest |a| > 0 with $f'(a) = f'(-a) = 0.0$ in float64: beyond it every path through f dies.

    ``form`` = "rnn_core" (the activation's own f′) or "textbook" (σ(1−σ), 1 − tanh²). None when
    f′ is never 0.0 on one side: ReLU and leaky ReLU (f′ = 1 for all a > 0), linear, and the
    textbook form of activations that have none.
    """
    sides = [zero_edge(activation, sign, form=form).at for sign in (1, -1)]
    return None if None in sides else max(sides)


def log10_derivative(activation: str, a, *, form: str = "rnn_core") -> np.ndarray:
    r"""$\log_{10} f'(a)$ for a (n,), −inf where f′ is exactly 0.0 (for plots of where float64 gives up)."""
    df = _derivative(activation, form)
    if df is None:
        raise ValueError(f"form 'textbook' exists for {sorted(_TEXTBOOK)} only; received {activation!r}")
    a = as_float_array("a", a, (None,), "(n,)")
    with np.errstate(divide="ignore"):
        return np.log10(df(a))
