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

The API, by concept (module in brackets), and ``__version__``:

Activations [activations]
    ACTIVATIONS, Activation, get_activation   f, f′ and γ = sup|f′| of each activation
    LEAKY_SLOPE                               leaky ReLU's slope for a < 0
Parameters [params]
    RNNParams, W_INITS                        U, W, V, b, c; .init(…, w_init, w_scale, seed), .sgd_step
The model and its gradient [forward, bptt, gradcheck]
    forward, Trace, LOSSES                    the forward pass and what it computed
    bptt                                      ∂L/∂θ, optionally truncated or for L⁽ˢ⁾ alone
    numerical_gradient, numerical_partial     central differences, for gradient checks
    rel_error                                 a scale-free relative error
Gradient accounting [accounting]
    path_terms, contributions                 ∂L⁽ˢ⁾/∂θ split into its paths through steps k ≤ s
    distance_terms                            ∂L/∂θ = Σ_d G_d split by distance d = s − k
    jacobian_log_norms                        log₁₀‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖₂, finite where the norm overflows
Gated cells [lstm, gru, forward, gated_jacobians]
    LSTMParams, GRUParams                     the LSTM's and GRU's parameters; .init(…, seed), .sgd_step
    LSTMTrace, GRUTrace                       their traces: a Trace with the gates (and the cell state s)
    state_jacobian_log_norms                  log₁₀‖∂x⁽ᵗ⁾/∂x⁽ᵏ⁾‖₂ of the state h, or (h, s), for every cell
    carousel_log_norms, CarouselLogNorms      the LSTM's direct s-path Πⱼ diag(f⁽ʲ⁾) beside ∂s⁽ᵗ⁾/∂s⁽ᵏ⁾
The spectrum of W [spectral]
    sigma_max, spectral_radius                σ_max(W) and ρ(W)
    spectral_summary, SpectralSummary         σ_max, ρ, γ and the bound's base γ·σ_max(W)
    power_log_norms, power_profile, PowerProfile   log₁₀‖Wⁿ‖₂ between nρ and nσ_max lines
Regimes [regimes, sigma_sweep]
    classify_regime, Regime, REGIMES, REGIME_DECADES   vanishing, exploding or neither: the verdict
    jacobian_profile, JacobianProfile         ‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂ against d, with its bound
    regime_map, RegimeMap, sigma_grid         the same at one d over a grid of σ_max(W)
The gradient by distance [distance]
    distance_split, DistanceSplit             each distance's norm and share; what truncation keeps
    long_range, LongRange                     the long-range part before and after norm clipping
Clipping [clipping]
    clip_by_norm, clip_elementwise, ClipInfo  the two remedies for an exploding gradient
    global_norm                               ‖g‖ over all fields together
    clipping_comparison, ClipComparison       both methods at one threshold
    clipping_sweep, ClipSweep                 both methods over many thresholds
Saturation of f′ [saturation]
    symmetric_grid, grid_check, GridCheck     the range of f′ on a grid
    saturated_intervals, SATURATION_FRACTION  where f′ < fraction·γ
    gamma_powers                              γᵏ, the best case of a product of k derivatives
    derivative_stats, DerivativeStats         f′ along a forward pass and its products
Where float64 rounds f′ to 0.0 [underflow]
    textbook_derivative, TEXTBOOK_LATEX, FORMS   σ(1−σ) and 1 − tanh² beside rnn_core's forms
    first_zero, zero_edge, ZeroEdge, zero_derivative_threshold   where float64 rounds f′ to 0.0
    log10_derivative                          log₁₀ f′, −inf where float64 rounds f′ to 0.0
Gradient descent on one batch [descent]
    random_sequence                           the live network's sequence (B = 1), by seed
    descend, Descent, DESCENT_STOPS           θ ← θ − lr·∂L/∂θ for n steps, and why it stopped early
Toy tasks [tasks]
    adding_problem, remember_first, Task      long-range tasks with the loss of a constant predictor
    constant_baseline, TASKS, TaskSpec        that baseline; the tasks by name
Optimizers [optimizers]
    sgd, momentum, adam, Optimizer            pure (init, update) pairs on any cell's params
    SGDState, MomentumState, AdamState        their immutable states: params and moments of the same type
    OPTIMIZERS, make_optimizer                the optimizers by name
    tree_map                                  a function applied field by field to params of any cell
