"""Every sentence and label of the Training lab, as templates with named fields.

Pages and charts show them through :func:`ui.i18n.say`; the small functions below choose a template
from computed values (a run's stop reason, its estimated length, a preset) and fill it with
:mod:`ui.format`-ted numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ui.format import number
from ui.i18n import say
from ui.state import ACTIVATION_LABELS, INIT_LABELS, LOSS_LABELS
from ui.training import calls, settings
from ui.training.calls import RunRecord
from ui.training.settings import TASK_LABELS, RunSettings, task_shape

# --- the page ------------------------------------------------------------------------------------

TITLE = "Training lab"
INTRO = (
    "A recurrent network can only learn from an input if the gradient carries the error back to it. "
    "Here the network is **trained** on a task whose answer depends on an input far back in the "
    "sequence, and you watch what vanishing and exploding gradients do to *learning*: the loss, the "
    "size of the gradient, how much of ∂L/∂W comes from long paths, and σ_max(W), step by step."
)
TASK_WORDS = {
    "remember_first": "the network reads T one-hot symbols and must output the *first* one at step T, "
    "past T − 1 random distractors",
    "adding_problem": "each step carries a value in [0, 1] and a marker; at step T the network must "
    "output the sum of the two marked values, one in each half of the sequence",
}
TASK_BULLET = "- **{label}**: {words} ({loss}, D = {D}, K = {K})."
SGD = (
    "Each training step draws a fresh batch of B sequences and takes one step of stochastic gradient "
    "descent on the loss per sequence L/B, scored at step T only (the update is written under the "
    "controls below)."
)
SIDEBAR_NOTE = (
    "**The sidebar's activation, H, W initialisation, σ_max(W) and seed are the network trained here.** "
    "Its D, K, T, loss, learning rate and gradient steps do not apply on this page: the task fixes D, K "
    "and the loss, and the page has its own T, learning rate and number of steps below."
)
MEASURED_TITLE = "What is measured, exactly"
MEASURED_PATHS = (
    "The gradient of W sums one term per path: the error δₖ⁽ˢ⁾ = ∂L⁽ˢ⁾/∂a⁽ᵏ⁾ that the loss at step "
    "s sends back to step k, times h⁽ᵏ⁻¹⁾ᵀ. Grouping the terms by their distance d = s − k:"
)
MEASURED_QUANTITIES = (
    "Here only L⁽ᵀ⁾ is scored, so the long-range part is the part of ∂L/∂W that comes from steps "
    "k ≤ T − ⌊T/2⌋: the only part that can teach the network about the distant input. The "
    "baseline is the loss of the best constant output on each batch (the mean answer for "
    "adding, the symbol frequencies for remember-first). ‖g‖ is the norm of all of U, W, V, b, c "
    "together, before clipping; σ_max(W) is measured before each step."
)
PRESETS_HEADER = "Classic findings"
PRESETS_CAPTION = (
    "Each button sets the controls (and the sidebar), trains the runs it needs and overlays them."
)
PRESET_TITLES = {
    "short": "1 · Short dependency: learned",
    "long": "2 · Long dependency: stuck",
    "explode": "3 · Explosion, then clipping",
    "irnn": "4 · ReLU + identity (IRNN)",
}
PRESET_EXPECT = {
    "short": "The first symbol is only T − 1 = {distance} steps back. The loss falls far below the dashed "
    "baseline (the best constant guess), and a large share of ∂L/∂W crosses T/2 or more steps.",
    "long": "The same network and settings with T = {T_long}: its loss stays on the baseline while the "
    "T = {T_short} run learns, because the long-range share of ∂L/∂W has vanished to almost nothing.",
    "explode": "{activation} with σ_max(W) = {w_scale}: without clipping the gradient norm grows by many "
    "orders of magnitude in a few steps and the run stops (the loss overflows). Norm clipping at "
    "{threshold}, same settings otherwise, keeps every step small and the network learns the task.",
    "irnn": "At T = {T}, W = I with ReLU (Le, Jaitly & Hinton 2015) keeps a large long-range share of "
    "∂L/∂W for the whole run; gaussian-initialised tanh and ReLU networks keep orders of magnitude "
    "less. (Learning this task takes all three far longer than {steps} steps.)",
}
PRESET_SEEN = "**{title}.** What to see: {expect}"

YOUR_RUN = "Your run"
TASK = "Task"
T_LABEL = "Dependency length T"
T_HELP = (
    "The sequence length. The answer is scored at step T; the input it needs is at step 1 "
    "(remember-first) or in the first half (adding)."
)
CLIP = "Gradient clipping"
CLIP_HELP = (
    "norm: rescale g when ‖g‖ > threshold (Pascanu, Mikolov & Bengio 2013); elementwise: clip each "
    "entry to ±threshold (the direction can change)."
)
THRESHOLD = "Clipping threshold"
TAU = "Truncation τ (0 = full BPTT)"
TAU_HELP = "Truncated BPTT keeps only the paths of ∂L/∂θ over fewer than τ steps. τ ≥ T keeps all."
LR = "Learning rate lr"
STEPS = "Training steps"
BATCH = "Batch size B"
BATCH_HELP = (
    "Sequences per step; each step draws a fresh batch. The baseline is the best constant guess for "
    "each batch, fitted to that batch."
)
TAU_FULL = "τ = {tau} ≥ T = {T}: every path is kept, as in full BPTT."
ONE_SEQUENCE = (
    "With B = 1 the best constant guess fits the one sequence of each batch exactly, so the baseline "
    "is 0 and the loss cannot be compared with it: take B ≥ 8 for that."
)
RUN_SIZE = "{steps} steps × B = {B} sequences × T = {T} time steps with H = {H}"
RUN_REFUSED = (
    "This run ({size}) would take many minutes on this shared server: lower the steps, T, B or H (the "
    "sidebar) to train."
)
RUN_LONG = "A long run ({size}): it may take a minute or more. Changing any control stops it."
TRAIN = "Train"

COMPARED = "Compared runs"
PROGRESS = "step {done} of {steps}"
PROGRESS_OF_QUEUE = "Run {i} of {n}: step {done} of {steps}"
NOT_STARTED = "This run could not start: {error}"
DROPPED = "At most {n} runs are compared: the oldest one was removed."
FROM_CACHE = "These settings were trained before: the finished run came from the cache."
NO_RUN = (
    "No run yet. Press **Train** to train the network with the settings above, or a classic finding "
    "to set them up and train."
)
STOP_WHY = {
    "non-finite loss": "Run “{label}” stopped at step {step} of {steps}: the loss L/B was {loss}. The "
    "updates had made W so large that the hidden state overflowed float64 in the forward pass.",
    "non-finite gradient": "Run “{label}” stopped at step {step} of {steps}: the gradient was not a "
    "finite number. Going back through T steps multiplies by Wᵀ diag(f′(a⁽ᵗ⁾)) at each, and the "
    "product overflowed float64.",
    "non-finite parameters": "Run “{label}” stopped at step {step} of {steps}: the update θ − lr·g "
    "overflowed float64 (‖g‖ = {grad_norm} was too large).",
}
STOP_OTHER = "Run “{label}” stopped at step {step} of {steps}: {reason}."
STOP_GROWTH = "In the steps before, ‖g‖ grew to {grad_norm} and σ_max(W) to {sigma_max}."
STOP_FIX = (
    "Clipping the gradient norm (or a smaller σ_max(W) or lr) bounds every update by lr × threshold, so "
    "W cannot jump this far."
)

SUMMARY_CAPTION = (
    "Final loss / baseline: the mean L/B over the last 10% of the steps divided by the mean baseline "
    "there (1: no better than the constant guess). Long-range share: its median over the run."
)
REMOVE_HELP = "Remove the run “{label}” from the comparison."
CLEAR = "Clear all runs"
DOWNLOAD = "Download CSV"
DOWNLOAD_HELP = "Every step of every compared run: run label, settings and the whole history."

# --- the summary table ---------------------------------------------------------------------------

COLUMNS = dict(
    run="run",
    steps="steps",
    ratio="final loss / baseline",
    share="median long-range share",
    grad_norm="max ‖g‖",
    clipped="steps clipped",
    sigma_max="final σ_max(W)",
    stopped="stopped",
)
STEPS_RUN = "{done} of {steps}"
RATIO_NO_BASELINE = "— (baseline 0)"
RATIO_DIVERGED = "diverged"
NOT_A_NUMBER = "not a number"

# --- run labels: each setting as a label writes it (the threshold is part of "clip") -------------

FIELD_TEMPLATES = dict(
    T="T={T}",
    H="H={H}",
    w_scale="σ_max(W)={w_scale}",
    seed="seed={seed}",
    clip_none="clip=none",
    clip="clip={clip} {threshold}",
    tau_full="τ=full",
    tau="τ={tau}",
    lr="lr={lr}",
    steps="{steps} steps",
    batch_size="B={batch_size}",
)
NUMBERED = "{label} (#{i})"
LABEL_SEPARATOR = ", "

# --- the charts ----------------------------------------------------------------------------------

CHART_TITLES = {
    "loss": "Loss per sequence L/B (dashed: the baseline)",
    "grad_norm": "Gradient norm ‖g‖ (▼: a clipped step)",
    "share": "Long-range share of ∂L/∂W (distance ≥ T/2)",
    "sigma": "σ_max(W) (dotted: 1/γ)",
}
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
NOTICE_WITH_NOTE = "{notice} {note}"
VALUE_NAMES = {
    "loss": "Loss",
    "grad_norm": "Gradient norm",
    "long_range_share": "Long-range share",
    "sigma_max": "σ_max(W)",
}
ZEROS_LEFT_OUT = "{what}: {n} value(s) of exactly 0 are left out (a log scale has no 0)."
AXIS = dict(
    step="training step (0 = the first batch)",
    loss="L/B (log scale)",
    grad_norm="‖g‖ before clipping (log scale)",
    share="long-range share (log scale)",
    sigma="σ_max(W) (log scale)",
)
TIP = dict(
    run="run",
    step="step",
    loss="L/B",
    batch_baseline="baseline of this batch",
    baseline="best constant guess, L/B",
    grad_norm="‖g‖ before clipping",
    grad_norm_clipped="‖g‖ used (after clipping)",
    clipped="clipped",
    share="long-range share",
    long_range_norm="‖long-range part‖_F",
    sigma="σ_max(W)",
    activation="activation",
    border="1/γ: below, vanishing is certain",
)


def task_bullets() -> str:
    """Markdown: one bullet per task, with its sizes and loss read from the task itself."""
    lines = []
    for name, words in TASK_WORDS.items():
        D, K, loss = task_shape(name)
        lines.append(
            say(TASK_BULLET, label=TASK_LABELS[name], words=say(words), loss=LOSS_LABELS[loss], D=D, K=K)
        )
    return "\n".join(lines)


def preset_title(key: str) -> str:
    return say(PRESET_TITLES[key])


def preset_expect(preset) -> str:
    """What a preset's runs show, with the numbers (and activation) read from its runs."""
    fields = {
        name: ACTIVATION_LABELS[value] if name == "activation" else number(value, "g")
        for name, value in preset.facts.items()
    }
    return say(PRESET_EXPECT[preset.key], **fields)


