"""Every sentence and label of the Training lab, as templates with named fields.

Pages and charts show them through :func:`ui.i18n.say`; the small functions below choose a template
from computed verdicts (a run's :class:`rnn_core.LearningVerdict`, its stop reason, whether its
truncation keeps the long-range part, its estimated length, a preset) and fill it with
:mod:`ui.format`-ted numbers read from the same objects the charts draw.

Steps are counted from 1 everywhere on the page (step n is the n-th training step, on batch n):
:func:`ui.training.settings.shown_step` turns rnn_core's 0-based step into it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import rnn_core as rc
from ui.format import number
from ui.i18n import say
from ui.state import ACTIVATION_LABELS, INIT_LABELS, LOSS_LABELS
from ui.training import calls, settings
from ui.training.calls import RunRecord
from ui.training.settings import (
    CELL_LABELS,
    OPTIMIZER_LABELS,
    TASK_LABELS,
    RunSettings,
    shown_step,
    task_shape,
)

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
    "output the sum of the two marked values, one in each half of the sequence, so the first one lies "
    "between ⌈T/2⌉ and T − 1 steps back",
}
TASK_BULLET = "- **{label}**: {words} ({loss}, D = {D}, K = {K})."
SGD = (
    "Each training step draws a fresh batch of B sequences and updates the weights by the chosen "
    "optimizer (SGD, momentum or Adam) from the gradient of the loss per sequence L/B, scored at step T "
    "only (the SGD update is written under the controls below)."
)
SIDEBAR_NOTE = (
    "**The sidebar's activation (of the RNN cell), H, W initialisation, σ_max(W) and seed are the "
    "network trained here.** "
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
    "adding, the symbol frequencies for remember-first). On the adding task the dotted reference "
    "½·Var(x) = 1/24 per sequence is the loss of the best predictor that knows the second marked value "
    "but not the first, reachable without carrying anything across the long lag. The baseline is fitted to "
    "each batch, so on average it is (B − 1)/B · 1/12 and the reference is B/(2(B − 1)) of it: about half "
    "for B ≥ 16, but 2/3 at B = 4 and the whole baseline at B = 2. "
    "‖g‖ is the norm of all the parameters together, before clipping; σ_max(W) is measured before "
    "each step. For the LSTM and the GRU, W is the candidate's recurrent matrix (the gates' are not "
    "included)."
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
    "gates": "5 · Gates fix it",
}
PRESET_EXPECT = {
    "short": "The first symbol is only T − 1 = {distance} steps back. Expect the loss to fall far below the "
    "dashed baseline (the best constant guess), with a large share of ∂L/∂W across ⌊T/2⌋ or more steps.",
    "long": "The same network and settings with T = {T_long}: expect its loss to stay on the baseline while "
    "the T = {T_short} run learns, its long-range share of ∂L/∂W vanished to almost nothing.",
    "explode": "{activation} with σ_max(W) = {w_scale}: without clipping expect the gradient norm to grow by "
    "many orders of magnitude in a few steps until a value leaves float64 and the run stops. Norm "
    "clipping at {threshold}, same settings otherwise, keeps every step small.",
    "irnn": "At T = {T}, expect W = I with ReLU (Le, Jaitly & Hinton 2015) to keep a far larger long-range "
    "share of ∂L/∂W than gaussian-initialised tanh and ReLU networks. (Learning this task takes all three "
    "far longer than {steps} steps.)",
    "gates": "The adding problem at T = {T} (the first marked value {lag} to {last} steps back), Adam with lr "
    "{lr}, norm clipping at 1, {steps} steps, the same seed for all three cells: expect the LSTM and the "
    "GRU to fall far below the dotted half-information reference while the tanh RNN stays near its "
    "baseline.",
}
PRESET_SEEN = "**{title}.** Expected: {expect}\n\n{outcome}\n\n{measured}"
PRESET_AS_EXPECTED = "What to see, measured on these runs (each as expected):"
PRESET_NOT_AS_EXPECTED = (
    "What to see, measured on these runs: not every run did what was expected ({which}), so the "
    "finding does not show in full here:"
)
PRESET_MISMATCH = "“{label}” {measured}, expected {expected}"
PRESET_PENDING = "**{title}.** Expected: {expect}"
MEASURED_LINE = "- {sentence}"

YOUR_RUN = "Your run"
TASK = "Task"
T_LABEL = "Task sequence length T"
T_HELP = (
    "The answer is scored at step T. The input it needs is at step 1, T − 1 steps back (remember-first), "
    "or in the first half, between ⌈T/2⌉ and T − 1 steps back (adding: the shortest lag is ⌈T/2⌉, as in "
    "Hochreiter & Schmidhuber 1997, not T)."
)
LAGS = {
    "remember_first": "Remember-first at T = {T}: the symbol to recall is exactly {shortest} steps before "
    "the output.",
    "adding_problem": "Adding at T = {T}: the first marked value lies {shortest} to {longest} steps before the "
    "output, so the dependency is at least {shortest} steps long, not T.",
}
CELL = "Cell"
CELL_HELP = (
    "RNN: the sidebar's activation. LSTM and GRU: gated cells whose additive state path keeps the "
    "gradient across many steps (GBC §10.10)."
)
GATED_NOTE = (
    "The {cell} uses tanh for its candidate and σ for its gates: the sidebar's activation ({activation}) "
    "does not apply to it and is not used. W initialisation and σ_max(W) set each of its recurrent "
    "matrices ({matrices})."
)
GATED_FORGET = "Its forget gate's bias b^f starts at {forget_bias}, so the cell starts out remembering."
OPTIMIZER_NOTE = {
    "sgd": None,
    "momentum": "The update written above is plain SGD's: with momentum the step is lr·v, v ← 0.9·v + clip(g).",
    "adam": "The update written above is plain SGD's: Adam steps by lr·m̂/(√v̂ + ε), about lr per entry, "
    "from running averages of clip(g) and clip(g)².",
}
GATED_MATRICES = {"lstm": "W, W^f, W^g, W^q", "gru": "W, W^u, W^r"}
OPTIMIZER = "Optimizer"
OPTIMIZER_HELP = (
    "SGD: θ ← θ − lr·g. Momentum: v ← 0.9·v + g, θ ← θ − lr·v. Adam (Kingma & Ba 2015): a step of about lr "
    "per entry, g divided by its running size."
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
    "is 0 and the loss cannot be compared with it. Take B ≥ 16 for that: with fewer, the guess fitted to "
    "each small batch does better than a constant can on average (on adding its expected loss is (B − 1)/B "
    "of a constant's: half at B = 2)."
)
RUN_SIZE = "{steps} steps × B = {B} sequences × T = {T} time steps with H = {H}"
RUN_REFUSED = (
    "This run ({size}) would take many minutes on this shared server: lower the steps, T, B or H (the "
    "sidebar) to train."
)
RUN_LONG = "A long run ({size}): it may take a minute or more. Changing any control stops it."
RUN_SIZE_GATED = "{steps} steps × B = {B} sequences × T = {T} time steps with H = {H}, {cell}"
TRAIN = "Train"

COMPARED = "Compared runs"
PROGRESS = "step {done} of {steps}"
PROGRESS_OF_QUEUE = "Run {i} of {n}: step {done} of {steps}"
NOT_STARTED = "This run could not start: {error}"
DROPPED = "At most {n} runs are compared: the oldest one was removed."
FROM_CACHE = "These settings were trained before: the finished run came from the cache."
PAIRED = (
    "Paired runs: all {n} use seed {seed}, so step n of every run trains on the same batch (the same "
    "{task} sequences, T = {T}, B = {B}), and each cell's weights are drawn by its own init from that "
    "seed{init}. What differs is in their labels."
)
PAIRED_INIT = " with the same W initialisation and σ_max(W)"
PAIRED_OWN_INIT = " with its own W initialisation and σ_max(W) (in its label)"
DATA_FIELD_WORDS = dict(task="task", T="T", batch_size="B", seed="seed")
UNPAIRED = (
    "These runs do not share their data ({fields} differ): part of any difference between them is the "
    "batches', not the settings in their labels."
)
STALE = (
    "The controls have changed since these runs were trained ({changes}): the runs below are not the "
    "controls' run. Press **Train** to add it. A link copied now opens the runs below, marked stale."
)
CHANGE = "{before} → {after}"
LINK_NOTES = {
    "unreadable": "The link's runs could not be read ({error}): nothing was trained. The controls show the "
    "link's settings (values that are not valid open with their defaults).",
    "refused": "The link's runs would take many minutes on this shared server, so they were not trained. "
    "Lower the steps, T, B or H and press Train.",
}
TRUNCATED_REACH = {
    "none": "“{label}” trains with BPTT truncated to τ = {tau}: its updates keep only paths of fewer than "
    "{tau} steps, and the input the answer needs lies {lags} steps before the output, so no update carries "
    "the error back to it: no gradient says how that input should change the answer.",
    "some": "“{label}” trains with BPTT truncated to τ = {tau}: its updates carry the error back to the first "
    "marked value only when it lies fewer than {tau} steps before the output, {reached} of its {n} possible "
    "places ({shortest} to {longest} steps back).",
}
TRUNCATED_ALL = (
    "“{label}” trains with BPTT truncated to τ = {tau}, which still reaches the input the answer needs."
)
TRUNCATED_SHARE = (
    " Its long-range share is that of the full gradient; its updates used only the paths of fewer than "
    "{tau} steps."
)
TRUNCATED_UNUSED = (
    " It keeps no path of ⌊T/2⌋ = {half} steps or more: its long-range share is that of the full gradient, "
    "which its updates did not use."
)
LAG_RANGE = "{shortest} to {longest}"
VERDICT = {
    "learned": "“{label}” learned the task: final loss / baseline {ratio}{reference}{first}.",
    "partly": "“{label}” learned part of it: final loss / baseline {ratio}, below the baseline but not below "
    "{solved}{reference}{first}.",
    "partly_reference": "“{label}” is below its baseline (final loss / baseline {ratio}) but not below the "
    "half-information reference ({reference_ratio}): that much is reachable from the second marked value "
    "alone, so it does not show that the first one was used{first}.",
    "not learned": "“{label}” did not learn: final loss / baseline {ratio}, not below {baseline} (not even "
    "{margin}% below the best constant guess).",
    "diverged": "“{label}” diverged: {what} became inf or nan, so no final ratio is measured (see why below).",
    "no baseline": "“{label}”: with B = 1 the baseline is 0, so no ratio to it is measured.",
    "no baseline, batch": "“{label}”: the baseline is 0 over the last {window} step(s): in each of those "
    "batches all {B} sequences have the same answer, which a constant fits exactly, so no ratio to it is "
    "measured.",
    "no steps": "“{label}” has no steps yet.",
}
DIVERGED_WHAT = {
    "non-finite loss": "its loss",
    "non-finite gradient": "its gradient",
    "non-finite parameters": "its weights (at an update)",
}
DIVERGED_WHAT_OTHER = "its loss or gradient"
VERDICT_REFERENCE = (
    ", below the half-information reference ({reference_ratio}): it uses the first marked value"
)
VERDICT_FIRST = "; the ratio first fell below {level} at step {step}"
VERDICT_SHARE = " Median long-range share of ∂L/∂W: {share}."
KIND_WORDS = {
    "learned": "learned",
    "partly": "learned part",
    "not learned": "did not learn",
    "diverged": "diverged",
    "no baseline": "has no baseline",
    "no steps": "has no steps",
}
NO_RUN = (
    "No run yet. Press **Train** to train the network with the settings above, or a classic finding "
    "to set them up and train."
)
STOP_WHY = {
    "non-finite loss": "Run “{label}” stopped at step {step} of {steps}: the loss L/B was {loss}. The forward "
    "pass left float64 with the weights the updates before had reached.",
    "non-finite gradient": "Run “{label}” stopped at step {step} of {steps}: the gradient was not a finite "
    "number. Going back up to {depth} steps multiplies the error by the recurrent Jacobian at each, and "
    "these products (with the states they meet) left float64.",
    "non-finite parameters": "Run “{label}” stopped at step {step} of {steps}: the update left float64 "
    "(‖g‖ = {grad_norm} before clipping).",
}
STOP_WHY_INITIAL = {
    "non-finite loss": "Run “{label}” stopped at step {step} of {steps}, before any update: the loss L/B of "
    "the initial network was {loss}. Its forward pass over T = {T} steps already leaves float64.",
    "non-finite gradient": "Run “{label}” stopped at step {step} of {steps}, before any update: the "
    "gradient of the initial network was not a finite number (going back up to {depth} steps left "
    "float64).",
}
STOP_FIX_INITIAL = (
    "Clipping cannot help here: it rescales a gradient once that is computed, and no update was taken. "
    "A smaller σ_max(W) (now {sigma_max}) or a shorter T is what keeps the initial network within float64."
)
STOP_OTHER = "Run “{label}” stopped at step {step} of {steps}: {reason}."
STOP_GROWTH = "Before that step ‖g‖ reached {grad_norm}; σ_max(W) was {sigma_max} when the step began."
STOP_FIX = (
    "Norm clipping at threshold {threshold} bounds every SGD update by lr × threshold = {step_bound}: after "
    "{updates} update(s) σ_max(W) could be at most {bound}, not {sigma_max}. A smaller σ_max(W) or lr "
    "slows the growth too."
)
STOP_FIX_WITHIN = (
    "σ_max(W) went from {start} to {sigma_max} in {updates} update(s), within the {bound} that norm clipping "
    "at threshold {threshold} would still allow (lr × threshold = {step_bound} per update): clipping alone "
    "need not have prevented this; a smaller σ_max(W), lr or T does."
)
STOP_FIX_UPDATE = (
    "Norm clipping at threshold {threshold} would have bounded this update by lr × threshold = {step_bound}."
)
STOP_FIX_OTHER = (
    "A smaller lr (or σ_max(W), or clipping threshold) keeps the weights from growing this far: with "
    "{how} clipping alone does not bound how far they move."
)
STOP_FIX_HOW = {
    "sgd": "clipping already on, each update is at most lr × threshold, but over many updates",
    "momentum": "momentum, past steps add up and",
    "adam": "Adam, each step is about lr per entry whatever ‖g‖, and",
}

SUMMARY_CAPTION = (
    "Final loss / baseline: L/B summed over the last 10% of the steps divided by the baseline summed "
    "there (1: no better than the constant guess; on adding, the half-information reference is about "
    "B/(2(B − 1)): 0.5 for large B, 1 at B = 2). Verdict: learned below {solved} (and, on adding, below {reference_level} × the reference), "
    "part below {baseline} only, not learned from {baseline} up. Long-range share: its median over the "
    "run. Steps are counted from 1."
)
REMOVE_HELP = "Remove the run “{label}” from the comparison."
CLEAR = "Clear all runs"
DOWNLOAD = "Download CSV"
DOWNLOAD_HELP = "Every step of every compared run: run label, settings and the whole history."

# --- the summary table ---------------------------------------------------------------------------

COLUMNS = dict(
    run="run",
    verdict="verdict",
    steps="steps",
    ratio="final loss / baseline",
    share="median long-range share",
    grad_norm="largest finite ‖g‖",
    clipped="steps clipped",
    sigma_max="final σ_max(W) (after the last update)",
    stopped="stopped",
)
STEPS_RUN = "{done} of {steps}"
RATIO_NO_BASELINE = "— (baseline 0)"
RATIO_DIVERGED = "diverged"
NOT_A_NUMBER = "not a number"

# --- run labels: each setting as a label writes it (the threshold is part of "clip") -------------

FIELD_TEMPLATES = dict(
    T="T={T}",
    cell_rnn="{activation} RNN",
    H="H={H}",
    w_scale="σ_max(W)={w_scale}",
    seed="seed={seed}",
    clip_none="clip=none",
    clip="clip={clip} {threshold}",
    tau_full="τ=full",
    tau="τ={tau}",
    optimizer="{optimizer}",
    lr="lr={lr}",
    steps="{steps} steps",
    batch_size="B={batch_size}",
)
NUMBERED = "{label} (#{i})"
LABEL_SEPARATOR = ", "

# --- the charts ----------------------------------------------------------------------------------

CHART_TITLES = {
    "loss": "Loss per sequence L/B (dashed: the baseline; dotted grey: the half-information reference)",
    "grad_norm": "Gradient norm ‖g‖ (▼: a clipped step)",
    "share": "Long-range share of ∂L/∂W (distance d ≥ ⌊T/2⌋)",
    "sigma": "σ_max(W) (dotted: 1/γ)",
}
NOTICES = {
    "loss": "a run has learned only when its loss falls well below its dashed baseline (the best constant "
    "guess) and, on the adding task, below the dotted half-information reference too: the second marked "
    "value alone already reaches it (about half the baseline for large B). Each run's verdict is written "
    "above the table.",
    "grad_norm": "‖g‖ is the norm of the whole gradient used, every distance it keeps together: a flat ‖g‖ says the "
    "gradient keeps its size, not that its long-range part survives (the next chart shows that part, for "
    "W). An exploding gradient climbs by many decades. With norm clipping the gradient used has norm at "
    "most the threshold (▼ marks the clipped steps).",
    "share": "how much of ∂L/∂W comes from paths across d ≥ ⌊T/2⌋ steps, the only paths that reach the distant "
    "input (for the LSTM and the GRU: of their candidate's W). Near 1 these paths shape the update; near "
    "0 (mind the log scale) the update barely depends on the distant input. It is measured on the full "
    "gradient, also for a truncated run.",
    "sigma": "for an RNN, σ_max(W) below the dotted 1/γ makes the gradient vanish (the bound (γ·σ_max(W))ᵈ "
    "shrinks with d); above it, it may grow. For the LSTM and the GRU, W is the candidate's and the line "
    "does not apply: their state path is additive.",
}
NOTICE_WITH_NOTE = "{notice} {note}"
VALUE_NAMES = {
    "loss": "Loss",
    "grad_norm": "Gradient norm",
    "long_range_share": "Long-range share",
    "sigma_max": "σ_max(W)",
}
ZEROS_LEFT_OUT = "{what}: {n} value(s) of exactly 0 are left out (a log scale has no 0)."
REFERENCE_LABEL = "half-information reference"
AXIS = dict(
    step="training step (1 = the first batch)",
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
    reference="half-information reference, L/B",
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
    """What a preset's runs are expected to show, with the numbers (and activation) read from its runs."""
    fields = {
        name: ACTIVATION_LABELS[value] if name == "activation" else number(value, "g")
        for name, value in preset.facts.items()
    }
    if preset.key == "gates":
        fields["last"] = number(preset.facts["T"] - 1, "g")
    return say(PRESET_EXPECT[preset.key], **fields)


