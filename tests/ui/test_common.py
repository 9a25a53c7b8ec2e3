"""The chart cache: a builder runs once per distinct input, and builders never share entries."""

import altair as alt
import pandas as pd

from ui.common import ChartSpec, cached_chart

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
    import pytest

    from ui import common

    assert common.VALIDATE  # tests/conftest.py turns Altair's schema check on for what is drawn
    with pytest.raises(alt.utils.schemapi.SchemaValidationError):
        broken(3)
    drawn = pair(10)[0].drawable()
    (data,) = drawn["datasets"].values()
    assert isinstance(data, bytes)  # Arrow IPC, converted once: Streamlit passes bytes through
    assert "config" not in drawn or "view" not in drawn.get("config", {})  # Streamlit's "none" theme
