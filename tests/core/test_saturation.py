"""Saturation (rc.grid_check, rc.derivative_stats, rc.first_zero, …) against plain loops, closed
forms and the float64 grid itself."""

import math

import numpy as np
import pytest

import rnn_core as rc
from rnn_core import (
    derivative_stats,
    first_zero,
    gamma_powers,
    grid_check,
    log10_derivative,
    saturated_intervals,
    symmetric_grid,
    textbook_derivative,
    zero_derivative_threshold,
    zero_edge,
)

NAMES = ("tanh", "sigmoid", "relu", "leaky_relu", "linear")
GRID = symmetric_grid(8.0, 4000)  # step 0.002


def df_scalar(name: str, x: float) -> float:
    return float(rc.ACTIVATIONS[name].df(np.array([x]))[0])


# --- the grid -----------------------------------------------------------------------------------


@pytest.mark.parametrize("a_max, n_half", [(8.0, 4000), (1, 1), (40, 7)])
def test_symmetric_grid_holds_zero_exactly_and_mirrors_itself(a_max, n_half):
    g = symmetric_grid(a_max, n_half)
    assert g.shape == (2 * n_half + 1,)
    assert g[n_half] == 0.0
    np.testing.assert_array_equal(g, -g[::-1])
    assert g[0] == -a_max and g[-1] == a_max
    assert np.all(np.diff(g) > 0)


@pytest.mark.parametrize(
    "a_max, n_half, match",
    [
        (0.0, 10, "a_max must be a positive finite number; received 0.0"),
        (np.inf, 10, "a_max"),
        (True, 10, "a_max"),
        (3.0, 0, r"n_half must be an integer ≥ 1; received 0"),
        (3.0, 2.5, "n_half"),
    ],
)
def test_symmetric_grid_rejects_bad_arguments(a_max, n_half, match):
    with pytest.raises(ValueError, match=match):
        symmetric_grid(a_max, n_half)


# --- the range of f′ on a grid -------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_grid_check_agrees_with_a_plain_loop(name):
    values = [df_scalar(name, float(x)) for x in GRID]
    top, bottom = max(values), min(values)
    at_top = [float(x) for x, v in zip(GRID, values) if v == top]
    at_bottom = [float(x) for x, v in zip(GRID, values) if v == bottom]
    check = grid_check(name, GRID)
    assert check.sup == top and check.inf == bottom
    assert check.sup_at == (at_top[0], at_top[-1])
    assert check.inf_at == (at_bottom[0], at_bottom[-1])
    distinct = sorted(set(values))
    assert check.values == (tuple(distinct) if len(distinct) <= 3 else None)


@pytest.mark.parametrize("name", NAMES)
def test_the_max_of_f_prime_on_a_grid_through_zero_is_gamma(name):
    check = grid_check(name, GRID)
    assert check.sup == rc.ACTIVATIONS[name].gamma
    assert check.sup_is_gamma


def test_the_ranges_of_f_prime_the_homework_gets_wrong():
    tanh, sigmoid = grid_check("tanh", GRID), grid_check("sigmoid", GRID)
    # tanh′ reaches 1 (at a = 0 only): the range is (0, 1], not (0, 1)
    assert tanh.sup == 1.0 and tanh.sup_at == (0.0, 0.0)
    # sigmoid′ reaches 1/4 at a = 0; neither goes down to 0 on a finite interval
    assert sigmoid.sup == 0.25 and sigmoid.sup_at == (0.0, 0.0)
    assert tanh.inf > 0.0 and sigmoid.inf > 0.0
    assert tanh.inf_at == (-8.0, 8.0) and sigmoid.inf_at == (-8.0, 8.0)
    assert grid_check("relu", GRID).values == (0.0, 1.0)
    assert grid_check("leaky_relu", GRID).values == (rc.activations.LEAKY_SLOPE, 1.0)
    assert grid_check("linear", GRID).values == (1.0,)


def test_grid_check_rejects_a_grid_that_is_not_increasing():
    with pytest.raises(ValueError, match=r"a must hold at least 2 strictly increasing values; received 3"):
        grid_check("tanh", [0.0, 2.0, 1.0])
    with pytest.raises(ValueError, match=r"a must be finite"):
        grid_check("tanh", [0.0, np.nan])
    with pytest.raises(ValueError, match=r"activation must be one of"):
        grid_check("softplus", GRID)


# --- saturated regions -----------------------------------------------------------------------------


