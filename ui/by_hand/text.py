r"""Every sentence of the "Work it by hand" page: templates with named fields, and the small functions
that choose one from rnn_core's verdict (rnn_core.diagnose) and fill it.

Numbers are written with :data:`SHOWN_DECIMALS` decimals (given values with the decimals they were
rounded to): more than the tolerance needs, so a value copied from the page always passes.
"""

from __future__ import annotations

import rnn_core as rc
from ui.format import number, time_index
from ui.i18n import say, say_n
from ui.state import ACTIVATION_LABELS, LOSS_LABELS

SHOWN_DECIMALS = 4

# --- the page's frame ---------------------------------------------------------------------------

TITLE = "Work it by hand"
INTRO = (
    "The homework asks for ∂L⁽³⁾/∂W, ∂L⁽³⁾/∂U and the updates of V, W and U. Here is a network small "
    "enough to do on paper (by default H = 2 hidden units, one input, two outputs, T = 3 steps), whose "
    "parameters, inputs and targets are rounded to a few decimals **before** they are used: your "
    "computation starts from exactly the numbers the page starts from. Work the steps in order: type "
    "your value, press **Check**, and open **Reveal** only once you have tried."
)
EXERCISE = (
    "This exercise: H = {H}, D = {D}, K = {K}, T = {T}, the loss L{S}, {activation}, {loss}, lr = {lr}, "
    "seed {seed}; given values rounded to {decimals} decimals."
)
OWN_NETWORK = (
    "This page has its own network (the sidebar's is too large for paper). Every number comes from "
    "rnn_core's forward pass and BPTT; a new seed gives a fresh exercise."
)
SETTINGS_HEADER = "1. The exercise"
T_LABEL = "Sequence length T"
S_LABEL = "Loss step s"
S_HELP = "The homework differentiates L⁽³⁾: s = 3. Any s from 1 to T works."
ONLY_STEP = "With T = 1 the only loss is L⁽¹⁾: s = 1."
H_LABEL = "Hidden size H"
H_HELP = "Paper-sized: 1 to 3 hidden units."
ACTIVATION_LABEL = "Activation f"
LOSS_LABEL = "Loss"
SEED_LABEL = "Seed (a fresh exercise)"
SEED_HELP = "Each seed draws other parameters, inputs and targets."
LR_LABEL = "Learning rate lr"
KINK_REDRAWN = (
    "An earlier draw of seed {seed} put a pre-activation on the kink a = 0 of the activation (within "
    "10⁻⁹), where f′ is only a convention; this exercise uses the seed's draw number {draw}, counted from 0."
)

GIVEN_HEADER = "2. What you are given"
GIVEN_LEAD = (
    "The parameters, the inputs x⁽ᵗ⁾ and the targets y⁽ᵗ⁾, exactly as rounded ({decimals} decimals); "
    "the initial state is h⁽⁰⁾ = 0."
)
TARGETS_CE = "The targets are class indices 0..{last}: L⁽ᵗ⁾ = −ln ŷ⁽ᵗ⁾ at the class y⁽ᵗ⁾ (natural log)."
TARGETS_MSE = "The targets are vectors: L⁽ᵗ⁾ = ½‖o⁽ᵗ⁾ − y⁽ᵗ⁾‖²."
MODEL_LEAD = "The model, and the activation with its derivative:"

