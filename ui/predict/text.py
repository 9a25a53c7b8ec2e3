"""Every sentence of "predict, then reveal": the questions, their options, the reveals and the
misconceptions, as templates with named fields filled from a :class:`rnn_core.Prediction`'s facts.

The answer and the misconception come from rnn_core (``prediction.answer``,
``prediction.misconception(response)``); this module only says them.
"""

from __future__ import annotations

import math

import rnn_core as rc
from ui.format import number, pow10_plain, sci, superscript, time_index
from ui.i18n import say
from ui.state import ACTIVATION_LABELS

PREDICT = "Predict first"
COMMIT = "Commit"
YOUR_ANSWER = "Your prediction"
COMMITTED = "Your prediction: {response}. Train the run: the reveal comes with its result."
PICK_FIRST = "Choose an answer (or type a number) before you commit."
RIGHT = "Right."
WRONG = "Not this time."
YOU_SAID = "You predicted: {response}. The computed answer: {answer}."
YOU_SAID_RIGHT = "You predicted: {response}, which is what the page computes."
TEMPTING = "**Why “{option}” is tempting, and why it is wrong here.** {why}"
SCORE_NOTE = "A link does not carry your answers or your score."
NOT_ASKED = "No prediction here: for this network the numbers that would decide it are zero or not finite."
NUMBER_HELP = "A number; within ±{tol} counts as right."
CHANGED = "The question is asked again when you change what it depends on."

# --- the questions ----------------------------------------------------------------------------

QUESTIONS = {
    "regime": (
        "With {name}, σ_max(W) = {sigma} and ρ(W) = {rho} (so γ·σ_max(W) = {base}) and T = {T}: "
        "over the whole sequence, what does ‖∂h{tT}/∂h⁽⁰⁾‖₂ do?"
    ),
    "clip_long_range": (
        "Clip the gradient by its norm at c = {threshold} (‖∂L/∂θ‖ = {norm_before}). Before clipping, "
        "the paths across a distance s − k ≥ τ = {tau} carry {share_before} of ‖∂L/∂W‖. After "
        "clipping, that share…"
    ),
    "transient": (
        "This W has spectral radius ρ(W) = {rho} < 1 and σ_max(W) = {sigma}. For n = 1 to {n_max}, "
        "what does ‖Wⁿ‖₂ do?"
    ),
    "peak": "γ = sup|{name}′| = {gamma}. Does {name}′(a) ever equal {gamma}?",
    "gamma_power": (
        "A gradient crossing k = {k} steps is multiplied by k derivatives f′(a⁽ʲ⁾) of {name} (and by W "
        "each time). What is log₁₀ of the largest value f′(a⁽¹⁾)·…·f′(a⁽ᵏ⁾) can take?"
    ),
    "product": (
        "In this network ({name}, T = {T}, σ_max(W) = {sigma}), take the largest derivative of each "
        "step, maxᵢ f′(a⁽ʲ⁾ᵢ), multiply them over the {T} steps and by σ_max(W)ᵀ. That bounds "
        "‖∂h{tT}/∂h⁽⁰⁾‖₂. The bound is…"
    ),
    "batch_sum": (
        "L sums the losses of the batch (here B = {B} sequence). Put the same sequence in the batch "
        "twice (B = {B2}). What does ‖∂L/∂θ‖ (U, W, V, b and c together) do?"
    ),
    "next_step": "Take one step θ ← θ − lr·∂L/∂θ with lr = {lr}, from L = {loss_now}. After it, L…",
    "keeper": (
        "The three cells run on one sequence of T = {T} steps. Which one keeps the largest "
        "‖∂x{tT}/∂x⁽⁰⁾‖₂, the error carried from the last step back to the first?"
    ),
    "carousel": (
        "The LSTM's “conveyor belt” is the direct path Πⱼ diag(f⁽ʲ⁾) of the forget gates. Over this "
        "sequence (T = {T}), does it stay within {tol} decades of the exact ∂s{tT}/∂s⁽ᵀ⁻ᵈ⁾ at every d?"
    ),
    "forget": (
        "With forget-gate bias b^f = {bias} (so f = σ(b^f) = {at_rest} at rest), does the LSTM's best "
        "unit keep an error across all T = {T} steps, Πⱼ f⁽ʲ⁾ᵢ above 10^(−{tol})?"
    ),
    "truncation": (
        "This run trains with {bptt} (T = {T}). Does its gradient keep any path across ⌊T/2⌋ = {half} "
        "steps or more, the long-range part the lab measures?"
    ),
    "bound": (
        "This run starts with {name} and σ_max(W) = {sigma} (γ·σ_max(W) = {base}). What does the bound "
        "(γ·σ_max(W))ᵈ allow across the d = {d} steps from the first input to the last loss?"
    ),
    "learning": (
        "Before you train it: how will this run end? (“Learned” means a loss well below the baseline, "
        "the loss of a predictor that ignores the input.)"
    ),
    "zero_term": (
        "∂L{ts}/∂{wrt} splits into {s} path terms, one through each step k = 1..{s}. "
        "Which of them are exactly 0?"
    ),
}
TRUNCATED = "BPTT truncated to τ = {tau} steps"
FULL_BPTT = "full BPTT"
NUMBER_LABEL = {"gamma_power": "log₁₀ of the largest product"}