def runs_by_loop(name: str, grid: np.ndarray, fraction: float) -> list[tuple[float, float]]:
    threshold = fraction * rc.ACTIVATIONS[name].gamma
    runs, start, prev = [], None, None
    for x in grid:
        sat = df_scalar(name, float(x)) < threshold
        if sat and start is None:
            start = float(x)
        if not sat and start is not None:
            runs.append((start, prev))
            start = None
        prev = float(x)
    if start is not None:
        runs.append((start, prev))
    return runs


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("fraction", [0.01, 0.3])
def test_saturated_intervals_agree_with_a_plain_loop(name, fraction):
    got = saturated_intervals(name, GRID, fraction)
    assert got.shape[1] == 2
    assert [tuple(r) for r in got.tolist()] == runs_by_loop(name, GRID, fraction)


def test_saturation_edges_match_the_closed_forms():
    step = GRID[1] - GRID[0]
    # tanh′(a) = 1 − tanh²a = 0.01  ⇔  |a| = artanh(√0.99)
    edge_tanh = math.atanh(math.sqrt(0.99))
    lo, hi = saturated_intervals("tanh", GRID, 0.01)
    assert lo[0] == -8.0 and hi[1] == 8.0
    assert 0.0 <= hi[0] - edge_tanh < step and 0.0 <= -edge_tanh - lo[1] < step
    # sigmoid′ = e/(1+e)² = c with e = exp(−|a|): c e² + (2c − 1) e + c = 0, the small root
    c = 0.01 * 0.25
    e = ((1 - 2 * c) - math.sqrt((1 - 2 * c) ** 2 - 4 * c * c)) / (2 * c)
    edge_sigmoid = -math.log(e)
    lo, hi = saturated_intervals("sigmoid", GRID, 0.01)
    assert 0.0 <= hi[0] - edge_sigmoid < step
    # ReLU′ = 0 < 0.01 for every a ≤ 0; leaky ReLU′ = 0.01 is not < 0.01·1; linear never
    np.testing.assert_array_equal(saturated_intervals("relu", GRID, 0.01), [[-8.0, 0.0]])
    assert saturated_intervals("leaky_relu", GRID, 0.01).shape == (0, 2)
    assert saturated_intervals("leaky_relu", GRID, 0.0100001).tolist() == [[-8.0, 0.0]]
    assert saturated_intervals("linear", GRID, 0.99).shape == (0, 2)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, "0.01", True])
def test_saturated_intervals_reject_a_bad_fraction(fraction):
    with pytest.raises(ValueError, match=r"fraction must be a number in \(0, 1\)"):
        saturated_intervals("tanh", GRID, fraction)


# --- γᵏ ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_gamma_powers_are_repeated_products(name):
    gamma = rc.ACTIVATIONS[name].gamma
    powers = gamma_powers(name, 60)
    expected, p = [], 1.0
    for _ in range(61):
        expected.append(p)
        p *= gamma
    np.testing.assert_allclose(powers, expected, rtol=1e-13)


def test_sigmoid_gamma_powers_at_the_largest_k_stay_normal_floats():
    p = gamma_powers("sigmoid", 500)[-1]
    assert p >= np.finfo(np.float64).tiny
    assert math.isclose(math.log10(p), 500 * math.log10(0.25), rel_tol=1e-12)
    with pytest.raises(ValueError, match=r"k_max must be an integer ≥ 0; received -1"):
        gamma_powers("tanh", -1)


# --- the f′ values of a network ----------------------------------------------------------------------


def stats_by_loop(name: str, a: np.ndarray, fraction: float):
    """The same statistics from nested loops over t, b, i with math only."""
    gamma = rc.ACTIVATIONS[name].gamma
    T = a.shape[0]
    finite, means, maxes = [], [], []
    for t in range(T):
        step = []
        for b in range(a.shape[1]):
            for i in range(a.shape[2]):
                with np.errstate(all="ignore"):
                    v = df_scalar(name, float(a[t, b, i]))
                if math.isfinite(v):
                    step.append(v)
        finite += step
        means.append(sum(step) / len(step) if step else math.nan)
        maxes.append(max(step) if step else math.nan)
    sat = sum(v < fraction * gamma for v in finite) / len(finite)
    zero = sum(v == 0.0 for v in finite) / len(finite)
    return finite, means, maxes, sat, zero


