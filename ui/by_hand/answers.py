"""A student's typed value read as numbers: rows separated by ";" or a new line, entries by spaces or
commas, brackets ignored ("0.1 0.2; 0.3 0.4", "[[0.1, 0.2], [0.3, 0.4]]", "−0.5").

Reading text is all this module does: whether the numbers are right is rnn_core.diagnose's verdict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

EMPTY, NOT_A_NUMBER, RAGGED, NOT_FINITE = "empty", "not a number", "ragged", "not finite"
_MINUS = str.maketrans({"−": "-", "–": "-", "\u00a0": " "})
_ROWS = re.compile(r"\]\s*,\s*\[|;|\n")
_ENTRIES = re.compile(r"[,\s]+")


@dataclass(frozen=True, eq=False)
class Answer:
    """The numbers read from a text (2-d: rows × entries), or ``problem`` (one of the constants above)
    and ``token`` the piece of text that could not be read."""

    values: np.ndarray | None
    problem: str | None = None
    token: str = ""


def read_answer(text: str | None) -> Answer:
    """``text`` as an (rows, entries) float array, or the reason it cannot be read."""
    cleaned = (text or "").translate(_MINUS).strip()
    if not cleaned:
        return Answer(None, EMPTY)
    rows = []
    for chunk in _ROWS.split(cleaned):
        chunk = chunk.replace("[", " ").replace("]", " ").replace("(", " ").replace(")", " ").strip(" ,")
        if not chunk:
            continue
        row = []
        for token in _ENTRIES.split(chunk):
            try:
                row.append(float(token))
            except ValueError:
                return Answer(None, NOT_A_NUMBER, token)
        rows.append(row)
    if not rows:
        return Answer(None, EMPTY)
    if len({len(r) for r in rows}) > 1:
        return Answer(None, RAGGED)
    values = np.array(rows, dtype=np.float64)
    if not np.isfinite(values).all():
        return Answer(None, NOT_FINITE)
    return Answer(values)
