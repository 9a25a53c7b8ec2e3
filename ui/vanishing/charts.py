"""The Vanishing & exploding page's charts: plain functions returning Altair charts, built once per
input (ui.chart_cache.cached_chart). Their titles, legends and tooltips are the templates below.

Values that are not finite are left out of a chart (its page says so); exact zeros on a log colour
scale are drawn grey (palette.ZERO).
"""

from __future__ import annotations

import functools

import altair as alt
import numpy as np
import pandas as pd

import rnn_core as rc
from ui import palette
from ui.chart_cache import cached_chart, chart_frames, language
from ui.format import pow10_plain
from ui.i18n import say
from ui.state import ACTIVATION_LABELS, INIT_LABELS

# --- labels ------------------------------------------------------------------------------------

AXIS_LOG = "log₁₀ of the norm (1 = ×10)"
AXIS_DISTANCE_T = "distance d = T − k (steps)"
AXIS_DISTANCE_S = "distance d = s − k (steps)"
CURVE = "curve"
TIP_D_T = "d = T − k"
TIP_D = "d"
TIP_LOG_NORM = "log₁₀ norm"
TIP_LOG = "log₁₀"
MEASURED = "measured ‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂"
BOUND = "bound (γ·σ_max(W))ᵈ"
LINEAR_REFERENCE = "linear-case reference ρ(W)ᵈ"

TIP_S = "loss L⁽ˢ⁾, s"
TIP_K = "through step k"
TIP_D_S = "distance s − k"
TIP_C = "C[s, k]"
AXIS_K = "step k the path reaches W at"
AXIS_S = "loss L⁽ˢ⁾ at step s"
LEGEND_C = "C[s, k] (log scale)"
TIP_G = "‖G_d‖"
TIP_SHARE = "share p_d"
AXIS_G = "‖G_d‖_F (log scale)"
AXIS_SHARE = "share p_d"

AXIS_SIGMA = "σ_max(W) (log scale)"
AXIS_ACTIVATION = "activation f"
TIP_ACTIVATION = "activation"
TIP_SIGMA = "σ_max(W)"
TIP_MAP_NORM = "log₁₀‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂, d = {d}"
TIP_STATUS = "norm"
LEGEND_MAP = "log₁₀ norm\n(blue: vanishing,\nred: exploding)"  # one title line each
BOUNDARY = "σ_max = 1/γ: below it vanishing is guaranteed"
TIP_BOUNDARY = "boundary"
TIP_GAMMA_EDGE = "1/γ"
YOUR_NETWORK = "the sidebar's network"
TIP_MARKER_NORM = "its norm at d = {d}"

KEPT = "kept ‖g_τ‖ / ‖∂L/∂W‖"
COSINE = "cosine(g_τ, ∂L/∂W)"
AXIS_TAU = "truncation length τ (steps)"
AXIS_VS_FULL = "vs. full ∂L/∂W"
TIP_TAU = "τ"
TIP_VALUE = "value"
YOUR_TAU = "your τ"

NORM_CLIPPING = "norm"
ELEMENTWISE_CLIPPING = "elementwise"
LEGEND_CLIPPING = "clipping"
AXIS_THRESHOLD = "threshold (log scale)"
TIP_METHOD = "method"
TIP_THRESHOLD = "threshold"
TIP_CLIP_COSINE = "cosine with g"
TIP_CLIPPED_NORM = "‖clipped g‖"
YOUR_THRESHOLD = "your threshold"
NORM_BEFORE = "‖g‖ (norm clipping bites left of it)"
AXIS_CLIP_COSINE = "cosine(clipped g, g)"
AXIS_CLIPPED_NORM = "‖clipped g‖ (log scale)"

LEGEND_INIT = "W initialisation"
TIP_INIT = "W init"

POWER_NORM = "‖Wⁿ‖₂"
POWER_BOUND = "σ_max(W)ⁿ (the bound)"
POWER_RHO = "ρ(W)ⁿ"
AXIS_POWER = "power n"
TIP_N = "n"
PEAK = "peak of ‖Wⁿ‖₂"

