"""The Update rules page's modules: cached numbers (calls), tables and charts (charts), sentences
(text), controls, and its formulas in ui.formulas.

Numbers are compared with a second route computed here (plain loops, rnn_core's contribution
matrix, the softmax written out); charts through their Vega-Lite spec; sentences by the template
chosen and the numbers they carry. The unrolled graph is tested in tests/ui/test_graph.py, the
model's equations in tests/ui/test_formulas.py.
"""

import dataclasses
import re

import numpy as np
import pytest

import rnn_core as rc
from ui import formulas as fm
from ui.data import live_network
from ui.format import tex_number
from ui.i18n import say
from ui.state import Network
from ui.update_rules import calls, charts, controls
from ui.update_rules import text as tx

SMALL = Network(H=5, T=7, D=2, K=3, seed=4)


# --- the cached numbers -------------------------------------------------------------------------


@pytest.mark.parametrize("wrt", ["W", "U"])
@pytest.mark.parametrize("s", [1, 3, 7])
def test_path_norms_match_the_contribution_matrix(s, wrt):
    report = calls.path_report(SMALL, 0, s, wrt)
    live = live_network(SMALL, 0)
    # contributions back-propagates every loss at once: an independent route to the same norms
    C = rc.contributions(live.params, live.trace, wrt=wrt)
    np.testing.assert_allclose(report.norms, C[s - 1, :s], rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("wrt", ["W", "U"])
def test_shares_sum_to_one_and_projection_matches_a_plain_loop(wrt):
    s = 6
    report = calls.path_report(SMALL, 0, s, wrt)
    live = live_network(SMALL, 0)
    terms = rc.path_terms(live.params, live.trace, s, wrt=wrt)
    total = sum(terms[k] for k in range(s))
    expected = [float(np.sum(terms[k] * total)) / float(np.sum(total * total)) for k in range(s)]
    np.testing.assert_allclose(report.projection_share, expected, rtol=1e-10)
    assert report.projection_share.sum() == pytest.approx(1.0, abs=1e-12)
    assert report.norm_share.sum() == pytest.approx(1.0, abs=1e-12)
    assert (report.norm_share >= 0).all()


def test_a_term_against_the_total_has_a_negative_projection_share():
    # over many steps some path terms point against their sum: the projection share is then < 0
    net = Network(H=6, T=30, seed=1)
    report = calls.path_report(net, 0, 30, "U")
    assert (report.projection_share < 0).any()
    assert report.projection_share.sum() == pytest.approx(1.0, abs=1e-10)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "linear"])
@pytest.mark.parametrize("loss", ["softmax_ce", "mse"])
def test_reconciliations_are_tight(activation, loss):
    net = Network(activation=activation, loss=loss, H=4, T=6, D=2, K=2, seed=2)
    for wrt in controls.WRT_OPTIONS:
        report = calls.path_report(net, 0, 5, wrt)
        assert report.sum_vs_bptt < 1e-12
        assert report.bptt_vs_fd < 1e-6
        assert report.fd_entries == report.n_entries  # small: every entry is checked
        assert calls.full_gradient_check(net, 0, wrt).error < 1e-12


def test_single_loss_gradient_gap_matches_bptt_directly():
    s = 3
    report = calls.path_report(SMALL, 0, s, "W")
    live = live_network(SMALL, 0)
    one = rc.bptt(live.params, live.trace, s=s).W
    # the total as a plain loop over the losses, not bptt's summed δ
    total = sum(rc.bptt(live.params, live.trace, s=j).W for j in range(1, SMALL.T + 1))
    assert report.single_vs_full == pytest.approx(rc.rel_error(one, total), rel=1e-9)
    assert report.single_vs_full > 0.01  # one loss is not the whole gradient


