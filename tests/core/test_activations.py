"""Activations: f′ against central differences of f, γ against a grid, limits, and the LaTeX ranges."""

import math
import re
import warnings

import numpy as np
import pytest

import rnn_core as rc

NAMES = ("tanh", "sigmoid", "relu", "leaky_relu", "linear")

# a fine grid that contains 0 exactly (where tanh′ and sigmoid′ reach γ) and both kinks' sides
GRID = np.unique(np.concatenate([np.linspace(-12.0, 12.0, 24001), [0.0, 1e-12, -1e-12]]))
# wide enough to see the limits; moderate enough that f stays strictly inside open ranges
# (tanh rounds to exactly 1.0 in float64 from |a| ≈ 19 on, sigmoid from a ≈ 37)
WIDE = np.concatenate([-np.logspace(-3, 3, 200), [0.0], np.logspace(-3, 3, 200)])
MODERATE = GRID[np.abs(GRID) <= 15.0]


def test_the_five_activations_of_the_design_are_there():
    assert set(rc.ACTIVATIONS) == set(NAMES)
    for name, act in rc.ACTIVATIONS.items():
        assert act.name == name
        assert rc.get_activation(name) is act


def test_unknown_activation_names_the_choices():
    with pytest.raises(ValueError, match=r"activation must be one of \[.*'tanh'.*\]; received 'softplus'"):
        rc.get_activation("softplus")


@pytest.mark.parametrize("name", NAMES)
def test_df_matches_central_differences_of_f(name):
    act = rc.ACTIVATIONS[name]
    a = GRID[np.abs(GRID) > 1e-3]  # away from the kinks of relu and leaky_relu at 0
    eps = 1e-5
    numeric = (act.f(a + eps) - act.f(a - eps)) / (2 * eps)
    np.testing.assert_allclose(act.df(a), numeric, rtol=1e-8, atol=1e-10)


