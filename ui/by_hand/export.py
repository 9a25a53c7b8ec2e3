"""The worked example as files: a complete LaTeX document and a CSV table with one row per entry.

Both are plain functions of an rnn_core.WorkedExample (no Streamlit): ui.by_hand.calls caches them.
"""

from __future__ import annotations

import csv
import io

import numpy as np

import rnn_core as rc
from ui import formulas as fm
from ui.by_hand import text as tx
from ui.i18n import say
from ui.state import ACTIVATION_LABELS, LOSS_LABELS


def step_formulas(step: rc.WorkedStep) -> tuple[str, str]:
    """(the rule, the value) of a step as LaTeX; a given value has no rule."""
    return step.formula, fm.by_hand_value_latex(step.latex, tx.rows(step))


def latex_document(ex: rc.WorkedExample) -> str:
    """Every step of ``ex`` with its rule and value, stage by stage, as a document that compiles alone."""
    settings = say(
        tx.DOC_SETTINGS,
        H=ex.H,
        D=ex.D,
        K=ex.K,
        T=ex.T,
        s=ex.s,
        activation=ACTIVATION_LABELS[ex.activation],
        loss=LOSS_LABELS[ex.loss],
        lr=format(ex.lr, "g"),
        seed=ex.seed,
        decimals=ex.decimals,
        digits=tx.SHOWN_DECIMALS,
    )
    sections = [
        (say(tx.DOC_STAGES[stage], s=ex.s), [step_formulas(step) for step in ex.stage(stage)])
        for stage in rc.WORKED_STAGES
    ]
    return fm.by_hand_document_latex(say(tx.DOC_TITLE), settings, sections)


def entry_index(index: tuple[int, ...]) -> str:
    """A 0-based numpy index as the CSV writes it, 1-based like the notation: (0, 1) → "1,2"."""
    return ",".join(str(i + 1) for i in index)


def csv_rows(ex: rc.WorkedExample) -> list[tuple[str, str, str, str, str]]:
    """One row per entry of every step: stage, step name, quantity (its symbol), index, value (repr:
    the float64 itself, read back exactly)."""
    out = []
    for step in ex.steps:
        for index in np.ndindex(step.value.shape):
            value = float(step.value[index]) + 0.0
            out.append((step.stage, step.name, step.symbol, entry_index(index), repr(value)))
    return out


def csv_text(ex: rc.WorkedExample) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(tx.CSV_HEADER)
    writer.writerows(csv_rows(ex))
    return buffer.getvalue()