def test_first_term_is_zero_for_W_and_not_for_U():
    report = calls.path_report(SMALL, 0, 4, "W")
    assert report.first_term["W"] == 0.0  # δ₁ h⁽⁰⁾ᵀ with h⁽⁰⁾ = 0, exactly
    assert report.first_term["U"] > 0.0
    assert report.norms[0] == 0.0
    report_u = calls.path_report(SMALL, 0, 4, "U")
    assert report_u.norms[0] == pytest.approx(report.first_term["U"], rel=1e-12)


def test_output_error_and_step_loss_match_the_softmax_written_out():
    s = 5
    report = calls.path_report(SMALL, 0, s, "W")
    trace = live_network(SMALL, 0).trace
    o = trace.o[s - 1, 0]
    y_hat = np.exp(o - o.max()) / np.exp(o - o.max()).sum()
    onehot = np.eye(SMALL.K)[trace.targets[s - 1, 0]]
    assert report.output_error_norm == pytest.approx(np.linalg.norm(y_hat - onehot), rel=1e-12)
    assert report.step_loss == pytest.approx(-np.log(y_hat @ onehot), rel=1e-12)


def test_large_networks_check_a_fixed_sample_of_entries():
    net = Network(H=32, T=60)
    report = calls.path_report(net, 0, 60, "W")
    assert report.n_entries == 32 * 32
    assert report.fd_entries == calls.fd_sample_size(32 * 32, 60) < report.n_entries
    assert report.bptt_vs_fd < 1e-6


def test_fd_sample_size_keeps_the_work_near_the_budget():
    budget = calls.FD_STEP_BUDGET  # recurrence steps: two forward passes of `length` per entry
    assert calls.fd_sample_size(50, 3) == 50  # small: every entry
    assert calls.fd_sample_size(16384, 3) == calls.MAX_FD_ENTRIES
    assert calls.fd_sample_size(16384, 10_000) == calls.MIN_FD_ENTRIES
    for n, length in [(16384, 7), (16384, 200), (384, 150), (16384, 10_000)]:
        size = calls.fd_sample_size(n, length)
        assert calls.MIN_FD_ENTRIES <= size <= min(n, calls.MAX_FD_ENTRIES)
        assert 2 * size * length <= max(budget, 2 * calls.MIN_FD_ENTRIES * length)
    # between the floor and the cap: the largest sample whose work fits the budget
    for length in (60, 150, 200):
        size = calls.fd_sample_size(16384, length)
        assert calls.MIN_FD_ENTRIES < size < calls.MAX_FD_ENTRIES
        assert 2 * size * length <= budget < 2 * (size + 1) * length


def test_fd_entries_sample_is_seeded_distinct_and_in_range():
    a = calls.fd_entries(1000, 3, 40)
    np.testing.assert_array_equal(a, calls.fd_entries(1000, 3, 40))
    assert a.size == 40 == np.unique(a).size
    assert a.min() >= 0 and a.max() < 1000 and (np.diff(a) > 0).all()
    assert not np.array_equal(a, calls.fd_entries(1000, 4, 40))
    np.testing.assert_array_equal(calls.fd_entries(50, 3, 256), np.arange(50))


@pytest.mark.parametrize("wrt", ["W", "U"])
def test_full_gradient_check_takes_the_sum_over_s_for_short_sequences(wrt):
    check = calls.full_gradient_check(SMALL, 0, wrt)
    assert check.route == "sum over s" and check.error < 1e-12
    assert check.fd_entries == check.n_entries == getattr(live_network(SMALL, 0).params, wrt).size


def test_full_gradient_check_uses_finite_differences_for_long_sequences():
    net = Network(H=8, T=calls.SUM_OVER_S_MAX_T + 1, seed=3)
    check = calls.full_gradient_check(net, 0, "W")
    assert check.route == "finite differences"
    assert check.fd_entries == 64 == check.n_entries  # W is 8×8: small enough to check whole
    assert check.error < 1e-6
    check = calls.full_gradient_check(Network(H=64, T=150), 0, "W")
    assert check.fd_entries == calls.fd_sample_size(64 * 64, 150) < check.n_entries and check.error < 1e-6


