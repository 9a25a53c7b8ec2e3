"""The Bug lab's sentences: templates with named fields (shown through ui.i18n.say), and the small
functions that choose one from a computed check (ui.bug_lab.bugs.GradientCheck and its Verdict).

The bugs' titles and explanations are here too; ui.bug_lab.bugs pairs each with its line.
"""

from __future__ import annotations

import numpy as np

from ui.format import number, sci
from ui.i18n import say, say_n

TITLE = "Bug lab"
INTRO = (
    "rnn_core's BPTT has been replaced by a variant of the lab's own BPTT with **one classic bug**: "
    "one line of the code below is wrong. The gradient check compares the variant's gradient with a "
    "reference, entry by entry and step by step. Read where it disagrees and by how much, form a "
    "hypothesis, pick the bug, and see the line."
)
CODE_LABEL = "The lab's BPTT, correct (the bug changes one of these lines)"
CODE_NOTE = (
    "Row vectors of the batch are taken one sequence at a time, so the code reads like the equations: "
    "`W.T @ delta` is Wᵀδ. Each column of `dh` is the error of one loss L⁽ˢ⁾ still travelling back, "
    "so that truncation can drop it after τ steps."
)
NEW_BUG = "New bug"
NEW_BUG_HELP = "Draw another bug at random (its number goes into the link)."
BUG_NUMBER = "Bug no. {seed}"
BUG_BY_NAME = "A bug chosen by the link"
BAD_BUG = (
    "The link asks for a bug named “{value}”, which the lab does not have; it shows bug no. {seed} instead."
)
BAD_SEED = "The link's bug number “{value}” is not a number from 0 to {limit}; the lab shows bug no. {seed}."

# --- the settings ---------------------------------------------------------------------------------
HEADER_CHECK = "The gradient check"
SETTINGS = (
    "On the sidebar's network ({activation}, H = {H}, T = {T}, after {steps} gradient steps: σ_max(W) = "
    "{scale}{initial}), with {batch}{truncation}."
)
INITIAL_SCALE = ", initialised to {initial}"
BATCH_ONE = "its one training sequence (B = 1)"
BATCH_TWO = "B = 2 sequences: its training sequence and a second one drawn from seed {seed2}"
TRUNCATION = " and truncated BPTT with τ = {tau}"
CHANGED = (
    "On the sidebar's network as it is, this bug cannot show: its gradient equals the correct one "
    "(largest difference {gap}, within the tolerance {tol}). The lab changed {changes} so that it does."
)
CHANGE = "{what} from {old} to {new}"
CHANGE_ADDED = "{what} to {new}"
# the {what} of CHANGE: the settings the lab may change, by field
CHANGE_WORDS = {
    "activation": "the activation",
    "H": "H",
    "T": "T",
    "w_init": "W's initialisation",
    "w_scale": "σ_max(W)",
    "D": "the input size",
    "K": "the output size",
    "loss": "the loss",
    "seed": "the seed",
    "lr": "the learning rate",
    "steps": "the gradient steps",
    "B": "the batch size B",
    "tau": "the truncation length τ",
}
CHANGED_UNTRUSTED = (
    "On the sidebar's network as it is, the check cannot be trusted: the correct BPTT itself differs "
    "from finite differences by {control}, more than the tolerance {tol}. The lab changed {changes}."
)
NOTHING_SHOWS = (
    "On none of the settings the lab tried does this bug change the gradient beyond the tolerance {tol}; "
    "the check below is the last one tried."
)
CONTROL_BAD = (
    "On these settings the correct BPTT itself differs from finite differences by {error}, more than "
    "the tolerance {tol}: the forward pass is too steep for central differences, so the check is not "
    "to be trusted."
)

