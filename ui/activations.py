"""The "Activation derivatives" page: its controls' ranges, cached calls, charts, tables and formulas.

Cached calls return plain data (DataFrames and rnn_core dataclasses); chart builders turn that data
into Altair charts and can be tested without a server; LaTeX builders use DESIGN §2's notation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

import rnn_core as rc
from ui import palette
from ui.chart_cache import cached_chart
from ui.data import live_network
from ui.format import sci
from ui.notices import overflow_message
from ui.state import ACTIVATION_LABELS, Network

NAMES = tuple(rc.ACTIVATIONS)
# URL keys of this page's controls (short, unique across the app)
SHOW_KEY, ARANGE_KEY, KMAX_KEY = "show", "arange", "kmax"
A_MAX_MIN, A_MAX_MAX, A_MAX_DEFAULT = 1, 40, 8
K_MAX_MIN, K_MAX_MAX, K_MAX_DEFAULT = 1, 500, 100  # 0.25⁵⁰⁰ ≈ 1e−301 is still a normal float64
PLOT_HALF = 200  # points per side for drawing f and f′ (5 activations × 401 points stay light)
CHECK_HALF = 20_000  # points per side for the computed checks of the ranges (step a_max / 20 000)
FRACTION = rc.SATURATION_FRACTION
BOUNDED = ("tanh", "sigmoid")  # the activations whose f′ float64 can round to exactly 0.0
ZOOM_A, FULL_A = 40.0, 800.0  # the float64 chart's two panels: the textbook forms' edges, then rnn_core's

# one colour and one dash per activation, whatever is shown (palette.SERIES in the order of NAMES)
COLORS = dict(zip(NAMES, palette.SERIES))
DASHES = dict(zip(NAMES, palette.DASHES))
CACHE = dict(max_entries=64, show_spinner=False)
# fit the width only: Streamlit's default "fit" squeezes the plot to make room for titles and legends
FIT_X = alt.AutoSizeParams(type="fit-x", contains="padding")


def label(name: str) -> str:
    return ACTIVATION_LABELS[name]


def _color(show: list[str] | None = None) -> alt.Color:
    """One fixed color per activation, whatever is shown; the legend lists the shown ones only."""
    shown = [label(n) for n in NAMES if show is None or n in show]
    legend = alt.Legend(
        title="activation",
        orient="top",
        values=shown,
        symbolType="stroke",
        symbolOpacity=1,
        symbolStrokeWidth=3,
    )
    return alt.Color(
        "activation:N",
        scale=alt.Scale(domain=[label(n) for n in NAMES], range=[COLORS[n] for n in NAMES]),
        legend=legend,
    )


def _dash() -> alt.StrokeDash:
    return alt.StrokeDash(
        "activation:N",
        scale=alt.Scale(domain=[label(n) for n in NAMES], range=[DASHES[n] for n in NAMES]),
        legend=None,
    )


# --- numbers as text ------------------------------------------------------------------------------


def where(lo: float, hi: float) -> str:
    """Where a value is reached on the grid: one point, a symmetric pair or a whole interval."""
    if lo == hi:
        return f"a = {sci(lo)}"
    if lo == -hi:
        return f"a = ±{sci(hi)}"
    return f"a ∈ [{sci(lo)}, {sci(hi)}]"


# --- cached calls -----------------------------------------------------------------------------------


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


# --- charts ---------------------------------------------------------------------------------------


def _shown(df: pd.DataFrame, show: list[str]) -> pd.DataFrame:
    return df[df["name"].isin(show)]


def _thresholds_text(show: list[str]) -> str:
    """ "f′ < 0.01 for tanh, ReLU; f′ < 0.0025 for sigmoid": the thresholds of the shown activations."""
    by_threshold: dict[float, list[str]] = {}
    for name in show:
        by_threshold.setdefault(FRACTION * rc.ACTIVATIONS[name].gamma, []).append(label(name))
    return "; ".join(f"f′ < {thr:g} for {', '.join(names)}" for thr, names in by_threshold.items())


def strip_frame(data: CurveData, show: list[str]) -> pd.DataFrame:
    """One row per saturated run of each shown activation (lo, hi), and a row without a run (lo, hi
    = nan, note "never …") for an activation that does not saturate on the grid."""
    rows = []
    for name in show:
        thr = FRACTION * rc.ACTIVATIONS[name].gamma
        lane = label(name)
        runs = data.bands[data.bands["name"] == name]
        for r in runs.itertuples():
            rows.append(
                {
                    "activation": label(name),
                    "name": name,
                    "lane": lane,
                    "lo": r.lo,
                    "hi": r.hi,
                    "threshold": thr,
                    "note": "",
                }
            )
        if not len(runs):
            note = f"never: f′ ≥ {FRACTION:g}·γ on all of [−{data.a_max:g}, {data.a_max:g}]"
            rows.append(
                {
                    "activation": label(name),
                    "name": name,
                    "lane": lane,
                    "lo": None,
                    "hi": None,
                    "threshold": thr,
                    "note": note,
                }
            )
    return pd.DataFrame(rows, columns=["activation", "name", "lane", "lo", "hi", "threshold", "note"])


def curves_chart(data: CurveData, show: list[str]) -> alt.VConcatChart:
    """Three panels over a: f(a); f′(a) with γ (a dashed rule and a point where f′ = γ); and the
    saturated regions f′ < FRACTION·γ shaded, one lane per activation."""
    curves = _shown(data.curves, show)
    scale = alt.Scale(domain=[-data.a_max, data.a_max], nice=False)
    x = alt.X("a:Q", title="pre-activation a", scale=scale)
    tips = [
        alt.Tooltip("activation:N"),
        alt.Tooltip("a:Q", format=".3f"),
        alt.Tooltip("f:Q", title="f(a)", format=".4g"),
        alt.Tooltip("df:Q", title="f′(a)", format=".4g"),
    ]
    f_panel = (
        alt.Chart(curves, title="f(a)")
        .mark_line(strokeWidth=2.5)
        .encode(x=x, y=alt.Y("f:Q", title="h = f(a)"), color=_color(show), strokeDash=_dash(), tooltip=tips)
        .properties(height=240)
    )
    df_lines = (
        alt.Chart(curves)
        .mark_line(strokeWidth=2.5)
        .encode(
            x=x, y=alt.Y("df:Q", title="f′(a) = dh/da"), color=_color(show), strokeDash=_dash(), tooltip=tips
        )
    )
    peaks = _shown(data.peaks, show)
    gamma_rules = (
        alt.Chart(peaks)
        .mark_rule(strokeDash=[5, 4], strokeWidth=1.5)
        .encode(
            y="gamma:Q",
            color=_color(show),
            tooltip=[alt.Tooltip("activation:N"), alt.Tooltip("gamma:Q", title="γ = sup|f′|")],
        )
    )
    peak_points = (
        alt.Chart(peaks)
        .mark_point(size=150, filled=True, shape="diamond", stroke="black", strokeWidth=1, opacity=1)
        .encode(
            x="a:Q",
            y="gamma:Q",
            color=_color(show),
            tooltip=[
                alt.Tooltip("activation:N"),
                alt.Tooltip("gamma:Q", title="γ = sup|f′|"),
                alt.Tooltip("attained:N", title="f′ = γ at"),
            ],
        )
    )
    df_panel = alt.layer(df_lines, gamma_rules, peak_points).properties(
        height=240, title=alt.TitleParams("f′(a)", subtitle="dashed: γ = sup|f′|;  ◆: a point where f′ = γ")
    )
    strip = strip_frame(data, show)
    # an explicit domain keeps the lanes in NAMES order across the two layers
    lane = alt.Y("lane:N", title=None, scale=alt.Scale(domain=[label(n) for n in NAMES if n in show]))
    runs = strip[strip["lo"].notna()]
    shade = (
        alt.Chart(runs)
        .mark_rect(opacity=0.45)
        .encode(
            x=alt.X("lo:Q", title="pre-activation a", scale=scale),
            x2="hi:Q",
            y=lane,
            color=_color(show),
            tooltip=[
                alt.Tooltip("activation:N"),
                alt.Tooltip("lo:Q", title="saturated from a =", format=".3f"),
                alt.Tooltip("hi:Q", title="to a =", format=".3f"),
                alt.Tooltip("threshold:Q", title=f"f′ < {FRACTION:g}·γ =", format=".4g"),
            ],
        )
    )
    never = (
        alt.Chart(strip[strip["lo"].isna()])
        .mark_text(color=palette.NOTE_TEXT, fontSize=12)
        .encode(
            x=alt.datum(0.0, scale=scale),
            y=lane,
            text="note:N",
            tooltip=[alt.Tooltip("note:N", title="saturated")],
        )
    )
    strip_panel = alt.layer(shade, never).properties(
        height=alt.Step(24),
        title=alt.TitleParams(
            f"Saturated: f′(a) < {FRACTION:g}·γ (shaded)",
            subtitle=f"{_thresholds_text(show)}; a gradient through a saturated unit is damped at least "
            f"{1 / FRACTION:g}× more than at f′ = γ",
        ),
    )
    # autosize fit-x: each panel takes the container's width (Streamlit would pad, and overflow, a
    # vconcat of layers)
    return alt.vconcat(f_panel, df_panel, strip_panel).resolve_scale(x="shared").properties(autosize=FIT_X)


def gamma_powers_chart(df: pd.DataFrame, show: list[str]) -> alt.Chart:
    """γᵏ against k on a log axis, one line per shown activation."""
    df = _shown(df, show)
    low = min(float(df["gamma_k"].min()), 0.1) if len(df) else 0.1
    return (
        alt.Chart(df, title="γᵏ: the most that k factors f′ can multiply a gradient by")
        .mark_line(strokeWidth=2.5)
        .encode(
            x=alt.X("k:Q", title="k, the number of steps back (factors f′ multiplied)"),
            y=alt.Y("gamma_k:Q", title="γᵏ (log scale)", scale=alt.Scale(type="log", domain=[low, 10])),
            color=_color(show),
            strokeDash=_dash(),
            tooltip=[
                alt.Tooltip("activation:N"),
                alt.Tooltip("gamma:Q", title="γ"),
                alt.Tooltip("k:Q"),
                alt.Tooltip("gamma_k:Q", title="γᵏ", format=".3e"),
            ],
        )
        .properties(height=300, autosize=FIT_X)
    )


def histogram_frame(stats: rc.DerivativeStats) -> pd.DataFrame:
    edges, counts = stats.hist_edges, stats.hist_counts
    total = max(int(counts.sum()), 1)
    return pd.DataFrame(
        {"lo": edges[:-1], "hi": edges[1:], "zero": 0, "count": counts, "share": counts / total}
    )


def histogram_chart(stats: rc.DerivativeStats) -> alt.LayerChart:
    """How often each value of f′(aᵢ⁽ᵗ⁾) occurs over all t and units, with the saturation threshold."""
    bars = (
        alt.Chart(histogram_frame(stats))
        .mark_rect(color=COLORS[stats.activation], stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("lo:Q", title="f′(aᵢ⁽ᵗ⁾)", scale=alt.Scale(domain=[0, stats.gamma], nice=False)),
            x2="hi:Q",
            y=alt.Y("count:Q", title="number of (t, unit) pairs"),
            y2="zero:Q",
            tooltip=[
                alt.Tooltip("lo:Q", title="f′ from", format=".4g"),
                alt.Tooltip("hi:Q", title="f′ to", format=".4g"),
                alt.Tooltip("count:Q", title="count"),
                alt.Tooltip("share:Q", title="share", format=".1%"),
            ],
        )
    )
    rule_df = pd.DataFrame(
        {"threshold": [stats.threshold], "label": [f"{FRACTION:g}·γ = {stats.threshold:g}"]}
    )
    rule = (
        alt.Chart(rule_df)
        .mark_rule(color=palette.HIGHLIGHT, strokeDash=palette.MARKER_DASH, strokeWidth=2)
        .encode(x="threshold:Q", tooltip=[alt.Tooltip("label:N", title="saturation threshold")])
    )
    text = (
        alt.Chart(rule_df)
        .mark_text(color=palette.HIGHLIGHT, align="left", dx=4, dy=-6, baseline="top")
        .encode(x="threshold:Q", y=alt.value(0), text="label:N")
    )
    title = f"f′ over all t and units: {label(stats.activation)}, γ = {stats.gamma:g}"
    return alt.layer(bars, rule, text).properties(height=260, title=title, autosize=FIT_X)


def products_frame(stats: rc.DerivativeStats) -> pd.DataFrame:
    """log₁₀ of the products of the last k per-step factors (k = 1..T), with γᵏ; finite rows only."""
    T = stats.per_step_mean.size
    ks = range(1, T + 1)
    gamma_log = math.log10(stats.gamma)
    frames = [
        pd.DataFrame({"k": ks, "series": "γᵏ (the best case)", "log10": [k * gamma_log for k in ks]}),
        pd.DataFrame({"k": ks, "series": "Π max over units of f′", "log10": stats.log10_prod_max}),
        pd.DataFrame({"k": ks, "series": "Π mean over units of f′", "log10": stats.log10_prod_mean}),
    ]
    df = pd.concat(frames, ignore_index=True)
    return df[df["log10"].abs() < math.inf].reset_index(drop=True)


PRODUCT_SERIES = ["γᵏ (the best case)", "Π max over units of f′", "Π mean over units of f′"]


def products_chart(stats: rc.DerivativeStats) -> alt.Chart:
    """log₁₀ Π of the per-step max and mean f′ over the last k steps of the live network, and γᵏ."""
    return (
        alt.Chart(products_frame(stats), title="The derivative factors between h⁽ᵀ⁻ᵏ⁾ and h⁽ᵀ⁾, multiplied")
        .mark_line(strokeWidth=2.5, point=alt.OverlayMarkDef(size=18))
        .encode(
            x=alt.X("k:Q", title="k, the number of steps back from T"),
            y=alt.Y("log10:Q", title="log₁₀ of the product (−1 = ÷10)"),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(
                    domain=PRODUCT_SERIES, range=[palette.REFERENCE, palette.MARKER, COLORS[stats.activation]]
                ),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[
                alt.Tooltip("series:N"),
                alt.Tooltip("k:Q"),
                alt.Tooltip("log10:Q", title="log₁₀", format=".3f"),
            ],
        )
        .properties(height=300, autosize=FIT_X)
    )


def _float64_panel(data: Float64Data, panel: str, a_max: float, title: str) -> alt.LayerChart:
    color = alt.Color(
        "activation:N",
        scale=alt.Scale(domain=[label(n) for n in BOUNDED], range=[COLORS[n] for n in BOUNDED]),
        legend=alt.Legend(title="activation", orient="top", symbolType="stroke"),
    )
    dash = alt.StrokeDash(
        "form:N",
        scale=alt.Scale(domain=["rnn_core", "textbook"], range=[[1, 0], [5, 3]]),
        legend=alt.Legend(title="form of f′", orient="top", symbolType="stroke"),
    )
    x = alt.X("a:Q", title="a", scale=alt.Scale(domain=[0, a_max], nice=False))
    lines = (
        alt.Chart(data.curves[data.curves["panel"] == panel])
        .mark_line()
        .encode(
            x=x,
            y=alt.Y("log10_df:Q", title="log₁₀ f′(a)"),
            color=color,
            strokeDash=dash,
            strokeWidth=alt.StrokeWidth(
                "form:N", scale=alt.Scale(domain=["rnn_core", "textbook"], range=[2, 4]), legend=None
            ),
            order=alt.Order("form:N", sort="ascending"),
            tooltip=[
                alt.Tooltip("activation:N"),
                alt.Tooltip("form:N"),
                alt.Tooltip("a:Q", format=".4g"),
                alt.Tooltip("log10_df:Q", title="log₁₀ f′", format=".2f"),
            ],
        )
    )
    table = data.table
    edges = table[(table["side"] == "a > 0") & table["threshold"].notna() & (table["threshold"] <= a_max)]
    rules = (
        alt.Chart(edges)
        .mark_rule(strokeWidth=1.5)
        .encode(
            x="threshold:Q",
            color=color,
            strokeDash=dash,
            tooltip=[
                alt.Tooltip("activation:N"),
                alt.Tooltip("form:N"),
                alt.Tooltip("threshold:Q", title="f′ = 0.0 from a =", format=".6g"),
            ],
        )
    )
    return alt.layer(lines, rules).properties(height=300, title=title, autosize=FIT_X)


def float64_charts(data: Float64Data) -> tuple[alt.LayerChart, alt.LayerChart]:
    """log₁₀ f′ against a ≥ 0 for rnn_core's forms and the textbook ones, with vertical rules where
    each becomes exactly 0.0 (the lines end there: 0.0 has no logarithm). First a ≤ ZOOM_A, where
    the textbook forms give up; then a ≤ FULL_A, where rnn_core's do."""
    return (
        _float64_panel(data, "zoom", ZOOM_A, f"a from 0 to {ZOOM_A:g}: the textbook forms hit 0.0"),
        _float64_panel(data, "full", FULL_A, f"a from 0 to {FULL_A:g}: rnn_core's forms hit 0.0"),
    )


