"""The "Activation derivatives" page: the ranges and URL keys of its controls, shared by its modules.

calls.py holds the cached calls into rnn_core, charts.py the Altair chart builders, text.py the
sentences and tables; the LaTeX is in ui/formulas.py (section "activations").
"""

from __future__ import annotations

import rnn_core as rc
from ui import palette
from ui.state import ACTIVATION_LABELS

NAMES = tuple(rc.ACTIVATIONS)

SHOW_KEY, ARANGE_KEY, KMAX_KEY = "show", "arange", "kmax"

A_MAX_MIN, A_MAX_MAX, A_MAX_DEFAULT = 1, 40, 8

K_MAX_MIN, K_MAX_MAX, K_MAX_DEFAULT = 1, 500, 100  # 0.25⁵⁰⁰ ≈ 1e−301 is still a normal float64

PLOT_HALF = 200  # points per side for drawing f and f′ (5 activations × 401 points stay light)

CHECK_HALF = 20_000  # points per side for the computed checks of the ranges (step a_max / 20 000)

FRACTION = rc.SATURATION_FRACTION

BOUNDED = ("tanh", "sigmoid")  # the activations whose f′ float64 can round to exactly 0.0

ZOOM_A, FULL_A = 40.0, 800.0  # the float64 chart's two panels: the textbook forms' edges, then rnn_core's

COLORS = dict(zip(NAMES, palette.SERIES))

DASHES = dict(zip(NAMES, palette.DASHES))


def label(name: str) -> str:
    return ACTIVATION_LABELS[name]
