"""Start the app with `streamlit run` on 127.0.0.1 and drive it in Debian's Chromium (Playwright).

Used by the browser tests and by docs/screenshots.py. The server always stops, also when a test
fails: `AppServer` is a context manager that kills its whole process group.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import rnn_core as rc

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # The machine has no outside network: without these Chromium keeps trying to reach Google.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# The Vanishing page's sections 2–4 start closed (ui.vanishing.sections.DEFAULT_OPEN): a link
# that opens them all, for the tests that look at everything a page can show.
ALL_SECTIONS = "vpaths=true&vmap=true&vtrunc=true&vclip=true&vinit=true"
# every stage's panel of steps on "Work it by hand" (the given values have no panel)
ALL_STAGES = "&".join(f"wx_open_{stage}=true" for stage in rc.WORKED_STAGES if stage != "given")
OPENED = {"vanishing": ALL_SECTIONS, "by-hand": ALL_STAGES}


def whole_page(page_path: str, query: str) -> str:
    """``query`` for the page at ``page_path``, with every section (or stage) of it open."""
    return f"{query}&{OPENED[page_path]}" if page_path in OPENED else query


def chromium_path() -> str | None:
    """Debian's Chromium, where `which chromium` finds it (or CHROMIUM_PATH)."""
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """`streamlit run <script>` (the app's entry file unless told) on a free port of 127.0.0.1, its log
    in ``log_path``."""

    def __init__(self, log_path: Path, *, extra_args: tuple[str, ...] = (), script: str = "streamlit_app.py"):
        self.script = script
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.extra_args = extra_args
        self.proc: subprocess.Popen | None = None
        self.started_in: float | None = None

    def __enter__(self) -> AppServer:
        cmd = [
            sys.executable, "-m", "streamlit", "run", self.script,
            "--server.address", "127.0.0.1", "--server.port", str(self.port),
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            *self.extra_args,
        ]  # fmt: skip
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in __exit__
        t0 = time.perf_counter()
        # any numpy warning would reach the log; long computations in worker processes, as served
        env = {**os.environ, "PYTHONWARNINGS": "default", "BPTT_OFFLOAD": "process"}
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True, env=env
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited early:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        self.started_in = time.perf_counter() - t0
                        return self
            except OSError:
                time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError(f"streamlit did not answer on {self.url} within 60 s:\n{self.log()}")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def launch_browser(playwright):
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)


def slider(tab, label: str):
    """The slider labelled ``label``: its widget's container, for :func:`press`."""
    return tab.locator('[data-testid="stSlider"]').filter(has_text=label)


def slider_value(tab, label: str) -> str:
    """The value a slider shows on its thumb, found by its label."""
    return slider(tab, label).locator('[data-testid="stSliderThumbValue"]').inner_text()


def press(control, presses: int, *, key: str = "ArrowRight", timeout: float = 10.0) -> str:
    """Press ``key`` ``presses`` times on the slider in ``control`` (its widget's container), each
    press once the thumb shows the last one, so that none lands while the slider redraws; the value
    the thumb then shows."""
    thumb = control.get_by_role("slider")
    shown = control.locator('[data-testid="stSliderThumbValue"]')
    thumb.scroll_into_view_if_needed()
    thumb.focus()
    for _ in range(presses):
        before = shown.inner_text()
        thumb.press(key)
        deadline = time.monotonic() + timeout
        while (now := shown.inner_text()) == before:
            if time.monotonic() > deadline:
                raise AssertionError(f"a press of {key} left the slider at {now} for {timeout:g} s")
            time.sleep(0.05)
    return shown.inner_text()


def url_settles(tab, key: str, value: str, *, timeout: float = 20.0) -> list[str] | None:
    """The URL's ``key`` once it holds ``value`` (polled for ``timeout`` s), else what it holds then."""
    deadline = time.monotonic() + timeout
    while True:
        held = parse_qs(urlparse(tab.url).query).get(key)
        if held == [value] or time.monotonic() > deadline:
            return held
        time.sleep(0.1)


def draw_charts(tab, timeout_ms: int = 20_000) -> None:
    """Scroll every Vega chart into view and wait until each has its SVG or canvas: Vega draws a
    chart only once it is on screen."""
    for chart in tab.locator('[data-testid="stVegaLiteChart"]').all():
        chart.scroll_into_view_if_needed()
        chart.locator("svg, canvas").first.wait_for(state="attached", timeout=timeout_ms)


def wait_for_app(page, *, timeout: float = 60.0, settle: float = 1.0) -> None:
    """Wait until the script has finished and stayed finished for ``settle`` seconds.

    stApp's ``data-test-script-state`` is "running" while a script runs; after a page load or a
    widget change it must have been "notRunning" for a while, with the app connected, something drawn
    and no element still loading (``stSkeleton``).
    """
    deadline = time.monotonic() + timeout
    quiet_since = None
    while time.monotonic() < deadline:
        state = page.evaluate(
            """() => { const a = document.querySelector('[data-testid="stApp"]');
                       const drawn = !!document.querySelector('[data-testid="stMain"] [data-testid="stElementContainer"]');
                       const loading = document.querySelectorAll('[data-testid="stSkeleton"]').length;
                       return a ? [a.getAttribute('data-test-script-state'),
                                   a.getAttribute('data-test-connection-state'), drawn && !loading]
                                : [null, null, false]; }"""
        )
        running = page.locator('[data-testid="stStatusWidget"]').count() > 0
        # connected and idle before the first run has drawn anything is not "finished": on a busy
        # server the first run can start more than ``settle`` seconds after the page connects. Nor
        # is a finished run whose elements are still loading their code in the browser (a chart
        # is a skeleton until its component's chunk has loaded, a second or more on a busy machine)
        idle = state[0] == "notRunning" and state[1] == "CONNECTED" and state[2] and not running
        if idle:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= settle:
                return
        else:
            quiet_since = None
        time.sleep(0.1)
    raise TimeoutError(f"the app did not finish its script within {timeout} s (state {state})")