def test_overflowed_network_gives_nan_checks_without_warnings():
    # linear, σ_max(W) = 4 and lr = 1 on MSE: one step sends h past float64 at t = 2
    net = Network(activation="linear", w_scale=4.0, T=200, loss="mse", lr=1.0)
    live = live_network(net, 3)
    assert live.stopped and live.trace.overflow_step is not None
    report = calls.path_report(net, 3, 3, "W")  # RuntimeWarnings are errors under pytest
    assert np.isnan(report.sum_vs_bptt) and np.isnan(report.bptt_vs_fd)
    assert not np.isfinite(report.norms).any()
    assert len(charts.path_chart_data(report)) == 0
    # the forward pass overflowed at t = 2 ≤ s = 3: the verdict names it, and the bars' note says so
    assert report.overflow.kind == "forward" and report.overflow.t == live.trace.overflow_step == 2
    assert report.overflow.n_nonfinite == 3
    assert tx.bars_note(report.overflow) == tx.at_step(tx.BARS_NONFINITE["forward"], 3, n=3, t=2)
    assert tx.overflowed(report.overflow) == tx.at_step(tx.OVERFLOWED, 3, t=2, n=3)


# --- tables and charts --------------------------------------------------------------------------


@pytest.mark.parametrize("wrt", ["W", "U"])
def test_path_table_has_one_row_per_term_and_points_at_k1(wrt):
    report = calls.path_report(SMALL, 0, 6, wrt)
    table = charts.path_table(report)
    assert list(table["k"]) == [1, 2, 3, 4, 5, 6]
    assert list(table["distance s − k"]) == [5, 4, 3, 2, 1, 0]
    np.testing.assert_array_equal(table["‖term k‖_F"], report.norms)
    assert table["projection share (%)"].sum() == pytest.approx(100.0, abs=1e-9)
    # row k = 1 carries the note of this parameter, for L⁽⁶⁾; the other rows none
    assert table["note"][0] == say(tx.NOTE_K1[wrt], S="⁽⁶⁾")
    assert ("h⁽⁰⁾ = 0" if wrt == "W" else "x⁽¹⁾ ≠ 0") in table["note"][0]
    assert (table["note"][1:] == "").all()


def _report(norms, projection=None, overflow_step=None, **fields):
    """A PathReport with the given norms and projection shares, and plain values for the rest
    (a live network of s steps, whose forward pass overflowed at ``overflow_step`` if given)."""
    norms = np.asarray(norms, dtype=float)
    s = norms.size
    projection = np.full(s, 1.0 / s) if projection is None else np.asarray(projection, dtype=float)
    trace = live_network(Network(T=s), 0).trace
    if overflow_step is not None:
        h = trace.h.copy()
        h[overflow_step:] = np.inf
        trace = dataclasses.replace(trace, h=h)
    verdict = rc.terms_verdict(trace, s, norms)
    values = dict(
        path_sum=rc.gradient_check_verdict(np.ones(2), np.ones(2), tolerance=rc.EXACT_TOLERANCE),
        step_fd=rc.gradient_check_verdict(np.ones(2), np.ones(2), loss=1.0, eps=1e-6),
        terms={"W": verdict, "U": verdict},
        bound=rc.bound_verdict(1.0, 1.0),
        fd_entries=1,
        n_entries=1,
        first_term={"W": 0.0, "U": 1.0},
        single_vs_full=0.5,
        output_error_norm=1.0,
        step_loss=1.0,
    )
    return calls.PathReport(
        s=s,
        wrt="W",
        norms=norms,
        norm_share=np.full(s, 1.0 / s),
        projection_share=projection,
        **(values | fields),
    )