def preset_seen(preset, compared: Sequence[RunRecord] = (), labels: Sequence[str] = ()) -> str:
    """A preset's title and expectation, then what its runs measured: each run's verdict sentence, and
    whether every run reached the verdict the preset expects of it. Before the runs: the expectation."""
    title, expect = preset_title(preset.key), preset_expect(preset)
    if not compared:
        return say(PRESET_PENDING, title=title, expect=expect)
    verdicts = [calls.learning(r) for r in compared]
    misses = [
        say(PRESET_MISMATCH, label=label, measured=say(KIND_WORDS[v.kind]), expected=say(KIND_WORDS[kind]))
        for v, label, kind in zip(verdicts, labels, preset.expected)
        if v.kind != kind
    ]
    outcome = (
        say(PRESET_NOT_AS_EXPECTED, which=say(LABEL_SEPARATOR).join(misses))
        if misses
        else say(PRESET_AS_EXPECTED)
    )
    measured = "\n".join(
        say(MEASURED_LINE, sentence=verdict_sentence(r, label, v) + share_sentence(r))
        for r, label, v in zip(compared, labels, verdicts)
    )
    return say(PRESET_SEEN, title=title, expect=expect, outcome=outcome, measured=measured)


def _step_words(first: int | None, level: float) -> str:
    return "" if first is None else say(VERDICT_FIRST, level=number(level, "g"), step=shown_step(first))


