"""The classic findings: each preset is the runs that show one (the controls end up on the last).

Their titles and what to see are templates in :mod:`ui.training.text`, filled with each preset's
``facts`` (the numbers the sentence quotes, read from the runs themselves).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import streamlit as st

from ui.training.runs import start_comparison
from ui.training.settings import KEYS, NETWORK_KEYS, RunSettings, normalised


@dataclass(frozen=True, eq=False)
class Preset:
    """A classic finding: its key, the runs that show it, the facts its sentence quotes, and the
    learning verdict (a kind of rnn_core.LEARNING_KINDS) each run is expected to reach."""

    key: str
    runs: tuple[RunSettings, ...]
    facts: Mapping[str, object]
    expected: tuple[str, ...]


_SHORT = RunSettings(task="remember_first", T=10, activation="tanh", H=16, lr=0.1, steps=300, batch_size=32)
_LONG = replace(_SHORT, T=60)
_EXPLODE = replace(_SHORT, activation="relu", w_scale=3.0)
_CLIPPED = replace(_EXPLODE, clip="norm", threshold=1.0)
_IRNN = replace(_SHORT, T=60, lr=0.01, clip="norm", threshold=1.0, w_init="gaussian")
_IRNN_RUNS = (_IRNN, replace(_IRNN, activation="relu"), replace(_IRNN, activation="relu", w_init="identity"))
_GATES = RunSettings(
    task="adding_problem",
    T=60,
    H=32,
    batch_size=32,
    optimizer="adam",
    lr=0.01,
    clip="norm",
    threshold=1.0,
    steps=800,
)
_GATES_RUNS = tuple(replace(_GATES, cell=cell) for cell in ("rnn", "lstm", "gru"))

PRESETS: tuple[Preset, ...] = (
    Preset("short", (_SHORT,), dict(distance=_SHORT.T - 1), ("learned",)),
    Preset("long", (_SHORT, _LONG), dict(T_long=_LONG.T, T_short=_SHORT.T), ("learned", "not learned")),
    Preset(
        "explode",
        (_EXPLODE, _CLIPPED),
        dict(activation=_EXPLODE.activation, w_scale=_EXPLODE.w_scale, threshold=_CLIPPED.threshold),
        ("diverged", "learned"),
    ),
    Preset("irnn", _IRNN_RUNS, dict(T=_IRNN.T, steps=_IRNN.steps), ("not learned",) * 3),
    Preset(
        "gates",
        _GATES_RUNS,
        dict(T=_GATES.T, lag=_GATES.T - _GATES.T // 2, steps=_GATES.steps, lr=_GATES.lr),
        ("not learned", "learned", "learned"),
    ),
)
PRESETS_BY_KEY = {p.key: p for p in PRESETS}


def control_values(s: RunSettings) -> dict:
    """The session-state values (by widget key) that make the controls and the sidebar show ``s``."""
    values = {KEYS[name]: getattr(s, name) for name in KEYS}
    values.update({NETWORK_KEYS[name]: getattr(s, name) for name in NETWORK_KEYS})
    return values


def apply_preset(key: str) -> None:
    """on_click of a preset button: fill the controls (before the widgets are drawn) and queue its runs."""
    preset = PRESETS_BY_KEY[key]
    st.session_state.update(control_values(preset.runs[-1]))
    start_comparison([normalised(s) for s in preset.runs], key)


def preset_runs(key: str | None) -> tuple[RunSettings, ...] | None:
    """The normalised runs of the preset ``key`` (None for no preset or an unknown key)."""
    preset = PRESETS_BY_KEY.get(key) if key is not None else None
    return None if preset is None else tuple(normalised(s) for s in preset.runs)
