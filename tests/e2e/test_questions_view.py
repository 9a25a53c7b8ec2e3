"""The pages that ask prediction questions, as a student opens them (questions asked, their charts
held back): on a phone nothing pans sideways and no label is cut (test_responsive.py's checks), and
on a laptop every text reaches WCAG AA (test_contrast.py's measurement)."""

from __future__ import annotations

import pytest

from tests.e2e.harness import ROOT, wait_for_app, whole_page
from tests.e2e.test_contrast import low_contrast, wait_for_style
from tests.e2e.test_responsive import problems_at, shoot
from ui.site import PAGES

# the pages whose script asks a question (read when the tests are collected: a new one is covered)
ASKING = [p.url_path for p in PAGES if "predict.ask(" in (ROOT / p.script).read_text()]


def test_the_pages_that_ask_are_the_topic_pages():
    assert set(ASKING) == {"update-rules", "activations", "vanishing", "gates", "training"}


@pytest.mark.parametrize("page_path", ASKING)
def test_with_its_questions_a_page_fits_a_phone_and_reaches_aa_on_a_laptop(app, browser, page_path):
    context = browser.new_context(viewport={"width": 390, "height": 900})
    tab = context.new_page()
    try:
        tab.goto(f"{app.url}/{page_path}?{whole_page(page_path, 'pred=on')}")
        wait_for_app(tab)
        assert tab.locator('[class*="st-key-predict-"]').count() >= 1, "no question asked"
        found = problems_at(tab, 390)
        shoot(tab, f"questions-{page_path}-390", 390)
        tab.set_viewport_size({"width": 1400, "height": 1200})
        wait_for_app(tab, settle=0.5)
        wait_for_style(tab)
        found += low_contrast(tab)
        assert not found, "\n".join(found)
    finally:
        context.close()
