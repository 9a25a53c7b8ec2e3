"""The Bug lab's heatmaps: the gradient check entry by entry and step by step (plain functions
returning Altair charts, built once per input by ui.chart_cache.cached_chart).

Both colour an error on one diverging log scale: blue below the tolerance (agrees), red above it
(disagrees), from 10⁻¹² to 1; errors of exactly 0 are drawn at 10⁻¹², values that are not numbers
black, entries not checked grey (palette.ZERO).
"""

from __future__ import annotations

import functools

import altair as alt
import numpy as np
import pandas as pd

from ui import palette
from ui.bug_lab.bugs import PARAMS, GradientCheck
from ui.chart_cache import cached_chart, chart_frames
from ui.i18n import say

FLOOR = 1e-12  # errors below this are drawn as this
GAP = 1.0  # the space between blocks of the entry heatmap, in cells
CELL_PX = 20  # the height of a row of cells, capped by MAX_HEIGHT
STEP_ROW_PX = 30
# Streamlit fits a chart to its height including axes and legends: room for them, in pixels
AXIS_PX = 60
LEGEND_PX = 110
MAX_HEIGHT = 720
MIN_HEIGHT = 160

LEGEND_ERROR = "error (log scale)"
TIP_ENTRY = "entry"
TIP_ERROR = "error"
TIP_VARIANT = "variant's ∂L/∂θ"
TIP_REFERENCE = "reference"
TIP_STATUS = "verdict"
TIP_STEP = "step t"
TIP_ROW = "gradient"
AXIS_STEP = "step t of the backward sweep"
ROW_SEQ = "∂L/∂{name} · seq. {n}"
ROW = "∂L/∂{name}"
BLOCK = "∂L/∂{name}"
AGREES = "agrees"
DISAGREES = "disagrees"
NOT_A_NUMBER = "not a number"
NOT_CHECKED = "not checked"
STATUS_LEGEND = "cells without an error"


def error_scale(tolerance: float) -> alt.Scale:
    """The diverging log scale: blue up to the tolerance, red beyond it."""
    return alt.Scale(
        type="log",
        domain=[FLOOR, tolerance, 1.0],
        range=[palette.BLUE, palette.STATE_FILL, palette.VERMILLION],
        clamp=True,
    )


def _status(errors: np.ndarray, checked: np.ndarray, tolerance: float) -> np.ndarray:
    out = np.where(errors <= tolerance, say(AGREES), say(DISAGREES)).astype(object)
    out[np.isnan(errors)] = say(NOT_A_NUMBER)
    out[~checked] = say(NOT_CHECKED)
    return out


def block_origins(H: int, D: int, K: int) -> dict[str, tuple[float, float]]:
    """Where each gradient's block starts (x, y in cells): W, U and b side by side on H rows, as in
    a⁽ᵗ⁾ = b + Wh⁽ᵗ⁻¹⁾ + Ux⁽ᵗ⁾; V and c below them on K rows, as in o⁽ᵗ⁾ = c + Vh⁽ᵗ⁾."""
    return {
        "W": (0.0, 0.0),
        "U": (H + GAP, 0.0),
        "b": (H + GAP + D + GAP, 0.0),
        "V": (0.0, H + 2 * GAP),
        "c": (H + GAP, H + 2 * GAP),
    }


@functools.lru_cache(maxsize=64)
def entry_labels(name: str, shape: tuple[int, ...]) -> tuple[str, ...]:
    """The label of every entry of a gradient of ``shape``, row by row, counted from 1: W[1, 2], b[3]."""
    if len(shape) == 1:
        return tuple(f"{name}[{i}]" for i in range(1, shape[0] + 1))
    cols = [f", {j}]" for j in range(1, shape[1] + 1)]
    return tuple(f"{name}[{i}{col}" for i in range(1, shape[0] + 1) for col in cols)