STEPS_HEADER = "3. Work it out, step by step"
TOLERANCE_LEAD = (
    "A value is accepted when every entry is within the tolerance rtol = {rtol}, atol = {atol}. The "
    "states a⁽ᵗ⁾, h⁽ᵗ⁾, … are **not** rounded: carry at least {digits} decimals (the page shows "
    "{digits}) and a correct computation passes."
)
TYPE_HELP = (
    "Type the numbers row by row: entries separated by spaces or commas, rows by “;” "
    "(0.1 0.2; 0.3 0.4). A vector may be typed on one line."
)
STAGES_HELP = (
    "Each stage's steps open under **{open}**. A link carries the stages open, and the values typed "
    "and the steps revealed in them."
)
WORK_STAGE = "Work these steps"
REVEAL_ALL = "Reveal every step"
HIDE_ALL = "Hide every step"
STAGE_TITLES = {
    "forward": "Forward pass, t = 1..{T}",
    "output": "Output errors ∂L⁽ᵗ⁾/∂o⁽ᵗ⁾",
    "derivative": "Derivatives f′(a⁽ᵗ⁾)",
    "loss_s": "The loss L{S} back through time, k = {s} down to 1",
    "paths": "The paths of ∂L{S}/∂W and ∂L{S}/∂U",
    "full": "Every loss back through time: δ⁽ᵗ⁾ = ∂L/∂a⁽ᵗ⁾",
    "gradients": "The full gradients",
    "update": "One gradient step, lr = {lr}",
}
STAGE_LEADS = {
    "forward": "a⁽ᵗ⁾, h⁽ᵗ⁾, o⁽ᵗ⁾ and the loss of every step, from h⁽⁰⁾ = 0.",
    "output": "Where every backward path starts: how L⁽ᵗ⁾ changes with the output o⁽ᵗ⁾.",
    "derivative": "The factor every backward step through f multiplies by.",
    "loss_s": (
        "δₖ{S} = ∂L{S}/∂a⁽ᵏ⁾ is the error L{S} sends back to step k: through Vᵀ at k = s, then through "
        "Wᵀ and f′ one step at a time."
    ),
    "paths": (
        "Term k of ∂L{S}/∂W is the path L{S} → h{S} → … → h⁽ᵏ⁾ → W: δₖ{S} times the h⁽ᵏ⁻¹⁾ that W "
        "multiplied at step k (x⁽ᵏ⁾ for U). Their sum is the gradient; V's has a single term, "
        "because V acts on h{S} only at step s."
    ),
    "full": (
        "The update uses L = Σₛ L⁽ˢ⁾, not L{S} alone: δ⁽ᵗ⁾ collects what every loss at s ≥ t sends "
        "back to step t."
    ),
    "gradients": "∂L/∂θ = Σₛ ∂L⁽ˢ⁾/∂θ: each weight gradient sums over the steps where the weight was used.",
    "update": "θ ← θ − lr·∂L/∂θ for every parameter, with the full gradient.",
}
YOUR_VALUE = "Your {symbol}"
PLACEHOLDER_SCALAR = "one number"
PLACEHOLDER_VECTOR = "{n} numbers"
PLACEHOLDER_MATRIX = "{rows}×{cols}: rows split by ;"
CHECK = "Check"
REVEAL = "Reveal {symbol}"
RULE = "Rule:"

# --- the verdict --------------------------------------------------------------------------------

