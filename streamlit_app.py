"""BPTT Explorer: the entry file builds the navigation and the shared "Network" sidebar."""

import os

# One BLAS thread per script run: the matrices here are small (H ≤ 128) and many sessions run at
# once, so a thread pool per call costs more than it saves. Set before numpy is first imported;
# a value in the environment wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import streamlit as st  # noqa: E402

from ui import layout, memory, offload, session_memory, turns  # noqa: E402
from ui.site import PAGES  # noqa: E402
from ui.state import network_sidebar  # noqa: E402
from ui.training import calls as training  # noqa: E402


def main() -> None:
    memory.bound()  # once per process: fewer malloc arenas, freed memory returned (ui/memory.py)
    session_memory.weak_compute_locks()  # once per process: a cache key's lock lives while in use
    session_memory.prune_widgets()  # this session forgets the widgets it no longer has (ui/session_memory.py)
    offload.OFFLOAD.warm()  # the worker for long cached computations starts now, once (ui/offload.py)
    training.warm()  # and the Training page's (ui/training/calls.py)

    with turns.turn():  # the server's runs one at a time, in arrival order (ui/turns.py)
        st.set_page_config(page_title="BPTT Explorer", page_icon="🔁", layout="wide")
        layout.apply()

        pages = [
            st.Page(p.script, title=p.title, icon=p.icon, url_path=p.url_path or None, default=not p.url_path)
            for p in PAGES
        ]
        page = st.navigation(pages)
        network_sidebar()
        page.run()


# A worker process spawned while this file was the script being run imports it as __mp_main__
# (ui/jobs.py swaps __main__ out while it spawns, but a run starting meanwhile sets it again): a
# worker must not draw a page, nor start workers of its own.
if __name__ != "__mp_main__":
    main()
