"""What a training run depends on, the ranges of the page's controls, and a run's rough cost.

A run is a deterministic function of its :class:`RunSettings`, so equal settings are one run and
one cache key: :func:`normalised` sets the values that cannot change a run to one representative.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import rnn_core as rc
from ui.state import SCALE_STEP, Network, snap

# Labels double as URL values (a bound selectbox writes its label into the link): short, no spaces.
TASK_LABELS = {"adding_problem": "adding", "remember_first": "remember-first"}
CLIP_OPTIONS = ("none", *rc.CLIPS)
THRESHOLDS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64)
T_MIN, T_MAX = 2, 200  # the adding problem needs T ≥ 2; 200 is the sidebar's largest T
TAU_MAX = T_MAX  # a fixed range: moving T keeps τ (τ = 0 or τ ≥ T is full BPTT)
STEPS_MIN, STEPS_MAX, STEPS_STEP = 10, 1000, 10
# URL keys of this page's controls, and the sidebar's keys a preset sets.
KEYS = dict(
    task="task", T="tT", clip="tclip", threshold="tthr", tau="ttau", lr="tlr", steps="tsteps", batch_size="tB"
)
NETWORK_KEYS = dict(activation="act", H="H", w_init="init", w_scale="scale", seed="seed")
# Rough cost of one time step of one training step on one core (forward + three backward passes):
# a Python overhead plus the H×H products over the batch. Only used to refuse runs of many minutes.
SECONDS_PER_TIME_STEP, SECONDS_PER_MULTIPLY = 6e-5, 5e-9
MAX_ESTIMATED_SECONDS = 120.0
LONG_RUN_SECONDS = MAX_ESTIMATED_SECONDS / 8  # above this, a run is announced as long


@dataclass(frozen=True)
class RunSettings:
    """Everything a run depends on: the task and its T, the network, clipping, τ, lr, steps, B.

    ``clip`` is "none", "norm" or "elementwise"; ``tau`` = 0 is full BPTT. Built by
    :func:`settings_from`, which normalises values that do not change the run (the threshold when
    nothing is clipped, τ ≥ T), so equal runs have equal settings and one cache key.
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


DEFAULT = RunSettings()


def settings_from(net: Network, **controls) -> RunSettings:
    """The run the page's controls and the sidebar's network ask for, normalised.

    ``controls``: task, T, clip, threshold, tau, lr, steps, batch_size (the page's own controls);
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
    return replace(s, threshold=threshold, tau=tau, lr=float(s.lr), w_scale=float(s.w_scale))


def task_shape(task: str) -> tuple[int, int, str]:
    """(D, K, loss) of a task: its input size, output size and loss."""
    probe = rc.batch_at(task, 0, T=2, batch_size=1)
    return probe.n_in, probe.n_out, probe.loss


def estimated_seconds(s: RunSettings) -> float:
    """A rough single-core estimate of a run's duration (a guard against runs of many minutes)."""
    per_time_step = SECONDS_PER_TIME_STEP + SECONDS_PER_MULTIPLY * s.batch_size * s.H * s.H
    return s.steps * s.T * per_time_step


def run_length(s: RunSettings) -> str:
    """ "refused" for a run of many minutes, "long" for one of a minute or more, else "quick"."""
    seconds = estimated_seconds(s)
    if seconds > MAX_ESTIMATED_SECONDS:
        return "refused"
    return "long" if seconds > LONG_RUN_SECONDS else "quick"