def test_path_chart_data_drops_zeros_and_nonfinite_and_says_so():
    report = _report([0.0, 1e-30, np.inf, 3e-2, np.nan], [0.1, -0.2, 0.3, 0.4, 0.4])
    bars = charts.path_chart_data(report)
    assert list(bars["k"]) == [2, 4]
    # the forward pass is finite: the two non-finite terms overflowed in the back-propagation
    assert report.overflow.kind == "terms" and report.overflow.zero_ks == (1,)
    assert (report.overflow.n_inf, report.overflow.n_nan) == (1, 1)
    note = tx.bars_note(report.overflow)
    assert note == tx.sentences(
        tx.at_step(tx.BARS_NONFINITE["terms"], 5, n=2, t=None), say(tx.BARS_ZEROS, ks="1")
    )
    assert (bars["base"] <= bars["norm"]).all() and (bars["base"] > 0).all()
    np.testing.assert_allclose(bars["k_hi"] - bars["k_lo"], 0.8)
    assert list(bars["direction"]) == ["against the total", "along the total (or 0)"]
    report = _report([1.0, 2.0])
    assert report.overflow.kind == "finite" and tx.bars_note(report.overflow) is None
    assert len(charts.path_chart_data(report)) == 2
    # an overflow of the forward pass at t = 2 ≤ s is named as such, with its step
    report = _report([np.nan, np.nan, np.nan], overflow_step=2)
    assert report.overflow.kind == "forward" and report.overflow.t == 2
    assert tx.bars_note(report.overflow) == tx.at_step(tx.BARS_NONFINITE["forward"], 3, n=3, t=2)


def test_path_norms_chart_spec():
    bars = charts.path_chart_data(_report([1e-8, 1e-3, 1.0]))
    spec = charts.path_norms_chart(bars, 3, "U").to_dict()
    enc = spec["encoding"]
    assert spec["mark"]["type"] == "bar"
    assert enc["y"]["field"] == "norm" and enc["y"]["scale"]["type"] == "log"
    assert "log" in enc["y"]["title"]
    assert (enc["x"]["field"], enc["x2"]["field"], enc["y2"]["field"]) == ("k_lo", "k_hi", "base")
    assert enc["x"]["scale"]["domain"] == [0.5, 3.5]
    assert {t["field"] for t in enc["tooltip"]} == {"k", "distance", "norm", "share", "projection"}
    assert enc["color"]["field"] == "direction"
    assert "U" in enc["x"]["title"]


def test_loss_chart_uses_a_log_scale_only_across_decades():
    df, log, dropped = charts.loss_chart_data([100.0, 30.0, 9.0])
    assert log and dropped == 0 and len(df) == 3
    assert tx.loss_notice(dropped) == say(tx.LOSS_NOTICE)
    df, log, dropped = charts.loss_chart_data([3.0, 2.5, 2.0])
    assert not log
    df, log, dropped = charts.loss_chart_data([5.0, np.inf, np.nan, 0.0, 4.0])
    assert list(df["step"]) == [0, 4] and dropped == 3
    assert say(tx.LOSS_DROPPED, n=3) in tx.loss_notice(dropped) and say(
        tx.LOSS_DROPPED, n=3
    ) in tx.no_loss_curve(3)
    spec = charts.loss_chart(*charts.loss_chart_data([100.0, 1.0])[:2], "softmax_ce").to_dict()
    assert spec["encoding"]["y"]["scale"]["type"] == "log"
    assert (
        spec["encoding"]["y"]["title"] == say(tx.LOSS_Y_LOG["softmax_ce"])
        and "nats" in spec["encoding"]["y"]["title"]
    )
    assert {t["field"] for t in spec["encoding"]["tooltip"]} == {"step", "L"}
    # the plot keeps its 240 px: fit the width only (the log title, rotated, is longer than a phone's
    # plot is tall, and Streamlit's fit-both would shrink the plot and clip the chart's title)
    assert spec["height"] == 240 and spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    spec = charts.loss_chart(*charts.loss_chart_data([2.0, 1.0])[:2], "mse").to_dict()
    assert spec["encoding"]["y"]["scale"].get("type") != "log"
    assert (
        spec["encoding"]["y"]["title"] == say(tx.LOSS_Y["mse"])
        and "nats" not in spec["encoding"]["y"]["title"]
    )
    assert spec["encoding"]["x"]["field"] == "step"