INIT_STYLES = {name: palette.series(i) for i, name in enumerate(("orthogonal", "gaussian", "identity"))}


def has_finite(values, *, positive: bool = False) -> bool:
    """Whether a chart of ``values`` would have anything to draw (with ``positive``: on a log scale)."""
    arr = np.asarray(values, dtype=float)
    ok = np.isfinite(arr) & (arr > 0) if positive else np.isfinite(arr)
    return bool(ok.any())


def _finite(df: pd.DataFrame, column: str) -> pd.DataFrame:
    return df[np.isfinite(df[column].to_numpy(dtype=float))]


def _series_style(series: dict) -> tuple[alt.Color, alt.StrokeDash]:
    """Colour and dash of each named curve, from ``series``: name → (values, colour, dash)."""
    colour = alt.Color(
        "series:N",
        scale=alt.Scale(domain=list(series), range=[c for _, c, _ in series.values()]),
        legend=alt.Legend(title=None, orient="bottom", labelLimit=400),
    )
    dash = alt.StrokeDash(
        "series:N",
        scale=alt.Scale(domain=list(series), range=[d for _, _, d in series.values()]),
        legend=None,
    )
    return colour, dash


def _marker_rule(df: pd.DataFrame, x: str, tip: alt.Tooltip) -> alt.Chart:
    """Dashed vertical rules at the reader's own settings, named in the column "what"."""
    return (
        alt.Chart(df)
        .mark_rule(color=palette.MARKER, strokeDash=palette.MARKER_DASH)
        .encode(x=alt.X(f"{x}:Q"), tooltip=[alt.Tooltip("what:N", title=""), tip])
    )


# --- 1. the Jacobian profile --------------------------------------------------------------------


def _profile_series(p: rc.JacobianProfile) -> dict:
    return {
        say(MEASURED): (p.log_norms, palette.MEASURED, palette.SOLID),
        say(BOUND): (p.bound, palette.BOUND, palette.BOUND_DASH),
        say(LINEAR_REFERENCE): (p.linear_reference, palette.REFERENCE, palette.REFERENCE_DASH),
    }


def curves_frame(x: str, xs, curves: dict, *, y: str = "log10", name: str = "series") -> pd.DataFrame:
    """One row per finite point of each curve of ``curves`` (its name → its values at ``xs``):
    columns ``x``, ``y`` and ``name``, curve after curve."""
    values = np.concatenate([np.asarray(v, dtype=float) for v in curves.values()])
    df = pd.DataFrame(
        {x: np.tile(np.asarray(xs), len(curves)), y: values, name: np.repeat(list(curves), len(xs))}
    )
    return df[np.isfinite(values)]


@chart_frames
def _profile_frames(p: rc.JacobianProfile):
    curves = {label: values for label, (values, _, _) in _profile_series(p).items()}
    return (), (curves_frame("d", p.distances, curves),)


@cached_chart(frames=_profile_frames)
def profile_chart(p: rc.JacobianProfile) -> alt.LayerChart:
    """log₁₀‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂ against d, with the bound d·log₁₀(γσ_max) and d·log₁₀ρ; inf/nan left out."""
    series = _profile_series(p)
    _, (df,) = _profile_frames(p)
    colour, dash = _series_style(series)
    base = alt.Chart().encode(  # the data on the layer (see ledger_heatmap)
        x=alt.X("d:Q", title=say(AXIS_DISTANCE_T)),
        y=alt.Y("log10:Q", title=say(AXIS_LOG), axis=alt.Axis(format=",~f")),
        color=colour,
        tooltip=[
            alt.Tooltip("series:N", title=say(CURVE)),
            alt.Tooltip("d:Q", title=say(TIP_D_T)),
            alt.Tooltip("log10:Q", title=say(TIP_LOG_NORM), format=".4f"),
        ],
    )
    lines = base.mark_line().encode(strokeDash=dash)
    points = base.transform_filter(alt.datum.series == list(series)[0]).mark_circle(size=28)
    return alt.layer(lines, points, data=df).properties(height=320)


