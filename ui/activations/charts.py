"""Chart builders of the "Activation derivatives" page: plain functions returning Altair charts."""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

import rnn_core as rc
from ui import palette
from ui.activations import BOUNDED, COLORS, DASHES, FRACTION, FULL_A, NAMES, ZOOM_A, label
from ui.activations import text as tx
from ui.activations.calls import (
    CurveData,
    Float64Data,
    curve_data,
    float64_data,
    gamma_power_data,
    network_derivatives,
)
from ui.chart_cache import FIT_X, cached_chart, chart_frames
from ui.format import number
from ui.i18n import say
from ui.state import Network


def _color(show: list[str] | None = None) -> alt.Color:
    """One fixed color per activation, whatever is shown; the legend lists the shown ones only."""
    shown = [label(n) for n in NAMES if show is None or n in show]
    legend = alt.Legend(
        title=say(tx.LEGEND_ACTIVATION),
        orient="bottom",
        columns=1,
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
            note = say(tx.STRIP_NEVER, fraction=number(FRACTION, "g"), a_max=number(data.a_max, "g"))
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
    x = alt.X("a:Q", title=say(tx.AXIS_A), scale=scale)
    activation_tip = alt.Tooltip("activation:N", title=say(tx.LEGEND_ACTIVATION))
    tips = [
        activation_tip,
        alt.Tooltip("a:Q", format=".3f"),
        alt.Tooltip("f:Q", title=say(tx.TIP_F), format=".4g"),
        alt.Tooltip("df:Q", title=say(tx.TIP_DF), format=".4g"),
    ]
    f_panel = (
        alt.Chart(curves, title=say(tx.F_TITLE))
        .mark_line(strokeWidth=2.5)
        .encode(
            x=x, y=alt.Y("f:Q", title=say(tx.F_AXIS)), color=_color(show), strokeDash=_dash(), tooltip=tips
        )
        .properties(height=240)
    )
    df_lines = (
        alt.Chart(curves)
        .mark_line(strokeWidth=2.5)
        .encode(
            x=x, y=alt.Y("df:Q", title=say(tx.DF_AXIS)), color=_color(show), strokeDash=_dash(), tooltip=tips
        )
    )
    peaks = _shown(data.peaks, show).copy()
    peaks["attained"] = [tx.where(lo, hi) for lo, hi in zip(peaks["sup_lo"], peaks["sup_hi"])]
    gamma_rules = (
        alt.Chart(peaks)
        .mark_rule(strokeDash=[5, 4], strokeWidth=1.5)
        .encode(
            y=alt.Y("gamma:Q"),
            color=_color(show),
            tooltip=[activation_tip, alt.Tooltip("gamma:Q", title=say(tx.TIP_GAMMA))],
        )
    )
    peak_points = (
        alt.Chart(peaks)
        .mark_point(size=150, filled=True, shape="diamond", stroke="black", strokeWidth=1, opacity=1)
        .encode(
            x=alt.X("a:Q"),
            y=alt.Y("gamma:Q"),
            color=_color(show),
            tooltip=[
                activation_tip,
                alt.Tooltip("gamma:Q", title=say(tx.TIP_GAMMA)),
                alt.Tooltip("attained:N", title=say(tx.TIP_ATTAINED)),
            ],
        )
    )
    df_panel = alt.layer(df_lines, gamma_rules, peak_points).properties(
        height=240, title=alt.TitleParams(say(tx.DF_TITLE), subtitle=say(tx.DF_SUBTITLE))
    )
    strip = strip_frame(data, show)
    # an explicit domain keeps the lanes in NAMES order across the two layers
    lane = alt.Y("lane:N", title=None, scale=alt.Scale(domain=[label(n) for n in NAMES if n in show]))
    runs = strip[strip["lo"].notna()]
    shade = (
        alt.Chart(runs)
        .mark_rect(opacity=0.45)
        .encode(
            x=alt.X("lo:Q", title=say(tx.AXIS_A), scale=scale),
            x2=alt.X2("hi:Q"),
            y=lane,
            color=_color(show),
            tooltip=[
                activation_tip,
                alt.Tooltip("lo:Q", title=say(tx.TIP_FROM), format=".3f"),
                alt.Tooltip("hi:Q", title=say(tx.TIP_TO), format=".3f"),
                alt.Tooltip(
                    "threshold:Q", title=say(tx.TIP_THRESHOLD, fraction=number(FRACTION, "g")), format=".4g"
                ),
            ],
        )
    )
    never = (
        alt.Chart(strip[strip["lo"].isna()])
        .mark_text(color=palette.NOTE_TEXT, fontSize=12)
        .encode(
            x=alt.datum(0.0, scale=scale),
            y=lane,
            text=alt.Text("note:N"),
            tooltip=[alt.Tooltip("note:N", title=say(tx.TIP_SATURATED))],
        )
    )
    strip_panel = alt.layer(shade, never).properties(
        height=alt.Step(24),
        # no subtitle: fit-x counts an unbounded subtitle in the width and collapses the plot on a
        # phone; the thresholds are said under the chart (text.strip_caption)
        title=alt.TitleParams(say(tx.STRIP_TITLE, fraction=number(FRACTION, "g"))),
    )
    # autosize fit-x: each panel takes the container's width (Streamlit would pad, and overflow, a
    # vconcat of layers)
    return alt.vconcat(f_panel, df_panel, strip_panel).resolve_scale(x="shared").properties(autosize=FIT_X)


def gamma_powers_chart(df: pd.DataFrame, show: list[str]) -> alt.Chart:
    """γᵏ against k on a log axis, one line per shown activation."""
    df = _shown(df, show)
    low = min(float(df["gamma_k"].min()), 0.1) if len(df) else 0.1
    return (
        alt.Chart(df, title=say(tx.GAMMA_TITLE))
        .mark_line(strokeWidth=2.5)
        .encode(
            x=alt.X("k:Q", title=say(tx.GAMMA_X)),
            y=alt.Y("gamma_k:Q", title=say(tx.GAMMA_Y), scale=alt.Scale(type="log", domain=[low, 10])),
            color=_color(show),
            strokeDash=_dash(),
            tooltip=[
                alt.Tooltip("activation:N", title=say(tx.LEGEND_ACTIVATION)),
                alt.Tooltip("gamma:Q", title=say(tx.TIP_GAMMA_ONLY)),
                alt.Tooltip("k:Q", title=say(tx.TIP_K)),
                alt.Tooltip("gamma_k:Q", title=say(tx.TIP_GAMMA_K), format=".3e"),
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


def rule_frame(stats: rc.DerivativeStats) -> pd.DataFrame:
    """The histogram's saturation threshold and its label."""
    rule_label = say(tx.HIST_RULE, fraction=number(FRACTION, "g"), threshold=number(stats.threshold, "g"))
    return pd.DataFrame({"threshold": [stats.threshold], "label": [rule_label]})


def histogram_chart(stats: rc.DerivativeStats, frames: tuple | None = None) -> alt.LayerChart:
    """How often each value of f′(aᵢ⁽ᵗ⁾) occurs over all t and units, with the saturation threshold
    (``frames``: :func:`histogram_frame` and :func:`rule_frame` of ``stats``, when the caller has them)."""
    bins, rule_df = frames or (histogram_frame(stats), rule_frame(stats))
    bars = (
        alt.Chart(bins)
        .mark_rect(color=COLORS[stats.activation], stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("lo:Q", title=say(tx.HIST_X), scale=alt.Scale(domain=[0, stats.gamma], nice=False)),
            x2=alt.X2("hi:Q"),
            y=alt.Y("count:Q", title=say(tx.HIST_Y)),
            y2=alt.Y2("zero:Q"),
            tooltip=[
                alt.Tooltip("lo:Q", title=say(tx.TIP_DF_FROM), format=".4g"),
                alt.Tooltip("hi:Q", title=say(tx.TIP_DF_TO), format=".4g"),
                alt.Tooltip("count:Q", title=say(tx.TIP_COUNT)),
                alt.Tooltip("share:Q", title=say(tx.TIP_SHARE), format=".1%"),
            ],
        )
    )
    rule = (
        alt.Chart(rule_df)
        .mark_rule(color=palette.HIGHLIGHT, strokeDash=palette.MARKER_DASH, strokeWidth=2)
        .encode(x=alt.X("threshold:Q"), tooltip=[alt.Tooltip("label:N", title=say(tx.TIP_RULE))])
    )
    text = (
        alt.Chart(rule_df)
        .mark_text(color=palette.HIGHLIGHT, align="left", dx=4, dy=-6, baseline="top")
        .encode(x=alt.X("threshold:Q"), y=alt.YValue(0), text=alt.Text("label:N"))
    )
    title = say(tx.HIST_TITLE, name=label(stats.activation), gamma=number(stats.gamma, "g"))
    return alt.layer(bars, rule, text).properties(height=260, title=title, autosize=FIT_X)


def products_frame(stats: rc.DerivativeStats) -> pd.DataFrame:
    """log₁₀ of the products of the last k per-step factors (k = 1..T), with γᵏ; finite rows only."""
    T = stats.per_step_mean.size
    ks = range(1, T + 1)
    gamma_log = math.log10(stats.gamma)
    series = product_series()
    frames = [
        pd.DataFrame({"k": ks, "series": series[0], "log10": [k * gamma_log for k in ks]}),
        pd.DataFrame({"k": ks, "series": series[1], "log10": stats.log10_prod_max}),
        pd.DataFrame({"k": ks, "series": series[2], "log10": stats.log10_prod_mean}),
    ]
    df = pd.concat(frames, ignore_index=True)
    return df[df["log10"].abs() < math.inf].reset_index(drop=True)


def product_series() -> list[str]:
    """The products chart's three series: γᵏ, Π max f′, Π mean f′ (in the active language)."""
    return [say(tx.SERIES_GAMMA), say(tx.SERIES_MAX), say(tx.SERIES_MEAN)]


def products_chart(stats: rc.DerivativeStats, frame: pd.DataFrame | None = None) -> alt.Chart:
    """log₁₀ Π of the per-step max and mean f′ over the last k steps of the live network, and γᵏ
    (``frame``: :func:`products_frame` of ``stats``, when the caller has it)."""
    legend = alt.Legend(orient="bottom", direction="vertical", symbolType="stroke")
    return (
        alt.Chart(products_frame(stats) if frame is None else frame, title=say(tx.PRODUCTS_TITLE))
        .mark_line(strokeWidth=2.5, point=alt.OverlayMarkDef(size=18))
        .encode(
            x=alt.X("k:Q", title=say(tx.PRODUCTS_X)),
            y=alt.Y("log10:Q", title=say(tx.PRODUCTS_Y)),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(
                    domain=product_series(),
                    range=[palette.REFERENCE, palette.MARKER, COLORS[stats.activation]],
                ),
                legend=legend,
            ),
            strokeDash=alt.StrokeDash(  # one legend with the colour: same field, title and legend
                "series:N",
                title=None,
                scale=alt.Scale(
                    domain=product_series(), range=[palette.REFERENCE_DASH, palette.BOUND_DASH, []]
                ),
                legend=legend,
            ),
            tooltip=[
                alt.Tooltip("series:N", title=say(tx.TIP_SERIES)),
                alt.Tooltip("k:Q", title=say(tx.TIP_K)),
                alt.Tooltip("log10:Q", title=say(tx.TIP_LOG10), format=".3f"),
            ],
        )
        .properties(height=300, autosize=FIT_X)
    )


def _float64_panel(data: Float64Data, panel: str, a_max: float, title: str) -> alt.LayerChart:
    color = alt.Color(
        "activation:N",
        scale=alt.Scale(domain=[label(n) for n in BOUNDED], range=[COLORS[n] for n in BOUNDED]),
        legend=alt.Legend(
            title=say(tx.LEGEND_ACTIVATION), orient="bottom", direction="vertical", symbolType="stroke"
        ),
    )
    dash = alt.StrokeDash(
        "form:N",
        scale=alt.Scale(domain=["rnn_core", "textbook"], range=[[1, 0], [5, 3]]),
        # above the plot, the activation's legend below: two legends side by side (or one beside the
        # plot) do not fit a half-width panel at 1024 px
        legend=alt.Legend(title=say(tx.LEGEND_FORM), orient="top", direction="vertical", symbolType="stroke"),
    )
    x = alt.X("a:Q", title=say(tx.FLOAT64_X), scale=alt.Scale(domain=[0, a_max], nice=False))
    lines = (
        alt.Chart(data.curves[data.curves["panel"] == panel])
        .mark_line()
        .encode(
            x=x,
            y=alt.Y("log10_df:Q", title=say(tx.FLOAT64_Y)),
            color=color,
            strokeDash=dash,
            strokeWidth=alt.StrokeWidth(
                "form:N", scale=alt.Scale(domain=["rnn_core", "textbook"], range=[2, 4]), legend=None
            ),
            order=alt.Order("form:N", sort="ascending"),
            tooltip=[
                alt.Tooltip("activation:N", title=say(tx.LEGEND_ACTIVATION)),
                alt.Tooltip("form:N", title=say(tx.TIP_FORM)),
                alt.Tooltip("a:Q", format=".4g"),
                alt.Tooltip("log10_df:Q", title=say(tx.TIP_LOG10_DF), format=".2f"),
            ],
        )
    )
    table = data.table
    edges = table[(table["side"] == "a > 0") & table["threshold"].notna() & (table["threshold"] <= a_max)]
    rules = (
        alt.Chart(edges)
        .mark_rule(strokeWidth=1.5)
        .encode(
            x=alt.X("threshold:Q"),
            color=color,
            strokeDash=dash,
            tooltip=[
                alt.Tooltip("activation:N", title=say(tx.LEGEND_ACTIVATION)),
                alt.Tooltip("form:N", title=say(tx.TIP_FORM)),
                alt.Tooltip("threshold:Q", title=say(tx.TIP_EDGE), format=".6g"),
            ],
        )
    )
    return alt.layer(lines, rules).properties(height=300, title=title, autosize=FIT_X)


def float64_charts(data: Float64Data) -> tuple[alt.LayerChart, alt.LayerChart]:
    """log₁₀ f′ against a ≥ 0 for rnn_core's forms and the textbook ones, with vertical rules where
    each becomes exactly 0.0 (the lines end there: 0.0 has no logarithm). First a ≤ ZOOM_A, where
    the textbook forms give up; then a ≤ FULL_A, where rnn_core's do."""
    return (
        _float64_panel(data, "zoom", ZOOM_A, say(tx.ZOOM_TITLE, a_max=number(ZOOM_A, "g"))),
        _float64_panel(data, "full", FULL_A, say(tx.FULL_TITLE, a_max=number(FULL_A, "g"))),
    )


@cached_chart
def curves_figure(a_max: int, show: list[str]) -> alt.VConcatChart:
    """:func:`curves_chart` of :func:`curve_data` (a_max) for the activations in ``show``."""
    return curves_chart(curve_data(a_max), show)


@cached_chart
def gamma_figure(k_max: int, show: list[str]) -> alt.Chart:
    """:func:`gamma_powers_chart` of :func:`gamma_power_data` (k_max)."""
    return gamma_powers_chart(gamma_power_data(k_max), show)


@chart_frames
def _derivative_frames(net: Network, steps: int):
    stats = network_derivatives(net, steps).stats
    frames = (histogram_frame(stats), rule_frame(stats), products_frame(stats))
    return (stats.activation, stats.gamma), frames


@cached_chart(frames=_derivative_frames)
def derivative_figures(net: Network, steps: int) -> tuple[alt.LayerChart, alt.Chart]:
    """The histogram and the products chart of the network after ``steps`` gradient steps."""
    stats = network_derivatives(net, steps).stats
    _, (bins, rule, products) = _derivative_frames(net, steps)
    return histogram_chart(stats, (bins, rule)), products_chart(stats, products)


@cached_chart
def float64_figures() -> tuple[alt.LayerChart, alt.LayerChart]:
    """:func:`float64_charts` of :func:`float64_data`."""
    return float64_charts(float64_data())
