r"""Optimizers as pure functions on immutable state, in the style of jax's ``example_libraries.optimizers``.

Each constructor (:func:`sgd`, :func:`momentum`, :func:`adam`) returns an :class:`Optimizer`, a pair

    init(params) → state,   update(state, grads, step) → (params, state)

``params`` and ``grads`` are any cell's parameters (RNNParams, LSTMParams, GRUParams; gradients share
the parameters' type), ``step`` the 0-based index of the update. The state is a frozen dataclass that
holds the current parameters and the optimizer's moments, each of the parameters' type; nothing is
modified in place, so a state can be kept, compared or resumed from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._checks import choice, finite_number, positive_int

OPTIMIZERS = ("sgd", "momentum", "adam")


def tree_map(fn: Callable, first, *rest):
    """``fn`` applied field by field: a new object of ``first``'s type whose field θ is
    fn(first.θ, rest[0].θ, …). Every argument has the fields of ``first``."""
    return type(first)(**{k: fn(v, *(getattr(r, k) for r in rest)) for k, v in first.arrays().items()})


def _zeros_like(params):
    """Parameters of the type and shapes of ``params``, every entry 0."""
    return tree_map(np.zeros_like, params)


class Optimizer(NamedTuple):
    """``init(params) → state`` and ``update(state, grads, step) → (params, state)``."""

    init: Callable
    update: Callable


@dataclass(frozen=True, eq=False)
class SGDState:
    """Plain gradient descent keeps the parameters alone."""

    params: object


@dataclass(frozen=True, eq=False)
class MomentumState:
    """The parameters and the velocity v (same type), the running sum of past gradients."""

    params: object
    velocity: object


@dataclass(frozen=True, eq=False)
class AdamState:
    """The parameters and Adam's first and second moment estimates m and v (same type)."""

    params: object
    m: object
    v: object


def _checked(state, grads, step) -> int:
    """``step`` as an int ≥ 0, after checking that ``grads`` are like ``state.params``."""
    state.params.check_like(grads)
    return positive_int("step", step, minimum=0)


def sgd(lr: float) -> Optimizer:
    r"""Gradient descent, $\theta \leftarrow \theta - \mathrm{lr}\, g$: :meth:`RNNParams.sgd_step` as an optimizer.

    ``lr`` a finite float ≥ 0. The update ignores ``step``.
    """
    lr = finite_number("lr", lr, zero_allowed=True)

    def init(params) -> SGDState:
        return SGDState(params)

    def update(state: SGDState, grads, step: int):
        _checked(state, grads, step)
        params = state.params.sgd_step(grads, lr)
        return params, SGDState(params)

    return Optimizer(init, update)


def momentum(lr: float, beta: float = 0.9) -> Optimizer:
    r"""Heavy-ball momentum, $v \leftarrow \beta v + g,\ \theta \leftarrow \theta - \mathrm{lr}\, v$ (v₀ = 0).

    ``lr`` a finite float ≥ 0, ``beta`` in [0, 1); beta = 0 is :func:`sgd`. The form of jax's
    ``momentum`` and PyTorch's ``SGD(momentum=β)``: v sums past gradients with weights βⁱ.
    """
    lr = finite_number("lr", lr, zero_allowed=True)
    beta = _unit("beta", beta)

    def init(params) -> MomentumState:
        return MomentumState(params, _zeros_like(params))

    def update(state: MomentumState, grads, step: int):
        _checked(state, grads, step)
        velocity = tree_map(lambda v, g: beta * v + g, state.velocity, grads)
        params = tree_map(lambda p, v: p - lr * v, state.params, velocity)
        return params, MomentumState(params, velocity)

    return Optimizer(init, update)


def adam(lr: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> Optimizer:
    r"""Adam (Kingma & Ba 2015, Algorithm 1), $\theta \leftarrow \theta - \mathrm{lr}\,\hat m_t/(\sqrt{\hat v_t} + \epsilon)$.

    With t = step + 1: m ← b1·m + (1 − b1)·g, v ← b2·v + (1 − b2)·g² (entrywise, m₀ = v₀ = 0),
    m̂ = m/(1 − b1ᵗ), v̂ = v/(1 − b2ᵗ). ``lr`` a finite float ≥ 0, ``b1``, ``b2`` in [0, 1),
    ``eps`` > 0. The step is about lr per entry whatever the scale of g: Adam divides g by its own
    running size, so clipping g (before the moments, as :func:`rnn_core.train` does) changes the
    step only where the clipped gradient's scale changes from step to step.
    """
    lr = finite_number("lr", lr, zero_allowed=True)
    b1, b2 = _unit("b1", b1), _unit("b2", b2)
    eps = finite_number("eps", eps)

    def init(params) -> AdamState:
        zeros = _zeros_like(params)
        return AdamState(params, zeros, zeros)

    def update(state: AdamState, grads, step: int):
        t = _checked(state, grads, step) + 1
        m = tree_map(lambda m, g: b1 * m + (1 - b1) * g, state.m, grads)
        v = tree_map(lambda v, g: b2 * v + (1 - b2) * np.square(g), state.v, grads)
        m_scale, v_scale = 1 / (1 - b1**t), 1 / (1 - b2**t)  # bias corrections
        params = tree_map(
            lambda p, m, v: p - lr * (m * m_scale) / (np.sqrt(v * v_scale) + eps), state.params, m, v
        )
        return params, AdamState(params, m, v)

    return Optimizer(init, update)


def _unit(name: str, value) -> float:
    """``value`` as a float in [0, 1)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not 0 <= value < 1
    ):
        raise ValueError(f"{name} must be a number in [0, 1); received {value!r}")
    return float(value)


def make_optimizer(name: str, lr: float) -> Optimizer:
    """The optimizer ``name`` in :data:`OPTIMIZERS` with learning rate ``lr`` and default settings."""
    choice("optimizer", name, OPTIMIZERS)
    return {"sgd": sgd, "momentum": momentum, "adam": adam}[name](lr)
