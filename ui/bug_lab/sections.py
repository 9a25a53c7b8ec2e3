"""The Bug lab's link state and its sections: which bug (bl_seed, bl_bug), the hypothesis (bl_pick),
the reveal (bl_reveal), each read from and written to the URL; layout only, the words are in .text.

A value in a link that the lab cannot use falls back visibly: an unknown bug name or a seed out of
range gives a note, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from ui.bug_lab import bugs, charts
from ui.bug_lab import text as tx
from ui.bug_lab.calls import SECOND_SEQUENCE, LabResult
from ui.chart_cache import show_chart
from ui.format import number, sci
from ui.i18n import say
from ui.state import ACTIVATION_LABELS

KEYS = dict(seed="bl_seed", bug="bl_bug", pick="bl_pick", reveal="bl_reveal")
RADIO = "bl_pick_radio"
SEED_MAX = 9999
TITLES = {bug.key: bug.title for bug in bugs.BUGS}


@dataclass(frozen=True)
class Link:
    """What the URL asks for, after validation: the bug, how it was chosen, the guess, the reveal."""

    seed: int
    bug: str
    by_name: bool
    pick: str | None
    reveal: bool
    notes: tuple[str, ...]


def read_link() -> Link:
    """The lab's state from the URL; bad values fall back (with a note) and the URL is corrected."""
    qp = st.query_params
    notes = []
    raw_seed = qp.get(KEYS["seed"])
    seed = 0
    if raw_seed is not None:
        try:
            seed = int(raw_seed)
        except ValueError:
            seed = -1
        if not 0 <= seed <= SEED_MAX:
            seed = 0
            notes.append(say(tx.BAD_SEED, value=raw_seed, limit=SEED_MAX, seed=seed))
    qp[KEYS["seed"]] = str(seed)
    raw_bug = qp.get(KEYS["bug"])
    by_name = raw_bug in bugs.BY_KEY
    if raw_bug is not None and not by_name:
        notes.append(say(tx.BAD_BUG, value=raw_bug, seed=seed))
        del qp[KEYS["bug"]]
    bug = raw_bug if by_name else bugs.pick_bug(seed)
    pick = qp.get(KEYS["pick"])
    if pick is not None and pick not in bugs.BY_KEY:
        del qp[KEYS["pick"]]
        pick = None
    reveal = qp.get(KEYS["reveal"]) == "1"
    if KEYS["reveal"] in qp and not reveal:
        del qp[KEYS["reveal"]]
    return Link(seed, bug, by_name, pick, reveal, tuple(notes))


def new_bug() -> None:
    """on_click of "New bug": the next seed whose bug is another one; guess and reveal cleared."""
    qp = st.query_params
    try:
        seed = int(qp.get(KEYS["seed"], 0))
    except ValueError:
        seed = 0
    current = qp.get(KEYS["bug"])
    nxt = bugs.next_seed(seed, SEED_MAX)
    if current in bugs.BY_KEY:  # a bug chosen by name: the next draw must differ from it
        while bugs.pick_bug(nxt) == current:
            nxt = bugs.next_seed(nxt, SEED_MAX)
    qp[KEYS["seed"]] = str(nxt)
    for key in (KEYS["bug"], KEYS["pick"], KEYS["reveal"]):
        if key in qp:
            del qp[key]
    st.session_state.pop(RADIO, None)


def _picked() -> None:
    """on_change of the hypothesis: the pick goes into the link."""
    pick = st.session_state.get(RADIO)
    if pick is None:
        st.query_params.pop(KEYS["pick"], None)
    else:
        st.query_params[KEYS["pick"]] = pick


def _reveal() -> None:
    """on_click of Submit and of "Show the bug": the reveal goes into the link."""
    st.query_params[KEYS["reveal"]] = "1"