REF_FD = (
    "Each entry of the variant's gradient is compared with central differences of L, "
    "(L(θ + εeᵢ) − L(θ − εeᵢ)) / 2ε with ε = {eps} (rc.numerical_gradient); the correct BPTT agrees "
    "with them to {control}."
)
REF_FD_SAMPLE = " The network is large: {checked} of its {total} entries are checked (a fixed sample, grey cells are not)."
REF_TRUNCATED = (
    "Truncated BPTT is not the gradient of L, so finite differences cannot check it: each entry is "
    "compared with rnn_core's truncated BPTT, rc.bptt(truncate={tau}); the correct lab BPTT agrees with "
    "it to {control}."
)
COL_GRADIENT = "gradient"
COL_ERROR = "rel. error"
COL_ENTRIES = "entries off"
COL_VERDICT = "verdict"
GRADIENT = "∂L/∂{name}"
ENTRIES_OFF = "{n_bad} of {n_checked}"
AGREES = "agrees"
DISAGREES = "disagrees"

HEADER_ENTRIES = "Entry by entry"
ENTRIES_LEAD = (
    "One cell per entry of each gradient (row i, column j of the matrix; b and c are columns). The "
    "colour is the entry's error |g − r| divided by the largest |g| or |r| of that gradient: blue agrees "
    "(below {tol}), red disagrees."
)
ENTRIES_NOTICE = (
    "whole blocks that are red point at a line that feeds that gradient; a block that stays blue is "
    "computed right."
)
NONFINITE = (
    "{n_entries} entries and {n_steps} step terms are not numbers (black cells): the variant's gradient "
    "holds inf or nan there, e.g. from a division by zero or an overflow. They count as disagreeing."
)
HEADER_STEPS = "Step by step"
STEPS_LEAD = (
    "Each step t of the backward sweep adds one term to every gradient (δ⁽ᵗ⁾h⁽ᵗ⁻¹⁾ᵀ to ∂L/∂W, "
    "∂L/∂o⁽ᵗ⁾h⁽ᵗ⁾ᵀ to ∂L/∂V, …). One cell per step and gradient: the relative error of the variant's "
    "term against the correct one."
)
STEPS_NOTICE = (
    "at which steps the terms go wrong: all of them, all but the last, only the early ones, or only "
    "in the second sequence."
)

# --- the verdict -------------------------------------------------------------------------------------
VERDICT_HEAD = "Beyond the tolerance {tol}:"
VERDICT_PARAM = (
    "**∂L/∂{name}**: {n_bad} of {n_checked} entries disagree (worst {worst} at {name}[{index}]); "
    "steps whose term disagrees: {steps}."
)
VERDICT_NO_STEPS = "none"
VERDICT_STEPS_SEQ = "{steps} in sequence {n}"
VERDICT_AGREE = "Agree within the tolerance: {names}."
VERDICT_AGREE_NONE = "No gradient agrees."
VERDICT_PASSES = "Nothing disagrees beyond the tolerance {tol}."
ALL_STEPS = "all {T}"
NO_STEPS = "none"
STEP_RANGE = "{first}–{last}"

# --- the hypothesis and the reveal -----------------------------------------------------------------
HEADER_GUESS = "Your hypothesis"
GUESS_LABEL = "Which line is wrong?"
SUBMIT = "Submit"
REVEAL = "Show the bug"
REVEAL_HELP = "Skip the guess and show the bug (the link then shows it too)."
RIGHT = "Right: the bug is **{title}**."
WRONG = "Not this one: you picked **{guess}**; the bug is **{title}**."
REVEALED = "The bug is **{title}**."
DIFF_LEAD = "The one line that differs from the correct BPTT:"
WHY_HEAD = "Why the check shows what it shows"
FOUND = "Here the check found: {found}"
FOUND_PARAM = "∂L/∂{name}: {n} entry of {n_checked}, steps {steps}"
FOUND_PARAMS = "∂L/∂{name}: {n} entries of {n_checked}, steps {steps}"
FOUND_NOTHING = "Here the check found nothing beyond the tolerance."

