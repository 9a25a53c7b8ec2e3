"""The Vanishing page's lazy sections in a real browser: opening one writes its key in the URL, the
link opens it again in a fresh tab, closing it takes the key out (or writes false where open is the
default: section 5), and a reload keeps what the URL says."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from tests.e2e.conftest import screenshot
from tests.e2e.harness import wait_for_app
from ui.i18n import say
from ui.vanishing import text as t
from ui.vanishing.sections import SECTION_KEYS

LARGE = "H=80&T=30"  # a network other than the default one; quick to compute
DIST = say(t.DIST_LABEL)


def query(tab) -> dict:
    return parse_qs(urlparse(tab.url).query)


def is_open(tab, name: str) -> bool:
    """Whether the browser shows section ``name`` open (its <details> element)."""
    box = tab.locator(f".st-key-{SECTION_KEYS[name]}")
    box.wait_for(timeout=20_000)
    return box.locator("details").first.evaluate("d => d.open")


def toggle(tab, name: str) -> None:
    summary = tab.locator(f".st-key-{SECTION_KEYS[name]} summary").first
    summary.scroll_into_view_if_needed()
    summary.click()
    wait_for_app(tab)


def dist_sliders(tab) -> int:
    return tab.locator('[data-testid="stSlider"]').filter(has_text=DIST).count()


def test_opening_a_section_puts_it_in_the_link_and_the_link_opens_it(shared, page):
    page.goto(f"{shared.url}/vanishing?{LARGE}")
    wait_for_app(page)
    assert not is_open(page, "map") and dist_sliders(page) == 0  # closed: its controls not drawn
    assert say(t.SECTION_WHAT["map"]) in page.locator(f".st-key-{SECTION_KEYS['map']} summary").inner_text()
    toggle(page, "map")
    assert is_open(page, "map") and dist_sliders(page) == 1
    assert query(page).get(SECTION_KEYS["map"]) == ["true"], page.url
    screenshot(page, "lazy_map_open_1400")

    fresh = page.context.new_page()  # the link, in a fresh tab
    fresh.goto(page.url)
    wait_for_app(fresh)
    assert is_open(fresh, "map") and dist_sliders(fresh) == 1
    assert not is_open(fresh, "paths") and not is_open(fresh, "truncation")
    toggle(fresh, "map")  # closed again: the default, so the key leaves the URL
    assert not is_open(fresh, "map") and SECTION_KEYS["map"] not in query(fresh), fresh.url
    fresh.reload()
    wait_for_app(fresh)
    assert not is_open(fresh, "map") and dist_sliders(fresh) == 0
    for tab in (page, fresh):
        assert tab.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []


def test_closing_a_section_open_by_default_writes_false_and_a_reload_keeps_it(shared, page):
    page.goto(f"{shared.url}/vanishing")
    wait_for_app(page)
    assert is_open(page, "nonnormal") and not is_open(page, "map")
    toggle(page, "nonnormal")
    assert not is_open(page, "nonnormal")
    assert query(page).get(SECTION_KEYS["nonnormal"]) == ["false"], page.url
    page.reload()
    wait_for_app(page)
    assert not is_open(page, "nonnormal")
    assert not is_open(page, "paths") and dist_sliders(page) == 0  # the others keep their default
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []
