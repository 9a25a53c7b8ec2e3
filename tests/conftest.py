"""Test-wide setup: one BLAS thread, as the app runs (see streamlit_app.py), set before numpy loads.

Many small matrix products on a shared 2-core machine run faster and steadier single-threaded.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
