"""Whether the pages ask their predictions: the URL key ``pred`` (``on`` by default, ``off`` for a
class that watches the charts on a projector), its control's words, and the test of it.

Kept apart from the questions (it imports only ui.i18n) because the shared sidebar in
ui/state.py draws its control and validates its URL value with the others.
"""

from __future__ import annotations

import os

import streamlit as st

from ui.i18n import say

KEY = "pred"
MODES = ("on", "off")  # the control's options, which are also its URL values
# The value a link without ``pred`` gets: on, unless this variable is "off" (the test suite sets it
# for the pages' own tests, which read every chart at once; the tests of predictions set pred=on).
DEFAULT_ENV = "BPTT_PREDICT"


def default() -> str:
    """The mode of a link that does not set ``pred``: "on" (or "off" when $BPTT_PREDICT is off)."""
    return "off" if os.environ.get(DEFAULT_ENV) == "off" else "on"


ANSWERS = "prediction_answers"  # session_state: question key → {"page", "response", "right"}

LABEL = "Predict before reveal"
HELP = (
    "On: before a key chart or number, the page asks you to predict it and reveals it when you "
    "commit. Off: the charts show at once (for a projector). A link carries this setting "
    "(pred=on or pred=off), not your answers or your score."
)


SCORE = "Predictions this session: {right} of {n} right."
SCORE_NONE = "Predictions this session: none committed yet."


def score() -> tuple[int, int]:
    """(right, scored) over the whole session, every page (a prediction is scored once its answer
    is known: a run's, when it has trained)."""
    scored = [a for a in st.session_state.get(ANSWERS, {}).values() if a["right"] is not None]
    return sum(1 for a in scored if a["right"]), len(scored)


def score_text() -> str:
    right, n = score()
    return say(SCORE, right=right, n=n) if n else say(SCORE_NONE)


def control(where) -> str:
    """The sidebar's on/off control (bound to the URL key ``pred``) and the session's score."""
    value = where.radio(
        say(LABEL),
        MODES,
        index=MODES.index(default()),
        key=KEY,
        bind="query-params",
        horizontal=True,
        help=say(HELP),
    )
    if value != "off":
        where.caption(score_text())
    return value


def enabled() -> bool:
    """Whether this run asks predictions (the control's value; on when no sidebar was drawn)."""
    return st.session_state.get(KEY, default()) != "off"