VERDICT_CORRECT = (
    "Correct: every entry is within tolerance (largest difference {error}; rtol = {rtol}, atol = {atol})."
)
VERDICT_WRONG = (
    "Not yet: {entries} off by more than the tolerance (largest difference {error}; rtol = {rtol}, "
    "atol = {atol})."
)
VERDICT_TRANSPOSED_SHAPE = "Not yet: your numbers have the shape {got}, the transpose of {symbol}'s {want}."
ENTRY = "({i}, {j})"
ENTRY_VECTOR = "entry {i}"
ENTRIES = ("{entries} is", "{entries} are")
VALUE_OFF = "the value is"
LIKELY = "Most likely: {reason}"
ALSO_MATCHES = "The value also matches: {others}."
UNKNOWN = (
    "No known mistake matches this value within the same tolerance: recheck the arithmetic of the "
    "entries listed."
)
REASONS = {
    "transposed": "a factor is transposed (W for Wᵀ, V for Vᵀ, or h δᵀ for δ hᵀ).",
    "missing_fprime": "the factor f′(a⁽ᵏ⁾) is missing: δ = f′(a) ⊙ ∂L/∂h, at every step back.",
    "wrong_time_index": (
        "the wrong time index: W multiplies h⁽ᵏ⁻¹⁾ at step k (and U multiplies x⁽ᵏ⁾), each f′ belongs to "
        "its own step, and o⁽ᵗ⁾ reads h⁽ᵗ⁾."
    ),
    "last_path_only": (
        "only the last path: the gradient also flows through the earlier steps k < s (or, for δ⁽ᵗ⁾, "
        "from the later losses)."
    ),
    "sign": "the sign is flipped.",
    "mean_not_sum": "a mean where the rule sums: the losses and paths add up, they are not averaged.",
    "one_loss_only": (
        "the gradient of one loss L⁽ˢ⁾ where the update needs ∂L/∂θ = Σₛ ∂L⁽ˢ⁾/∂θ (the homework's "
        "W − lr·∂L⁽³⁾/∂W)."
    ),
    "v_history": "V was given a history: V acts on h⁽ˢ⁾ only at step s, so ∂L⁽ˢ⁾/∂V has a single term.",
    "missing_bias": "the bias (b or c) is missing.",
    "missing_f": "the activation was not applied: a⁽ᵗ⁾ where h⁽ᵗ⁾ = f(a⁽ᵗ⁾) belongs.",
    "fprime_of_a": "f′'s formula was fed a⁽ᵗ⁾: 1 − h² (tanh) and h(1 − h) (sigmoid) take h⁽ᵗ⁾, not a⁽ᵗ⁾.",
    "f_not_fprime": "f(a) was written where f′(a) belongs.",
    "log10": "log₁₀ was used: the cross-entropy takes the natural logarithm ln.",
    "wrong_class": "the loss of another class: L⁽ᵗ⁾ = −ln ŷ⁽ᵗ⁾ at the target class y⁽ᵗ⁾.",
    "missing_half": "the ½ of L⁽ᵗ⁾ = ½‖o⁽ᵗ⁾ − y⁽ᵗ⁾‖² is missing.",
    "no_onehot": "onehot(y⁽ᵗ⁾) was not subtracted: ∂L⁽ᵗ⁾/∂o⁽ᵗ⁾ = ŷ⁽ᵗ⁾ − onehot(y⁽ᵗ⁾).",
    "forgot_lr": "the learning rate is missing: θ − lr·∂L/∂θ.",
}
ANSWER_PROBLEMS = {
    "empty": "Type a value first.",
    "not a number": "“{token}” is not a number.",
    "ragged": "The rows have different lengths.",
    "not finite": "inf and nan are not values of this step: every number of this example is finite.",
}
WRONG_SHAPE = "{symbol} has shape {want}: type {n} number(s). Your value has shape {got}."

# --- the export ---------------------------------------------------------------------------------

EXPORT_HEADER = "4. Take it with you"
EXPORT_LEAD = (
    "The whole worked example, every step with its rule and value: as LaTeX (a complete document) or "
    "as CSV (one row per entry: stage, step, quantity, index, value at full precision)."
)
DOWNLOAD_LATEX = "Download LaTeX"
DOWNLOAD_CSV = "Download CSV"
# the LaTeX document's words: plain ASCII and LaTeX math, so that any LaTeX compiles it
DOC_TITLE = "Worked example: backpropagation through time by hand"
DOC_SETTINGS = (
    r"$H = {H}$, $D = {D}$, $K = {K}$, $T = {T}$, $s = {s}$, activation {activation}, loss {loss}, "
    r"$\mathrm{{lr}} = {lr}$, seed {seed}. Parameters, inputs and targets are rounded to {decimals} "
    r"decimals before use; every other value is computed from them and shown with {digits} decimals."
)
DOC_STAGES = {
    "given": "Given",
    "forward": "Forward pass",
    "output": r"Output errors $\partial L^{{(t)}}/\partial o^{{(t)}}$",
    "derivative": r"Derivatives $f'(a^{{(t)}})$",
    "loss_s": r"The loss $L^{{({s})}}$ back through time",
    "paths": r"The paths of $\partial L^{{({s})}}/\partial W$ and $\partial L^{{({s})}}/\partial U$",
    "full": r"Every loss back through time",
    "gradients": "The full gradients",
    "update": r"One gradient step",
}
CSV_HEADER = ("stage", "step", "quantity", "index", "value")


WORKED_STAGES = tuple(stage for stage in rc.WORKED_STAGES if stage != "given")  # the stages to work


def exercise_summary(ex: rc.WorkedExample) -> str:
    return say(
        EXERCISE,
        H=ex.H,
        D=ex.D,
        K=ex.K,
        T=ex.T,
        S=time_index(ex.s),
        activation=ACTIVATION_LABELS[ex.activation],
        loss=LOSS_LABELS[ex.loss],
        lr=number(ex.lr, "g"),
        seed=ex.seed,
        decimals=ex.decimals,
    )


