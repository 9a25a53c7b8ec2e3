"""Test-wide setup, set before numpy and the app load.

One BLAS thread, as the app runs (streamlit_app.py): many small matrix products on a shared 2-core
machine run faster and steadier single-threaded. Every chart spec the app draws is checked against
the Vega-Lite schema (the served app skips that check for speed: ui/chart_cache.py). Pages open
with their predictions off unless a test's link sets pred=on (ui/predict/mode.py). Long cached
computations go to a thread of the test's own process, not a worker process (ui/offload.py); the
browser tests' servers use worker processes, as the app does.
"""

import os
import sys

import pytest

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ["BPTT_VALIDATE_CHARTS"] = "1"
os.environ.setdefault("BPTT_PREDICT", "off")
os.environ.setdefault("BPTT_OFFLOAD", "thread")


@pytest.fixture(autouse=True)
def _main_module_restored():
    """``__main__`` as it was before each test: an AppTest run installs its script as ``__main__``
    and leaves it there, and a worker process spawned later in the same test process (ui/jobs.py)
    would first run that script."""
    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main
