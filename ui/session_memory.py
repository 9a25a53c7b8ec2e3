"""What Streamlit keeps for ever, bounded: a lock per cache key, and every widget a session drew.

Two structures of Streamlit grow with every new configuration a class visits and are never
shrunk, which over a long class is memory that only goes up (in a 10-minute soak of 100 sessions of
random settings, 26 000 locks added between the second and the tenth minute, about 6 MB; a student
with predictions on keeps two widget metadata more for every configuration left;
benchmarks/results/memory.md):

- Each ``st.cache_data`` / ``st.cache_resource`` cache keeps, in ``Cache._value_locks`` (a
  ``defaultdict(threading.Lock)``), the lock it takes while computing each key, and deletes it only
  when the cache is cleared: one lock and one key per miss, for the life of the process.
  :func:`weak_compute_locks` makes that mapping weak-valued (:class:`WeakLocks`): a lock lives as long
  as somebody holds it, so two runs computing the same key still share one lock (and one
  computation), and a key nobody is computing costs nothing.
- A session's ``WStates.widget_metadata`` (a widget's serializer, deserializer, callback and its
  arguments) keeps an entry for every widget id the session ever registered; Streamlit removes a
  stale widget's value at the end of each run but not its metadata. A widget's id changes with its
  parameters (a slider's range follows T) and a prediction's key names its configuration, so every
  configuration adds entries. :func:`prune_widgets`, called at the start of every full run,
  drops the metadata and the key mappings of widgets that have no value left anywhere in the
  session's state and no binding Streamlit still keeps (:func:`stale_widget_ids`): a widget drawn
  again registers anew, with its metadata.

Both reach into Streamlit's internals (``streamlit.runtime.caching.cache_utils.Cache`` and
``streamlit.runtime.state.session_state.SessionState``); where those are not as expected, each does
nothing and says so (returns ``False``), and tests/ui/test_session_memory.py checks both against the
installed Streamlit.
"""

from __future__ import annotations

import threading
import weakref

__all__ = ["WeakLocks", "forget_stale_widgets", "prune_widgets", "stale_widget_ids", "weak_compute_locks"]


class WeakLocks:
    """``defaultdict(threading.Lock)`` whose locks are dropped once nobody holds a reference to them.

    ``locks[key]`` is the lock for ``key``: the one already handed out while any caller still holds
    it, else a new one. Streamlit's ``Cache`` guards every access with its own lock
    (``_value_locks_lock``, which :func:`weak_compute_locks` also takes to convert the mapping), so
    two callers never race to create a key's lock.
    """

    __slots__ = ("_locks",)

    def __init__(self, locks=()):
        self._locks: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
        # Existing locks are carried over only while somebody holds them (a computation in flight).
        for key, lock in dict(locks).items():
            self._locks[key] = lock

    def __getitem__(self, key):
        lock = self._locks.get(key)
        if lock is None:
            lock = threading.Lock()
            self._locks[key] = lock
        return lock

    def __contains__(self, key) -> bool:
        return key in self._locks

    def __delitem__(self, key) -> None:
        # Cache.clear(key) asks `key in` and then deletes: the lock may have gone in between.
        self._locks.pop(key, None)

    def __len__(self) -> int:
        return len(self._locks)

    def clear(self) -> None:
        self._locks.clear()


_PATCH_LOCK = threading.Lock()
_PATCHED = False


def weak_compute_locks() -> bool:
    """Make every Streamlit cache's per-key compute locks weak-valued (:class:`WeakLocks`), the
    first time (later calls only report); whether they are."""
    global _PATCHED
    with _PATCH_LOCK:
        if _PATCHED:
            return True
        try:
            from streamlit.runtime.caching.cache_utils import Cache
        except ImportError:
            return False
        original = getattr(Cache, "compute_value_lock", None)
        if original is None:
            return False

        def compute_value_lock(self, value_key: str) -> threading.Lock:
            guard = getattr(self, "_value_locks_lock", None)
            if guard is None or not hasattr(self, "_value_locks"):
                return original(self, value_key)
            with guard:  # read and convert under the guard: two first misses convert it once
                locks = self._value_locks
                if not isinstance(locks, WeakLocks):
                    locks = self._value_locks = WeakLocks(locks)
                return locks[value_key]

        compute_value_lock.__doc__ = original.__doc__
        compute_value_lock.__wrapped__ = original
        Cache.compute_value_lock = compute_value_lock
        _PATCHED = True
        return True


