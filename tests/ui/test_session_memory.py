"""ui.session_memory against the installed Streamlit: cache locks that live only while in use, and a
session that forgets the widgets it no longer has, without changing what any widget shows."""

from __future__ import annotations

import gc
import threading
import time

import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.app.helpers import open_app, wait_until, widget
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
    del locks["never"]  # Cache.clear(key) asks `in`, then deletes: the lock may have gone meanwhile
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
    wait_until(
        lambda: len(cache._value_locks) == 1 and next(iter(cache._value_locks._locks.values())).locked()
    )
    threads[1].start()
    for t in threads:
        t.join()
    assert results == ["slowslow", "slowslow"] and calls.count("slow") == 1
    gc.collect()
    assert len(cache._value_locks) == 0


def test_two_first_misses_of_a_cache_convert_its_locks_once_and_share_one_lock():
    from collections import defaultdict

    assert session_memory.weak_compute_locks() is True

    @st.cache_data(show_spinner=False)
    def _for_the_race(x):
        return x

    _for_the_race(0)
    cache = _cache_of("_for_the_race")
    cache._value_locks = defaultdict(threading.Lock)  # as a cache is made: not converted yet
    got, start = [], threading.Barrier(4)

    def ask():
        start.wait()
        got.append(cache.compute_value_lock("k"))

    with cache._value_locks_lock:  # all four are inside compute_value_lock before any converts
        threads = [threading.Thread(target=ask) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.1)
    for t in threads:
        t.join()
    assert len(got) == 4 and all(lock is got[0] for lock in got)
    assert isinstance(cache._value_locks, WeakLocks)


def _changing_widgets(prune: bool):
    import streamlit as st

    from ui import session_memory

    if prune:
        session_memory.prune_widgets()
    n = st.session_state.get("n", 0)
    st.number_input("fixed", key="fixed", value=1)  # the same widget every run
    st.number_input("per run", key=f"q-{n}", value=n)  # a new key every run (a prediction per configuration)
    st.slider("range follows n", 0, 10 + n, 3)  # no key: its id follows its range
    if n % 3:
        st.slider("moved, hidden every third run", 0, 10 + n, 2, key="moved")
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
        moved = [w for w in at.slider if w.key == "moved"]
        if moved:
            moved[0].set_value(run % 7)
        at.run()
        assert not at.exception
        seen.append(
            (
                at.number_input(key="fixed").value,
                [(w.key, w.value) for w in at.slider],
                [c.value for c in at.checkbox],
                at.session_state["moved"] if "moved" in at.session_state else None,
            )
        )
    return seen, _metadata(at), _mapper(at)


def test_a_session_keeps_the_metadata_of_only_the_widgets_it_still_has():
    seen_kept, metadata_kept, _ = _drive(prune=False)
    # What the installed Streamlit keeps without it: every widget id ever drawn.
    assert len(metadata_kept) >= 12 * 2, "Streamlit no longer keeps stale metadata: ui.session_memory may go"

    seen, metadata, mapper = _drive(prune=True)
    assert seen == seen_kept, "pruning changed what a widget shows"
    # The start of the last run kept the previous run's three to five widgets; that run drew its own.
    assert len(metadata) <= 10, sorted(metadata)
    assert len(mapper._key_id_mapping) <= 8 and len(mapper._id_key_mapping) <= 8


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


def _run(state, ctx, drawn=(), fragments=None, before=None):
    """One script run of ``state`` drawing the widgets ``drawn`` (metadata, key) at the start of
    which the session forgets its stale widgets, as streamlit_app.py has it."""
    from streamlit.proto.WidgetStates_pb2 import WidgetStates

    ctx.fragment_ids_this_run = fragments
    state.on_script_will_rerun(WidgetStates())
    if before is not None:
        before(state)  # a callback of this rerun
    if fragments is None:
        session_memory.forget_stale_widgets(state)
    for metadata, key in drawn:
        state.register_widget(metadata, key)
    state.on_script_finished(frozenset(m.id for m, _ in drawn))


def test_a_value_a_callback_gives_a_hidden_widget_survives_a_fragment_run(monkeypatch):
    import types

    from streamlit.runtime.state import session_state as ssm
    from streamlit.runtime.state.common import WidgetMetadata

    ctx = types.SimpleNamespace(
        page_script_hash="p",
        fragment_ids_this_run=None,
        shared=types.SimpleNamespace(widget_ids_this_run=set(), form_ids_this_run=set()),
        script_requests=None,
    )
    monkeypatch.setattr(ssm, "get_script_run_ctx", lambda *a, **k: ctx)
    state = ssm.SessionState()
    x = WidgetMetadata("$$ID-abc-x", lambda v: 1 if v is None else v, lambda v: v, "int_value")
    _run(state, ctx, drawn=[(x, "x")])  # x drawn
    _run(state, ctx)  # x hidden
    _run(state, ctx, before=lambda s: s.__setitem__("x", 42))  # a callback sets x, still hidden
    assert x.id in state._new_widget_state.widget_metadata
    _run(state, ctx, fragments=["F"])  # a fragment run: it keeps x only if x has its metadata
    seen = []
    _run(state, ctx, before=lambda s: seen.append(s["x"] if "x" in s else None))  # the next full run reads x
    assert seen == [42]


def _bound_slider():
    import streamlit as st

    from ui import session_memory

    session_memory.prune_widgets()
    n = st.session_state.get("n", 2)
    st.slider("steps", 1, 1 + n, 1, key="s", bind="query-params")  # its id follows n; in the URL
    st.session_state.n = n + 1


def test_a_widget_bound_to_the_url_whose_id_changes_keeps_its_value_and_not_its_old_ids():
    at = AppTest.from_function(_bound_slider).run()
    at.slider(key="s").set_value(2).run()
    for _ in range(6):
        at.run()
        assert not at.exception
        assert at.slider(key="s").value == 2 and at.query_params["s"] in ("2", ["2"])
    state = at._session_state._state
    # Without the pruning: one metadata entry and one bound id for every range the slider had (8).
    assert len(state._new_widget_state.widget_metadata) <= 2
    assert len(state._query_param_bound_widget_ids) <= 2 and len(state._key_id_mapper._id_key_mapping) <= 2