# the limits as |a| → ∞, from the definitions: (f(−big), f(+big), f′(−big), f′(+big))
LIMITS = {
    "tanh": (lambda a: -1.0, lambda a: 1.0, 0.0, 0.0),
    "sigmoid": (lambda a: 0.0, lambda a: 1.0, 0.0, 0.0),
    "relu": (lambda a: 0.0, lambda a: a, 0.0, 1.0),
    "leaky_relu": (lambda a: 0.01 * a, lambda a: a, 0.01, 1.0),
    "linear": (lambda a: a, lambda a: a, 1.0, 1.0),
}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("big", [1000.0, 1e300])
def test_f_and_df_at_huge_inputs_give_the_limits_without_warnings(name, big):
    act = rc.ACTIVATIONS[name]
    f_neg, f_pos, df_neg, df_pos = LIMITS[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f = act.f(np.array([-big, big]))
        d = act.df(np.array([-big, big]))
    assert caught == []
    assert f[0] == pytest.approx(f_neg(-big), rel=1e-15) and f[1] == pytest.approx(f_pos(big), rel=1e-15)
    assert d[0] == df_neg and d[1] == df_pos


@pytest.mark.parametrize(
    "name, a, closed_form",
    [
        # σ(−a) = e^{−a}/(1+e^{−a}) and σ′(a) = e^{−a}/(1+e^{−a})²: deep in the tails these are
        # tiny but must keep full relative precision, not round to 0 or to a few digits
        ("sigmoid", -40.0, lambda a: math.exp(a) / (1 + math.exp(a))),
        ("sigmoid", 40.0, lambda a: 1 / (1 + math.exp(-a))),
    ],
)
def test_f_keeps_relative_precision_in_the_tails(name, a, closed_form):
    assert rc.ACTIVATIONS[name].f(np.array([a]))[0] == pytest.approx(closed_form(a), rel=1e-14)


@pytest.mark.parametrize(
    "name, a, closed_form",
    [
        ("sigmoid", 40.0, lambda a: math.exp(-a) / (1 + math.exp(-a)) ** 2),
        ("sigmoid", -40.0, lambda a: math.exp(a) / (1 + math.exp(a)) ** 2),
        ("sigmoid", 700.0, lambda a: math.exp(-a)),
        ("tanh", 20.0, lambda a: 1.0 / math.cosh(a) ** 2),
        ("tanh", -25.0, lambda a: 1.0 / math.cosh(a) ** 2),
        ("tanh", 300.0, lambda a: 4.0 * math.exp(-2 * a)),
    ],
)
def test_df_keeps_relative_precision_where_one_minus_tanh_squared_would_cancel(name, a, closed_form):
    assert rc.ACTIVATIONS[name].df(np.array([a]))[0] == pytest.approx(closed_form(a), rel=1e-13)


@pytest.mark.parametrize("name", NAMES)
def test_gamma_is_the_max_of_abs_df_on_a_fine_grid(name):
    act = rc.ACTIVATIONS[name]
    d = np.abs(act.df(GRID))
    assert d.max() == pytest.approx(act.gamma, rel=1e-15)
    assert np.all(np.abs(act.df(WIDE)) <= act.gamma)


@pytest.mark.parametrize("name, gamma", [("tanh", 1.0), ("sigmoid", 0.25)])
def test_tanh_and_sigmoid_reach_gamma_at_zero_only(name, gamma):
    act = rc.ACTIVATIONS[name]
    assert act.gamma == gamma  # DESIGN §2: γ = 1/4 for sigmoid, 1 for tanh
    assert act.df(np.array([0.0]))[0] == gamma
    # strictly below γ away from 0 (within ~1e-8 of 0 the deficit is below float64 resolution)
    assert np.all(act.df(GRID[np.abs(GRID) >= 1e-3]) < gamma)


def test_relu_derivative_at_zero_is_zero_and_leaky_slope_applies_there():
    assert rc.ACTIVATIONS["relu"].df(np.array([0.0]))[0] == 0.0
    assert rc.ACTIVATIONS["leaky_relu"].df(np.array([0.0]))[0] == 0.01
    assert rc.ACTIVATIONS["relu"].df(np.array([1e-300]))[0] == 1.0


@pytest.mark.parametrize("name", NAMES)
def test_f_and_df_keep_the_shape_and_return_float64(name):
    act = rc.ACTIVATIONS[name]
    a = np.linspace(-2, 2, 24).reshape(2, 3, 4)
    for fn in (act.f, act.df):
        out = fn(a)
        assert out.shape == a.shape and out.dtype == np.float64


# --- the LaTeX ranges, read back and checked against the functions --------------------------------


def _latex_number(text: str) -> float:
    text = text.strip().replace(r"\ ", "").strip()
    if m := re.fullmatch(r"(-?)\\t?frac\{(\d+)\}\{(\d+)\}", text):
        return (-1 if m[1] else 1) * int(m[2]) / int(m[3])
    if m := re.fullmatch(r"(-?)\\infty", text):
        return -math.inf if m[1] else math.inf
    return float(text)


def _parse_range(latex: str):
    """("set", {values}) for \\{…\\}, or ("interval", left bracket, lo, hi, right bracket)."""
    latex = latex.strip()
    if latex.startswith(r"\{") and latex.endswith(r"\}"):
        return ("set", {_latex_number(v) for v in latex[2:-2].split(",")})
    assert latex[0] in "([" and latex[-1] in ")]", latex
    lo, hi = latex[1:-1].split(",")
    return ("interval", latex[0], _latex_number(lo), _latex_number(hi), latex[-1])


def _check_range(fn, latex: str):
    parsed = _parse_range(latex)
    if parsed[0] == "set":
        # the values f′ takes on a grid through both sides of every kink are exactly the set
        assert set(np.unique(fn(GRID)).tolist()) == parsed[1]
        return
    _, left, lo, hi, right = parsed
    wide, moderate = fn(WIDE), fn(MODERATE)
    assert np.all((wide >= lo) & (wide <= hi))
    for end, bracket, inside in ((lo, left, moderate > lo), (hi, right, moderate < hi)):
        if math.isinf(end):
            # unbounded on that side: the values run far past any finite bound
            assert bracket in "()"
            assert (np.min(wide) <= -10.0) if end < 0 else (np.max(wide) >= 10.0)
        elif bracket in "[]":
            assert np.any(moderate == end), f"{latex}: {end} is closed but not attained"
        else:
            assert np.all(inside), f"{latex}: {end} is open but attained"
            assert np.min(np.abs(wide - end)) < 1e-6, f"{latex}: {end} is not approached"


@pytest.mark.parametrize("name", NAMES)
def test_latex_range_of_df_agrees_with_df_on_a_grid(name):
    act = rc.ACTIVATIONS[name]
    _check_range(act.df, act.latex_range_df)


@pytest.mark.parametrize("name", NAMES)
def test_latex_range_of_f_agrees_with_f_on_a_grid(name):
    act = rc.ACTIVATIONS[name]
    _check_range(act.f, act.latex_range_f)


def test_design_ranges_of_the_derivatives_are_the_corrected_ones():
    # DESIGN §6: tanh′ ranges over (0, 1] and sigmoid′ over (0, 1/4]: the maxima are attained
    assert _parse_range(rc.ACTIVATIONS["tanh"].latex_range_df) == ("interval", "(", 0.0, 1.0, "]")
    assert _parse_range(rc.ACTIVATIONS["sigmoid"].latex_range_df) == ("interval", "(", 0.0, 0.25, "]")


@pytest.mark.parametrize("name", NAMES)
def test_latex_formulas_are_stated_in_the_notation(name):
    act = rc.ACTIVATIONS[name]
    assert act.latex_f.startswith("f(a) =")
    assert act.latex_df.startswith("f'(a) =")


# every value class f meets: the grid, the tails, ±0, the smallest subnormals, where exp(±a)
# under- and overflows (|a| ≈ 745, 709.8), ±inf and nan
EDGES = np.concatenate(
    [GRID, WIDE, [0.0, -0.0, 5e-324, -5e-324, 36.7, -36.7, 709.8, -709.8, 745.2, -745.2, 1e308, -1e308]]
)
SPECIAL = np.array([np.inf, -np.inf, np.nan])


def test_sigmoid_is_the_two_branch_quotient_to_the_last_bit():
    # the definition's two overflow-free quotients, chosen per sign: 1/(1+e^{−a}) for a ≥ 0 and
    # e^{a}/(1+e^{a}) for a < 0, each element on its own
    a = np.concatenate([EDGES, SPECIAL])
    with np.errstate(all="ignore"):
        want = np.array([1.0 / (1.0 + np.exp(-x)) if x >= 0 else np.exp(x) / (1.0 + np.exp(x)) for x in a])
    got = rc.ACTIVATIONS["sigmoid"].f(a)
    np.testing.assert_array_equal(got, want)  # nan where a is nan; 1 at +inf, 0 at −inf


@pytest.mark.parametrize("name", NAMES)
def test_f_into_writes_the_numbers_of_f(name):
    act = rc.ACTIVATIONS[name]
    a = np.concatenate([EDGES, SPECIAL]).reshape(-1, 1)
    out = np.full_like(a, 7.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        act.f_into(a, out)
    np.testing.assert_array_equal(out, act.f(a))
