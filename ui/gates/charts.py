"""The Gates page's charts: plain functions returning Altair charts, built once per input
(ui.chart_cache.cached_chart). Colours and dashes from ui.palette: one colour and one dash per
cell (the RNN, the LSTM, the GRU), the same on every chart of the page.

Values that are not finite are left out of a chart (the page says so beside it); exact zeros on
a log colour scale are drawn grey (palette.ZERO).
"""

from __future__ import annotations

import hashlib

import altair as alt
import numpy as np
import pandas as pd
from streamlit import dataframe_util

import rnn_core as rc
from ui import palette
from ui.cache import cache_data
from ui.chart_cache import ChartSpec, cached_chart, chart_frames, language
from ui.gates import calls
from ui.gates import text as t
from ui.i18n import say
from ui.vanishing.charts import curves_frame, ledger_frame, ledger_heatmap

CELL_STYLES = {name: palette.series(i) for i, name in enumerate(rc.CELL_NAMES)}  # (colour, dash)
MEDIAN_DASH = [2, 2]  # the median unit of a gate's products; the best unit is solid
AXIS_LOG = "log₁₀ of the norm (1 = ×10)"
CURVE = "curve"
TIP_D = "d = T − k"
TIP_LOG = "log₁₀"
TIP_S = "loss L⁽ˢ⁾, s"
TIP_K = "through step k"
TIP_D_S = "distance s − k"
TIP_C = "C[s, k]"
AXIS_K = "step k the path reaches W at"
AXIS_S = "loss L⁽ˢ⁾ at step s"
LEGEND_C = "C[s, k] (log scale)"
# Streamlit fits a whole chart, axes and legend included, into its height: the plot gets what is left.
PLOT_HEIGHT, AXIS_HEIGHT, LEGEND_ROW, LEGEND_GRADIENT = 260, 60, 22, 70
# A gate heatmap's step axis, its title and the colour legend below the plot take HEATMAP_FRAME
# (measured in Chromium); its plot gets UNIT_HEIGHT per unit, within HEATMAP_MIN..HEATMAP_MAX.
HEATMAP_FRAME, UNIT_HEIGHT, HEATMAP_MIN, HEATMAP_MAX = 175, 8, 120, 260
STEP_AXIS = alt.Axis(tickMinStep=1, format="d")  # steps and units are whole numbers, also at T = 1


def _finite(df: pd.DataFrame, column: str) -> pd.DataFrame:
    return df[np.isfinite(df[column].to_numpy(dtype=float))]


def _style(names: list[str], colours: list[str], dashes: list[list[int]]) -> tuple[alt.Color, alt.StrokeDash]:
    """Colour and dash of each named curve, in the order of ``names``; one legend, at the bottom."""
    colour = alt.Color(
        "series:N",
        scale=alt.Scale(domain=names, range=colours),
        legend=alt.Legend(title=None, orient="bottom", labelLimit=400, symbolType="stroke", columns=1),
    )
    dash = alt.StrokeDash("series:N", scale=alt.Scale(domain=names, range=dashes), legend=None)
    return colour, dash


def _lines_chart(df: pd.DataFrame, names: list[str], colours, dashes, y_title: str) -> alt.Chart:
    """Lines of log₁₀ values against the distance d, one per series (a :func:`curves_frame` of d),
    with tooltips."""
    colour, dash = _style(names, list(colours), list(dashes))
    height = PLOT_HEIGHT + AXIS_HEIGHT + LEGEND_ROW * len(names)
    return (
        alt.Chart(df, height=height)
        .mark_line()
        .encode(
            x=alt.X("d:Q", title=say(t.AXIS_DISTANCE), axis=STEP_AXIS),  # whole steps, also at T = 1
            y=alt.Y("log10:Q", title=y_title, axis=alt.Axis(format=",~f")),
            color=colour,
            strokeDash=dash,
            tooltip=[
                alt.Tooltip("series:N", title=say(CURVE)),
                alt.Tooltip("d:Q", title=say(TIP_D)),
                alt.Tooltip("log10:Q", title=say(TIP_LOG), format=".4f"),
            ],
        )
    )


# --- 2. the exact state Jacobians ---------------------------------------------------------------


def profile_series(p: rc.StateProfiles) -> list[str]:
    """The legend's name of each cell's curve, in ``p.cells`` order."""
    return [t.cell_label(cell) for cell in p.cells]


@chart_frames
def _profile_frames(p: rc.StateProfiles):
    names = profile_series(p)
    return tuple(p.cells), (curves_frame("d", p.distances, dict(zip(names, p.log_norms))),)


@cached_chart(frames=_profile_frames)
def profile_chart(p: rc.StateProfiles) -> alt.Chart:
    """log₁₀‖∂x⁽ᵀ⁾/∂x⁽ᵀ⁻ᵈ⁾‖₂ of every cell against d; −∞ (exactly zero) and nan left out."""
    _, (df,) = _profile_frames(p)
    styles = [CELL_STYLES[c] for c in p.cells]
    return _lines_chart(df, profile_series(p), [c for c, _ in styles], [d for _, d in styles], say(AXIS_LOG))


