"""How the Vanishing & exploding page draws its recurring pieces: a row of metrics, notes that may
be absent, a slider over the distances 1..T, and a section that is computed only when open. Layout
only: the words come from :mod:`.text`.

A section is an expander bound to the URL (its key below is its URL key, ``true`` or ``false``
when it differs from the default), so a link opens exactly the sections its sender had open. Its
label says what it holds and, when it starts closed, that it is computed when opened.
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
# Sections 2–4 start closed. Each one costs one to four times a trivial page's whole rerun, even on
# the default network: computed together on every rerun they made the page more than ten times that
# (`python benchmarks/page_cost.py --pages vanishing --query "vpaths=true&vmap=true&vtrunc=true&vclip=true&vinit=true"`
# against the same without --query), too much for a class sharing one server. A student opens the
# one they read; a link carries which are open. Section 5 has no network input (computed once for
# every session) and starts open.
DEFAULT_OPEN = {
    "paths": False,
    "map": False,
    "truncation": False,
    "clipping": False,
    "init": False,
    "nonnormal": True,
}


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


def section(name: str, label: str, *, opened_by: tuple[str, ...] = ()):
    """The expander of section ``name`` (``with`` it; its ``.open`` says whether to compute the
    contents), open as :data:`DEFAULT_OPEN` says unless the session or the link says otherwise. A
    link that carries one of the URL keys ``opened_by`` (the section's own controls) and does not
    say whether the section is open opens it: its sender had it open."""
    key = SECTION_KEYS[name]
    raw = st.query_params.get(key)
    if raw is None and key not in st.session_state and any(k in st.query_params for k in opened_by):
        st.session_state[key] = True  # the first draw of this section, from that link
    note = st.container()
    box = st.expander(label, expanded=DEFAULT_OPEN[name], key=key, bind="query-params")
    if raw is not None and raw.lower() not in ("true", "false"):  # Streamlit used the default
        used = say(t.SECTION_OPEN if box.open else t.SECTION_CLOSED)
        expected = say(t.SECTION_EXPECTED)
        note.warning(
            say(words.LINK_FALLBACK, label=label, received=raw[:40], expected=expected, used=used),
            icon=":material/link_off:",
        )
    return box
