r"""The "Training lab" page: run settings, presets, the cached runs, labels, charts, CSV and formulas.

A run trains the sidebar's network (activation, H, W initialisation, σ_max(W), seed) on a toy task
with :func:`rnn_core.train`: minibatch SGD on the loss per sequence L/B, with optional clipping and
truncated BPTT. A run is a deterministic function of its :class:`RunSettings`, so finished runs are
cached by settings, and up to :data:`MAX_RUNS` of them are kept in the session to be compared.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

import rnn_core as rc
from ui import palette
from ui.chart_cache import cached_chart, draw_chart, show_chart
from ui.format import number
from ui.notices import explain_nonfinite
from ui.state import ACTIVATION_LABELS, INIT_LABELS, Network, snap

# Labels double as URL values (a bound selectbox writes its label into the link): short, no spaces.
TASK_LABELS = {"adding_problem": "adding", "remember_first": "remember-first"}
CLIP_OPTIONS = ("none", "norm", "elementwise")
THRESHOLDS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64)
T_MIN, T_MAX = 2, 200  # the adding problem needs T ≥ 2; 200 is the sidebar's largest T
TAU_MAX = T_MAX  # a fixed range: moving T keeps τ (τ = 0 or τ ≥ T is full BPTT)
STEPS_MIN, STEPS_MAX, STEPS_STEP = 10, 1000, 10
MAX_RUNS = 4
RUNS_KEY, QUEUE_KEY, PRESET_KEY = "tl_runs", "tl_queue", "tl_preset"
# URL keys of this page's controls, and the sidebar's keys a preset sets.
KEYS = dict(
    task="task", T="tT", clip="tclip", threshold="tthr", tau="ttau", lr="tlr", steps="tsteps", batch_size="tB"
)
NETWORK_KEYS = dict(activation="act", H="H", w_init="init", w_scale="scale", seed="seed")
LIVE_REDRAW_SECONDS = 0.5  # live charts are redrawn at most this often: drawing costs more than a step
# Rough cost of one time step of one training step on one core (forward + three backward passes):
# a Python overhead plus the H×H products over the batch. Only used to refuse runs of many minutes.
SECONDS_PER_TIME_STEP, SECONDS_PER_MULTIPLY = 6e-5, 5e-9
MAX_ESTIMATED_SECONDS = 120.0
CACHE = dict(max_entries=64, show_spinner=False)


# --- settings --------------------------------------------------------------------------------------


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
        w_scale=snap(float(net.w_scale), 0.05),
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


def task_bullets() -> str:
    """Markdown: one bullet per task, with its sizes and loss read from the task itself."""
    words = {
        "remember_first": "**remember-first**: the network reads T one-hot symbols and must output the "
        "*first* one at step T, past T − 1 random distractors",
        "adding_problem": "**adding**: each step carries a value in [0, 1] and a marker; at step T the "
        "network must output the sum of the two marked values, one in each half of the sequence",
    }
    loss_names = {"softmax_ce": "softmax-CE", "mse": "MSE"}
    lines = []
    for name, text in words.items():
        D, K, loss = task_shape(name)
        lines.append(f"- {text} ({loss_names[loss]}, D = {D}, K = {K}).")
    return "\n".join(lines)


def estimated_seconds(s: RunSettings) -> float:
    """A rough single-core estimate of a run's duration (a guard against runs of many minutes)."""
    per_time_step = SECONDS_PER_TIME_STEP + SECONDS_PER_MULTIPLY * s.batch_size * s.H * s.H
    return s.steps * s.T * per_time_step


# --- one run ---------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RunRecord:
    """A finished (or stopped) run: its settings and what :func:`rnn_core.train` recorded.

    ``history``: arrays keyed by :data:`rnn_core.HISTORY_KEYS`, one entry per step run.
    ``stop_reason``/``stop_step``: why and where (0-based step) the run stopped early, else None.
    """

    settings: RunSettings
    history: dict
    baseline_loss: float
    stop_reason: str | None
    stop_step: int | None

    @property
    def steps_run(self) -> int:
        return len(self.history["step"])

    @property
    def diverged(self) -> bool:
        return self.stop_reason in rc.DIVERGED


