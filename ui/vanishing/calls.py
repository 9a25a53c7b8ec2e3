"""The Vanishing & exploding page's cached calls into rnn_core, one per section, and their settings.

Each is keyed by plain values (a :class:`ui.state.Network`, ints and thresholds from a fixed list)
and bounded by ``max_entries``, so a class on one configuration computes it once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

import rnn_core as rc
from ui.cache import cache_data
from ui.data import initial_params, large, large_network, live_network, sequence
from ui.state import Network

CACHE = dict(max_entries=64, show_spinner=False)

DEFAULT_DIST = 20  # the regime map's distance d, clamped to T
DEFAULT_TAU = 5  # the truncation length τ, clamped to T
# Clipping thresholds: 1-2-5 steps over six decades, as the select_slider's options (and URL values).
CLIP_THRESHOLDS = tuple(float(f"{m}e{e}") for e in range(-3, 3) for m in (1, 2, 5)) + (1000.0,)
DEFAULT_CLIP = 1.0
SIGMA_LOW, SIGMA_HIGH, SIGMA_STEPS = 0.1, 8.0, 34  # the regime map's σ_max(W) grid: the sidebar's range
MAP_EDGES = rc.sigma_grid(SIGMA_LOW, SIGMA_HIGH, SIGMA_STEPS)[1]  # its cell edges (geometric midpoints)
# a Jordan-like block [[λ, a], [0, λ]]: Wⁿ = [[λⁿ, n a λⁿ⁻¹], [0, λⁿ]], so ‖Wⁿ‖₂ ≈ n·a·λⁿ⁻¹ rises
# to its peak near n ≈ −1/ln λ ≈ 9.5 (×2.6 above ‖W‖₂) although ρ = λ = 0.9 < 1, then decays
NONNORMAL_W = ((0.9, 1.0), (0.0, 0.9))
NONNORMAL_N = 60

# --- 1. the Jacobian profile --------------------------------------------------------------------


# On a large network (ui.data.large) a miss is computed by a worker process (ui.offload): 15 ms to
# 0.4 s there, a few ms below.
@cache_data(offload=large_network, **CACHE)
def profile(net: Network, steps: int) -> rc.JacobianProfile:
    """log₁₀‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂ for d = 0..T with its bound, for the sidebar's network after ``steps``."""
    live = live_network(net, steps)
    return rc.jacobian_profile(live.params, live.trace)


# --- 2. the contribution ledger -----------------------------------------------------------------


@cache_data(offload=large_network, **CACHE)
def ledger(net: Network, steps: int) -> np.ndarray:
    """The contribution matrix C (T, T): C[s−1, k−1] = ‖path term k of ∂L⁽ˢ⁾/∂W‖_F."""
    live = live_network(net, steps)
    return rc.contributions(live.params, live.trace)


@dataclass(frozen=True)
class Accounting:
    """∂L/∂W split by distance, the BPTT gradient, how well Σ_d G_d reproduces its W field
    (relative error; nan when the gradient is not finite) and Σ_d p_d (1 up to rounding). Apart
    from :func:`ledger`: truncation and clipping need this and not C."""

    split: rc.DistanceSplit
    grads: rc.RNNParams
    reconcile: float
    share_sum: float


@cache_data(offload=large_network, **CACHE)
def accounting(net: Network, steps: int) -> Accounting:
    live = live_network(net, steps)
    split = rc.distance_split(rc.distance_terms(live.params, live.trace))
    grads = rc.bptt(live.params, live.trace)
    return Accounting(split, grads, rc.rel_error(split.total, grads.W), float(np.sum(split.shares)))


@dataclass(frozen=True)
class LedgerChain:
    """One cell of the ledger opened up: the chain of Jacobians of path term k of L⁽ˢ⁾ (W), the
    verdict that its norm is the ledger's C[s, k] (read from :func:`ledger`'s C, the matrix that
    drew the cell), and the bound (γ·σ_max(W)) of the live W, compared with 1."""

    chain: rc.PathChain
    verdict: rc.ChainVerdict
    bound: rc.BoundVerdict


def default_cell(T: int) -> tuple[int, int]:
    """The term opened before any click: the last loss L⁽ᵀ⁾, through step ⌈T/2⌉ (half the sequence back)."""
    return T, max(1, (T + 1) // 2)


@cache_data(offload=large_network, max_entries=32, show_spinner=False)
def ledger_chain(net: Network, steps: int, s: int, k: int) -> LedgerChain:
    """Path term k of L⁽ˢ⁾ on ``net`` after ``steps`` steps, factor by factor, checked against the ledger."""
    live = live_network(net, steps)
    chain = rc.path_chain(live.params, live.trace, s, k)
    drawn = ledger(net, steps)[s - 1, k - 1]
    bound = rc.bound_verdict(rc.ACTIVATIONS[net.activation].gamma, rc.sigma_max(live.params.W))
    return LedgerChain(chain, rc.chain_verdict(chain, drawn), bound)


# --- 3. the regime map --------------------------------------------------------------------------


@cache_data(offload=lambda D, H, K, T, *_: large(T, H), max_entries=32, show_spinner=False)
def regime(D: int, H: int, K: int, T: int, w_init: str, seed: int, dist: int) -> rc.RegimeMap:
    """The regime map at distance ``dist`` for the initial network of these sizes, init and seed.

    Keyed by what the map depends on only (not the activation, σ_max, loss or learning rate it
    varies or ignores), so moving those in the sidebar reuses it.
    """
    net = Network(H=H, T=T, D=D, K=K, w_init=w_init, seed=seed)
    xs, _ = sequence(net)
    sigmas, _ = rc.sigma_grid(SIGMA_LOW, SIGMA_HIGH, SIGMA_STEPS)
    return rc.regime_map(initial_params(net), xs, sigmas, list(rc.ACTIVATIONS), dist)


# --- 4. remedies: truncation (from accounting), clipping, initialisation -------------------------


@dataclass(frozen=True)
class Clipping:
    """Both clippings at the chosen threshold, over every threshold, and the long-range part."""

    comparison: rc.ClipComparison
    sweep: rc.ClipSweep
    long: rc.LongRange


@cache_data(offload=large_network, **CACHE)
def clipping(net: Network, steps: int, threshold: float, tau: int) -> Clipping:
    acc = accounting(net, steps)
    comparison = rc.clipping_comparison(acc.grads, threshold)
    sweep = rc.clipping_sweep(acc.grads, CLIP_THRESHOLDS)
    return Clipping(comparison, sweep, rc.long_range(acc.split, tau, comparison))


@cache_data(offload=large_network, **CACHE)
def init_profiles(net: Network) -> dict[str, rc.JacobianProfile]:
    """The Jacobian profile of the initial network (no training steps) for each W initialisation."""
    return {w_init: profile(replace(net, w_init=w_init), 0) for w_init in rc.W_INITS}


# --- 5. a non-normal W ---------------------------------------------------------------------------


@cache_data(max_entries=4, show_spinner=False)
def nonnormal() -> rc.PowerProfile:
    """log₁₀‖Wⁿ‖₂ for n = 1..NONNORMAL_N of the preset non-normal W, with its ρ and σ_max lines."""
    return rc.power_profile(np.array(NONNORMAL_W), NONNORMAL_N)
