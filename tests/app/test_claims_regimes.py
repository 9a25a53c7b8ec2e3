"""The claims audit of the Overview and Vanishing pages: every regime, bound and cause sentence they
show, over a covering grid of settings, against an independent computation written here.

The grid covers every pair of values of (activation, W init, σ_max(W) below / at / above 1/γ,
T ∈ {1, 2, 20, 200}, gradient steps ∈ {0, 25}, loss) at least once (a greedy pairwise covering),
plus the overflow cases and the reported links. For each setting the app opens from its link, the
Overview is read, then the Vanishing page in the same session, every section opened by the link; what they print is
checked against:

- the live network recomputed here: W after the gradient steps, by a plain loop of BPTT steps;
- γ·σ_max(W) compared with 1 by the rule written out (|γσ − 1| ≤ 1e-9 is "= 1"), and every printed
  "x < 1", "x > 1", "x = 1" checked as printed;
- ‖∂h⁽ᵀ⁾/∂h⁽⁰⁾‖₂ from the explicit product of the T Jacobians diag(f′(a⁽ʲ⁾)) W (np.linalg.norm);
- ‖Wᵀ‖₂ from repeated multiplication, splitting the gap to the bound into W's and f′'s parts;
- what truncation drops, from rc.bptt(truncate=τ) against the full gradient;
- the non-normal preset's powers from np.linalg.matrix_power.

What each reported case trips (before the fixes): (1) the defaults, linear/identity and
sigmoid/σ = 4 printed "explosion is possible" at γσ = 1: the "at" level expects the cannot-grow
sentence; (2) H = 2, seed = 3 printed "1 < 1": the printed-comparison check; (3) linear/gaussian
named f′ as the cause: the cause check (f′ ≡ 1 can never be named); (4) after 25 steps a quoted
σ_max(W) must be the trained W's: every σ_max(W) metric and quote is compared with it; (6) the
non-normal preset must grow where its text says it grows; (7) sigmoid above 1/γ (σ = 6) and the
off-step link σ = 1.33 must be computed at the value the slider shows; (9) the truncation intro
must not call per-loss truncation cheaper.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import string

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import rnn_core as rc
from tests.app.helpers import APP, widget
from ui.i18n import say
from ui.overview import text as ov
from ui.state import ACTIVATION_LABELS, DEFAULT, INIT_LABELS, LOSS_LABELS
from ui.vanishing import calls
from ui.vanishing import text as vt
from ui.vanishing.sections import SECTION_KEYS

VANISHING = "app_pages/vanishing.py"
ALL_OPEN = {key: "true" for key in SECTION_KEYS.values()}  # the link opens every section of the page
RTOL = 1e-9  # the stated tolerance of "γ·σ_max(W) = 1", written out again here
LEVELS = {"below": 0.5, "at": 1.0, "above": 1.5}  # σ_max(W) as a multiple of 1/γ
FACTORS = {
    "act": tuple(rc.ACTIVATIONS),
    "init": rc.W_INITS,
    "level": tuple(LEVELS),
    "T": (1, 2, 20, 200),
    "steps": (0, 25),
    "loss": tuple(rc.LOSSES),
}


@functools.cache
def pairwise_grid() -> tuple[dict, ...]:
    """A greedy covering of every pair of factor values (deterministic: first best row wins)."""
    names = list(FACTORS)
    uncovered = {
        (a, va, b, vb) for a, b in itertools.combinations(names, 2) for va in FACTORS[a] for vb in FACTORS[b]
    }
    rows = []
    while uncovered:
        best, best_gain = None, -1
        for combo in itertools.product(*FACTORS.values()):
            row = dict(zip(names, combo))
            gain = sum((a, row[a], b, row[b]) in uncovered for a, b in itertools.combinations(names, 2))
            if gain > best_gain:
                best, best_gain = row, gain
        rows.append(best)
        uncovered -= {(a, best[a], b, best[b]) for a, b in itertools.combinations(names, 2)}
    return tuple(rows)


def link(row: dict) -> dict:
    gamma = rc.ACTIVATIONS[row["act"]].gamma
    return dict(
        act=ACTIVATION_LABELS[row["act"]],
        init=INIT_LABELS[row["init"]],
        scale=format(LEVELS[row["level"]] / gamma, "g"),
        T=str(row["T"]),
        steps=str(row["steps"]),
        loss=LOSS_LABELS[row["loss"]],
    )


REPORTED = [
    {},  # the defaults
    dict(act="linear", init="identity"),
    dict(act="sigmoid", scale="4"),
    dict(H="2", seed="3"),
    dict(act="linear", init="gaussian"),
    dict(steps="25"),
    dict(act="sigmoid", scale="6"),
    dict(scale="1.33"),
    dict(act="linear", scale="4", T="200", steps="2"),  # the forward pass overflows on step 2
    dict(act="ReLU", scale="8", T="200", steps="1"),
]
CASES = [link(row) for row in pairwise_grid()] + REPORTED


# --- the independent computations -------------------------------------------------------------


def settings(query: dict) -> dict:
    s = dict(
        activation=DEFAULT.activation,
        H=DEFAULT.H,
        T=DEFAULT.T,
        D=DEFAULT.D,
        K=DEFAULT.K,
        w_init=DEFAULT.w_init,
        w_scale=DEFAULT.w_scale,
        loss=DEFAULT.loss,
        seed=DEFAULT.seed,
        lr=DEFAULT.lr,
        steps=0,
    )
    names = {v: k for k, v in ACTIVATION_LABELS.items()}
    losses = {v: k for k, v in LOSS_LABELS.items()}
    for key, value in query.items():
        if key == "act":
            s["activation"] = names[value]
        elif key == "init":
            s["w_init"] = value
        elif key == "loss":
            s["loss"] = losses[value]
        elif key == "scale":
            s["w_scale"] = float(value)
        else:
            s[key] = int(value)
    return s


def live(s: dict):
    """The network after the gradient steps, by a plain loop; and how many steps were taken."""
    p = rc.RNNParams.init(s["D"], s["H"], s["K"], w_init=s["w_init"], w_scale=s["w_scale"], seed=s["seed"])
    xs, y = rc.random_sequence(s["T"], s["D"], s["K"], loss=s["loss"], seed=s["seed"])
    done = 0
    with np.errstate(all="ignore"):
        for _ in range(s["steps"]):
            g = rc.bptt(p, rc.forward(p, xs, y, activation=s["activation"], loss=s["loss"]))
            if not all(np.isfinite(v).all() for v in (g.U, g.W, g.V, g.b, g.c)):
                break
            new = rc.RNNParams(
                *(a - s["lr"] * b for a, b in zip((p.U, p.W, p.V, p.b, p.c), (g.U, g.W, g.V, g.b, g.c)))
            )
            if not all(np.isfinite(v).all() for v in (new.U, new.W, new.V, new.b, new.c)):
                break
            p, done = new, done + 1
        trace = rc.forward(p, xs, y, activation=s["activation"], loss=s["loss"])
    return p, trace, done


def explicit_log_norm(p, trace, d: int) -> float:
    """log₁₀‖Πⱼ diag(f′(a⁽ʲ⁾)) W‖₂ over the last d steps, multiplied out (rescaled each step)."""
    df = rc.ACTIVATIONS[trace.activation].df
    T = trace.a.shape[0]
    M, log_scale = np.eye(p.n_hidden), 0.0
    with np.errstate(all="ignore"):
        for j in range(T, T - d, -1):
            M = M @ (np.diag(df(trace.a[j - 1, 0])) @ p.W)
            size = np.abs(M).max()
            if not size > 0:
                return -math.inf if size == 0 else math.nan
            M, log_scale = M / size, log_scale + math.log10(size)
    return log_scale + math.log10(np.linalg.norm(M, 2))


def log_norm_of_power(W, d: int) -> float:
    M, log_scale = np.eye(W.shape[0]), 0.0
    for _ in range(d):
        M = M @ W
        size = np.abs(M).max()
        if size == 0:
            return -math.inf
        M, log_scale = M / size, log_scale + math.log10(size)
    return log_scale + math.log10(np.linalg.norm(M, 2))


def bound_relation(gamma: float, sigma: float) -> str:
    base = gamma * sigma
    return "=" if abs(base - 1) <= RTOL else "<" if base < 1 else ">"


# --- reading the pages ---------------------------------------------------------------------------


def fixed(template: str) -> str:
    return max((literal for literal, *_ in string.Formatter().parse(template)), key=len)


def page_texts(at: AppTest) -> list[str]:
    return [e.value for kind in ("markdown", "info", "warning", "caption") for e in getattr(at, kind)]


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


# "x < 1", "x > 1", "x ≥ 1" in running text ("= 1" is checked in the bound's formula, where it is
# a comparison; in "0.25 × 4 = 1" it is a product)
COMPARISON = re.compile(r"(?<![\w.^(])(\d+(?:\.\d+)?)\s*([<>≥≤])\s*1(?![\d.^])")


def check_printed_comparisons(wrong: list, texts: list[str]) -> None:
    """Every comparison with 1 that a page prints holds for the number as printed."""
    ops = {"<": float.__lt__, ">": float.__gt__, "≥": float.__ge__, "≤": float.__le__}
    for text in texts:
        for number, op, *_ in COMPARISON.findall(text.replace(r"\times", "×")):
            if not ops[op](float(number), 1.0):
                wrong.append(f"printed comparison: {number} {op} 1 in {text[:120]!r}")


def check_overview(wrong: list, at: AppTest, s: dict, p) -> None:
    gamma, sigma = rc.ACTIVATIONS[s["activation"]].gamma, np.linalg.norm(p.W, 2)
    relation = bound_relation(gamma, sigma)
    sentence = next(m.value for m in at.markdown if m.value.startswith("γ·σ_max(W) = "))
    linear = s["activation"] == "linear"
    template = {
        "<": ov.VANISHING_GUARANTEED,
        "=": ov.CANNOT_GROW_LINEAR if linear else ov.CANNOT_GROW,
        ">": ov.EXPLOSION_POSSIBLE_LINEAR if linear else ov.EXPLOSION_POSSIBLE,
    }[relation]
    if fixed(template) not in sentence:
        wrong.append(f"overview bound sentence: γσ {relation} 1 but the page says {sentence[:90]!r}")
    if linear and "actual derivatives" in sentence:  # f′ ≡ 1: they decide nothing
        wrong.append(f"overview: f′ ≡ 1 for linear f, yet the derivatives decide: {sentence[-150:]!r}")
    shown = float(metric(at, say(ov.SIGMA_LABEL)))
    if shown != pytest.approx(sigma, rel=5e-3):  # the live (trained) W's, not the initial one
        wrong.append(f"overview σ_max(W): shows {shown}, the live W has {sigma:.6g}")
    check_printed_comparisons(wrong, page_texts(at))


def check_vanishing(wrong: list, at: AppTest, s: dict, p, trace, done: int) -> None:
    texts = page_texts(at)
    joined = "\n".join(texts)
    gamma, sigma = rc.ACTIVATIONS[s["activation"]].gamma, np.linalg.norm(p.W, 2)
    relation = bound_relation(gamma, sigma)
    shown = float(metric(at, say(vt.SIGMA)))
    if shown != pytest.approx(sigma, rel=5e-3):
        wrong.append(f"vanishing σ_max(W): shows {shown}, the live W has {sigma:.6g}")
    check_printed_comparisons(wrong, texts)
    formula = next(x.value for x in at.latex if r"\sigma_{\max}(W) =" in x.value and r"\rho(W) =" in x.value)
    got = re.search(r"= ([^=]+?) ([<>=?]) 1,", formula)
    if not got or got.group(2) != relation or (relation == "=" and got.group(1) != "1"):
        wrong.append(f"bound formula: γσ {relation} 1 but it prints {formula.strip()[:120]!r}")
    # the regime, from the explicit Jacobian product over the whole sequence
    T = s["T"]
    ell = explicit_log_norm(p, trace, T)
    regime = next(m for m in texts if m.startswith("**Regime: "))
    if np.isfinite(ell):
        kind = "vanishing" if ell < -1 else "exploding" if ell > 1 else "neither"
        if not regime.startswith(f"**Regime: {say(vt.REGIME_LABELS[kind])}.**"):
            wrong.append(f"regime: log₁₀‖∂h⁽ᵀ⁾/∂h⁽⁰⁾‖ = {ell:.3f} is {kind}, the page says {regime[:60]!r}")
        if kind == "vanishing" and relation != "<":  # not forced by the bound: a cause is named
            check_cause(wrong, s, p, ell, regime)
        if kind == "neither" and "edge between" in regime and abs(ell / T) * 200 > 1:
            wrong.append(f"edge: ×{10 ** (ell / T):.4g} per step changes tenfold within 200 steps")
        if relation == "<" and "edge between" in regime:
            wrong.append("edge: the bound forces vanishing, yet the page calls it the edge")
    # truncation: the cost, and what it drops, from rc.bptt(truncate=τ) against the full gradient
    if "cheaper" in joined and "not cheaper" not in joined:
        wrong.append("truncation: per-loss truncation, O(T·τ), is called cheaper than full BPTT")
    tau = min(calls.DEFAULT_TAU, T)
    full = rc.bptt(p, trace).W
    if tau < T and np.isfinite(full).all() and np.abs(full).max() > 0:
        dropped = np.linalg.norm(full - rc.bptt(p, trace, truncate=tau).W) / np.linalg.norm(full)
        said_negligible = "negligible" in joined
        if (dropped > 2e-3 and said_negligible) or (
            dropped < 5e-4 and fixed(vt.TRUNCATION_NEGLIGIBLE) not in joined
        ):
            wrong.append(f"truncation: it drops {dropped:.3g} of ‖∂L/∂W‖; the page says otherwise")
    # the non-normal preset: where the page says ‖Wⁿ‖ grows, it does
    W = np.array(calls.NONNORMAL_W)
    norms = [np.linalg.norm(np.linalg.matrix_power(W, n), 2) for n in range(1, calls.NONNORMAL_N + 1)]
    intro = next(m for m in texts if m.startswith("For a linear network ∂h"))
    if "grow" in intro and not (int(np.argmax(norms)) > 0 and max(norms) > norms[0] * 1.01):
        wrong.append(f"non-normal: the text says ‖Wⁿ‖ grows, but its peak is ‖W‖₂ = {norms[0]:.4g} at n = 1")
    # after gradient steps, the initialisation section says which W it draws
    if done and not any(f"σ_max(W) = {sigma:.4g}" in x for x in texts if "initial networks" in x):
        wrong.append(
            f"initialisation: drawn at the sidebar's σ_max(W), the trained W has {sigma:.4g}, unsaid"
        )


def check_cause(wrong: list, s: dict, p, ell: float, regime: str) -> None:
    """The cause named for a vanishing norm the bound does not force, from ‖Wᵀ‖ and the gap."""
    T = s["T"]
    gamma, sigma = rc.ACTIVATIONS[s["activation"]].gamma, np.linalg.norm(p.W, 2)
    weights = T * math.log10(sigma) - log_norm_of_power(p.W, T)
    derivatives = T * math.log10(gamma) + log_norm_of_power(p.W, T) - ell
    gap = weights + derivatives
    named = [
        name for name in ("WHY_WEIGHTS", "WHY_DERIVATIVES", "WHY_BOTH") if fixed(getattr(vt, name)) in regime
    ]
    names_derivatives = "derivatives" in regime and ("do the shrinking" in regime or "Both" in regime)
    if s["activation"] == "linear" and names_derivatives:  # f′ ≡ 1 = γ: never the cause
        wrong.append(f"cause: f′ ≡ 1 for linear f, yet the derivatives are named: {regime[-160:]!r}")
    want = (
        "WHY_WEIGHTS"
        if derivatives <= 0.1 * gap
        else "WHY_DERIVATIVES"
        if weights <= 0.1 * gap
        else "WHY_BOTH"
    )
    if named != [want]:
        wrong.append(
            f"cause: W's part {weights:.2f}, f′'s part {derivatives:.2f} decades: want {want}, got {named}"
        )


@pytest.mark.parametrize(
    "query", CASES, ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()) or "defaults"
)
def test_every_regime_sentence_is_true_for_its_settings(query):
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in {**query, **ALL_OPEN}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    s = settings(query)
    wrong: list[str] = []
    # the slider shows and the page uses what the link asked for (σ = 6 for sigmoid: above 1/γ)
    if widget(at, "scale").value != pytest.approx(s["w_scale"]):
        wrong.append(f"slider: the link asks σ_max(W) = {s['w_scale']}, it holds {widget(at, 'scale').value}")
    p, trace, done = live(s)
    check_overview(wrong, at, s, p)
    at.switch_page(VANISHING).run()
    assert not at.exception
    # every section of the page is read: each open (T = 200 closes sections 2–4 by default)
    closed = [e.label for e in at.expander if e.proto.query_param_key in ALL_OPEN and not e.proto.expanded]
    assert (
        len([e for e in at.expander if e.proto.query_param_key in ALL_OPEN]) == len(ALL_OPEN) and not closed
    )
    check_vanishing(wrong, at, s, p, trace, done)
    assert not wrong, "\n".join(wrong)


def test_the_grid_covers_every_pair_and_every_boundary_value():
    rows = pairwise_grid()
    names = list(FACTORS)
    for a, b in itertools.combinations(names, 2):
        assert {(r[a], r[b]) for r in rows} == set(itertools.product(FACTORS[a], FACTORS[b]))
    assert len(rows) <= 30
