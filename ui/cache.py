"""``st.cache_data`` keyed by its arguments' pickle: the same cache, a cheaper lookup.

Every call of a cached function hashes its arguments to find the entry. Streamlit's hasher walks
an argument object by object (a :class:`ui.state.Network` took ~0.2 ms, a Jacobian profile with its
arrays ~0.9 ms), and a page makes a dozen such calls per rerun, hits included. :func:`cache_data`
caches the same function under the MD5 digest of its pickled arguments (a few microseconds): the
digest is the one argument Streamlit hashes, and on a miss the function gets its real arguments,
held for that call in the calling thread. Two calls share an entry only if their arguments pickle
to the same bytes (an exact copy of each other); arguments that do not pickle fall back to
Streamlit's own hashing. Everything else (the entries, ``max_entries``, the server's
``maxCacheDataSize``, ``st.cache_data.clear()``) is Streamlit's.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
import threading
from collections.abc import Callable

import streamlit as st

__all__ = ["cache_data", "key_of"]


class _Pending(threading.local):
    """One cached function's calls in progress in this thread: their arguments, by digest (a miss
    reads them there). Per function, since two functions called with the same arguments (a page's
    ``profile(net, steps)`` calling ``live_network(net, steps)``) have the same digest."""

    def __init__(self):
        self.calls: dict[str, tuple[tuple, dict]] = {}


def key_of(args: tuple, kwargs: dict) -> str | None:
    """The digest a call is cached under: MD5 of its pickled arguments; None if they do not pickle."""
    try:
        data = pickle.dumps((args, kwargs), protocol=5)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def cache_data(**options) -> Callable[[Callable], Callable]:
    """``@st.cache_data(**options)``, looked up by :func:`key_of` of the arguments (module docstring)."""

    def decorate(fn: Callable) -> Callable:
        pending = _Pending()

        def by_key(key: str):
            args, kwargs = pending.calls[key]
            return fn(*args, **kwargs)

        # Streamlit names a function's cache by its module, qualified name and source: the source
        # is fn's (inspect follows __wrapped__), the name says that this cache is keyed by digest
        functools.update_wrapper(by_key, fn)
        by_key.__qualname__ = f"{fn.__qualname__}[by key]"
        keyed = st.cache_data(**options)(by_key)
        plain = st.cache_data(**options)(fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            key = key_of(args, kwargs)
            if key is None:
                return plain(*args, **kwargs)
            pending.calls[key] = (args, kwargs)
            try:
                return keyed(key)
            finally:
                pending.calls.pop(key, None)

        wrapper.clear = lambda: (keyed.clear(), plain.clear())
        return wrapper

    return decorate
