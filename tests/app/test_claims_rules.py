"""Claims audit of the Update rules and Activation derivatives pages: every sentence that depends on
the settings is checked against a computation done here, independently of the page's own calls.

The pages are rendered with AppTest over a covering set of the settings (every pair of values of
activation × W init × σ_max(W) below / at / above 1/γ × T ∈ {1, 2, 20, 200} × steps ∈ {0, 25} ×
loss appears in some run), plus the overflow links. For each run this file rebuilds the live
network by its own plain gradient-descent loop, and computes:

- σ_max of the current W by numpy's SVD, and the bound's verdict γ·σ_max(W) vs 1 by the rule
  written out here: the bars' caption (Update rules) and the network intro and the products
  caption (Activations) must quote that W, not the sidebar's initial σ_max;
- the Jacobians ∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵏ⁾ as explicit products of diag(f′)W: the products caption says the max
  line times σ_max(W)ᵏ bounds their norms, which must hold for the σ_max it quotes;
- the path terms' norms, rescaled before squaring, against the table and against the contribution
  matrix the Vanishing page draws (both must be float64 numbers wherever the terms are);
- which path terms are not float64 numbers and whether the forward pass overflowed at t ≤ s: the
  page says "overflowed" exactly then, naming the forward pass or the back-propagation.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import rnn_core as rc
from tests.app.helpers import open_app
from ui.activations import text as atx
from ui.chart_cache import notice
from ui.format import number, sci
from ui.i18n import say
from ui.state import ACTIVATION_LABELS, INIT_LABELS, LOSS_LABELS, Network
from ui.update_rules import text as utx

RULES = "app_pages/update_rules.py"
ACTIVATIONS = "app_pages/activations.py"
RTOL = 1e-9  # "γ·σ_max(W) = 1" within this relative tolerance, as the pages state it
FACTORS = {
    "act": list(rc.ACTIVATIONS),
    "init": list(INIT_LABELS),
    "sigma": ["below", "at", "above"],
    "T": [1, 2, 20, 200],
    "steps": [0, 25],
    "loss": list(LOSS_LABELS),
}


def covering_set() -> list[dict]:
    """A small set of settings in which every pair of values of two factors appears (greedy)."""
    names = list(FACTORS)
    combos = [dict(zip(names, values)) for values in itertools.product(*FACTORS.values())]
    uncovered = {
        ((a, va), (b, vb))
        for a, b in itertools.combinations(names, 2)
        for va in FACTORS[a]
        for vb in FACTORS[b]
    }
    chosen = []
    while uncovered:
        best = max(
            combos, key=lambda c: sum(((a, c[a]), (b, c[b])) in uncovered for (a, _), (b, _) in uncovered)
        )
        chosen.append(best)
        uncovered -= {((a, best[a]), (b, best[b])) for a, b in itertools.combinations(names, 2)}
    return chosen


def scale_for(activation: str, level: str) -> float:
    """σ_max(W) of the initial W below, at or above 1/γ, on the sidebar's slider (0.05 .. 4)."""
    gamma = rc.ACTIVATIONS[activation].gamma
    return min({"below": 0.5, "at": 1.0, "above": 1.5}[level] / gamma, 4.0)


GRID = [
    dict(
        act=c["act"],
        init=c["init"],
        scale=scale_for(c["act"], c["sigma"]),
        T=c["T"],
        steps=c["steps"],
        loss=c["loss"],
    )
    for c in covering_set()
]
OVERFLOWS = [
    # the forward pass is finite, the path terms reach 1e239: their norms must stay numbers
    dict(act="linear", init="orthogonal", scale=4.0, T=200, steps=0, loss="mse"),
    # one step sends h past float64 at t = 2
    dict(act="linear", init="orthogonal", scale=4.0, T=200, steps=3, loss="mse", lr=1.0),
    dict(act="relu", init="identity", scale=4.0, T=200, steps=2, loss="softmax_ce"),
]


def query(case: dict) -> dict:
    q = dict(
        act=ACTIVATION_LABELS[case["act"]],
        init=case["init"],
        scale=str(case["scale"]),
        T=str(case["T"]),
        loss=LOSS_LABELS[case["loss"]],
    )
    if case["steps"]:
        q["steps"] = str(case["steps"])
    if "lr" in case:
        q["lr"] = str(case["lr"])
    return q


def live(case: dict):
    """The network after its steps, by a plain loop of θ ← θ − lr·∂L/∂θ: params, trace, steps done."""
    net = Network(
        activation=case["act"],
        w_init=case["init"],
        w_scale=case["scale"],
        T=case["T"],
        loss=case["loss"],
        lr=case.get("lr", Network().lr),
    )
    params = rc.RNNParams.init(net.D, net.H, net.K, w_init=net.w_init, w_scale=net.w_scale, seed=net.seed)
    xs, targets = rc.random_sequence(net.T, net.D, net.K, loss=net.loss, seed=net.seed)
    run = lambda p: rc.forward(p, xs, targets, activation=net.activation, loss=net.loss)  # noqa: E731
    trace, done = run(params), 0
    with np.errstate(all="ignore"):
        for _ in range(case["steps"]):
            grads = rc.bptt(params, trace)
            if not all(np.isfinite(g).all() for g in grads.arrays().values()):
                break
            candidate = params.sgd_step(grads, net.lr)
            if not all(np.isfinite(g).all() for g in candidate.arrays().values()):
                break
            params, trace, done = candidate, run(candidate), done + 1
    return params, trace, done


