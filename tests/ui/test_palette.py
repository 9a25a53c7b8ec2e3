"""The palette: WCAG contrast on white computed from the hex values, one dash per series.

WCAG 2.x: relative luminance L = 0.2126 R + 0.7152 G + 0.0722 B of the linearised sRGB channels
(c / 12.92 for c ≤ 0.04045, else ((c + 0.055) / 1.055)^2.4), and contrast (L₁ + 0.05) / (L₂ + 0.05)
with L₁ the lighter. Text needs 4.5:1 (AA), graphical marks 3:1 (non-text contrast, 1.4.11).
"""

import re

import pytest

from ui import palette

WHITE = "#FFFFFF"
OKABE_ITO = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_formula_matches_known_ratios():
    assert contrast("#000000", WHITE) == pytest.approx(21.0)
    assert contrast(WHITE, WHITE) == pytest.approx(1.0)
    assert contrast("#767676", WHITE) == pytest.approx(4.54, abs=0.01)  # the well-known AA grey


def test_every_colour_is_a_hex_triplet():
    for colour in {*palette.MARK_COLOURS, *palette.TEXT_COLOURS, *palette.BACKGROUNDS}:
        assert re.fullmatch(r"#[0-9A-Fa-f]{6}", colour), colour


@pytest.mark.parametrize("colour", palette.MARK_COLOURS)
def test_marks_reach_3_to_1_on_white(colour):
    assert contrast(colour, WHITE) >= 3.0


@pytest.mark.parametrize("colour", palette.TEXT_COLOURS)
def test_text_reaches_4_5_to_1_on_white(colour):
    assert contrast(colour, WHITE) >= 4.5


@pytest.mark.parametrize("background", palette.BACKGROUNDS)
def test_text_reaches_4_5_to_1_on_every_background(background):
    assert contrast(palette.TEXT, background) >= 4.5
    assert contrast(palette.NOTE_TEXT, background) >= 4.5


def test_series_are_okabe_ito_hues_each_with_its_own_dash():
    assert len(palette.SERIES) == len(set(palette.SERIES)) == len(palette.DASHES)
    assert len({tuple(d) for d in palette.DASHES}) == len(palette.DASHES)  # dashes tell them apart too
    assert set(palette.SERIES[:4]) <= OKABE_ITO  # the fifth is Okabe–Ito's orange, darkened
    for i in range(len(palette.SERIES)):
        assert palette.series(i) == (palette.SERIES[i], palette.DASHES[i])


def test_roles_that_share_a_chart_differ():
    assert len({palette.MEASURED, palette.BOUND, palette.REFERENCE, palette.MARKER}) == 4
    assert len({tuple(palette.SOLID), tuple(palette.BOUND_DASH), tuple(palette.REFERENCE_DASH)}) == 3
    assert palette.HIGHLIGHT != palette.MUTED