# --- 2. the contribution ledger -----------------------------------------------------------------


LEDGER_SELECTION = "cell"  # the point selection's name: st.session_state[key].selection.cell
CHOSEN = "the term opened below"
TIP_CHOSEN = "chosen"
RING_SIZE = 200  # px² of the ring's square: about 14 px a side, a cell's height at T ≈ 20 or less


def ledger_frame(C) -> pd.DataFrame:
    """What the heatmap of C draws: one row per finite entry with k ≤ s (s, k, d = s − k, value)."""
    C = np.asarray(C, dtype=float)
    s, k = np.tril_indices(C.shape[0])  # k ≤ s: the entries that are path terms
    return _finite(pd.DataFrame({"s": s + 1, "k": k + 1, "d": s - k, "value": C[s, k]}), "value")


@chart_frames
def _contribution_frames(C):
    return (np.shape(C)[0],), (ledger_frame(C),)


@cached_chart(frames=_contribution_frames)
def contribution_chart(C) -> alt.LayerChart:
    """:func:`ledger_heatmap` of C[s, k] on its own colour domain, where a click on a cell selects
    its (s, k) (the point selection :data:`LEDGER_SELECTION`); :func:`with_ring` marks the chosen one."""
    _, (df,) = _contribution_frames(C)
    return ledger_heatmap(C, select=LEDGER_SELECTION, frame=df)


def _step_ticks(T: int) -> list[int]:
    """Ticks at whole steps 1..T, at the cells' centres (not at their edges k ± ½): 1 and the
    multiples of the first of 1, 2, 5, 10, 20, 25, 50 that leaves at most 20 of them."""
    every = next(n for n in (1, 2, 5, 10, 20, 25, 50) if T / n <= 20)
    return sorted({1, *range(every, T + 1, every)})


def ledger_heatmap(
    C,
    *,
    domain=None,
    legend: dict | None = None,
    height: int = 360,
    select: str | None = None,
    frame: pd.DataFrame | None = None,
) -> alt.LayerChart:
    """Heatmap of C[s, k] (k on x, s on y, log colour); exact zeros grey, inf/nan left out.

    ``domain`` fixes the log colour scale (so that two ledgers compare), ``legend`` adds options to
    the colour legend, ``height`` is the plot's. With ``select``, a click on any drawn cell (zeros
    included) selects its (s, k) in a point selection of that name. ``frame`` is
    :func:`ledger_frame` of C, when the caller has it already.

    The data carries s, k, d = s − k and the value only; the cell edges k ± ½, s ± ½ are computed by
    Vega-Lite in the browser, which keeps T = 200 (20 100 cells) light to send.
    """
    T = np.shape(C)[0]
    df = ledger_frame(C) if frame is None else frame
    tooltip = [
        alt.Tooltip("s:Q", title=say(TIP_S)),
        alt.Tooltip("k:Q", title=say(TIP_K)),
        alt.Tooltip("d:Q", title=say(TIP_D_S)),
        alt.Tooltip("value:Q", title=say(TIP_C), format=".3e"),
    ]
    steps = alt.Axis(values=_step_ticks(T), format="d", labelOverlap="parity")
    x = alt.X("k0:Q", title=say(AXIS_K), axis=steps, scale=alt.Scale(domain=[0.5, T + 0.5], nice=False))
    y = alt.Y(
        "s0:Q",
        title=say(AXIS_S),
        axis=steps,
        scale=alt.Scale(domain=[0.5, T + 0.5], nice=False, reverse=True),
    )
    edges = dict(k0="datum.k - 0.5", k1="datum.k + 0.5", s0="datum.s - 0.5", s1="datum.s + 0.5")
    # The data on the layer, not on each part: given to each part, Altair would lift it to the layer
    # after comparing the parts' specs, data included, through the frame's text (most of the build).
    base = (
        alt.Chart()
        .transform_calculate(**edges)
        .encode(x=x, x2=alt.X2("k1:Q"), y=y, y2=alt.Y2("s1:Q"), tooltip=tooltip)
    )
    positive = (
        base.transform_filter("datum.value > 0")
        .mark_rect()
        .encode(
            color=alt.Color(
                "value:Q",
                scale=alt.Scale(type="log", scheme="viridis", **({"domain": list(domain)} if domain else {})),
                legend=alt.Legend(title=say(LEGEND_C), format=".0e", **(legend or {})),
            )
        )
    )
    zeros = base.transform_filter("datum.value == 0").mark_rect(color=palette.ZERO)
    layers = [zeros, positive]
    if select is not None:
        # every drawn cell (zeros included), transparent on top of them, takes the click; the same
        # data as the cells, so nothing more is sent (inf/nan cells are not drawn: the inputs open them)
        pick = alt.selection_point(name=select, fields=["s", "k"], on="click", toggle=False, clear=False)
        layers.append(base.mark_rect(color="transparent").add_params(pick))
    return alt.layer(*layers, data=df).properties(height=height)


