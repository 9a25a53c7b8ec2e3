"""The Gates page's controls: the task, its length T and the two gate biases, each bound to the URL.
Layout only: the words come from :mod:`.text`, the ranges from :mod:`.calls`."""

from __future__ import annotations

import streamlit as st

from rnn_core import TASKS
from ui.gates import calls
from ui.gates import text as t
from ui.i18n import say
from ui.state import Network, snap
from ui.training.settings import TASK_LABELS

SNAPPED = "{key}__snapped"  # where a value from a link, moved onto the slider's grid, waits for the rerun


def bias_slider(where, label: str, default: float, *, key: str, help: str) -> float:
    """A URL-bound slider over the gate biases whose value stays on its grid of BIAS_STEP.

    A link may carry a value between two steps (bᶠ = 0.3), which Streamlit accepts; it is moved to
    the nearest step, and the page rerun, so that the slider shows the value the page computes with.
    """
    waiting = st.session_state.pop(SNAPPED.format(key=key), None)
    if waiting is not None:
        st.session_state[key] = waiting  # before the slider is drawn: Streamlit allows it only then
    value = where.slider(
        label,
        min_value=calls.BIAS_MIN,
        max_value=calls.BIAS_MAX,
        value=default,
        step=calls.BIAS_STEP,
        key=key,
        help=help,
        bind="query-params",
    )
    on_grid = snap(float(value), calls.BIAS_STEP)
    if on_grid != value:
        st.session_state[SNAPPED.format(key=key)] = on_grid
        st.rerun()
    return on_grid


def controls(net: Network) -> calls.GateSettings:
    """The page's four controls in two columns; returns the settings they and the sidebar ask for."""
    keys, bound = calls.KEYS, dict(bind="query-params")
    left, right = st.columns(2)
    tasks = list(TASKS)
    task = left.selectbox(
        say(t.TASK),
        tasks,
        index=tasks.index(calls.TASK_DEFAULT),
        format_func=TASK_LABELS.get,
        key=keys["task"],
        **bound,
    )
    T = left.slider(
        say(t.T_LABEL), calls.T_MIN, calls.T_MAX, calls.T_DEFAULT, key=keys["T"], help=say(t.T_HELP), **bound
    )
    forget_bias = bias_slider(
        right,
        say(t.FORGET_BIAS),
        calls.FORGET_BIAS_DEFAULT,
        key=keys["forget_bias"],
        help=say(t.FORGET_BIAS_HELP),
    )
    update_bias = bias_slider(
        right,
        say(t.UPDATE_BIAS),
        calls.UPDATE_BIAS_DEFAULT,
        key=keys["update_bias"],
        help=say(t.UPDATE_BIAS_HELP),
    )
    return calls.settings_from(net, task=task, T=T, forget_bias=forget_bias, update_bias=update_bias)
