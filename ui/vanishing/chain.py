"""The Vanishing page's ledger that opens: the heatmap of C[s, k] where a click picks a cell, the
choice of (s, k) (that click, two number inputs, and the URL keys ``cs`` and ``ck``), and the
chosen path term's chain of Jacobians with its numbers. Layout only: the words are in
:mod:`.chain_text`, the numbers come from :func:`ui.vanishing.calls.ledger_chain`.

A click reaches the inputs through the chart's ``on_select`` callback, which runs before the
rerun and writes the clicked (s, k) into the inputs' session state; the inputs are bound to the
URL, so a link reproduces the opened cell. A link's value that the inputs cannot take is said
above them (as the sidebar does for its own controls) and the default is used.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import streamlit as st

from ui import formulas
from ui import state_text as words
from ui.chart_cache import notice
from ui.format import number
from ui.i18n import say
from ui.notices import explain_nonfinite
from ui.state import Network
from ui.vanishing import calls, charts
from ui.vanishing import chain_text as ct
from ui.vanishing.sections import metrics, notes

KEYS = {"s": "cs", "k": "ck"}  # the inputs' session-state keys, which are also their URL keys
FOLLOW_KEY = "ledger_defaults"  # (T, s, k): the defaults the inputs were last drawn with
CHART_KEY = "ledger"  # the chart's selection state: st.session_state[CHART_KEY]
MAX_MATRIX_H = 4  # the factors are written out as matrices up to this H
MAX_MATRICES = 6  # and at most this many of them


def clicked_cell(event, T: int) -> tuple[int, int] | None:
    """The (s, k) of a click on the ledger from the chart's selection state, or None (no cell,
    or one outside 1 ≤ k ≤ s ≤ T: a stale selection after T changed)."""
    try:
        picked = event["selection"][charts.LEDGER_SELECTION]
        cell = picked[0] if isinstance(picked, list) else None
        s, k = int(cell["s"]), int(cell["k"])
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return (s, k) if 1 <= k <= s <= T else None


def _on_click(T: int) -> None:
    cell = clicked_cell(st.session_state.get(CHART_KEY), T)
    if cell is not None:
        st.session_state[KEYS["s"]], st.session_state[KEYS["k"]] = cell


def _valid(raw: str | None, high: int) -> bool:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return False
    return value.is_integer() and 1 <= value <= high


def _link_note(label: str, raw: str | None, high: int, used: int) -> str | None:
    """The sidebar's sentence for a link value an input could not take (ui.state.link_notes), or None."""
    if raw is None or _valid(raw, high):
        return None
    expected = say(words.LINK_RANGE, low=1, high=high)
    return say(words.LINK_FALLBACK, label=label, received=raw[:40], expected=expected, used=used)


def _pick(T: int) -> tuple[int, int]:
    """The two number inputs for s and k (bound to the URL); k follows s down, as step_slider does."""
    default_s, default_k = calls.default_cell(T)
    received = {name: st.query_params.get(key) for name, key in KEYS.items()}
    if T == 1:
        st.caption(say(ct.ONE_STEP))
        return 1, 1
    # an untouched cell follows T: if s and k still hold the defaults of the T they were drawn for,
    # a new T gets its own defaults (as a link with that T opens), not the old T's cell
    shown = st.session_state.get(FOLLOW_KEY)
    held = (st.session_state.get(KEYS["s"]), st.session_state.get(KEYS["k"]))
    if shown is not None and shown[0] != T and held == shown[1:]:
        st.session_state[KEYS["s"]], st.session_state[KEYS["k"]] = default_s, min(default_k, default_s)
    st.session_state[FOLLOW_KEY] = (T, default_s, min(default_k, default_s))
    col_s, col_k = st.columns(2)
    s = int(
        col_s.number_input(
            say(ct.S_LABEL), 1, T, default_s, step=1, key=KEYS["s"], bind="query-params", help=say(ct.S_HELP)
        )
    )
    held = st.session_state.get(KEYS["k"])
    if isinstance(held, int) and held > s:
        st.session_state[KEYS["k"]] = s
    k = int(
        col_k.number_input(
            say(ct.K_LABEL),
            1,
            s,
            min(default_k, s),
            step=1,
            key=KEYS["k"],
            bind="query-params",
            help=say(ct.K_HELP),
        )
    )
    # a k that is valid for the link's s counts as received; its range is 1..s of this run
    for note in (
        _link_note(say(ct.S_LABEL), received["s"], T, s),
        _link_note(say(ct.K_LABEL), received["k"], s, k),
    ):
        if note:
            st.warning(note, icon=":material/link_off:")
    return s, k