# --- tables ---------------------------------------------------------------------------------------


def _min_text(check: rc.GridCheck) -> str:
    sign = " > 0" if check.inf > 0.0 and check.values is None else ""
    return f"{sci(check.inf)}{sign} at {where(*check.inf_at)}"


def _max_text(check: rc.GridCheck) -> str:
    mark = "= γ ✓" if check.sup_is_gamma else f"≠ γ = {check.gamma:g} ✗"
    return f"{sci(check.sup)} {mark} at {where(*check.sup_at)}"


def _values_text(check: rc.GridCheck) -> str:
    if check.values is None:
        return "a continuum"
    return r"$\{" + r",\ ".join(f"{v:g}" for v in check.values) + r"\}$"


def ranges_table(data: CurveData, show: list[str]) -> str:
    """A Markdown table: f, the ranges of f and f′ (from rnn_core), γ, 1/γ, and what the fine grid
    computes for f′ (its max and where, its min and where, its distinct values)."""
    head = (
        "| activation | f | range of f | range of f′ | γ = sup f′ | 1/γ | computed: max f′ | "
        "computed: min f′ | computed: values of f′ |\n"
        "|---|---|---|---|---|---|---|---|---|\n"
    )
    rows = []
    for name in show:
        act, check = rc.ACTIVATIONS[name], data.checks[name]
        rows.append(
            f"| **{label(name)}** | ${act.latex_f}$ | ${act.latex_range_f}$ | ${act.latex_range_df}$ | "
            f"{act.gamma:g} | {1 / act.gamma:g} | {_max_text(check)} | {_min_text(check)} | {_values_text(check)} |"
        )
    return head + "\n".join(rows)