def initial_params(s: RunSettings) -> rc.RNNParams:
    """The sidebar's network, sized for the task (D and K come from the task)."""
    D, K, _ = task_shape(s.task)
    return rc.RNNParams.init(D, s.H, K, w_init=s.w_init, w_scale=s.w_scale, seed=s.seed)


def train_run(s: RunSettings, callback: Callable[[int, dict], None] | None = None) -> RunRecord:
    """Train the run ``s`` describes; ``callback(step, record)`` sees each step as it finishes."""
    result = rc.train(
        initial_params(s),
        s.task,
        T=s.T,
        activation=s.activation,
        lr=s.lr,
        steps=s.steps,
        batch_size=s.batch_size,
        clip=None if s.clip == "none" else s.clip,
        threshold=s.threshold,
        truncate=s.tau or None,
        seed=s.seed,
        callback=callback,
    )
    return RunRecord(s, result.history, result.baseline_loss, result.stop_reason, result.stop_step)


def partial_record(s: RunSettings, records: list[dict]) -> RunRecord:
    """A run still in progress, from the per-step records its callback has seen so far."""
    history = {
        key: np.array([r[key] for r in records], dtype=dtype) for key, dtype in rc.HISTORY_DTYPES.items()
    }
    return RunRecord(s, history, float(np.mean(history["baseline"])), None, None)


class _NotStored(Exception):
    """Raised by :func:`_stored` on a cache miss, so that nothing is cached for that call."""


@st.cache_data(**CACHE)
def _stored(settings: RunSettings, _record: RunRecord | None = None) -> RunRecord:
    # The page trains outside the cache so that it can draw progress while it trains (st calls made
    # inside a cached function are recorded and replayed on a hit, and a placeholder drawn before
    # the call cannot be replayed into). So the cache is filled explicitly: called with a record it
    # stores it; called without, it returns the stored run or raises (an exception is not cached).
    if _record is None:
        raise _NotStored
    return _record


def cached_run(settings: RunSettings) -> RunRecord | None:
    """The finished run with these settings if some session trained it already, else None."""
    try:
        return _stored(settings)
    except _NotStored:
        return None


def store_run(record: RunRecord) -> None:
    """Put a finished run in the cache, keyed by its settings."""
    _stored(record.settings, _record=record)


def run_with_progress(
    s: RunSettings,
    progress,
    live,
    shown: Sequence[RunRecord] = (),
    *,
    caption: str = "",
) -> tuple[RunRecord, bool]:
    """The run ``s``: from the cache, or trained now with a progress bar and live charts.

    ``progress`` and ``live`` are st.empty() placeholders; the live charts show ``shown`` (finished
    runs) with the run in progress. Returns (record, True when it came from the cache).
    """
    record = cached_run(s)
    if record is not None:
        return record, True
    records: list[dict] = []
    last_draw = [time.monotonic()]

    def on_step(step: int, rec: dict) -> None:
        records.append(rec)
        done = step + 1
        if 100 * done // s.steps > 100 * step // s.steps:  # once per percent: each update is a message
            progress.progress(done / s.steps, text=f"{caption}step {done} of {s.steps}")
        if time.monotonic() - last_draw[0] >= LIVE_REDRAW_SECONDS:
            draw_charts(live, [*shown, partial_record(s, records)], notices=False)
            last_draw[0] = time.monotonic()

    record = train_run(s, on_step)
    store_run(record)
    return record, False


# --- compared runs in the session ------------------------------------------------------------------


def compared_runs() -> list[RunRecord]:
    """The runs kept for comparison in this session, oldest first."""
    return list(st.session_state.get(RUNS_KEY, []))


def add_run(record: RunRecord) -> RunRecord | None:
    """Keep ``record`` for comparison (a run with the same settings is replaced, not repeated).

    Returns the oldest run if it had to make room (at most :data:`MAX_RUNS` are kept), else None.
    """
    runs = [r for r in compared_runs() if r.settings != record.settings] + [record]
    dropped = runs.pop(0) if len(runs) > MAX_RUNS else None
    st.session_state[RUNS_KEY] = runs
    return dropped


def remove_run(index: int) -> None:
    """on_click of a run's "Remove" button."""
    runs = compared_runs()
    if 0 <= index < len(runs):
        del runs[index]
    st.session_state[RUNS_KEY] = runs
    st.session_state.pop(PRESET_KEY, None)