def verdict_sentence(record: RunRecord, label: str, verdict: rc.LearningVerdict | None = None) -> str:
    """What the run's losses show, chosen from its :class:`rnn_core.LearningVerdict`, with its numbers."""
    v = verdict or calls.learning(record)
    fields = dict(
        label=label,
        ratio=number(v.final_ratio, ".3g"),
        reference_ratio=number(v.reference_ratio, ".3g"),
        solved=number(rc.SOLVED_LEVEL, "g"),
        baseline=number(rc.BASELINE_LEVEL, "g"),
        margin=number(round(100 * (1 - rc.BASELINE_LEVEL), 6), "g"),
        what=say(DIVERGED_WHAT.get(record.result.stop_reason, DIVERGED_WHAT_OTHER)),
    )
    if v.kind == "learned":
        reference = "" if v.below_reference is None else say(VERDICT_REFERENCE, **fields)
        return say(
            VERDICT["learned"],
            **fields,
            reference=reference,
            first=_step_words(v.first_below["solved"], rc.SOLVED_LEVEL),
        )
    if v.kind == "partly" and v.below_reference is False:
        first = _step_words(v.first_below["baseline"], rc.BASELINE_LEVEL)
        return say(VERDICT["partly_reference"], **fields, first=first)
    if v.kind == "partly":
        reference = "" if v.below_reference is None else say(VERDICT_REFERENCE, **fields)
        first = _step_words(v.first_below["baseline"], rc.BASELINE_LEVEL)
        return say(VERDICT["partly"], **fields, reference=reference, first=first)
    if v.kind == "no baseline" and record.settings.batch_size > 1:
        return say(VERDICT["no baseline, batch"], **fields, window=v.window, B=record.settings.batch_size)
    return say(VERDICT[v.kind], **fields)


