"""Cached calls of the "Activation derivatives" page into rnn_core, and its texts cached by small inputs."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

import rnn_core as rc
from ui.activations import BOUNDED, CHECK_HALF, FRACTION, FULL_A, NAMES, PLOT_HALF, ZOOM_A, label
from ui.activations.text import (
    curves_notice,
    float64_meaning,
    float64_notice,
    float64_table,
    gamma_notice,
    homework_corrections,
    ranges_table,
    where,
)
from ui.data import live_network
from ui.notices import overflow_message
from ui.state import Network

CACHE = dict(max_entries=64, show_spinner=False)


@dataclass(frozen=True)
class CurveData:
    """f and f′ on a plotting grid, the peaks γ, the saturated runs, and the checks on a fine grid."""

    a_max: float
    curves: pd.DataFrame  # activation, name, a, f, df
    peaks: pd.DataFrame  # activation, name, gamma, a, attained
    bands: pd.DataFrame  # activation, name, lo, hi, threshold
    checks: dict[str, rc.GridCheck]
    check_points: int


@st.cache_data(**CACHE)
def curve_data(a_max: int) -> CurveData:
    """Everything the f/f′ chart and the ranges table need, for a ∈ [−a_max, a_max]."""
    plot = rc.symmetric_grid(float(a_max), PLOT_HALF)
    fine = rc.symmetric_grid(float(a_max), CHECK_HALF)
    curves, peaks, bands, checks = [], [], [], {}
    for name in NAMES:
        act = rc.ACTIVATIONS[name]
        curves.append(
            pd.DataFrame(
                {"activation": label(name), "name": name, "a": plot, "f": act.f(plot), "df": act.df(plot)}
            )
        )
        check = checks[name] = rc.grid_check(name, fine)
        peaks.append(
            {
                "activation": label(name),
                "name": name,
                "gamma": act.gamma,
                "a": check.sup_at[0],
                "attained": where(*check.sup_at),
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
        float(a_max), pd.concat(curves, ignore_index=True), pd.DataFrame(peaks), bands_df, checks, fine.size
    )


@st.cache_data(**CACHE)
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
    """The f′ values of the live network and what to say about them."""

    stats: rc.DerivativeStats
    overflow: str | None
    steps_done: int


@st.cache_data(**CACHE)
def network_derivatives(net: Network, steps: int) -> NetworkDerivatives:
    """Statistics of f′(a⁽ᵗ⁾) over all t and units of the network after ``steps`` gradient steps."""
    live = live_network(net, steps)
    return NetworkDerivatives(
        rc.derivative_stats(net.activation, live.trace.a, FRACTION),
        overflow_message(live.trace),
        live.steps_done,
    )


@dataclass(frozen=True)
class Float64Data:
    """Where f′ becomes exactly 0.0, for rnn_core's forms and the textbook ones, and the curves."""

    table: pd.DataFrame  # one row per (activation, form, side)
    curves: pd.DataFrame  # panel ("zoom" or "full"), activation, form, a, log10_df (finite values only)


@st.cache_data(**CACHE)
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


@st.cache_data(max_entries=64, show_spinner=False)
def curve_texts(a_max: int, show: list[str]) -> tuple[str, str, str, int]:
    """The f/f′ chart's notice, the ranges table, the homework corrections and the check-grid size."""
    data = curve_data(a_max)
    return curves_notice(data), ranges_table(data, show), homework_corrections(data), data.check_points


@st.cache_data(max_entries=64, show_spinner=False)
def gamma_text(k_max: int) -> str:
    """The γᵏ chart's notice for k up to ``k_max``."""
    return gamma_notice(gamma_power_data(k_max), k_max)


@st.cache_data(max_entries=1, show_spinner=False)
def float64_texts() -> tuple[str, str]:
    """The float64 table and its charts' notice (they depend on nothing the user sets)."""
    data = float64_data()
    return float64_table(data), float64_notice(data)


@st.cache_data(max_entries=256, show_spinner=False)
def float64_meaning_text(net: Network, steps: int) -> str:
    """:func:`float64_meaning` for the network after ``steps`` gradient steps."""
    return float64_meaning(float64_data(), network_derivatives(net, steps).stats)