def bug_controls(link: Link) -> None:
    """The "New bug" button beside the bug's number, and the notes about the link."""
    col_button, col_label = st.columns([1, 3], vertical_alignment="center")
    col_button.button(
        say(tx.NEW_BUG), on_click=new_bug, help=say(tx.NEW_BUG_HELP), key="bl_new", width="stretch"
    )
    col_label.markdown(say(tx.BUG_BY_NAME) if link.by_name else say(tx.BUG_NUMBER, seed=link.seed))
    for note in link.notes:
        st.warning(note, icon=":material/link_off:")


def settings_section(result: LabResult) -> None:
    """What the check ran on, and what the lab changed."""
    setup, check = result.setup, result.check
    net = setup.net
    words = dict(
        activation=ACTIVATION_LABELS[net.activation],
        H=net.H,
        T=net.T,
        scale=number(result.sigma_max, ".4g"),
        steps=result.steps_done,
        initial=tx.initial_scale(result.sigma_max, result.initial_sigma_max, result.steps_done),
    )
    st.markdown(tx.settings_text(words, setup.B, setup.tau, net.seed + SECOND_SEQUENCE))
    if result.changes:
        words = [(say(tx.CHANGE_WORDS[f]), old, new) for f, old, new in result.changes]
        st.info(tx.changes_text(tuple(words), result, bugs.TOLERANCE), icon=":material/tune:")
    if not result.found:
        st.warning(tx.not_found_text(check, bugs.TOLERANCE), icon=":material/warning:")
    st.caption(tx.reference_text(check, setup.tau, bugs.FD_EPS))


def summary_table(check: bugs.GradientCheck) -> None:
    """One row per gradient: its relative error, how many entries disagree, and the verdict."""
    st.dataframe(pd.DataFrame(tx.summary_rows(check)), hide_index=True, width="stretch")


def check_section(result: LabResult) -> None:
    """The two heatmaps and the verdict."""
    check = result.check
    summary_table(check)
    st.subheader(say(tx.HEADER_ENTRIES))
    st.markdown(say(tx.ENTRIES_LEAD, tol=sci(check.verdict.tolerance, 1)))
    show_chart(charts.entries_chart(check), say(tx.ENTRIES_NOTICE))
    if note := tx.nonfinite_text(check):
        st.warning(note, icon=":material/warning:")
    st.subheader(say(tx.HEADER_STEPS))
    st.markdown(say(tx.STEPS_LEAD))
    show_chart(charts.steps_chart(check), say(tx.STEPS_NOTICE))
    st.markdown("\n".join(tx.verdict_lines(check, result.setup.net.T)))


def guess_section(link: Link) -> None:
    """The hypothesis: one radio over every bug, Submit, and "Show the bug"."""
    st.header(say(tx.HEADER_GUESS))
    if RADIO not in st.session_state and link.pick is not None:
        st.session_state[RADIO] = link.pick
    pick = st.radio(
        say(tx.GUESS_LABEL),
        bugs.KEYS,
        index=None,
        format_func=lambda key: say(TITLES[key]),
        key=RADIO,
        on_change=_picked,
    )
    left, right = st.columns(2)
    left.button(
        say(tx.SUBMIT),
        on_click=_reveal,
        disabled=pick is None,
        type="primary",
        key="bl_submit",
        width="stretch",
    )
    right.button(say(tx.REVEAL), on_click=_reveal, help=say(tx.REVEAL_HELP), key="bl_show", width="stretch")


def reveal_section(link: Link, result: LabResult) -> None:
    """Right or wrong, the diff of the one line, and why the check shows what it shows."""
    bug = bugs.get_bug(result.bug)
    pick = st.session_state.get(RADIO, link.pick)
    message = tx.result_text(pick, bug.key, TITLES)
    if pick is None:
        st.info(message, icon=":material/bug_report:")
    elif pick == bug.key:
        st.success(message, icon=":material/check_circle:")
    else:
        st.error(message, icon=":material/cancel:")
    st.markdown(say(tx.DIFF_LEAD))
    st.code(bugs.diff(bug), language="diff")
    st.subheader(say(tx.WHY_HEAD))
    st.markdown(say(bug.explanation))
    st.markdown(tx.found_text(result.check, result.setup.net.T))
