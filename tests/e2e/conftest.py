"""Fixtures for the real-browser tests: Chromium through Playwright, and a fresh app server.

Without Chromium (a laptop that never installed it) these tests skip with a one-line reason;
with BPTT_REQUIRE_TOOLS=1 (set by .ci/run) a missing browser is a failure instead.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.e2e.harness import ROOT, AppServer, chromium_path, launch_browser

SCREENSHOTS = ROOT / "artifacts" / "screenshots"
LOGS = ROOT / "artifacts" / "logs"

# Console messages that are not the app's fault. Keep this list short and say why for each.
CONSOLE_ALLOW = (
    # The sandboxed machine has no DNS: anything the browser itself tries to fetch from the
    # internet (none of it is the app's) fails to resolve.
    re.compile(r"net::ERR_NAME_NOT_RESOLVED|net::ERR_INTERNET_DISCONNECTED"),
    # On a deep link (/vanishing) Streamlit's frontend first probes /vanishing/_stcore/health and
    # /vanishing/_stcore/host-config in case the app is served under that base path; the 404s
    # are expected and it then uses /_stcore/… .
    re.compile(r"404 .*@ https?://[^/]+/[^/]+/_stcore/(health|host-config)$"),
)


def _allowed(message) -> bool:
    text = f"{message.text} @ {message.location.get('url', '')}"
    return any(pattern.search(text) for pattern in CONSOLE_ALLOW)


def _missing(reason: str):
    if os.environ.get("BPTT_REQUIRE_TOOLS") == "1":
        pytest.fail(f"browser tests required (BPTT_REQUIRE_TOOLS=1) but {reason}")
    pytest.skip(f"{reason}; install it to run the browser tests (README, 'Tests')")


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -r requirements-dev.txt)")
    if not chromium_path():
        _missing("Chromium was not found (apt-get install chromium)")
    with sync_playwright() as p:
        b = launch_browser(p)
        yield b
        b.close()


def _clean_server(log_path: Path):
    """A started `streamlit run`, stopped afterwards; its log must then hold no traceback and no
    warning (e.g. a numpy RuntimeWarning reaching the server log)."""
    with AppServer(log_path) as srv:
        yield srv
        log = srv.log()
    assert "Traceback" not in log, log
    assert "Warning" not in log, log


@pytest.fixture
def server(request, browser):
    """A freshly started `streamlit run` for this test only; stopped afterwards, pass or fail."""
    name = request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
    yield from _clean_server(LOGS / f"{name}.log")


@pytest.fixture(scope="module")
def shared(request, browser):
    """One server for the tests of a module that need a fresh session (a new tab) but not a fresh
    server; its log is checked as ``server`` checks one, once they are done."""
    yield from _clean_server(LOGS / f"{Path(request.module.__file__).stem}-shared.log")


@pytest.fixture
def page(browser):
    """A new tab, tall enough to show whole pages, that records console errors."""
    context = browser.new_context(viewport={"width": 1400, "height": 3000})
    tab = context.new_page()
    tab.console_errors = []
    tab.on(
        "console",
        lambda m: (
            m.type == "error"
            and not _allowed(m)
            and tab.console_errors.append(f"{m.text} @ {m.location.get('url', '')}")
        ),
    )
    tab.on("pageerror", lambda e: tab.console_errors.append(f"pageerror: {e}"))
    yield tab
    context.close()


@pytest.fixture(scope="module")
def app(request, browser):
    """One server for every test of a module (the machine is shared): stopped afterwards, and its
    log must hold no traceback."""
    with AppServer(LOGS / f"{Path(request.module.__file__).stem}.log") as server:
        yield server
        log = server.log()
    assert "Traceback" not in log, log


def screenshot(tab, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    return path


def pytest_collection_modifyitems(items):
    """Everything under tests/e2e starts a server, a browser or HAProxy: mark it slow."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.slow)
