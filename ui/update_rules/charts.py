"""The Update rules page's table and charts: plain functions of a PathReport or of the losses.

Their labels are the templates in ui.update_rules.text.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from ui import palette
from ui.chart_cache import FIT_X, cached_chart, chart_frames
from ui.format import time_index
from ui.i18n import say
from ui.update_rules import text
from ui.update_rules.calls import PathReport


def path_table(report: PathReport) -> pd.DataFrame:
    """One row per path term k = 1..s: distance, norm, both shares, and a note on row k = 1."""
    s = report.s
    k = np.arange(1, s + 1)
    note = [text.note_k1(report)] + [""] * (s - 1)
    return pd.DataFrame(
        {
            say(text.COL_K): k,
            say(text.COL_DISTANCE): s - k,
            say(text.COL_NORM): report.norms,
            say(text.COL_NORM_SHARE): 100 * report.norm_share,
            say(text.COL_PROJECTION): 100 * report.projection_share,
            say(text.COL_NOTE): note,
        }
    )


def path_table_options(s: int) -> dict:
    """How st.dataframe draws the path table of L⁽ˢ⁾: number formats, and tall enough for s rows."""
    config = {
        say(text.COL_NORM): st.column_config.NumberColumn(format="%.3e"),
        say(text.COL_NORM_SHARE): st.column_config.NumberColumn(format="%.3g"),
        say(text.COL_PROJECTION): st.column_config.NumberColumn(format="%.3g"),
        say(text.COL_NOTE): st.column_config.TextColumn(width="large"),
    }
    return dict(hide_index=True, column_config=config, height=min(38 + 35 * s, 320))


def path_chart_data(report: PathReport) -> pd.DataFrame:
    """The bars of the path-norm chart: the positive finite norms (report.overflow says which
    terms are left out, and why)."""
    s = report.s
    k = np.arange(1, s + 1)
    df = pd.DataFrame(
        {
            "k": k,
            "k_lo": k - 0.4,
            "k_hi": k + 0.4,
            "distance": s - k,
            "norm": report.norms,
            "share": report.norm_share,
            "projection": report.projection_share,
            "direction": np.where(report.projection_share < 0, say(text.AGAINST), say(text.ALONG)),
        }
    )
    df = df[np.isfinite(report.norms) & (report.norms > 0)].reset_index(drop=True)
    if len(df):
        # bars on a log scale need a finite floor to grow from: the decade below the smallest norm
        df["base"] = 10.0 ** np.floor(np.log10(df["norm"].min()))
    return df


@chart_frames
def _path_norms_frames(df: pd.DataFrame, s: int, wrt: str):
    return (s, wrt), (df,)


@cached_chart(frames=_path_norms_frames)
def path_norms_chart(df: pd.DataFrame, s: int, wrt: str) -> alt.Chart:
    """Bars of ‖term k‖_F against k on a log scale, coloured by the sign of the projection share."""
    S = time_index(s)
    tooltip = [
        alt.Tooltip("k:Q", title=say(text.COL_K)),
        alt.Tooltip("distance:Q", title=say(text.COL_DISTANCE)),
        alt.Tooltip("norm:Q", title=say(text.COL_NORM), format=".3e"),
        alt.Tooltip("share:Q", title=say(text.TIP_SHARE), format=".2%"),
        alt.Tooltip("projection:Q", title=say(text.TIP_PROJECTION), format=".2%"),
    ]
    return (
        alt.Chart(df, title=say(text.PATH_CHART_TITLE, S=S, wrt=wrt))
        .mark_bar()
        .encode(
            x=alt.X(
                "k_lo:Q",
                axis=alt.Axis(tickMinStep=1, format="d"),
                title=say(text.PATH_X, wrt=wrt),
                scale=alt.Scale(domain=[0.5, s + 0.5]),
            ),
            x2=alt.X2("k_hi:Q"),
            y2=alt.Y2("base:Q"),
            y=alt.Y(
                "norm:Q",
                title=say(text.PATH_Y),
                scale=alt.Scale(type="log"),
                axis=alt.Axis(format="~e"),
            ),
            color=alt.Color(
                "direction:N",
                title=say(text.PATH_COLOUR, S=S, wrt=wrt),
                scale=alt.Scale(
                    domain=[say(text.ALONG), say(text.AGAINST)],
                    range=[palette.SERIES[0], palette.SERIES[1]],
                ),
            ),
            tooltip=tooltip,
        )
        .properties(height=280)
    )


def loss_chart_data(losses) -> tuple[pd.DataFrame, bool, int]:
    """Loss per step (finite, positive values), whether to use a log scale, and how many were left out."""
    losses = np.asarray(losses, dtype=float)
    df = pd.DataFrame({"step": np.arange(losses.size), "L": losses})
    keep = np.isfinite(losses) & (losses > 0)
    kept = losses[keep]
    log = bool(kept.size and kept.max() >= 10 * kept.min())  # spans at least a decade
    return df[keep].reset_index(drop=True), log, int((~keep).sum())


@chart_frames
def _loss_frames(df: pd.DataFrame, log: bool, loss: str):
    return (log, loss), (df,)


@cached_chart(frames=_loss_frames)
def loss_chart(df: pd.DataFrame, log: bool, loss: str) -> alt.Chart:
    """The running loss L against the number of gradient steps taken (nats for softmax-CE)."""
    scale = alt.Scale(type="log") if log else alt.Scale(zero=False)
    title = say((text.LOSS_Y_LOG if log else text.LOSS_Y)[loss])
    y = alt.Y("L:Q", title=title, scale=scale, axis=alt.Axis(format="~g"))
    return (
        alt.Chart(df, title=say(text.LOSS_CHART_TITLE))
        .mark_line(point=True)
        .encode(
            x=alt.X("step:Q", title=say(text.LOSS_X), axis=alt.Axis(tickMinStep=1, format="d")),
            y=y,
            tooltip=[
                alt.Tooltip("step:Q", title=say(text.TIP_STEP)),
                alt.Tooltip("L:Q", title=say(text.TIP_LOSS), format=".6g"),
            ],
        )
        .properties(height=240, autosize=FIT_X)  # the log scale's long y title must not squeeze the plot
    )