def _ring(T: int, chosen: tuple[int, int]) -> alt.LayerChart:
    """A square ring around cell ``chosen`` = (s, k) of a T × T ledger: black on a white halo, so
    that it reads on every colour of the scale (a shape, not a colour)."""
    s_chosen, k_chosen = chosen
    here = alt.InlineData(values=[{"s": s_chosen, "k": k_chosen, "what": say(CHOSEN)}])
    axis = dict(domain=[0.5, T + 0.5], nice=False)
    ring = alt.Chart(here).encode(
        x=alt.X("k:Q", title=say(AXIS_K), scale=alt.Scale(**axis)),
        y=alt.Y("s:Q", title=say(AXIS_S), scale=alt.Scale(**axis, reverse=True)),
        tooltip=[
            alt.Tooltip("what:N", title=say(TIP_CHOSEN)),
            alt.Tooltip("s:Q", title=say(TIP_S)),
            alt.Tooltip("k:Q", title=say(TIP_K)),
        ],
    )
    return alt.layer(
        ring.mark_point(shape="square", size=RING_SIZE, filled=False, color="white", strokeWidth=5),
        ring.mark_point(shape="square", size=RING_SIZE, filled=False, color=palette.MARKER, strokeWidth=2),
    )


@functools.lru_cache(maxsize=256)
def _ring_layers(T: int, chosen: tuple[int, int], language: str) -> tuple[dict, ...]:
    """The ring's two layers as spec dicts, each with its one inline row (Altair hoists shared data)."""
    out = _ring(T, chosen).to_dict(validate=False)
    data = out["data"]
    if "name" in data:  # Altair moved the inline row to the top-level datasets: put it back inline
        data = {"values": out["datasets"][data["name"]]}
    return tuple({**layer, "data": data} for layer in out["layer"])


def with_ring(spec: dict, T: int, chosen: tuple[int, int]) -> dict:
    """The drawable spec of :func:`contribution_chart` with a ring around ``chosen`` = (s, k), put
    under the click layer. The heatmap's spec stays cached as it is: moving the ring sends two
    small layers with one inline row, not the T(T+1)/2 cells again."""
    ring = [dict(layer) for layer in _ring_layers(T, tuple(chosen), language())]
    layers = spec["layer"]
    return {**spec, "layer": [*layers[:-1], *ring, layers[-1]]}


@chart_frames
def _distance_frames(split: rc.DistanceSplit):
    df = pd.DataFrame({"d": np.arange(split.norms.size), "norm": split.norms, "share": split.shares})
    return (split.norms.size,), (df[np.isfinite(df["norm"]) & (df["norm"] > 0)], _finite(df, "share"))