def bound_kind(base: float) -> str:
    """γ·σ_max(W) against 1, the rule written out."""
    if math.isnan(base):
        return "undefined"
    if base == 0.0:
        return "zero"
    if abs(base - 1.0) <= RTOL:
        return "cannot_grow"
    return "vanishes" if base < 1.0 else "may_grow"


def log10_jacobian_norms(params, trace) -> np.ndarray:
    """log₁₀‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵏ⁾‖₂ for k = 1..T: explicit products of diag(f′(a⁽ʲ⁾)) W, renormalised."""
    T = trace.T
    with np.errstate(all="ignore"):
        d = rc.ACTIVATIONS[trace.activation].df(trace.a[:, 0])  # (T, H)
        J, log_scale, out = np.eye(params.n_hidden), 0.0, np.empty(T)
        for k in range(1, T + 1):
            J = J @ (d[T - k][:, None] * params.W)  # append diag(f′(a⁽ᵀ⁻ᵏ⁺¹⁾)) W on the right
            size = np.abs(J).max()
            if not size > 0:
                out[k - 1 :] = -np.inf if size == 0 else np.nan
                break
            J, log_scale = J / size, log_scale + math.log10(size)
            out[k - 1] = log_scale + math.log10(np.linalg.svd(J, compute_uv=False)[0])
    return out


def rescaled_norms(terms: np.ndarray) -> np.ndarray:
    """‖term k‖_F with each term divided by its largest entry before squaring (inf/nan kept)."""
    with np.errstate(all="ignore"):
        flat = terms.reshape(terms.shape[0], -1)
        big = np.abs(flat).max(axis=1)
        scale = np.where(np.isfinite(big) & (big > 0), big, 1.0)
        out = big * np.sqrt(np.sum((flat / scale[:, None]) ** 2, axis=1))
        out[big == 0] = 0.0
        return np.where(np.isfinite(flat).all(axis=1), out, np.nan)


def captions(at) -> list[str]:
    return [c.value for c in at.caption]


def check_update_rules(at, case, params, trace):
    gamma = rc.ACTIVATIONS[case["act"]].gamma
    sigma = float(np.linalg.svd(params.W, compute_uv=False)[0])
    s = min(3, case["T"])
    # the table's norms and the contribution matrix against the rescaled reference
    with np.errstate(all="ignore"):
        terms = rc.path_terms(params, trace, s, wrt="W")
    reference = rescaled_norms(terms)
    table = at.dataframe[0].value["‖term k‖_F"].to_numpy()
    finite = np.isfinite(reference)
    np.testing.assert_allclose(table[finite], reference[finite], rtol=1e-10)
    C = rc.contributions(params, trace)
    np.testing.assert_allclose(C[s - 1, :s][finite], reference[finite], rtol=1e-10)
    full = (
        rescaled_norms(rc.path_terms(params, trace, trace.T, wrt="W")) if np.isfinite(trace.h).all() else None
    )
    if full is not None:  # the whole last row of C, where the norms are largest
        ok = np.isfinite(full)
        np.testing.assert_allclose(C[-1][ok], full[ok], rtol=1e-10)
        assert np.isfinite(C[-1][ok]).all()
    # the path terms, where they are numbers, add up to the BPTT gradient of L⁽ˢ⁾ (which depends
    # on steps 1..s only, whatever overflowed later): the page's left reconciliation metric
    path_sum = float(next(m.value for m in at.metric if m.label.startswith("Σₖ path terms vs BPTT")))
    if finite.all():
        assert path_sum < 1e-10, path_sum
    else:
        assert math.isnan(path_sum)
    # "overflowed": exactly when a term is not a float64 array, naming what overflowed
    bad_h = ~np.isfinite(trace.h[1:]).all(axis=(1, 2))
    t_over = int(np.argmax(bad_h)) + 1 if bad_h.any() else None
    n_bad = int((~finite).sum())
    errors = [e.value for e in at.error]
    if n_bad == 0:
        assert not errors, errors
    elif t_over is not None and t_over <= s:
        template = utx.OVERFLOWED if t_over > 1 else utx.OVERFLOWED_AT_1
        assert errors == [say(template, t=t_over, s=s, S=utx.time_index(s), n=n_bad)]
    else:
        assert errors == [say(utx.TERMS_OVERFLOWED, s=s, S=utx.time_index(s), n=n_bad)]
    # the bars' caption: the bound of the current W, kind by the rule written out here
    bars = [c for c in captions(at) if c.startswith(notice(say(utx.BARS_NOTICE.split("{")[0])))]
    if (table[finite] > 0).any():
        (caption,) = bars
        verdict = rc.bound_verdict(gamma, sigma)
        assert verdict.kind == bound_kind(gamma * sigma)
        assert f"σ_max(W) = {verdict.sigma_shown})" in caption
        comparison = {
            "vanishes": f"= {verdict.shown} < 1",
            "cannot_grow": "= 1 to within 1e-09",
            "may_grow": f"= {verdict.shown} > 1",
        }.get(bound_kind(gamma * sigma), "")
        assert f"γ·σ_max(W) {comparison}: " in caption
        assert utx.at_step(utx.BOUND_CLAUSE[bound_kind(gamma * sigma)], s) in caption
        assert float(verdict.sigma_shown) == pytest.approx(sigma, rel=10.0 ** (1 - verdict.digits))
    # row k = 1: U's first term is said to be nonzero only when it is
    with np.errstate(all="ignore"):
        first_u = rescaled_norms(rc.path_terms(params, trace, s, wrt="U")[:1])[0]
    rows = [m.value for m in at.markdown if m.value.startswith("**Row k = 1.**")]
    if np.isfinite(first_u) and np.isfinite(reference[0]):
        template = utx.ROW_K1_U_ZERO if first_u == 0 else utx.ROW_K1
        assert rows == [utx.at_step(template, s, first_w="0", first_u=number(first_u))]


