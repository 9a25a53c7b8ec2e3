"""AppTest of the Vanishing page's lazy sections: sections 2–4 start closed and a closed section
computes nothing, a link opens exactly the sections it names, an opened section stays open when the
network changes, and a link value a section cannot take is said, not raised.

"Computes nothing" is observed, not inferred from the page: the rnn_core functions each section
calls are wrapped in counters (the page reaches them through ``rnn_core``'s attributes) and every
st.cache_data cache is emptied first, so that a section that ran shows up as a call.
"""

from __future__ import annotations

import collections

import pytest
import streamlit as st

import rnn_core as rc
from tests.app.helpers import find_widget, open_app, widget
from ui.i18n import say
from ui.vanishing import calls
from ui.vanishing import text as t
from ui.vanishing.sections import SECTION_KEYS

PAGE = "app_pages/vanishing.py"
LARGE = dict(H="80", T="30")  # a network other than the default one; cheap to compute
# what each section computes in rnn_core, and nothing before it needs
SPIED = ("contributions", "distance_terms", "path_chain", "regime_map", "clipping_sweep", "jacobian_profile")
CALLS = {
    "paths": {"contributions", "distance_terms", "path_chain"},
    "map": {"regime_map"},
    "truncation": {"distance_terms"},
    "clipping": {"distance_terms", "clipping_sweep"},
    "init": {"jacobian_profile"},  # the gaussian and identity profiles (orthogonal is section 1's)
    "nonnormal": set(),
}


