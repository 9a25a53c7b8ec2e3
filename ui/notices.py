"""The notices every page shares: where the forward pass overflowed float64, a run cut short, and
the values a chart leaves out because they are not finite.

The sentences are the templates at the top of this module (shown through :func:`ui.i18n.say`).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import rnn_core as rc
from ui.format import time_index
from ui.i18n import say

OVERFLOW = (
    "The hidden state overflowed float64 at t = {t}: h{t_index} holds {kind}, because ‖h⁽ᵗ⁾‖ grew past "
    "the largest float64 (≈ 1.8·10³⁰⁸). The losses and gradients that depend on that step are not "
    "numbers. {jacobians} Lower σ_max(W), the learning rate, or choose a bounded activation (tanh, "
    "sigmoid)."
)
OVERFLOW_KIND_NAN = "nan (inf − inf)"
OVERFLOW_KIND_INF = "±inf"
JACOBIANS_LINEAR = (
    "The Jacobian norms ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖ stay exact: they are computed in log space, and for the linear "
    "activation f′ = 1 everywhere."
)
JACOBIANS_NONLINEAR = (
    "Jacobian norms are computed in log space, so they stay finite as long as the derivatives "
    "f′(a⁽ʲ⁾) are numbers; from step {t} on they are not."
)
JACOBIANS_FINITE = (
    "The Jacobian norms ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖ stay finite: they are computed in log space from W and the "
    "derivatives f′(a⁽ʲ⁾), and every one of those is a number here."
)
STOPPED = (
    "Only {done} of the {steps} steps asked for were taken: {reason}. The page shows the network "
    "after step {done}."
)
# the {reason} of STOPPED: what each of rnn_core's stop reasons of gradient descent (rc.DESCENT_STOPS) means
STOP_REASONS = {
    "non-finite gradient": "the gradient holds inf or nan, so no step can be taken",
    "non-finite parameters": "the step would leave parameters that overflow float64",
}
NONFINITE_INF = "{what}: {n_inf} infinite value(s) are left out of the chart (they overflowed float64)."
NONFINITE_NAN = "{what}: {n_nan} not-a-number value(s) are left out of the chart (they overflowed float64)."
NOT_COMPUTED = (
    "{what}: {n} value(s) are left out because they were never computed: the run stopped at that step, "
    "its loss already not a number."
)
NONFINITE_BOTH = (
    "{what}: {n_inf} infinite and {n_nan} not-a-number value(s) are left out of the chart (they "
    "overflowed float64)."
)


def overflow_message(trace: rc.Trace) -> str | None:
    """A paragraph saying where the forward pass left float64 and what that means, or None."""
    t = trace.overflow_step
    if t is None:
        return None
    kind = say(OVERFLOW_KIND_NAN) if np.isnan(trace.h[t]).any() else say(OVERFLOW_KIND_INF)
    if trace.activation == "linear":
        jacobians = say(JACOBIANS_LINEAR)
    else:  # ReLU′(±∞) is a number: the derivatives fail where a⁽ᵗ⁾ holds nan, often a step later
        failed = rc.derivative_failure_step(trace)
        jacobians = say(JACOBIANS_FINITE) if failed is None else say(JACOBIANS_NONLINEAR, t=failed)
    return say(OVERFLOW, t=t, t_index=time_index(t), kind=kind, jacobians=jacobians)


def stop_reason(reason: str) -> str:
    """What one of rc.DESCENT_STOPS means, as a clause for STOPPED."""
    return say(STOP_REASONS[reason])


def warn_about(live, steps: int) -> None:
    """Say in place, above a page's numbers, when the live network (ui.data.LiveNetwork) took fewer
    gradient steps than asked for, and when its forward pass overflowed float64."""
    if live.stopped:
        st.warning(
            say(STOPPED, done=live.steps_done, steps=steps, reason=live.stopped), icon=":material/block:"
        )
    message = overflow_message(live.trace)
    if message:
        st.warning(message, icon=":material/warning:")


def explain_nonfinite(values, what: str, *, not_computed=None) -> str | None:
    """A sentence for a chart whose values include inf/nan, or None when all are finite.

    ``not_computed`` (a boolean mask like ``values``, or None): the entries that hold nan because they
    were never computed (a training step that stopped before its gradient); they are said apart, not
    as values that overflowed.
    """
    arr = np.asarray(values, dtype=float)
    skipped = (
        np.zeros(arr.shape, bool) if not_computed is None else np.asarray(not_computed, bool) & np.isnan(arr)
    )
    n_inf, n_nan = int(np.isinf(arr).sum()), int((np.isnan(arr) & ~skipped).sum())
    n_skipped = int(skipped.sum())
    notes = [_overflowed(what, n_inf, n_nan)] if n_inf or n_nan else []
    if n_skipped:
        notes.append(say(NOT_COMPUTED, what=what, n=n_skipped))
    return " ".join(notes) or None


def _overflowed(what: str, n_inf: int, n_nan: int) -> str | None:
    if n_inf and n_nan:
        return say(NONFINITE_BOTH, what=what, n_inf=n_inf, n_nan=n_nan)
    if n_inf:
        return say(NONFINITE_INF, what=what, n_inf=n_inf)
    if n_nan:
        return say(NONFINITE_NAN, what=what, n_nan=n_nan)
    return None
