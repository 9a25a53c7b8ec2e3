"""Every page at phone, tablet, laptop and projector widths: nothing pans sideways, charts fill
their column, no exception.

Each page of ui/site.py's PAGES (read when the tests are collected, so a new page is covered) is
opened once on one server and measured at 390, 768, 1024 and 1400 px, resizing the window: the
document and Streamlit's main area must not scroll sideways; no label may be cut short with an
ellipsis; every Vega chart must be drawn at least 80 % as wide as its container, each of its plot areas at least PLOT_SHARE of it (a chart whose plot
collapses to a line still has a full-width SVG) and its legend inside it. With BPTT_SCREENSHOTS=1,
whole-page screenshots at 390 and 1400 px go to artifacts/screenshots/ (each makes the window as
tall as the page and waits for it: seconds a page, so not by default).
"""

from __future__ import annotations

import os

import pytest

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.harness import draw_charts, wait_for_app, whole_page
from ui.site import PAGES

WIDTHS = (390, 768, 1024, 1400)
SHOT_WIDTHS = (390, 1400) if os.environ.get("BPTT_SCREENSHOTS") == "1" else ()
CHART_SHARE = 0.8  # a chart's drawing against its container's width
PLOT_SHARE = 0.4  # each plot area (inside the axes) against the container's width

MEASURE = """() => {
  const wide = (e) => e ? [e.scrollWidth, e.clientWidth] : null;
  const out = {document: wide(document.documentElement), main: wide(document.querySelector('[data-testid="stMain"]')),
               exceptions: document.querySelectorAll('[data-testid="stException"]').length, charts: [],
               cut: [...document.querySelectorAll('[data-testid="stMain"] *, [data-testid="stSidebar"] *')].filter(e => {
                 const cs = getComputedStyle(e);  // a label cut short with "…": its text is wider than its box
                 return cs.textOverflow === 'ellipsis' && cs.overflowX !== 'visible' && e.textContent.trim()
                        && e.getBoundingClientRect().width > 0 && e.scrollWidth > e.clientWidth + 1;
               }).map(e => [e.closest('[data-testid]')?.getAttribute('data-testid'), e.textContent.trim().slice(0, 50)])};
  const view = document.documentElement.clientWidth;
  for (const [i, c] of [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].entries()) {
    const box = c.getBoundingClientRect();
    if (box.width === 0) continue;  // in a closed expander or tab
    const drawing = c.querySelector('svg.marks') || c.querySelector('canvas.marks');
    const chart = {index: i, container: box.width, drawn: drawing ? drawing.getBoundingClientRect().width : 0,
                   plots: [], legends: [], name: (c.getAttribute('aria-label') || '').slice(0, 60)};
    if (drawing && drawing.tagName.toLowerCase() === 'svg') {
      const groups = [...drawing.querySelectorAll('g.mark-group')];
      const concat = groups.filter(g => /concat_\\d+_group/.test(g.getAttribute('class')));
      const frames = concat.length ? concat : groups.filter(g => g.classList.contains('root'));
      for (const g of frames) {
        const bg = g.querySelector(':scope > g > path.background') || g.querySelector('path.background');
        if (bg) chart.plots.push(bg.getBoundingClientRect().width);
      }
      const right = drawing.getBoundingClientRect().right;
      for (const g of groups.filter(g => g.classList.contains('role-legend'))) {
        chart.legends.push(g.getBoundingClientRect().right - right);
      }
    }
    out.charts.push(chart);
  }
  return out;
}"""


def problems_at(tab, width: int) -> list[str]:
    """What pans sideways or is drawn too narrow at this width, as sentences."""
    draw_charts(tab)
    tab.wait_for_timeout(600)  # Vega redraws on a resize
    m = tab.evaluate(MEASURE)
    found = []
    for where in ("document", "main"):
        scroll, client = m[where] or (0, 0)
        if scroll > client + 1:
            found.append(f"{width} px: the {where} scrolls sideways ({scroll} px of content in {client} px)")
    for where, text in m["cut"]:
        found.append(f"{width} px: a label in {where} is cut short: {text!r}")
    if m["exceptions"]:
        found.append(f"{width} px: {m['exceptions']} exception(s) shown")
    for c in m["charts"]:
        name = f"chart {c['index']} ({c['name'] or 'no alt text'})"
        if c["drawn"] < CHART_SHARE * c["container"]:
            found.append(f"{width} px: {name} drawn {c['drawn']:.0f} px wide in {c['container']:.0f} px")
        for plot in c["plots"]:
            if plot < PLOT_SHARE * c["container"]:
                found.append(f"{width} px: {name} has a plot {plot:.0f} px wide in {c['container']:.0f} px")
        for past in c["legends"]:
            if past > 1:
                found.append(f"{width} px: {name} has a legend cut {past:.0f} px past its right edge")
    return found


def shoot(tab, name: str, width: int) -> None:
    """The whole page: Streamlit scrolls its main area, not the document, so the window is made as
    tall as the page for the picture."""
    height = tab.evaluate(
        "Math.max(...[...document.querySelectorAll('[data-testid=stMain], section')].map(e => e.scrollHeight))"
    )
    tab.set_viewport_size({"width": width, "height": min(int(height) + 50, 16_000)})
    tab.wait_for_timeout(1500)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    tab.set_viewport_size({"width": width, "height": 900})


@pytest.mark.parametrize("page_path", [p.url_path for p in PAGES], ids=lambda p: p or "overview")
def test_nothing_pans_sideways_and_charts_fill_their_column(app, browser, page_path):
    """Every width with every chart shown (test_questions_view.py: with the questions asked)."""
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
    tab = context.new_page()
    try:
        tab.goto(f"{app.url}/{page_path}?{whole_page(page_path, 'pred=off')}")
        wait_for_app(tab)
        found = []
        for width in WIDTHS:
            tab.set_viewport_size({"width": width, "height": 900})
            wait_for_app(tab, settle=0.5)
            found += problems_at(tab, width)
            if width in SHOT_WIDTHS:
                shoot(tab, f"responsive-{page_path or 'overview'}-{width}", width)
        assert not found, "\n".join(found)
    finally:
        context.close()
