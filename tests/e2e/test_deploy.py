"""Serving several replicas behind HAProxy (deploy/replicas.py): the configuration it writes, and
a real run: two Streamlit processes and HAProxy, sessions over the proxied websocket, clean stop."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from benchmarks import loadtest as lt
from deploy import replicas, subpaths
from tests.e2e.conftest import LOGS
from tests.e2e.harness import ROOT, AppServer, free_port, slider_value, wait_for_app


def test_config_lists_every_replica_with_its_affinity_cookie():
    cfg = replicas.haproxy_config(8501, [8601, 8602, 8603], bind="127.0.0.1")
    assert "bind 127.0.0.1:8501" in cfg
    servers = re.findall(r"server (r\d) 127\.0\.0\.1:(\d+) check cookie (r\d)", cfg)
    assert servers == [("r1", "8601", "r1"), ("r2", "8602", "r2"), ("r3", "8603", "r3")]
    assert "cookie BPTT_REPLICA insert" in cfg and "balance leastconn" in cfg
    assert "timeout tunnel" in cfg  # websockets outlive the ordinary client/server timeouts


def _haproxy():
    if shutil.which("haproxy"):
        return
    if os.environ.get("BPTT_REQUIRE_TOOLS") == "1":
        pytest.fail("haproxy is required (BPTT_REQUIRE_TOOLS=1) but was not found")
    pytest.skip("haproxy not installed (apt-get install haproxy); README, 'Serving a large class'")


def _cache_lookups(url: str) -> float:
    """The st.cache_data lookups a server has counted (its /_stcore/metrics): 0 until a page runs."""
    metrics = lt.fetch_metrics(url)
    assert metrics is not None, f"{url} gave no metrics"
    return sum(v for (name, labels), v in metrics.items() if name == "cache_lookups_total")


def _sessions(url: str, n: int) -> list[lt.RunResult]:
    async def one():
        s = lt.Session(url)
        await s.connect()
        try:
            return await s.load("vanishing", "T=12", 60)
        finally:
            await s.close()

    async def many():
        return await asyncio.gather(*(one() for _ in range(n)))

    with ThreadPoolExecutor(1) as pool:  # an event loop of its own, beside Playwright's
        return pool.submit(asyncio.run, many()).result()


# a page's sub-path goes to the page (query kept); Streamlit's own paths are not redirected
SUBPATHS = (
    ("/vanishing/extra?T=30&act=ReLU", "/vanishing?T=30&act=ReLU"),
    ("/vanishing/", "/vanishing"),
    ("/update-rules/a/b", "/update-rules"),
    ("/vanishing", None),
    ("/vanishing?T=3", None),
    ("/vanishing/_stcore/health", None),
    ("/_stcore/health", None),
    ("/static/js/none.js", None),
)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _redirect(url: str) -> str | None:
    """Where the proxy redirects ``url`` (None: it answers itself, whatever the status)."""
    try:
        urllib.request.build_opener(_NoRedirect).open(url).close()
    except urllib.error.HTTPError as error:
        if error.code in (301, 302):
            return error.headers["Location"]
    return None


def test_two_replicas_serve_sessions_through_haproxy_and_stop_together():
    _haproxy()
    port, first = free_port(), free_port()
    proc = subprocess.Popen(
        [sys.executable, "deploy/replicas.py", "--replicas", "2", "--port", str(port),
         "--first-replica-port", str(first), "--bind", "127.0.0.1"],
        cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        replicas.wait_healthy(url, timeout=90)
        for p in (first, first + 1):  # warmed before HAProxy let anyone in: every page ran there
            lookups = _cache_lookups(f"http://127.0.0.1:{p}")
            assert lookups > 0, f"the replica on port {p} had run no page when the proxy opened"
        cookies = set()
        for _ in range(4):
            with urllib.request.urlopen(url + "/") as r:
                assert r.status == 200
                cookies.add(r.headers.get("Set-Cookie", "").split(";")[0])
        assert cookies <= {"BPTT_REPLICA=r1", "BPTT_REPLICA=r2"} and cookies
        for path, target in SUBPATHS:
            assert _redirect(url + path) == target, path
        results = _sessions(url, 4)
        assert [r.status for r in results] == ["ok"] * 4, [r.errors for r in results]
        for p in (first, first + 1):  # both replicas answer on their own ports
            with urllib.request.urlopen(f"http://127.0.0.1:{p}/_stcore/health") as r:
                assert r.status == 200
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not all(replicas.port_free(p) for p in (port, first, first + 1)):
        time.sleep(0.2)
    assert all(replicas.port_free(p) for p in (port, first, first + 1)), (
        "a replica or haproxy outlived the launcher"
    )


@pytest.mark.parametrize("path, target", SUBPATHS)
def test_the_redirect_rule_sends_a_path_below_a_page_to_the_page(path, target):
    bare, _, query = path.partition("?")
    assert subpaths.redirect_target(bare, query) == target


def test_serve_py_redirects_a_path_below_a_page_and_the_page_opens_with_its_query(browser):
    """One `streamlit run serve.py` (st.App with the redirect middleware): what the proxy does, and
    a real browser sent from /vanishing/extra?T=30 to the page with T = 30."""
    with AppServer(LOGS / "test_serve_py.log", script="serve.py") as server:
        for path, target in SUBPATHS:
            got = _redirect(server.url + path)
            assert (got and got.removeprefix(server.url)) == target, path
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        tab = context.new_page()
        try:
            tab.goto(f"{server.url}/vanishing/extra?T=30")
            wait_for_app(tab)
            assert tab.url == f"{server.url}/vanishing?T=30"
            assert "Vanishing" in tab.locator("h1").first.inner_text()
            assert slider_value(tab, "Sequence length T") == "30"
        finally:
            context.close()
        log = server.log()
    assert "Traceback" not in log, log
