"""The palette: WCAG contrast on white computed from the hex values, one dash per series, and
series that stay apart for colour-blind readers.

WCAG 2.x: relative luminance L = 0.2126 R + 0.7152 G + 0.0722 B of the linearised sRGB channels
(c / 12.92 for c ≤ 0.04045, else ((c + 0.055) / 1.055)^2.4), and contrast (L₁ + 0.05) / (L₂ + 0.05)
with L₁ the lighter. Text needs 4.5:1 (AA), graphical marks 3:1 (non-text contrast, 1.4.11).

Colour blindness is simulated two independent ways on linear RGB: Machado, Oliveira & Fernandes
(2009), severity 1, one published 3×3 matrix per type; and Viénot, Brettel & Mollon (1999), which
projects the LMS cone response onto the plane a dichromat sees. Colours are compared by their CIE
1976 ΔE (Euclidean distance in CIELAB, D65 white).
"""

import itertools
import re

import altair as alt
import numpy as np
import pandas as pd
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


# --- colour-blind readers --------------------------------------------------------------------------

MACHADO = {  # Machado et al. 2009, Table 1, severity 1.0
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
    ),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
    ),
}
RGB_TO_LMS = np.array(  # Viénot et al. 1999, eq. 4 (linear RGB → LMS)
    [[17.8824, 43.5161, 4.11935], [3.45565, 27.1554, 3.86714], [0.0299566, 0.184309, 1.46709]]
)
VIENOT_PROJECTION = {  # the missing cone's response rebuilt from the other two (eq. 6 and 7)
    "protanopia": np.array([[0.0, 2.02344, -2.52581], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]),
    "deuteranopia": np.array([[1.0, 0.0, 0.0], [0.494207, 0.0, 1.24827], [0.0, 0.0, 1.0]]),
}
RGB_TO_XYZ = np.array(  # sRGB, D65
    [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750], [0.0193339, 0.1191920, 0.9503041]]
)
MIN_SERIES_DELTA_E = 15.0  # two series on one chart: clearly apart, before their dashes tell them apart
MIN_DELTA_E = 10.0  # a series beside the reference grey or the black marker
VISIONS = ("normal", "protanopia", "deuteranopia")


def linear_rgb(hex_colour: str) -> np.ndarray:
    c = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def lab(rgb: np.ndarray) -> np.ndarray:
    xyz = RGB_TO_XYZ @ np.clip(rgb, 0.0, 1.0) / RGB_TO_XYZ.sum(axis=1)
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def machado(hex_colour: str, vision: str) -> np.ndarray:
    rgb = linear_rgb(hex_colour)
    return rgb if vision == "normal" else MACHADO[vision] @ rgb


def vienot(hex_colour: str, vision: str) -> np.ndarray:
    return np.linalg.solve(RGB_TO_LMS, VIENOT_PROJECTION[vision] @ RGB_TO_LMS @ linear_rgb(hex_colour))


def delta_e(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(lab(a) - lab(b)))


def test_lab_and_delta_e_on_known_values():
    assert lab(linear_rgb("#FFFFFF")) == pytest.approx([100.0, 0.0, 0.0], abs=1e-6)
    assert lab(linear_rgb("#000000")) == pytest.approx([0.0, 0.0, 0.0], abs=1e-6)
    assert lab(linear_rgb("#FF0000")) == pytest.approx([53.24, 80.09, 67.20], abs=0.02)  # sRGB red
    assert delta_e(linear_rgb("#FFFFFF"), linear_rgb("#000000")) == pytest.approx(100.0)