def log10_suffix_product(per_step: list[float], k: int) -> float:
    prod = math.prod(per_step[-k:])
    return -math.inf if prod == 0.0 else math.log10(prod)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_stats_agree_with_plain_loops(name):
    rng = np.random.default_rng(3)
    a = rng.standard_normal((7, 2, 5)) * 4.0
    a[2, 0, 1], a[4, 1, 3], a[5, 0, 0] = np.inf, -np.inf, np.nan  # an overflowed forward pass
    stats = derivative_stats(name, a, 0.01, bins=10)
    finite, means, maxes, sat, zero = stats_by_loop(name, a, 0.01)
    assert stats.n_finite == len(finite) and stats.n_nonfinite == a.size - len(finite)
    assert stats.fraction_saturated == pytest.approx(sat, abs=1e-15)
    assert stats.fraction_zero == pytest.approx(zero, abs=1e-15)
    assert stats.mean == pytest.approx(sum(finite) / len(finite), rel=1e-12)
    np.testing.assert_allclose(stats.per_step_mean, means, rtol=1e-12)
    np.testing.assert_array_equal(stats.per_step_max, maxes)
    for k in range(1, 8):
        for got, per_step in ((stats.log10_prod_mean, means), (stats.log10_prod_max, maxes)):
            want = log10_suffix_product(per_step, k)
            assert got[k - 1] == want if math.isinf(want) else got[k - 1] == pytest.approx(want, abs=1e-12)
    # histogram: every finite value counted once, each in the bin [lo, hi) (the last one closed)
    assert stats.hist_counts.sum() == len(finite)
    edges = stats.hist_edges
    assert edges[0] == 0.0 and edges[-1] == rc.ACTIVATIONS[name].gamma
    for j in range(10):
        lo, hi = edges[j], edges[j + 1]
        inside = sum(lo <= v < hi or (j == 9 and v == hi) for v in finite)
        assert stats.hist_counts[j] == inside
    assert stats.max_abs_a == max(abs(float(x)) for x in a.ravel() if math.isfinite(x))


def test_relu_dead_paths_are_the_pre_activations_at_or_below_zero():
    a = np.random.default_rng(5).standard_normal((30, 1, 16))
    stats = derivative_stats("relu", a)
    assert stats.fraction_zero == pytest.approx(np.mean(a <= 0.0), abs=1e-15)
    assert stats.fraction_saturated == stats.fraction_zero


def test_a_step_where_every_relu_unit_is_off_zeroes_every_longer_product():
    a = np.ones((6, 1, 3))
    a[3] = -1.0  # step t = 4 is dead: every path from h⁽⁶⁾ back past it is exactly zero
    stats = derivative_stats("relu", a)
    # from the end: steps 6, 5 pass (k = 1, 2), step 4 kills (k ≥ 3)
    np.testing.assert_array_equal(stats.log10_prod_max, [0.0, 0.0, -np.inf, -np.inf, -np.inf, -np.inf])


def test_textbook_zero_fraction_counts_the_units_beyond_its_edge():
    edge = zero_derivative_threshold("tanh", form="textbook")
    a = np.array([0.0, 1.0, edge * 0.99, edge, -edge * 1.5, 25.0, 400.0]).reshape(7, 1, 1)
    stats = derivative_stats("tanh", a)
    # textbook 1 − tanh² is exactly 0 for the 4 values with |a| ≥ edge; rnn_core's only for 400 > 372.57
    assert stats.fraction_zero_textbook == pytest.approx(4 / 7)
    assert stats.fraction_zero == pytest.approx(1 / 7)
    assert derivative_stats("relu", a).fraction_zero_textbook is None


def test_derivative_stats_reject_bad_shapes():
    with pytest.raises(ValueError, match=r"a must have shape \(T, B, H\); received shape \(4, 3\)"):
        derivative_stats("tanh", np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"a must have T ≥ 1 steps"):
        derivative_stats("tanh", np.zeros((0, 1, 3)))
    with pytest.raises(ValueError, match=r"bins must be an integer ≥ 1; received 0"):
        derivative_stats("tanh", np.zeros((2, 1, 3)), bins=0)


def test_all_nonfinite_input_gives_nan_statistics_without_warnings():
    a = np.full((3, 1, 2), np.nan)
    stats = derivative_stats("tanh", a)  # RuntimeWarnings are errors in this suite
    assert stats.n_finite == 0 and stats.n_nonfinite == 6
    assert math.isnan(stats.fraction_saturated) and math.isnan(stats.mean)
    assert np.isnan(stats.per_step_mean).all() and np.isnan(stats.log10_prod_max).all()


# --- float64: where f′ is exactly 0.0 -----------------------------------------------------------------


