"""The chart cache: a builder runs once per distinct input, and builders never share entries; and the
Streamlit internals it relies on, pinned so that an upgrade that changes them fails here."""

import gettext
import json
import re

import altair as alt
import pandas as pd
import pyarrow as pa
import pytest
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from ui import chart_cache, i18n
from ui.chart_cache import ChartSpec, cached_chart, chart_frames
from ui.i18n import say

CALLS: list[str] = []


@cached_chart
def bars(df: pd.DataFrame, title: str) -> alt.Chart:
    CALLS.append(f"bars {title}")
    return alt.Chart(df, title=title).mark_bar().encode(x="k:O", y="v:Q")


@cached_chart
def points(df: pd.DataFrame, title: str) -> alt.Chart:
    CALLS.append(f"points {title}")
    return alt.Chart(df, title=title).mark_point().encode(x="k:O", y="v:Q")


@cached_chart
def pair(n: int) -> tuple[alt.Chart, alt.Chart]:
    df = pd.DataFrame({"k": range(n), "v": range(n)})
    return alt.Chart(df).mark_line().encode(x="k:Q", y="v:Q"), alt.Chart(df).mark_bar().encode(
        x="k:O", y="v:Q"
    )


def test_a_builder_runs_once_per_distinct_input_and_returns_its_spec():
    df = pd.DataFrame({"k": [1, 2, 3], "v": [0.5, 1.0, 2.0]})
    CALLS.clear()
    first = bars(df, "a")
    again = bars(df.copy(), "a")  # equal content, another object: served from the cache
    other = bars(df, "b")
    assert CALLS == ["bars a", "bars b"]
    assert isinstance(first, ChartSpec) and first.to_dict() == again.to_dict()
    expected = alt.Chart(df, title="a").mark_bar().encode(x="k:O", y="v:Q").to_dict()
    assert first.to_dict()["mark"] == expected["mark"] and first.to_dict()["title"] == "a"
    assert other.to_dict()["title"] == "b"


def test_builders_with_equal_arguments_do_not_share_entries():
    df = pd.DataFrame({"k": [1, 2], "v": [1.0, 2.0]})
    assert bars(df, "same").to_dict()["mark"]["type"] == "bar"
    assert points(df, "same").to_dict()["mark"]["type"] == "point"


def test_tuples_of_charts_and_data_beyond_altairs_row_limit():
    line, bar = pair(6000)  # Altair refuses > 5000 rows by default; Streamlit ships data as Arrow
    assert line.to_dict()["mark"]["type"] == "line" and bar.to_dict()["mark"]["type"] == "bar"
    (rows,) = line.to_dict()["datasets"].values()
    assert len(rows) == 6000


@cached_chart
def broken(n: int) -> alt.Chart:
    return alt.Chart(pd.DataFrame({"k": range(n)})).mark_bar(opacity="very").encode(x="k:Q")


def test_specs_are_validated_under_test_and_drawn_with_arrow_data():
    assert chart_cache.VALIDATE  # tests/conftest.py turns Altair's schema check on for what is drawn
    with pytest.raises(alt.utils.schemapi.SchemaValidationError):
        broken(3)
    drawn = pair(10)[0].drawable()
    (data,) = drawn["datasets"].values()
    assert isinstance(data, bytes)  # Arrow IPC, converted once: Streamlit passes bytes through
    assert "config" not in drawn or "view" not in drawn.get("config", {})  # Streamlit's "none" theme


# --- the Streamlit internals the cache relies on -------------------------------------------------


