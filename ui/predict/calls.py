"""The cached calls that compute each page's predictions from what the page already computes.

Each returns an :class:`rnn_core.Prediction`, built by rnn_core.predictions from the page's own
cached results (so asking costs one small extra computation at most), keyed by plain values.
"""

from __future__ import annotations

import rnn_core as rc
from ui.activations import BOUNDED
from ui.activations import calls as activation_calls
from ui.cache import cache_data
from ui.data import live_network
from ui.gates import calls as gate_calls
from ui.state import MAX_STEPS, Network
from ui.training import calls as training_calls
from ui.training.settings import RunSettings
from ui.update_rules import calls as rule_calls
from ui.vanishing import calls as vanishing_calls

CACHE = dict(max_entries=64, show_spinner=False)


# --- Vanishing & exploding --------------------------------------------------------------------


@cache_data(**CACHE)
def regime(net: Network, steps: int) -> rc.Prediction:
    return rc.regime_prediction(vanishing_calls.profile(net, steps), net.activation)


@cache_data(**CACHE)
def clip_long_range(net: Network, steps: int, threshold: float, tau: int) -> rc.Prediction:
    clip = vanishing_calls.clipping(net, steps, threshold, tau)
    return rc.long_range_clip_prediction(clip.long, clip.comparison)


@cache_data(max_entries=4, show_spinner=False)
def transient() -> rc.Prediction:
    return rc.transient_prediction(vanishing_calls.nonnormal())


# --- Activation derivatives -------------------------------------------------------------------


def peak_activation(activation: str) -> str:
    """The activation the peak question is about: the sidebar's when f′ is a curve, else tanh."""
    return activation if activation in BOUNDED else "tanh"


@cache_data(max_entries=8, show_spinner=False)
def peak(activation: str) -> rc.Prediction:
    return rc.peak_prediction(peak_activation(activation))


@cache_data(**CACHE)
def gamma_power(activation: str, k: int) -> rc.Prediction:
    return rc.gamma_power_prediction(activation, int(k))


@cache_data(**CACHE)
def product(net: Network, steps: int) -> rc.Prediction:
    return rc.product_prediction(activation_calls.network_derivatives(net, steps).bound, net.activation)


# --- Update rules -----------------------------------------------------------------------------


@cache_data(**CACHE)
def batch_sum(net: Network, steps: int) -> rc.Prediction:
    live = live_network(net, steps)
    trace = live.trace
    return rc.batch_sum_prediction(
        live.params, trace.xs, trace.targets, activation=net.activation, loss=net.loss
    )


@cache_data(**CACHE)
def next_step(net: Network, steps: int) -> rc.Prediction:
    """Whether the next step lowers L; not askable when no step can be taken."""
    live = live_network(net, steps)
    if live.stopped is not None or live.steps_done >= MAX_STEPS:
        return rc.next_step_prediction(float("nan"), None, net.lr)
    after = live_network(net, live.steps_done + 1)
    loss_next = float(after.losses[-1]) if after.steps_done == live.steps_done + 1 else None
    return rc.next_step_prediction(float(live.losses[-1]), loss_next, net.lr)


@cache_data(**CACHE)
def zero_term(net: Network, steps: int, s: int, wrt: str) -> rc.Prediction:
    return rc.zero_term_prediction(rule_calls.path_report(net, steps, s, wrt).norms, wrt)


# --- Gates --------------------------------------------------------------------------------------


@cache_data(**CACHE)
def keeper(settings: gate_calls.GateSettings) -> rc.Prediction:
    return rc.keeper_prediction(gate_calls.profiles(settings))


@cache_data(**CACHE)
def carousel(settings: gate_calls.GateSettings) -> rc.Prediction:
    return rc.carousel_prediction(gate_calls.carousel(settings))


@cache_data(**CACHE)
def forget(settings: gate_calls.GateSettings) -> rc.Prediction:
    return rc.forget_prediction(gate_calls.gates(settings).forget, settings.forget_bias)


# --- Training lab -------------------------------------------------------------------------------


@cache_data(**CACHE)
def truncation(T: int, tau: int) -> rc.Prediction:
    return rc.truncation_prediction(int(T), int(tau))


@cache_data(**CACHE)
def bound(cell: str, activation: str, w_scale: float, T: int) -> rc.Prediction | None:
    """The bound across the T − 1 steps from the first input to the last loss, at initialisation
    (σ_max(W) = w_scale); None for a gated cell (its state Jacobian has no such bound) or T = 1."""
    if cell != "rnn" or T < 2:
        return None
    return rc.bound_prediction(activation, float(w_scale), int(T) - 1)


def learning(run: RunSettings) -> rc.Prediction:
    """Whether ``run`` learned, from its finished record if some session trained it; else pending.
    Not cached: the record appears in training's own cache when the run ends."""
    record = training_calls.cached_run(run)
    verdict = None if record is None else training_calls.learning(record)
    return rc.learning_prediction(verdict, clip=run.clip)