def forms(name):
    yield "rnn_core", rc.ACTIVATIONS[name].df
    yield "textbook", textbook_derivative(name)


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
def test_zero_threshold_is_the_first_float_where_f_prime_is_zero_on_both_sides(name):
    df = rc.ACTIVATIONS[name].df
    t = zero_derivative_threshold(name)
    before = np.nextafter(t, 0.0)
    for sign in (1.0, -1.0):
        assert df(np.array([sign * t]))[0] == 0.0
        assert df(np.array([sign * before]))[0] != 0.0
    # and it stays 0.0 beyond (bisection assumed so)
    far = np.array([1.0000001, 2.0, 1e10, 1e300]) * t
    assert np.all(df(far) == 0.0) and np.all(df(-far) == 0.0)


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
@pytest.mark.parametrize("sign", [1, -1])
def test_first_zero_holds_for_each_form_and_side(name, sign):
    for _, df in forms(name):
        t = first_zero(df, sign)
        before = np.nextafter(t, 0.0)
        with np.errstate(over="ignore"):
            assert df(np.array([sign * t]))[0] == 0.0
            assert df(np.array([sign * before]))[0] != 0.0
        edge = zero_edge(name, sign, form="rnn_core" if df is rc.ACTIVATIONS[name].df else "textbook")
        assert edge.at == t and edge.before == before and edge.df_at == 0.0 and edge.df_before > 0.0


def test_rnn_core_thresholds_are_where_exp_underflows():
    # exp(−x) rounds to 0.0 once it is below half the smallest subnormal, 2⁻¹⁰⁷⁵: x > 1075·ln 2
    underflow = 1075 * math.log(2.0)
    assert zero_derivative_threshold("sigmoid") == pytest.approx(underflow, rel=1e-12)
    assert zero_derivative_threshold("tanh") == pytest.approx(underflow / 2, rel=1e-12)  # e = exp(−2|a|)


def test_textbook_forms_give_up_where_tanh_and_sigma_round_to_one():
    t_tanh = zero_derivative_threshold("tanh", form="textbook")
    assert np.tanh(t_tanh) == 1.0 and np.tanh(np.nextafter(t_tanh, 0.0)) < 1.0
    t_sig_pos = first_zero(textbook_derivative("sigmoid"), 1)
    sigma = rc.ACTIVATIONS["sigmoid"].f
    assert sigma(np.array([t_sig_pos]))[0] == 1.0 and sigma(np.array([np.nextafter(t_sig_pos, 0.0)]))[0] < 1.0
    # far earlier than rnn_core's forms: by more than a factor 10
    assert 10 * t_tanh < zero_derivative_threshold("tanh")
    assert 10 * t_sig_pos < zero_derivative_threshold("sigmoid")
    # for a < 0, σ(a) is small and 1 − σ(a) is not: σ(1 − σ) lasts as long as rnn_core's form
    assert first_zero(textbook_derivative("sigmoid"), -1) == zero_derivative_threshold("sigmoid")


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "linear"])
def test_no_threshold_for_activations_whose_derivative_never_vanishes_on_both_sides(name):
    assert zero_derivative_threshold(name) is None
    assert zero_derivative_threshold(name, form="textbook") is None
    assert textbook_derivative(name) is None
    # relu′ is 0 from the first float below 0 on; leaky and linear never
    expected = 5e-324 if name == "relu" else None
    assert first_zero(rc.ACTIVATIONS[name].df, -1) == expected
    assert first_zero(rc.ACTIVATIONS[name].df, 1) is None


def test_first_zero_and_forms_reject_bad_arguments():
    with pytest.raises(ValueError, match=r"sign must be 1 or -1; received 0"):
        first_zero(rc.ACTIVATIONS["tanh"].df, 0)
    with pytest.raises(ValueError, match=r"form must be one of \['rnn_core', 'textbook'\]; received 'naive'"):
        zero_derivative_threshold("tanh", form="naive")
    with pytest.raises(
        ValueError, match=r"form 'textbook' exists for \['sigmoid', 'tanh'\] only; received 'relu'"
    ):
        log10_derivative("relu", [1.0], form="textbook")


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
@pytest.mark.parametrize("form", ["rnn_core", "textbook"])
def test_log10_derivative_is_minus_infinity_exactly_where_f_prime_is_zero(name, form):
    a = np.linspace(0.0, 800.0, 2001)
    got = log10_derivative(name, a, form=form)
    df = rc.ACTIVATIONS[name].df if form == "rnn_core" else textbook_derivative(name)
    for x, g in zip(a, got):
        v = float(df(np.array([x]))[0])
        assert g == (-math.inf if v == 0.0 else pytest.approx(math.log10(v), abs=1e-12))


# --- the verdict on Πⱼ max f′ · σ_max(W)ᵀ, against the rule written out over a grid -------------------