def entry_frame(check: GradientCheck) -> pd.DataFrame:
    """One row per entry of every gradient: its cell, label, values, error and verdict."""
    H, D = check.entry("U").grad.shape
    K = check.entry("c").grad.shape[0]
    origins = block_origins(H, D, K)
    frames = []
    for e in check.entries:
        grid = e.grad.reshape(e.grad.shape[0], -1)  # b and c as columns
        rows, cols = np.indices(grid.shape)
        x0, y0 = origins[e.name]
        errors = e.errors.ravel()
        labels = list(entry_labels(e.name, e.grad.shape))
        frames.append(
            pd.DataFrame(
                {
                    "entry": labels,
                    "x": x0 + cols.ravel(),
                    "y": y0 + rows.ravel(),
                    "error": errors,
                    "shown": np.clip(np.nan_to_num(errors, nan=FLOOR), FLOOR, 1.0),
                    "grad": e.grad.ravel(),
                    "reference": e.reference.ravel(),
                    "status": _status(errors, e.checked.ravel(), check.verdict.tolerance),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _statuses(df: pd.DataFrame) -> tuple[str, ...]:
    """Which of the statuses without an error (not a number, not checked) the cells have: their
    layer and legend are drawn when there is any."""
    present = set(df["status"])
    return tuple(d for d in (say(NOT_A_NUMBER), say(NOT_CHECKED)) if d in present)


def _height(rows: float) -> int:
    return int(min(MAX_HEIGHT, max(MIN_HEIGHT, CELL_PX * rows)))


def _status_layer(base: alt.Chart, shown: tuple[str, ...]) -> alt.Chart:
    """Cells without an error to colour: not a number (black), not checked (grey); the legend lists
    those ``shown`` (:func:`_statuses`)."""
    domain = [say(NOT_A_NUMBER), say(NOT_CHECKED)]
    return (
        base.transform_filter(alt.FieldOneOfPredicate(field="status", oneOf=domain))
        .mark_rect()
        .encode(
            color=alt.Color(
                "status:N",
                scale=alt.Scale(domain=domain, range=[palette.BLACK, palette.ZERO]),
                legend=alt.Legend(title=say(STATUS_LEGEND), orient="bottom", values=list(shown)),
            )
        )
    )


def _error_layer(base: alt.Chart, tolerance: float) -> alt.Chart:
    domain = [say(NOT_A_NUMBER), say(NOT_CHECKED)]
    return (
        base.transform_filter(~alt.FieldOneOfPredicate(field="status", oneOf=domain))
        .mark_rect()
        .encode(
            color=alt.Color(
                "shown:Q",
                scale=error_scale(tolerance),
                legend=alt.Legend(
                    title=say(LEGEND_ERROR),
                    orient="bottom",
                    format=".0e",
                    values=[FLOOR, 1e-8, tolerance, 1e-2, 1],
                ),
            )
        )
    )


@chart_frames
def _entries_frames(check: GradientCheck):
    """The entries and the blocks' titles; the shape: the sizes, the tolerance, the statuses."""
    df = entry_frame(check)
    H, D = check.entry("U").grad.shape
    K = check.entry("c").grad.shape[0]
    titles = pd.DataFrame(
        [
            {"label": say(BLOCK, name=name), "x": ox, "y": oy - 0.25}
            for name, (ox, oy) in block_origins(H, D, K).items()
        ]
    )
    return (H, D, K, check.verdict.tolerance, _statuses(df)), (df, titles)


@cached_chart(frames=_entries_frames)
def entries_chart(check: GradientCheck) -> alt.LayerChart:
    """Every entry of ∂L/∂U, ∂L/∂W, ∂L/∂V, ∂L/∂b, ∂L/∂c, coloured by its error against the
    reference; blocks laid out as the model uses them (:func:`block_origins`), each titled."""
    (H, D, K, _, shown), (df, titles) = _entries_frames(check)
    width_cells, height_cells = H + GAP + D + GAP + 1 + 2 * GAP, H + 2 * GAP + K
    x_scale = alt.Scale(domain=[0, width_cells], nice=False)
    y_scale = alt.Scale(domain=[-GAP * 1.4, height_cells], nice=False, reverse=True)
    x = alt.X("x0:Q", axis=None, scale=x_scale)
    y = alt.Y("y0:Q", axis=None, scale=y_scale)
    tooltip = [
        alt.Tooltip("entry:N", title=say(TIP_ENTRY)),
        alt.Tooltip("status:N", title=say(TIP_STATUS)),
        alt.Tooltip("error:Q", title=say(TIP_ERROR), format=".2e"),
        alt.Tooltip("grad:Q", title=say(TIP_VARIANT), format=".4e"),
        alt.Tooltip("reference:Q", title=say(TIP_REFERENCE), format=".4e"),
    ]
    base = (
        alt.Chart(df)
        .transform_calculate(x0="datum.x", x1="datum.x + 1", y0="datum.y", y1="datum.y + 1")
        .encode(x=x, x2=alt.X2("x1:Q"), y=y, y2=alt.Y2("y1:Q"), tooltip=tooltip)
    )
    labels = (
        alt.Chart(titles)
        .mark_text(align="left", baseline="bottom", fontSize=13, fontWeight="bold", color=palette.TEXT)
        .encode(
            x=alt.X("x:Q", scale=x_scale, axis=None),
            y=alt.Y("y:Q", scale=y_scale, axis=None),
            text=alt.Text("label:N"),
        )
    )
    layers = [_error_layer(base, check.verdict.tolerance), labels]
    if shown:
        layers.insert(1, _status_layer(base, shown))
    chart = alt.layer(*layers).resolve_scale(color="independent")
    return chart.properties(height=_height(height_cells + 2) + LEGEND_PX)


def step_frame(check: GradientCheck) -> pd.DataFrame:
    """One row per sequence, gradient and step t: the relative error of that step's term."""
    B, P, T = check.step_errors.shape
    labels = [
        say(ROW, name=name) if B == 1 else say(ROW_SEQ, name=name, n=n + 1)
        for n in range(B)
        for name in PARAMS
    ]
    df = pd.DataFrame(  # sequence after sequence, gradient after gradient, step after step
        {
            "row": np.repeat(labels, T),
            "order": np.repeat(np.arange(B * P), T),
            "t": np.tile(np.arange(1, T + 1), B * P),
            "error": np.asarray(check.step_errors, dtype=float).reshape(-1),
        }
    )
    df["shown"] = np.clip(np.nan_to_num(df["error"].to_numpy(), nan=FLOOR), FLOOR, 1.0)
    ok = np.ones(len(df), dtype=bool)
    df["status"] = _status(df["error"].to_numpy(), ok, check.verdict.tolerance)
    return df


@chart_frames
def _steps_frames(check: GradientCheck):
    """The steps' errors; the shape: T, the rows' labels, the tolerance, the statuses."""
    df = step_frame(check)
    labels = tuple(dict.fromkeys(df.sort_values("order")["row"]))
    return (check.step_errors.shape[2], labels, check.verdict.tolerance, _statuses(df)), (df,)


@cached_chart(frames=_steps_frames)
def steps_chart(check: GradientCheck) -> alt.LayerChart:
    """Step t (x) × gradient (y, per sequence when B > 1): the error of step t's term."""
    (T, labels, _, shown), (df,) = _steps_frames(check)
    x = alt.X(
        "t0:Q",
        title=say(AXIS_STEP),
        scale=alt.Scale(domain=[0.5, T + 0.5], nice=False),
        axis=alt.Axis(tickMinStep=1, format="d"),
    )
    # one band per row, labelled by its name: a quantitative axis with a tick at each band's middle
    names = "[" + ", ".join(f"'{label}'" for label in labels) + "]"
    y = alt.Y(
        "r0:Q",
        title=None,
        scale=alt.Scale(domain=[0, len(labels)], nice=False, reverse=True),
        axis=alt.Axis(
            values=[i + 0.5 for i in range(len(labels))],
            labelExpr=f"{names}[floor(datum.value)]",
            grid=False,
            ticks=False,
            labelLimit=200,
            labelOverlap=False,
        ),
    )
    tooltip = [
        alt.Tooltip("row:N", title=say(TIP_ROW)),
        alt.Tooltip("t:Q", title=say(TIP_STEP)),
        alt.Tooltip("status:N", title=say(TIP_STATUS)),
        alt.Tooltip("error:Q", title=say(TIP_ERROR), format=".2e"),
    ]
    base = (
        alt.Chart(df)
        .transform_calculate(t0="datum.t - 0.5", t1="datum.t + 0.5", r0="datum.order", r1="datum.order + 1")
        .encode(x=x, x2=alt.X2("t1:Q"), y=y, y2=alt.Y2("r1:Q"), tooltip=tooltip)
    )
    layers = [_error_layer(base, check.verdict.tolerance)]
    if shown:
        layers.append(_status_layer(base, shown))
    chart = alt.layer(*layers).resolve_scale(color="independent")
    return chart.properties(height=STEP_ROW_PX * len(labels) + AXIS_PX + LEGEND_PX)