@pytest.mark.parametrize("vision", ["protanopia", "deuteranopia"])
def test_the_two_simulations_agree_and_leave_greys_alone(vision):
    for grey in ("#000000", "#767676", "#FFFFFF"):
        assert delta_e(machado(grey, vision), linear_rgb(grey)) < 0.5
        assert delta_e(vienot(grey, vision), linear_rgb(grey)) < 0.5
    # two independent models of the same dichromat see every palette colour nearly alike ...
    for colour in {*palette.TOGETHER, palette.HIGHLIGHT, palette.MUTED}:
        assert delta_e(machado(colour, vision), vienot(colour, vision)) < 15.0, colour
    # ... and both bring red and green, far apart in normal vision, less than a third as far apart
    red, green = "#D81B1B", "#3C9A1E"
    apart = delta_e(linear_rgb(red), linear_rgb(green))
    assert apart > 100
    assert delta_e(machado(red, vision), machado(green, vision)) < apart / 3
    assert delta_e(vienot(red, vision), vienot(green, vision)) < apart / 3


SIGHTS = {
    "normal": linear_rgb,
    **{f"{v} (Machado)": (lambda c, v=v: machado(c, v)) for v in VISIONS[1:]},
    **{f"{v} (Viénot)": (lambda c, v=v: vienot(c, v)) for v in VISIONS[1:]},
}


@pytest.mark.parametrize("vision", list(SIGHTS))
def test_series_drawn_together_stay_apart_for_colour_blind_readers(vision):
    see = SIGHTS[vision]
    for a, b in itertools.combinations(palette.SERIES, 2):
        assert delta_e(see(a), see(b)) >= MIN_SERIES_DELTA_E, (vision, a, b)
    for a, b in itertools.combinations(palette.TOGETHER, 2):
        assert delta_e(see(a), see(b)) >= MIN_DELTA_E, (vision, a, b)
    assert delta_e(see(palette.HIGHLIGHT), see(palette.MUTED)) >= MIN_SERIES_DELTA_E


def test_okabe_itos_darkened_orange_would_fail_for_a_deuteranope():
    # why the fifth series is not Okabe–Ito's orange: darkened to 3:1 it is the vermillion's twin
    assert contrast("#B07A00", WHITE) >= 3.0
    assert delta_e(machado("#B07A00", "deuteranopia"), machado(palette.VERMILLION, "deuteranopia")) < 5


# --- the charts' text ------------------------------------------------------------------------------


def test_the_theme_is_active_and_sets_every_chart_text_colour():
    assert alt.theme.active == palette.THEME
    spec = alt.Chart(pd.DataFrame({"k": [1]}), title="t").mark_point().encode(x="k:Q").to_dict()
    config = spec["config"]
    assert config["axis"]["labelColor"] == config["legend"]["labelColor"] == palette.NOTE_TEXT
    assert config["axis"]["titleColor"] == config["title"]["color"] == palette.TEXT
    assert "view" not in config  # Streamlit's theme keeps the sizes


def _colours(config) -> list[str]:
    if isinstance(config, dict):
        return [c for v in config.values() for c in _colours(v)]
    return [config] if isinstance(config, str) and config.startswith("#") else []


def test_every_colour_of_the_chart_theme_is_text_that_reaches_4_5_to_1():
    colours = _colours(palette.CHART_CONFIG)
    assert len(colours) >= 8
    for colour in colours:
        assert contrast(colour, WHITE) >= 4.5, colour


def test_the_streamlit_theme_colours_reach_aa():
    import tomllib

    from tests.e2e.harness import ROOT

    theme = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["theme"]
    background = theme["backgroundColor"]
    assert background.upper() == WHITE  # every contrast above is computed on this background
    assert contrast(theme["textColor"], background) >= 7.0
    assert contrast(theme["textColor"], theme["secondaryBackgroundColor"]) >= 7.0  # the sidebar
    assert contrast(theme["primaryColor"], background) >= 4.5  # links, slider values
    assert contrast(theme["primaryColor"], theme["secondaryBackgroundColor"]) >= 4.5


@pytest.mark.parametrize("colour", palette.CODE_COLOURS.values())
def test_code_highlighting_reaches_4_5_to_1_on_the_code_background(colour):
    assert contrast(colour, palette.CODE_BACKGROUND) >= 4.5
