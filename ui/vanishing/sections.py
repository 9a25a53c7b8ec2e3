"""How the Vanishing & exploding page draws its recurring pieces: a row of metrics, notes that may
be absent, and a slider over the distances 1..T. Layout only: the words come from :mod:`.text`."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import streamlit as st

from ui.state import step_slider
from ui.vanishing.text import Metric


def metrics(rows: list[Metric]) -> None:
    """One st.metric per row, side by side."""
    for col, m in zip(st.columns(len(rows)), rows):
        col.metric(m.label, m.value, help=m.help)


def notes(sentences: Iterable[str | None], show: Callable = st.info) -> None:
    """Each sentence that is there (None: nothing to say), drawn with ``show``."""
    for sentence in sentences:
        if sentence:
            show(sentence)


def distance_slider(label: str, T: int, default: int, *, key: str, help: str, one_step: str) -> int:
    """A URL-bound slider over 1..T; for T = 1, the caption ``one_step`` instead, and 1."""
    if T > 1:
        return step_slider(label, T, default, key=key, help=help)
    st.caption(one_step)
    return 1