def preset_seen(preset) -> str:
    return say(PRESET_SEEN, title=preset_title(preset.key), expect=preset_expect(preset))


def long_run_message(s: RunSettings) -> str | None:
    """The sentence for a run that would take long (or is refused as too long); None for a quick one."""
    length = settings.run_length(s)
    if length == "quick":
        return None
    size = say(RUN_SIZE, steps=s.steps, B=s.batch_size, T=s.T, H=s.H)
    return say(RUN_REFUSED if length == "refused" else RUN_LONG, size=size)


def progress(done: int, steps: int, i: int, n: int) -> str:
    """The progress bar's text for step ``done`` of run ``i`` of a queue of ``n`` runs."""
    if n > 1:
        return say(PROGRESS_OF_QUEUE, i=i, n=n, done=done, steps=steps)
    return say(PROGRESS, done=done, steps=steps)


def stop_message(record: RunRecord, label: str) -> str | None:
    """Why a run stopped early, in place of a traceback; None when it ran every step."""
    result = record.result
    if result.stop_reason is None:
        return None
    k, h = result.stop_step, result.history
    at = dict(label=label, step=k, steps=record.settings.steps)
    if result.stop_reason not in STOP_WHY:
        return say(STOP_OTHER, **at, reason=result.stop_reason)
    sentences = [
        say(
            STOP_WHY[result.stop_reason],
            **at,
            loss=number(float(h["loss"][k])),
            grad_norm=number(float(h["grad_norm"][k])),
        )
    ]
    before = calls.max_grad_norm_before_stop(record)
    if not math.isnan(before):  # some step before the last had a finite ‖g‖
        sentences.append(
            say(STOP_GROWTH, grad_norm=number(before), sigma_max=number(float(h["sigma_max"][k])))
        )
    sentences.append(say(STOP_FIX))
    return " ".join(sentences)