OPTIONS = {
    "regime": {
        "shrinks": "It shrinks below 1/10 (vanishes)",
        "neither": "It stays between 1/10 and 10",
        "grows": "It grows above 10 (explodes)",
    },
    "clip_long_range": {
        "rises": "rises: clipping rescues the long-range paths",
        "same": "stays the same",
        "falls": "falls: clipping removes the far paths",
    },
    "transient": {
        "decays": "It decays from the start, since ρ(W) < 1",
        "rises_then_decays": "It first rises above ‖W‖₂, then decays",
        "grows": "It grows without end, since σ_max(W) > 1",
    },
    "peak": {
        "below": "No: it only approaches {gamma}, never reaches it",
        "reached": "Yes: exactly {gamma} at some a",
        "above": "It goes above {gamma} somewhere",
    },
    "product": {
        "cut": "exactly 0: at some step every f′ = 0",
        "shrinks": "below 1: the gradient across the sequence must shrink",
        "cannot_grow": "1 (up to rounding): it cannot grow",
        "may_grow": "above 1: growth is allowed",
    },
    "batch_sum": {"double": "It doubles", "same": "It stays the same", "half": "It halves"},
    "next_step": {"down": "goes down", "same": "stays the same", "up": "goes up"},
    "keeper": {"rnn": "the tanh RNN", "lstm": "the LSTM", "gru": "the GRU", "similar": "two of them tie"},
    "carousel": {"holds": "Yes: Πf is the whole story", "parts": "No: the exact Jacobian parts from it"},
    "forget": {"keeps": "It keeps it", "forgets": "It forgets it"},
    "truncation": {
        "keeps": "Yes: some path reaches that far back",
        "drops": "No: truncation cuts every such path",
    },
    "bound": {
        "vanishes": "It forces the gradient to vanish",
        "cannot_grow": "It is 1: the gradient cannot grow",
        "may_grow": "It allows growth: explosion is possible",
    },
    "learning": {
        "learned": "It learns the task",
        "partly": "It learns part of it",
        "not learned": "It does not learn: it stays near the baseline",
        "diverged": "It diverges: the loss or gradient overflows",
    },
    "zero_term": {
        "first": "Only the term through k = 1",
        "last": "Only the immediate term, k = s = {s}",
        "none": "None of them",
        "other": "Some other terms (or several)",
    },
}
ONLY_TERM = "The one term (k = s = 1)"

# --- the reveals: why the answer is what it is, with the numbers -------------------------------

