"""The Gates page in a real browser: a phone and a projector width, and its controls in the link."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlparse

import pytest
from PIL import Image

from tests.e2e.conftest import screenshot
from tests.e2e.harness import press, slider, wait_for_app
from tests.e2e.test_pages import check_rendered, slider_value
from ui.gates import calls
from ui.gates import reproduction_text as rt
from ui.gates import text as t
from ui.i18n import say

N_CHARTS = 7
HEATMAPS = (2, 3)  # the forget gate's and the update gate's, in page order
H_DEFAULT = 16  # the sidebar's hidden size


# For every chart: the width of what Vega drew and of the element Streamlit gave it. For every
# formula: how wide KaTeX drew it and how wide its box is.
def coloured_rows(png: bytes) -> int:
    """The pixel rows of a screenshot that are mostly colour: the rows of a heatmap's cells (axes,
    labels and background are grey or white; the colour legend is narrower than half the width)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    pixels = image.load()
    rows = 0
    for y in range(height):
        coloured = sum(1 for x in range(width) if max(pixels[x, y]) - min(pixels[x, y]) >= 40)
        rows += coloured >= width / 2
    return rows


MEASURE = """() => {
  const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].map(c => {
    const drawn = c.querySelector('canvas, svg');
    const box = c.closest('[data-testid="stElementContainer"]') || c.parentElement;
    return [drawn ? drawn.getBoundingClientRect().width : 0, box.getBoundingClientRect().width];
  });
  const formulas = [...document.querySelectorAll('.katex-display')].map(d => {
    const box = d.closest('[data-testid="stElementContainer"]') || d.parentElement;
    return [Math.max(d.scrollWidth, d.querySelector('.katex-html').scrollWidth), box.clientWidth];
  });
  const doc = document.documentElement;
  return {charts, formulas, overflow: doc.scrollWidth - doc.clientWidth};
}"""


@pytest.mark.parametrize("width", [390, 1400])
def test_the_page_fits_a_phone_and_a_projector(shared, page, width):
    page.set_viewport_size({"width": width, "height": 3000})
    page.goto(f"{shared.url}/gates")
    wait_for_app(page)
    assert say(t.TITLE) in page.locator("h1").first.inner_text()
    check_rendered(page, 8)
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    assert charts.count() == N_CHARTS
    for i in range(N_CHARTS):  # draw every chart before measuring
        charts.nth(i).scroll_into_view_if_needed()
        charts.nth(i).locator("canvas, svg").first.wait_for(state="visible", timeout=20_000)
    m = page.evaluate(MEASURE)
    assert m["overflow"] <= 0, m
    for drawn, box in m["charts"]:
        assert drawn >= 0.8 * box, m["charts"]
    for drawn, box in m["formulas"]:
        assert drawn <= box + 1, m["formulas"]  # no formula wider than its column
    for i in HEATMAPS:  # the legend below a heatmap must not squeeze its cells to a line
        rows = coloured_rows(charts.nth(i).screenshot())
        assert rows >= 4 * H_DEFAULT, (i, rows)  # at least 4 px for each unit's row
    screenshot(page, f"gates-{width}")


def test_the_reproduction_table_and_its_setup_are_shown(shared, page):
    page.goto(f"{shared.url}/gates")
    wait_for_app(page)
    section = page.get_by_text(say(rt.TITLE))
    section.scroll_into_view_if_needed()
    assert section.is_visible()
    setup = page.locator('[data-testid="stMarkdownContainer"] p', has_text="Setup.").first.inner_text()
    assert "H = 32" in setup and "lr = 0.01" in setup and "< 0.08" in setup, setup
    tables = page.locator('[data-testid="stDataFrame"]')
    assert tables.count() >= 2  # the reproduction and the paper's Table 7 (the expander's is closed)
    assert page.get_by_text("benchmarks/reproduce_adding.py").count() >= 1


def test_bad_values_in_the_link_show_the_defaults_and_no_traceback(shared, page):
    page.goto(f"{shared.url}/gates?g_T=banana&g_fb=1e999&g_ub=nan&g_task=%3Cb%3Ex%3C/b%3E")
    wait_for_app(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert say(t.TITLE) in page.locator("h1").first.inner_text()
    assert slider_value(page, say(t.T_LABEL)) == str(calls.T_DEFAULT)
    assert slider_value(page, say(t.FORGET_BIAS)) == f"{calls.FORGET_BIAS_DEFAULT:.2f}"
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == N_CHARTS
    assert page.console_errors == []


def test_moving_the_controls_updates_the_link_and_a_reload_restores_them(shared, page):
    page.goto(f"{shared.url}/gates?g_T=30")
    wait_for_app(page)
    label = say(t.FORGET_BIAS)
    assert slider_value(page, label) == f"{calls.FORGET_BIAS_DEFAULT:.2f}"
    press(slider(page, label), 2)
    wait_for_app(page)
    moved = calls.FORGET_BIAS_DEFAULT + 2 * calls.BIAS_STEP
    assert slider_value(page, label) == f"{moved:.2f}"
    query = parse_qs(urlparse(page.url).query)
    assert query.get("g_T") == ["30"] and float(query["g_fb"][0]) == moved
    assert page.get_by_text(f"bᶠ = {moved:g}:").count() == 1
    page.reload()
    wait_for_app(page)
    assert slider_value(page, label) == f"{moved:.2f}"
    assert slider_value(page, say(t.T_LABEL)) == "30"
    assert page.console_errors == []
