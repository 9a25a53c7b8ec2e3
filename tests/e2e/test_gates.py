"""The Gates page in a real browser: a phone and a projector width, and its controls in the link."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.harness import wait_for_app
from tests.e2e.test_pages import check_rendered, slider_value
from ui.gates import calls
from ui.gates import text as t
from ui.i18n import say

N_CHARTS = 7

# For every chart: the width of what Vega drew and of the element Streamlit gave it. For every
# formula: how wide KaTeX drew it and how wide its box is.
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
def test_the_page_fits_a_phone_and_a_projector(server, page, width):
    page.set_viewport_size({"width": width, "height": 3000})
    page.goto(f"{server.url}/gates")
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
    screenshot(page, f"gates-{width}")


def test_moving_the_controls_updates_the_link_and_a_reload_restores_them(server, page):
    page.goto(f"{server.url}/gates?g_T=30")
    wait_for_app(page)
    label = say(t.FORGET_BIAS)
    assert slider_value(page, label) == f"{calls.FORGET_BIAS_DEFAULT:.2f}"
    thumb = page.get_by_role("slider", name=label)
    thumb.focus()
    for _ in range(2):
        thumb.press("ArrowRight")
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
