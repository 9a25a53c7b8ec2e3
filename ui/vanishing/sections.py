"""How the Vanishing & exploding page draws its recurring pieces: a row of metrics, notes that may
be absent, a slider over the distances 1..T, and a section that is computed only when open. Layout
only: the words come from :mod:`.text`.

A section is an expander bound to the URL (its key below is its URL key, ``true`` or ``false``
when it differs from the default), so a link opens exactly the sections its sender had open. Its
default may depend on the network (:func:`ui.vanishing.calls.opens_by_default`); a section the
student has not toggled follows that default when the network changes, one they toggled keeps its
state. Its label says what it holds and, when it is closed by default, why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import streamlit as st

from ui import state_text as words
from ui.i18n import say
from ui.state import step_slider
from ui.vanishing import text as t
from ui.vanishing.text import Metric

# the sections' session-state keys, which are also their URL keys
SECTION_KEYS = {
    "paths": "vpaths",
    "map": "vmap",
    "truncation": "vtrunc",
    "clipping": "vclip",
    "init": "vinit",
    "nonnormal": "vnn",
}
FOLLOW_KEY = "vanishing_section_defaults"  # key → the default each section was last drawn with


def metrics(rows: list[Metric]) -> None:
    """One st.metric per row, side by side."""
    for col, m in zip(st.columns(len(rows)), rows):
        col.metric(m.label, m.value, help=m.help)


def notes(sentences: Iterable[str | None], show: Callable = st.info) -> None:
    """Each sentence that is there (None: nothing to say), drawn with ``show``."""
    for sentence in sentences:
        if sentence:
            show(sentence)


def distance_slider(label: str, T: int, default: int, *, key: str, help: str, one_step: str) -> int:
    """A URL-bound slider over 1..T; for T = 1, the caption ``one_step`` instead, and 1."""
    if T > 1:
        return step_slider(label, T, default, key=key, help=help)
    st.caption(one_step)
    return 1


def section(name: str, label: str, default: bool, *, opened_by: tuple[str, ...] = ()):
    """The expander of section ``name`` (``with`` it; its ``.open`` says whether to compute the
    contents), open by ``default`` unless the session or the link says otherwise. A link that
    carries one of the URL keys ``opened_by`` (the section's own controls) and does not say
    whether the section is open opens it: its sender had it open."""
    key = SECTION_KEYS[name]
    raw = st.query_params.get(key)
    follow = st.session_state.setdefault(FOLLOW_KEY, {})
    last, held = follow.get(key), st.session_state.get(key)
    if last is None and raw is None and any(k in st.query_params for k in opened_by):
        st.session_state[key] = True  # the first draw in this session, from that link
    # The default is part of the expander's identity: when it changes, the state is carried over
    # by hand (the default if untouched, else what the student chose); without this, Streamlit
    # seeds the new expander from the page's first URL.
    if last is not None and last != default and isinstance(held, bool):
        st.session_state[key] = default if held == last else held
    follow[key] = default
    note = st.container()
    box = st.expander(label, expanded=default, key=key, bind="query-params")
    if raw is not None and raw.lower() not in ("true", "false"):  # Streamlit used the default
        used = say(t.SECTION_OPEN if box.open else t.SECTION_CLOSED)
        expected = say(t.SECTION_EXPECTED)
        note.warning(
            say(words.LINK_FALLBACK, label=label, received=raw[:40], expected=expected, used=used),
            icon=":material/link_off:",
        )
    return box
