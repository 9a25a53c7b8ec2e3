"""Chart builders of the "Activation derivatives" page: plain functions returning Altair charts."""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

import rnn_core as rc
from ui import palette
from ui.activations import BOUNDED, COLORS, DASHES, FRACTION, FULL_A, NAMES, ZOOM_A, label
from ui.activations.calls import (
    CurveData,
    Float64Data,
    curve_data,
    float64_data,
    gamma_power_data,
    network_derivatives,
)
from ui.activations.text import thresholds_text
from ui.chart_cache import cached_chart
from ui.state import Network

FIT_X = alt.AutoSizeParams(type="fit-x", contains="padding")


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


def _shown(df: pd.DataFrame, show: list[str]) -> pd.DataFrame:
    return df[df["name"].isin(show)]


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
            subtitle=f"{thresholds_text(show)}; a gradient through a saturated unit is damped at least "
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
