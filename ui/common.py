"""Conventions every page follows: a chart always comes with a caption that says what to notice."""

from __future__ import annotations

import altair as alt
import streamlit as st

AXIS_LOG10_NORM = "log₁₀ of the norm (1 = ×10)"


def show_chart(chart: alt.TopLevelMixin, notice: str, *, alt_text: str | None = None) -> None:
    """Draw an Altair chart full width with its caption ("Notice: …") underneath."""
    st.altair_chart(chart, width="stretch", alt=alt_text or notice)
    st.caption(f"**Notice:** {notice}")


def explain_nonfinite(values, what: str) -> str | None:
    """A sentence for a chart whose values include inf/nan, or None when all are finite."""
    import numpy as np

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