RUN_PARAM = "trun"  # in the URL once Train was pressed: a link then trains (or reads) that run on opening


def clear_runs() -> None:
    """on_click of "Clear all runs"."""
    st.session_state[RUNS_KEY] = []
    st.session_state.pop(PRESET_KEY, None)
    st.query_params.pop(RUN_PARAM, None)


def queue_runs(runs: Sequence[RunSettings]) -> None:
    st.session_state[QUEUE_KEY] = list(runs)


def take_queue() -> list[RunSettings]:
    """The runs waiting to be trained, removed from the session (an interrupted queue is dropped)."""
    return list(st.session_state.pop(QUEUE_KEY, []))


# --- presets ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    """A classic finding: the runs that show it (the controls end up on the last) and what to see."""

    key: str
    title: str
    expect: str
    runs: tuple[RunSettings, ...]


_SHORT = RunSettings(task="remember_first", T=10, activation="tanh", H=16, lr=0.1, steps=300, batch_size=32)
_EXPLODE = replace(_SHORT, activation="relu", w_scale=3.0)
_IRNN = replace(_SHORT, T=60, lr=0.01, clip="norm", threshold=1.0, w_init="gaussian")

_LONG = replace(_SHORT, T=60)
_CLIPPED = replace(_EXPLODE, clip="norm", threshold=1.0)
_IRNN_RUNS = (_IRNN, replace(_IRNN, activation="relu"), replace(_IRNN, activation="relu", w_init="identity"))

