"""rc.bound_verdict against an independent rule over a grid of bases around 1, and rc.shrink_cause
against ‖Wᵈ‖ from numpy's matrix_power and explicit Jacobian products."""

import math
from fractions import Fraction

import numpy as np
import pytest

import rnn_core as rc
from tests.core.reference_loops import random_problem

TOL = rc.BOUND_RTOL


def expected_kind(gamma: float, sigma: float) -> str:
    """The rule written out with exact rational arithmetic on the two floats' product."""
    if math.isnan(sigma):
        return "undefined"
    if math.isinf(sigma):
        return "unbounded"
    base = Fraction(gamma) * Fraction(sigma)
    if base == 0:
        return "zero"
    if abs(base - 1) <= Fraction(TOL):
        return "cannot_grow"
    return "vanishes" if base < 1 else "may_grow"


SIGMAS = [
    1.0,
    1 + TOL / 2,
    1 - TOL / 2,
    1 + 2 * TOL,
    1 - 2 * TOL,
    0.0,
    math.inf,
    math.nan,
    0.9999999999999999,
    1.0000000000000002,
    0.5,
    2.17,
    1 + 1e-6,
    1 - 1e-5,
]


@pytest.mark.parametrize("gamma", [1.0, 0.25])
@pytest.mark.parametrize("sigma", SIGMAS)
def test_bound_verdict_against_the_rule_and_its_printed_comparison(gamma, sigma):
    sigma = sigma / gamma if math.isfinite(sigma) else sigma  # the same bases for sigmoid (σ = 4·…)
    v = rc.bound_verdict(gamma, sigma)
    assert v.kind == expected_kind(gamma, sigma) and v.kind in rc.BOUND_KINDS
    assert v.tolerance == TOL and v.gamma == gamma and (v.sigma_max == sigma or math.isnan(sigma))
    if v.kind in ("vanishes", "may_grow"):
        printed = float(v.shown)  # the printed base stands on its own side of 1
        assert (printed < 1) if v.kind == "vanishes" else (printed > 1)
        assert v.relation == ("<" if v.kind == "vanishes" else ">")
        assert float(v.sigma_shown) == pytest.approx(sigma, rel=10 ** (1 - v.digits))
    if v.kind == "cannot_grow":
        assert (v.shown, v.relation) == ("1", "=") and v.sigma_shown == format(1 / gamma, "g")
        assert not v.vanishing_guaranteed and not v.growth_possible
    assert v.vanishing_guaranteed == (v.kind in ("vanishes", "zero"))
    assert v.growth_possible == (v.kind in ("may_grow", "unbounded", "undefined"))


def test_the_reported_network_H2_seed3_is_exactly_at_the_bound():
    p = rc.RNNParams.init(3, 2, 3, w_scale=1.0, seed=3)
    sigma = np.linalg.svd(p.W, compute_uv=False)[0]
    # 1 up to rounding: 0.9999999999999999 on one processor, exactly 1.0 on another (LAPACK's
    # kernels differ); the verdict must say "at the bound" either way
    assert abs(sigma - 1.0) <= 2 * np.finfo(float).eps
    v = rc.spectral_summary(p.W, "tanh").bound
    assert v.kind == "cannot_grow" and v.shown == "1" and not v.vanishing_guaranteed
    regime = rc.classify_regime([-3.0, 0.0], bound_base=sigma)
    assert not regime.vanishing_guaranteed  # the regime agrees with the verdict


def test_bound_verdict_rejects_bad_input():
    for kwargs in (
        dict(gamma=0.0, sigma_max=1.0),
        dict(gamma=1.0, sigma_max=-1.0),
        dict(gamma="1", sigma_max=1),
    ):
        with pytest.raises(ValueError, match="received"):
            rc.bound_verdict(**kwargs)


def log_norm_of_power(W, d):
    return math.log10(np.linalg.svd(np.linalg.matrix_power(W, d), compute_uv=False)[0])


def explicit_log_norm(params, trace, d):
    """log₁₀‖Πⱼ diag(f′(a⁽ʲ⁾)) W‖₂ over the last d steps, the matrices multiplied out one by one."""
    act = rc.ACTIVATIONS[trace.activation]
    T = trace.a.shape[0]
    M = np.eye(params.n_hidden)
    for j in range(T, T - d, -1):  # ∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾ = J_T J_{T−1} ⋯
        M = M @ (np.diag(act.df(trace.a[j - 1, 0])) @ params.W)
    return math.log10(np.linalg.svd(M, compute_uv=False)[0])