# --- the bugs: titles and explanations ---------------------------------------------------------------
TITLE_PREV_STATE = "h⁽ᵗ⁾ where h⁽ᵗ⁻¹⁾ belongs in ∂L/∂W"
WHY_PREV_STATE = (
    "W multiplies h⁽ᵗ⁻¹⁾ in a⁽ᵗ⁾ = b + Wh⁽ᵗ⁻¹⁾ + Ux⁽ᵗ⁾, so ∂a⁽ᵗ⁾/∂W brings h⁽ᵗ⁻¹⁾. The line feeds "
    "∂L/∂W alone: δ⁽ᵗ⁾ is still right, so U, V, b and c agree, and every step's W term is off."
)
TITLE_NO_OUTPUT_TERM = "Vᵀ∂L/∂o⁽ᵗ⁾ dropped from ∂L/∂h⁽ᵗ⁾"
WHY_NO_OUTPUT_TERM = (
    "∂L/∂h⁽ᵗ⁾ = Vᵀ∂L/∂o⁽ᵗ⁾ + Wᵀδ⁽ᵗ⁺¹⁾: without its first term no loss ever enters the recursion, so "
    "δ⁽ᵗ⁾ = 0 at every step and ∂L/∂U, ∂L/∂W, ∂L/∂b are zero (relative error 1 in the table, and at every "
    "step whose correct term is not 0). ∂L/∂V and ∂L/∂c "
    "do not go through δ and agree."
)
TITLE_FPRIME_FROM_H = "f′ computed from h as 1/(1 − h²)"
WHY_FPRIME_FROM_H = (
    "f′ is taken at a⁽ᵗ⁾; written from h it is tanh′ = 1 − h² (for tanh only), not 1/(1 − h²). Every "
    "δ⁽ᵗ⁾ is scaled wrongly, so every step's term of ∂L/∂U, ∂L/∂W and ∂L/∂b is off; near |h| = 1 the "
    "division blows up. ∂L/∂V and ∂L/∂c do not use f′ and agree."
)
TITLE_FPRIME_WRONG_STEP = "f′ taken at the wrong step, f′(a⁽ᵗ⁻¹⁾)"
WHY_FPRIME_WRONG_STEP = (
    "δ⁽ᵗ⁾ = f′(a⁽ᵗ⁾) ⊙ ∂L/∂h⁽ᵗ⁾ needs the derivative at step t. `a[t - 2]` is a⁽ᵗ⁻¹⁾, and at t = 1 numpy "
    "reads a[−1], the last step's a⁽ᵀ⁾, without an error. ∂L/∂U, ∂L/∂W, ∂L/∂b go wrong wherever "
    "f′(a⁽ᵗ⁻¹⁾) ≠ f′(a⁽ᵗ⁾); ∂L/∂V, ∂L/∂c agree."
)
TITLE_W_NOT_TRANSPOSED = "W instead of Wᵀ in the recursion"
WHY_W_NOT_TRANSPOSED = (
    "a⁽ᵗ⁾ = Wh⁽ᵗ⁻¹⁾ + …, so ∂L/∂h⁽ᵗ⁻¹⁾ receives Wᵀδ⁽ᵗ⁾, the transpose. The last step has no later "
    "step sending anything back, so its term agrees; every earlier step's term of ∂L/∂U, ∂L/∂W, ∂L/∂b "
    "is off. A symmetric W (the identity initialisation) would hide the bug."
)
TITLE_LAST_LOSS_ONLY = "only the last loss step L⁽ᵀ⁾ summed"
WHY_LAST_LOSS_ONLY = (
    "L = Σₜ L⁽ᵗ⁾: every step's loss sends an error back. Keeping only ∂L⁽ᵀ⁾/∂o⁽ᵀ⁾ is the homework's "
    "“W − lr·∂L⁽³⁾/∂W” mistake. Step T's terms agree; every earlier term of ∂L/∂V and ∂L/∂c is zero, "
    "and those of ∂L/∂U, ∂L/∂W, ∂L/∂b miss their own step's loss."
)
TITLE_BATCH_MEAN = "mean instead of sum over the batch"
WHY_BATCH_MEAN = (
    "rnn_core's loss is summed over the batch (DESIGN §2), so its gradient is too. Dividing ∂L/∂o⁽ᵗ⁾ "
    "by B scales every term of every gradient by 1/B: every entry and step is off by the same relative "
    "error 1 − 1/B. With B = 1 nothing would show."
)
TITLE_NOT_RESET = "δ not reset between sequences"
WHY_NOT_RESET = (
    "The errors flowing back are reset only before the first sequence. Sequence 1 is right; the "
    "second starts its last step with what sequence 1 sent back from its first step, as if more losses "
    "came after its end. So sequence 2's terms of ∂L/∂U, ∂L/∂W, ∂L/∂b are off from its last step back, "
    "as far as the leaked errors travel; sequence 1's agree, and so do ∂L/∂V and ∂L/∂c. With B = 1 "
    "nothing would show."
)
TITLE_TRUNCATION = "an off-by-one in truncation"
WHY_TRUNCATION = (
    "Truncation keeps the paths with s − t < τ: τ columns, the newest and τ − 1 older. `dh_next[:, :tau]` "
    "keeps one more, so each loss travels τ + 1 steps. Only steps t ≤ T − τ receive a loss from τ "
    "steps ahead: their terms of ∂L/∂U, ∂L/∂W, ∂L/∂b are off, the last τ steps agree."
)