def _expected_kind(per_step_max: np.ndarray, sigma: float, rtol: float) -> str:
    """The verdict's rule from its definition, with a plain loop and exact products in fractions."""
    from fractions import Fraction

    bound = Fraction(1)
    for m in per_step_max[::-1]:  # k = 1..T: the steps T, T−1, …, 1
        if np.isnan(m):
            return "not_a_number"
        if m == 0.0:
            return "cut"
        bound *= Fraction(float(m)) * Fraction(float(sigma))
    T = per_step_max.size
    low, high = Fraction(1) / Fraction(1 + rtol) ** T, Fraction(1 + rtol) ** T
    # log₁₀ bound < −T log₁₀(1 + rtol)  ⇔  bound < (1 + rtol)^(−T)
    if bound < low:
        return "shrinks"
    return "cannot_grow" if bound <= high else "may_grow"


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "relu", "leaky_relu", "linear"])
@pytest.mark.parametrize("T", [1, 2, 20])
def test_product_bound_kinds_against_the_rule_on_a_grid_with_its_boundaries(name, T):
    rng = np.random.default_rng(T)
    gamma = rc.ACTIVATIONS[name].gamma
    a = np.where(rng.random((T, 1, 3)) < 0.5, 0.0, rng.standard_normal((T, 1, 3)))
    stats = rc.derivative_stats(name, a)
    # the σ that puts the bound exactly at 1, then just inside and just outside the tolerance
    log_prod = float(stats.log10_prod_max[-1])
    one = 10 ** (-log_prod / T) if np.isfinite(log_prod) else 1.0
    rtol = rc.PRODUCT_RTOL
    for sigma in (0.0, 0.5 / gamma, one, one * (1 + 0.5 * rtol), one * (1 + 3 * rtol), 1.0 / gamma, 4.0):
        verdict = rc.product_bound(stats, sigma)
        assert verdict.kind == _expected_kind(stats.per_step_max, sigma, rtol), (sigma, verdict)
        assert verdict.T == T and verdict.sigma_max == sigma
        if verdict.kind == "cut":
            k = verdict.cut_from
            assert stats.per_step_max[T - k] == 0.0 and (stats.per_step_max[T - k + 1 :] > 0).all()
            assert verdict.cut_step == T - k + 1
        else:
            assert verdict.cut_from is None and verdict.cut_step is None


def test_product_bound_at_the_linear_sigma_one_boundary_cannot_grow():
    stats = rc.derivative_stats("linear", np.ones((200, 1, 4)))
    assert rc.product_bound(stats, 1.0).kind == "cannot_grow"
    assert rc.product_bound(stats, 1.0 + 1e-12).kind == "cannot_grow"  # rounding of an SVD
    assert rc.product_bound(stats, 1.0 - 1e-7).kind == "shrinks"
    assert rc.product_bound(stats, 1.0 + 1e-7).kind == "may_grow"
    verdict = rc.product_bound(stats, 2.0)
    assert verdict.log10_bound == pytest.approx(200 * math.log10(2.0), rel=1e-12)
    assert verdict.log10_gamma_power == 0.0


def test_product_bound_of_an_overflowed_pass_is_not_a_number():
    a = np.ones((4, 1, 2))
    a[1] = np.nan
    assert rc.product_bound(rc.derivative_stats("tanh", a), 1.0).kind == "not_a_number"
    with pytest.raises(ValueError, match="sigma_max"):
        rc.product_bound(rc.derivative_stats("tanh", a), -1.0)


def test_span_kinds_and_open_ends():
    assert [rc.span_kind(*p) for p in ((0.0, 0.0), (-8.0, 8.0), (0.5, 8.0))] == ["point", "pair", "interval"]
    grid = rc.symmetric_grid(8.0, 100)
    assert rc.grid_check("tanh", grid).open_at_zero and rc.grid_check("sigmoid", grid).open_at_zero
    assert not rc.grid_check("relu", grid).open_at_zero  # reaches 0 exactly
    assert not rc.grid_check("linear", grid).open_at_zero  # one value, not a continuum


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "relu", "leaky_relu", "linear"])
def test_saturation_edge_is_the_first_positive_grid_point_of_a_plain_loop(name):
    act = rc.ACTIVATIONS[name]
    grid = rc.symmetric_grid(8.0, 400)
    first = next((float(x) for x in grid if x > 0 and act.df(np.array([x]))[0] < 0.01 * act.gamma), None)
    assert rc.saturation_edge(name, grid) == first
    assert (first is None) == (name in ("relu", "leaky_relu", "linear"))
