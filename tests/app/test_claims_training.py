"""Claims audit of the Training lab: the page rendered with AppTest after Train over a grid of runs,
every verdict it states read back and checked against an independent computation written here.

For each run the test trains the same network again with rnn_core.train (parameters built here, not
by the page's calls) and applies each rule written out again with plain loops: the learning verdict
(learned / partly / not learned / diverged / no baseline) and its ratio, the steps clipped (‖g‖ over
the threshold), the final σ_max(W) (an SVD of the final W), why a diverged run stopped and what
norm clipping would have allowed (σ_max(W_k) ≤ σ_max(W_0) + k·lr·c), whether truncation reaches the
distant input (its lags read from the batches themselves) and what the long-range share measures
(the distance terms summed over d ≥ ⌊T/2⌋).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import rnn_core as rc
from tests.app.helpers import open_app, widget
from ui.format import number
from ui.training import text

PAGE = "app_pages/training.py"
TASKS = {"remember-first": "remember_first", "adding": "adding_problem"}
ACTS = {"tanh": "tanh", "ReLU": "relu", "linear": "linear"}
CELLS = {"RNN": "rnn", "LSTM": "lstm", "GRU": "gru"}
OPTS = {"SGD": "sgd", "Adam": "adam", "momentum": "momentum"}

# Each run as the link a student would open (the page's keys and the sidebar's), small and quick.
GRID = {
    "learned": dict(tT="3", tsteps="100", tB="16", H="8", tlr="1.0"),
    "partly": dict(tT="3", tsteps="60", tB="16", H="8", topt="Adam", tlr="0.01"),
    "adding partly": dict(task="adding", tT="4", tsteps="100", tB="16", H="8", topt="Adam", tlr="0.03"),
    "tiny, B = 2": dict(tT="4", tsteps="10", tB="2", H="4"),
    "B = 1": dict(task="adding", tT="6", tsteps="10", tB="1", H="4"),
    "B = 2, one answer": dict(tT="4", tsteps="10", tB="2", H="4", seed="2"),
    "ReLU σ=3, no clip": dict(tT="10", tsteps="30", tB="8", H="16", act="ReLU", scale="3"),
    "ReLU σ=3, norm clip": dict(tT="10", tsteps="30", tB="8", H="16", act="ReLU", scale="3", tclip="norm"),
    "elementwise clip": dict(tT="5", tsteps="10", tB="4", H="4", tclip="elementwise", tthr="0.1"),
    "overflow at once": dict(task="adding", tT="200", tsteps="10", tB="2", H="4", act="linear", scale="8"),
    "τ = 6 < T − 1": dict(tT="10", ttau="6", tsteps="10", tB="2", H="4"),
    "τ = 1": dict(tT="6", ttau="1", tsteps="10", tB="2", H="4"),
    "adding τ = 8, T odd": dict(task="adding", tT="11", ttau="8", tsteps="10", tB="4", H="4"),
    "τ = T": dict(tT="5", ttau="5", tsteps="10", tB="2", H="4"),
    "LSTM": dict(task="adding", tcell="LSTM", tT="6", tsteps="10", tB="4", H="4", topt="Adam", tlr="0.01"),
}


def settings_of(query: dict) -> dict:
    """The run the link asks for, read from the link itself with the page's defaults written out."""
    q = dict(query)
    tau = int(q.get("ttau", 0))
    T = int(q.get("tT", 10))
    clip = q.get("tclip", "none")
    return dict(
        task=TASKS[q.get("task", "remember-first")],
        T=T,
        cell=CELLS[q.get("tcell", "RNN")],
        activation=ACTS[q.get("act", "tanh")] if q.get("tcell", "RNN") == "RNN" else "tanh",
        H=int(q.get("H", 16)),
        w_scale=float(q.get("scale", 1.0)),
        clip=None if clip == "none" else clip,
        threshold=float(q.get("tthr", 1.0)),
        tau=None if tau == 0 or tau >= T else tau,
        optimizer=OPTS[q.get("topt", "SGD")],
        lr=float(q.get("tlr", 0.1)),
        steps=int(q.get("tsteps", 300)),
        B=int(q.get("tB", 32)),
        seed=int(q.get("seed", 0)),
    )


