"""The Update rules page's own controls: the loss step it opens on and its step buttons."""

from __future__ import annotations

import streamlit as st

from ui.state import MAX_STEPS

DEFAULT_S = 3  # the homework writes ∂L⁽³⁾/∂W
WRT_OPTIONS = ("W", "U")


def default_step(T: int) -> int:
    """The loss step the page opens on: the homework's s = 3, or T when the sequence is shorter."""
    return min(DEFAULT_S, T)


def take_step() -> None:
    """on_click of "Take one step": one more in the sidebar's URL-bound "steps" count.

    Callbacks run before the script, so the sidebar's widget shows the new count in the same run.
    """
    st.session_state["steps"] = min(int(st.session_state.get("steps", 0)) + 1, MAX_STEPS)


def reset_steps() -> None:
    """on_click of "Reset to 0": back to the initial network."""
    st.session_state["steps"] = 0