def _table(lc: calls.LedgerChain) -> pd.DataFrame:
    """One row per factor j = s..k+1: its norm, the running product's norm, the bound, max f′."""
    chain = lc.chain
    bound_logs = [ct.bound_log(lc.bound.base, n) for n in range(1, chain.length + 1)]  # n factors so far
    return pd.DataFrame(
        {
            say(ct.COL_J): chain.steps,
            say(ct.COL_FACTOR): [number(x, ".4g") for x in chain.factor_norms],
            say(ct.COL_RUNNING): [ct.norm_from_log(x) for x in chain.log_norms],
            say(ct.COL_BOUND): [ct.norm_from_log(x) for x in bound_logs],
            say(ct.COL_MAX_FPRIME): [number(x, ".4g") for x in np.abs(chain.fprime[:-1]).max(axis=1)],
        }
    )


def _term_frame(chain) -> pd.DataFrame:
    """The term δₖ⁽ˢ⁾ h⁽ᵏ⁻¹⁾ᵀ as a table: row i, column j of W."""
    H = chain.term.shape[0]
    return pd.DataFrame(
        chain.term, index=[f"i = {i}" for i in range(1, H + 1)], columns=[f"j = {j}" for j in range(1, H + 1)]
    )


def _matrices(chain) -> None:
    H = chain.W.shape[0]
    with st.expander(say(ct.MATRICES), expanded=False):
        if H <= MAX_MATRIX_H:
            lines, more = ct.matrix_lines(chain, MAX_MATRICES)
            for line in lines[: min(MAX_MATRICES, chain.length)]:
                st.latex(line)
            if more:
                st.caption(more)
            for line in lines[min(MAX_MATRICES, chain.length) :]:
                st.latex(line)
        else:
            st.caption(say(ct.MATRICES_BIG, H=H, max_h=MAX_MATRIX_H))
            st.dataframe(_term_frame(chain), width="stretch")
        if not (np.isfinite(chain.jacobian).all() and np.isfinite(chain.term).all()):
            st.caption(say(ct.NOT_FINITE_MATRIX))


def ledger_and_chain(net: Network, steps: int, C: np.ndarray, caption: str, what: str) -> None:
    """The ledger heatmap of ``C`` (T, T) with its ``caption``, a click or two inputs choosing a
    cell (s, k), and that cell's chain of Jacobians; ``what`` names C in the non-finite note."""
    T = net.T
    ledger = st.container()  # drawn after the inputs, so that the ring marks this run's choice
    panel = st.container(border=True)
    with panel:
        st.subheader(say(ct.HEADER))
        st.markdown(say(ct.INTRO))
        s, k = _pick(T)
    with ledger:
        if charts.has_finite(C, positive=True):
            st.vega_lite_chart(
                charts.with_ring(charts.contribution_chart(C).drawable(), T, (s, k)),
                width="stretch",
                key=CHART_KEY,
                on_select=functools.partial(_on_click, T),
                selection_mode=charts.LEDGER_SELECTION,
                alt=caption,
            )
            st.caption(notice(f"{caption} {say(ct.CLICK_HINT)}"))
        notes([explain_nonfinite(C, what)])
    with panel:
        lc = calls.ledger_chain(net, steps, s, k)
        st.latex(formulas.path_term_latex(s, k, "W"))
        metrics(ct.metrics(lc))
        st.markdown(ct.verdict_text(lc.verdict, lc.chain))
        if lc.chain.length:
            st.caption(say(ct.TABLE_LEAD))
            height = min(38 + 35 * lc.chain.length, 320)
            st.dataframe(_table(lc), hide_index=True, width="stretch", height=height)
        _matrices(lc.chain)