@pytest.fixture
def counted(monkeypatch):
    """How often each of SPIED was called, from a cold cache."""
    st.cache_data.clear()
    counts = collections.Counter()
    for name in SPIED:
        original = getattr(rc, name)

        def spy(*args, _name=name, _original=original, **kwargs):
            counts[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(rc, name, spy)
    yield counts
    st.cache_data.clear()  # nothing computed through a spy stays in the caches


def expanders(at) -> dict[str, object]:
    """The page's section expanders by section name (the labels name what each holds)."""
    found = {}
    for e in at.expander:
        for name, what in t.SECTION_WHAT.items():
            if e.label.startswith(say(what)):
                found[name] = e
    return found


@pytest.mark.parametrize("query", [{}, LARGE, dict(H="128", T="200")], ids=["defaults", "H=80", "largest"])
def test_the_page_opens_with_sections_2_to_4_closed_and_computes_none_of_them(counted, query):
    at = open_app(PAGE, **query)
    assert not at.exception
    shown = expanders(at)
    assert set(shown) == set(SECTION_KEYS)
    for name in ("paths", "map", "truncation", "clipping", "init"):
        # closed, and the label says that it is computed when opened
        assert not shown[name].proto.expanded, name
        assert shown[name].label == say(t.SECTION_ON_OPEN, what=say(t.SECTION_WHAT[name]))
    assert shown["nonnormal"].proto.expanded and shown["nonnormal"].label == say(t.SECTION_WHAT["nonnormal"])
    # only section 1's profile was computed; no control of a closed section is drawn
    assert counted == {"jacobian_profile": 1}
    for key in ("dist", "tau", "clip", "cs", "ck"):
        assert find_widget(at, key) is None, key
    assert not [m for m in at.metric if m.label == say(t.SHARE_SUM)]
    # and nothing of them is in the URL
    assert not set(SECTION_KEYS.values()) & set(at.query_params)


@pytest.mark.parametrize("name", list(CALLS))
def test_a_link_opens_one_section_and_only_that_one_computes(counted, name):
    at = open_app(PAGE, **LARGE, **{SECTION_KEYS[name]: "true"})
    assert not at.exception
    shown = expanders(at)
    assert shown[name].proto.expanded
    assert [n for n, e in shown.items() if e.proto.expanded] == [name] + (
        ["nonnormal"] if name != "nonnormal" else []
    )
    extra = {"jacobian_profile": 2} if name == "init" else {}
    ran = {k for k, v in counted.items() if v > (1 if k == "jacobian_profile" else 0)}
    assert ran == CALLS[name], dict(counted)
    assert counted["jacobian_profile"] == 1 + extra.get("jacobian_profile", 0)
    # the link keeps the section open: its key stays in the URL (true, not the default)
    if name != "nonnormal":
        assert at.query_params[SECTION_KEYS[name]] == "true"


def test_a_section_the_student_opens_computes_and_closed_again_computes_nothing_more(counted):
    at = open_app(PAGE)
    at.session_state[SECTION_KEYS["map"]] = True  # the student opens the regime map (the URL's
    at.run()  # true is written by the browser: tests/e2e/test_lazy_sections.py)
    assert not at.exception
    assert expanders(at)["map"].proto.expanded and counted["regime_map"] == 1
    assert widget(at, "dist").value == min(calls.DEFAULT_DIST, 20)
    assert counted["contributions"] == 0  # the ledger's section is still closed
    at.session_state[SECTION_KEYS["map"]] = False  # and closes it again
    at.run()
    assert not at.exception
    assert find_widget(at, "dist") is None and counted["regime_map"] == 1
    assert not expanders(at)["map"].proto.expanded


def test_an_opened_section_stays_open_when_the_network_changes(counted):
    at = open_app(PAGE)
    at.session_state[SECTION_KEYS["truncation"]] = True  # the student opens truncation
    at.run()
    for H in (100, 16):  # larger, then small again: it stays open (the browser's URL says
        widget(at, "H").set_value(H).run()  # so: tests/e2e/test_lazy_sections.py)
        assert not at.exception
        assert expanders(at)["truncation"].proto.expanded
        assert widget(at, "tau").value == min(calls.DEFAULT_TAU, 20)
    # the sections the student did not open stay closed
    assert [n for n, e in expanders(at).items() if e.proto.expanded] == ["truncation", "nonnormal"]


@pytest.mark.parametrize("raw", ["banana", "1", "", "<b>"])
def test_a_section_value_it_cannot_take_is_said_and_the_default_used(raw):
    at = open_app(PAGE, **{SECTION_KEYS["map"]: raw})
    assert not at.exception
    assert not expanders(at)["map"].proto.expanded  # the default: closed
    notes = [w.value for w in at.warning if say(t.SECTION_EXPECTED) in w.value]
    assert len(notes) == 1 and f"“{raw}”" in notes[0] and say(t.SECTION_CLOSED) in notes[0]


@pytest.mark.parametrize(
    "query, name",
    [
        (dict(cs="20", ck="3"), "paths"),
        (dict(dist="7"), "map"),
        (dict(tau="4"), "truncation"),
        (dict(clip="0.5"), "clipping"),
    ],
)
def test_a_link_with_a_sections_own_control_opens_it(query, name):
    # the sender drew that control, so the section was open; the control takes the link's value
    at = open_app(PAGE, **LARGE, **query)
    assert not at.exception
    shown = expanders(at)
    assert shown[name].proto.expanded
    assert [n for n, e in shown.items() if e.proto.expanded and n != "nonnormal"] == [name]
    for key, value in query.items():
        assert widget(at, key).value == pytest.approx(float(value))


def test_a_link_that_closes_a_section_wins_over_its_control():
    at = open_app(PAGE, **LARGE, dist="7", **{SECTION_KEYS["map"]: "false"})
    assert not at.exception
    assert not expanders(at)["map"].proto.expanded and find_widget(at, "dist") is None


def test_clipping_with_truncation_closed_splits_at_the_default_tau_and_says_so():
    at = open_app(PAGE, **LARGE, clip="0.5", tau="9", **{SECTION_KEYS["truncation"]: "false"})
    assert not at.exception
    assert find_widget(at, "tau") is None
    tau = min(calls.DEFAULT_TAU, int(LARGE["T"]))
    assert say(t.TAU_OF_CLOSED, tau=tau) in [c.value for c in at.caption]
    long_range = next(i.value for i in at.info if "across d ≥ τ" in i.value)
    assert f"τ = {tau} steps" in long_range and "τ = 9" not in long_range