def test_loss_delta_is_none_when_not_a_number():
    assert tx.loss_delta(3.0, 2.5) == "-0.5"
    assert tx.loss_delta(3.0, float("nan")) is None


def _fd_verdict(error: float, loss: float = 1.0) -> rc.GradientCheckVerdict:
    """A finite-difference verdict of g = (1, 0) against g̃ = (1, e): relative error e/√(1 + e²)."""
    other = np.array([1.0, error]) if np.isfinite(error) else np.array([1.0, np.nan])
    return rc.gradient_check_verdict(np.array([1.0, 0.0]), other, loss=loss, eps=1e-6)


def test_fd_disagreement_is_reported_only_above_the_tolerance():
    fd = calls.FullCheck("finite differences", _fd_verdict(3e-3), 10, 100)
    assert fd.error == pytest.approx(3e-3 / np.sqrt(1 + 9e-6), rel=1e-12) and fd.verdict.kind == "disagrees"
    exact = calls.FullCheck(  # an exact route: no finite-difference tolerance to explain
        "sum over s", rc.gradient_check_verdict(np.ones(2), np.array([1.0, 2.0])), 100, 100
    )
    assert calls.fd_disagreement(_report([1.0]), fd) is fd.verdict
    assert calls.fd_disagreement(_report([1.0]), exact) is None
    nan_fd = calls.FullCheck("finite differences", _fd_verdict(float("nan")), 10, 100)
    assert nan_fd.verdict.kind == "not_a_number" and calls.fd_disagreement(_report([1.0]), nan_fd) is None
    # at the tolerance itself the check agrees; just above it, it does not
    at_tol = calls.FullCheck("finite differences", _fd_verdict(rc.FD_TOLERANCE), 10, 100)
    assert calls.fd_disagreement(_report([1.0]), at_tol) is None
    above = calls.FullCheck("finite differences", _fd_verdict(rc.FD_TOLERANCE * 1.01), 10, 100)
    assert calls.fd_disagreement(_report([1.0]), above) is above.verdict


def test_default_step():
    assert [controls.default_step(T) for T in (1, 2, 3, 200)] == [1, 2, 3, 3]


# --- formulas -----------------------------------------------------------------------------------


def _balanced(tex):
    depth = 0
    for ch in tex.replace(r"\{", "").replace(r"\}", ""):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0 and tex.count(r"\begin{") == tex.count(r"\end{")


def _written_terms(tex):
    return [int(k) for k in re.findall(r"\(k = (\d+)\)", tex)]


@pytest.mark.parametrize("wrt", ["W", "U"])
def test_expansion_for_s3_is_the_homeworks_three_terms_with_immediate_partials(wrt):
    tex = fm.path_expansion_latex(3, wrt)
    assert _balanced(tex)
    assert _written_terms(tex) == [3, 2, 1]
    for k in (3, 2, 1):
        assert rf"\frac{{\partial^{{+}} h^{{({k})}}}}{{\partial {wrt}}}" in tex
    # term k = 1 walks h⁽³⁾ → h⁽²⁾ → h⁽¹⁾; no term writes a total ∂h/∂θ
    assert (
        r"\frac{\partial h^{(3)}}{\partial h^{(2)}}" in tex
        and r"\frac{\partial h^{(2)}}{\partial h^{(1)}}" in tex
    )
    assert rf"\frac{{\partial h^{{(2)}}}}{{\partial {wrt}}}" not in tex
    assert "more term" not in tex


