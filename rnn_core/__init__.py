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
from .activations import (
    ACTIVATIONS,
    LEAKY_SLOPE,  # noqa: E402
    Activation,
    get_activation,
)
from .bptt import bptt
from .clipping import ClipInfo, clip_by_norm, clip_elementwise, global_norm
from .forward import LOSSES, Trace, forward
from .gradcheck import numerical_gradient, numerical_partial, rel_error
from .params import W_INITS, RNNParams
from .remedies import (  # noqa: E402
    REGIME_DECADES,
    REGIMES,
    ClipComparison,
    ClipSweep,
    DistanceSplit,
    JacobianProfile,
    LongRange,
    PowerProfile,
    Regime,
    RegimeMap,
    classify_regime,
    clipping_comparison,
    clipping_sweep,
    distance_split,
    jacobian_profile,
    long_range,
    power_profile,
    regime_map,
    sigma_grid,
)
from .saturation import (  # noqa: E402
    FORMS,
    SATURATION_FRACTION,
    TEXTBOOK_LATEX,
    DerivativeStats,
    GridCheck,
    ZeroEdge,
    derivative_stats,
    first_zero,
    gamma_powers,
    grid_check,
    log10_derivative,
    saturated_intervals,
    symmetric_grid,
    textbook_derivative,
    zero_derivative_threshold,
    zero_edge,
)
from .spectral import SpectralSummary, power_log_norms, spectral_summary  # noqa: E402
from .tasks import TASKS, Task, TaskSpec, adding_problem, constant_baseline, remember_first
from .training import (  # noqa: E402
    CLIPS,
    DIVERGED,
    HISTORY_DTYPES,
    HISTORY_KEYS,
    STOP_REASONS,
    TrainResult,
    batch_at,
    step_seed,
    train,
)

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "CLIPS",
    "ClipComparison",
    "ClipInfo",
    "ClipSweep",
    "DIVERGED",
    "DerivativeStats",
    "DistanceSplit",
    "FORMS",
    "GridCheck",
    "HISTORY_DTYPES",
    "HISTORY_KEYS",
    "JacobianProfile",
    "LEAKY_SLOPE",
    "LOSSES",
    "LongRange",
    "PowerProfile",
    "REGIMES",
    "REGIME_DECADES",
    "RNNParams",
    "Regime",
    "RegimeMap",
    "SATURATION_FRACTION",
    "STOP_REASONS",
    "SpectralSummary",
    "TASKS",
    "TEXTBOOK_LATEX",
    "Task",
    "TaskSpec",
    "Trace",
    "TrainResult",
    "W_INITS",
    "ZeroEdge",
    "adding_problem",
    "batch_at",
    "bptt",
    "classify_regime",
    "clip_by_norm",
    "clip_elementwise",
    "clipping_comparison",
    "clipping_sweep",
    "constant_baseline",
    "contributions",
    "derivative_stats",
    "distance_split",
    "distance_terms",
    "first_zero",
    "forward",
    "gamma_powers",
    "get_activation",
    "global_norm",
    "grid_check",
    "jacobian_log_norms",
    "jacobian_profile",
    "log10_derivative",
    "long_range",
    "numerical_gradient",
    "numerical_partial",
    "path_terms",
    "power_log_norms",
    "power_profile",
    "regime_map",
    "rel_error",
    "remember_first",
    "saturated_intervals",
    "sigma_grid",
    "spectral_summary",
    "step_seed",
    "symmetric_grid",
    "textbook_derivative",
    "train",
    "zero_derivative_threshold",
    "zero_edge",
]