REVEALS = {
    ("regime", "shrinks"): ("‖∂h{tT}/∂h⁽⁰⁾‖₂ = {norm}: {decades} decades down over {T} steps, below 1/10. "),
    ("regime", "zero"): (
        "‖∂h{tT}/∂h⁽⁰⁾‖₂ is exactly 0: at some step every unit had f′ = 0, which cuts every path. "
    ),
    ("regime", "neither"): "‖∂h{tT}/∂h⁽⁰⁾‖₂ = {norm}: within a factor 10 of 1 after {T} steps. ",
    ("regime", "grows"): "‖∂h{tT}/∂h⁽⁰⁾‖₂ = {norm}: {decades} decades up over {T} steps, above 10. ",
    ("clip_long_range", "same"): (
        "Clipping by norm multiplies the whole gradient by one factor ({scale}), so every distance "
        "scales alike: the share is {share_after} after, {share_before} before. Clipping bounds the "
        "step; it cannot bring back a part that vanished."
    ),
    ("transient", "rises_then_decays"): (
        "‖Wⁿ‖₂ peaks at n = {peak_n}, {growth} times ‖W‖₂, before ρ(W)ⁿ wins: at n = {n_max} it is "
        "{last}. ρ(W) decides the end, σ_max(W) bounds the start."
    ),
    ("transient", "decays"): "‖Wⁿ‖₂ never rises above ‖W‖₂: at n = {n_max} it is {last}.",
    ("transient", "grows"): "‖Wⁿ‖₂ keeps growing: at n = {n_max} it is {last}, as ρ(W) = {rho} ≥ 1 allows.",
    ("peak", "reached"): (
        "On {points} points of [−{a_max}, {a_max}], 0 among them, the largest {name}′ is {sup}, reached "
        "{where}; {name}′(0) = {at_zero}. "
    ),
    ("peak", "below"): "On {points} points of [−{a_max}, {a_max}] the largest {name}′ is {sup} < {gamma}.",
    ("peak", "above"): "On {points} points of [−{a_max}, {a_max}] the largest {name}′ is {sup} > {gamma}.",
    ("gamma_power", None): (
        "The largest product is γᵏ = {gamma}{k_sup} = {power}, so log₁₀ = {k}·log₁₀ {gamma} = {value}: "
        "every a⁽ʲ⁾ = 0 reaches it, and any other a makes it smaller. "
    ),
    ("product", None): (
        "Πⱼ maxᵢ f′(a⁽ʲ⁾ᵢ) = {prod} (the best case γᵀ is {gamma_power}) and σ_max(W)ᵀ = {sigma_power}: "
        "the bound is {bound}. "
    ),
    ("batch_sum", "double"): (
        "Computed: ‖∂L/∂θ‖ = {n1} for the sequence, {n2} for it twice, ×{ratio}. L adds the losses "
        "of the batch ({loss1} becomes {loss2}), so every gradient adds up: the same lr takes a "
        "step twice as long."
    ),
    ("next_step", "down"): (
        "After the step L = {loss_next} (change {change}): −lr·∂L/∂θ points downhill and lr = {lr} "
        "is small enough not to overshoot. Press “Take a step” to see it."
    ),
    ("next_step", "up"): (
        "After the step L = {loss_next} (change {change}): the step points downhill, but lr = {lr} is "
        "too long for the curvature here and it overshoots. Press “Take a step” to see it."
    ),
    ("next_step", "overflow"): (
        "After the step L is not a finite number: the step overflowed float64. The gradient was a "
        "local slope; lr = {lr} went far past where it holds."
    ),
    (
        "next_step",
        "same",
    ): "After the step L = {loss_next}: the gradient is (almost) 0, there is nothing to descend.",
    ("keeper", None): (
        "At d = T = {T}: log₁₀‖∂x{tT}/∂x⁽⁰⁾‖₂ is {rnn} for the RNN, {lstm} for the LSTM and {gru} for "
        "the GRU (two within {tol} decade of each other would be a tie). "
    ),
    ("carousel", "holds"): (
        "At every distance the exact ∂s{tT}/∂s⁽ᵀ⁻ᵈ⁾ stays within {tol} decades of Πf: at d = T they are "
        "{exact} and {direct}. The indirect paths through h⁽ʲ⁻¹⁾ into the gates add little here."
    ),
    ("carousel", "parts"): (
        "They part at d = {first_apart}: at d = T the exact one is {exact}, Πf {direct}, {gap} decades "
        "apart. The indirect paths through h⁽ʲ⁻¹⁾ into the gates and the candidate add to the direct one."
    ),
    ("forget", "keeps"): (
        "The best unit's Πⱼ f⁽ʲ⁾ᵢ over {T} steps is {best} (the median unit's {median}): the forget "
        "gates' geometric mean is {geometric_mean}, halving an error every {half_life} steps."
    ),
    ("forget", "forgets"): (
        "Even the best unit's Πⱼ f⁽ʲ⁾ᵢ over {T} steps is {best}, below 10^(−{tol}): the forget gates' "
        "geometric mean is {geometric_mean}, halving an error every {half_life} steps. Raise b^f to keep more."
    ),
    ("truncation", "full"): "Full BPTT keeps every path, up to T − 1 = {longest} steps back.",
    ("truncation", "keeps"): (
        "Truncation keeps the paths with s − k < τ: with τ = {tau} the longest kept path spans {kept} "
        "steps, at least ⌊T/2⌋ = {half}."
    ),
    ("truncation", "drops"): (
        "Truncation keeps the paths with s − k < τ: with τ = {tau} the longest kept path spans {kept} "
        "steps, fewer than ⌊T/2⌋ = {half}. The gradient holds no trace of inputs that far back, so the "
        "run cannot learn a dependency that long from it."
    ),
    ("bound", None): "(γ·σ_max(W)){d_sup} = {bound}, with γ = {gamma} and σ_max(W) = {sigma}. ",
    ("bound", "vanishes"): (
        "Every path that long is multiplied by at most that: at the start the long-range gradient must "
        "vanish (training can change W)."
    ),
    ("bound", "cannot_grow"): (
        "The bound is 1: no growth, and f′ below γ away from a = 0 makes the gradient shrink."
    ),
    ("bound", "may_grow"): (
        "The bound allows growth; whether the gradient explodes depends on f′ along the run: the "
        "gradient-norm chart shows what happened."
    ),
    ("learning", "learned"): (
        "Over its last {window} steps the loss is {ratio} times the baseline: the run learned the task."
    ),
    ("learning", "partly"): (
        "Over its last {window} steps the loss is {ratio} times the baseline: below it, not solved. The "
        "run learned part of the task, often the part that needs no memory."
    ),
    ("learning", "not learned"): (
        "Over its last {window} steps the loss is {ratio} times the baseline: no better than ignoring "
        "the input. The run did not learn."
    ),
    ("learning", "diverged"): "The run diverged: its loss or gradient stopped being a finite number.",
    ("zero_term", "h0"): (
        "Term k of ∂L{ts}/∂W is δₖ{ts} h⁽ᵏ⁻¹⁾ᵀ: through k = 1 it multiplies h⁽⁰⁾ = 0, so it is exactly "
        "0 in every network. "
    ),
    ("zero_term", "delta"): (
        "Exactly 0 here: k = {zero}. Such a term has δₖ{ts} = 0: every unit it passes had f′ = 0 "
        "(ReLU units off). "
    ),
    ("zero_term", "none"): "No term is exactly 0: the smallest is {smallest}, the largest {largest}. ",
    ("zero_term", "rest"): "Every other term is non-zero: the smallest is {smallest}.",
}
BOUND_REASON = {
    "vanishes": "The bound forces it: (γ·σ_max(W))ᵀ = {bound} with γ·σ_max(W) = {base} < 1.",
    "cannot_grow": (
        "The bound (γ·σ_max(W))ᵀ is 1: the norm cannot grow, and every f′ below γ = {gamma} (any a ≠ 0) "
        "pulls it down."
    ),
    "may_grow": (
        "The bound (γ·σ_max(W))ᵀ = {bound} allows growth; it is a ceiling, not the value: the "
        "factors diag(f′(a⁽ʲ⁾))·W decided the rest."
    ),
    "zero": "W = 0: every Jacobian across a step is 0.",
    "unbounded": "σ_max(W) is not finite: the bound says nothing.",
    "undefined": "",
}
PEAK_RANGE = (
    "So the range of {name}′ is (0, {gamma}]: closed at the top, not (0, {gamma}) as the homework writes."
)
PEAK_WHERE = {"zero": "at a = 0", "point": "at a = {lo}", "span": "for every a from {lo} to {hi}"}
GAMMA_ONE = "With γ = 1 the best case stays at 1: products of {name}′ shrink only because units leave a = 0."
PRODUCT_VERDICT = {
    "cut": "At step {cut_step} every unit had f′ = 0: the Jacobian across it is exactly 0.",
    "shrinks": "Below 1: ‖∂h{tT}/∂h⁽⁰⁾‖₂ must be smaller than 1, whatever the inputs did.",
    "cannot_grow": "1 within rounding ({tolerance} decades): the norm cannot grow.",
    "may_grow": "Above 1: growth is allowed, not certain.",
}

