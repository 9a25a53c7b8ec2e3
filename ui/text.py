"""Explanations shown in place of numbers that overflowed float64."""

from __future__ import annotations

import numpy as np

import rnn_core as rc


def overflow_message(trace: rc.Trace) -> str | None:
    """A sentence saying where the forward pass left float64, or None when it did not."""
    t = trace.overflow_step
    if t is None:
        return None
    kind = "nan (inf − inf)" if np.isnan(trace.h[t]).any() else "±inf"
    return (
        f"The hidden state overflowed float64 at t = {t}: h⁽{t}⁾ holds {kind}, because "
        f"‖h⁽ᵗ⁾‖ grew past 1.8·10³⁰⁸ (σ_max(W) > 1 with an unbounded activation). Losses and "
        "gradients from that step on are not numbers; the Jacobian norms are still exact, since "
        "they are computed in log space. Lower σ_max(W) or choose a bounded activation."
    )