def float64_table(data: Float64Data) -> str:
    """A Markdown table: for tanh and sigmoid and each form of f′, where f′ becomes exactly 0.0 on
    each side, and f′ at the float just before that edge (np.nextafter towards 0), nonzero."""
    head = (
        "| activation | form of f′ | a > 0: f′ = 0.0 from a = | f′ one float earlier | "
        "a < 0: f′ = 0.0 from a = | f′ one float earlier |\n|---|---|---|---|---|---|\n"
    )
    rows = []
    for (name, form), pair in data.table.groupby(["name", "form"], sort=False):
        pos, neg = (pair[pair["side"] == side].iloc[0] for side in ("a > 0", "a < 0"))
        formula = STABLE_LATEX[name] if form == "rnn_core" else rc.TEXTBOOK_LATEX[name]
        cells = [label(name), f"{form}: ${formula}$"]
        for side, r in (("", pos), ("−", neg)):
            cells += (
                ["never", ""] if pd.isna(r.threshold) else [f"{side}{float(r.threshold)!r}", sci(r.df_before)]
            )
        rows.append("| " + " | ".join(cells) + " |")
    return head + "\n".join(rows)


# --- formulas ---------------------------------------------------------------------------------------

STABLE_LATEX = {
    "sigmoid": r"\frac{e}{(1+e)^2},\ e = e^{-\lvert a\rvert}",
    "tanh": r"\frac{4e}{(1+e)^2},\ e = e^{-2\lvert a\rvert}",
}