# --- the misconceptions: why a wrong option tempts, and why it is wrong here -------------------

MISCONCEPTION = {
    "sigma_above_one": (
        "σ_max(W) = {sigma} > 1 looks like explosion. But the derivatives multiply in: the bound's "
        "base is γ·σ_max(W) = {base}, and even above 1 it only allows growth. Here: {outcome}."
    ),
    "rho_for_sigma": (
        "ρ(W) = {rho} reads like the rate per step. It decides only the long run: for a non-normal W "
        "the norms follow σ_max(W) = {sigma} first, and f′ multiplies in. Here: {outcome}."
    ),
    "derivative_below_one": (
        "“f′ < γ everywhere, so products shrink”. But f′(0) = γ = {gamma} exactly, and W multiplies "
        "every step (σ_max(W) = {sigma}). Here: {outcome}."
    ),
    "relu_explodes": (
        "ReLU′ = 1 on active units removes the damping, but it does not make the gradient grow: W "
        "decides (σ_max(W) = {sigma}), and units with ReLU′ = 0 cut paths. Here: {outcome}."
    ),
    "bound_is_the_norm": ("The bound (γ·σ_max(W))ᵀ = {bound} is a ceiling, not the value. Here: {outcome}."),
    "clipping_cures_vanishing": (
        "Clipping is “the remedy”, but for exploding gradients: it only shrinks ∂L/∂θ, every part by "
        "the same factor ({scale}), so a long-range part that vanished stays as small, relatively."
    ),
    "clipping_cuts_far": (
        "In an exploding network the far paths are the large ones, but clipping by norm does not look "
        "inside the gradient: one factor ({scale}) for every distance. (Clipping each entry does "
        "change the direction.)"
    ),
    "mean_for_sum": (
        "Many libraries average the loss over the batch, and then it would not change. Here L sums "
        "over the batch (as the formulas above do), so a larger batch gives a larger gradient for the "
        "same lr."
    ),
    "descent_always_lowers": (
        "−∂L/∂θ points downhill, but only near θ: lr = {lr} stepped past the valley and L changed by "
        "{change}."
    ),
    "every_path_counts": (
        "Every step lies on a path, but a path term is a product: one zero factor (h⁽⁰⁾ = 0 for W's "
        "first term, δₖ = 0 for a step with every unit off) makes it exactly 0."
    ),
    "gates_always_keep": (
        "Gates are “the cure for vanishing gradients”, but only while they stay open: the additive path "
        "keeps an error only as far as the product of the gate values f⁽ʲ⁾ (or u⁽ʲ⁾) does. {outcome}."
    ),
    "carousel_is_exact": (
        "The conveyor belt is the picture textbooks draw, but s⁽ᵗ⁾ also depends on s⁽ᵗ⁻¹⁾ through h⁽ᵗ⁻¹⁾ "
        "and the gates: here the exact Jacobian and Πf are {gap} decades apart at d = T."
    ),
    "truncation_trims_noise": (
        "Truncation is often described as cutting only far terms that are tiny anyway. Here it cuts "
        "every path of {half} steps or more, the ones the task's answer needs."
    ),
    "vanished_is_zero": (
        "A vanishing term is small, not zero: the smallest here is {smallest}. Exactly 0 needs a zero "
        "factor (h⁽⁰⁾ = 0, or f′ = 0 for every unit at a step), and float64 keeps numbers down to "
        "10⁻³⁰⁸."
    ),
}
OUTCOME = {
    "regime": "‖∂h{tT}/∂h⁽⁰⁾‖₂ = {norm} after {T} steps",
    "product": "the bound is {bound}",
    "bound": "(γ·σ_max(W)){d_sup} = {bound}",
    "forget": "Here the best unit keeps {best} over {T} steps",
    "transient": "‖Wⁿ‖₂ peaks at n = {peak_n}, {growth} times ‖W‖₂, and is {last} at n = {n_max}",
}
# a misconception said differently for one question
MISCONCEPTION_FOR = {
    ("transient", "sigma_above_one"): (
        "σ_max(W) = {sigma} > 1 bounds ‖Wⁿ‖₂ by σ_max(W)ⁿ, a ceiling that grows without end; but "
        "ρ(W) = {rho} < 1 forces ‖Wⁿ‖₂ → 0 in the end. Here: {outcome}."
    ),
    ("product", "vanished_is_zero"): (
        "A tiny product reads as zero, but Πⱼ maxᵢ f′(a⁽ʲ⁾ᵢ) = {prod} is small, not 0: exactly 0 needs a "
        "step where every unit has f′ = 0 (ReLU units all off)."
    ),
    ("learning", "clipping_cures_vanishing"): (
        "Clipping is “the remedy”, but for exploding gradients: it caps a step's length and cannot "
        "bring back an error that vanished over the task's lag. This run is clipped and did not learn "
        "the task."
    ),
    ("peak", "derivative_below_one"): (
        "The homework writes the range of tanh′ as (0, 1): “below 1 everywhere”. But {name}′(0) = "
        "{at_zero} exactly: the top is reached. That is why γ = {gamma} is the bound, and why a product "
        "of k derivatives can be as large as γᵏ."
    ),
}
MISCONCEPTION_NUMBER = {
    "derivative_below_one": (
        "“{name}′ < 1, so a product of {k} of them must be far below 1”. But {name}′(0) = 1 exactly: "
        "the best case is 1ᵏ = 1, log₁₀ = 0."
    ),
}