@pytest.mark.parametrize("s", [1, 2, 4, 5, 6, 7, 17, 200])
def test_expansion_elides_the_middle_and_counts_it(s):
    tex = fm.path_expansion_latex(s, "W")
    assert _balanced(tex)
    written = _written_terms(tex)
    hidden = re.search(r"(\d+) more terms?", tex)
    assert len(written) + (int(hidden.group(1)) if hidden else 0) == s
    assert written[0] == s and written[-1] == 1
    if s > fm.FULL_TERMS + 2:
        assert written == [s, s - 1, s - 2, 1]
        # the long chain of term 1 is elided too and says how many factors it stands for
        assert r"\underbrace" in tex and f"{s - 1}\\ \\text{{factors}}" in tex
    else:  # hiding a single term would save nothing: all are written
        assert written == list(range(s, 0, -1)) and not hidden


def test_path_term_has_one_jacobian_per_step_crossed():
    for s, k in [(5, 5), (5, 4), (5, 2), (9, 6)]:
        tex = fm.path_term_latex(s, k, "U")
        assert tex.count(r"\frac{\partial h^{(") == s - k  # ∂h⁽ʲ⁾/∂h⁽ʲ⁻¹⁾ for j = s..k+1
    assert fm.path_term_latex(9, 1, "U").count(r"\frac{\partial h^{(") == 3  # elided: 2 + ⋯ + 1


def test_other_formulas_are_balanced_and_carry_the_live_values():
    for loss in rc.LOSSES:
        assert _balanced(fm.gradients_latex(loss))
        for wrt in controls.WRT_OPTIONS:
            assert _balanced(fm.factors_latex(wrt, loss))
    assert _balanced(fm.WEIGHT_GRADIENTS_LATEX)
    assert fm.update_latex("0.003").count("0.003") == 5 and _balanced(fm.update_latex("0.003"))
    lr = tex_number(1e-5, "g")  # as the page writes it in
    assert fm.update_latex(lr).count(r"1 \times 10^{-5}") == 5 and "e-05" not in fm.update_latex(lr)
    for wrt, z in (("W", r"h^{(k-1)\top}"), ("U", r"x^{(k)\top}")):
        assert z in fm.compact_latex(7, wrt) and r"\sum_{k=1}^{7}" in fm.compact_latex(7, wrt)
        assert "(k < 7)" in fm.compact_latex(7, wrt) and "(k < 1)" not in fm.compact_latex(1, wrt)
        assert _balanced(fm.compact_latex(1, wrt))
        assert _balanced(fm.compact_latex(7, wrt)) and _balanced(fm.full_sum_latex(wrt))
        assert z in fm.full_sum_latex(wrt)
    assert r"h^{(4)\top}" in fm.v_single_term_latex(4) and r"\sum" not in fm.v_single_term_latex(4)


def test_mistakes_quote_explain_and_correct():
    items = tx.mistakes(3, "W", 0.42, T=5)
    assert len(items) == 4
    for m in items:
        assert m.why and _balanced(m.fix_latex) and (m.quote_latex is None or _balanced(m.quote_latex))
    assert r"\sum_{i=1}^t \frac{\partial L^{(i)}}{\partial o^{(t)}}" in items[0].quote_latex
    assert r"h^{(t)\top}" in items[0].fix_latex
    assert "0.42" in items[2].why and r"\sum_{s=1}^{T}" in items[2].fix_latex
    assert "0.42" not in tx.mistakes(3, "W", float("nan"), T=5)[2].why
    assert "ignores every other step's loss" in items[2].why and "T = 1" not in items[2].why


def test_one_loss_step_is_the_whole_loss_when_T_is_1():
    """At T = 1 the homework's one-step update is the right one: the page says so, and the gap it
    quotes is 0 on the live network (∂L⁽¹⁾/∂θ is ∂L/∂θ), while at T = 2 it is not."""
    from ui.state import Network
    from ui.update_rules import calls as ur_calls

    for wrt in ("W", "U"):
        one = ur_calls.path_report(Network(T=1), 0, 1, wrt)
        assert one.single_vs_full == 0.0
        why = tx.mistakes(1, wrt, one.single_vs_full, T=1)[2].why
        assert "With T = 1" in why and "happens to be right" in why
        two = ur_calls.path_report(Network(T=2), 0, 1, wrt)
        assert two.single_vs_full > 1e-3
        assert "With T = 1" not in tx.mistakes(1, wrt, two.single_vs_full, T=2)[2].why