def saturation_latex() -> str:
    """The definition of a saturated unit at a step, with the page's threshold."""
    return rf"\text{{unit }} i \text{{ is saturated at step }} t \iff f'\big(a_i^{{(t)}}\big) < {FRACTION:g}\,\gamma"


def forms_latex(name: str) -> str:
    """f′ of tanh or sigmoid in its textbook form and in the form rnn_core evaluates."""
    symbol = r"\sigma'(a)" if name == "sigmoid" else r"\tanh'(a)"
    return rf"{symbol} = {rc.TEXTBOOK_LATEX[name]} = {STABLE_LATEX[name]}"


# --- captions (computed numbers, never typed in) ---------------------------------------------------


def curves_notice(data: CurveData) -> str:
    """What to notice in the f/f′ chart, with the saturation edges read from the computed bands."""

    def edge(name: str) -> str:
        bands = data.bands[(data.bands["name"] == name) & (data.bands["lo"] > 0)]
        where_ = (
            f"at |a| ≥ {sci(bands['lo'].iloc[0])}"
            if len(bands)
            else f"nowhere in [−{data.a_max:g}, {data.a_max:g}]"
        )
        return f"for {name} {where_}"

    g = {n: rc.ACTIVATIONS[n].gamma for n in NAMES}
    return (
        f"f′ is largest where f is steepest: γ = {g['sigmoid']:g} for sigmoid and {g['tanh']:g} for tanh, "
        f"both reached at {where(*data.checks['tanh'].sup_at)} only; ReLU, leaky ReLU and linear reach 1 on a whole half-line. Shaded: f′ < {FRACTION:g}·γ, "
        f"which on this grid holds {edge('tanh')}, {edge('sigmoid')}, and for "
        f"ReLU at every a ≤ 0 (f′ = 0 exactly). Leaky ReLU's slope {rc.LEAKY_SLOPE:g} sits exactly on the "
        "threshold, so by this strict definition it never saturates: it damps the gradient "
        f"{1 / rc.LEAKY_SLOPE:g}-fold, it never cuts it."
    )


