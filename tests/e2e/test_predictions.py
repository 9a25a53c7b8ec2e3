"""Predict, then reveal in a real browser on a phone: commit a prediction on Vanishing & exploding,
see the chart it hid appear with the reveal and the session's score; a wrong answer on another
question; nothing that pans sideways, and every text at WCAG AA contrast."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.harness import wait_for_app
from tests.e2e.test_contrast import low_contrast
from tests.ui.test_predict import regime_by_hand
from ui.i18n import say
from ui.predict import mode
from ui.predict import text as t


def test_commit_a_prediction_on_a_phone(server, page):
    page.set_viewport_size({"width": 390, "height": 2400})
    page.goto(f"{server.url}/vanishing?pred=on")
    wait_for_app(page)
    box = page.locator(".st-key-predict-vanishing-regime")
    expect(box.get_by_text(say(t.PREDICT))).to_be_visible(timeout=20_000)
    charts_before = page.locator('[data-testid="stVegaLiteChart"]').count()

    right = regime_by_hand()  # the plain loop's ‖∂h⁽²⁰⁾/∂h⁽⁰⁾‖₂ for the default network
    box.get_by_text(t.OPTIONS["regime"][right], exact=True).click()
    box.get_by_role("button", name=say(t.COMMIT)).click()
    wait_for_app(page)

    expect(box.get_by_test_id("stAlertContentSuccess").get_by_text(say(t.RIGHT))).to_be_visible(
        timeout=20_000
    )
    expect(box.get_by_text(say(mode.SCORE, right=1, n=1), exact=False)).to_be_visible()
    assert page.locator('[data-testid="stVegaLiteChart"]').count() > charts_before  # the profile appears
    # a wrong answer on the page's non-normal W (ρ = 0.9 < 1, yet ‖Wⁿ‖₂ first rises)
    other = page.locator(".st-key-predict-vanishing-transient")
    other.get_by_text(t.OPTIONS["transient"]["decays"], exact=True).click()
    other.get_by_role("button", name=say(t.COMMIT)).click()
    wait_for_app(page)
    expect(other.get_by_text(say(t.WRONG))).to_be_visible(timeout=20_000)
    expect(other.get_by_text(say(mode.SCORE, right=1, n=2), exact=False)).to_be_visible()
    screenshot(page, "predict_vanishing_390")  # two answers committed: a reveal right, one wrong
    # every text, the questions still asked and both reveals among it, reaches WCAG AA
    assert not low_contrast(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    assert not page.console_errors, page.console_errors