# --- the numbers where float64 squares overflow -------------------------------------------------


def test_norms_and_shares_stay_exact_where_the_squares_overflow():
    terms = rc.path_terms(*_live_small(), 6, wrt="W")
    plain = np.array([np.linalg.norm(t) for t in terms])
    # the norm share, by its definition ‖term k‖ / Σ‖terms‖, also where Σ‖terms‖ overflows
    np.testing.assert_allclose(calls.norm_shares(plain), plain / plain.sum(), rtol=1e-12)
    huge = plain / plain.max() * 1e308  # every norm is a float64 number, their sum is not
    assert np.isfinite(huge).all() and (huge / 2).sum() > np.finfo(np.float64).max / 2
    np.testing.assert_allclose(calls.norm_shares(huge), plain / plain.sum(), rtol=1e-12)
    assert np.isnan(calls.norm_shares(np.zeros(3))).all()
    # one term's norm where its squares overflow (1e300²) or underflow (1e-170²)
    for scale in (1e300, 1e-170):
        assert calls.frobenius(terms[3] * scale) == pytest.approx(plain[3] * scale, rel=1e-12)
    assert calls.frobenius(np.full((2, 2), np.inf)) == np.inf


def _live_small():
    live = live_network(SMALL, 0)
    return live.params, live.trace


# --- the sentences: which template is chosen, and the numbers it carries ------------------------


def test_overflow_error_names_the_step_only_when_it_is_on_the_path():
    assert tx.overflowed(_report([1.0, 2.0, 3.0]).overflow) is None
    after = _report([1.0, 2.0, 3.0], overflow_step=4 - 1 + 1)  # overflow after s = 3: terms finite
    assert after.overflow.kind == "finite" and tx.overflowed(after.overflow) is None
    at_2 = _report([np.nan, np.nan, np.inf], overflow_step=2).overflow
    assert tx.overflowed(at_2) == say(tx.OVERFLOWED, t=2, s=3, S="⁽³⁾", n=3)
    at_1 = _report([np.nan, np.nan, np.nan], overflow_step=1).overflow
    assert tx.overflowed(at_1) == say(tx.OVERFLOWED_AT_1, s=3, S="⁽³⁾", n=3)
    # finite forward pass, overflowed back-propagation: named as such, not as the forward pass
    back = _report([1.0, np.inf, 2.0]).overflow
    assert tx.overflowed(back) == say(tx.TERMS_OVERFLOWED, s=3, S="⁽³⁾", n=1)


def test_row_k1_and_path_info_follow_the_report():
    report = calls.path_report(SMALL, 0, 4, "W")
    row = tx.row_k1(report)
    assert row == tx.at_step(tx.ROW_K1, 4, first_w="0", first_u=format(report.first_term["U"], ".3g"))
    assert tx.row_k1(_report([1.0], first_term={"W": np.nan, "U": 1.0})) is None
    assert tx.path_info(report) is None
    assert tx.path_info(calls.path_report(SMALL, 0, 1, "W")) == say(tx.S1_FOR_W)
    assert tx.path_info(calls.path_report(SMALL, 0, 1, "U")) is None
    zero = _report([0.0], output_error_norm=0.0, step_loss=0.0)
    zero = dataclasses.replace(
        zero, terms={w: dataclasses.replace(v, output_error_zero=True) for w, v in zero.terms.items()}
    )
    assert tx.path_info(zero) == tx.at_step(tx.ZERO_OUTPUT_ERROR, 1, step_loss="0")