@cached_chart(frames=_distance_frames)
def distance_chart(split: rc.DistanceSplit) -> alt.VConcatChart:
    """‖G_d‖ (log scale) and the share p_d of ∂L/∂W carried by each distance d = s − k."""
    _, (positive, finite) = _distance_frames(split)
    tooltip = [
        alt.Tooltip("d:Q", title=say(TIP_D_S)),
        alt.Tooltip("norm:Q", title=say(TIP_G), format=".3e"),
        alt.Tooltip("share:Q", title=say(TIP_SHARE), format=".4f"),
    ]
    T = split.norms.size
    x = alt.X(
        "d:Q",
        title=say(AXIS_DISTANCE_S),
        scale=alt.Scale(domain=[-0.5, max(T - 0.5, 1.5)], nice=False, zero=False),
    )
    norms = (
        alt.Chart(positive)
        .mark_line(point=True, color=palette.MEASURED)
        .encode(x=x, y=alt.Y("norm:Q", title=say(AXIS_G), scale=alt.Scale(type="log")), tooltip=tooltip)
        .properties(height=200)
    )
    shares = (
        alt.Chart(finite)
        .mark_bar(color=palette.BOUND)
        .encode(x=x, y=alt.Y("share:Q", title=say(AXIS_SHARE)), tooltip=tooltip)
        .properties(height=200)
    )
    return alt.vconcat(norms, shares)


MAP_HEIGHT = 420  # px, the regime map's whole chart: its five rows get about 40 px each

# --- 3. the regime map --------------------------------------------------------------------------


@chart_frames
def _regime_frames(
    rmap: rc.RegimeMap, edges, current_sigma: float, current_activation: str, current_value: float
):
    """The map's finite cells, its other cells, the 1/γ ticks and the marker; the shape is what
    sets the axes and the tooltips' titles."""
    labels = [ACTIVATION_LABELS[a] for a in rmap.activations]
    n_act, n_sigma = len(labels), len(rmap.sigmas)
    edges = np.asarray(edges, dtype=float)
    values = np.asarray(rmap.log_norms, dtype=float).reshape(-1)  # activation after activation
    # a cell's status: "finite", or its non-finite value in words (10^(−inf), …), for its tooltip
    status = np.full(values.size, "finite", dtype=object)
    other = ~np.isfinite(values)
    status[other] = [pow10_plain(v) for v in values[other]]
    df = pd.DataFrame(
        {
            "activation": np.repeat(labels, n_sigma),
            "sigma": np.tile(np.asarray(rmap.sigmas, dtype=float), n_act),
            "lo": np.tile(edges[:-1], n_act),
            "hi": np.tile(edges[1:], n_act),
            "value": values,
            "status": status,
        }
    )
    bounds = pd.DataFrame(
        {
            "activation": labels,
            "boundary": [1.0 / rc.ACTIVATIONS[a].gamma for a in rmap.activations],
            "what": say(BOUNDARY),
        }
    )
    here = pd.DataFrame(
        {
            "activation": [ACTIVATION_LABELS[current_activation]],
            "sigma": [current_sigma],
            "norm": [pow10_plain(current_value)],  # text: the value may be −inf (no JSON number)
            "what": [say(YOUR_NETWORK)],
        }
    )
    finite = df["status"] == "finite"
    shape = (tuple(rmap.activations), float(edges[0]), float(edges[-1]), rmap.distance)
    return shape, (df[finite], df[~finite], bounds, here)


