"""The Vanishing page's ledger in a real browser: a click on a cell of C[s, k] opens that path
term's chain of Jacobians, puts (s, k) in the URL, and the link opens the same cell again."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import rnn_core as rc
from tests.e2e.conftest import screenshot
from tests.e2e.harness import wait_for_app
from ui.data import live_network
from ui.format import sci
from ui.i18n import say
from ui.state import Network
from ui.vanishing import chain_text as ct

T = 12
S, K = 9, 4  # the cell clicked: neither the default (T, ⌈T/2⌉) nor on the diagonal


def _cell_centre(tab, s: int, k: int) -> tuple[float, float]:
    """Where cell (s, k) is drawn: the last rect layer (every cell, transparent, takes the clicks)
    spans the square k, s ∈ [½, T + ½], s growing downwards."""
    chart = tab.locator(".st-key-ledger")
    chart.scroll_into_view_if_needed()
    layer = chart.locator("g.mark-rect.role-mark").last
    layer.wait_for(state="attached", timeout=20_000)
    box = layer.bounding_box()
    return (
        box["x"] + (k - 0.5) / T * box["width"],
        box["y"] + (s - 0.5) / T * box["height"],
    )


def _shown_ledger_value(tab, s: int, k: int) -> str:
    label = say(ct.LEDGER, s=s, k=k)
    metric = tab.locator('[data-testid="stMetric"]').filter(has_text=label)
    metric.first.wait_for(timeout=20_000)
    return metric.first.locator('[data-testid="stMetricValue"]').inner_text()


def test_clicking_a_cell_opens_its_chain_and_the_link_reopens_it(server, page):
    page.goto(f"{server.url}/vanishing?T={T}&H=6&vpaths=true")
    wait_for_app(page)
    x, y = _cell_centre(page, S, K)
    page.mouse.click(x, y)
    wait_for_app(page)
    query = parse_qs(urlparse(page.url).query)
    assert query.get("cs") == [str(S)] and query.get("ck") == [str(K)], page.url
    # the chain of that cell: its table has one row per factor, j = s..k+1
    value = _shown_ledger_value(page, S, K)
    table = page.locator('[data-testid="stDataFrame"]').first
    table.wait_for(timeout=20_000)
    # the formula of that term: a chain of s − k = 5 factors ∂h⁽ʲ⁾/∂h⁽ʲ⁻¹⁾ (KaTeX's MathML copy)
    assert page.locator(".katex-mathml").filter(has_text=f"{S - K} factors").count() >= 1
    assert page.get_by_text(ct.AGREES.split("{")[0].strip(), exact=False).count() >= 1  # the ✓ verdict
    # the number shown is the ledger's C[s, k] of the live network, computed here
    live = live_network(Network(T=T, H=6), 0)
    assert value == sci(rc.contributions(live.params, live.trace)[S - 1, K - 1], 4)
    screenshot(page, "ledger_click_1400")

    # the link opens the same cell in a fresh tab
    fresh = page.context.new_page()
    fresh.goto(page.url)
    wait_for_app(fresh)
    assert _shown_ledger_value(fresh, S, K) == value
    assert fresh.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []
