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

``offload`` (True, or a predicate of the arguments) marks a function whose misses are worth
computing in a worker process while the run gives its turn away (:mod:`ui.offload`, which says
when a miss is computed in the run all the same). The run then stores the worker's result under
the same entry, so the cache and what a hit returns are the same either way.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
import threading
from collections.abc import Callable

import streamlit as st

from ui import offload as offloading

__all__ = ["cache_data", "key_of"]


class _Pending(threading.local):
    """One cached function's calls in progress in this thread: their arguments, by digest (a miss
    reads them there). Per function, since two functions called with the same arguments (a page's
    ``profile(net, steps)`` calling ``live_network(net, steps)``) have the same digest."""

    def __init__(self):
        self.calls: dict[str, tuple[tuple, dict]] = {}
        self.probing: set[str] = set()  # a miss of these raises _Miss instead of computing
        self.results: dict[str, object] = {}  # computed elsewhere: a miss stores these


def key_of(args: tuple, kwargs: dict) -> str | None:
    """The digest a call is cached under: MD5 of its pickled arguments; None if they do not pickle."""
    try:
        data = pickle.dumps((args, kwargs), protocol=5)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


class _Miss(Exception):
    """Raised by a probing lookup that misses: nothing is computed or cached for it."""


def cache_data(*, offload: bool | Callable[..., bool] = False, **options) -> Callable[[Callable], Callable]:
    """``@st.cache_data(**options)``, looked up by :func:`key_of` of the arguments; ``offload``: its
    misses may be computed in a worker process (module docstring)."""

    def decorate(fn: Callable) -> Callable:
        pending = _Pending()

        def by_key(key: str):
            if key in pending.results:
                return pending.results[key]
            if key in pending.probing:
                raise _Miss
            args, kwargs = pending.calls[key]
            with offloading.computing():
                return fn(*args, **kwargs)

        def unkeyed(*args, **kwargs):
            with offloading.computing():
                return fn(*args, **kwargs)

        # Streamlit names a function's cache by its module, qualified name and source: the source
        # is fn's (inspect follows __wrapped__), the name says that this cache is keyed by digest
        functools.update_wrapper(by_key, fn)
        by_key.__qualname__ = f"{fn.__qualname__}[by key]"
        functools.update_wrapper(unkeyed, fn)
        keyed = st.cache_data(**options)(by_key)
        plain = st.cache_data(**options)(unkeyed)

        if offload:
            offloading.OFFLOADED.add((fn.__module__, fn.__qualname__))

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            key = key_of(args, kwargs)
            if key is None:
                return plain(*args, **kwargs)
            pending.calls[key] = (args, kwargs)
            try:
                if offload and (offload is True or offload(*args, **kwargs)):
                    job_key = (fn.__module__, fn.__qualname__, key)
                    if offloading.OFFLOAD.wanted(job_key):
                        pending.probing.add(key)
                        try:
                            return keyed(key)  # a hit
                        except _Miss:
                            pass
                        finally:
                            pending.probing.discard(key)
                        result = offloading.OFFLOAD.compute(job_key, wrapper, args, kwargs)
                        if result is not offloading.MISSING:
                            pending.results[key] = result
                return keyed(key)
            finally:
                pending.calls.pop(key, None)
                pending.results.pop(key, None)

        wrapper.clear = lambda: (keyed.clear(), plain.clear())
        return wrapper

    return decorate