@cached_chart(frames=_regime_frames)
def regime_map_chart(
    rmap: rc.RegimeMap, edges, current_sigma: float, current_activation: str, current_value: float
) -> alt.LayerChart:
    """σ_max(W) (log scale) × activation, colour = log₁₀‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂; the 1/γ boundary as ticks;
    the sidebar's network as a marker; exact zeros and nan grey."""
    labels = [ACTIVATION_LABELS[a] for a in rmap.activations]
    _, (finite_cells, other_cells, bounds, here) = _regime_frames(
        rmap, edges, current_sigma, current_activation, current_value
    )
    x = alt.X(
        "lo:Q",
        title=say(AXIS_SIGMA),
        scale=alt.Scale(type="log", domain=[float(edges[0]), float(edges[-1])], nice=False),
    )
    y = alt.Y("activation:N", title=say(AXIS_ACTIVATION), sort=labels)
    tooltip = [
        alt.Tooltip("activation:N", title=say(TIP_ACTIVATION)),
        alt.Tooltip("sigma:Q", title=say(TIP_SIGMA), format=".3f"),
        alt.Tooltip("value:Q", title=say(TIP_MAP_NORM, d=rmap.distance), format=".3f"),
    ]
    cells = (
        alt.Chart(finite_cells)
        .mark_rect()
        .encode(
            x=x,
            x2=alt.X2("hi:Q"),
            y=y,
            color=alt.Color(
                "value:Q",
                scale=alt.Scale(scheme="redblue", reverse=True, domainMid=0),
                # 150 px long: with every row's label shown, the default 200 ran past a phone's width
                legend=alt.Legend(title=say(LEGEND_MAP).split("\n"), gradientLength=150),
            ),
            tooltip=tooltip,
        )
    )
    other = (
        alt.Chart(other_cells)
        .mark_rect(color=palette.ZERO)
        .encode(
            x=x,
            x2=alt.X2("hi:Q"),
            y=y,
            tooltip=[tooltip[0], tooltip[1], alt.Tooltip("status:N", title=say(TIP_STATUS))],
        )
    )
    ticks = (
        alt.Chart(bounds)
        .mark_tick(color=palette.MARKER, thickness=3, bandSize=1)
        .encode(
            x=alt.X("boundary:Q", scale=alt.Scale(type="log")),
            y=y,
            tooltip=[
                tooltip[0],
                alt.Tooltip("boundary:Q", title=say(TIP_GAMMA_EDGE), format="g"),
                alt.Tooltip("what:N", title=say(TIP_BOUNDARY)),
            ],
        )
    )
    marker = (
        alt.Chart(here)
        .mark_point(
            shape="diamond", size=160, filled=True, color=palette.MARKER, stroke="white", strokeWidth=1
        )
        .encode(
            x=alt.X("sigma:Q", scale=alt.Scale(type="log")),
            y=y,
            tooltip=[
                alt.Tooltip("what:N", title=""),
                tooltip[0],
                tooltip[1],
                alt.Tooltip("norm:N", title=say(TIP_MARKER_NORM, d=rmap.distance)),
            ],
        )
    )
    # the height Streamlit fits the whole chart into, legend and axis included: the legend below
    # takes about 150 px, which at 260 left the five rows 10 px each and hid three of their labels
    return alt.layer(cells, other, ticks, marker).properties(height=MAP_HEIGHT)


# --- 4. remedies --------------------------------------------------------------------------------


@chart_frames
def _truncation_frames(split: rc.DistanceSplit, tau: int):
    T = split.kept.size
    curves = curves_frame(
        "tau", np.arange(1, T + 1), {say(KEPT): split.kept, say(COSINE): split.cosine}, y="value"
    )
    return (T,), (curves, pd.DataFrame({"tau": [tau], "what": [say(YOUR_TAU)]}))


@cached_chart(frames=_truncation_frames)
def truncation_chart(split: rc.DistanceSplit, tau: int) -> alt.LayerChart:
    """What truncated BPTT of length τ keeps, for every τ: ‖g_τ‖/‖∂L/∂W‖ and cos(g_τ, ∂L/∂W)."""
    T = split.kept.size
    names = (say(KEPT), say(COSINE))
    _, (curves, mark) = _truncation_frames(split, tau)
    lines = (
        alt.Chart(curves)
        .mark_line(point=T <= 60)
        .encode(
            x=alt.X("tau:Q", title=say(AXIS_TAU), scale=alt.Scale(domain=[1, max(T, 2)], nice=False)),
            y=alt.Y("value:Q", title=say(AXIS_VS_FULL)),
            color=alt.Color(
                "series:N",
                scale=alt.Scale(domain=list(names), range=[palette.MEASURED, palette.BOUND]),
                legend=alt.Legend(title=None, orient="bottom", labelLimit=400),
            ),
            tooltip=[
                alt.Tooltip("tau:Q", title=say(TIP_TAU)),
                alt.Tooltip("series:N", title=say(CURVE)),
                alt.Tooltip("value:Q", title=say(TIP_VALUE), format=".6f"),
            ],
        )
    )
    rule = _marker_rule(mark, "tau", alt.Tooltip("tau:Q", title=say(TIP_TAU)))
    return alt.layer(lines, rule).properties(height=280)


