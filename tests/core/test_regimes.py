"""rc.classify_regime and rc.jacobian_profile: geometric profiles with known regimes, the linear
orthogonal closed form, and the profile against the plain Jacobian loop and under its bound."""

import math

import numpy as np
import pytest

import rnn_core as rc
from tests.core.reference_loops import forward_loop, jacobian_log_norms_loop, random_problem

ACTS = tuple(rc.ACTIVATIONS)


@pytest.mark.parametrize(
    "r, kind", [(0.5, "vanishing"), (1.0, "neither"), (1.05, "neither"), (2.0, "exploding")]
)
def test_classify_regime_of_a_geometric_profile(r, kind):
    t = 20
    log_norms = (t - np.arange(t + 1)) * math.log10(r)  # entry k: distance t − k
    regime = rc.classify_regime(log_norms, bound_base=1.0)
    assert regime.kind == kind
    assert regime.distance == t
    assert regime.per_step == pytest.approx(r, rel=1e-12)
    assert regime.log_norm == pytest.approx(t * math.log10(r), abs=1e-12)


def test_classify_regime_zero_undefined_and_the_guarantee():
    zero = rc.classify_regime([-np.inf, -np.inf, -1.0, -0.5, 0.0], bound_base=1.0)
    assert (zero.kind, zero.distance) == ("zero", 3)
    undefined = rc.classify_regime([np.nan, 0.3, 0.0], bound_base=2.0)
    assert (undefined.kind, undefined.distance) == ("undefined", 2)
    # a factor per step beyond float64 (one step of a trained, huge W) is ∞, not an OverflowError
    huge = rc.classify_regime([400.0, 0.0], bound_base=1.0)
    assert (huge.kind, huge.per_step) == ("exploding", np.inf)
    assert rc.classify_regime([-3.0, 0.0], bound_base=0.25).vanishing_guaranteed
    assert not rc.classify_regime([-3.0, 0.0], bound_base=1.0).vanishing_guaranteed
    with pytest.raises(ValueError, match="bound_base"):
        rc.classify_regime([0.0], bound_base=-1.0)
    with pytest.raises(ValueError, match="log_norms"):
        rc.classify_regime(np.zeros((2, 2)), bound_base=1.0)


def test_jacobian_profile_of_a_linear_orthogonal_network_is_its_closed_form():
    rho = 0.8
    p = rc.RNNParams.init(3, 10, 2, w_init="orthogonal", w_scale=rho, seed=2)
    xs = np.random.default_rng(0).standard_normal((15, 1, 3))
    prof = rc.jacobian_profile(p, rc.forward(p, xs, np.zeros((15, 1), dtype=int), activation="linear"))
    d = np.arange(16)
    np.testing.assert_array_equal(prof.distances, d)
    for line in (prof.log_norms, prof.bound, prof.linear_reference):  # γ = 1 and W normal: all equal
        np.testing.assert_allclose(line, d * math.log10(rho), atol=1e-12)
    assert prof.regime.kind == "vanishing" and prof.regime.vanishing_guaranteed


@pytest.mark.parametrize("activation", ACTS)
@pytest.mark.parametrize("w_init", rc.W_INITS)
def test_jacobian_profile_stays_under_its_bound_and_matches_the_loop(activation, w_init):
    params, xs, targets, _ = random_problem(12, 1, 3, 7, 2, seed=5, w_init=w_init, w_scale=1.7)
    trace = rc.forward(params, xs, targets, activation=activation)
    prof = rc.jacobian_profile(params, trace)
    fw = forward_loop(params, xs, targets, activation=activation, loss="softmax_ce")
    want = jacobian_log_norms_loop(params, fw, 12)[::-1]
    finite = np.isfinite(want)
    np.testing.assert_allclose(prof.log_norms[finite], want[finite], atol=1e-9)
    assert (prof.log_norms[finite] <= prof.bound[finite] + 1e-9).all()
    s = prof.summary
    assert s.sigma_max == pytest.approx(np.linalg.svd(params.W, compute_uv=False)[0], rel=1e-12)
    assert prof.regime == rc.classify_regime(prof.log_norms[::-1], s.bound_base)


@pytest.mark.parametrize(
    "r, t, trend",
    [
        (1.0, 20, "flat"),
        (0.995, 20, "flat"),
        (0.95, 2, "shrinking"),
        (1.05, 20, "growing"),
        (0.5, 20, "shrinking"),
    ],
)
def test_the_trend_is_flat_only_when_even_the_longest_sequence_changes_less_than_tenfold(r, t, trend):
    regime = rc.classify_regime((t - np.arange(t + 1)) * math.log10(r), bound_base=1.0)
    assert regime.trend == trend
    # the rule written out: |log₁₀ r| · EDGE_STEPS ≤ one decade
    assert (abs(math.log10(r)) * rc.EDGE_STEPS <= rc.REGIME_DECADES) == (trend == "flat")
    if r != 1.0:
        assert regime.steps_per_decade == pytest.approx(1 / abs(math.log10(r)), rel=1e-9)


@pytest.mark.parametrize("base", [1.0, 0.9999999999999999, 1.0000000000000002, 1 - 2 * rc.BOUND_RTOL, 0.5])
def test_the_guarantee_agrees_with_the_bound_verdict(base):
    from_base = rc.classify_regime([-3.0, 0.0], bound_base=base)
    from_verdict = rc.classify_regime([-3.0, 0.0], bound_base=rc.bound_verdict(1.0, base))
    assert from_base == from_verdict
    assert from_base.vanishing_guaranteed == (base < 1 - rc.BOUND_RTOL)


def test_the_profile_carries_its_bound_verdict_and_cause():
    p = rc.RNNParams.init(3, 2, 3, w_scale=1.0, seed=3)  # σ_max(W) computes to 0.9999999999999999
    xs = np.random.default_rng(3).standard_normal((20, 1, 3))
    prof = rc.jacobian_profile(p, rc.forward(p, xs, np.zeros((20, 1), dtype=int)))
    assert prof.verdict == rc.bound_verdict(1.0, np.linalg.norm(p.W, 2))
    assert prof.verdict.kind == "cannot_grow" and not prof.regime.vanishing_guaranteed
    assert prof.cause == rc.shrink_cause(p, rc.forward(p, xs, np.zeros((20, 1), dtype=int)))
