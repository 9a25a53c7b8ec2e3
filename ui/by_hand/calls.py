"""The "Work it by hand" page's cached calls into rnn_core: the worked example, a student's value
checked, and the two exports."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import rnn_core as rc
from ui.by_hand import export
from ui.by_hand.answers import read_answer
from ui.by_hand.controls import ExampleSettings
from ui.cache import cache_data

CACHE = dict(max_entries=64, show_spinner=False)


@cache_data(**CACHE)
def example(settings: ExampleSettings) -> rc.WorkedExample:
    """rnn_core.worked_example for the page's settings."""
    return rc.worked_example(**settings.arguments())


@dataclass(frozen=True, eq=False)
class Check:
    """A typed text judged: ``verdict`` (rnn_core.diagnose), or why there is none: ``problem`` (one of
    ui.by_hand.answers' problems, with the unreadable ``token``) or ``shape`` (the shape typed, when
    it is not the step's)."""

    verdict: rc.Verdict | None
    problem: str | None = None
    token: str = ""
    shape: tuple | None = None


@cache_data(max_entries=2048, show_spinner=False)
def check(settings: ExampleSettings, name: str, text: str) -> Check:
    """The student's ``text`` for the step ``name``, read and diagnosed with rnn_core's tolerance."""
    answer = read_answer(text)
    if answer.values is None:
        return Check(None, answer.problem, answer.token)
    ex = example(settings)
    try:
        return Check(rc.diagnose(name, answer.values, ex))
    except ValueError:  # the numbers do not fit the step's shape (nor its transpose)
        return Check(None, shape=tuple(np.shape(answer.values)))


@cache_data(**CACHE)
def latex_document(settings: ExampleSettings) -> str:
    return export.latex_document(example(settings))


@cache_data(**CACHE)
def csv_text(settings: ExampleSettings) -> str:
    return export.csv_text(example(settings))