def gamma_notice(df: pd.DataFrame, k_max: int) -> str:
    """What to notice in the γᵏ chart, with sigmoid's γᵏ at k max read from the data."""
    sig = df[(df["name"] == "sigmoid") & (df["k"] == k_max)]["gamma_k"].iloc[0]
    return (
        f"Even in the best case, k sigmoid factors shrink a gradient by 4ᵏ: at k = {k_max} that is "
        f"γᵏ = {sci(sig)}. For tanh, ReLU, leaky ReLU and linear, γᵏ = 1: the derivatives at their best "
        "shrink nothing, so whether the gradient vanishes or explodes is then decided by W and by how "
        "far below γ the actual f′ values are (next section)."
    )


def histogram_notice(stats: rc.DerivativeStats) -> str:
    """What to notice in the histogram of f′ values, for the live network's activation."""
    sat, zero = f"{stats.fraction_saturated:.1%}", f"{stats.fraction_zero:.1%}"
    if stats.activation == "linear":
        return "The linear activation's f′ is 1 everywhere: nothing saturates, and the gradient's fate is W's alone."
    if stats.activation == "relu":
        return (
            f"ReLU′ takes only the values 0 and 1. {zero} of the (t, unit) pairs have a⁽ᵗ⁾ ≤ 0, so f′ = 0: "
            "every path through them is cut at that step. The rest pass the gradient on undamped, "
            "and W alone decides whether it grows."
        )
    if stats.activation == "leaky_relu":
        return (
            f"Leaky ReLU′ takes only the values {rc.LEAKY_SLOPE:g} and 1: no path is cut, the units with "
            f"a ≤ 0 damp it {1 / rc.LEAKY_SLOPE:g}-fold. Mean f′ = {sci(stats.mean)}."
        )
    return (
        f"Values near γ = {stats.gamma:g} come from small |a⁽ᵗ⁾|; values piled up near 0 are saturated "
        f"units. Here {sat} of the values are left of the dashed line (f′ < {FRACTION:g}·γ) and the mean "
        f"f′ is {sci(stats.mean)}, against the best case γ = {stats.gamma:g}. Raise σ_max(W) in the "
        "sidebar to push |a⁽ᵗ⁾| up and watch the mass move to 0."
    )


