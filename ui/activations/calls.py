"""Cached calls of the "Activation derivatives" page into rnn_core: frozen dataclasses of numbers and
verdicts; the sentences are said from them at draw time (ui.activations.text), in the active language."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

import rnn_core as rc
from ui.activations import BOUNDED, CHECK_HALF, FRACTION, FULL_A, NAMES, PLOT_HALF, ZOOM_A, label
from ui.cache import cache_data
from ui.data import live_network
from ui.notices import overflow_message
from ui.state import Network

CACHE = dict(max_entries=64, show_spinner=False)


@dataclass(frozen=True)
class CurveData:
    """f and f′ on a plotting grid, the peaks γ, the saturated runs, and the checks on a fine grid.

    ``edges[name]`` is the smallest a > 0 of the fine grid where f′ < FRACTION·γ (None: nowhere).
    """

    a_max: float
    curves: pd.DataFrame  # activation, name, a, f, df
    peaks: pd.DataFrame  # activation, name, gamma, a, sup_lo, sup_hi
    bands: pd.DataFrame  # activation, name, lo, hi, threshold
    checks: dict[str, rc.GridCheck]
    edges: dict[str, float | None]
    check_points: int


@cache_data(**CACHE)
def curve_data(a_max: int) -> CurveData:
    """Everything the f/f′ chart and the ranges table need, for a ∈ [−a_max, a_max]."""
    plot = rc.symmetric_grid(float(a_max), PLOT_HALF)
    fine = rc.symmetric_grid(float(a_max), CHECK_HALF)
    curves, peaks, bands, checks, edges = [], [], [], {}, {}
    for name in NAMES:
        act = rc.ACTIVATIONS[name]
        curves.append(
            pd.DataFrame(
                {"activation": label(name), "name": name, "a": plot, "f": act.f(plot), "df": act.df(plot)}
            )
        )
        check = checks[name] = rc.grid_check(name, fine)
        edges[name] = rc.saturation_edge(name, fine, FRACTION)
        peaks.append(
            {
                "activation": label(name),
                "name": name,
                "gamma": act.gamma,
                "a": check.sup_at[0],
                "sup_lo": check.sup_at[0],
                "sup_hi": check.sup_at[1],
            }
        )
        for lo, hi in rc.saturated_intervals(name, fine, FRACTION):
            bands.append(
                {
                    "activation": label(name),
                    "name": name,
                    "lo": lo,
                    "hi": hi,
                    "threshold": FRACTION * act.gamma,
                }
            )
    bands_df = pd.DataFrame(bands, columns=["activation", "name", "lo", "hi", "threshold"])
    return CurveData(
        float(a_max),
        pd.concat(curves, ignore_index=True),
        pd.DataFrame(peaks),
        bands_df,
        checks,
        edges,
        fine.size,
    )


@cache_data(**CACHE)
def gamma_power_data(k_max: int) -> pd.DataFrame:
    """γᵏ for k = 0..k_max and every activation: columns activation, name, gamma, k, gamma_k."""
    frames = []
    for name in NAMES:
        powers = rc.gamma_powers(name, k_max)
        frames.append(
            pd.DataFrame(
                {
                    "activation": label(name),
                    "name": name,
                    "gamma": rc.ACTIVATIONS[name].gamma,
                    "k": range(k_max + 1),
                    "gamma_k": powers,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True, eq=False)
class NetworkDerivatives:
    """The f′ values of the live network (after its gradient steps), σ_max of its current W, and
    the verdict of the bound Πⱼ max f′ · σ_max(W)ᵀ they give."""

    stats: rc.DerivativeStats
    trace: rc.Trace
    sigma_max: float
    bound: rc.ProductBound
    steps_done: int

    @property
    def overflow(self) -> str | None:
        """The shared notice of where the forward pass overflowed float64, or None."""
        return overflow_message(self.trace)


@cache_data(**CACHE)
def network_derivatives(net: Network, steps: int) -> NetworkDerivatives:
    """Statistics of f′(a⁽ᵗ⁾) over all t and units of the network after ``steps`` gradient steps."""
    live = live_network(net, steps)
    stats = rc.derivative_stats(net.activation, live.trace.a, FRACTION)
    sigma = rc.sigma_max(live.params.W)  # descent never keeps parameters that are not finite
    return NetworkDerivatives(stats, live.trace, sigma, rc.product_bound(stats, sigma), live.steps_done)


@dataclass(frozen=True)
class Float64Data:
    """Where f′ becomes exactly 0.0, for rnn_core's forms and the textbook ones, and the curves."""

    table: pd.DataFrame  # one row per (activation, form, side)
    curves: pd.DataFrame  # panel ("zoom" or "full"), activation, form, a, log10_df (finite values only)


@cache_data(**CACHE)
def float64_data() -> Float64Data:
    """The zero thresholds (bisection on the float64 grid) and log₁₀ f′ on a log-spaced grid of a ≥ 0."""
    rows = []
    for name in BOUNDED:
        for form in ("rnn_core", "textbook"):
            for sign in (1, -1):
                edge = rc.zero_edge(name, sign, form=form)
                rows.append(
                    {
                        "activation": label(name),
                        "name": name,
                        "form": form,
                        "side": "a > 0" if sign > 0 else "a < 0",
                        "threshold": edge.at,
                        "df_at": edge.df_at,
                        "before": edge.before,
                        "df_before": edge.df_before,
                    }
                )
    table = pd.DataFrame(rows)
    frames = []
    for panel, grid in (("zoom", np.linspace(0.0, ZOOM_A, 401)), ("full", np.linspace(0.0, FULL_A, 401))):
        for name in BOUNDED:
            for form in ("rnn_core", "textbook"):
                log10_df = rc.log10_derivative(name, grid, form=form)
                frames.append(
                    pd.DataFrame(
                        {
                            "panel": panel,
                            "activation": label(name),
                            "form": form,
                            "a": grid,
                            "log10_df": log10_df,
                        }
                    )
                )
    curves = pd.concat(frames, ignore_index=True)
    curves = curves[curves["log10_df"] > -math.inf].reset_index(drop=True)  # exactly 0.0 has no log
    return Float64Data(table, curves)
