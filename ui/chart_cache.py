"""The chart cache: a chart builder runs once per distinct input, and a rerun draws its stored spec.

Chart builders are plain functions returning Altair charts; decorated with :func:`cached_chart`, the
Vega-Lite spec they produce is built once per distinct input and served from a bounded cache, so a
rerun draws a chart without building or validating it again (Altair's validation was most of a
page's rerun time). A chart always comes with a caption that says what to notice (:func:`show_chart`).

The interface: :func:`cached_chart`, :class:`ChartSpec`, :func:`draw_chart`, :func:`show_chart`,
:func:`notice` (its caption, the template :data:`NOTICE`) and :data:`VALIDATE`. A chart's labels are
said in the active language (ui.i18n), so the cache keys every chart by that language too. Behind it the cache does what ``st.altair_chart`` would do, once: Streamlit's
"none" theme, and the data as Arrow IPC bytes (``streamlit.dataframe_util.convert_anything_to_arrow_bytes``),
which ``st.vega_lite_chart`` passes through unchanged. tests/ui/test_chart_cache.py pins those
Streamlit internals.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import threading
from collections.abc import Callable

import altair as alt
import streamlit as st
from streamlit import dataframe_util

from ui import i18n

__all__ = ["NOTICE", "VALIDATE", "ChartSpec", "cached_chart", "draw_chart", "notice", "show_chart"]

NOTICE = "**Notice:** {notice}"


class ChartSpec:
    """A chart from a :func:`cached_chart` builder: its Vega-Lite spec, built at most once per input."""

    def __init__(self, key: tuple, drawable: dict, index: int | None = None):
        self._key, self._drawable, self._index = key, drawable, index

    def to_dict(self) -> dict:
        """The spec as ``alt.Chart.to_dict`` gives it (built again: for tests and inspection)."""
        out = _spec(*self._key)
        return out if self._index is None else out[self._index]

    def drawable(self) -> dict:
        """The spec with its datasets already in Arrow, as the cache holds it: what a rerun draws."""
        return self._drawable


_BUILDERS: dict[str, Callable] = {}


def _spec(name: str, args: tuple, kwargs: dict):
    """The builder's chart(s) as ``to_dict`` gives them: validated, data as records (for tests)."""
    out = _BUILDERS[name](*args, **kwargs)
    charts = out if isinstance(out, tuple) else (out,)
    with alt.data_transformers.disable_max_rows():  # Streamlit ships data as Arrow, so no row limit
        specs = tuple(c.to_dict() for c in charts)
    return specs if isinstance(out, tuple) else specs[0]


# Altair checks every spec against the Vega-Lite schema, which costs about a third of converting
# it. The tests check every builder's spec (tests/conftest.py sets this); the served app skips it.
VALIDATE = os.environ.get("BPTT_VALIDATE_CHARTS") == "1"
_ALTAIR_GLOBALS = threading.Lock()  # Altair's theme and data transformer are process-wide settings


def _to_arrow(data, datasets: dict) -> dict:
    """Altair data transformer: the frame straight to Arrow IPC bytes, named by their hash (as
    Streamlit's own converter does), instead of a list of records."""
    data_bytes = dataframe_util.convert_anything_to_arrow_bytes(data)
    name = hashlib.md5(data_bytes, usedforsecurity=False).hexdigest()
    datasets[name] = data_bytes
    return {"name": name}


alt.data_transformers.register("bptt_arrow", _to_arrow)


def _convert(chart: alt.TopLevelMixin) -> dict:
    """``chart`` as st.altair_chart would send it (Streamlit's "none" theme, data as Arrow)."""
    datasets: dict = {}
    with _ALTAIR_GLOBALS:
        theme = alt.theme.enable("none") if alt.theme.active == "default" else contextlib.nullcontext()
        with theme, alt.data_transformers.enable("bptt_arrow", datasets=datasets):
            spec = chart.to_dict(validate=VALIDATE)
    spec["datasets"] = {**spec.get("datasets", {}), **datasets}
    return spec


def language() -> str:
    """The language charts are said in: $BPTT_LANG, and which catalog ui.i18n.use made active (a
    catalog object lives as long as the process, so its id names it within the cache)."""
    return f"{os.environ.get(i18n.LANGUAGE_ENV, '')}:{id(i18n.active())}"


@st.cache_data(max_entries=512, show_spinner=False)
def _drawable(name: str, args: tuple, kwargs: dict, language: str):
    """The builder's chart(s) converted for drawing, once per distinct input and language."""
    out = _BUILDERS[name](*args, **kwargs)
    return tuple(map(_convert, out)) if isinstance(out, tuple) else _convert(out)


def cached_chart(builder: Callable) -> Callable:
    """Make an Altair chart builder return :class:`ChartSpec` s (one, or a tuple like the builder).

    Its arguments are the cache key: give it small inputs (a few numbers, a Network) rather than
    large frames, which Streamlit would hash on every rerun.
    """
    name = f"{builder.__module__}.{builder.__qualname__}"
    _BUILDERS[name] = builder

    @functools.wraps(builder)
    def wrapper(*args, **kwargs):
        key = (name, args, kwargs)
        out = _drawable(*key, language())
        if isinstance(out, tuple):
            return tuple(ChartSpec(key, d, i) for i, d in enumerate(out))
        return ChartSpec(key, out)

    return wrapper


def draw_chart(chart: ChartSpec, *, where=None, alt_text: str | None = None) -> None:
    """Draw a chart from a :func:`cached_chart` builder full width (in ``where``, if given)."""
    (where or st).vega_lite_chart(chart.drawable(), width="stretch", alt=alt_text)


def notice(text: str) -> str:
    """A chart's caption: what to notice (the template :data:`NOTICE`, in the active language)."""
    return i18n.say(NOTICE, notice=text)


def show_chart(chart: ChartSpec, text: str, *, alt_text: str | None = None) -> None:
    """Draw a chart full width with its caption (:func:`notice`) underneath."""
    draw_chart(chart, alt_text=alt_text or text)
    st.caption(notice(text))