def products_notice(stats: rc.DerivativeStats, sigma_max: float) -> str:
    """What to notice in the products chart: the values at k = T and where a product became 0."""
    T = stats.per_step_max.size
    dead = [k for k, v in enumerate(stats.log10_prod_max, start=1) if v == -math.inf]
    text = (
        f"Read at k = T = {T}: log₁₀ Π max f′ = {sci(stats.log10_prod_max[-1])}, log₁₀ Π mean f′ = "
        f"{sci(stats.log10_prod_mean[-1])}, against log₁₀ γᵀ = {sci(T * math.log10(stats.gamma))}. "
        f"The max line times σ_max(W)ᵏ (here σ_max(W) = {sigma_max:g}) bounds ‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵏ⁾‖₂: the "
        "gap between it and γᵏ is damping that γ alone cannot see."
    )
    if dead:
        text += (
            f" From k = {dead[0]} on the max line stops: at step t = {T - dead[0] + 1} every unit had "
            "f′ = 0 exactly, so every path from h⁽ᵀ⁾ back past that step is exactly zero."
        )
    return text


def float64_notice(data: Float64Data) -> str:
    """What to notice in the float64 charts, with the a > 0 edges and last values read from the table."""
    pos = data.table[data.table["side"] == "a > 0"].set_index(["name", "form"])
    t, last = pos["threshold"], pos["df_before"]
    return (
        f"rnn_core's forms (solid) fall on straight lines, exact until e underflows: tanh′ becomes 0.0 at "
        f"a = {t['tanh', 'rnn_core']:.6g}, sigmoid′ at a = {t['sigmoid', 'rnn_core']:.6g}, after values as "
        f"small as {sci(last['tanh', 'rnn_core'])} and {sci(last['sigmoid', 'rnn_core'])}. The textbook forms "
        f"(dashed) follow them, then stop at a = {t['tanh', 'textbook']:.6g} and {t['sigmoid', 'textbook']:.6g}: "
        f"their last nonzero values, {sci(last['tanh', 'textbook'])} and {sci(last['sigmoid', 'textbook'])}, "
        f"are a multiple of float64's spacing just below 1 ({sci(math.ulp(0.5))}); one float further, σ or "
        "tanh is exactly 1.0 and the derivative jumps to 0.0."
    )


