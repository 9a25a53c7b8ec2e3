"""The Bug lab in a real browser, at a phone's width and a projector's: pick a hypothesis, submit,
and the reveal appears; nothing pans sideways and the heatmaps fill their container."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.harness import wait_for_app
from ui.bug_lab import bugs
from ui.bug_lab import text as tx
from ui.i18n import say

SEED = 2


def overflow(tab) -> int:
    return tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def chart_fill(tab) -> list[float]:
    """Each chart's drawn width over its container's width."""
    return tab.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].map(el => {
               const drawn = el.querySelector('canvas, svg');
               const box = el.parentElement.getBoundingClientRect().width;
               return drawn ? drawn.getBoundingClientRect().width / box : 0; })"""
    )


@pytest.mark.parametrize("width", [390, 1400])
def test_pick_submit_and_the_reveal_appears(server, page, width):
    page.set_viewport_size({"width": width, "height": 2400})
    page.goto(f"{server.url}/bug-lab?bl_seed={SEED}")
    wait_for_app(page)
    assert say(tx.TITLE) in page.locator("h1").first.inner_text()
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    assert charts.count() == 2
    for i in range(charts.count()):
        charts.nth(i).scroll_into_view_if_needed()
        charts.nth(i).locator("canvas, svg").first.wait_for(state="attached", timeout=20_000)
    assert all(fill >= 0.8 for fill in chart_fill(page)), chart_fill(page)
    assert page.get_by_text(say(tx.DIFF_LEAD)).count() == 0  # hidden before a guess

    key = bugs.pick_bug(SEED)
    page.locator('[data-testid="stRadio"]').get_by_text(say(bugs.get_bug(key).title), exact=True).click()
    wait_for_app(page)
    page.get_by_role("button", name=say(tx.SUBMIT)).click()
    wait_for_app(page)
    page.get_by_text(say(tx.DIFF_LEAD)).wait_for(timeout=20_000)
    assert page.locator('[data-testid="stAlertContentSuccess"]').count() == 1
    assert page.locator('[data-testid="stCode"]').filter(has_text=bugs.get_bug(key).buggy).count() == 1
    query = parse_qs(urlparse(page.url).query)
    assert query.get("bl_pick") == [key] and query.get("bl_reveal") == ["1"]
    assert page.locator('[data-testid="stException"]').count() == 0
    assert overflow(page) <= 0
    assert page.console_errors == []
    screenshot(page, f"bug_lab_{width}")
