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
from ui.chart_cache import ChartSpec, cached_chart
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
