"""Smoke test of the load generator (benchmarks/loadtest.py) against a real server.

Five websocket sessions for a few seconds over every page: the test fails if any run raises in a
page or does not finish, so neither the generator nor the pages can rot unnoticed. A small herd
presses Train on one run: it must get every result from one computation. No timing is asserted;
the per-run timeout only turns a hung run into a failure.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from benchmarks import loadtest as lt
from ui.site import PAGES


def in_thread(fn, *args):
    """Run ``fn`` in a thread of its own: asyncio.run refuses to start where an event loop is
    already running, as it is in the main thread while the browser tests' Playwright is open."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args).result()


def _delta(**kind):
    from streamlit.proto.Delta_pb2 import Delta

    d = Delta()
    if "text" in kind:
        d.new_element.markdown.body = kind["text"]
    elif "empty" in kind:
        d.new_element.empty.SetInParent()
    else:
        d.add_block.vertical.SetInParent()
    return d


def test_the_digest_is_of_the_page_a_run_leaves_not_of_how_its_deltas_were_merged():
    # Streamlit merges the queued deltas of one path before sending them: under load the browser
    # may get a placeholder and then what fills it, or only what fills it. Same page, same digest.
    merged, unmerged, other = {}, {}, {}
    lt._apply(merged, (0, 1), _delta(text="a"))
    lt._apply(unmerged, (0, 1), _delta(empty=True))
    lt._apply(unmerged, (0, 1), _delta(text="a"))
    lt._apply(other, (0, 1), _delta(text="b"))
    assert lt._page_digest(merged) == lt._page_digest(unmerged) != lt._page_digest(other)
    # an element put where a block was takes the block's contents with it
    block = {}
    lt._apply(block, (0, 1), _delta())
    lt._apply(block, (0, 1, 0), _delta(text="inside"))
    lt._apply(block, (0, 1), _delta(text="a"))
    assert lt._page_digest(block) == lt._page_digest(merged)
    # a block's children stay when the block is drawn again
    lt._apply(block, (0, 1), _delta())
    lt._apply(block, (0, 1, 0), _delta(text="inside"))
    lt._apply(block, (0, 1), _delta())
    assert lt._page_digest(block) != lt._page_digest(merged) and (0, 1, 0) in block


@pytest.fixture(scope="module")
def server():
    # the server logs each job; long computations go to worker processes, as served
    srv = lt.StreamlitServer(env={"BPTT_JOB_LOG": "1", "BPTT_OFFLOAD": "process"})
    with srv:
        yield srv
    srv.log_path.unlink()
    assert srv.proc.poll() is not None, "the server outlived its context manager"


def test_quick_load_runs_every_page_without_error(server):
    n = len(PAGES)  # the sessions go round the pages: one session per page opens every page
    report = in_thread(lt.run, lt.quick_config(url=server.url, server_pid=server.proc.pid, sessions=(n,)))
    (res,) = report["results"]
    errors = res["error_samples"] + [e for c in res["cold_start"] for e in c["errors"]]

    assert res["failed"] == 0 and res["errored"] == 0, errors
    assert all(c["status"] == "ok" for c in res["cold_start"]), errors
    assert res["sessions_with_first_page"] == n
    # quick mode makes every session act at least once after its first page
    assert res["rerun"]["count"] + res["nav"]["count"] >= n
    # n sessions over the n pages in the navigation: each page is opened by one of them
    assert {p or "(default)" for p in res["pages_discovered"]} <= set(res["pages"])
    # the server's own counter of websocket sessions agrees with the generator's
    assert res["metrics"]["available"]
    assert res["metrics"]["sessions_connected"] == n
    assert res["server_cpu_seconds"] > 0 and res["peak_rss_mb"] > 0


async def _two_routes(url: str, page: str) -> tuple[lt.RunResult, lt.RunResult, lt.RunResult]:
    """The T slider moved by a widget change, and the same T given by a link, on ``page``."""
    a, b = lt.Session(url), lt.Session(url)
    await a.connect()
    await b.connect()
    try:
        before = await a.load(page, "", 30)
        T = next(w for w in a.widgets.values() if w.url_key == "T")
        t_new = T.default[0] + T.step if T.default[0] + T.step <= T.hi else T.default[0] - T.step
        changed = await a.change(T, (t_new,), 30)
        linked = await b.load(page, f"T={lt._num(t_new)}", 30)
        return before, changed, linked
    finally:
        await a.close()
        await b.close()


def test_a_widget_change_gives_the_page_a_link_gives(server):
    pages = in_thread(asyncio.run, lt.probe_pages(server.url, 30))
    assert len(pages) >= 2, "the navigation should list the app's pages"
    moved = []
    for page in pages:
        before, changed, linked = in_thread(asyncio.run, _two_routes(server.url, page.path))
        assert [before.status, changed.status, linked.status] == ["ok"] * 3, (page.path, linked.errors)
        # the widget state the generator sends and Streamlit's URL binding reach the same page
        assert changed.digest == linked.digest, page.path
        moved.append(changed.digest != before.digest)
    # T is the sequence length of the network every page shows: some page must redraw
    assert any(moved)


def test_a_herd_pressing_train_on_one_run_gets_every_result_from_one_computation(server):
    cfg = lt.Config(
        scenario="herd",
        herd_link="/training?tT=30&tsteps=200&tB=8",
        herd_window=0.5,
        herd_others=1,
        ramp=0.5,
        floor=False,
    )
    n = 4
    res = in_thread(asyncio.run, lt._one_n(server.url, n, cfg, server.proc.pid, server.log_path))
    herd = res["herd"]
    assert res["failed"] == 0 and res["errored"] == 0, res["error_samples"]
    assert herd["presses"] == herd["results"] == n
    # every press either followed the one job or read its stored result: one computation
    assert herd["computed"] == 1 and res["training_jobs"]["ended"] == 1
    pressed = [r for r in res["records"] if r["kind"] == "press"]
    assert len({r["session"] for r in pressed}) == n and all(r["n_deltas"] > 0 for r in pressed)
    # the other page's session kept working meanwhile, on another page
    assert any(r["role"] == "other" and r["page"] != "training" for r in res["records"])


async def _open_a_section(url: str) -> tuple[lt.Widget, lt.RunResult, lt.RunResult, lt.RunResult]:
    """The Vanishing page on a network large enough that its sections start closed: the section of
    the paths opened by its expander's state, and the same section opened by a link."""
    a, b = lt.Session(url), lt.Session(url)
    await a.connect()
    await b.connect()
    try:
        closed = await a.load("vanishing", "H=100", 60)
        box = next(w for w in a.widgets.values() if w.url_key == "vpaths")
        assert a.values[box.id] is False and box.changeable
        opened = await a.change(box, True, 60)
        linked = await b.load("vanishing", "H=100&vpaths=true", 60)
        return box, closed, opened, linked
    finally:
        await a.close()
        await b.close()


def test_the_generator_opens_a_section_as_a_student_does(server):
    box, closed, opened, linked = in_thread(asyncio.run, _open_a_section(server.url))
    assert [closed.status, opened.status, linked.status] == ["ok"] * 3, linked.errors
    assert box.kind == "checkbox" and box.default is False
    assert box.fragment_id  # the section is a fragment: opening it reruns that section only
    # opening computes and sends the section: another page, the one its link gives
    assert opened.digest != closed.digest and opened.digest == linked.digest
