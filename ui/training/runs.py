"""The runs of this session: the ones kept for comparison, the queue waiting to be trained, and the
link's runs.

The URL carries the compared runs themselves (``trun``, :func:`ui.training.settings.encode_runs`)
and the preset whose comparison they are (``tpre``), not a flag: a link opened elsewhere trains (or
reads from the cache) exactly the runs its sender saw, even when the sender moved a control after
training. The controls in the link may then ask for another run: the page marks the runs stale.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from ui.training.calls import RunRecord
from ui.training.settings import RunSettings, decode_runs, encode_runs, run_length

MAX_RUNS = 4
RUNS_KEY, QUEUE_KEY, PRESET_KEY = "tl_runs", "tl_queue", "tl_preset"
RUN_PARAM = "trun"  # the compared runs, written by settings.encode_runs
PRESET_PARAM = "tpre"  # the preset whose comparison they are
LEGACY_RUN = "1"  # older links: trun=1 meant "the run the link's controls describe"
LINK_NOTE_KEY = "tl_link_note"


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
    st.query_params.pop(PRESET_PARAM, None)


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


def runs_to_train(
    settings: RunSettings, *, pressed: bool, refused: bool
) -> tuple[list[RunSettings], str | None]:
    """The runs this rerun trains (or reads from the cache), oldest first, and a note on the link's runs.

    Train pressed: the run ``settings`` describes. Else the queue a preset left. Else, when the
    session compares nothing yet and the URL carries runs (opened from a link, or reloaded), those
    runs and the link's preset; ``trun=1`` (older links) is the run ``settings`` describes. A link's
    runs that cannot be read, or that would be refused as too long, are not trained: the note (a
    :data:`NOTE_KINDS` key and the reason) says so.
    """
    queue = take_queue()
    if pressed:
        st.session_state.pop(PRESET_KEY, None)
        return [settings], None
    linked = st.query_params.get(RUN_PARAM)
    if queue or compared_runs() or not linked:
        return queue, None
    if linked == LEGACY_RUN:
        return ([], ("refused", "")) if refused else ([settings], None)
    try:
        wanted = decode_runs(linked)
    except ValueError as error:
        return [], ("unreadable", str(error))
    if len(wanted) > MAX_RUNS:
        return [], ("unreadable", f"{len(wanted)} runs, at most {MAX_RUNS}")
    if any(run_length(s) == "refused" for s in wanted):
        return [], ("refused", "")
    preset = st.query_params.get(PRESET_PARAM)
    if preset is not None:
        st.session_state[PRESET_KEY] = preset  # kept only if these are that preset's runs (sync_link)
    return wanted, None


NOTE_KINDS = ("unreadable", "refused")


def _put(key: str, value: str | None) -> None:
    """The URL's ``key`` set to ``value`` (dropped for None), written only when it changes.

    Every write sends the browser the server's copy of the whole query string, and in that copy a
    control moved while this run ran still has its old value: a write on every run could put a
    slider's old value back into the URL that the browser had already updated.
    """
    if value is None:
        st.query_params.pop(key, None)
    elif st.query_params.get(key) != value:
        st.query_params[key] = value


def sync_link(compared: Sequence[RunRecord], preset_runs: Sequence[RunSettings] | None) -> None:
    """Write the compared runs (and their preset, when they are exactly its runs) into the URL."""
    settings = [r.settings for r in compared]
    _put(RUN_PARAM, encode_runs(settings) if settings else None)
    if preset_runs is None or list(preset_runs) != settings:
        st.session_state.pop(PRESET_KEY, None)
        _put(PRESET_PARAM, None)
    else:
        _put(PRESET_PARAM, st.session_state[PRESET_KEY])


def stale_run(chosen: RunSettings, compared: Sequence[RunRecord]) -> RunSettings | None:
    """The last compared run when the controls now ask for a run that is not among the compared ones
    (changed after Train, or a link whose controls differ from its runs); else None."""
    if not compared or any(r.settings == chosen for r in compared):
        return None
    return compared[-1].settings
