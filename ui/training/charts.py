"""The Training lab's charts: plain functions returning Altair charts of the compared runs' histories.

Colour tells the runs apart (ui.palette's series); every y axis is a log scale, so values that are
not positive are left out of a chart and said so (:func:`positive_part`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

import rnn_core as rc
from ui import palette
from ui.chart_cache import ChartSpec, cached_chart
from ui.i18n import say
from ui.notices import explain_nonfinite
from ui.state import ACTIVATION_LABELS
from ui.training import calls, text
from ui.training.calls import RunRecord
from ui.training.tables import history_frame

CHART_NAMES = ("loss", "grad_norm", "share", "sigma")
COLUMN_OF = {"loss": "loss", "grad_norm": "grad_norm", "share": "long_range_share", "sigma": "sigma_max"}
LINE_WIDTH = 1.5


LOG_PAD = 1.25  # a fitted log axis reaches this factor beyond the data at each end


def _step_x() -> alt.X:
    """The step axis: integer ticks only (tickMinStep 1), counted from 1."""
    return alt.X("step:Q", title=say(text.AXIS["step"]), axis=alt.Axis(format="d", tickMinStep=1))


def fitted_domain(*columns) -> list[float] | None:
    """A log axis' domain fitted to the positive finite values of ``columns`` (padded by LOG_PAD), so
    that a run whose loss moves little is not squashed into one decade's corner; None without values."""
    values = (
        np.concatenate([np.asarray(c, dtype=float).ravel() for c in columns]) if columns else np.array([])
    )
    values = values[np.isfinite(values) & (values > 0)]
    if not values.size:
        return None
    return [float(values.min()) / LOG_PAD, float(values.max()) * LOG_PAD]


def _log_y(field: str, axis: str, fmt: str = "~e", domain: list[float] | None = None) -> alt.Y:
    scale = alt.Scale(type="log") if domain is None else alt.Scale(type="log", domain=domain, nice=False)
    return alt.Y(f"{field}:Q", title=say(text.AXIS[axis]), scale=scale, axis=alt.Axis(format=fmt))


def _tip(field: str, name: str, fmt: str | None = None) -> alt.Tooltip:
    return alt.Tooltip(field, title=say(text.TIP[name]), **({"format": fmt} if fmt else {}))


def runs_frame(runs: Sequence[RunRecord], labels: Sequence[str]) -> pd.DataFrame:
    """The histories of ``runs`` in one long table: a "run" column (its label) and every history key."""
    frames = [history_frame(record).assign(run=label) for record, label in zip(runs, labels)]
    if not frames:
        return pd.DataFrame(columns=["run", *rc.HISTORY_KEYS])
    return pd.concat(frames, ignore_index=True)


def positive_part(frame: pd.DataFrame, column: str) -> tuple[pd.DataFrame, str | None]:
    """The rows whose ``column`` can go on a log scale (finite, > 0), and a sentence on the others."""
    what = say(text.VALUE_NAMES[column])
    values = frame[column].to_numpy(dtype=float)
    keep = np.isfinite(values) & (values > 0)
    # a step whose loss is not a number stopped the run before its gradient: its other values were
    # never computed (nan), not overflowed
    stopped = None if column == "loss" else ~np.isfinite(frame["loss"].to_numpy(dtype=float))
    notes = [explain_nonfinite(values, what, not_computed=stopped)]
    zeros = int((values == 0).sum())
    if zeros:
        notes.append(say(text.ZEROS_LEFT_OUT, what=what, n=zeros))
    note = " ".join(n for n in notes if n)
    return frame[keep], note or None


def _color(order: Sequence[str]) -> alt.Color:
    return alt.Color(
        "run:N",
        title=say(text.TIP["run"]),
        scale=alt.Scale(domain=list(order), range=list(palette.SERIES[: len(order)])),
        legend=alt.Legend(orient="bottom"),
    )


def _tooltips(*extra: alt.Tooltip) -> list[alt.Tooltip]:
    return [_tip("run:N", "run"), _tip("step:Q", "step"), *extra]


@cached_chart
def loss_chart(
    frame: pd.DataFrame, baselines: pd.DataFrame, references: pd.DataFrame, order: Sequence[str]
) -> alt.LayerChart:
    """L/B against the step (log scale fitted to the data), one line per run, each run's baseline as a
    dashed rule in its colour, and the half-information reference as a dotted grey rule with its label.

    ``frame`` from :func:`runs_frame` (filtered to positive losses); ``baselines`` has columns run
    and baseline (the constant-predictor loss per sequence, averaged over the run's batches);
    ``references`` columns label and reference (one row, or none when no run has a reference).
    """
    color = _color(order)
    shown_baselines = baselines[
        baselines["baseline"] > 0
    ]  # B = 1: a baseline of 0 has no place on a log scale
    domain = fitted_domain(frame["loss"], shown_baselines["baseline"], references["reference"])
    y = _log_y("loss", "loss", domain=domain)
    lines = (
        alt.Chart(frame)
        .mark_line(strokeWidth=LINE_WIDTH, clip=True)
        .encode(
            x=_step_x(),
            y=y,
            color=color,
            tooltip=_tooltips(
                _tip("loss:Q", "loss", ".4g"),
                _tip("baseline:Q", "batch_baseline", ".4g"),
            ),
        )
    )
    rules = (
        alt.Chart(shown_baselines)
        .mark_rule(strokeDash=palette.BOUND_DASH, strokeWidth=LINE_WIDTH)
        .encode(
            y=alt.Y("baseline:Q"),
            color=color,
            tooltip=[_tip("run:N", "run"), _tip("baseline:Q", "baseline", ".4g")],
        )
    )
    reference = alt.Chart(references).encode(
        y=alt.Y("reference:Q"), tooltip=[_tip("reference:Q", "reference", ".4g")]
    )
    reference_rule = reference.mark_rule(
        strokeDash=palette.REFERENCE_DASH, strokeWidth=LINE_WIDTH, color=palette.REFERENCE
    )
    reference_label = reference.mark_text(
        align="left", baseline="bottom", dx=4, dy=-3, color=palette.REFERENCE
    ).encode(x=alt.XValue(0), text=alt.Text("label:N"))
    return alt.layer(lines, rules, reference_rule, reference_label)


