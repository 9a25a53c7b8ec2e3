"""Conventions every page follows, and the chart cache.

A chart always comes with a caption that says what to notice. Chart builders are plain functions
returning Altair charts; decorated with :func:`cached_chart`, the Vega-Lite spec they produce is
built once per distinct input and served from a bounded cache, so a rerun draws a chart without
building or validating it again (Altair's validation was most of a page's rerun time).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import altair as alt
import numpy as np
import streamlit as st


class ChartSpec:
    """A Vega-Lite spec produced by an Altair chart builder (what ``alt.Chart.to_dict`` returns)."""

    def __init__(self, spec: dict):
        self.spec = spec

    def to_dict(self) -> dict:
        return self.spec


_BUILDERS: dict[str, Callable] = {}


@st.cache_data(max_entries=512, show_spinner=False)
def _build(name: str, args: tuple, kwargs: dict):
    out = _BUILDERS[name](*args, **kwargs)
    charts = out if isinstance(out, tuple) else (out,)
    with alt.data_transformers.disable_max_rows():  # as st.altair_chart does: Streamlit ships data as Arrow
        specs = tuple(c.to_dict() for c in charts)
    return specs if isinstance(out, tuple) else specs[0]


def cached_chart(builder: Callable) -> Callable:
    """Make an Altair chart builder return cached :class:`ChartSpec` s (one, or a tuple of them)."""
    name = f"{builder.__module__}.{builder.__qualname__}"
    _BUILDERS[name] = builder

    @functools.wraps(builder)
    def wrapper(*args, **kwargs):
        specs = _build(name, args, kwargs)
        return tuple(map(ChartSpec, specs)) if isinstance(specs, tuple) else ChartSpec(specs)

    return wrapper


def draw_chart(chart: ChartSpec | alt.TopLevelMixin, *, where=None, alt_text: str | None = None) -> None:
    """Draw a chart full width (in ``where``, a container or column, if given)."""
    where = where or st
    if isinstance(chart, ChartSpec):
        where.vega_lite_chart(chart.spec, width="stretch", alt=alt_text)
    else:
        where.altair_chart(chart, width="stretch", alt=alt_text)


def show_chart(chart: ChartSpec | alt.TopLevelMixin, notice: str, *, alt_text: str | None = None) -> None:
    """Draw a chart full width with its caption ("Notice: …") underneath."""
    draw_chart(chart, alt_text=alt_text or notice)
    st.caption(f"**Notice:** {notice}")


def explain_nonfinite(values, what: str) -> str | None:
    """A sentence for a chart whose values include inf/nan, or None when all are finite."""
    arr = np.asarray(values, dtype=float)
    n_inf, n_nan = int(np.isinf(arr).sum()), int(np.isnan(arr).sum())
    if not (n_inf or n_nan):
        return None
    parts = []
    if n_inf:
        parts.append(f"{n_inf} infinite")
    if n_nan:
        parts.append(f"{n_nan} not-a-number")
    return f"{what}: {' and '.join(parts)} value(s) are left out of the chart (they overflowed float64)."