def check_activations(at, case, params, trace, done):
    sigma = float(np.linalg.svd(params.W, compute_uv=False)[0])
    act = rc.ACTIVATIONS[case["act"]]
    intro = next(m.value for m in at.markdown if m.value.startswith(say(atx.NETWORK_INTRO.split("{")[0])))
    assert f"σ_max(W) = {sigma:.4g}" in intro
    assert (f", after {done} gradient step" in intro) == (done > 0)
    with np.errstate(all="ignore"):
        d = act.df(trace.a[:, 0])  # (T, H)
    if not np.isfinite(d).any():
        return
    # the products caption: Π max f′ · σ_max(W)ᵏ, with the σ_max it quotes, bounds every Jacobian
    products = [c for c in captions(at) if "Read at k = T" in c]
    (caption,) = products
    assert f"(σ_max(W) = {sigma:.4g} for this network's W)" in caption
    with np.errstate(divide="ignore", invalid="ignore"):
        per_step_max = np.where(np.isfinite(d), d, -np.inf).max(axis=1)  # (T,)
        log_max = np.cumsum(np.log10(per_step_max[::-1]))  # k = 1..T
        bound = log_max + np.arange(1, trace.T + 1) * math.log10(sigma)
    measured = log10_jacobian_norms(params, trace)
    ok = np.isfinite(measured) & np.isfinite(bound)
    assert (measured[ok] <= bound[ok] + 1e-9).all(), (measured[ok] - bound[ok]).max()
    # the verdict at k = T, by the rule written out: walk back from step T
    T, kind, k_cut = trace.T, None, None
    for k in range(1, T + 1):
        step = d[T - k]
        if not np.isfinite(step).any():
            kind = "not_a_number"
            break
        if per_step_max[T - k] == 0:
            kind, k_cut = "cut", k
            break
    if kind is None:
        tol = T * math.log10(1 + RTOL)
        kind = "shrinks" if bound[-1] < -tol else "cannot_grow" if bound[-1] <= tol else "may_grow"
    cut_step = None if k_cut is None else T - k_cut + 1
    expected = say(
        atx.PRODUCTS_BOUND[kind], bound=number(bound[-1], ".3g"), cut_from=k_cut, cut_step=cut_step
    )
    assert caption.endswith(expected), (caption, expected)
    assert f"log₁₀ Π max f′ = {sci(log_max[-1])}" in caption


@pytest.mark.parametrize("case", GRID + OVERFLOWS, ids=lambda c: "-".join(str(v) for v in c.values()))
def test_every_conditional_sentence_is_true_on_both_pages(case):
    params, trace, done = live(case)
    at = open_app(RULES, **query(case))
    assert not at.exception, at.exception
    check_update_rules(at, case, params, trace)
    at.switch_page(ACTIVATIONS).run()
    assert not at.exception, at.exception
    check_activations(at, case, params, trace, done)
    shown = [*at.markdown, *at.caption, *at.info, *at.warning, *at.error]
    assert not [x.value for x in shown if "{" in x.value and "$" not in x.value]


def test_the_covering_set_holds_every_pair_and_every_boundary():
    names = list(FACTORS)
    chosen = covering_set()
    for a, b in itertools.combinations(names, 2):
        pairs = {(c[a], c[b]) for c in chosen}
        assert pairs == set(itertools.product(FACTORS[a], FACTORS[b])), (a, b)
    assert len(chosen) <= 30
    # σ_max(W) exactly at 1/γ is present for every activation whose 1/γ the slider reaches
    at_one = {c["act"] for c in GRID if abs(c["scale"] * rc.ACTIVATIONS[c["act"]].gamma - 1) < 1e-12}
    assert at_one == set(rc.ACTIVATIONS)
