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

A new input still cost a whole Altair build (building the chart objects and converting them took
most of a page's rerun after a sidebar change). A builder declared with ``frames`` (a function of
the same arguments that returns the chart's *shape* and the data frames it draws) is built in Altair
once per shape: its converted spec becomes a template whose datasets are slots, and each later input
of that shape fills the slots with its own frames' Arrow bytes. The shape is everything in the spec
that is not those frames (a size that sets the axes, the language is added by the cache), so that
the filled spec is the one Altair would build; under test (:data:`VALIDATE`) every filled spec is
compared with Altair's own build of the same input, and a difference raises.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import threading
from collections.abc import Callable, Sequence

import altair as alt
import streamlit as st
from streamlit import dataframe_util

from ui import i18n
from ui.cache import cache_data

__all__ = [
    "FIT_X",
    "NOTICE",
    "VALIDATE",
    "ChartSpec",
    "cached_chart",
    "chart_frames",
    "draw_chart",
    "notice",
    "show_chart",
]

NOTICE = "**Notice:** {notice}"
# A chart's autosize when its height must stay its plot's: it fits the container's width only.
# Streamlit's own ("fit", both ways) counts a long rotated axis title in the height, and the plot
# shrinks to make room for it, pushing the chart's title out of its frame.
FIT_X = alt.AutoSizeParams(type="fit-x", contains="padding")


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
_FRAMES: dict[str, Callable] = {}  # builder name → its frames function (cached_chart's ``frames``)


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


def _arrow(frame) -> tuple[str, bytes]:
    """A frame's Arrow IPC bytes and the name they are sent under (their hash, as Streamlit's own
    converter names them)."""
    data = dataframe_util.convert_anything_to_arrow_bytes(frame)
    return hashlib.md5(data, usedforsecurity=False).hexdigest(), data


SLOT = "bptt-slot-"  # a template's dataset names: SLOT + the frame's index in its frames tuple


def _to_arrow(data, datasets: dict, slots: Sequence | None = None) -> dict:
    """Altair data transformer: the frame straight to Arrow IPC bytes, named by their hash,
    instead of a list of records. Building a template (``slots``: the frames it declares), a
    declared frame is named by its slot instead, and its bytes are left for :func:`_fill`."""
    for i, frame in enumerate(slots or ()):
        if frame is data:
            datasets[f"{SLOT}{i}"] = None
            return {"name": f"{SLOT}{i}"}
    name, data_bytes = _arrow(data)
    datasets[name] = data_bytes
    if slots is not None:  # a frame the builder's frames function did not return: no template
        datasets[SLOT] = False
    return {"name": name}


alt.data_transformers.register("bptt_arrow", _to_arrow)


def _convert(chart: alt.TopLevelMixin, slots: Sequence | None = None) -> dict:
    """``chart`` as st.altair_chart would send it (Streamlit's "none" theme, data as Arrow); with
    ``slots``, as a template (:func:`_to_arrow`)."""
    datasets: dict = {}
    with _ALTAIR_GLOBALS:
        theme = alt.theme.enable("none") if alt.theme.active == "default" else contextlib.nullcontext()
        options = dict(datasets=datasets) if slots is None else dict(datasets=datasets, slots=slots)
        with theme, alt.data_transformers.enable("bptt_arrow", **options):
            spec = chart.to_dict(validate=VALIDATE)
    spec["datasets"] = {**spec.get("datasets", {}), **datasets}
    return spec


# --- templates: one Altair build per shape, the frames filled in ---------------------------------


def _replace(obj, names: dict[str, str]):
    """``obj`` (a spec) with every string in ``names`` replaced, dict keys included; a copy."""
    if isinstance(obj, dict):
        return {names.get(k, k): _replace(v, names) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_replace(v, names) for v in obj]
    if isinstance(obj, str):
        return names.get(obj, obj)
    return obj


def _fill(template: dict, frames: Sequence) -> dict:
    """The template's slots filled with ``frames``, as :func:`_to_arrow` names and converts them
    (a declared frame that the template does not draw is not converted)."""
    used = [key for key, value in template["datasets"].items() if value is None]
    arrow = {key: _arrow(frames[int(key[len(SLOT) :])]) for key in used}
    spec = _replace(
        {k: v for k, v in template.items() if k != "datasets"}, {k: n for k, (n, _) in arrow.items()}
    )
    spec["datasets"] = {
        **{k: v for k, v in template["datasets"].items() if v is not None},
        **{name: data for name, data in arrow.values()},
    }
    return spec


class _Memo(threading.local):
    """The frames computed for the input being built in this thread (see :func:`chart_frames`)."""

    held: tuple | None = None


_MEMO = _Memo()


def chart_frames(fn: Callable) -> Callable:
    """Declare a function as a chart's frames function (``cached_chart(frames=...)``): it returns
    ``(shape, (frame, ...))``, and the builder calls it to get the frames it draws. While the
    cache builds that chart's template, a call with the same argument objects returns the frames
    the cache already holds, so that the cache knows each drawn frame by identity."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        held = _MEMO.held
        if (
            held is not None
            and held[0] is wrapper
            and len(held[1]) == len(args)
            and all(a is b for a, b in zip(held[1], args))
            and held[2].keys() == kwargs.keys()
            and all(held[2][k] is v for k, v in kwargs.items())
        ):
            return held[3]
        return fn(*args, **kwargs)

    return wrapper


MAX_TEMPLATES = 256
# (builder, shape, language) → (whether it returns a tuple, its template(s)), or False: no template
_TEMPLATES: dict[tuple, tuple[bool, tuple[dict, ...]] | bool] = {}
_TEMPLATES_LOCK = threading.Lock()


def language() -> str:
    """The language charts are said in: $BPTT_LANG, and which catalog ui.i18n.use made active (a
    catalog object lives as long as the process, so its id names it within the cache)."""
    return f"{os.environ.get(i18n.LANGUAGE_ENV, '')}:{id(i18n.active())}"


def _built(name: str, args: tuple, kwargs: dict):
    """The builder's chart(s), built in Altair and converted."""
    out = _BUILDERS[name](*args, **kwargs)
    return tuple(map(_convert, out)) if isinstance(out, tuple) else _convert(out)


def _template(name: str, args: tuple, kwargs: dict, result) -> tuple[bool, tuple[dict, ...]] | None:
    """The builder's chart(s) for this input built as templates (:func:`_to_arrow`): ``result`` is
    what its frames function returned for it. None when a drawn frame is not one of them."""
    frames = result[1]
    _MEMO.held = (_FRAMES[name], args, kwargs, result)
    try:
        out = _BUILDERS[name](*args, **kwargs)
    finally:
        _MEMO.held = None
    many = isinstance(out, tuple)
    templates = tuple(_convert(chart, frames) for chart in (out if many else (out,)))
    if any(t["datasets"].get(SLOT) is False for t in templates):
        if VALIDATE:
            raise ValueError(f"{name} draws a data frame that its frames function does not return")
        return None
    return many, templates


@cache_data(max_entries=512, show_spinner=False)
def _drawable(name: str, args: tuple, kwargs: dict, language: str):
    """The builder's chart(s) converted for drawing, once per distinct input and language: built
    in Altair, or filled into its shape's template (a builder with ``frames``)."""
    frames_of = _FRAMES.get(name)
    if frames_of is None:
        return _built(name, args, kwargs)
    result = frames_of(*args, **kwargs)
    shape, frames = result
    key = (name, shape, language)
    with _TEMPLATES_LOCK:
        held = _TEMPLATES.get(key)
    if held is None:
        held = _template(name, args, kwargs, result) or False  # False: this shape is built every time
        with _TEMPLATES_LOCK:
            if len(_TEMPLATES) >= MAX_TEMPLATES:
                _TEMPLATES.pop(next(iter(_TEMPLATES)))
            _TEMPLATES[key] = held
    if held is False:
        return _built(name, args, kwargs)
    many, templates = held
    filled = tuple(_fill(t, frames) for t in templates)
    if VALIDATE:  # under test: the filled spec must be Altair's own build of this input
        built = _built(name, args, kwargs)
        if (built if many else (built,)) != filled:
            raise AssertionError(
                f"{name}: its template of shape {shape!r}, filled, differs from its Altair build"
            )
    return filled if many else filled[0]


def cached_chart(builder: Callable | None = None, *, frames: Callable | None = None) -> Callable:
    """Make an Altair chart builder return :class:`ChartSpec` s (one, or a tuple like the builder).

    Its arguments are the cache key: give it small inputs (a few numbers, a Network) rather than
    large frames, which Streamlit would hash on every rerun. ``frames`` (a :func:`chart_frames`
    function of the same arguments, which the builder calls for the frames it draws) returns
    ``(shape, (frame, ...))``: the data frames, and everything else in the chart that depends on
    the arguments (hashable). With it, a new input of a shape already built fills that shape's
    template instead of being built in Altair (module docstring).
    """
    if builder is None:
        return functools.partial(cached_chart, frames=frames)
    name = f"{builder.__module__}.{builder.__qualname__}"
    _BUILDERS[name] = builder
    if frames is not None:
        _FRAMES[name] = frames

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