def _norm(log_value: float) -> str:
    """A norm given by its log₁₀: 3.2·10⁻⁴ while float64 holds it, else 10^(…)."""
    if math.isfinite(log_value) and abs(log_value) < 300:
        return sci(10.0**log_value)
    return pow10_plain(log_value)


def _fields(pred: rc.Prediction) -> dict:
    """Every field a template of ``pred`` may use, formatted."""
    f = pred.facts
    out = {
        "name": ACTIVATION_LABELS.get(f.get("activation", ""), f.get("activation", "")),
        "gamma": number(f.get("gamma", float("nan")), "g"),
        "sigma": number(f.get("sigma_max", float("nan")), ".4g"),
        "rho": number(f.get("rho", float("nan")), ".4g"),
    }
    if pred.key == "regime":
        out.update(
            T=f["T"],
            tT=time_index(f["T"]),
            base=f["base_shown"],
            bound=_norm(f["bound_log"]),
            norm=_norm(f["log_norm"]),
            decades=number(abs(f["log_norm"]), ".3g"),
        )
        out["outcome"] = say(OUTCOME["regime"], **out)
    elif pred.key == "clip_long_range":
        out.update(
            threshold=number(f["threshold"], "g"),
            norm_before=sci(f["norm_before"]),
            tau=f["tau"],
            share_before=f"{f['share_before']:.1%}",
            share_after=f"{f['share_after']:.1%}",
            scale="×" + sci(f["scale"]),
        )
    elif pred.key == "transient":
        out.update(
            peak_n=f["peak_n"],
            growth=number(f["growth"], ".3g"),
            n_max=f["n_max"],
            last=_norm(f["last_log_norm"]),
        )
        out["outcome"] = say(OUTCOME["transient"], **out)
    elif pred.key == "peak":
        out.update(
            points=number(2 * rc.predictions.PEAK_HALF + 1, ","),
            a_max=number(f["a_max"], "g"),
            sup=number(f["sup"], ".17g"),
            at_zero=number(f["at_zero"], ".17g"),
            lo=number(f["sup_lo"], "g"),
            hi=number(f["sup_hi"], "g"),
        )
    elif pred.key == "gamma_power":
        out.update(
            k=f["k"], k_sup=superscript(f["k"]), value=number(f["value"], ".4g"), power=_norm(f["value"])
        )
    elif pred.key == "product":
        out.update(
            T=f["T"],
            tT=time_index(f["T"]),
            prod=_norm(f["log10_prod_max"]),
            gamma_power=_norm(f["log10_gamma_power"]),
            sigma_power=_norm(f["log10_sigma_power"]),
            bound=_norm(f["log10_bound"]),
            tolerance=sci(f["tolerance"]),
            cut_step=f["cut_step"],
            base=number(f["gamma"] * f["sigma_max"], ".4g"),
        )
        out["outcome"] = say(OUTCOME["product"], **out)
    elif pred.key == "batch_sum":
        out.update(
            B=f["B"],
            B2=2 * f["B"],
            n1=sci(f["norm_one"]),
            n2=sci(f["norm_two"]),
            ratio=number(f["ratio"], ".6g"),
            loss1=sci(f["loss_one"], 6),
            loss2=sci(f["loss_two"], 6),
        )
    elif pred.key == "next_step":
        out.update(
            lr=number(f["lr"], "g"),
            loss_now=sci(f["loss_now"], 6),
            loss_next=sci(f["loss_next"], 6),
            change=("+" if f["change"] > 0 else "") + sci(f["change"], 3),
        )
    elif pred.key == "keeper":
        out.update(
            T=f["T"],
            tT=time_index(f["T"]),
            tol=number(f["tolerance"], "g"),
            **{c: number(f[f"log_norm_{c}"], ".3g") for c in ("rnn", "lstm", "gru")},
        )
        out["outcome"] = say(REVEALS[("keeper", None)], **out).strip()
    elif pred.key == "carousel":
        out.update(
            T=f["T"],
            tT=time_index(f["T"]),
            tol=number(f["tolerance"], "g"),
            first_apart=f["first_apart"],
            exact=_norm(f["exact_end"]),
            direct=_norm(f["direct_end"]),
            gap=number(abs(f["gap_at_end"]), ".3g"),
        )
    elif pred.key == "forget":
        out.update(
            T=f["T"],
            bias=number(f["bias"], "g"),
            at_rest=number(f["at_rest"], ".3g"),
            tol=number(f["tolerance"], "g"),
            best=_norm(f["best_end"]),
            median=_norm(f["median_end"]),
            mean=number(f["mean"], ".3g"),
            geometric_mean=number(f["geometric_mean"], ".3g"),
            half_life=number(f["half_life"], ".3g"),
        )
        out["outcome"] = say(OUTCOME["forget"], **out)
    elif pred.key == "truncation":
        out.update(
            T=f["T"],
            tau=f["tau"],
            half=f["half"],
            longest=f["longest"],
            kept=max(f["tau"] - 1, 0),
            bptt=say(TRUNCATED, tau=f["tau"]) if f["tau"] else say(FULL_BPTT),
        )
    elif pred.key == "bound":
        out.update(
            d=f["distance"],
            d_sup=superscript(f["distance"]),
            base=f["base_shown"],
            bound=_norm(f["bound_log"]),
        )
        out["outcome"] = say(OUTCOME["bound"], **out)
    elif pred.key == "learning" and not f["pending"]:
        out.update(window=f["window"], ratio=number(f["final_ratio"], ".3g"))
    elif pred.key == "zero_term":
        out.update(
            s=f["s"],
            ts=time_index(f["s"]),
            wrt=f["wrt"],
            zero=", ".join(str(k) for k in f["zero"]),
            smallest=sci(f["smallest"]),
            largest=sci(f["largest"]),
        )
    return out