@cached_chart
def grad_norm_chart(frame: pd.DataFrame, order: Sequence[str]) -> alt.LayerChart:
    """The global gradient norm ‖g‖ before clipping (log scale); a triangle marks each clipped step."""
    color = _color(order)
    y = _log_y("grad_norm", "grad_norm")
    tips = _tooltips(
        _tip("grad_norm:Q", "grad_norm", ".3e"),
        _tip("grad_norm_clipped:Q", "grad_norm_clipped", ".3e"),
        _tip("clipped:N", "clipped"),
    )
    lines = (
        alt.Chart(frame).mark_line(strokeWidth=LINE_WIDTH).encode(x=_step_x(), y=y, color=color, tooltip=tips)
    )
    marks = (
        alt.Chart(frame)
        .transform_filter(alt.datum.clipped)
        .mark_point(shape="triangle-down", filled=True, size=40, opacity=0.8)
        .encode(x=_step_x(), y=y, color=color, tooltip=tips)
    )
    return alt.layer(lines, marks)


@cached_chart
def share_chart(frame: pd.DataFrame, order: Sequence[str]) -> alt.Chart:
    """The long-range share of ∂(L/B)/∂W (distances ≥ ⌊T/2⌋) against the step, log scale."""
    return (
        alt.Chart(frame)
        .mark_line(strokeWidth=LINE_WIDTH)
        .encode(
            x=_step_x(),
            y=_log_y("long_range_share", "share"),
            color=_color(order),
            tooltip=_tooltips(
                _tip("long_range_share:Q", "share", ".3e"),
                _tip("long_range_norm:Q", "long_range_norm", ".3e"),
            ),
        )
    )


@cached_chart
def sigma_chart(frame: pd.DataFrame, borders: pd.DataFrame, order: Sequence[str]) -> alt.LayerChart:
    """σ_max(W) at the start of each step (log scale), with a dotted rule at 1/γ for each activation.

    ``borders`` has columns activation and border = 1/γ: below it the gradient must vanish.
    """
    lines = (
        alt.Chart(frame)
        .mark_line(strokeWidth=LINE_WIDTH)
        .encode(
            x=_step_x(),
            y=_log_y("sigma_max", "sigma", "~g"),
            color=_color(order),
            tooltip=_tooltips(_tip("sigma_max:Q", "sigma", ".4g")),
        )
    )
    rules = (
        alt.Chart(borders)
        .mark_rule(strokeDash=palette.REFERENCE_DASH, color=palette.REFERENCE)
        .encode(
            y=alt.Y("border:Q"),
            tooltip=[_tip("activation:N", "activation"), _tip("border:Q", "border", ".3g")],
        )
    )
    return alt.layer(lines, rules)


def baselines_frame(runs: Sequence[RunRecord], labels: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({"run": list(labels), "baseline": [r.result.baseline_loss for r in runs]})


def references_frame(runs: Sequence[RunRecord]) -> pd.DataFrame:
    """The reference loss per sequence of the runs' tasks (the adding problem's half-information loss),
    one row per distinct reference, with its label."""
    values = sorted({ref for r in runs if (ref := calls.reference_loss(r.settings)) is not None})
    return pd.DataFrame({"label": [say(text.REFERENCE_LABEL)] * len(values), "reference": values})


def borders_frame(runs: Sequence[RunRecord]) -> pd.DataFrame:
    """One row per activation of the RNN runs: its label and 1/γ, the σ_max(W) below which vanishing is
    certain (the bound holds for the RNN's W; a gated cell's W is its candidate's, and it has none)."""
    names = sorted({r.settings.activation for r in runs if r.settings.cell == "rnn"})
    return pd.DataFrame(
        {
            "activation": [ACTIVATION_LABELS[n] for n in names],
            "border": [1.0 / rc.ACTIVATIONS[n].gamma for n in names],
        }
    )


@dataclass(frozen=True)
class ChartSet:
    """The four charts of a set of runs (by :data:`CHART_NAMES`), with the sentences on values left out of each."""

    charts: dict[str, ChartSpec]
    notes: dict[str, str | None]


def chart_set(runs: Sequence[RunRecord], labels: Sequence[str]) -> ChartSet:
    """The loss, gradient-norm, long-range-share and σ_max(W) charts of ``runs``, colour = run."""
    frame = runs_frame(runs, labels)
    order = list(labels)
    parts = {name: positive_part(frame, COLUMN_OF[name]) for name in CHART_NAMES}
    charts = {
        "loss": loss_chart(parts["loss"][0], baselines_frame(runs, labels), references_frame(runs), order),
        "grad_norm": grad_norm_chart(parts["grad_norm"][0], order),
        "share": share_chart(parts["share"][0], order),
        "sigma": sigma_chart(parts["sigma"][0], borders_frame(runs), order),
    }
    return ChartSet(charts, {name: note for name, (_, note) in parts.items()})