def targets_note(ex: rc.WorkedExample) -> str:
    return say(TARGETS_CE, last=ex.K - 1) if ex.loss == "softmax_ce" else say(TARGETS_MSE)


def stage_title(stage: str, ex: rc.WorkedExample) -> str:
    return say(STAGE_TITLES[stage], T=ex.T, s=ex.s, S=time_index(ex.s), lr=number(ex.lr, "g"))


def stage_lead(stage: str, ex: rc.WorkedExample) -> str:
    return say(STAGE_LEADS[stage], S=time_index(ex.s))


def entry(step: rc.WorkedStep, value) -> str:
    """One entry of a step as the page writes it: a given value with its own decimals, else
    SHOWN_DECIMALS."""
    digits = SHOWN_DECIMALS if step.decimals is None else step.decimals
    return number(float(value) + 0.0, f".{digits}f")


def rows(step: rc.WorkedStep) -> list[list[str]]:
    """The step's value as rows of text: a scalar [[v]], a vector one column, a matrix its rows."""
    value = step.value
    if value.ndim == 0:
        return [[entry(step, value)]]
    if value.ndim == 1:
        return [[entry(step, v)] for v in value]
    return [[entry(step, v) for v in row] for row in value]


def shape_text(shape: tuple) -> str:
    """(2, 1) → "2×1"; (2,) → "2"; () → "1"."""
    return "×".join(str(n) for n in shape) or "1"


def placeholder(step: rc.WorkedStep) -> str:
    shape = step.value.shape
    if not shape:
        return say(PLACEHOLDER_SCALAR)
    if len(shape) == 1:
        return say(PLACEHOLDER_VECTOR, n=step.value.size)
    return say(PLACEHOLDER_MATRIX, rows=shape[0], cols=shape[1])


def tolerance_lead() -> str:
    return say(
        TOLERANCE_LEAD, rtol=number(rc.HAND_RTOL, "g"), atol=number(rc.HAND_ATOL, "g"), digits=SHOWN_DECIMALS
    )


def _entry_name(index: tuple[int, ...]) -> str:
    one_based = [i + 1 for i in index]
    if len(one_based) == 1:
        return say(ENTRY_VECTOR, i=one_based[0])
    if len(one_based) == 2:
        return say(ENTRY, i=one_based[0], j=one_based[1])
    return ""


def verdict_lines(verdict: rc.Verdict, step: rc.WorkedStep) -> tuple[bool, list[str]]:
    """(correct, the sentences that say the verdict): what is off, by how much, and the likely reason."""
    tol = dict(rtol=number(verdict.rtol, "g"), atol=number(verdict.atol, "g"))
    if verdict.correct:
        return True, [say(VERDICT_CORRECT, error=number(verdict.error, ".2g"), **tol)]
    if verdict.value.shape != verdict.expected.shape:
        lines = [
            say(
                VERDICT_TRANSPOSED_SHAPE,
                got=shape_text(verdict.value.shape),
                want=shape_text(verdict.expected.shape),
                symbol=step.symbol,
            )
        ]
    else:
        names = [n for n in (_entry_name(i) for i in verdict.differs) if n]
        entries = say_n(*ENTRIES, len(names), entries=", ".join(names)) if names else say(VALUE_OFF)
        lines = [say(VERDICT_WRONG, entries=entries, error=number(verdict.error, ".3g"), **tol)]
    if verdict.reason == "unknown":
        lines.append(say(UNKNOWN))
    else:
        lines.append(say(LIKELY, reason=say(REASONS[verdict.reason])))
        others = [say(REASONS[r]) for r in verdict.reasons[1:]]
        if others:
            lines.append(say(ALSO_MATCHES, others=" ".join(others)))
    return False, lines


def answer_problem(problem: str, token: str = "") -> str:
    return say(ANSWER_PROBLEMS[problem], token=token)


def wrong_shape(step: rc.WorkedStep, got: tuple) -> str:
    return say(
        WRONG_SHAPE,
        symbol=step.symbol,
        want=shape_text(step.value.shape),
        n=step.value.size,
        got=shape_text(got),
    )