def question(pred: rc.Prediction) -> str:
    return say(QUESTIONS[pred.key], **_fields(pred))


def option(pred: rc.Prediction, key: str) -> str:
    """The label of option ``key``; of a number question, the number."""
    if pred.options is None:
        return number(float(key), ".4g")
    if pred.key == "zero_term" and key == "first" and pred.facts["s"] == 1:
        return say(ONLY_TERM)
    return say(OPTIONS[pred.key][key], **_fields(pred))


def number_label(pred: rc.Prediction) -> str:
    return say(NUMBER_LABEL[pred.key])


def number_help(pred: rc.Prediction) -> str:
    return say(NUMBER_HELP, tol=number(pred.tolerance, "g"))


def committed(pred: rc.Prediction, response) -> str:
    return say(COMMITTED, response=option(pred, response))


def you_said(pred: rc.Prediction, response) -> str:
    if pred.is_right(response) and pred.options is not None:
        return say(YOU_SAID_RIGHT, response=option(pred, response))
    return say(YOU_SAID, response=option(pred, response), answer=option(pred, pred.answer))


def reveal(pred: rc.Prediction) -> str:
    """Why the answer is what it is, with the numbers that decide it."""
    f, fields, key = pred.facts, _fields(pred), pred.key
    if key == "regime":
        which = "zero" if f["regime"] == "zero" else pred.answer
        return say(REVEALS[(key, which)], **fields) + say(BOUND_REASON[f["bound_kind"]], **fields)
    if key == "peak":
        lo, hi = f["sup_lo"], f["sup_hi"]
        where = "zero" if lo == hi == 0.0 else "point" if lo == hi else "span"
        text = say(REVEALS[(key, pred.answer)], where=say(PEAK_WHERE[where], **fields), **fields)
        if pred.answer == "reached" and f["activation"] in ("tanh", "sigmoid"):
            text += say(PEAK_RANGE, **fields)
        return text
    if key == "gamma_power":
        text = say(REVEALS[(key, None)], **fields)
        return text + (say(GAMMA_ONE, **fields) if f["gamma"] == 1.0 else "")
    if key == "product":
        return say(REVEALS[(key, None)], **fields) + say(PRODUCT_VERDICT[pred.answer], **fields)
    if key == "next_step":
        return say(REVEALS[(key, "overflow" if f["overflow"] else pred.answer)], **fields)
    if key == "keeper":
        return say(REVEALS[(key, None)], **fields)
    if key == "truncation":
        return say(REVEALS[(key, pred.answer if f["tau"] else "full")], **fields)
    if key == "bound":
        return say(REVEALS[(key, None)], **fields) + say(REVEALS[(key, pred.answer)], **fields)
    if key == "zero_term":
        parts = []
        zero = f["zero"]
        if f["wrt"] == "W" and 1 in zero:
            parts.append(say(REVEALS[(key, "h0")], **fields))
        others = [k for k in zero if not (f["wrt"] == "W" and k == 1)]
        if others:
            parts.append(say(REVEALS[(key, "delta")], **{**fields, "zero": ", ".join(map(str, others))}))
        if not zero:
            parts.append(say(REVEALS[(key, "none")], **fields))
        elif f["s"] > len(zero):
            parts.append(say(REVEALS[(key, "rest")], **fields))
        return "".join(parts)
    return say(REVEALS[(key, pred.answer)], **fields)


def tempting(pred: rc.Prediction, response) -> str | None:
    """Why the wrong ``response`` tempts and why it is wrong here, when rnn_core names a misconception."""
    name = pred.misconception(response)
    if name is None:
        return None
    fields = _fields(pred)
    if pred.options is None:
        why = say(MISCONCEPTION_NUMBER[name], **fields)
        return say(TEMPTING, option=option(pred, response), why=why)
    template = MISCONCEPTION_FOR.get((pred.key, name), MISCONCEPTION[name])
    return say(TEMPTING, option=option(pred, response), why=say(template, **fields))