@chart_frames
def _clipping_frames(sweep: rc.ClipSweep, threshold: float, norm_before: float):
    """The cosines, the positive clipped norms, and the marked thresholds (the reader's, and ‖g‖
    when it is a positive number)."""
    names = (say(NORM_CLIPPING), say(ELEMENTWISE_CLIPPING))
    df = pd.concat(
        [
            pd.DataFrame({"theta": sweep.thresholds, "cosine": cos, "after": after, "method": name})
            for name, cos, after in zip(
                names,
                (sweep.norm_cosine, sweep.elementwise_cosine),
                (sweep.norm_after, sweep.elementwise_after),
            )
        ]
    )
    marks = pd.DataFrame({"theta": [threshold], "what": [say(YOUR_THRESHOLD)]})
    if np.isfinite(norm_before) and norm_before > 0:
        marks = pd.concat([marks, pd.DataFrame({"theta": [norm_before], "what": [say(NORM_BEFORE)]})])
    pos = df[np.isfinite(df["after"].to_numpy(dtype=float)) & (df["after"] > 0)]
    return (), (_finite(df, "cosine"), pos, marks)


@cached_chart(frames=_clipping_frames)
def clipping_charts(
    sweep: rc.ClipSweep, threshold: float, norm_before: float
) -> tuple[alt.LayerChart, alt.LayerChart]:
    """Over every threshold: the cosine between clipped and original gradient, and ‖clipped g‖."""
    names = (say(NORM_CLIPPING), say(ELEMENTWISE_CLIPPING))
    _, (cosines, pos, marks) = _clipping_frames(sweep, threshold, norm_before)
    x = alt.X("theta:Q", title=say(AXIS_THRESHOLD), scale=alt.Scale(type="log"))
    colour = alt.Color(
        "method:N",
        scale=alt.Scale(domain=list(names), range=[palette.MEASURED, palette.BOUND]),
        # short labels under a title: the two charts share a row, each half a column in its section
        legend=alt.Legend(title=say(LEGEND_CLIPPING), orient="bottom", labelLimit=400),
    )
    tooltip = [
        alt.Tooltip("method:N", title=say(TIP_METHOD)),
        alt.Tooltip("theta:Q", title=say(TIP_THRESHOLD), format="g"),
        alt.Tooltip("cosine:Q", title=say(TIP_CLIP_COSINE), format=".6f"),
        alt.Tooltip("after:Q", title=say(TIP_CLIPPED_NORM), format=".3e"),
    ]
    rules = _marker_rule(marks, "theta", alt.Tooltip("theta:Q", title=say(TIP_THRESHOLD), format=".3g"))
    cos = (
        alt.Chart(cosines)
        .mark_line(point=True)
        .encode(x=x, y=alt.Y("cosine:Q", title=say(AXIS_CLIP_COSINE)), color=colour, tooltip=tooltip)
    )
    norm = (
        alt.Chart(pos)
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("after:Q", title=say(AXIS_CLIPPED_NORM), scale=alt.Scale(type="log")),
            color=colour,
            tooltip=tooltip,
        )
    )
    # two charts, not a vconcat: Streamlit cannot fit a vconcat of layers to the page's width
    return alt.layer(cos, rules).properties(height=340), alt.layer(norm, rules).properties(height=340)