def float64_meaning(data: Float64Data, stats: rc.DerivativeStats) -> str:
    """Markdown: what an f′ of exactly 0.0 does to the gradient, and where the live network stands."""
    t = data.table.set_index(["name", "form", "side"])["threshold"]
    text = (
        "**What this means for gradients.** δ⁽ᵗ⁾ = diag(f′(a⁽ᵗ⁾)) ∂L/∂h⁽ᵗ⁾: an f′ of exactly 0.0 makes "
        "every path through that unit at that step exactly zero. No W, however large, brings it back, "
        "and a log-space analysis meets log 0 = −∞. A tiny but nonzero f′ (10⁻³⁰⁰, say) leaves the path "
        "alive and measurable. With the textbook forms a tanh unit would be cut this way from "
        f"|a| = {t['tanh', 'textbook', 'a > 0']:.6g}, a sigmoid unit from a = "
        f"{t['sigmoid', 'textbook', 'a > 0']:.6g} (for a < 0, σ(1 − σ) stays exact to "
        f"a = −{t['sigmoid', 'textbook', 'a < 0']:.6g}, since there σ is small and 1 − σ is not); with "
        f"rnn_core's forms only from |a| = {t['tanh', 'rnn_core', 'a > 0']:.6g} and "
        f"{t['sigmoid', 'rnn_core', 'a > 0']:.6g}.\n\n"
    )
    name = label(stats.activation)
    if stats.fraction_zero_textbook is None:
        return text + (
            f"**In your network** ({name}): f′ has no rounding to worry about, it is one of a few exact "
            f"values; {stats.fraction_zero:.1%} of them are exactly 0 by definition."
        )
    return text + (
        f"**In your network** ({name}): max |a⁽ᵗ⁾| = {sci(stats.max_abs_a)}. The textbook form would round "
        f"{stats.fraction_zero_textbook:.1%} of its f′ values to exactly 0.0; rnn_core's form rounds "
        f"{stats.fraction_zero:.1%}."
    )