@pytest.mark.parametrize("activation", tuple(rc.ACTIVATIONS))
@pytest.mark.parametrize("w_init", rc.W_INITS)
def test_shrink_cause_parts_add_up_against_explicit_products(activation, w_init):
    params, xs, targets, _ = random_problem(10, 1, 3, 6, 2, seed=1, w_init=w_init, w_scale=1.3)
    trace = rc.forward(params, xs, targets, activation=activation)
    for d in (1, 4, 10):
        c = rc.shrink_cause(params, trace, distance=d)
        measured = explicit_log_norm(params, trace, d)
        sigma = np.linalg.svd(params.W, compute_uv=False)[0]
        gamma = rc.ACTIVATIONS[activation].gamma
        assert c.measured == pytest.approx(measured, abs=1e-9)
        assert c.power_log_norm == pytest.approx(log_norm_of_power(params.W, d), abs=1e-9)
        assert c.weights == pytest.approx(d * math.log10(sigma) - log_norm_of_power(params.W, d), abs=1e-9)
        assert c.weights + c.derivatives == pytest.approx(d * math.log10(gamma * sigma) - measured, abs=1e-9)
        if activation == "linear":  # f′ ≡ 1 = γ: the derivatives cost nothing, W decides
            assert c.derivatives == pytest.approx(0.0, abs=1e-9) and c.below_gamma == 0.0
            assert c.kind in ("weights", "none")
        f = rc.ACTIVATIONS[activation].df(trace.a[10 - d : 10, 0])
        assert c.below_gamma == pytest.approx(np.mean(f < gamma * (1 - 1e-12)))


def test_shrink_cause_names_the_cause_the_numbers_show():
    xs = np.random.default_rng(0).standard_normal((20, 1, 3))
    y = np.zeros((20, 1), dtype=int)
    # linear with a gaussian W: f′ ≡ 1, the shrinking is W's (its powers fall far below σ_maxᵈ)
    p = rc.RNNParams.init(3, 16, 3, w_init="gaussian", w_scale=1.0, seed=0)
    c = rc.shrink_cause(p, rc.forward(p, xs, y, activation="linear"))
    assert c.kind == "weights" and c.weights > 1 and c.shortfall == "none"
    # tanh with an orthogonal W: ‖Wᵈ‖ = σ_maxᵈ exactly, the shrinking is f′'s (saturation)
    p = rc.RNNParams.init(3, 16, 3, w_init="orthogonal", w_scale=1.0, seed=0)
    c = rc.shrink_cause(p, rc.forward(p, xs, y, activation="tanh"))
    assert c.kind == "derivatives" and abs(c.weights) < 1e-9 and c.shortfall == "saturated"
    # linear with an orthogonal W at σ = 1: nothing is lost against the bound
    c = rc.shrink_cause(p, rc.forward(p, xs, y, activation="linear"))
    assert c.kind == "none"
    # ReLU with W = I: a unit that is off (f′ = 0) is what cuts the norm
    p = rc.RNNParams.init(3, 16, 3, w_init="identity", w_scale=1.0, seed=0)
    c = rc.shrink_cause(p, rc.forward(p, xs, y, activation="relu"))
    assert c.shortfall == "off" and c.kind in ("derivatives", "cut")
    with pytest.raises(ValueError, match="distance"):
        rc.shrink_cause(p, rc.forward(p, xs, y, activation="relu"), distance=21)


@pytest.mark.parametrize("d", [1, 2, 3, 7, 64, 100])
def test_the_power_by_squaring_is_the_closed_form_of_a_jordan_block(d):
    lam, a = 0.9, 1.0
    closed = np.array([[lam**d, d * a * lam ** (d - 1)], [0.0, lam**d]])  # Wⁿ of [[λ, a], [0, λ]]
    c = rc.verdicts.cause_of(np.array([[lam, a], [0.0, lam]]), "linear", np.ones((d, 2)), 0.0, d)
    assert c.power_log_norm == pytest.approx(math.log10(np.linalg.norm(closed, 2)), abs=1e-12)


# --- where the Jacobian profile stops being a number ------------------------------------------------


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "linear", "tanh"])
def test_derivative_failure_step_is_where_the_jacobian_norms_stop_being_numbers(activation):
    from rnn_core.verdicts import derivative_failure_step

    params = rc.RNNParams.init(2, 6, 2, w_scale=1.0, seed=4)
    params = rc.RNNParams(params.U, params.W * 1e100, params.V, params.b, params.c)  # overflows at t = 5
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((12, 1, 2))
    trace = rc.forward(params, xs, rng.integers(0, 2, (12, 1)), activation=activation, loss="softmax_ce")
    step = derivative_failure_step(trace)
    # a plain loop over the steps: the first whose f′(a⁽ᵗ⁾) is not all numbers
    df = rc.get_activation(activation).df
    with np.errstate(all="ignore"):
        plain = next((t for t in range(1, 13) if not np.isfinite(df(trace.a[t - 1])).all()), None)
    assert step == plain
    if activation in ("tanh", "linear"):
        return  # tanh′ of ±inf is 0 and linear′ ≡ 1: their f′ stay numbers (step None, or h overflows later)
    assert trace.overflow_step is not None and step in (trace.overflow_step, trace.overflow_step + 1)
    # the profile ending just before that step is finite; the one ending at it is not
    assert np.isfinite(rc.jacobian_log_norms(params, trace, t=step - 1)).all()
    assert not np.isfinite(rc.jacobian_log_norms(params, trace, t=step)[:-1]).all()