# --- 3. the carousel ----------------------------------------------------------------------------


def carousel_series() -> list[str]:
    return [say(t.EXACT_SERIES), say(t.DIRECT_SERIES)]


@chart_frames
def _carousel_frames(c: rc.CarouselCheck):
    lines = curves_frame("d", c.distances, dict(zip(carousel_series(), (c.exact, c.direct))))
    if c.first_apart is None:
        return (False,), (lines,)
    return (True,), (lines, pd.DataFrame({"d": [c.first_apart], "what": [say(t.APART_RULE)]}))


@cached_chart(frames=_carousel_frames)
def carousel_chart(c: rc.CarouselCheck) -> alt.LayerChart:
    """The direct path log₁₀‖Πⱼ diag(f⁽ʲ⁾)‖₂ and the exact log₁₀‖∂s⁽ᵀ⁾/∂s⁽ᵀ⁻ᵈ⁾‖₂ against d, with a
    rule at the first distance where they part by more than the tolerance."""
    _, frames = _carousel_frames(c)
    lines = _lines_chart(
        frames[0],
        carousel_series(),
        [palette.MEASURED, palette.BOUND],
        [palette.SOLID, palette.BOUND_DASH],
        say(AXIS_LOG),
    )
    if c.first_apart is None:
        return alt.layer(lines)
    rule = (
        alt.Chart(frames[1])
        .mark_rule(color=palette.MARKER, strokeDash=palette.MARKER_DASH)
        .encode(
            x=alt.X("d:Q"), tooltip=[alt.Tooltip("what:N", title=""), alt.Tooltip("d:Q", title=say(TIP_D))]
        )
    )
    return alt.layer(lines, rule)


# --- 4. the gates -------------------------------------------------------------------------------


@chart_frames
def _heatmap_frames(g: rc.GateValues):
    T, H = g.values.shape
    t_idx, unit = np.indices((T, H))
    df = _finite(
        pd.DataFrame({"t": t_idx.ravel() + 1, "unit": unit.ravel() + 1, "value": g.values.ravel()}), "value"
    )
    return (T, H, g.gate), (df,)


@cached_chart(frames=_heatmap_frames)
def gate_heatmap(g: rc.GateValues) -> alt.Chart:
    """The gate at every step t (x) and unit i (y), colour 0..1; nan left out.

    The data carries t, unit and the value only; the cell edges are computed by Vega-Lite in the
    browser, which keeps T·H = 25 600 cells light to send.
    """
    T, H = g.values.shape
    _, (df,) = _heatmap_frames(g)
    name = say(t.TIP_GATE, gate=g.gate)
    edges = dict(t0="datum.t - 0.5", t1="datum.t + 0.5", u0="datum.unit - 0.5", u1="datum.unit + 0.5")
    return (
        alt.Chart(df)
        .transform_calculate(**edges)
        .mark_rect()
        .encode(
            x=alt.X(
                "t0:Q",
                title=say(t.AXIS_STEP),
                scale=alt.Scale(domain=[0.5, T + 0.5], nice=False),
                axis=STEP_AXIS,
            ),
            x2=alt.X2("t1:Q"),
            y=alt.Y(
                "u0:Q",
                title=say(t.AXIS_UNIT),
                scale=alt.Scale(domain=[0.5, H + 0.5], nice=False),
                axis=STEP_AXIS,
            ),
            y2=alt.Y2("u1:Q"),
            color=alt.Color(
                "value:Q",
                scale=alt.Scale(domain=[0.0, 1.0], scheme="viridis"),
                legend=alt.Legend(title=say(t.LEGEND_GATE, gate=g.gate)),
            ),
            tooltip=[
                alt.Tooltip("t:Q", title=say(t.TIP_STEP)),
                alt.Tooltip("unit:Q", title=say(t.TIP_UNIT)),
                alt.Tooltip("value:Q", title=name, format=".4f"),
            ],
        )
        .properties(height=heatmap_height(H))
    )


def heatmap_height(H: int) -> int:
    """The whole heatmap's height for H units: the plot's rows, the step axis and the colour legend
    below it (without the legend's share the plot itself collapses to a few pixels)."""
    return HEATMAP_FRAME + min(HEATMAP_MAX, max(HEATMAP_MIN, UNIT_HEIGHT * H))


def product_series(gates: tuple[rc.GateValues, ...]) -> list[tuple[str, str, np.ndarray]]:
    """(name, cell, values by distance) of every curve of :func:`products_chart`: each gate's best
    and median unit."""
    out = []
    for g in gates:
        cell = "lstm" if g.gate == "f" else "gru"
        label = t.cell_label(cell)
        out.append((say(t.BEST_SERIES, cell=label, letter=g.gate), cell, g.best))
        out.append((say(t.MEDIAN_SERIES, cell=label, letter=g.gate), cell, g.median))
    return out