def homework_corrections(data: CurveData) -> str:
    """Markdown: the homework's three claims about f′ and the correct statements, with computed values."""
    tanh, sig, relu = (rc.ACTIVATIONS[n] for n in ("tanh", "sigmoid", "relu"))
    ct, cs = data.checks["tanh"], data.checks["sigmoid"]
    return (
        f"- **tanh′ ranges over ${tanh.latex_range_df}$, not $(0,\\ 1)$.** tanh′(0) = 1 − tanh²0 = 1: the max "
        f"of tanh′ on the grid is {sci(ct.sup)}, at {where(*ct.sup_at)}. The top value is reached; only "
        "0 is never reached.\n"
        f"- **sigmoid′ ranges over ${sig.latex_range_df}$**, with its max {sci(cs.sup)} at {where(*cs.sup_at)}: "
        f"even in the best case every step through a sigmoid multiplies the gradient by at most {sig.gamma:g}.\n"
        '- **"ReLU\'s derivative of constant 1 causes explosion" is not right.** f′ = 1 only removes the '
        "damping that f′ < 1 brings: on the active units (a > 0) the step's Jacobian is W itself, so whether "
        "the gradient grows is decided by W (σ_max(W) > 1 on the active units), not by f′. Where a ≤ 0, "
        f"ReLU′ = 0 exactly (ReLU′ ranges over ${relu.latex_range_df}$): the path through that unit at that "
        "step is cut, not merely shrunk."
    )


# --- the charts as the page draws them: keyed by the page's small inputs, cached as specs ----------


@cached_chart
def curves_figure(a_max: int, show: list[str]) -> alt.VConcatChart:
    """:func:`curves_chart` of :func:`curve_data` (a_max) for the activations in ``show``."""
    return curves_chart(curve_data(a_max), show)


@cached_chart
def gamma_figure(k_max: int, show: list[str]) -> alt.Chart:
    """:func:`gamma_powers_chart` of :func:`gamma_power_data` (k_max)."""
    return gamma_powers_chart(gamma_power_data(k_max), show)


@cached_chart
def derivative_figures(net: Network, steps: int) -> tuple[alt.LayerChart, alt.Chart]:
    """The histogram and the products chart of the network after ``steps`` gradient steps."""
    stats = network_derivatives(net, steps).stats
    return histogram_chart(stats), products_chart(stats)


@cached_chart
def float64_figures() -> tuple[alt.LayerChart, alt.LayerChart]:
    """:func:`float64_charts` of :func:`float64_data`."""
    return float64_charts(float64_data())


# --- the texts as the page shows them: keyed by small inputs, so a rerun reads them from the cache -


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