def initial_scale(sigma_max: float, initial: float, steps: int) -> str:
    """ ", initialised to σ₀" when gradient steps moved σ_max(W) from its initial value (as printed)."""
    shown, first = number(sigma_max, ".4g"), number(initial, ".4g")
    return say(INITIAL_SCALE, initial=first) if steps and shown != first else ""


def settings_text(net_words: dict, B: int, tau: int | None, seed2: int) -> str:
    """The settings the check ran on."""
    batch = say(BATCH_ONE) if B == 1 else say(BATCH_TWO, seed2=seed2)
    truncation = say(TRUNCATION, tau=tau) if tau is not None else ""
    return say(SETTINGS, batch=batch, truncation=truncation, **net_words)


def changes_text(changes: tuple, result, tol: float) -> str | None:
    """What the lab changed and why (the bug is hidden on the sidebar's settings, or the check is not
    trusted there), from ``result`` (ui.bug_lab.calls.LabResult); None when nothing was changed."""
    if not changes:
        return None
    parts = ", ".join(
        say(CHANGE_ADDED, what=what, new=new) if old is None else say(CHANGE, what=what, old=old, new=new)
        for what, old, new in changes
    )
    if result.hidden_on_live:
        return say(CHANGED, changes=parts, gap=sci(result.gap), tol=sci(tol, 1))
    return say(CHANGED_UNTRUSTED, changes=parts, control=sci(result.live_control), tol=sci(tol, 1))


def not_found_text(check, tol: float) -> str:
    """Why the check shown is not a clean failure: the correct BPTT misses the reference, or the bug
    changes nothing on any settings tried."""
    if not check.control_ok:
        return say(CONTROL_BAD, error=sci(check.control), tol=sci(tol, 1))
    return say(NOTHING_SHOWS, tol=sci(tol, 1))


def reference_text(check, tau: int | None, eps: float) -> str:
    """How the check's reference was computed, and how well the correct BPTT matches it."""
    if tau is not None:
        return say(REF_TRUNCATED, tau=tau, control=sci(check.control))
    text = say(REF_FD, eps=sci(eps, 1), control=sci(check.control))
    checked = sum(e.n_checked for e in check.entries)
    total = sum(e.grad.size for e in check.entries)
    if checked < total:
        text += say(REF_FD_SAMPLE, checked=checked, total=total)
    return text


def step_ranges(steps: tuple[int, ...], T: int) -> str:
    """1, 2, 3, 7 → "1–3, 7"; every step → "all T"; none → "none"."""
    if not steps:
        return say(NO_STEPS)
    if len(steps) == T:
        return say(ALL_STEPS, T=T)
    runs, start, prev = [], steps[0], steps[0]
    for t in (*steps[1:], None):
        if t is not None and t == prev + 1:
            prev = t
            continue
        runs.append(str(start) if start == prev else say(STEP_RANGE, first=start, last=prev))
        if t is not None:
            start = prev = t
    return ", ".join(runs)


