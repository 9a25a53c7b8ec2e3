"""The colours and dash patterns every chart and graph uses, named by role, and the charts' text colours.

One colour-blind-safe palette (Okabe & Ito, "Color Universal Design"), with a dash pattern for each
series as a second channel, so that no curve is told apart by colour alone. On the white page every
colour that draws a mark reaches a WCAG contrast of 3:1, and every colour that draws text 4.5:1; the
series stay apart under simulated protanopia and deuteranopia (tests/ui/test_palette.py computes
both). Okabe–Ito's sky blue and yellow stay out (they cannot reach 3:1 on white), and so does its
orange: darkened to reach 3:1 it becomes the vermillion's twin for a deuteranope, so the fifth series
is a dark brown. The highlight is a darker vermillion so that the labels it colours reach 4.5:1.

Importing this module registers and enables the Altair theme :data:`THEME`: axis, legend and title
text in :data:`TEXT` and :data:`NOTE_TEXT` (Streamlit's own chart theme draws it in a grey that
reaches only 3.7:1, and a chart's own config overrides that theme), legends below the plot.
"""

from __future__ import annotations

import altair as alt

# Okabe–Ito, as published (black, blue, vermillion, bluish green, reddish purple) and a dark brown
BLACK = "#000000"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
GREEN = "#009E73"
PURPLE = "#CC79A7"
BROWN = "#661100"

# roles: curves compared on one chart
MEASURED = BLUE  # what the network did
BOUND = VERMILLION  # what theory allows (γ·σ_max(W))ᵈ, or the second of two methods
REFERENCE = "#767676"  # a reference curve (ρ(W)ᵈ, γᵏ), grey that still reaches 4.5:1
MARKER = BLACK  # rules and markers for the reader's own setting (your θ, your τ, the diamond)

# roles: paths in the unrolled graph, cells of a heatmap
HIGHLIGHT = "#B84F00"  # darker vermillion: the edges, rings and labels of the highlighted paths
MUTED = "#767676"  # everything off the path: lighter than the text, 4.5:1 so that thin edges stay 3:1
PATH_FILL = "#FDE3E1"  # the fill of a node on the path (a background: text on it is TEXT)
STATE_FILL = "#DBE9F6"  # the fill of a hidden-state node (a background)
ZERO = "#949494"  # cells whose value is exactly zero (or not a number) in a log-coloured heatmap

# text
TEXT = "#222222"
NOTE_TEXT = "#555555"  # secondary text drawn inside a chart: axis labels, legends, subtitles, notes

# code highlighting (Prism's token classes in st.code), each 4.5:1 on CODE_BACKGROUND: Streamlit's own
# greys, blues, greens and oranges there reach 2.2:1 to 3.7:1
CODE_BACKGROUND = "#F8FAFC"  # the theme's code background (secondaryBackgroundColor's lighter tint)
CODE_COLOURS = {
    "keyword function builtin class-name": "#1D4ED8",
    "string char attr-value triple-quoted-string": "#15803D",
    "number boolean constant": "#0F766E",
    "operator entity url": "#B45309",
    "decorator atrule": "#6D28D9",
    "punctuation": "#4B5563",
    "comment prolog doctype": "#5B6170",
}

# series[0..4]: runs, activations, initialisations; each has its own dash
SERIES = (BLUE, VERMILLION, GREEN, PURPLE, BROWN)
SOLID: list[int] = []
DASHES = ([], [6, 3], [2, 2], [8, 3, 2, 3], [1, 3])
BOUND_DASH = [6, 3]
REFERENCE_DASH = [2, 2]
MARKER_DASH = [4, 3]

# which colours are checked at which contrast (against white)
MARK_COLOURS = (*SERIES, MEASURED, BOUND, REFERENCE, MARKER, HIGHLIGHT, MUTED, ZERO)
TEXT_COLOURS = (TEXT, NOTE_TEXT, HIGHLIGHT, REFERENCE, MARKER, MUTED, *CODE_COLOURS.values())
BACKGROUNDS = ("#FFFFFF", PATH_FILL, STATE_FILL, CODE_BACKGROUND)  # TEXT and NOTE_TEXT are drawn on each
# colours drawn side by side on one chart, which must stay apart for colour-blind readers too
TOGETHER = (*SERIES, REFERENCE, MARKER)


def series(i: int) -> tuple[str, list[int]]:
    """The colour and dash of the i-th series (i = 0..4)."""
    return SERIES[i], DASHES[i]


THEME = "bptt"
CHART_CONFIG = {
    "axis": {"labelColor": NOTE_TEXT, "titleColor": TEXT, "tickColor": NOTE_TEXT},
    # Legends below the plot, one entry a line: a legend on the right takes the plot's width on a
    # phone, and one on a single row runs past the chart's edge (Vega-Lite does not wrap it).
    "legend": {"labelColor": NOTE_TEXT, "titleColor": TEXT, "orient": "bottom", "columns": 1},
    "header": {"labelColor": NOTE_TEXT, "titleColor": TEXT},
    "title": {"color": TEXT, "subtitleColor": NOTE_TEXT},
    "text": {"color": TEXT},
}  # Streamlit's theme keeps the fonts, sizes and view size


@alt.theme.register(THEME, enable=True)
def chart_theme() -> alt.theme.ThemeConfig:
    """The Altair theme of every chart: WCAG AA text colours over Streamlit's chart theme."""
    return alt.theme.ThemeConfig(config=CHART_CONFIG)