def retrain(s: dict) -> rc.TrainResult:
    """The run trained again here: the network built from rnn_core's own inits, not the page's calls."""
    D, K = (2, 1) if s["task"] == "adding_problem" else (4, 4)
    init = dict(w_init="orthogonal", w_scale=s["w_scale"], seed=s["seed"])
    if s["cell"] == "lstm":
        params = rc.LSTMParams.init(D, s["H"], K, forget_bias=1.0, **init)
    elif s["cell"] == "gru":
        params = rc.GRUParams.init(D, s["H"], K, **init)
    else:
        params = rc.RNNParams.init(D, s["H"], K, **init)
    return rc.train(
        params,
        s["task"],
        T=s["T"],
        activation=s["activation"],
        optimizer=s["optimizer"],
        lr=s["lr"],
        steps=s["steps"],
        batch_size=s["B"],
        clip=s["clip"],
        threshold=s["threshold"],
        truncate=s["tau"],
        seed=s["seed"],
    )


def expected_kind(s: dict, run: rc.TrainResult) -> tuple[str, float]:
    """The learning rule written out: (kind, final loss / baseline) over the last tenth of the steps."""
    h = run.history
    n = len(h["loss"])
    if run.stop_reason is not None or not all(math.isfinite(x) for x in [*h["loss"], *h["grad_norm"]]):
        return "diverged", math.inf
    w = max(1, n // 10)
    loss = sum(h["loss"][n - w :])
    base = sum(h["baseline"][n - w :])
    if base <= 0:
        return "no baseline", math.nan
    r = loss / base
    below_reference = loss / w < 0.9 * (1 / 24) if s["task"] == "adding_problem" else True
    if r >= 0.9:
        return "not learned", r
    if r < 0.1 and below_reference:
        return "learned", r
    return "partly", r


KIND_OF_SENTENCE = (  # what the verdict sentence says after the run's label, by kind
    ("learned the task", "learned"),
    ("learned part of it", "partly"),
    ("is below its baseline", "partly"),
    ("did not learn", "not learned"),
    ("diverged", "diverged"),
    (": with B = 1 the baseline is 0", "no baseline"),
    (": the baseline is 0 over the last", "no baseline"),
)


def kind_said(sentence: str) -> str:
    after = sentence.split("”", 1)[1]
    for words, kind in KIND_OF_SENTENCE:
        if after.lstrip().startswith(words) or after.startswith(words):
            return kind
    raise AssertionError(f"no verdict read in {sentence!r}")


def render(query: dict) -> AppTest:
    at = open_app(PAGE, **query)
    assert not at.exception, at.exception
    widget(at, "ttrain").click().run()
    assert not at.exception, at.exception
    return at


def distant_lags(task: str, T: int) -> list[int]:
    """The distances at which the input the answer needs lies, read from the generated batches."""
    if task == "remember_first":
        return [T - 1]
    batch = rc.adding_problem(T, 500, seed=1)
    first = batch.xs[:, :, 1].argmax(axis=0)  # 0-based step of the first marker in each sequence
    return sorted({T - 1 - int(p) for p in first})


@pytest.fixture(scope="module")
def rendered():
    """Each grid run rendered once: (AppTest, settings read from its link, the run retrained here)."""
    out = {}
    for name, query in GRID.items():
        s = settings_of(query)
        out[name] = (render(query), s, retrain(s))
    return out


@pytest.mark.parametrize("name", list(GRID))
def test_the_verdict_sentence_and_the_table_hold_for_the_run(rendered, name):
    at, s, run = rendered[name]
    kind, ratio = expected_kind(s, run)
    (lines,) = [m.value for m in at.markdown if m.value.startswith("- “")]
    assert kind_said(lines) == kind, lines
    if kind in ("learned", "partly", "not learned"):
        assert number(ratio, ".3g") in lines
    assert ("B = 1" in lines) == (kind == "no baseline" and s["B"] == 1)  # never "B = 1" for another B
    (row,) = at.dataframe[0].value.to_dict("records")
    columns = {name: title for name, title in text.COLUMNS.items()}
    h = run.history
    n = len(h["loss"])
    assert row[columns["steps"]] == f"{n} of {s['steps']}"
    # steps clipped: the steps whose ‖g‖ exceeds the threshold (norm), or that have an entry beyond it
    if s["clip"] is None:
        clipped = 0
    elif s["clip"] == "norm":
        clipped = sum(1 for g in h["grad_norm"] if math.isfinite(g) and g > s["threshold"])
    else:
        clipped = int(h["clipped"].sum())
        assert clipped == sum(1 for g, u in zip(h["grad_norm"], h["grad_norm_clipped"]) if u < g)
    assert row[columns["clipped"]] == clipped
    # final σ_max(W): the largest singular value of the final W, after its last update
    final = np.linalg.svd(run.params.W, compute_uv=False)[0]
    assert row[columns["sigma_max"]] == number(final, ".4g")
    finite = [g for g in h["grad_norm"] if math.isfinite(g)]
    assert row[columns["grad_norm"]] == (number(max(finite), ".4g") if finite else "not a number")


@pytest.mark.parametrize("name", [n for n in GRID if "σ" in n or "overflow" in n])
def test_why_a_run_stopped_and_what_clipping_would_have_done(rendered, name):
    at, s, run = rendered[name]
    warnings = [w.value for w in at.warning if "stopped at step" in w.value]
    if run.stop_reason is None:
        assert warnings == []
        return
    (warning,) = warnings
    k = run.stop_step
    assert f"stopped at step {k + 1} of {s['steps']}" in warning
    if k == 0:  # nothing was updated: the initial network left float64, clipping cannot help
        assert "before any update" in warning and "Clipping cannot help" in warning
        assert "bounds every SGD update" not in warning
        return
    bound = run.history["sigma_max"][0] + k * s["lr"] * s["threshold"]
    sigma = run.history["sigma_max"][k]
    if sigma > bound:  # clipping at the threshold would have kept σ_max(W) ≤ σ₀ + k·lr·c
        assert f"could be at most {number(bound)}, not {number(sigma)}" in warning
    else:
        assert "need not have prevented this" in warning


@pytest.mark.parametrize("name", list(GRID))
def test_truncation_notes_say_what_the_updates_reach(rendered, name):
    at, s, _ = rendered[name]
    notes = [c.value for c in at.caption if "trains with BPTT truncated" in c.value]
    if s["tau"] is None:
        assert notes == []
        return
    (note,) = notes
    tau, T = s["tau"], s["T"]
    lags = distant_lags(s["task"], T)
    reached = [d for d in lags if d < tau]  # truncation keeps the paths with s − k < τ
    if not reached:
        assert "no update carries the error back to it" in note
    else:
        assert f"{len(reached)} of its {len(lags)} possible places" in note
    if tau <= T // 2:
        assert "which its updates did not use" in note
    else:
        assert f"used only the paths of fewer than {tau} steps" in note


def test_the_long_range_share_is_over_distances_of_at_least_half_T_rounded_down(rendered):
    # the chart says d ≥ ⌊T/2⌋; at odd T that includes d = ⌊T/2⌋ < T/2, so "≥ T/2" would be false
    at, s, run = rendered["adding τ = 8, T odd"]
    T = s["T"]
    assert T % 2 == 1
    title = "**" + text.CHART_TITLES["share"] + "**"
    assert title in [m.value for m in at.markdown] and "⌊T/2⌋" in title
    D, K = 2, 1
    params = rc.RNNParams.init(D, s["H"], K, w_scale=s["w_scale"], seed=0)
    batch = rc.batch_at("adding_problem", 0, T=T, batch_size=s["B"], seed=0)
    trace = rc.forward(params, batch.xs, batch.targets, activation="tanh", loss="mse", mask=batch.mask)
    G = rc.distance_terms(params, trace, wrt="W") / s["B"]  # (T, H, H), per sequence as the history
    floor_part = np.linalg.norm(G[T // 2 :].sum(axis=0))
    ceil_part = np.linalg.norm(G[(T + 1) // 2 :].sum(axis=0))
    assert run.history["long_range_norm"][0] == pytest.approx(floor_part, rel=1e-9)
    assert not floor_part == pytest.approx(ceil_part, rel=1e-6)


def test_paired_runs_of_different_sigma_do_not_claim_the_same_initialisation():
    at = render(GRID["tiny, B = 2"])
    at.query_params["scale"] = "2"
    widget(at, "scale").set_value(2.0).run()
    widget(at, "ttrain").click().run()
    assert not at.exception, at.exception
    (paired,) = [c.value for c in at.caption if c.value.startswith("Paired runs")]
    scales = {r.settings.w_scale for r in at.session_state["tl_runs"]}
    assert scales == {1.0, 2.0}
    assert "with the same W initialisation and σ_max(W)" not in paired
    assert "with its own W initialisation and σ_max(W)" in paired
