r"""Full-batch gradient descent on one fixed batch: the update rule of DESIGN §2, step by step.

    θ ← θ − lr · ∂L/∂θ,   θ ∈ {U, W, V, b, c},   L = Σₜ L⁽ᵗ⁾ summed over the batch

- :func:`random_sequence`: a batch of B = 1 sequence with random inputs and targets, by seed.
- :func:`descend`: ``steps`` updates, each the arithmetic of :func:`rnn_core.bptt` and
  :meth:`RNNParams.sgd_step` followed by a new forward pass; it stops early, without an exception
  or a numpy warning, when a step cannot be taken (the gradient is not finite) or would leave
  parameters that are not.

Unlike :func:`rnn_core.train` (fresh minibatches of a task, L/B, clipping, truncation), nothing
here changes between steps but the parameters, so the loss history shows the update rule alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import choice, finite_number, positive_int
from .activations import get_activation
from .bptt import _gradient_arrays
from .forward import LOSSES, Trace, _run_checked, forward
from .lstm import LSTMParams
from .params import RNNParams

DESCENT_STOPS = ("non-finite gradient", "non-finite parameters")


def random_sequence(T: int, D: int, K: int, *, loss: str = "softmax_ce", seed: int = 0):
    r"""One sequence (B = 1): $x^{(t)} \sim \mathcal{N}(0, I_D)$ and targets $y^{(t)}$, drawn by ``seed``.

    Returns xs (T, 1, D) float64 and targets: (T, 1) ints uniform in [0, K) for ``softmax_ce``,
    (T, 1, K) float64 standard normal for ``mse``. The generator is seeded with [seed, 1], a stream
    separate from the one :meth:`RNNParams.init` draws with the same ``seed``.
    """
    T, D, K = (positive_int(name, value) for name, value in (("T", T), ("D", D), ("K", K)))
    choice("loss", loss, LOSSES)
    rng = np.random.default_rng([positive_int("seed", seed, minimum=0), 1])
    xs = rng.standard_normal((T, 1, D))  # (T, 1, D)
    if loss == "mse":
        return xs, rng.standard_normal((T, 1, K))  # (T, 1, K)
    return xs, rng.integers(0, K, size=(T, 1))  # (T, 1)


@dataclass(frozen=True, eq=False)
class Descent:
    """What :func:`descend` returns.

    ``params`` after the last update taken (always finite) and ``trace`` their forward pass;
    ``losses`` (steps_taken + 1,): L before the first update and after each one; ``stop_reason``
    None when every step asked for was taken, else one of :data:`DESCENT_STOPS`: the gradient at
    ``params`` holds inf or nan ("non-finite gradient"), or the update would overflow
    ("non-finite parameters").
    """

    params: RNNParams
    trace: Trace
    losses: np.ndarray
    stop_reason: str | None

    @property
    def steps_taken(self) -> int:
        return len(self.losses) - 1


def descend(
    params: RNNParams,
    xs,
    targets,
    *,
    activation: str = "tanh",
    loss: str = "softmax_ce",
    lr: float,
    steps: int,
) -> Descent:
    r"""``steps`` updates $\theta \leftarrow \theta - \mathrm{lr}\cdot\partial L/\partial\theta$ on one batch.

    The batch is fixed: ``xs`` (T, B, D), ``targets`` (T, B) ints (softmax_ce) or (T, B, K) floats
    (mse), as for :func:`rnn_core.forward`; ``lr`` ≥ 0, ``steps`` ≥ 0. Each step: g = bptt(params,
    trace); stop if g is not finite; θ′ = θ − lr·g; stop if θ′ is not finite; else θ = θ′ and a new
    forward pass. ``params`` any parameter type that :func:`rnn_core.forward` accepts.
    """
    lr = finite_number("lr", lr, zero_allowed=True)
    steps = positive_int("steps", steps, minimum=0)
    trace = forward(params, xs, targets, activation=activation, loss=loss)
    losses = [trace.loss]
    stop = None
    # Every later pass runs on the inputs forward() has just checked and on parameters built here
    # from finite arrays of the right shapes, so each step skips the checks and copies of the public
    # calls (a third of a step at T = 50): the same arithmetic as bptt(), sgd_step() and forward()
    # (tests/core/test_descent.py compares bit for bit).
    act = get_activation(activation)
    B, H = trace.h.shape[1:]
    h0 = np.zeros((B, H))
    s0 = np.zeros((B, H)) if isinstance(params, LSTMParams) else None
    cell = type(params)
    for _ in range(steps):
        grads = cell._built(_gradient_arrays(params, trace))
        if not grads.is_finite():
            stop = "non-finite gradient"
            break
        with np.errstate(all="ignore"):  # an update that overflows is reported, not warned about
            candidate = cell._built({k: v - lr * getattr(grads, k) for k, v in params.arrays().items()})
        if not candidate.is_finite():
            stop = "non-finite parameters"
            break
        params = candidate
        trace = _run_checked(params, trace.xs, trace.targets, h0, trace.mask, act, loss, s0)
        losses.append(trace.loss)
    return Descent(params, trace, np.array(losses), stop)
