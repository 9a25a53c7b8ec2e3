"""Every sentence and label of the reproduction of Hochreiter & Schmidhuber (1997), Table 7.

Templates with named fields, shown through :func:`ui.i18n.say`; :func:`cell_sentence` chooses one
from a :class:`ui.gates.reproduction.CellVerdict`, whose numbers are read from the stored table.
"""

from __future__ import annotations

from collections.abc import Sequence

from ui.format import sci
from ui.i18n import say, say_n

TITLE = "A small reproduction: Hochreiter & Schmidhuber (1997), Table 7"
INTRO = (
    "Hochreiter & Schmidhuber tested the new LSTM on the adding problem: the network reads a long "
    "sequence of values, two of them marked, and must output their sum at the end. A sequence counted "
    "as processed correctly when the absolute error of that output was below 0.04; their Table 7 gives "
    "the training sequences an LSTM needed, and how many of 2560 test sequences it then still got "
    "wrong. Below, the three cells of this page are trained until every held-out test sequence is "
    "correct, at sequence lengths small enough for a laptop."
)
PROVENANCE = (
    "Computed offline, not live: `{command}` ran on {created} with rnn_core {version} and numpy "
    "{numpy_version} ({wall} s in all)."
)
SETUP = (
    "**Setup.** rnn_core's adding problem: values uniform in [0, 1], one marker in each half, target "
    "y = the sum of the two marked values, in [0, 2], scored at step T only. Every run: H = {hidden}, "
    "a fresh batch of B = {batch_size} sequences per step, {optimizer} with lr = {lr}, the gradient's "
    "norm clipped at {threshold}, at most {max_steps} steps ({budget} s). The test set: {test_size} "
    "held-out sequences (seed {test_seed}), scored every {eval_every} steps. A test sequence is correct "
    "when |o⁽ᵀ⁾ − y| < {tolerance}; the criterion is met when all {test_size} are correct. Seeds "
    "{seeds}: each sets the initial parameters and the training batches."
)
DIFFERENCES = (
    "**What differs from the paper.** H&S drew sequences of length T to 1.1·T, the first marker among "
    "the first ten steps; here the length is exactly T with one marker in each half, so the minimal lag "
    "is T − ⌊T/2⌋, about T/2 as in the paper. Their values X lie in [−1, 1] and their target is "
    "0.5 + (X₁ + X₂)/4: with X = 2v − 1 that is exactly half of the target here (v₁ + v₂, in [0, 2]), "
    "so their tolerance 0.04 is 0.08 on this scale; these runs used {tolerance}. H&S trained one LSTM "
    "with 93 weights online, one sequence at a time, stopped on the training error and then counted "
    "wrong test predictions; here every cell takes Adam steps on batches, and the test set itself "
    "decides when a run has met the criterion (checked every {eval_every} steps)."
)
TABLE_CAPTION = (
    "One row per cell and sequence length T, one entry per seed (in the order {seeds}); — where a run "
    "did not meet the criterion. Wrong predictions and the test loss are measured where the run stopped."
)
RUNS_TITLE = "Every run"
REFERENCE_TITLE = "The paper's Table 7, for comparison"
REFERENCE_CAPTION = (
    "{source}. T is the minimal sequence length there; the training sequences are counted until their "
    "stopping criterion, which was on the training error (see below)."
)
UNREADABLE = (
    "The stored reproduction table could not be read: {reason}. It is made by "
    "`OPENBLAS_NUM_THREADS=1 python benchmarks/reproduce_adding.py`."
)

COLUMNS = {
    "cell": "cell",
    "T": "length T",
    "min_lag": "minimal lag",
    "met": "runs meeting the criterion",
    "sequences": "training sequences until met",
    "wrong": "wrong test predictions (of {test_size})",
    "loss_ratio": "test loss / constant predictor's",
    "seed": "seed",
    "stop": "stopped because",
    "steps": "steps run",
    "max_abs_error": "largest |o⁽ᵀ⁾ − y|",
    "seconds": "seconds",
}
REFERENCE_COLUMNS = {
    "T": "T",
    "min_lag": "minimal lag",
    "wrong": "wrong test predictions (of {test_size})",
    "sequences": "training sequences until stopped",
}
STOP_WORDS = {
    "solved": "criterion met",
    "max steps": "step limit",
    "time budget": "time budget",
    "diverged": "diverged (inf or nan)",
}
MET = "{solved} of {runs}"
NOT_MET = "—"

EVERY_RUN = (
    "**{cell}** met the criterion in every run: all {runs} (seeds {seeds} at T = {lags}), after "
    "{fewest} to {most} training sequences."
)
SOME_RUNS = "**{cell}** met the criterion in {solved} of {runs} runs: {per_lag}."
PER_LAG = "{solved} of {seeds} at T = {T}"
NO_RUN_ONE = (
    "**{cell}** did not meet the criterion in its only run; where it stopped its test loss was {low} × "
    "the constant predictor's."
)
NO_RUN = (
    "**{cell}** met the criterion in none of its {n} runs; where they stopped their test loss was "
    "{low} to {high} × the constant predictor's."
)
NO_RUN_DIVERGED = " {diverged} of them diverged."


def count(n: int | None) -> str:
    """An integer with thousands separators (74,000), or — for None."""
    return say(NOT_MET) if n is None else f"{n:,}"


def listing(values: Sequence) -> str:
    """Values as a comma-separated list: 0, 1, 2."""
    return ", ".join(str(v) for v in values)


def _every_run(verdict, cell_label: str) -> str:
    return say(
        EVERY_RUN,
        cell=cell_label,
        runs=verdict.runs,
        seeds=listing(verdict.seeds),
        lags=listing(verdict.lags),
        fewest=count(verdict.fewest_sequences),
        most=count(verdict.most_sequences),
    )


def _some_runs(verdict, cell_label: str) -> str:
    per_lag = "; ".join(say(PER_LAG, solved=solved, seeds=runs, T=T) for T, solved, runs in verdict.per_lag)
    return say(SOME_RUNS, cell=cell_label, solved=verdict.solved, runs=verdict.runs, per_lag=per_lag)


def _no_run(verdict, cell_label: str) -> str:
    low, high = verdict.loss_ratio_range
    sentence = say_n(NO_RUN_ONE, NO_RUN, verdict.runs, cell=cell_label, low=sci(low, 2), high=sci(high, 2))
    if verdict.diverged:
        sentence += say(NO_RUN_DIVERGED, diverged=verdict.diverged)
    return sentence


_BY_OUTCOME = {"every run": _every_run, "some runs": _some_runs, "no run": _no_run}


def cell_sentence(verdict, cell_label: str) -> str:
    """The sentence for one cell, chosen by ``verdict.outcome`` (a
    :class:`ui.gates.reproduction.Outcome`) and filled with the verdict's own numbers."""
    return _BY_OUTCOME[verdict.outcome](verdict, cell_label)
