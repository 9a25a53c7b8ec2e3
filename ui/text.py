"""Explanations shown in place of numbers that overflowed float64."""

from __future__ import annotations

import numpy as np
import streamlit as st

import rnn_core as rc

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def superscript(t: int) -> str:
    """The time index as the notation writes it: 12 → ⁽¹²⁾."""
    return f"⁽{str(t).translate(_SUPERSCRIPT)}⁾"


def overflow_message(trace: rc.Trace) -> str | None:
    """A paragraph saying where the forward pass left float64 and what that means, or None."""
    t = trace.overflow_step
    if t is None:
        return None
    kind = "nan (inf − inf)" if np.isnan(trace.h[t]).any() else "±inf"
    if trace.activation == "linear":
        jacobians = (
            "The Jacobian norms ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖ stay exact: they are computed in log space, and for the "
            "linear activation f′ = 1 everywhere."
        )
    else:
        jacobians = (
            "Jacobian norms are computed in log space, so they stay finite as long as the derivatives "
            f"f′(a⁽ʲ⁾) are numbers; from step {t} on they are not."
        )
    return (
        f"The hidden state overflowed float64 at t = {t}: h{superscript(t)} holds {kind}, because "
        "‖h⁽ᵗ⁾‖ grew past the largest float64 (≈ 1.8·10³⁰⁸). The losses and gradients that depend on "
        f"that step are not numbers. {jacobians} Lower σ_max(W), the learning rate, or choose a "
        "bounded activation (tanh, sigmoid)."
    )


def warn_about(live, steps: int) -> None:
    """Say in place, above a page's numbers, when the live network (ui.data.LiveNetwork) took fewer
    gradient steps than asked for, and when its forward pass overflowed float64."""
    if live.stopped:
        st.warning(
            f"Only {live.steps_done} of the {steps} steps asked for were taken: {live.stopped}. "
            f"The page shows the network after step {live.steps_done}.",
            icon=":material/block:",
        )
    message = overflow_message(live.trace)
    if message:
        st.warning(message, icon=":material/warning:")