def steps_text(per_sequence: tuple[tuple[int, ...], ...], T: int) -> str:
    """The disagreeing steps of one gradient, per sequence when there are several."""
    if not any(per_sequence):
        return say(VERDICT_NO_STEPS)
    if len(per_sequence) == 1:
        return step_ranges(per_sequence[0], T)
    return "; ".join(
        say(VERDICT_STEPS_SEQ, steps=step_ranges(s, T), n=n + 1) for n, s in enumerate(per_sequence)
    )


def index_text(index: tuple[int, ...]) -> str:
    """A 0-based entry index as the page writes it, 1-based: (2, 4) → "3, 5"."""
    return ", ".join(str(i + 1) for i in index)


def verdict_lines(check, T: int) -> list[str]:
    """The verdict as markdown lines: the disagreeing gradients with their entries and steps, then the
    ones that agree."""
    v = check.verdict
    if not v.fails:
        return [say(VERDICT_PASSES, tol=sci(v.tolerance, 1))]
    lines = [say(VERDICT_HEAD, tol=sci(v.tolerance, 1))]
    agree = []
    for e in check.entries:
        steps = v.steps_of(e.name)
        if not e.n_bad and not any(steps):
            agree.append(f"∂L/∂{e.name}")
            continue
        index, worst = e.worst
        lines.append(
            "- "
            + say(
                VERDICT_PARAM,
                name=e.name,
                n_bad=e.n_bad,
                n_checked=e.n_checked,
                worst=sci(worst),
                index=index_text(index),
                steps=steps_text(steps, T),
            )
        )
    lines.append("")  # the last sentence is a paragraph of its own, not part of the list
    lines.append(say(VERDICT_AGREE, names=", ".join(agree)) if agree else say(VERDICT_AGREE_NONE))
    return lines


def found_text(check, T: int) -> str:
    """One sentence of what the check found, for the reveal: the gradients, counts and steps."""
    v = check.verdict
    if not v.fails:
        return say(FOUND_NOTHING)
    parts = []
    for e in check.entries:
        steps = v.steps_of(e.name)
        if e.n_bad or any(steps):
            parts.append(
                say_n(
                    FOUND_PARAM,
                    FOUND_PARAMS,
                    e.n_bad,
                    name=e.name,
                    n_checked=e.n_checked,
                    steps=steps_text(steps, T),
                )
            )
    return say(FOUND, found="; ".join(parts) + ".")


def nonfinite_text(check) -> str | None:
    """A note on the entries and step terms that are not numbers, or None when there are none."""
    n_entries = sum(int((e.checked & np.isnan(e.errors)).sum()) for e in check.entries)
    n_steps = int(np.isnan(check.step_errors).sum())
    if not n_entries and not n_steps:
        return None
    return say(NONFINITE, n_entries=n_entries, n_steps=n_steps)


def summary_rows(check) -> list[dict]:
    """The check's summary table: per gradient its relative error, entries off and verdict."""
    return [
        {
            say(COL_GRADIENT): say(GRADIENT, name=e.name),
            say(COL_ERROR): sci(e.rel_error),
            say(COL_ENTRIES): say(ENTRIES_OFF, n_bad=e.n_bad, n_checked=e.n_checked),
            say(COL_VERDICT): say(DISAGREES) if e.n_bad else say(AGREES),
        }
        for e in check.entries
    ]


def result_text(guess: str | None, bug: str, titles: dict) -> str:
    """Right or wrong for the guessed key ``guess`` (None: no guess, the plain reveal); ``titles``
    maps each bug's key to its title template."""
    title = say(titles[bug])
    if guess is None:
        return say(REVEALED, title=title)
    if guess == bug:
        return say(RIGHT, title=title)
    return say(WRONG, guess=say(titles[guess]), title=title)
