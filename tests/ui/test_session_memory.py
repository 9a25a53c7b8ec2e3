"""ui.session_memory against the installed Streamlit: cache locks that live only while in use, and a
session that forgets the widgets it no longer has, without changing what any widget shows."""

from __future__ import annotations

import gc
import threading
import time

import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.app.helpers import open_app, widget
from ui import session_memory
from ui.session_memory import WeakLocks


def test_a_weak_lock_is_the_same_while_held_and_gone_when_nobody_holds_it():
    locks = WeakLocks()
    first = locks["k"]
    assert locks["k"] is first and "k" in locks and len(locks) == 1
    del first
    gc.collect()
    assert "k" not in locks and len(locks) == 0
    held = locks["a"]
    locks["b"]  # not held: gone at once
    assert len(locks) == 1 and locks["a"] is held
    del locks["a"]
    assert "a" not in locks and locks["a"] is not held
    locks.clear()
    assert len(locks) == 0


def test_weak_locks_carry_over_only_the_locks_somebody_holds():
    held = threading.Lock()
    locks = WeakLocks({"held": held, "idle": threading.Lock()})
    assert locks["held"] is held and "idle" not in locks


def _cache_of(fn_name: str):
    from streamlit.runtime.caching.cache_data_api import _data_caches

    caches = [c for c in _data_caches._function_caches.get(None, {}).values() if fn_name in c.display_name]
    assert len(caches) == 1, [c.display_name for c in caches]
    return caches[0]


def test_cache_misses_leave_no_lock_behind_and_identical_misses_still_compute_once():
    assert session_memory.weak_compute_locks() is True
    assert session_memory.weak_compute_locks() is True  # once; later calls only report
    calls = []

    @st.cache_data(show_spinner=False)
    def _square_for_locks(x):
        calls.append(x)
        time.sleep(0.2 if x == "slow" else 0)
        return x * 2

    for i in range(50):
        assert _square_for_locks(i) == 2 * i
    cache = _cache_of("_square_for_locks")
    gc.collect()
    assert len(cache._value_locks) == 0, "a lock per missed key was kept"
    assert isinstance(cache._value_locks, WeakLocks)

    # Two runs missing the same key at once: the second waits on the first's lock, one computation.
    results = []
    threads = [threading.Thread(target=lambda: results.append(_square_for_locks("slow"))) for _ in range(2)]
    threads[0].start()
    time.sleep(0.05)
    assert len(cache._value_locks) == 1 and next(iter(cache._value_locks._locks.values())).locked()
    threads[1].start()
    for t in threads:
        t.join()
    assert results == ["slowslow", "slowslow"] and calls.count("slow") == 1
    gc.collect()
    assert len(cache._value_locks) == 0


def _changing_widgets(prune: bool):
    import streamlit as st

    from ui import session_memory

    if prune:
        session_memory.prune_widgets()
    n = st.session_state.get("n", 0)
    st.number_input("fixed", key="fixed", value=1)  # the same widget every run
    st.number_input("per run", key=f"q-{n}", value=n)  # a new key every run (a prediction per configuration)
    st.slider("range follows n", 0, 10 + n, 3)  # no key: its id follows its range
    if n % 2 == 0:
        st.checkbox("every other run", key="every-other")
    st.session_state.n = n + 1


def _metadata(at: AppTest) -> dict:
    return at._session_state._state._new_widget_state.widget_metadata


def _mapper(at: AppTest):
    return at._session_state._state._key_id_mapper


def _drive(prune: bool):
    """The same twelve runs of moves, with or without pruning: what each run showed, and what the
    session kept at the end."""
    at = AppTest.from_function(_changing_widgets, args=(prune,)).run()
    seen = []
    for run in range(12):
        at.number_input(key="fixed").set_value(run + 5)
        if run % 4 == 0 and at.checkbox:
            at.checkbox(key="every-other").check()
        at.run()
        assert not at.exception
        seen.append((at.number_input(key="fixed").value, at.slider[0].value, [c.value for c in at.checkbox]))
    return seen, _metadata(at), _mapper(at)


def test_a_session_keeps_the_metadata_of_only_the_widgets_it_still_has():
    seen_kept, metadata_kept, _ = _drive(prune=False)
    # What the installed Streamlit keeps without it: every widget id ever drawn.
    assert len(metadata_kept) >= 12 * 2, "Streamlit no longer keeps stale metadata: ui.session_memory may go"

    seen, metadata, mapper = _drive(prune=True)
    assert seen == seen_kept, "pruning changed what a widget shows"
    # The start of the last run kept the previous run's three or four widgets; that run drew its own.
    assert len(metadata) <= 8, sorted(metadata)
    assert len(mapper._key_id_mapping) <= 6 and len(mapper._id_key_mapping) <= 6


def test_pruning_outside_a_script_run_does_nothing():
    assert session_memory.prune_widgets() is False


def test_the_app_forgets_the_widgets_of_the_configurations_a_student_left():
    # Predictions on: each configuration of the Activations page asks its own question (keys by config).
    at = open_app("app_pages/activations.py", pred="on")
    first = len(_metadata(at))
    for t in (4, 6, 8, 10, 12, 14, 16, 18):
        widget(at, "T").set_value(t).run()
        assert not at.exception
    assert widget(at, "T").value == 18
    # Without the pruning the session keeps two more per configuration left (37 from 21 after eight).
    assert len(_metadata(at)) <= first + 4, (first, len(_metadata(at)))
