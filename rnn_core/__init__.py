r"""rnn_core: a vanilla RNN and backpropagation through time, in numpy, for teaching.

Notation (Goodfellow, Bengio, Courville, *Deep Learning*, ch. 10), used in every module:

    a⁽ᵗ⁾ = b + W h⁽ᵗ⁻¹⁾ + U x⁽ᵗ⁾        U: (H, D)   W: (H, H)   b: (H,)
    h⁽ᵗ⁾ = f(a⁽ᵗ⁾)
    o⁽ᵗ⁾ = c + V h⁽ᵗ⁾                  V: (K, H)   c: (K,)
    L = Σₜ L⁽ᵗ⁾,  ŷ⁽ᵗ⁾ = softmax(o⁽ᵗ⁾) (softmax_ce) or o⁽ᵗ⁾ (mse),  δ⁽ᵗ⁾ = ∂L/∂a⁽ᵗ⁾

Time steps are t = 1..T and h⁽⁰⁾ is the initial state. Arrays are float64 and time-major:
xs (T, B, D), targets (T, B) ints (softmax_ce) or (T, B, K) floats (mse), h0 (B, H).
Losses are summed over the batch. δₖ⁽ˢ⁾ = ∂L⁽ˢ⁾/∂a⁽ᵏ⁾ is the error L⁽ˢ⁾ sends back to step k.

The gated cells (GBC §10.10 letters, tanh for the candidate; output and losses as above):

    LSTM  f⁽ᵗ⁾ = σ(b^f + U^f x⁽ᵗ⁾ + W^f h⁽ᵗ⁻¹⁾)   g⁽ᵗ⁾ = σ(b^g + …)   q⁽ᵗ⁾ = σ(b^q + …)   forget, input, output
          s⁽ᵗ⁾ = f⁽ᵗ⁾ ⊙ s⁽ᵗ⁻¹⁾ + g⁽ᵗ⁾ ⊙ tanh(b + U x⁽ᵗ⁾ + W h⁽ᵗ⁻¹⁾)     cell state, s⁽⁰⁾ = 0 by default
          h⁽ᵗ⁾ = q⁽ᵗ⁾ ⊙ tanh(s⁽ᵗ⁾)
    GRU   u⁽ᵗ⁾ = σ(b^u + U^u x⁽ᵗ⁾ + W^u h⁽ᵗ⁻¹⁾)   r⁽ᵗ⁾ = σ(b^r + U^r x⁽ᵗ⁾ + W^r h⁽ᵗ⁻¹⁾)   update, reset
          h⁽ᵗ⁾ = u⁽ᵗ⁾ ⊙ h⁽ᵗ⁻¹⁾ + (1 − u⁽ᵗ⁾) ⊙ tanh(b + U x⁽ᵗ⁾ + W (r⁽ᵗ⁾ ⊙ h⁽ᵗ⁻¹⁾))

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
    gradient_check_verdict, GradientCheckVerdict   two routes to a gradient agree, or why not
    FD_TOLERANCE, EXACT_TOLERANCE, CHECK_KINDS, FD_CAUSES   its tolerances, kinds and causes
Gradient accounting [accounting]
    path_terms, contributions                 ∂L⁽ˢ⁾/∂θ split into its paths through steps k ≤ s
    distance_terms                            ∂L/∂θ = Σ_d G_d split by distance d = s − k
    jacobian_log_norms                        log₁₀‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖₂, finite where the norm overflows
    terms_verdict, TermsVerdict, OVERFLOW_KINDS   which path-term norms are 0 or not numbers, and why
One path term's chain of Jacobians [chains]
    path_chain, PathChain                     the factors diag(f′(a⁽ʲ⁾)) W from s down to k, their norms, the term
    chain_verdict, ChainVerdict, CHAIN_KINDS, ZERO_CAUSES, CHAIN_TOLERANCE   is it the ledger's C[s, k]; why 0
Gated cells [lstm, gru, forward, gated_jacobians]
    LSTMParams, GRUParams                     the LSTM's and GRU's parameters; .init(…, seed), .sgd_step
    LSTMTrace, GRUTrace                       their traces: a Trace with the gates (and the cell state s)
    state_jacobian_log_norms                  log₁₀‖∂x⁽ᵗ⁾/∂x⁽ᵏ⁾‖₂ of the state h, or (h, s), for every cell
    carousel_log_norms, CarouselLogNorms      the LSTM's direct s-path Πⱼ diag(f⁽ʲ⁾) beside ∂s⁽ᵗ⁾/∂s⁽ᵏ⁾
Gates compared [gate_profiles]
    three_cells, cell_name, CELL_NAMES        an RNN, an LSTM and a GRU from one seed; which cell params are
    task_length, TASK_MIN_T                   the T a task runs at (the adding problem needs T ≥ 2)
    state_profiles, StateProfiles, cell_reach, Reach   ‖∂x⁽ᵀ⁾/∂x⁽ᵀ⁻ᵈ⁾‖₂ of each cell and what it keeps
    carousel_check, CarouselCheck             where Πⱼ diag(f⁽ʲ⁾) and the exact ∂s⁽ᵀ⁾/∂s⁽ᵀ⁻ᵈ⁾ part
    gate_values, GateValues                   a gate (f or u) along the sequence and its products
    ledger_reach, LedgerReach, compare_reach, ReachComparison   C[s, k]'s share at s − k ≥ ⌊T/2⌋
    KEEP_DECADES, CAROUSEL_DECADES, LEDGER_DECADES   their tolerances, in decades
    KEEP_VERDICTS, CAROUSEL_VERDICTS, GATE_VERDICTS, REACH_KINDS, REACH_VERDICTS   their verdicts
The bound and its causes [verdicts]
    bound_verdict, BoundVerdict, BOUND_KINDS, BOUND_RTOL   γ·σ_max(W) < 1, = 1 or > 1 within a tolerance
    shrink_cause, ShrinkCause, CAUSE_KINDS    what keeps the norm below the bound: W's powers or f′ < γ
    SHORTFALL                                 what f′ < γ means for each activation: off, saturated, never
    derivative_failure_step                   the first step whose f′(a⁽ᵗ⁾) is inf or nan
The spectrum of W [spectral]
    sigma_max, spectral_radius                σ_max(W) and ρ(W)
    spectral_summary, SpectralSummary         σ_max, ρ, γ and the bound's base γ·σ_max(W)
    power_log_norms, power_profile, PowerProfile   log₁₀‖Wⁿ‖₂ between nρ and nσ_max lines
Regimes [regimes, sigma_sweep]
    classify_regime, Regime, REGIMES, REGIME_DECADES   vanishing, exploding or neither: the verdict
    TRENDS, EDGE_STEPS                        the per-step factor's trend, and when it is flat
    jacobian_profile, JacobianProfile         ‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂ against d, with its bound
    regime_map, RegimeMap, sigma_grid         the same at one d over a grid of σ_max(W)
The gradient by distance [distance]
    distance_split, DistanceSplit             each distance's norm and share; what truncation keeps
    long_range, LongRange                     the long-range part before and after norm clipping
    truncation_verdict, TruncationVerdict, TRUNCATION_KINDS, TRUNCATION_NEGLIGIBLE   what truncation at τ drops
Clipping [clipping]
    clip_by_norm, clip_elementwise, ClipInfo  the two remedies for an exploding gradient
    global_norm                               ‖g‖ over all fields together
    clipping_comparison, ClipComparison       both methods at one threshold
    clipping_sweep, ClipSweep                 both methods over many thresholds
Saturation of f′ [saturation]
    symmetric_grid, grid_check, GridCheck     the range of f′ on a grid
    saturated_intervals, SATURATION_FRACTION  where f′ < fraction·γ
    saturation_edge, span_kind, SPANS         where saturation starts for a > 0; how a reach reads
    gamma_powers                              γᵏ, the best case of a product of k derivatives
    derivative_stats, DerivativeStats         f′ along a forward pass and its products
    product_bound, ProductBound, PRODUCT_RTOL, PRODUCT_KINDS   Πⱼ max f′ · σ_max(W)ᵀ against 1: the verdict
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
    half_information_loss, dependency_lags, ADDING_VALUE_RANGE   the adding problem's reference; each lag
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
Did a run learn? [learning]
    learning_verdict, LearningVerdict, LEARNING_KINDS   learned, partly, not learned, diverged: the verdict
    BASELINE_LEVEL, REFERENCE_LEVEL, SOLVED_LEVEL, TAIL_FRACTION, tail_window   its levels and window
    truncation_keeps_long_range               whether BPTT truncated to τ keeps any path across ⌊T/2⌋
    truncation_reach, TruncationReach, REACH_KINDS_TRUNCATED   which of a task's lags truncated updates reach
    stop_verdict, StopVerdict, STOP_KINDS     why a run stopped, and whether clipping bounds its growth
Working it by hand [worked_example, mistakes]
    worked_example, WorkedExample, WorkedStep   every number of ∂L⁽ˢ⁾/∂W, ∂L⁽ˢ⁾/∂U and one update, on paper
    WORKED_STAGES, RELU_KINK                  its stages in order; how close to ReLU's kink a draw may not be
    diagnose, Verdict, mistake_variants, MistakeVariant   a student's value: correct, or the likely mistake
    MISTAKES, VERDICTS, HAND_RTOL, HAND_ATOL  the mistakes recognised, the verdicts, the default tolerance
Predict, then reveal [predictions]
    Prediction, MISCONCEPTIONS, NUMBER_DECADES   a question's computed answer, its tolerance, its tempting mistakes
    regime_prediction, long_range_clip_prediction, transient_prediction   Vanishing & exploding's questions
    peak_prediction, gamma_power_prediction, product_prediction           Activation derivatives' questions
    batch_sum_prediction, next_step_prediction, zero_term_prediction      Update rules' questions
    keeper_prediction, carousel_prediction, forget_prediction             Gates' questions
    truncation_prediction, bound_prediction, learning_prediction          Training lab's questions
    LEARNING_OPTIONS                          the outcomes a run's learning prediction offers
"""

