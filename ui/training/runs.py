"""The runs of this session: the ones kept for comparison, the queue waiting to be trained, and the
URL's run flag (a link carrying it trains, or reads from the cache, the run its settings describe).
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from ui.training.calls import RunRecord
from ui.training.settings import RunSettings

MAX_RUNS = 4
RUNS_KEY, QUEUE_KEY, PRESET_KEY = "tl_runs", "tl_queue", "tl_preset"
RUN_PARAM = "trun"  # in the URL once Train was pressed: a link then trains (or reads) that run on opening


def compared_runs() -> list[RunRecord]:
    """The runs kept for comparison in this session, oldest first."""
    return list(st.session_state.get(RUNS_KEY, []))


def add_run(record: RunRecord) -> RunRecord | None:
    """Keep ``record`` for comparison (a run with the same settings is replaced, not repeated).

    Returns the oldest run if it had to make room (at most :data:`MAX_RUNS` are kept), else None.
    """
    runs = [r for r in compared_runs() if r.settings != record.settings] + [record]
    dropped = runs.pop(0) if len(runs) > MAX_RUNS else None
    st.session_state[RUNS_KEY] = runs
    return dropped


def remove_run(index: int) -> None:
    """on_click of a run's "Remove" button."""
    runs = compared_runs()
    if 0 <= index < len(runs):
        del runs[index]
    st.session_state[RUNS_KEY] = runs
    st.session_state.pop(PRESET_KEY, None)


def clear_runs() -> None:
    """on_click of "Clear all runs"."""
    st.session_state[RUNS_KEY] = []
    st.session_state.pop(PRESET_KEY, None)
    st.query_params.pop(RUN_PARAM, None)


def start_comparison(runs: Sequence[RunSettings], preset: str) -> None:
    """A new comparison (of the preset ``preset``): nothing compared yet, ``runs`` queued."""
    st.session_state[RUNS_KEY] = []
    st.session_state[PRESET_KEY] = preset
    st.session_state[QUEUE_KEY] = list(runs)


def chosen_preset() -> str | None:
    """The key of the preset whose runs are compared, if the comparison is still a preset's."""
    return st.session_state.get(PRESET_KEY)


def take_queue() -> list[RunSettings]:
    """The runs waiting to be trained, removed from the session (an interrupted queue is dropped)."""
    return list(st.session_state.pop(QUEUE_KEY, []))


def runs_to_train(settings: RunSettings, *, pressed: bool, refused: bool) -> list[RunSettings]:
    """The runs this rerun trains (or reads from the cache), oldest first.

    Train pressed: the run ``settings`` describes, and the URL gets the run flag (a link to the page
    then reproduces the run, not just its settings). Else the queue a preset left; else, when the
    session compares nothing yet and the URL carries the flag (opened from such a link, or
    reloaded), ``settings`` again, unless that run is refused as too long.
    """
    queue = take_queue()
    if pressed:
        st.session_state.pop(PRESET_KEY, None)
        st.query_params[RUN_PARAM] = "1"
        return [settings]
    if not queue and not compared_runs() and st.query_params.get(RUN_PARAM) == "1" and not refused:
        return [settings]
    return queue
