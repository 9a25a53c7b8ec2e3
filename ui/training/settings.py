"""What a training run depends on, the ranges of the page's controls, and a run's rough cost.

A run is a deterministic function of its :class:`RunSettings`, so equal settings are one run and
one cache key: :func:`normalised` sets the values that cannot change a run to one representative.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import rnn_core as rc
from ui.state import (
    ACTIVATION_LABELS,
    H_RANGE,
    INIT_LABELS,
    LEARNING_RATES,
    SCALE_MAX,
    SCALE_MIN,
    SCALE_STEP,
    SEED_RANGE,
    Network,
    snap,
)

# Labels double as URL values (a bound selectbox writes its label into the link): short, no spaces.
TASK_LABELS = {"adding_problem": "adding", "remember_first": "remember-first"}
CELL_LABELS = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}  # keys: rnn_core.CELL_NAMES
OPTIMIZER_LABELS = {"sgd": "SGD", "momentum": "momentum", "adam": "Adam"}  # keys: rnn_core.OPTIMIZERS
GATED_ACTIVATION = "tanh"  # a gated cell's candidate; the sidebar's activation does not apply to it
FORGET_BIAS = 1.0  # the LSTM's b^f at initialisation
CLIP_OPTIONS = ("none", *rc.CLIPS)
THRESHOLDS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64)
T_MIN, T_MAX = 2, 200  # the adding problem needs T ≥ 2; 200 is the sidebar's largest T
TAU_MAX = T_MAX  # a fixed range: moving T keeps τ (τ = 0 or τ ≥ T is full BPTT)
STEPS_MIN, STEPS_MAX, STEPS_STEP = 10, 1000, 10
# URL keys of this page's controls, and the sidebar's keys a preset sets.
KEYS = dict(
    task="task",
    T="tT",
    cell="tcell",
    clip="tclip",
    threshold="tthr",
    tau="ttau",
    optimizer="topt",
    lr="tlr",
    steps="tsteps",
    batch_size="tB",
)
NETWORK_KEYS = dict(activation="act", H="H", w_init="init", w_scale="scale", seed="seed")
# Rough cost of one time step of one training step on one core (forward + three backward passes):
# a Python overhead plus the H×H products over the batch. Only used to refuse runs of many minutes.
SECONDS_PER_TIME_STEP, SECONDS_PER_MULTIPLY = 6e-5, 5e-9
CELL_COST = {"rnn": 1.0, "lstm": 3.5, "gru": 3.0}  # a gated step's cost over the RNN's (measured)
MAX_ESTIMATED_SECONDS = 120.0
LONG_RUN_SECONDS = MAX_ESTIMATED_SECONDS / 8  # above this, a run is announced as long


@dataclass(frozen=True)
class RunSettings:
    """Everything a run depends on: the task and its T, the cell and network, clipping, τ, the
    optimizer and its lr, steps, B.

    ``cell`` is one of rnn_core.CELL_NAMES; ``clip`` is "none", "norm" or "elementwise"; ``tau`` = 0
    is full BPTT; ``optimizer`` one of rnn_core.OPTIMIZERS. Built by :func:`settings_from`, which
    normalises values that do not change the run (the threshold when nothing is clipped, τ ≥ T,
    the activation of a gated cell), so equal runs have equal settings and one cache key.
    """

    task: str = "remember_first"
    T: int = 10
    activation: str = "tanh"
    H: int = 16
    w_init: str = "orthogonal"
    w_scale: float = 1.0
    seed: int = 0
    clip: str = "none"
    threshold: float = 1.0
    tau: int = 0
    lr: float = 0.1
    steps: int = 300
    batch_size: int = 32
    cell: str = "rnn"
    optimizer: str = "sgd"


DEFAULT = RunSettings()


def settings_from(net: Network, **controls) -> RunSettings:
    """The run the page's controls and the sidebar's network ask for, normalised.

    ``controls``: task, T, cell, clip, threshold, tau, optimizer, lr, steps, batch_size (the page's own controls);
    the network fields come from ``net``. Its D, K, T, loss, lr and steps do not apply here.
    """
    settings = RunSettings(
        activation=net.activation,
        H=int(net.H),
        w_init=net.w_init,
        w_scale=snap(float(net.w_scale), SCALE_STEP),
        seed=int(net.seed),
        **controls,
    )
    return normalised(settings)


def normalised(s: RunSettings) -> RunSettings:
    """``s`` with the values that cannot change the run set to one representative."""
    threshold = DEFAULT.threshold if s.clip == "none" else float(s.threshold)
    tau = 0 if s.tau >= s.T else int(s.tau)
    activation = s.activation if s.cell == "rnn" else GATED_ACTIVATION
    return replace(
        s, threshold=threshold, tau=tau, lr=float(s.lr), w_scale=float(s.w_scale), activation=activation
    )


def task_shape(task: str) -> tuple[int, int, str]:
    """(D, K, loss) of a task: its input size, output size and loss."""
    probe = rc.batch_at(task, 0, T=2, batch_size=1)
    return probe.n_in, probe.n_out, probe.loss


def estimated_seconds(s: RunSettings) -> float:
    """A rough single-core estimate of a run's duration (a guard against runs of many minutes)."""
    per_time_step = SECONDS_PER_TIME_STEP + SECONDS_PER_MULTIPLY * s.batch_size * s.H * s.H
    return s.steps * s.T * per_time_step * CELL_COST[s.cell]


def run_length(s: RunSettings) -> str:
    """ "refused" for a run of many minutes, "long" for one of a minute or more, else "quick"."""
    seconds = estimated_seconds(s)
    if seconds > MAX_ESTIMATED_SECONDS:
        return "refused"
    return "long" if seconds > LONG_RUN_SECONDS else "quick"


# --- a run in a link ---------------------------------------------------------------------------------
# A run is written as its fields in FIELD_ORDER, each as its control writes it, joined by "_"; the
# runs of a comparison are joined by "~" (both unreserved in URLs, and in no field's text).
FIELD_ORDER = (
    "task", "T", "cell", "activation", "H", "w_init", "w_scale", "seed",
    "clip", "threshold", "tau", "optimizer", "lr", "steps", "batch_size",
)  # fmt: skip
FIELD_SEPARATOR, RUN_SEPARATOR = "_", "~"
_LABELLED = dict(
    task=TASK_LABELS,
    cell=CELL_LABELS,
    optimizer=OPTIMIZER_LABELS,
    activation=ACTIVATION_LABELS,
    w_init=INIT_LABELS,
)


def _write(name: str, value) -> str:
    if name in _LABELLED:
        return _LABELLED[name][value]
    return f"{value:g}" if isinstance(value, float) else str(value)


def encode_runs(runs) -> str:
    """The runs as one URL value: the fields of each (:data:`FIELD_ORDER`), "_" between, "~" between runs."""
    return RUN_SEPARATOR.join(
        FIELD_SEPARATOR.join(_write(n, getattr(s, n)) for n in FIELD_ORDER) for s in runs
    )


def _read(name: str, text: str):
    """One field from its text, range-checked like its control; ValueError when it is not valid."""
    if name in _LABELLED:
        by_label = {label: key for key, label in _LABELLED[name].items()}
        if text not in by_label:
            raise ValueError(f"{name} {text!r} is not one of {sorted(by_label)}")
        return by_label[text]
    if name == "clip":
        if text not in CLIP_OPTIONS:
            raise ValueError(f"clip {text!r} is not one of {list(CLIP_OPTIONS)}")
        return text
    ranges = dict(
        T=(T_MIN, T_MAX), H=H_RANGE, seed=SEED_RANGE, tau=(0, TAU_MAX), steps=(STEPS_MIN, STEPS_MAX)
    )
    if name in ranges:
        if not text.isdigit() or not ranges[name][0] <= int(text) <= ranges[name][1]:
            raise ValueError(f"{name} {text!r} is not an integer in {ranges[name]}")
        return int(text)
    choices = dict(threshold=THRESHOLDS, lr=LEARNING_RATES, batch_size=BATCH_SIZES)
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if name == "w_scale":
        if not SCALE_MIN <= value <= SCALE_MAX or snap(value, SCALE_STEP) != value:
            raise ValueError(f"w_scale {text!r} is not on the grid {SCALE_MIN}..{SCALE_MAX}")
        return value
    if value not in choices[name]:
        raise ValueError(f"{name} {text!r} is not one of {list(choices[name])}")
    return int(value) if name == "batch_size" else value


def decode_runs(text: str) -> list[RunSettings]:
    """The runs :func:`encode_runs` wrote (normalised); ValueError saying which field is not valid."""
    runs = []
    for part in text.split(RUN_SEPARATOR):
        fields = part.split(FIELD_SEPARATOR)
        if len(fields) != len(FIELD_ORDER):
            raise ValueError(f"a run has {len(FIELD_ORDER)} fields; received {len(fields)} in {part!r}")
        runs.append(normalised(RunSettings(**{n: _read(n, f) for n, f in zip(FIELD_ORDER, fields)})))
    return runs


def shown_step(step: int) -> int:
    """The page's step number of rnn_core's 0-based ``step``: the page counts training steps from 1
    (step n is the n-th update, on batch n), in its charts, tables, CSV and sentences alike."""
    return int(step) + 1