def notice(name: str, note: str | None) -> str:
    """A chart's "Notice" caption, followed by the sentence on the values it leaves out, if any."""
    text = say(NOTICES[name])
    return say(NOTICE_WITH_NOTE, notice=text, note=note) if note else text


# --- labels --------------------------------------------------------------------------------------

FIELDS = (
    "task",
    "T",
    "activation",
    "H",
    "w_init",
    "w_scale",
    "seed",
    "clip",
    "tau",
    "lr",
    "steps",
    "batch_size",
)
LONE_RUN_FIELDS = ("activation", "T", "clip")  # a run compared with nothing is named by these


def field_text(name: str, s: RunSettings) -> str:
    """The setting ``name`` of ``s`` as a label writes it (``name`` in :data:`FIELDS`)."""
    if name == "task":
        return TASK_LABELS[s.task]
    if name == "activation":
        return ACTIVATION_LABELS[s.activation]
    if name == "w_init":
        return INIT_LABELS[s.w_init]
    if name == "clip":
        if s.clip == "none":
            return say(FIELD_TEMPLATES["clip_none"])
        return say(FIELD_TEMPLATES["clip"], clip=s.clip, threshold=number(s.threshold, "g"))
    if name == "tau":
        return say(FIELD_TEMPLATES["tau_full"]) if s.tau == 0 else say(FIELD_TEMPLATES["tau"], tau=s.tau)
    value = getattr(s, name)
    return say(FIELD_TEMPLATES[name], **{name: number(value, "g") if isinstance(value, float) else value})


def settings_text(s: RunSettings) -> str:
    """Every setting of a run, for the CSV."""
    return say(LABEL_SEPARATOR).join(field_text(name, s) for name in FIELDS)


def run_labels(runs: Sequence[RunSettings]) -> list[str]:
    """One label per run, made of the settings that differ between the runs (all of them, in order)."""
    texts = [{name: field_text(name, s) for name in FIELDS} for s in runs]
    differing = [name for name in FIELDS if len({t[name] for t in texts}) > 1]
    names = differing or list(LONE_RUN_FIELDS)
    separator = say(LABEL_SEPARATOR)
    labels = [separator.join(t[name] for name in names) for t in texts]
    if len(set(labels)) < len(labels):  # equal settings: number them so colours stay apart
        labels = [say(NUMBERED, label=label, i=i + 1) for i, label in enumerate(labels)]
    return labels


def ratio_text(ratio: float) -> str:
    """Final loss / baseline as the summary table writes it."""
    if math.isnan(ratio):
        return say(RATIO_NO_BASELINE)
    return say(RATIO_DIVERGED) if ratio == float("inf") else number(ratio, ".4g")