@chart_frames
def _init_frames(profiles: dict[str, rc.JacobianProfile]):
    first = next(iter(profiles.values()))  # every profile has the same distances 0..T
    lines = {INIT_LABELS[name]: p.log_norms for name, p in profiles.items()}
    bound = curves_frame("d", first.distances, {say(BOUND): first.bound}, name="what")
    return tuple(profiles), (curves_frame("d", first.distances, lines, name="init"), bound)


@cached_chart(frames=_init_frames)
def init_chart(profiles: dict[str, rc.JacobianProfile]) -> alt.LayerChart:
    """The Jacobian profile of the initial network under each W initialisation, with the shared bound."""
    _, (df, bound) = _init_frames(profiles)
    names = [INIT_LABELS[n] for n in profiles]
    lines = (
        alt.Chart(df)
        .mark_line()
        .encode(
            x=alt.X("d:Q", title=say(AXIS_DISTANCE_T)),
            y=alt.Y("log10:Q", title=say(AXIS_LOG), axis=alt.Axis(format=",~f")),
            color=alt.Color(
                "init:N",
                scale=alt.Scale(domain=names, range=[INIT_STYLES[n][0] for n in profiles]),
                legend=alt.Legend(title=say(LEGEND_INIT), orient="bottom", symbolType="stroke"),
            ),
            strokeDash=alt.StrokeDash(
                "init:N",
                scale=alt.Scale(domain=names, range=[INIT_STYLES[n][1] for n in profiles]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("init:N", title=say(TIP_INIT)),
                alt.Tooltip("d:Q", title=say(TIP_D)),
                alt.Tooltip("log10:Q", title=say(TIP_LOG_NORM), format=".4f"),
            ],
        )
    )
    rule = (
        alt.Chart(bound)
        .mark_line(color=palette.BOUND, strokeDash=palette.BOUND_DASH)
        .encode(
            x=alt.X("d:Q"),
            y=alt.Y("log10:Q"),
            tooltip=[alt.Tooltip("what:N", title=""), alt.Tooltip("log10:Q", format=".4f")],
        )
    )
    return alt.layer(rule, lines).properties(height=300)


# --- 5. a non-normal W ---------------------------------------------------------------------------


@cached_chart
def power_chart(pp: rc.PowerProfile) -> alt.LayerChart:
    """log₁₀‖Wⁿ‖₂ against n·log₁₀ρ and n·log₁₀σ_max; the σ_max line is cut a few decades above the peak."""
    series = {
        say(POWER_NORM): (pp.log_norms, palette.MEASURED, palette.SOLID),
        say(POWER_BOUND): (pp.sigma_line, palette.BOUND, palette.BOUND_DASH),
        say(POWER_RHO): (pp.rho_line, palette.REFERENCE, palette.REFERENCE_DASH),
    }
    df = curves_frame("n", pp.n, {label: values for label, (values, _, _) in series.items()})
    top = pp.peak_log_norm + 1.5
    low = float(df["log10"].min())
    colour, dash = _series_style(series)
    tip_log = alt.Tooltip("log10:Q", title=say(TIP_LOG), format=".4f")
    base = alt.Chart(df).encode(
        x=alt.X("n:Q", title=say(AXIS_POWER)),
        y=alt.Y("log10:Q", title=say(AXIS_LOG), scale=alt.Scale(domain=[low, top], nice=False)),
        color=colour,
        strokeDash=dash,
        tooltip=[alt.Tooltip("series:N", title=say(CURVE)), alt.Tooltip("n:Q", title=say(TIP_N)), tip_log],
    )
    peak = pd.DataFrame({"n": [pp.peak_n], "log10": [pp.peak_log_norm], "what": [say(PEAK)]})
    dot = (
        alt.Chart(peak)
        .mark_point(shape="diamond", size=140, filled=True, color=palette.MARKER)
        .encode(x="n:Q", y="log10:Q", tooltip=[alt.Tooltip("what:N", title=""), "n:Q", tip_log])
    )
    return alt.layer(base.mark_line(point=True, clip=True), dot).properties(height=300)
