"""The Training lab in a real browser: a link copied after Train opens, in a fresh browser context,
the runs its sender saw; a link copied after a control moved says the runs are stale."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from tests.e2e.conftest import screenshot
from tests.e2e.harness import press, url_settles, wait_for_app
from ui.i18n import say
from ui.training import runs, settings, text

STALE_START = say(text.STALE, changes="\0").split(" (")[0]  # the sentence up to its changes


def run_buttons(tab) -> list[str]:
    """The runs table's rows, by the remove button each row has (keys trm0.., labelled by the run)."""
    labels = []
    for i in range(runs.MAX_RUNS):
        button = tab.locator(f".st-key-trm{i} button")
        if button.count():
            labels.append(button.first.inner_text().replace("close", "").strip())
    return labels


def verdict_lines(tab) -> list[str]:
    return [
        t.strip() for t in tab.locator('[data-testid="stMarkdownContainer"] li').all_inner_texts() if "“" in t
    ]


def query(tab) -> dict[str, list[str]]:
    return parse_qs(urlparse(tab.url).query)


def open_fresh(browser, url: str):
    """The link opened in a new browser context: no session, no cookies, as a student receives it."""
    context = browser.new_context(viewport={"width": 1400, "height": 3000})
    tab = context.new_page()
    tab.goto(url)
    wait_for_app(tab, timeout=120)
    tab.locator(".st-key-trm0 button").first.wait_for(timeout=60_000)  # the runs are drawn
    wait_for_app(tab)
    return context, tab


def test_a_link_copied_after_train_shows_the_same_runs_and_a_stale_one_says_so(server, browser, page):
    page.goto(f"{server.url}/training?tT=6&tsteps=20&tB=4&tcell=GRU&topt=Adam&tlr=0.01")
    wait_for_app(page)
    page.get_by_role("button", name="Train", exact=True).click()
    wait_for_app(page, timeout=120)
    shown, lines = run_buttons(page), verdict_lines(page)
    assert shown == ["GRU, T=6, clip=none"] and len(lines) == 1
    link = page.url
    (written,) = settings.decode_runs(query(page)[runs.RUN_PARAM][0])
    assert (written.cell, written.optimizer, written.T) == ("gru", "adam", 6)
    assert query(page)["tcell"] == ["GRU"] and query(page)["topt"] == ["Adam"]

    context, fresh = open_fresh(browser, link)
    assert run_buttons(fresh) == shown and verdict_lines(fresh) == lines
    assert fresh.get_by_text(STALE_START).count() == 0
    assert fresh.locator('[data-testid="stException"]').count() == 0
    context.close()

    assert press(page.locator(".st-key-tT"), 3) == "9"  # T moved, not trained
    wait_for_app(page)
    assert url_settles(page, "tT", "9") == ["9"], "the slider shows T = 9 and the link does not"
    assert query(page)[runs.RUN_PARAM] == parse_qs(urlparse(link).query)[runs.RUN_PARAM]
    assert page.get_by_text(STALE_START).count() == 1 and run_buttons(page) == shown
    screenshot(page, "training-stale")

    context, fresh = open_fresh(browser, page.url)
    assert run_buttons(fresh) == shown  # the run the sender saw (T = 6), not a T = 9 run
    assert fresh.get_by_text(STALE_START).count() == 1  # and the recipient is told it is stale
    assert fresh.get_by_text("T=6 → T=9").count() >= 1
    context.close()
    assert page.console_errors == []