def test_checks_caption_follows_the_route_and_the_sample():
    small = calls.path_report(SMALL, 0, 3, "W")
    exact = calls.full_gradient_check(SMALL, 0, "W")
    caption = tx.checks_caption(small, exact, SMALL.T, calls.FD_EPS)
    assert caption.startswith(caption_start(calls.SUM_OVER_S))
    assert say(tx.SCOPE_ALL, n=25, wrt="W") in caption and say(tx.SAMPLED) not in caption
    sampled = calls.FullCheck(calls.FINITE_DIFFERENCES, 1e-9, 40, 900)
    caption = tx.checks_caption(small, sampled, 200, calls.FD_EPS)
    assert caption.startswith(caption_start(calls.FINITE_DIFFERENCES))
    assert say(tx.SCOPE_SAMPLE, checked=40, n=900, wrt="W") in caption and caption.endswith(say(tx.SAMPLED))
    assert "T = 200" in caption and "ε = 1e-06" in caption


def caption_start(route: str) -> str:
    return tx.CHECKS_CAPTION[route].split("{")[0]


def test_fd_gap_and_the_graph_notice_carry_their_numbers():
    verdict = _fd_verdict(3.14159e-3, loss=12.5)
    assert verdict.cause == "nonlinear"  # rounding of L = 12.5 gives ~1e-9 ≪ the tolerance
    assert verdict.rounding == pytest.approx(2**-53 * 12.5 / 1e-6, rel=1e-12)
    text = tx.fd_gap(verdict, _report([1.0]), 12.5, 1e-6)
    assert text.startswith(tx.FD_GAP["nonlinear"].split("{")[0])
    assert "error 0.0031" in text and "L = 12.5" in text and "ε = 1e-06" in text
    assert text.endswith(say(tx.PATH_SUM_HOLDS, error=tx.error(0.0)))
    rounding = _fd_verdict(3e-3, loss=1e12)  # 2⁻⁵³·1e12/1e-6 ≈ 1.1e2: rounding swamps the change
    assert rounding.cause == "rounding"
    assert tx.fd_gap(rounding, _report([1.0]), 1e12, 1e-6).startswith(tx.FD_GAP["rounding"].split("{")[0])
    # a subnormal gradient: ε·max|g| rounds to 0, and the sentence says the gradient cannot be resolved
    tiny = rc.gradient_check_verdict(np.array([1e-320, 0.0]), np.array([0.0, 1e-320]), loss=2.5, eps=1e-6)
    assert tiny.cause == "unresolvable" and tiny.rounding == float("inf") and tiny.scale == 0
    text = tx.fd_gap(tiny, _report([1.0]), 2.5, 1e-6)
    assert text.startswith(tx.FD_GAP["unresolvable"].split("{")[0]) and "rounds to 0" in text
    assert "∞" not in text and "L = 2.5" in text
    # a finite bound keeps the general sentence, its number included
    assert "about 1.1e+02, not below" in tx.fd_gap(rounding, _report([1.0]), 1e12, 1e-6)
    # a bound that overflowed (a huge L over a small gradient) is not an underflow: the general one
    huge = rc.gradient_check_verdict(np.array([1e-20, 0.0]), np.array([0.0, 1e-20]), loss=1e300, eps=1e-6)
    assert huge.rounding == float("inf") and huge.scale > 0
    assert "rounds to 0" not in tx.fd_gap(huge, _report([1.0]), 1e300, 1e-6)
    assert tx.graph_notice(3, "W", elided=False) == tx.at_step(tx.GRAPH_NOTICE["W"], 3)
    assert tx.graph_notice(3, "U", elided=True).endswith(say(tx.GRAPH_ELIDED))
    assert "1 term," in tx.expansion_lead(1, "W") and "7 terms," in tx.expansion_lead(7, "U")


def test_every_stop_reason_of_descent_has_a_sentence():
    from ui import notices

    assert set(notices.STOP_REASONS) == set(rc.DESCENT_STOPS)
    for reason in rc.DESCENT_STOPS:
        assert notices.stop_reason(reason) == say(notices.STOP_REASONS[reason])