def _table(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(pa.py_buffer(data)).read_all()


def test_streamlits_converter_returns_arrow_ipc_bytes():
    df = pd.DataFrame({"k": [1, 2, 3], "v": [0.5, 1.0, float("inf")]})
    data = dataframe_util.convert_anything_to_arrow_bytes(df)
    assert isinstance(data, bytes)
    table = _table(data)
    assert table.column("k").to_pylist() == [1, 2, 3]
    assert table.column("v").to_pylist() == [0.5, 1.0, float("inf")]


def test_the_none_theme_exists_and_adds_no_config():
    assert "none" in alt.theme.names()
    with alt.theme.enable("none"):
        spec = alt.Chart(pd.DataFrame({"k": [1]})).mark_point().encode(x="k:Q").to_dict()
    assert "config" not in spec


def _two_ways():
    """The same chart drawn by st.altair_chart and by draw_chart, in a running script."""
    import altair as alt
    import pandas as pd
    import streamlit as st

    from ui.chart_cache import cached_chart, draw_chart

    def chart():
        df = pd.DataFrame({"k": [1, 2, 3], "v": [0.5, 1.0, 2.0], "s": ["a", "b", "a"]})
        return alt.Chart(df).mark_line().encode(x="k:Q", y="v:Q", color="s:N")

    st.altair_chart(chart(), width="stretch")
    draw_chart(cached_chart(chart)())


def test_a_drawn_chart_is_what_st_altair_chart_sends():
    at = AppTest.from_function(_two_ways, default_timeout=60).run()
    assert not at.exception
    charts = [node.proto for node in at.main.children.values() if node.type == "vega_lite_chart"]
    assert len(charts) == 2
    specs, tables = [], []
    for proto in charts:
        (dataset,) = proto.datasets  # st.vega_lite_chart moved the Arrow bytes out of the spec
        spec = json.loads(proto.spec)
        assert "datasets" not in spec and spec["data"] == {"name": dataset.name}
        spec.pop("data")
        specs.append(spec)
        tables.append(_table(dataset.data.data))
    assert specs[0] == specs[1]  # the "none" theme and the same conversion: one spec
    assert tables[0].equals(tables[1])
    # and the cache's own bytes were passed through untouched
    drawn = cached_chart(_line)().drawable()
    (data,) = drawn["datasets"].values()
    assert _table(data).column("v").to_pylist() == [0.5, 1.0]


def _line():
    return alt.Chart(pd.DataFrame({"k": [1, 2], "v": [0.5, 1.0]})).mark_line().encode(x="k:Q", y="v:Q")


# --- the language: captions are templates, and the cache keys every chart by the active catalog -----


class Shouting(gettext.NullTranslations):
    """A catalog that translates every template into capitals (its fields kept as they are)."""

    def gettext(self, message):
        return re.sub(r"\{(\w+)\}", lambda m: "{" + m.group(1).lower() + "}", message.upper())


GREETING = "Path terms of {what}"


@cached_chart
def titled(n: int) -> alt.Chart:
    CALLS.append(f"titled {n}")
    df = pd.DataFrame({"k": range(n), "v": range(n)})
    return alt.Chart(df, title=say(GREETING, what="W")).mark_bar().encode(x="k:O", y="v:Q")


def test_the_notice_is_a_template_said_in_the_active_language():
    assert chart_cache.notice("L falls") == say(chart_cache.NOTICE, notice="L falls") == "**Notice:** L falls"
    try:
        i18n.use(Shouting())
        assert chart_cache.notice("L falls") == "**NOTICE:** L falls"
    finally:
        i18n.use(None)


def test_the_chart_cache_is_keyed_by_language():
    CALLS.clear()
    english = titled(4).drawable()["title"]
    assert english == "Path terms of W" and titled(4).drawable()["title"] == english
    try:
        i18n.use(Shouting())
        assert titled(4).drawable()["title"] == "PATH TERMS OF W"  # built again, not served stale
    finally:
        i18n.use(None)
    assert titled(4).drawable()["title"] == english
    assert CALLS == ["titled 4", "titled 4"]


# --- templates: a builder with frames is built in Altair once per shape ---------------------------

BUILT: list[str] = []


@chart_frames
def _level_frames(values: tuple, title: str):
    df = pd.DataFrame({"k": range(len(values)), "v": values})
    return (title,), (df, df[df["v"] > 0])


@cached_chart(frames=_level_frames)
def levels(values: tuple, title: str) -> alt.LayerChart:
    BUILT.append(f"levels {values}")
    _, (df, positive) = _level_frames(values, title)
    line = alt.Chart(df).mark_line().encode(x="k:Q", y="v:Q")
    dots = alt.Chart(positive).mark_point().encode(x="k:Q", y="v:Q")
    return alt.layer(line, dots, title=title)


def _altair(values: tuple, title: str) -> dict:
    """What Altair itself builds for ``levels`` (the path every untemplated chart takes)."""
    return chart_cache._convert(levels.__wrapped__(values, title))


def test_a_templated_builder_is_built_once_per_shape_and_filled_as_altair_builds(monkeypatch):
    monkeypatch.setattr(chart_cache, "VALIDATE", False)  # under test every fill is also built: off here
    BUILT.clear()
    first = levels((1.0, -2.0, 3.0), "a").drawable()
    second = levels((0.5, 0.25, -1.0, 4.0), "a").drawable()  # same shape, other data (and length)
    other = levels((1.0, 2.0), "b").drawable()  # another title: another shape
    assert BUILT == ["levels (1.0, -2.0, 3.0)", "levels (1.0, 2.0)"]
    expected = [
        _altair((1.0, -2.0, 3.0), "a"),
        _altair((0.5, 0.25, -1.0, 4.0), "a"),
        _altair((1.0, 2.0), "b"),
    ]
    assert [first, second, other] == expected
    assert first["datasets"] != second["datasets"]
    (line, dots) = (layer["data"]["name"] for layer in second["layer"])
    rows = {name: _table(data).column("v").to_pylist() for name, data in second["datasets"].items()}
    assert rows[line] == [0.5, 0.25, -1.0, 4.0] and rows[dots] == [0.5, 0.25, 4.0]


def test_two_frames_equal_in_one_input_still_fill_apart_in_the_next(monkeypatch):
    monkeypatch.setattr(chart_cache, "VALIDATE", False)
    all_positive = levels((1.0, 2.0, 3.0), "equal").drawable()  # the two frames hold the same rows
    assert all_positive == _altair((1.0, 2.0, 3.0), "equal") and len(all_positive["datasets"]) == 1
    mixed = levels((1.0, -2.0, 3.0), "equal").drawable()
    assert mixed == _altair((1.0, -2.0, 3.0), "equal") and len(mixed["datasets"]) == 2


@chart_frames
def _no_shape(values: tuple):
    return (), (pd.DataFrame({"k": range(len(values)), "v": values}),)


@cached_chart(frames=_no_shape)
def titled_by_data(values: tuple) -> alt.Chart:
    _, (df,) = _no_shape(values)
    return alt.Chart(df, title=f"{len(values)} values").mark_bar().encode(x="k:O", y="v:Q")


def test_under_test_a_template_whose_shape_misses_something_raises():
    assert chart_cache.VALIDATE
    titled_by_data((1.0, 2.0))
    with pytest.raises(AssertionError, match="differs from its Altair build"):
        titled_by_data((1.0, 2.0, 3.0))  # the title depends on the data, the shape does not say so


@cached_chart(frames=_no_shape)
def undeclared(values: tuple) -> alt.LayerChart:
    _, (df,) = _no_shape(values)
    extra = pd.DataFrame({"k": [0], "v": [max(values)]})  # drawn, not in the frames
    return alt.layer(
        alt.Chart(df).mark_line().encode(x="k:Q", y="v:Q"), alt.Chart(extra).mark_rule().encode(y="v:Q")
    )


def test_a_drawn_frame_missing_from_frames_raises_under_test_and_is_built_in_the_app(monkeypatch):
    with pytest.raises(ValueError, match="frames function does not return"):
        undeclared((1.0, 2.0))
    monkeypatch.setattr(chart_cache, "VALIDATE", False)
    for values in [(1.0, 5.0), (2.0, 3.0, 4.0)]:  # no template: each input built in Altair
        assert undeclared(values).drawable() == chart_cache._convert(undeclared.__wrapped__(values))