PRESETS: tuple[Preset, ...] = (
    Preset(
        "short",
        "1 · Short dependency: learned",
        f"The first symbol is only T − 1 = {_SHORT.T - 1} steps back. The loss falls far below the "
        "dashed baseline (the best constant guess), and a large share of ∂L/∂W crosses T/2 or more steps.",
        (_SHORT,),
    ),
    Preset(
        "long",
        "2 · Long dependency: stuck",
        f"The same network and settings with T = {_LONG.T}: its loss stays on the baseline while the "
        f"T = {_SHORT.T} run learns, because the long-range share of ∂L/∂W has vanished to almost nothing.",
        (_SHORT, _LONG),
    ),
    Preset(
        "explode",
        "3 · Explosion, then clipping",
        f"{ACTIVATION_LABELS[_EXPLODE.activation]} with σ_max(W) = {_EXPLODE.w_scale:g}: without clipping "
        "the gradient norm grows by many orders of magnitude in a few steps and the run stops (the loss "
        f"overflows). Norm clipping at {_CLIPPED.threshold:g}, same settings otherwise, keeps every "
        "step small and the network learns the task.",
        (_EXPLODE, _CLIPPED),
    ),
    Preset(
        "irnn",
        "4 · ReLU + identity (IRNN)",
        f"At T = {_IRNN.T}, W = I with ReLU (Le, Jaitly & Hinton 2015) keeps a large long-range share "
        "of ∂L/∂W for the whole run; gaussian-initialised tanh and ReLU networks keep orders of "
        f"magnitude less. (Learning this task takes all three far longer than {_IRNN.steps} steps.)",
        _IRNN_RUNS,
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
    st.session_state[RUNS_KEY] = []  # a preset starts a new comparison
    st.session_state[PRESET_KEY] = key
    queue_runs([normalised(s) for s in preset.runs])


# --- labels, summaries, CSV ------------------------------------------------------------------------


def _clip_text(s: RunSettings) -> str:
    return "clip=none" if s.clip == "none" else f"clip={s.clip} {s.threshold:g}"


# Each setting as it is written in a label; the threshold is part of "clip".
FIELD_TEXT: dict[str, Callable[[RunSettings], str]] = {
    "task": lambda s: TASK_LABELS[s.task],
    "T": lambda s: f"T={s.T}",
    "activation": lambda s: ACTIVATION_LABELS[s.activation],
    "H": lambda s: f"H={s.H}",
    "w_init": lambda s: INIT_LABELS[s.w_init],
    "w_scale": lambda s: f"σ_max(W)={s.w_scale:g}",
    "seed": lambda s: f"seed={s.seed}",
    "clip": _clip_text,
    "tau": lambda s: "τ=full" if s.tau == 0 else f"τ={s.tau}",
    "lr": lambda s: f"lr={s.lr:g}",
    "steps": lambda s: f"{s.steps} steps",
    "batch_size": lambda s: f"B={s.batch_size}",
}
LONE_RUN_FIELDS = ("activation", "T", "clip")  # a run compared with nothing is named by these


def settings_text(s: RunSettings) -> str:
    """Every setting of a run, for the CSV and tooltips."""
    return ", ".join(text(s) for text in FIELD_TEXT.values())


def run_labels(settings: Sequence[RunSettings]) -> list[str]:
    """One label per run, made of the settings that differ between the runs (all of them, in order)."""
    texts = [{name: text(s) for name, text in FIELD_TEXT.items()} for s in settings]
    differing = [name for name in FIELD_TEXT if len({t[name] for t in texts}) > 1]
    names = differing or list(LONE_RUN_FIELDS)
    labels = [", ".join(t[name] for name in names) for t in texts]
    if len(set(labels)) < len(labels):  # equal settings: number them so colours stay apart
        labels = [f"{label} (#{i + 1})" for i, label in enumerate(labels)]
    return labels


def tail_slice(n: int) -> slice:
    """The last 10% of a history of n steps (at least one step): where "final" values are averaged."""
    return slice(n - max(1, n // 10), n)


def final_ratio(record: RunRecord) -> float:
    """Final loss / baseline: the mean L/B over the last 10% of steps over the mean baseline there.

    inf for a run that diverged (its loss left float64); nan when the baseline is 0 (with B = 1 a
    constant fits the one sequence of each batch exactly). Below 1: better than the best constant
    guess; near 1: nothing learned.
    """
    if record.diverged:
        return float("inf")
    h = record.history
    tail = tail_slice(record.steps_run)
    baseline = float(np.mean(h["baseline"][tail]))
    return float(np.mean(h["loss"][tail])) / baseline if baseline > 0 else float("nan")


def median_share(record: RunRecord) -> float:
    """The median over the run of the long-range share of ∂L/∂W (nan where none is a number)."""
    share = record.history["long_range_share"]
    share = share[np.isfinite(share)]
    return float(np.median(share)) if share.size else float("nan")


def _ratio_text(ratio: float) -> str:
    if np.isnan(ratio):
        return "— (baseline 0)"
    return "diverged" if np.isinf(ratio) else f"{ratio:.4g}"


def summary_table(runs: Sequence[RunRecord], labels: Sequence[str]) -> pd.DataFrame:
    """One row per compared run, as text: how far it got and what its gradients did.

    Formatted here (4 significant digits) because the values span hundreds of decades.
    """
    rows = []
    for record, label in zip(runs, labels):
        h = record.history
        gn = h["grad_norm"][np.isfinite(h["grad_norm"])]
        rows.append(
            {
                "run": label,
                "steps": f"{record.steps_run} of {record.settings.steps}",
                "final loss / baseline": _ratio_text(final_ratio(record)),
                "median long-range share": f"{median_share(record):.4g}",
                "max ‖g‖": f"{gn.max():.4g}" if gn.size else "not a number",
                "steps clipped": int(h["clipped"].sum()),
                "final σ_max(W)": f"{h['sigma_max'][-1]:.4g}",
                "stopped": record.stop_reason or "",
            }
        )
    return pd.DataFrame(rows)


def runs_csv(runs: Sequence[RunRecord], labels: Sequence[str]) -> str:
    """The compared runs as CSV: run label, settings, then every history key (step first), one row per step."""
    frames = []
    for record, label in zip(runs, labels):
        frame = pd.DataFrame({key: record.history[key] for key in rc.HISTORY_KEYS})
        frame.insert(0, "settings", settings_text(record.settings))
        frame.insert(0, "run", label)
        frames.append(frame)
    buffer = io.StringIO()
    pd.concat(frames, ignore_index=True).to_csv(buffer, index=False)
    return buffer.getvalue()


def stop_message(record: RunRecord, label: str) -> str | None:
    """Why a run stopped early, in place of a traceback; None when it ran every step."""
    if record.stop_reason is None:
        return None
    h, k = record.history, record.stop_step
    head = f"Run “{label}” stopped at step {k} of {record.settings.steps}"
    before = h["grad_norm"][:k]
    before = before[np.isfinite(before)]
    growth = (
        f" In the steps before, ‖g‖ grew to {number(float(before.max()))} and σ_max(W) to "
        f"{number(float(h['sigma_max'][k]))}."
        if before.size
        else ""
    )
    fix = (
        " Clipping the gradient norm (or a smaller σ_max(W) or lr) bounds every update by "
        "lr × threshold, so W cannot jump this far."
    )
    if record.stop_reason == "non-finite loss":
        why = (
            f": the loss L/B was {number(float(h['loss'][k]))}. The updates had made W so large that "
            "the hidden state overflowed float64 in the forward pass."
        )
    elif record.stop_reason == "non-finite gradient":
        why = (
            ": the gradient was not a finite number. Going back through T steps multiplies by "
            "Wᵀ diag(f′(a⁽ᵗ⁾)) at each, and the product overflowed float64."
        )
    elif record.stop_reason == "non-finite parameters":
        why = (
            f": the update θ − lr·g overflowed float64 (‖g‖ = {number(float(h['grad_norm'][k]))} "
            "was too large)."
        )
    else:
        return f"{head}: {record.stop_reason}."
    return head + why + growth + fix


def long_run_message(s: RunSettings) -> tuple[str, bool] | None:
    """(a sentence, whether to refuse the run) for runs that would take long; None for quick ones."""
    seconds = estimated_seconds(s)
    size = f"{s.steps} steps × B = {s.batch_size} sequences × T = {s.T} time steps with H = {s.H}"
    if seconds > MAX_ESTIMATED_SECONDS:
        return (
            f"This run ({size}) would take many minutes on this shared server: lower the steps, "
            "T, B or H (the sidebar) to train.",
            True,
        )
    if seconds > MAX_ESTIMATED_SECONDS / 8:
        return f"A long run ({size}): it may take a minute or more. Changing any control stops it.", False
    return None


# --- charts ----------------------------------------------------------------------------------------

STEP_X = alt.X("step:Q", title="training step (0 = the first batch)", axis=alt.Axis(format="d"))


def runs_frame(runs: Sequence[RunRecord], labels: Sequence[str]) -> pd.DataFrame:
    """The histories of ``runs`` in one long table: a "run" column (its label) and every history key."""
    frames = [
        pd.DataFrame({key: record.history[key] for key in rc.HISTORY_KEYS}).assign(run=label)
        for record, label in zip(runs, labels)
    ]
    if not frames:
        return pd.DataFrame(columns=["run", *rc.HISTORY_KEYS])
    return pd.concat(frames, ignore_index=True)


def positive_part(frame: pd.DataFrame, column: str, what: str) -> tuple[pd.DataFrame, str | None]:
    """The rows whose ``column`` can go on a log scale (finite, > 0), and a sentence on the others."""
    values = frame[column].to_numpy(dtype=float)
    keep = np.isfinite(values) & (values > 0)
    notes = [explain_nonfinite(values, what)]
    zeros = int((values == 0).sum())
    if zeros:
        notes.append(f"{what}: {zeros} value(s) of exactly 0 are left out (a log scale has no 0).")
    note = " ".join(n for n in notes if n)
    return frame[keep], note or None


def _color(order: Sequence[str]) -> alt.Color:
    return alt.Color(
        "run:N",
        title="run",
        scale=alt.Scale(domain=list(order), range=list(palette.SERIES[: len(order)])),
        legend=alt.Legend(orient="bottom"),
    )


def _tooltips(*extra: alt.Tooltip) -> list[alt.Tooltip]:
    return [alt.Tooltip("run:N", title="run"), alt.Tooltip("step:Q", title="step"), *extra]


@cached_chart
def loss_chart(frame: pd.DataFrame, baselines: pd.DataFrame, order: Sequence[str]) -> alt.LayerChart:
    """L/B against the step (log scale), one line per run, and each run's baseline as a dashed rule.

    ``frame`` from :func:`runs_frame` (filtered to positive losses); ``baselines`` has columns run
    and baseline (the constant-predictor loss per sequence, averaged over the run's batches).
    """
    color = _color(order)
    lines = (
        alt.Chart(frame)
        .mark_line(strokeWidth=1.5, clip=True)
        .encode(
            x=STEP_X,
            y=alt.Y(
                "loss:Q",
                title="L/B (log scale)",
                scale=alt.Scale(type="log"),
                axis=alt.Axis(format="~e"),
            ),
            color=color,
            tooltip=_tooltips(
                alt.Tooltip("loss:Q", title="L/B", format=".4g"),
                alt.Tooltip("baseline:Q", title="baseline of this batch", format=".4g"),
            ),
        )
    )
    rules = (
        alt.Chart(baselines[baselines["baseline"] > 0])  # B = 1: a baseline of 0 has no place on a log scale
        .mark_rule(strokeDash=[6, 4], strokeWidth=1.5)
        .encode(
            y="baseline:Q",
            color=color,
            tooltip=[
                alt.Tooltip("run:N", title="run"),
                alt.Tooltip("baseline:Q", title="best constant guess, L/B", format=".4g"),
            ],
        )
    )
    return alt.layer(lines, rules)


@cached_chart
def grad_norm_chart(frame: pd.DataFrame, order: Sequence[str]) -> alt.LayerChart:
    """The global gradient norm ‖g‖ before clipping (log scale); a triangle marks each clipped step."""
    color = _color(order)
    y = alt.Y(
        "grad_norm:Q",
        title="‖g‖ before clipping (log scale)",
        scale=alt.Scale(type="log"),
        axis=alt.Axis(format="~e"),
    )
    tips = _tooltips(
        alt.Tooltip("grad_norm:Q", title="‖g‖ before clipping", format=".3e"),
        alt.Tooltip("grad_norm_clipped:Q", title="‖g‖ used (after clipping)", format=".3e"),
        alt.Tooltip("clipped:N", title="clipped"),
    )
    lines = alt.Chart(frame).mark_line(strokeWidth=1.5).encode(x=STEP_X, y=y, color=color, tooltip=tips)
    marks = (
        alt.Chart(frame)
        .transform_filter(alt.datum.clipped)
        .mark_point(shape="triangle-down", filled=True, size=40, opacity=0.8)
        .encode(x=STEP_X, y=y, color=color, tooltip=tips)
    )
    return alt.layer(lines, marks)


@cached_chart
def share_chart(frame: pd.DataFrame, order: Sequence[str]) -> alt.Chart:
    """The long-range share of ∂(L/B)/∂W (distances ≥ ⌊T/2⌋) against the step, log scale."""
    return (
        alt.Chart(frame)
        .mark_line(strokeWidth=1.5)
        .encode(
            x=STEP_X,
            y=alt.Y(
                "long_range_share:Q",
                title="long-range share (log scale)",
                scale=alt.Scale(type="log"),
                axis=alt.Axis(format="~e"),
            ),
            color=_color(order),
            tooltip=_tooltips(
                alt.Tooltip("long_range_share:Q", title="long-range share", format=".3e"),
                alt.Tooltip("long_range_norm:Q", title="‖long-range part‖_F", format=".3e"),
            ),
        )
    )


@cached_chart
def sigma_chart(frame: pd.DataFrame, borders: pd.DataFrame, order: Sequence[str]) -> alt.LayerChart:
    """σ_max(W) at the start of each step (log scale), with a dotted rule at 1/γ for each activation.

    ``borders`` has columns activation and border = 1/γ: below it the gradient must vanish.
    """
    y = alt.Y(
        "sigma_max:Q",
        title="σ_max(W) (log scale)",
        scale=alt.Scale(type="log"),
        axis=alt.Axis(format="~g"),
    )
    lines = (
        alt.Chart(frame)
        .mark_line(strokeWidth=1.5)
        .encode(
            x=STEP_X,
            y=y,
            color=_color(order),
            tooltip=_tooltips(alt.Tooltip("sigma_max:Q", title="σ_max(W)", format=".4g")),
        )
    )
    rules = (
        alt.Chart(borders)
        .mark_rule(strokeDash=palette.REFERENCE_DASH, color=palette.REFERENCE)
        .encode(
            y=alt.Y("border:Q"),
            tooltip=[
                alt.Tooltip("activation:N", title="activation"),
                alt.Tooltip("border:Q", title="1/γ: below, vanishing is certain", format=".3g"),
            ],
        )
    )
    return alt.layer(lines, rules)


def baselines_frame(runs: Sequence[RunRecord], labels: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({"run": list(labels), "baseline": [r.baseline_loss for r in runs]})


def borders_frame(runs: Sequence[RunRecord]) -> pd.DataFrame:
    names = sorted({r.settings.activation for r in runs})
    return pd.DataFrame(
        {
            "activation": [ACTIVATION_LABELS[n] for n in names],
            "border": [1.0 / rc.ACTIVATIONS[n].gamma for n in names],
        }
    )


NOTICES = {
    "loss": "a run that learns falls well below its dashed baseline (predicting the average answer); "
    "a run stuck on the baseline has learned nothing about the distant input.",
    "grad_norm": "vanishing shows as a flat, small ‖g‖; explosion as a climb of many decades. With norm "
    "clipping the step used is at most the threshold (▼ marks the clipped steps).",
    "share": "how much of ∂L/∂W comes from paths across ≥ T/2 steps, the only paths that reach the "
    "distant input. Near 1 it shapes the update; near 0 (mind the log scale) the update ignores it, "
    "and the task cannot be learned.",
    "sigma": "σ_max(W) below the dotted 1/γ forces the gradient to vanish; above it, it may grow. "
    "Watch an unclipped run push σ_max(W) up, and clipping hold it.",
}


@dataclass(frozen=True)
class ChartSet:
    """The four charts of a set of runs, with the sentences on values left out of each."""

    charts: dict[str, alt.TopLevelMixin]
    notes: dict[str, str | None]


def chart_set(runs: Sequence[RunRecord], labels: Sequence[str]) -> ChartSet:
    """The loss, gradient-norm, long-range-share and σ_max(W) charts of ``runs``, colour = run."""
    frame = runs_frame(runs, labels)
    order = list(labels)
    loss, loss_note = positive_part(frame, "loss", "Loss")
    grad, grad_note = positive_part(frame, "grad_norm", "Gradient norm")
    share, share_note = positive_part(frame, "long_range_share", "Long-range share")
    sigma, sigma_note = positive_part(frame, "sigma_max", "σ_max(W)")
    charts = {
        "loss": loss_chart(loss, baselines_frame(runs, labels), order),
        "grad_norm": grad_norm_chart(grad, order),
        "share": share_chart(share, order),
        "sigma": sigma_chart(sigma, borders_frame(runs), order),
    }
    notes = {"loss": loss_note, "grad_norm": grad_note, "share": share_note, "sigma": sigma_note}
    return ChartSet(charts, notes)


CHART_TITLES = {
    "loss": "Loss per sequence L/B (dashed: the baseline)",
    "grad_norm": "Gradient norm ‖g‖ (▼: a clipped step)",
    "share": "Long-range share of ∂L/∂W (distance ≥ T/2)",
    "sigma": "σ_max(W) (dotted: 1/γ)",
}


def draw_charts(area, runs: Sequence[RunRecord], *, notices: bool = True) -> None:
    """Draw the four charts of ``runs`` in a 2 × 2 grid into the placeholder ``area``.

    With ``notices`` each chart gets its "Notice: …" caption (the finished view); without, the
    bare charts (the live view, redrawn while a run trains). Titles are drawn as text above the
    charts: the theme crops Vega titles of charts in columns.
    """
    labels = run_labels([r.settings for r in runs])
    charts = chart_set(runs, labels)
    with area.container():
        for row in (("loss", "grad_norm"), ("share", "sigma")):
            for column, name in zip(st.columns(2), row):
                with column:
                    st.markdown(f"**{CHART_TITLES[name]}**")
                    note = charts.notes[name]
                    if notices:
                        show_chart(charts.charts[name], NOTICES[name] + (f" {note}" if note else ""))
                    else:
                        draw_chart(charts.charts[name])


# --- formulas --------------------------------------------------------------------------------------

SHARE_LATEX = (
    r"\frac{\partial L}{\partial W} = \sum_{d=0}^{T-1} G_d,\quad "
    r"G_d = \sum_{s-k=d} \delta_k^{(s)}\, h^{(k-1)\top},\qquad "
    r"\text{long-range share} = \frac{\lVert \sum_{d \ge \lfloor T/2 \rfloor} G_d \rVert_F}"
    r"{\lVert \partial L/\partial W \rVert_F}"
)