Training [batches, training]
    train, TrainResult                        minibatch SGD, momentum or Adam, for any cell, with clipping
                                              and truncation
    CLIPS, STOP_REASONS, DIVERGED             its options and why a run stopped
    HISTORY_KEYS, HISTORY_DTYPES              what it records each step
    batch_at, step_seed                       the batch of any step, and its generator
"""

from ._version import __version__
from .accounting import contributions, distance_terms, jacobian_log_norms, path_terms
from .activations import ACTIVATIONS, LEAKY_SLOPE, Activation, get_activation
from .batches import batch_at, step_seed
from .bptt import bptt
from .clipping import (
    ClipComparison,
    ClipInfo,
    ClipSweep,
    clip_by_norm,
    clip_elementwise,
    clipping_comparison,
    clipping_sweep,
    global_norm,
)
from .descent import DESCENT_STOPS, Descent, descend, random_sequence
from .distance import DistanceSplit, LongRange, distance_split, long_range
from .forward import LOSSES, GRUTrace, LSTMTrace, Trace, forward
from .gated_jacobians import CarouselLogNorms, carousel_log_norms, state_jacobian_log_norms
from .gradcheck import numerical_gradient, numerical_partial, rel_error
from .gru import GRUParams
from .lstm import LSTMParams
from .optimizers import (
    OPTIMIZERS,
    AdamState,
    MomentumState,
    Optimizer,
    SGDState,
    adam,
    make_optimizer,
    momentum,
    sgd,
    tree_map,
)
from .params import W_INITS, RNNParams
from .regimes import REGIME_DECADES, REGIMES, JacobianProfile, Regime, classify_regime, jacobian_profile
from .saturation import (
    SATURATION_FRACTION,
    DerivativeStats,
    GridCheck,
    derivative_stats,
    gamma_powers,
    grid_check,
    saturated_intervals,
    symmetric_grid,
)
from .sigma_sweep import RegimeMap, regime_map, sigma_grid
from .spectral import (
    PowerProfile,
    SpectralSummary,
    power_log_norms,
    power_profile,
    sigma_max,
    spectral_radius,
    spectral_summary,
)
from .tasks import TASKS, Task, TaskSpec, adding_problem, constant_baseline, remember_first
from .training import CLIPS, DIVERGED, HISTORY_DTYPES, HISTORY_KEYS, STOP_REASONS, TrainResult, train
from .underflow import (
    FORMS,
    TEXTBOOK_LATEX,
    ZeroEdge,
    first_zero,
    log10_derivative,
    textbook_derivative,
    zero_derivative_threshold,
    zero_edge,
)

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "AdamState",
    "CLIPS",
    "CarouselLogNorms",
    "ClipComparison",
    "ClipInfo",
    "ClipSweep",
    "DESCENT_STOPS",
    "DIVERGED",
    "DerivativeStats",
    "Descent",
    "DistanceSplit",
    "FORMS",
    "GRUParams",
    "GRUTrace",
    "GridCheck",
    "HISTORY_DTYPES",
    "HISTORY_KEYS",
    "JacobianProfile",
    "LEAKY_SLOPE",
    "LOSSES",
    "LSTMParams",
    "LSTMTrace",
    "LongRange",
    "MomentumState",
    "Optimizer",
    "OPTIMIZERS",
    "PowerProfile",
    "REGIMES",
    "REGIME_DECADES",
    "RNNParams",
    "Regime",
    "RegimeMap",
    "SATURATION_FRACTION",
    "SGDState",
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
    "__version__",
    "adam",
    "adding_problem",
    "batch_at",
    "bptt",
    "carousel_log_norms",
    "classify_regime",
    "clip_by_norm",
    "clip_elementwise",
    "clipping_comparison",
    "clipping_sweep",
    "constant_baseline",
    "contributions",
    "derivative_stats",
    "descend",
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
    "make_optimizer",
    "momentum",
    "numerical_gradient",
    "numerical_partial",
    "path_terms",
    "power_log_norms",
    "power_profile",
    "random_sequence",
    "regime_map",
    "rel_error",
    "remember_first",
    "saturated_intervals",
    "sgd",
    "sigma_grid",
    "sigma_max",
    "spectral_radius",
    "spectral_summary",
    "state_jacobian_log_norms",
    "step_seed",
    "symmetric_grid",
    "textbook_derivative",
    "train",
    "tree_map",
    "zero_derivative_threshold",
    "zero_edge",
]
