"""The "Work it by hand" page in a real browser, on a phone and on a desktop: open a stage, reveal a
step, type a value and check it, with no exception and nothing that pans the page sideways; the link
carries the stage opened and what was revealed and typed; "Reveal every step" opens every stage;
and the CSV download holds the numbers of an independent computation."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.harness import wait_for_app


def a1_by_hand() -> list[float]:
    """a⁽¹⁾ = b + U x⁽¹⁾ for the default exercise (seed 0), from the given numbers the page shows."""
    b, U, x1 = (0.32, -0.5), (0.27, -0.46), 0.46
    return [b[i] + U[i] * x1 for i in range(2)]


def horizontal_overflow(tab) -> int:
    return tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("width", [390, 1400])
def test_reveal_type_and_check_a_step(shared, page, width):
    page.set_viewport_size({"width": width, "height": 2400})
    page.goto(f"{shared.url}/by-hand")
    wait_for_app(page)
    assert "Work it by hand" in page.locator("h1").first.inner_text()
    # the given numbers the hand computation starts from
    expect(page.locator(".katex").filter(has_text="0.27").first).to_be_visible(timeout=20_000)
    # the steps are drawn once their stage is opened
    assert page.get_by_text("Reveal a⁽¹⁾", exact=True).count() == 0
    page.locator(".st-key-wx_open_forward summary").click()
    wait_for_app(page)
    # reveal a⁽¹⁾
    page.get_by_text("Reveal a⁽¹⁾", exact=True).click()
    wait_for_app(page)
    a1 = a1_by_hand()
    expect(page.locator(".katex").filter(has_text=f"{a1[0]:.4f}").first).to_be_visible(timeout=20_000)
    # type the value as a student would, and check it
    box = page.get_by_label("Your a⁽¹⁾", exact=True)
    box.fill(f"{a1[0]:.4f} {a1[1]:.4f}")
    box.press("Enter")
    wait_for_app(page)
    page.locator(".st-key-wx_chk_a1 button").click()
    wait_for_app(page)
    expect(page.get_by_text("Correct: every entry is within tolerance")).to_have_count(1, timeout=20_000)
    # a wrong value: the sign flipped
    box = page.get_by_label("Your L", exact=True)
    box.fill("-0.5")
    box.press("Enter")
    wait_for_app(page)
    page.locator(".st-key-wx_chk_L button").click()
    wait_for_app(page)
    expect(page.get_by_text("Not yet").first).to_be_visible(timeout=20_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator(".katex-error").count() == 0
    assert horizontal_overflow(page) <= 0
    assert page.console_errors == []
    query = parse_qs(urlparse(page.url).query)
    assert query.get("wx_r_a1") == ["true"] and query.get("wx_in_a1") == [f"{a1[0]:.4f} {a1[1]:.4f}"]
    assert query.get("wx_open_forward") == ["true"] and "wx_open_update" not in query
    screenshot(page, f"by_hand_{width}")


def test_reveal_every_step_opens_every_stage_and_the_link_carries_it(shared, page):
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.goto(f"{shared.url}/by-hand")
    wait_for_app(page)
    page.get_by_role("button", name="Reveal every step").click()
    wait_for_app(page)
    expect(page.get_by_text("Reveal W (updated)", exact=True)).to_have_count(1, timeout=20_000)
    query = parse_qs(urlparse(page.url).query)
    assert query.get("wx_open_update") == ["true"] and query.get("wx_r_W_new") == ["true"]
    assert query.get("wx_r_a1") == ["true"]
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []


def test_a_link_reopens_the_view_and_the_csv_holds_the_numbers(shared, page):
    a1 = a1_by_hand()
    page.goto(f"{shared.url}/by-hand?wx_r_a1=true&wx_in_a1=0.1%200.2&wx_seed=0")
    wait_for_app(page)
    # the first render can come a moment after the script reports idle: wait for the elements
    expect(page.locator(".katex").filter(has_text=f"{a1[0]:.4f}").first).to_be_visible(timeout=20_000)
    expect(page.get_by_label("Your a⁽¹⁾", exact=True)).to_have_value("0.1 0.2", timeout=20_000)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    rows = list(csv.reader(io.StringIO(open(download.value.path()).read())))
    entries = {(r[1], r[3]): float(r[4]) for r in rows[1:]}
    assert entries[("a1", "1")] == pytest.approx(a1[0], abs=1e-15)
    assert entries[("a1", "2")] == pytest.approx(a1[1], abs=1e-15)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download LaTeX").click()
    document = open(download.value.path()).read()
    assert document.startswith(r"\documentclass") and r"\end{document}" in document
    assert page.console_errors == []