def share_sentence(record: RunRecord) -> str:
    """The run's median long-range share, as the summary table gives it."""
    return say(VERDICT_SHARE, share=number(calls.median_share(record), ".3g"))


def lag_sentence(task: str, T: int) -> str:
    """How far back the input the answer needs lies, read from rnn_core.dependency_lags."""
    shortest, longest = rc.dependency_lags(task, T)
    return say(LAGS[task], T=T, shortest=shortest, longest=longest)


def gated_note(s: RunSettings, sidebar_activation: str) -> str | None:
    """For a gated cell: which of the sidebar's settings apply to it; None for the RNN."""
    if s.cell == "rnn":
        return None
    note = say(
        GATED_NOTE,
        cell=CELL_LABELS[s.cell],
        activation=ACTIVATION_LABELS[sidebar_activation],
        matrices=GATED_MATRICES[s.cell],
    )
    if s.cell == "lstm":
        note = f"{note} {say(GATED_FORGET, forget_bias=number(settings.FORGET_BIAS, 'g'))}"
    return note


def optimizer_note(s: RunSettings) -> str | None:
    """What the update written on the page leaves out for momentum and Adam; None for SGD."""
    template = OPTIMIZER_NOTE[s.optimizer]
    return None if template is None else say(template)


DATA_FIELDS = ("task", "T", "batch_size", "seed")  # what decides a run's batches


