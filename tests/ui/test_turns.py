"""The server's turn (ui/turns.py): one holder at a time, handed over in arrival order, reentrant,
given away while a run waits, taken by every run of the app and by every fragment's rerun."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.helpers import open_app, wait_until, widget
from ui import jobs, layout
from ui.turns import TURNS, Turns

ROOT = Path(__file__).resolve().parents[2]


def test_the_turn_goes_to_the_waiters_in_the_order_they_asked():
    t, order, inside, most = Turns(), [], [0], [0]
    guard = threading.Lock()
    t.acquire()

    def run(i: int) -> None:
        with t.turn():
            with guard:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            order.append(i)
            time.sleep(0.002)
            with guard:
                inside[0] -= 1

    threads = []
    for i in range(8):  # each one starts waiting before the next one asks
        threads.append(threading.Thread(target=run, args=(i,)))
        threads[-1].start()
        wait_until(lambda i=i: t.waiting == i + 1)
    t.release()
    for th in threads:
        th.join(timeout=10)
    assert order == list(range(8))
    assert most[0] == 1  # never two holders
    assert t.owner is None and t.waiting == 0


def test_a_run_back_from_aside_lets_the_fresh_runs_of_its_handicap_go_first_and_no_more():
    now = [100.0]
    t, order = Turns(handicap=0.5, clock=lambda: now[0]), []
    t.acquire()

    def run(name: str, returning: bool) -> None:
        t.acquire(returning=returning)
        order.append(name)
        t.release()

    arrivals = [  # (time it asks, name, back from aside)
        (100.0, "back", True),
        (100.2, "fresh within the handicap", False),
        (100.5, "fresh at the handicap's end", False),  # ties go to the one that asked first
        (100.6, "fresh after it", False),
    ]
    threads = []
    for i, (when, name, returning) in enumerate(arrivals):
        now[0] = when
        threads.append(threading.Thread(target=run, args=(name, returning)))
        threads[-1].start()
        wait_until(lambda i=i: t.waiting == i + 1)
    t.release()
    for th in threads:
        th.join(timeout=10)
    assert order == ["fresh within the handicap", "back", "fresh at the handicap's end", "fresh after it"]


@pytest.mark.parametrize("keep_place", [True, False])
def test_a_run_keeping_its_place_comes_back_ahead_of_the_runs_that_asked_after_it(keep_place):
    now = [100.0]
    t, order, back = Turns(handicap=0.5, clock=lambda: now[0]), [], threading.Event()
    t.acquire()  # "earlier" holds the turn from 100.0; "sender" asks at 100.1

    def sender() -> None:
        with t.turn():
            with t.aside(keep_place=keep_place):  # its work is computed elsewhere meanwhile
                back.wait(10)
            order.append("sender")

    def fresh(name: str) -> None:
        with t.turn():
            order.append(name)
            if name == "during":
                back.set()  # the sender's work is back while this run holds the turn
                wait_until(lambda: t.waiting == 2)  # sender and "after" both wait now

    now[0] = 100.1
    s = threading.Thread(target=sender)
    s.start()
    wait_until(lambda: t.waiting == 1)
    now[0] = 100.2
    during = threading.Thread(target=fresh, args=("during",))
    during.start()
    wait_until(lambda: t.waiting == 2)
    t.release()  # the sender takes the turn, gives it away: "during" runs and the sender's work returns
    wait_until(lambda: back.is_set())
    now[0] = 100.3  # "after" asks once the sender is waiting to come back (at 100.3 or so)
    after = threading.Thread(target=fresh, args=("after",))
    after.start()
    for th in (s, during, after):
        th.join(timeout=10)
    # kept its place (it asked at 100.1, before "after" at 100.3); with the handicap it counts as
    # asking at 100.8 and lets "after" go first
    assert order == (["during", "sender", "after"] if keep_place else ["during", "after", "sender"])


def test_a_thread_holding_the_turn_takes_it_again_and_keeps_it_until_the_last_release():
    t = Turns()
    with t.turn():
        with t.turn():
            assert t.held()
        assert t.held()  # one level given back, one still held
        other = threading.Thread(target=t.acquire)  # and keeps it
        other.start()
        wait_until(lambda: t.waiting == 1)
        assert t.owner == threading.get_ident()
    other.join(timeout=10)
    assert t.owner == other.ident  # handed over at the last release


def test_only_the_holder_can_release():
    t = Turns()
    with pytest.raises(RuntimeError, match="released by thread"):
        t.release()
    t.acquire()
    errors = []

    def release() -> None:
        try:
            t.release()
        except RuntimeError as e:
            errors.append(str(e))

    th = threading.Thread(target=release)
    th.start()
    th.join(timeout=10)
    assert errors and "held by" in errors[0]
    assert t.held()


def test_an_error_inside_gives_the_turn_back():
    t = Turns()
    with pytest.raises(ZeroDivisionError):
        with t.turn():
            raise ZeroDivisionError
    assert t.owner is None


def test_aside_lets_the_others_run_and_takes_the_turn_back_at_its_depth():
    t, ran = Turns(), []
    t.acquire()
    t.acquire()

    def run() -> None:
        with t.turn():
            ran.append(t.held())

    other = threading.Thread(target=run)
    other.start()
    wait_until(lambda: t.waiting == 1)
    with t.aside():
        wait_until(lambda: ran == [True])  # the waiter ran while this thread stood aside
    assert t.held()
    t.release()
    assert t.held()  # both levels are back
    t.release()
    assert t.owner is None
    other.join(timeout=10)


def test_aside_without_the_turn_gives_nothing():
    t = Turns()
    with t.aside():
        assert t.owner is None
    assert t.owner is None


def test_every_run_of_the_app_holds_the_turn_and_gives_it_back(monkeypatch):
    seen = []
    apply = layout.apply
    monkeypatch.setattr(layout, "apply", lambda: seen.append(TURNS.held()) or apply())
    at = open_app("app_pages/vanishing.py", T="4")
    assert not at.exception, at.exception
    assert seen == [True, True]  # the run from the link, then the page switch
    assert TURNS.owner is None


def test_a_fragment_takes_the_turn_itself_since_its_reruns_run_without_the_page():
    def script():
        import streamlit as st

        from ui import turns

        @turns.fragment
        def section():
            st.checkbox("again", key="again")
            st.write(f"held {turns.TURNS.held()}")

        section()

    at = AppTest.from_function(script).run()
    assert not at.exception and at.markdown[0].value == "held True"
    assert TURNS.owner is None


def test_the_pages_declare_fragments_only_through_the_turn():
    """st.fragment anywhere else would rerun a section without the turn."""
    found = []
    for path in [*ROOT.glob("app_pages/*.py"), *ROOT.glob("ui/**/*.py"), ROOT / "streamlit_app.py"]:
        if path.name == "turns.py":
            continue
        if re.search(r"\bst\.fragment\b|from streamlit import .*\bfragment\b", path.read_text()):
            found.append(str(path.relative_to(ROOT)))
    assert found == []
    assert "@turns.fragment" in (ROOT / "app_pages" / "vanishing.py").read_text()


def test_a_run_waiting_for_its_training_job_stands_aside(monkeypatch):
    """While the Training page follows a job, the turn is free: the other sessions' runs go on."""
    held_while_waiting = []
    wait = jobs.Job.wait

    def recording_wait(self, timeout=None):
        held_while_waiting.append(TURNS.held())
        return wait(self, timeout)

    monkeypatch.setattr(jobs.Job, "wait", recording_wait)
    at = open_app("app_pages/training.py", tT="4", tsteps="10", tB="2", H="4", seed="17")
    widget(at, "ttrain").click().run()
    assert not at.exception, at.exception
    assert held_while_waiting and not any(held_while_waiting)
    assert TURNS.owner is None