@chart_frames
def _products_frames(forget: rc.GateValues, update: rc.GateValues):
    series = product_series((forget, update))
    return (forget.gate, update.gate), (
        curves_frame("d", forget.distances, {name: v for name, _, v in series}),
    )


@cached_chart(frames=_products_frames)
def products_chart(forget: rc.GateValues, update: rc.GateValues) -> alt.Chart:
    """log₁₀ of the product of the last d gates, for the best and the median unit of each gate."""
    series = product_series((forget, update))
    names = [name for name, _, _ in series]
    _, (df,) = _products_frames(forget, update)
    colours = [CELL_STYLES[cell][0] for _, cell, _ in series]
    dashes = [palette.SOLID if i % 2 == 0 else MEDIAN_DASH for i in range(len(series))]
    return _lines_chart(df, names, colours, dashes, say(t.AXIS_PRODUCT))


# --- 5. the ledgers -----------------------------------------------------------------------------


def shared_domain(*matrices) -> tuple[float, float] | None:
    """The smallest and largest positive finite entry over all ``matrices``: one log colour scale
    for every ledger (None when no entry is positive and finite)."""
    values = np.concatenate([np.asarray(m, dtype=float).ravel() for m in matrices])
    shown = values[np.isfinite(values) & (values > 0)]
    return (float(shown.min()), float(shown.max())) if shown.size else None


@cached_chart
def ledger_chart(C, domain: tuple[float, float] | None) -> alt.LayerChart:
    """The Vanishing page's heatmap of C[s, k] on the shared log colour scale ``domain``; exact zeros
    grey, inf/nan left out."""
    return ledger_heatmap(
        C,
        domain=domain,
        legend=dict(orient="bottom", gradientLength=140),
        height=PLOT_HEIGHT + AXIS_HEIGHT + LEGEND_GRADIENT,
    )


# The two ledgers of a new network, drawn without building them in Altair: ledger_chart's spec
# depends on the network only through its data and the shared colour domain, and building it took
# most of a rerun after a change of seed. Its spec is built once per ledger size (and language) with
# stand-ins for both, and each network's ledger fills them in: the same spec as ledger_chart's
# (tests/ui/test_gates.py compares them).
_STAND_INS = (1.2345678901234567e-123, 9.876543210987654e123)  # a domain no ledger has
_LEDGER_CHART = f"{__name__}.ledger_chart"


@cache_data(max_entries=64, show_spinner=False)
def _ledger_template(T: int, with_domain: bool, lang: str) -> dict:
    """ledger_chart's spec for a T × T ledger, with a stand-in dataset (and domain) to replace."""
    return ledger_chart(np.ones((T, T)), _STAND_INS if with_domain else None).drawable()


def _filled(template: dict, C, domain: tuple[float, float] | None) -> dict:
    (stand_in,) = template["datasets"]
    data = dataframe_util.convert_anything_to_arrow_bytes(ledger_frame(C))
    name = hashlib.md5(data, usedforsecurity=False).hexdigest()  # as chart_cache names a dataset
    swap: dict = {stand_in: name}
    if domain is not None:
        swap.update({_STAND_INS[0]: float(domain[0]), _STAND_INS[1]: float(domain[1])})

    def put(value):
        if isinstance(value, dict):
            return {key: put(v) for key, v in value.items()}
        if isinstance(value, list):
            return [put(v) for v in value]
        if isinstance(value, (str, float)) and not isinstance(value, bool):
            return swap.get(value, value)
        return value

    spec = put({key: v for key, v in template.items() if key != "datasets"})
    spec["datasets"] = {name: data}
    return spec


@cache_data(max_entries=32, show_spinner=False)
def _ledger_drawables(settings: calls.GateSettings, lang: str) -> tuple[tuple | None, tuple[dict, dict]]:
    """The two ledgers' shared colour domain and their filled specs."""
    led = calls.ledgers(settings)
    domain = shared_domain(led.rnn.C, led.lstm.C)
    return domain, tuple(
        _filled(_ledger_template(int(np.shape(C)[0]), domain is not None, lang), C, domain)
        for C in (led.rnn.C, led.lstm.C)
    )


def ledger_figures(settings: calls.GateSettings) -> tuple[ChartSpec, ChartSpec]:
    """:func:`ledger_chart` of the RNN's and the LSTM's ledger on their shared colour domain."""
    led = calls.ledgers(settings)
    domain, drawables = _ledger_drawables(settings, language())
    return tuple(
        ChartSpec((_LEDGER_CHART, (C, domain), {}), drawable)
        for C, drawable in zip((led.rnn.C, led.lstm.C), drawables)
    )