def paired_note(runs: Sequence[RunSettings]) -> str | None:
    """What compared runs share: the same batches when their task, T, B and seed agree. None for one run."""
    if len(runs) < 2:
        return None
    differ = [name for name in DATA_FIELDS if len({getattr(s, name) for s in runs}) > 1]
    if differ:
        return say(UNPAIRED, fields=say(LABEL_SEPARATOR).join(say(DATA_FIELD_WORDS[n]) for n in differ))
    s = runs[0]
    same_init = len({(r.w_init, r.w_scale) for r in runs}) == 1
    init = say(PAIRED_INIT if same_init else PAIRED_OWN_INIT)
    return say(PAIRED, n=len(runs), seed=s.seed, task=TASK_LABELS[s.task], T=s.T, B=s.batch_size, init=init)


def stale_note(chosen: RunSettings, last: RunSettings | None) -> str | None:
    """The note for controls that ask for a run not among the compared ones (``last``: the latest of
    those, from :func:`ui.training.runs.stale_run`); None when the runs shown are the controls'."""
    if last is None:
        return None
    changes = [
        say(CHANGE, before=field_text(name, last), after=field_text(name, chosen))
        for name in FIELDS
        if field_text(name, last) != field_text(name, chosen)
    ]
    return say(STALE, changes=say(LABEL_SEPARATOR).join(changes))


