r"""rnn_core: a vanilla RNN and backpropagation through time, in numpy, for teaching.

Notation (Goodfellow, Bengio, Courville, *Deep Learning*, ch. 10), used in every module:

    a⁽ᵗ⁾ = b + W h⁽ᵗ⁻¹⁾ + U x⁽ᵗ⁾        U: (H, D)   W: (H, H)   b: (H,)
    h⁽ᵗ⁾ = f(a⁽ᵗ⁾)
    o⁽ᵗ⁾ = c + V h⁽ᵗ⁾                  V: (K, H)   c: (K,)
    L = Σₜ L⁽ᵗ⁾,  ŷ⁽ᵗ⁾ = softmax(o⁽ᵗ⁾) (softmax_ce) or o⁽ᵗ⁾ (mse),  δ⁽ᵗ⁾ = ∂L/∂a⁽ᵗ⁾

Time steps are t = 1..T and h⁽⁰⁾ is the initial state. Arrays are float64 and time-major:
xs (T, B, D), targets (T, B) ints (softmax_ce) or (T, B, K) floats (mse), h0 (B, H).
Losses are summed over the batch. δₖ⁽ˢ⁾ = ∂L⁽ˢ⁾/∂a⁽ᵏ⁾ is the error L⁽ˢ⁾ sends back to step k.

>>> import numpy as np, rnn_core as rc
>>> params = rc.RNNParams.init(3, 8, 4, seed=0)
>>> xs = np.random.default_rng(0).standard_normal((5, 1, 3))
>>> trace = rc.forward(params, xs, np.zeros((5, 1), dtype=int))
>>> grads = rc.bptt(params, trace)
>>> grads.W.shape
(8, 8)
"""

from .accounting import contributions, distance_terms, jacobian_log_norms, path_terms
from .activations import ACTIVATIONS, Activation, get_activation
from .bptt import bptt
from .clipping import ClipInfo, clip_by_norm, clip_elementwise, global_norm
from .forward import LOSSES, Trace, forward
from .gradcheck import numerical_gradient, numerical_partial, rel_error
from .params import W_INITS, RNNParams
from .tasks import TASKS, Task, TaskSpec, adding_problem, constant_baseline, remember_first
from .training import TrainResult, batch_at, train

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "ClipInfo",
    "LOSSES",
    "RNNParams",
    "TASKS",
    "Task",
    "TaskSpec",
    "Trace",
    "TrainResult",
    "W_INITS",
    "adding_problem",
    "batch_at",
    "bptt",
    "clip_by_norm",
    "clip_elementwise",
    "constant_baseline",
    "contributions",
    "distance_terms",
    "forward",
    "get_activation",
    "global_norm",
    "jacobian_log_norms",
    "numerical_gradient",
    "numerical_partial",
    "path_terms",
    "rel_error",
    "remember_first",
    "train",
]
