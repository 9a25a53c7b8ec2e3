"""The text of every page reaches WCAG AA contrast, measured from the browser's computed styles.

For every visible text node of each page in ui/site.py's PAGES (HTML text, and the SVG text of charts
and graphs): its colour (its `color`, or `fill` in SVG, with the opacity of it and its ancestors)
over the background it sits on (the nearest ancestors' background colours, blended, counting only
ancestors whose box holds the text: a slider's value floats above its thumb, not on it). WCAG 2.x
AA: 4.5:1, or 3:1 for large text (24 px, or 18.66 px bold). Disabled controls are exempt (WCAG 1.4.3).
"""

from __future__ import annotations

import pytest

from tests.e2e.harness import draw_charts, wait_for_app, whole_page
from ui import layout
from ui.site import PAGES

TEXT_CONTRAST = """() => {
  const parse = (c) => { const m = c && c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const lin = (c) => { c /= 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  const blend = (fg, bg) => [0, 1, 2].map(i => fg[i] * fg[3] + bg[i] * (1 - fg[3]));
  const holds = (outer, inner) => { const cx = (inner.left + inner.right) / 2, cy = (inner.top + inner.bottom) / 2;
    return outer.left <= cx && cx <= outer.right && outer.top <= cy && cy <= outer.bottom; };
  const backdrop = (el, box) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const svgChild = e instanceof SVGElement && e.tagName.toLowerCase() !== 'svg';
      if (svgChild || !holds(e.getBoundingClientRect(), box)) continue;
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    return layers.reverse().reduce((bg, c) => blend(c, bg), [255, 255, 255]);
  };
  const out = [];
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el || seen.has(el)) continue;
    seen.add(el);
    if (el.closest('.katex-mathml, script, style, noscript, title, [aria-hidden="true"], [disabled], [aria-disabled="true"]')) continue;
    const box = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    if (box.width < 1 || box.height < 1 || cs.visibility === 'hidden') continue;
    let opacity = 1;
    for (let e = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
    if (opacity === 0) continue;
    const svg = el instanceof SVGElement;
    const fg = parse(svg ? cs.fill : cs.color);
    if (!fg) continue;
    fg[3] *= opacity * (svg ? Number(cs.fillOpacity || 1) : 1);
    const bg = backdrop(el, box);
    const [hi, lo] = [lum(blend(fg, bg)), lum(bg)].sort((a, b) => b - a);
    const size = parseFloat(cs.fontSize), bold = Number(cs.fontWeight) >= 700;
    const where = el.closest('[data-testid]');
    out.push({ratio: (hi + 0.05) / (lo + 0.05), large: size >= 24 || (bold && size >= 18.66),
               text: n.textContent.trim().slice(0, 40), where: where ? where.getAttribute('data-testid') : el.tagName,
               colour: svg ? cs.fill : cs.color, size: cs.fontSize});
  }
  return out;
}"""


def wait_for_style(tab) -> None:
    """Wait until the shared style block (ui.layout.CSS) is in the page: it arrives in Streamlit's
    event container, which a busy browser may render after the script has finished."""
    tab.wait_for_function(
        "(m) => [...document.querySelectorAll('style')].some(s => s.textContent.startsWith(m))",
        arg=layout.MARKER,
        timeout=20_000,
    )


def low_contrast(tab) -> list[str]:
    """Every text below AA, grouped by where it is and its colour, as sentences."""
    draw_charts(tab)
    texts = tab.evaluate(TEXT_CONTRAST)
    assert len(texts) > 20  # the measurement found the page's text
    groups: dict[tuple, list] = {}
    for t in texts:
        if t["ratio"] < (3.0 if t["large"] else 4.5):
            groups.setdefault((t["where"], t["colour"], t["size"], round(t["ratio"], 2)), []).append(
                t["text"]
            )
    return [
        f"{len(words)} text(s) in {where} at {ratio}:1 ({colour}, {size}), e.g. {words[:3]}"
        for (where, colour, size, ratio), words in groups.items()
    ]


@pytest.mark.parametrize("page_path", [p.url_path for p in PAGES], ids=lambda p: p or "overview")
def test_every_text_reaches_aa_contrast(app, browser, page_path):
    """Each page with every chart shown (test_questions_view.py: with its questions asked)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1200})
    tab = context.new_page()
    try:
        tab.goto(f"{app.url}/{page_path}?{whole_page(page_path, 'pred=off')}")
        wait_for_app(tab)
        wait_for_style(tab)
        found = low_contrast(tab)
        assert not found, "\n".join(found)
    finally:
        context.close()


def test_the_measurement_sees_a_grey_that_fails(app, browser):
    """The check can fail: a paragraph in Streamlit's chart grey (#808495, 3.7:1) is caught."""
    context = browser.new_context(viewport={"width": 800, "height": 600})
    tab = context.new_page()
    try:
        tab.goto(f"{app.url}/")
        wait_for_app(tab)
        tab.evaluate(
            """() => { const p = document.createElement('p'); p.textContent = 'grey on white, 3.7 to 1';
                       p.style.color = '#808495'; p.style.fontSize = '13px';
                       document.querySelector('[data-testid="stMainBlockContainer"]').prepend(p); }"""
        )
        found = low_contrast(tab)
        assert len(found) == 1 and "3.72:1" in found[0] and "grey on white" in found[0], found
    finally:
        context.close()