def link_note(note: tuple[str, str] | None) -> str | None:
    """The sentence for a link whose runs were not trained (kind in ui.training.runs.NOTE_KINDS)."""
    if note is None:
        return None
    kind, error = note
    return say(LINK_NOTES[kind], error=error)


def reach(s: RunSettings) -> rc.TruncationReach:
    """How far the run's truncated updates reach back, against its task's lags (rnn_core's verdict)."""
    return rc.truncation_reach(s.task, s.T, s.tau or None)


def truncated_note(record: RunRecord, label: str) -> str | None:
    """For a truncated run: whether its updates reach the input the answer needs
    (rnn_core.learning.truncation_reach), and what its long-range share is; None for full BPTT."""
    r = reach(record.settings)
    if r.kind == "full":
        return None
    share = say(TRUNCATED_SHARE, tau=r.tau) if r.long_range else say(TRUNCATED_UNUSED, half=r.T // 2)
    if r.kind == "all":  # τ > T − 1 is full BPTT, so this is never drawn; said plainly all the same
        return say(TRUNCATED_ALL, label=label, tau=r.tau) + share
    lags = (
        str(r.shortest) if r.shortest == r.longest else say(LAG_RANGE, shortest=r.shortest, longest=r.longest)
    )
    return (
        say(
            TRUNCATED_REACH[r.kind],
            label=label,
            tau=r.tau,
            lags=lags,
            reached=r.reached_lags,
            n=r.lags,
            shortest=r.shortest,
            longest=r.longest,
        )
        + share
    )


def long_run_message(s: RunSettings) -> str | None:
    """The sentence for a run that would take long (or is refused as too long); None for a quick one."""
    length = settings.run_length(s)
    if length == "quick":
        return None
    fields = dict(steps=s.steps, B=s.batch_size, T=s.T, H=s.H)
    size = (
        say(RUN_SIZE, **fields)
        if s.cell == "rnn"
        else say(RUN_SIZE_GATED, **fields, cell=CELL_LABELS[s.cell])
    )
    return say(RUN_REFUSED if length == "refused" else RUN_LONG, size=size)


def progress(done: int, steps: int, i: int, n: int) -> str:
    """The progress bar's text after ``done`` steps (the last one: step ``done``) of run ``i`` of ``n``."""
    if n > 1:
        return say(PROGRESS_OF_QUEUE, i=i, n=n, done=done, steps=steps)
    return say(PROGRESS, done=done, steps=steps)


def stop(record: RunRecord) -> rc.StopVerdict:
    """Why the run stopped, and what norm clipping at its threshold would have allowed (rnn_core's verdict)."""
    result, s = record.result, record.settings
    return rc.stop_verdict(
        result.history, result.stop_reason, result.stop_step, lr=s.lr, threshold=s.threshold
    )


def stop_message(record: RunRecord, label: str) -> str | None:
    """Why a run stopped early, in place of a traceback, chosen from its :class:`rc.StopVerdict`; None when
    it ran every step."""
    result, s = record.result, record.settings
    if result.stop_reason is None:
        return None
    v = stop(record)
    k, h = result.stop_step, result.history
    at = dict(label=label, step=shown_step(k), steps=s.steps)
    if result.stop_reason not in STOP_WHY:
        return say(STOP_OTHER, **at, reason=result.stop_reason)
    fields = dict(
        **at,
        loss=number(float(h["loss"][k])),
        grad_norm=number(float(h["grad_norm"][k])),
        T=s.T,
        depth=(s.tau or s.T) - 1,
    )
    numbers = dict(
        threshold=number(v.threshold, "g"),
        step_bound=number(v.lr * v.threshold, "g"),
        updates=v.updates,
        bound=number(v.clip_bound),
        start=number(v.sigma_start),
        sigma_max=number(v.sigma_stop),
    )
    if v.kind == "initial" and result.stop_reason in STOP_WHY_INITIAL:
        sentences = [say(STOP_WHY_INITIAL[result.stop_reason], **fields)]
        return " ".join([*sentences, say(STOP_FIX_INITIAL, sigma_max=numbers["sigma_max"])])
    sentences = [say(STOP_WHY[result.stop_reason], **fields)]
    before = calls.max_grad_norm_before_stop(record)
    if not math.isnan(before):  # some step before the last had a finite ‖g‖
        sentences.append(say(STOP_GROWTH, grad_norm=number(before), sigma_max=numbers["sigma_max"]))
    if s.optimizer == "sgd" and s.clip == "none":
        if result.stop_reason == "non-finite parameters":
            sentences.append(say(STOP_FIX_UPDATE, **numbers))
        elif v.kind == "grown":
            sentences.append(say(STOP_FIX, **numbers))
        else:
            sentences.append(say(STOP_FIX_WITHIN, **numbers))
    else:
        sentences.append(say(STOP_FIX_OTHER, how=say(STOP_FIX_HOW[s.optimizer])))
    return " ".join(sentences)


def notice(name: str, note: str | None) -> str:
    """A chart's "Notice" caption, followed by the sentence on the values it leaves out, if any."""
    text = say(NOTICES[name])
    return say(NOTICE_WITH_NOTE, notice=text, note=note) if note else text


# --- labels --------------------------------------------------------------------------------------

FIELDS = (
    "task",
    "T",
    "cell",
    "H",
    "w_init",
    "w_scale",
    "seed",
    "clip",
    "tau",
    "optimizer",
    "lr",
    "steps",
    "batch_size",
)
LONE_RUN_FIELDS = ("cell", "T", "clip")  # a run compared with nothing is named by these


def field_text(name: str, s: RunSettings) -> str:
    """The setting ``name`` of ``s`` as a label writes it (``name`` in :data:`FIELDS`)."""
    if name == "task":
        return TASK_LABELS[s.task]
    if name == "cell":  # the RNN with its activation; a gated cell has tanh built in
        if s.cell == "rnn":
            return say(FIELD_TEMPLATES["cell_rnn"], activation=ACTIVATION_LABELS[s.activation])
        return CELL_LABELS[s.cell]
    if name == "optimizer":
        return say(FIELD_TEMPLATES["optimizer"], optimizer=OPTIMIZER_LABELS[s.optimizer])
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


def summary_caption() -> str:
    """The summary table's caption, with the verdict's levels read from rnn_core."""
    return say(
        SUMMARY_CAPTION,
        solved=number(rc.SOLVED_LEVEL, "g"),
        reference_level=number(rc.REFERENCE_LEVEL, "g"),
        baseline=number(rc.BASELINE_LEVEL, "g"),
    )


def verdict_word(record: RunRecord) -> str:
    """The verdict's kind as the summary table writes it."""
    return say(KIND_WORDS[calls.learning(record).kind])
