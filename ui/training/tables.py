"""The compared runs as tables: the summary shown under the charts, and the CSV to download."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import pandas as pd

import rnn_core as rc
from ui.format import number
from ui.i18n import say
from ui.training import text
from ui.training.calls import RunRecord, final_ratio, max_grad_norm, median_share
from ui.training.settings import shown_step

CSV_NAME = "training_runs.csv"


def history_frame(record: RunRecord) -> pd.DataFrame:
    """A run's history as a table: one row per step, one column per key of rnn_core.HISTORY_KEYS, the
    step counted from 1 as everywhere on the page (:func:`ui.training.settings.shown_step`)."""
    frame = pd.DataFrame({key: record.result.history[key] for key in rc.HISTORY_KEYS})
    frame["step"] = [shown_step(k) for k in frame["step"]]
    return frame


def final_sigma_max(record: RunRecord) -> float:
    """σ_max(W) of the run's final weights, after its last update (the history holds σ_max(W) at the start
    of each step, one update earlier); the last entry of the history for a run still in progress."""
    params = record.result.params
    return float(record.result.history["sigma_max"][-1]) if params is None else rc.sigma_max(params.W)


def summary_table(runs: Sequence[RunRecord], labels: Sequence[str]) -> pd.DataFrame:
    """One row per compared run, as text: how far it got and what its gradients did.

    Formatted here (4 significant digits) because the values span hundreds of decades.
    """
    c = {name: say(title) for name, title in text.COLUMNS.items()}
    rows = []
    for record, label in zip(runs, labels):
        result = record.result
        g = max_grad_norm(record)
        rows.append(
            {
                c["run"]: label,
                c["verdict"]: text.verdict_word(record),
                c["steps"]: say(text.STEPS_RUN, done=result.steps_run, steps=record.settings.steps),
                c["ratio"]: text.ratio_text(final_ratio(record)),
                c["share"]: number(median_share(record), ".4g"),
                c["grad_norm"]: say(text.NOT_A_NUMBER) if math.isnan(g) else number(g, ".4g"),
                c["clipped"]: int(result.history["clipped"].sum()),
                c["sigma_max"]: number(final_sigma_max(record), ".4g"),
                c["stopped"]: result.stop_reason or "",
            }
        )
    return pd.DataFrame(rows)


def runs_csv(runs: Sequence[RunRecord], labels: Sequence[str]) -> str:
    """The compared runs as CSV: run label, settings, then every history key (step first), one row per step."""
    frames = []
    for record, label in zip(runs, labels):
        frame = history_frame(record)
        frame.insert(0, "settings", text.settings_text(record.settings))
        frame.insert(0, "run", label)
        frames.append(frame)
    buffer = io.StringIO()
    pd.concat(frames, ignore_index=True).to_csv(buffer, index=False)
    return buffer.getvalue()
