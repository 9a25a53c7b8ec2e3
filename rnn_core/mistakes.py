r"""A student's value for a step of the worked example, checked: correct within a stated tolerance, or
the most likely mistake, found by computing the usual wrong versions of that step explicitly.

    correct   ⇔   |vᵢ − eᵢ| ≤ atol + rtol·|eᵢ| for every entry i   (numpy.isclose)

Each wrong version (a :class:`MistakeVariant`) is what a student gets by one mistake, starting from the
correct values of the earlier steps: a transposed factor (Wᵀ ↔ W, δhᵀ ↔ hδᵀ), a missing f′, the wrong
time index (h⁽ᵏ⁾ for h⁽ᵏ⁻¹⁾), only the last path (k = s), a sign, a mean for a sum, ∂L⁽ˢ⁾/∂θ for ∂L/∂θ
(the homework's update), … (:data:`MISTAKES`). A mistake made in the backward recursion travels
on: its variants of later steps carry it through every step after it. A variant that cannot be
told from the correct value within the tolerance is dropped; the value is matched to the nearest
variant within the same tolerance, and "unknown" when none is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array, finite_number
from .bptt import bptt
from .worked_example import WorkedExample

HAND_RTOL = 1e-2
HAND_ATOL = 1e-3
MISTAKES = (
    "transposed",  # a factor transposed: W for Wᵀ, V for Vᵀ, h δᵀ for δ hᵀ
    "missing_fprime",  # f′(a⁽ᵏ⁾) left out of δ (here or all along the recursion)
    "wrong_time_index",  # h⁽ᵏ⁾ for h⁽ᵏ⁻¹⁾, x⁽ᵏ⁻¹⁾ for x⁽ᵏ⁾, f′ of the neighbouring step, h⁽ᵗ⁻¹⁾ in o⁽ᵗ⁾
    "last_path_only",  # only the path k = s (or, for δ⁽ᵗ⁾, only L⁽ᵗ⁾'s own error)
    "sign",  # the opposite sign
    "mean_not_sum",  # divided by the number of terms
    "one_loss_only",  # ∂L⁽ˢ⁾/∂θ (or ∂L⁽ᵀ⁾/∂θ) for ∂L/∂θ: the homework's update
    "v_history",  # V given a sum over earlier steps: V acts on h⁽ˢ⁾ only at step s
    "missing_bias",  # b or c left out
    "missing_f",  # the activation not applied: a⁽ᵗ⁾ used where h⁽ᵗ⁾ belongs
    "fprime_of_a",  # f′'s formula fed a⁽ᵗ⁾ where it needs h⁽ᵗ⁾ (1 − a² for tanh, a(1 − a) for σ)
    "f_not_fprime",  # f(a) for f′(a)
    "log10",  # log₁₀ for ln in the cross-entropy
    "wrong_class",  # the cross-entropy of another class
    "missing_half",  # ‖o − y‖² without the ½
    "no_onehot",  # ŷ without − onehot(y)
    "forgot_lr",  # θ − ∂L/∂θ without the learning rate
)
VERDICTS = ("correct", *MISTAKES, "unknown")


@dataclass(frozen=True, eq=False)
class MistakeVariant:
    """One wrong version of a step: the mistake (one of :data:`MISTAKES`) and the value it gives."""

    reason: str
    value: np.ndarray


@dataclass(frozen=True, eq=False)
class Verdict:
    """A student's value for the step ``name`` judged with tolerance (``rtol``, ``atol``).

    ``correct`` when every entry is within tolerance; ``reason`` "correct", the nearest matching
    mistake, or "unknown"; ``reasons`` every mistake that matches, nearest first. ``error`` the
    largest |vᵢ − eᵢ| and ``ratio`` the largest |vᵢ − eᵢ| / (atol + rtol·|eᵢ|) (≤ 1 is within
    tolerance); both nan when ``value`` has the transposed shape. ``differs`` the indices of the
    entries outside tolerance. ``variant_ratio`` the matched mistake's ratio (nan when none).
    """

    name: str
    correct: bool
    reason: str
    reasons: tuple[str, ...]
    rtol: float
    atol: float
    error: float
    ratio: float
    differs: tuple[tuple[int, ...], ...]
    variant_ratio: float
    value: np.ndarray
    expected: np.ndarray


def tolerance_ratio(value: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> float:
    """max |vᵢ − eᵢ| / (atol + rtol·|eᵢ|): ≤ 1 exactly when numpy.isclose holds for every entry."""
    with np.errstate(all="ignore"):
        return float(np.max(np.abs(value - expected) / (atol + rtol * np.abs(expected)), initial=0.0))


def _within(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    return a.shape == b.shape and tolerance_ratio(a, b, rtol, atol) <= 1.0


class _Parts:
    """The example's arrays by step, B = 1 squeezed: x[t], a[t], h[t] (h[0] = h⁽⁰⁾), o[t], g[t] =
    ∂L⁽ᵗ⁾/∂o⁽ᵗ⁾, fp[t] = f′(a⁽ᵗ⁾), and the parameters."""

    def __init__(self, ex: WorkedExample):
        T = ex.T
        self.ex, self.T, self.s = ex, T, ex.s
        self.U, self.W, self.V, self.b, self.c = (getattr(ex.params, f) for f in "UWVbc")
        self.x = {t: ex.value(f"x{t}") for t in range(1, T + 1)}
        self.a = {t: ex.value(f"a{t}") for t in range(1, T + 1)}
        self.h = {t: ex.value(f"h{t}") for t in range(0, T + 1)}
        self.o = {t: ex.value(f"o{t}") for t in range(1, T + 1)}
        self.g = {t: ex.value(f"dLdo{t}") for t in range(1, T + 1)}
        self.fp = {t: ex.value(f"fp{t}") for t in range(1, T + 1)}

    def back_s(self, *, transpose=False, fprime=True) -> dict | None:
        """(∂L⁽ˢ⁾/∂h⁽ᵏ⁾, δₖ⁽ˢ⁾) for k = s..1 by the recursion with one mistake made all along; None
        when a transposed V does not fit (K ≠ H)."""
        V, W = (self.V, self.W) if transpose else (self.V.T, self.W.T)
        if V.shape[1] != self.g[self.s].shape[0]:
            return None
        out, dh = {}, V @ self.g[self.s]
        for k in range(self.s, 0, -1):
            delta = (self.fp[k] if fprime else 1.0) * dh
            out[k] = (dh, delta)
            dh = W @ delta
        return out

    def back_full(self, *, transpose=False, fprime=True, future=True) -> dict | None:
        """(∂L/∂h⁽ᵗ⁾, δ⁽ᵗ⁾) for t = T..1 with one mistake made all along (``future`` False: only
        L⁽ᵗ⁾'s own error)."""
        V, W = (self.V, self.W) if transpose else (self.V.T, self.W.T)
        if V.shape[1] != self.g[1].shape[0]:
            return None
        out, carry = {}, 0.0
        for t in range(self.T, 0, -1):
            dh = V @ self.g[t] + (carry if future else 0.0)
            delta = (self.fp[t] if fprime else 1.0) * dh
            out[t] = (dh, delta)
            carry = W @ delta
        return out


def _recursions(p: _Parts, full: bool):
    """(reason, {step: (∂L/∂h, δ)}) of each mistake that travels along a backward recursion."""
    back = p.back_full if full else p.back_s
    for reason, kw in (("transposed", dict(transpose=True)), ("missing_fprime", dict(fprime=False))):
        d = back(**kw)
        if d is not None:
            yield reason, d
    if full:
        yield "last_path_only", p.back_full(future=False)


def _outer(u, v):
    return np.outer(u, v)


def _raw_variants(ex: WorkedExample, name: str) -> list[tuple[str, np.ndarray]]:
    """Every wrong version of the step ``name``, before the indistinguishable ones are dropped."""
    step = ex.step(name)
    kind, i, p = step.kind, step.index, _Parts(ex)
    e = step.value
    out: list[tuple[str, np.ndarray]] = []
    if step.given:
        return out
    if kind == "a":
        out += [
            ("transposed", p.b + p.W.T @ p.h[i - 1] + p.U @ p.x[i]),
            ("missing_bias", p.W @ p.h[i - 1] + p.U @ p.x[i]),
        ]
        if i > 1:
            out.append(("wrong_time_index", p.b + p.W @ p.h[i - 1] + p.U @ p.x[i - 1]))
    elif kind == "h":
        out.append(("missing_f", p.a[i]))
    elif kind == "o":
        out += [
            ("missing_bias", p.V @ p.h[i]),
            ("missing_f", p.c + p.V @ p.a[i]),
            ("wrong_time_index", p.c + p.V @ p.h[i - 1]),
        ]
        if p.V.shape[0] == p.V.shape[1]:
            out.append(("transposed", p.c + p.V.T @ p.h[i]))
    elif kind == "yhat":
        pass  # a softmax has no usual one-slip version: a wrong ŷ is "unknown"
    elif kind == "L" and i is not None:
        y_hat = ex.trace.y_hat[i - 1, 0]
        if ex.loss == "softmax_ce":
            y = int(ex.trace.targets[i - 1, 0])
            out += [("log10", np.asarray(-np.log10(y_hat[y]))), ("sign", -e)]
            out += [("wrong_class", np.asarray(-np.log(y_hat[j]))) for j in range(ex.K) if j != y]
        else:
            out += [("missing_half", 2 * e), ("sign", -e)]
    elif kind == "L":
        out += [("mean_not_sum", e / ex.T), ("one_loss_only", np.asarray(ex.trace.losses[-1])), ("sign", -e)]
    elif kind == "dLdo":
        out.append(("sign", -e))
        if ex.loss == "softmax_ce":
            out.append(("no_onehot", ex.trace.y_hat[i - 1, 0]))
    elif kind == "fp":
        h, a = p.h[i], p.a[i]
        wrong_arg = {"tanh": 1 - a**2, "sigmoid": a * (1 - a)}.get(ex.activation)
        if wrong_arg is not None:
            out.append(("fprime_of_a", wrong_arg))
        out.append(("f_not_fprime", h))
    elif kind in ("dLs_dh", "delta_s"):
        out += _backward_variants(p, kind, i, e, full=False)
    elif kind in ("dL_dh", "delta"):
        out += _backward_variants(p, kind, i, e, full=True)
    elif kind in ("pathW", "pathU"):
        z = p.h[i - 1] if kind == "pathW" else p.x[i]
        d = ex.value(f"delta_s{i}")
        out += [("transposed", _outer(z, d)), ("sign", -e)]
        if kind == "pathW":
            out.append(("wrong_time_index", _outer(d, p.h[i])))
        elif i > 1:
            out.append(("wrong_time_index", _outer(d, p.x[i - 1])))
        out.append(("missing_fprime", _outer(ex.value(f"dLs_dh{i}"), z)))
        for reason, dd in _recursions(p, full=False):
            out.append((reason, _outer(dd[i][1], z)))
    elif kind in ("dLs_dW", "dLs_dU"):
        wrt = kind[-1]
        terms = [ex.value(f"path{wrt}{k}") for k in range(1, ex.s + 1)]
        z = p.h if wrt == "W" else p.x
        zk = (lambda k: p.h[k - 1]) if wrt == "W" else (lambda k: p.x[k])
        out += [("last_path_only", terms[-1]), ("transposed", e.T), ("sign", -e), ("mean_not_sum", e / ex.s)]
        d = {k: ex.value(f"delta_s{k}") for k in range(1, ex.s + 1)}
        if wrt == "W":
            out.append(("wrong_time_index", sum(_outer(d[k], z[k]) for k in d)))
        elif ex.s > 1:
            out.append(("wrong_time_index", sum(_outer(d[k], z[k - 1]) for k in d if k > 1)))
        for reason, dd in _recursions(p, full=False):
            out.append((reason, sum(_outer(dd[k][1], zk(k)) for k in dd)))
    elif kind == "dLs_dV":
        g = p.g[ex.s]
        out += [
            ("transposed", _outer(p.h[ex.s], g)),
            ("wrong_time_index", _outer(g, p.h[ex.s - 1])),
            ("v_history", sum(_outer(g, p.h[k]) for k in range(1, ex.s + 1))),
            ("sign", -e),
        ]
    elif kind in ("dV", "dW", "dU", "db", "dc"):
        out += _gradient_variants(ex, p, kind[1], e)
    elif kind.endswith("_new"):
        field = kind[0]
        theta, g = getattr(ex.params, field), getattr(ex.grads, field)
        out += [("sign", theta + ex.lr * g), ("forgot_lr", theta - g)]
        wrong = _gradient_variants(ex, p, field, g)
        out += [(reason, theta - ex.lr * w) for reason, w in wrong if w.shape == theta.shape]
    return out


def _backward_variants(p: _Parts, kind: str, i: int, e: np.ndarray, *, full: bool):
    """Wrong versions of ∂L⁽ˢ⁾/∂h⁽ᵏ⁾, δₖ⁽ˢ⁾ (full False) or ∂L/∂h⁽ᵗ⁾, δ⁽ᵗ⁾ (full True) at step i."""
    ex = p.ex
    out = [("sign", -e)]
    prefix = ("dL_dh", "delta") if full else ("dLs_dh", "delta_s")
    is_delta = kind == prefix[1]
    for reason, dd in _recursions(p, full):
        if i not in dd:
            continue
        out.append((reason, dd[i][1] if is_delta else dd[i][0]))
    last = ex.T if full else ex.s
    if is_delta:
        dh = ex.value(f"{prefix[0]}{i}")
        out.append(("missing_fprime", dh))
        neighbour = i + 1 if i < last else i - 1
        if neighbour >= 1:
            out.append(("wrong_time_index", p.fp[neighbour] * dh))
    elif i < last:
        nxt = ex.value(f"{prefix[1]}{i + 1}")
        direct = p.V.T @ p.g[i] if full else 0.0
        out.append(("transposed", direct + p.W @ nxt))
        out.append(("missing_fprime", direct + p.W.T @ ex.value(f"{prefix[0]}{i + 1}")))
    return [(r, v) for r, v in out if np.all(np.isfinite(v))]


def _gradient_variants(ex: WorkedExample, p: _Parts, field: str, e: np.ndarray):
    """Wrong versions of the full gradient ∂L/∂``field``."""
    T, s = ex.T, ex.s
    delta = {t: ex.value(f"delta{t}") for t in range(1, T + 1)}
    out = [("sign", -e), ("mean_not_sum", e / T), ("one_loss_only", getattr(ex.grads_s, field))]
    if s != T:  # L⁽ᵀ⁾ alone: the homework's ∂L⁽³⁾/∂W with T = 3
        out.append(("one_loss_only", getattr(bptt(ex.params, ex.trace, s=T), field)))
    if field in ("W", "U", "V"):
        out.append(("transposed", e.T))
    if field == "V":
        out.append(("wrong_time_index", sum(_outer(p.g[t], p.h[t - 1]) for t in range(1, T + 1))))
        return out
    if field == "c":
        return out
    z = {"W": lambda t: p.h[t - 1], "U": lambda t: p.x[t], "b": lambda t: np.ones(1)}[field]

    def total(d):
        return sum(_outer(d[t][1], z(t)) for t in d).reshape(e.shape)

    if field == "W":
        out.append(("wrong_time_index", sum(_outer(delta[t], p.h[t]) for t in delta)))
    elif field == "U" and T > 1:
        out.append(("wrong_time_index", sum(_outer(delta[t], p.x[t - 1]) for t in delta if t > 1)))
    for reason, dd in _recursions(p, full=True):
        out.append((reason, total(dd)))
    return out


def mistake_variants(ex: WorkedExample, name: str, *, rtol: float = HAND_RTOL, atol: float = HAND_ATOL):
    """The wrong versions of step ``name`` that the tolerance can tell from the correct value and from
    each other's reason: a tuple of :class:`MistakeVariant`, in the order of :data:`MISTAKES` then computed."""
    expected = ex.value(name)
    kept: list[MistakeVariant] = []
    for reason, value in _raw_variants(ex, name):
        value = np.asarray(value, dtype=np.float64).reshape(value.shape) + 0.0
        if not np.all(np.isfinite(value)) or _within(value, expected, rtol, atol):
            continue
        if any(v.reason == reason and _within(value, v.value, rtol, atol) for v in kept):
            continue
        kept.append(MistakeVariant(reason, value))
    return tuple(kept)


def _as_shape(value: np.ndarray, shapes: list[tuple]) -> np.ndarray | None:
    """``value`` in the first of ``shapes`` it fits: the same shape, or a vector written as a row or a
    column (any shape with one non-unit axis fits (n,), and a single number fits ())."""
    for shape in shapes:
        if value.shape == shape:
            return value
        if len(shape) <= 1 and value.size == int(np.prod(shape)) and sum(n > 1 for n in value.shape) <= 1:
            return value.reshape(shape)
    return None


def diagnose(
    name: str, value, example: WorkedExample, *, rtol: float = HAND_RTOL, atol: float = HAND_ATOL
) -> Verdict:
    r"""Is ``value`` the step ``name`` of ``example``: $|v_i - e_i| \le \mathrm{atol} + \mathrm{rtol}\,|e_i|$ for all i?

    ``value`` has the step's shape (a vector may be written as a row or a column; a matrix may have
    the transposed shape, which is the "transposed" mistake). When it is not within tolerance, the
    verdict names the nearest :class:`MistakeVariant` within the same tolerance, or "unknown".
    ``ValueError`` for an unknown name, a value of another shape, or entries that are not finite.
    """
    rtol = finite_number("rtol", rtol, zero_allowed=True)
    atol = finite_number("atol", atol, zero_allowed=True)
    if rtol == 0 and atol == 0:
        raise ValueError("rtol and atol must not both be 0: a hand computation needs a tolerance")
    expected = example.value(name)
    wrong = mistake_variants(example, name, rtol=rtol, atol=atol)
    raw = as_float_array("value", value, (None,) * np.ndim(value), "numbers")
    shapes = [expected.shape] + [v.value.shape for v in wrong if v.value.shape != expected.shape]
    got = _as_shape(raw, shapes)
    if got is None:
        raise ValueError(
            f"value for {name} must have shape {expected.shape}; received shape {np.shape(value)}"
        )
    matches = sorted(
        (tolerance_ratio(got, v.value, rtol, atol), i, v.reason)
        for i, v in enumerate(wrong)
        if v.value.shape == got.shape
    )
    if got.shape == expected.shape:
        ratio = tolerance_ratio(got, expected, rtol, atol)
        with np.errstate(all="ignore"):
            error = float(np.max(np.abs(got - expected), initial=0.0))
            outside = np.abs(got - expected) > atol + rtol * np.abs(expected)
        differs = tuple(tuple(int(j) for j in idx) for idx in np.argwhere(outside))
    else:
        ratio, error, differs = float("nan"), float("nan"), ()
    correct = bool(ratio <= 1.0)
    reasons: list[str] = []
    for r, _, reason in matches:
        if r <= 1.0 and reason not in reasons:
            reasons.append(reason)
    best = next((r for r, _, _ in matches if r <= 1.0), float("nan"))
    if correct:
        return Verdict(name, True, "correct", (), rtol, atol, error, ratio, (), float("nan"), got, expected)
    reason = reasons[0] if reasons else "unknown"
    return Verdict(
        name, False, reason, tuple(reasons), rtol, atol, error, ratio, differs, best, got, expected
    )