from ._version import __version__
from .accounting import (
    OVERFLOW_KINDS,
    TermsVerdict,
    contributions,
    distance_terms,
    jacobian_log_norms,
    path_terms,
    terms_verdict,
)
from .activations import ACTIVATIONS, LEAKY_SLOPE, Activation, get_activation
from .batches import batch_at, step_seed
from .bptt import bptt
from .chains import (
    CHAIN_KINDS,
    CHAIN_TOLERANCE,
    ZERO_CAUSES,
    ChainVerdict,
    PathChain,
    chain_verdict,
    path_chain,
)
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
from .distance import (
    TRUNCATION_KINDS,
    TRUNCATION_NEGLIGIBLE,
    DistanceSplit,
    LongRange,
    TruncationVerdict,
    distance_split,
    long_range,
    truncation_verdict,
)
from .forward import LOSSES, GRUTrace, LSTMTrace, Trace, forward
from .gate_profiles import (
    CAROUSEL_DECADES,
    CAROUSEL_VERDICTS,
    CELL_NAMES,
    GATE_VERDICTS,
    KEEP_DECADES,
    KEEP_VERDICTS,
    LEDGER_DECADES,
    REACH_KINDS,
    REACH_VERDICTS,
    TASK_MIN_T,
    CarouselCheck,
    GateValues,
    LedgerReach,
    Reach,
    ReachComparison,
    StateProfiles,
    carousel_check,
    cell_name,
    cell_reach,
    compare_reach,
    gate_values,
    ledger_reach,
    state_profiles,
    task_length,
    three_cells,
)
from .gated_jacobians import CarouselLogNorms, carousel_log_norms, state_jacobian_log_norms
from .gradcheck import (
    CHECK_KINDS,
    EXACT_TOLERANCE,
    FD_CAUSES,
    FD_TOLERANCE,
    GradientCheckVerdict,
    gradient_check_verdict,
    numerical_gradient,
    numerical_partial,
    rel_error,
)
from .gru import GRUParams
from .learning import (
    BASELINE_LEVEL,
    LEARNING_KINDS,
    REACH_KINDS_TRUNCATED,
    REFERENCE_LEVEL,
    SOLVED_LEVEL,
    STOP_KINDS,
    TAIL_FRACTION,
    LearningVerdict,
    StopVerdict,
    TruncationReach,
    learning_verdict,
    stop_verdict,
    tail_window,
    truncation_keeps_long_range,
    truncation_reach,
)
from .lstm import LSTMParams
from .mistakes import (
    HAND_ATOL,
    HAND_RTOL,
    MISTAKES,
    VERDICTS,
    MistakeVariant,
    Verdict,
    diagnose,
    mistake_variants,
)
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
from .predictions import (
    LEARNING_OPTIONS,
    MISCONCEPTIONS,
    NUMBER_DECADES,
    Prediction,
    batch_sum_prediction,
    bound_prediction,
    carousel_prediction,
    forget_prediction,
    gamma_power_prediction,
    keeper_prediction,
    learning_prediction,
    long_range_clip_prediction,
    next_step_prediction,
    peak_prediction,
    product_prediction,
    regime_prediction,
    transient_prediction,
    truncation_prediction,
    zero_term_prediction,
)
from .regimes import (
    EDGE_STEPS,
    REGIME_DECADES,
    REGIMES,
    TRENDS,
    JacobianProfile,
    Regime,
    classify_regime,
    jacobian_profile,
)
from .saturation import (
    PRODUCT_KINDS,
    PRODUCT_RTOL,
    SATURATION_FRACTION,
    SPANS,
    DerivativeStats,
    GridCheck,
    ProductBound,
    derivative_stats,
    gamma_powers,
    grid_check,
    product_bound,
    saturated_intervals,
    saturation_edge,
    span_kind,
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
from .tasks import (
    ADDING_VALUE_RANGE,
    TASKS,
    Task,
    TaskSpec,
    adding_problem,
    constant_baseline,
    dependency_lags,
    half_information_loss,
    remember_first,
)
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
from .verdicts import (
    BOUND_KINDS,
    BOUND_RTOL,
    CAUSE_KINDS,
    SHORTFALL,
    BoundVerdict,
    ShrinkCause,
    bound_verdict,
    derivative_failure_step,
    shrink_cause,
)
from .worked_example import RELU_KINK, WORKED_STAGES, WorkedExample, WorkedStep, worked_example

__all__ = [
    "ADDING_VALUE_RANGE",
    "BASELINE_LEVEL",
    "LEARNING_KINDS",
    "LearningVerdict",
    "REFERENCE_LEVEL",
    "SOLVED_LEVEL",
    "TAIL_FRACTION",
    "dependency_lags",
    "half_information_loss",
    "learning_verdict",
    "tail_window",
    "truncation_keeps_long_range",
    "REACH_KINDS_TRUNCATED",
    "STOP_KINDS",
    "StopVerdict",
    "TruncationReach",
    "stop_verdict",
    "truncation_reach",
    "derivative_failure_step",
    "ACTIVATIONS",
    "Activation",
    "BOUND_KINDS",
    "BOUND_RTOL",
    "BoundVerdict",
    "CAUSE_KINDS",
    "EDGE_STEPS",
    "SHORTFALL",
    "ShrinkCause",
    "TRENDS",
    "bound_verdict",
    "shrink_cause",
    "AdamState",
    "CAROUSEL_DECADES",
    "CAROUSEL_VERDICTS",
    "CELL_NAMES",
    "CLIPS",
    "CarouselCheck",
    "CarouselLogNorms",
    "ClipComparison",
    "ClipInfo",
    "ClipSweep",
    "DESCENT_STOPS",
    "DIVERGED",
    "DerivativeStats",
    "Descent",
    "DistanceSplit",
    "TRUNCATION_KINDS",
    "TRUNCATION_NEGLIGIBLE",
    "TruncationVerdict",
    "truncation_verdict",
    "FORMS",
    "GATE_VERDICTS",
    "GRUParams",
    "GRUTrace",
    "GateValues",
    "GridCheck",
    "HISTORY_DTYPES",
    "HISTORY_KEYS",
    "JacobianProfile",
    "KEEP_DECADES",
    "KEEP_VERDICTS",
    "LEAKY_SLOPE",
    "LEDGER_DECADES",
    "LOSSES",
    "LSTMParams",
    "LSTMTrace",
    "LedgerReach",
    "LongRange",
    "MomentumState",
    "Optimizer",
    "OPTIMIZERS",
    "PowerProfile",
    "REACH_KINDS",
    "REACH_VERDICTS",
    "REGIMES",
    "REGIME_DECADES",
    "RNNParams",
    "Reach",
    "ReachComparison",
    "Regime",
    "RegimeMap",
    "SATURATION_FRACTION",
    "SGDState",
    "STOP_REASONS",
    "SpectralSummary",
    "StateProfiles",
    "TASKS",
    "TASK_MIN_T",
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
    "carousel_check",
    "carousel_log_norms",
    "cell_name",
    "cell_reach",
    "classify_regime",
    "clip_by_norm",
    "clip_elementwise",
    "clipping_comparison",
    "clipping_sweep",
    "compare_reach",
    "constant_baseline",
    "contributions",
    "derivative_stats",
    "descend",
    "distance_split",
    "distance_terms",
    "first_zero",
    "forward",
    "gamma_powers",
    "gate_values",
    "get_activation",
    "global_norm",
    "grid_check",
    "jacobian_log_norms",
    "jacobian_profile",
    "ledger_reach",
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
    "state_profiles",
    "step_seed",
    "symmetric_grid",
    "task_length",
    "textbook_derivative",
    "three_cells",
    "train",
    "tree_map",
    "zero_derivative_threshold",
    "zero_edge",
    "CHECK_KINDS",
    "EXACT_TOLERANCE",
    "FD_CAUSES",
    "FD_TOLERANCE",
    "GradientCheckVerdict",
    "gradient_check_verdict",
    "OVERFLOW_KINDS",
    "TermsVerdict",
    "terms_verdict",
    "CHAIN_KINDS",
    "CHAIN_TOLERANCE",
    "ZERO_CAUSES",
    "ChainVerdict",
    "PathChain",
    "chain_verdict",
    "path_chain",
    "PRODUCT_KINDS",
    "PRODUCT_RTOL",
    "ProductBound",
    "product_bound",
    "HAND_ATOL",
    "HAND_RTOL",
    "MISTAKES",
    "MistakeVariant",
    "RELU_KINK",
    "VERDICTS",
    "Verdict",
    "WORKED_STAGES",
    "WorkedExample",
    "WorkedStep",
    "diagnose",
    "mistake_variants",
    "worked_example",
    "SPANS",
    "saturation_edge",
    "span_kind",
    "MISCONCEPTIONS",
    "NUMBER_DECADES",
    "Prediction",
    "batch_sum_prediction",
    "gamma_power_prediction",
    "long_range_clip_prediction",
    "next_step_prediction",
    "peak_prediction",
    "product_prediction",
    "regime_prediction",
    "transient_prediction",
    "zero_term_prediction",
    "carousel_prediction",
    "forget_prediction",
    "keeper_prediction",
    "bound_prediction",
    "truncation_prediction",
    "LEARNING_OPTIONS",
    "learning_prediction",
]
