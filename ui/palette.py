"""The colours and dash patterns every chart and graph uses, named by role.

One colour-blind-safe palette (Okabe & Ito, "Color Universal Design"), with a dash pattern for each
series as a second channel, so that no curve is told apart by colour alone. On the white page every
colour that draws a mark reaches a WCAG contrast of 3:1, and every colour that draws text 4.5:1
(tests/ui/test_palette.py computes them): Okabe–Ito's orange is darkened to reach 3:1, and the
highlight is a darker vermillion so that the labels it colours reach 4.5:1. Okabe–Ito's sky blue
and yellow stay out: they cannot reach 3:1 on white.
"""

from __future__ import annotations

# Okabe–Ito, as published (black, blue, vermillion, bluish green, reddish purple) and darkened orange
BLACK = "#000000"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
GREEN = "#009E73"
PURPLE = "#CC79A7"
ORANGE = "#B07A00"

# roles: curves compared on one chart
MEASURED = BLUE  # what the network did
BOUND = VERMILLION  # what theory allows (γ·σ_max(W))ᵈ, or the second of two methods
REFERENCE = "#767676"  # a reference curve (ρ(W)ᵈ, γᵏ), grey that still reaches 4.5:1
MARKER = BLACK  # rules and markers for the reader's own setting (your θ, your τ, the diamond)

# roles: paths in the unrolled graph, cells of a heatmap
HIGHLIGHT = "#B84F00"  # darker vermillion: the edges, rings and labels of the highlighted paths
MUTED = "#949494"  # everything off the path: lighter, still 3:1
PATH_FILL = "#FDE3E1"  # the fill of a node on the path (a background: text on it is TEXT)
STATE_FILL = "#DBE9F6"  # the fill of a hidden-state node (a background)
ZERO = "#949494"  # cells whose value is exactly zero (or not a number) in a log-coloured heatmap

# text
TEXT = "#222222"
NOTE_TEXT = "#555555"  # secondary text drawn inside a chart

# series[0..4]: runs, activations, initialisations; each has its own dash
SERIES = (BLUE, VERMILLION, GREEN, PURPLE, ORANGE)
SOLID: list[int] = []
DASHES = ([], [6, 3], [2, 2], [8, 3, 2, 3], [1, 3])
BOUND_DASH = [6, 3]
REFERENCE_DASH = [2, 2]
MARKER_DASH = [4, 3]

# which colours are checked at which contrast (against white)
MARK_COLOURS = (*SERIES, MEASURED, BOUND, REFERENCE, MARKER, HIGHLIGHT, MUTED, ZERO)
TEXT_COLOURS = (TEXT, NOTE_TEXT, HIGHLIGHT, REFERENCE, MARKER)
BACKGROUNDS = ("#FFFFFF", PATH_FILL, STATE_FILL)  # TEXT is drawn on each


def series(i: int) -> tuple[str, list[int]]:
    """The colour and dash of the i-th series (i = 0..4)."""
    return SERIES[i], DASHES[i]