def stale_widget_ids(state) -> tuple[list[str], list[str], list[str]]:
    """What of a ``SessionState`` nothing reads again: the widget ids whose metadata, the widget ids
    whose id → key entries, and the user keys whose key → id entries can go.

    A widget is kept when it has a value (this run's widget values or the previous run's), when its
    key holds a value of its own (a callback may have set it while the widget was not drawn: the
    next run stores that value under the widget's id, and a fragment run keeps it only if the id
    still has metadata), when Streamlit still binds it to a URL parameter or has a reset pending
    for it, and when it is its key's current widget and bound to a query parameter or given a
    persisted-state policy (Streamlit prunes those sets against the id → key entries, so an id of
    a bound widget that its key no longer names goes too). A key goes when its widget goes and it
    holds no value of its own. Every collection is copied first: an older run of the session, still
    ending, may register a widget meanwhile."""
    widgets = state._new_widget_state
    mapper = state._key_id_mapper
    key_to_id = dict(mapper._key_id_mapping)
    user_values = set(state._old_state) | set(state._new_session_state)
    keep = set(widgets.states) | set(state._old_state)
    keep.update(wid for key, wid in key_to_id.items() if key in user_values)
    tracker = getattr(state, "_persist_tracker", None)
    keep.update(getattr(tracker, "_pending_resets", ()))
    keep.update(getattr(getattr(state, "query_params", None), "_bindings_by_widget", ()))
    current = set(key_to_id.values())
    policies = set(getattr(state, "_query_param_bound_widget_ids", ()))
    policies.update(getattr(tracker, "_scopes", ()))
    keep.update(current & policies)
    keys = [key for key, wid in key_to_id.items() if wid not in keep and key not in user_values]
    gone_keys = set(keys)
    named = {wid for key, wid in key_to_id.items() if key not in gone_keys}
    metadata = [wid for wid in list(widgets.widget_metadata) if wid not in keep]
    reverse = [wid for wid in list(mapper._id_key_mapping) if wid not in keep and wid not in named]
    return metadata, reverse, keys


def forget_stale_widgets(state) -> int:
    """Drop a ``SessionState``'s stale widget metadata and key mappings (:func:`stale_widget_ids`):
    how many entries were dropped. The caller holds the session state's lock."""
    metadata, reverse, keys = stale_widget_ids(state)
    widget_metadata = state._new_widget_state.widget_metadata
    mapper = state._key_id_mapper
    for wid in metadata:
        widget_metadata.pop(wid, None)
    for wid in reverse:
        mapper._id_key_mapping.pop(wid, None)
    for key in keys:
        mapper._key_id_mapping.pop(key, None)
    return len(metadata) + len(reverse) + len(keys)


def prune_widgets() -> int | bool:
    """:func:`forget_stale_widgets` for this run's session: how many entries were dropped, or
    ``False`` outside a script run or where Streamlit's session state is not as expected.

    Called at the start of a full run, before any widget registers: the browser's widget values and
    the callbacks of this rerun are in the session's state by then."""
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
    except ImportError:
        return False
    ctx = get_script_run_ctx(suppress_warning=True)
    safe = getattr(ctx, "session_state", None)
    state, lock = getattr(safe, "_state", None), getattr(safe, "_lock", None)
    try:
        with lock:
            return forget_stale_widgets(state)
    except (AttributeError, TypeError, RuntimeError):  # not the state this expects, or changed meanwhile
        return False
