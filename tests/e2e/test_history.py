"""The browser's Back button after a page switch: one history entry per switch, and one Back shows
the previous view again (its URL and its controls' values).

Streamlit 1.67 pushes two entries when the page that is left has controls of its own in the URL: on
the page switch the server drops the left page's parameters and sends the shortened query string
before the new page's path, and the frontend (App.handlePageInfoChanged) pushes it under the *old*
path (``/vanishing?tau=6`` → ``/vanishing`` → ``/update-rules``), a view never shown.
ui.layout.HISTORY_JS turns the second push into a replacement of the first; the second test below
fails without it.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tests.e2e.harness import slider_value, wait_for_app


@pytest.fixture
def tab(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context.new_page()
    context.close()


def view(tab) -> tuple[str, dict]:
    url = urlparse(tab.url)
    return url.path, parse_qs(url.query)


def switch_to(tab, title: str, path: str) -> None:
    tab.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).click()
    tab.wait_for_url(f"**{path}*")
    wait_for_app(tab)


def back(tab) -> None:
    tab.go_back()
    wait_for_app(tab)


def test_back_after_a_page_switch_restores_the_network_of_the_sidebar(app, tab):
    tab.goto(f"{app.url}/vanishing?T=30")
    wait_for_app(tab)
    entries = tab.evaluate("history.length")
    switch_to(tab, "Update rules", "/update-rules")
    assert view(tab) == ("/update-rules", {"T": ["30"]})
    assert tab.evaluate("history.length") == entries + 1
    assert slider_value(tab, "Sequence length T") == "30"

    back(tab)
    assert view(tab) == ("/vanishing", {"T": ["30"]})
    assert "Vanishing" in tab.locator("h1").first.inner_text()
    assert slider_value(tab, "Sequence length T") == "30"


def test_back_after_a_page_switch_restores_the_pages_own_controls(app, tab):
    tab.goto(f"{app.url}/vanishing?vtrunc=true")  # the truncation section open
    wait_for_app(tab)
    thumb = tab.get_by_role("slider", name="Truncation length τ")
    thumb.scroll_into_view_if_needed()
    thumb.focus()
    thumb.press("ArrowRight")
    wait_for_app(tab)
    shown = slider_value(tab, "Truncation length τ")
    assert view(tab) == ("/vanishing", {"vtrunc": ["true"], "tau": [shown]})
    entries = tab.evaluate("history.length")

    switch_to(tab, "Update rules", "/update-rules")
    assert view(tab)[0] == "/update-rules"
    assert tab.evaluate("history.length") == entries + 1, "a page switch added more than one entry"

    back(tab)
    assert view(tab) == ("/vanishing", {"vtrunc": ["true"], "tau": [shown]}), (
        "one Back did not return to the view shown"
    )
    assert slider_value(tab, "Truncation length τ") == shown
