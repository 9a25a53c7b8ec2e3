"""Gradient accounting: path terms, the contribution matrix, distance terms and Jacobian norms,
each against a plain loop, against bptt, against finite differences or against a closed form."""

import dataclasses
import math
import warnings

import numpy as np
import pytest

import rnn_core as rc
from tests.core.reference_loops import (
    distance_term_loop,
    distance_terms_loop,
    forward_loop,
    jacobian_log_norms_loop,
    path_terms_loop,
    random_problem,
)

ACTIVATIONS = tuple(rc.ACTIVATIONS)
WRT = ("W", "U", "b")
# DESIGN §2: γ = sup|f′| = 1/4 for sigmoid, 1 for tanh, ReLU, leaky ReLU and linear
GAMMA = {"tanh": 1.0, "sigmoid": 0.25, "relu": 1.0, "leaky_relu": 1.0, "linear": 1.0}


def _run(
    activation="tanh",
    loss="softmax_ce",
    *,
    T=6,
    B=2,
    D=3,
    H=4,
    K=3,
    seed=0,
    zero_h0=False,
    reference=True,
    **init,
):
    """A random problem, its trace, and (with ``reference``) the plain loop's forward pass."""
    params, xs, targets, h0 = random_problem(T, B, D, H, K, loss=loss, seed=seed, zero_h0=zero_h0, **init)
    trace = rc.forward(params, xs, targets, activation=activation, loss=loss, h0=h0)
    fw = forward_loop(params, xs, targets, activation=activation, loss=loss, h0=h0) if reference else None
    return params, xs, targets, h0, trace, fw


# --- path terms --------------------------------------------------------------------------------


@pytest.mark.parametrize("wrt", WRT)
@pytest.mark.parametrize(
    "activation, loss", [("tanh", "softmax_ce"), ("sigmoid", "mse"), ("relu", "softmax_ce")]
)
def test_path_terms_sum_to_the_gradient_of_one_loss_step_two_ways(activation, loss, wrt):
    T = 5
    params, xs, targets, h0, trace, _ = _run(activation, loss, T=T, B=3, seed=2)
    assert np.min(np.abs(trace.a)) > 1e-4  # finite differences stay off relu's kink
    for s in range(1, T + 1):
        terms = rc.path_terms(params, trace, s, wrt=wrt)
        assert terms.shape == (s,) + getattr(params, wrt).shape
        total = terms.sum(axis=0)
        np.testing.assert_allclose(total, getattr(rc.bptt(params, trace, s=s), wrt), rtol=1e-12, atol=1e-14)
        numeric = rc.numerical_partial(
            params, xs, targets, wrt=wrt, activation=activation, loss=loss, h0=h0, s=s
        )
        assert rc.rel_error(total, numeric) < 1e-6, s


@pytest.mark.parametrize("wrt", WRT)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_path_terms_match_one_backward_pass_per_loss_step(activation, wrt):
    T = 6
    params, _, _, _, trace, fw = _run(activation, "mse", T=T, B=2, seed=3)
    for s in range(1, T + 1):
        np.testing.assert_allclose(
            rc.path_terms(params, trace, s, wrt=wrt),
            path_terms_loop(params, fw, s, wrt),
            rtol=1e-12,
            atol=1e-14,
        )


def test_path_terms_of_V_are_refused_with_the_reason():
    params, _, _, _, trace, _ = _run()
    with pytest.raises(ValueError, match=r"received 'V'.*single term.*V acts on h⁽ˢ⁾ only at step s"):
        rc.path_terms(params, trace, 3, wrt="V")


@pytest.mark.parametrize("fn", [rc.contributions, rc.distance_terms])
def test_contributions_and_distance_terms_of_V_are_refused_with_the_reason(fn):
    params, _, _, _, trace, _ = _run()
    with pytest.raises(ValueError, match=r"received 'V'.*single term"):
        fn(params, trace, wrt="V")


@pytest.mark.parametrize(
    "fn", [rc.contributions, rc.distance_terms, lambda p, tr, wrt: rc.path_terms(p, tr, 1, wrt=wrt)]
)
def test_unknown_wrt_is_refused(fn):
    params, _, _, _, trace, _ = _run()
    with pytest.raises(ValueError, match=r"wrt must be one of \['U', 'W', 'b'\]; received 'c'"):
        fn(params, trace, wrt="c")


@pytest.mark.parametrize(
    "s, message",
    [
        (0, r"s must be an integer ≥ 1; received 0"),
        (7, r"s must be a time step in 1\.\.T = 1\.\.6; received 7"),
    ],
)
def test_path_terms_reject_s_outside_1_to_T(s, message):
    params, _, _, _, trace, _ = _run(T=6)
    with pytest.raises(ValueError, match=message):
        rc.path_terms(params, trace, s)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_with_zero_h0_the_first_path_term_of_W_vanishes_for_every_s(activation):
    T = 6
    params, _, _, _, trace, _ = _run(activation, T=T, B=3, seed=4, zero_h0=True)
    for s in range(1, T + 1):
        terms = rc.path_terms(params, trace, s, wrt="W")
        np.testing.assert_array_equal(terms[0], 0.0)  # δ₁⁽ˢ⁾ h⁽⁰⁾ᵀ with h⁽⁰⁾ = 0
        # U and b have no h⁽⁰⁾ in their first term, so theirs is not zero
        assert np.linalg.norm(rc.path_terms(params, trace, s, wrt="U")[0]) > 0
    # with a nonzero h⁽⁰⁾ the same term carries gradient
    params, _, _, _, trace, _ = _run(activation, T=T, B=3, seed=4)
    assert np.linalg.norm(rc.path_terms(params, trace, T, wrt="W")[0]) > 0


# --- contribution matrix -----------------------------------------------------------------------


@pytest.mark.parametrize("B", [1, 3])
@pytest.mark.parametrize("wrt", WRT)
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "linear"])
def test_contributions_are_the_norms_of_the_path_terms(activation, wrt, B):
    T = 7
    params, _, _, _, trace, fw = _run(activation, T=T, B=B, H=5, seed=6)
    C = rc.contributions(params, trace, wrt=wrt)
    assert C.shape == (T, T)
    expected = np.zeros((T, T))
    from_loop = np.zeros((T, T))
    for s in range(1, T + 1):
        terms = rc.path_terms(params, trace, s, wrt=wrt)
        ref = path_terms_loop(params, fw, s, wrt)
        for k in range(1, s + 1):
            expected[s - 1, k - 1] = np.linalg.norm(terms[k - 1])
            from_loop[s - 1, k - 1] = np.linalg.norm(ref[k - 1])
    scale = C.max()
    assert scale > 0
    np.testing.assert_allclose(C, expected, rtol=1e-10, atol=1e-13 * scale)
    np.testing.assert_allclose(C, from_loop, rtol=1e-10, atol=1e-13 * scale)
    np.testing.assert_array_equal(C[np.triu_indices(T, 1)], 0.0)  # no term with k > s


def test_contributions_are_zero_in_the_first_column_of_W_when_h0_is_zero():
    params, _, _, _, trace, _ = _run(T=5, B=2, zero_h0=True)
    C = rc.contributions(params, trace, wrt="W")
    np.testing.assert_array_equal(C[:, 0], 0.0)
    assert np.all(C[1:, 1:][np.tril_indices(4)] > 0)  # the terms with 2 ≤ k ≤ s are not


# --- distance terms ----------------------------------------------------------------------------


@pytest.mark.parametrize("wrt", WRT)
@pytest.mark.parametrize(
    "activation, loss",
    [("tanh", "softmax_ce"), ("sigmoid", "mse"), ("leaky_relu", "mse"), ("linear", "softmax_ce")],
)
def test_distance_terms_sum_to_bptt_and_their_partial_sums_are_truncated_bptt(activation, loss, wrt):
    T = 7
    params, _, _, _, trace, fw = _run(activation, loss, T=T, B=3, seed=7)
    G = rc.distance_terms(params, trace, wrt=wrt)
    assert G.shape == (T,) + getattr(params, wrt).shape
    np.testing.assert_allclose(G.sum(axis=0), getattr(rc.bptt(params, trace), wrt), rtol=1e-12, atol=1e-14)
    running = np.cumsum(G, axis=0)
    for tau in range(1, T + 1):
        truncated = getattr(rc.bptt(params, trace, truncate=tau), wrt)
        np.testing.assert_allclose(running[tau - 1], truncated, rtol=1e-12, atol=1e-14, err_msg=str(tau))
    np.testing.assert_allclose(G, distance_terms_loop(params, fw, wrt), rtol=1e-12, atol=1e-14)


def test_distance_terms_over_several_memory_blocks():
    # T·B·H·T > 4·10⁶ makes distance_terms gather the errors in more than one block
    T, H = 300, 64
    params, _, _, _, trace, fw = _run("tanh", T=T, B=1, D=2, H=H, K=3, seed=8)
    G = rc.distance_terms(params, trace, wrt="W")
    np.testing.assert_allclose(G.sum(axis=0), rc.bptt(params, trace).W, rtol=1e-11, atol=1e-13)
    for d in (0, 1, 2, T - 3, T - 2, T - 1):
        np.testing.assert_allclose(
            G[d], distance_term_loop(params, fw, "W", d), rtol=1e-10, atol=1e-14, err_msg=str(d)
        )


# --- Jacobian norms ----------------------------------------------------------------------------


@pytest.mark.parametrize("w_init", ["orthogonal", "gaussian", "identity"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("H, T, w_scale", [(64, 200, 1.5), (12, 80, 0.9)])
def test_jacobian_log_norms_match_one_svd_per_k(activation, w_init, H, T, w_scale):
    params, _, _, _, trace, fw = _run(
        activation, T=T, B=2, D=3, H=H, K=2, seed=10, w_init=w_init, w_scale=w_scale
    )
    out = rc.jacobian_log_norms(params, trace)
    ref = jacobian_log_norms_loop(params, fw, T)
    assert out.shape == (T + 1,) and out[T] == 0.0
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-9)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("w_scale", [0.8, 1.5])
def test_identity_W_gives_the_largest_diagonal_product(activation, w_scale):
    # W = ρI makes ∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ = Πⱼ ρ·diag(f′(a⁽ʲ⁾)) diagonal: its 2-norm is its largest diagonal
    # entry, so log₁₀ of it is max over units of Σⱼ log₁₀(ρ f′(a⁽ʲ⁾)), with no SVD at all
    # (which unit is largest changes along the product: several seeds make sure that happens)
    T, H = 150, 48
    for seed in range(8):
        params, _, _, _, trace, _ = _run(
            activation, T=T, B=1, H=H, seed=seed, w_init="identity", w_scale=w_scale, reference=False
        )
        with np.errstate(divide="ignore"):  # relu′ = 0 is log₁₀ 0 = −inf: a path that is cut
            log_d = np.log10(w_scale * rc.ACTIVATIONS[activation].df(trace.a[:, 0]))  # (T, H)
        suffix_sums = np.cumsum(log_d[::-1], axis=0)[::-1]  # row k: Σ over j = k+1..T
        expected = np.append(suffix_sums.max(axis=1), 0.0)
        out = rc.jacobian_log_norms(params, trace)
        np.testing.assert_allclose(out, expected, rtol=0, atol=1e-9, err_msg=f"seed {seed}")


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_jacobian_log_norms_t_and_batch_index(activation):
    T, B = 30, 3
    params, _, _, _, trace, fw = _run(activation, T=T, B=B, H=8, seed=12, w_scale=1.2)
    for t in (0, 1, 13, T):
        for n in range(B):
            out = rc.jacobian_log_norms(params, trace, t=t, batch_index=n)
            assert out.shape == (t + 1,) and out[t] == 0.0
            np.testing.assert_allclose(out, jacobian_log_norms_loop(params, fw, t, n), rtol=0, atol=1e-9)
    np.testing.assert_array_equal(
        rc.jacobian_log_norms(params, trace), rc.jacobian_log_norms(params, trace, t=T)
    )
    # the sequences differ, so must their Jacobians: the option is not ignored
    assert not np.allclose(
        rc.jacobian_log_norms(params, trace, batch_index=0),
        rc.jacobian_log_norms(params, trace, batch_index=2),
    )


@pytest.mark.parametrize("rho", [0.5, 1.0, 1.7, 3.0])
@pytest.mark.parametrize("H", [1, 8, 64])
def test_linear_scaled_orthogonal_W_gives_t_minus_k_times_log_rho(rho, H):
    T = 120
    params, _, _, _, trace, _ = _run("linear", T=T, B=1, H=H, seed=13, w_scale=rho)
    k = np.arange(T + 1)
    np.testing.assert_allclose(
        rc.jacobian_log_norms(params, trace), (T - k) * math.log10(rho), rtol=0, atol=1e-9
    )


def test_jacobian_of_rho_3_over_1000_steps_is_finite_while_the_forward_pass_overflows():
    T, H = 1000, 128
    params, _, _, _, trace, _ = _run("linear", T=T, B=1, D=2, H=H, seed=14, w_scale=3.0, reference=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = rc.jacobian_log_norms(params, trace)
    assert caught == []
    assert trace.overflow_step is not None and not np.isfinite(trace.h).all()
    assert (
        np.isfinite(trace.h[: trace.overflow_step]).all()
        and not np.isfinite(trace.h[trace.overflow_step]).all()
    )
    assert np.all(np.isfinite(out))
    assert out[0] == pytest.approx(1000 * math.log10(3.0), abs=1e-9)
    np.testing.assert_allclose(out, (T - np.arange(T + 1)) * math.log10(3.0), rtol=0, atol=1e-9)


@pytest.mark.parametrize("w", [8.0, 4.0, 2.0, 0.5, -6.0])
def test_scalar_sigmoid_at_its_fixed_point_gives_powers_of_w_over_4(w):
    # H = D = 1, W = [[w]], b = −w/2, U = 0, h⁽⁰⁾ = 1/2: a = −w/2 + w/2 = 0 at every step, h stays
    # σ(0) = 1/2, and ∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ = (σ′(0)·w)^(t−k) = (w/4)^(t−k)
    T = 60
    params = rc.RNNParams(U=[[0.0]], W=[[w]], V=[[1.0], [-1.0]], b=[-w / 2], c=[0.0, 0.0])
    xs = np.random.default_rng(0).standard_normal((T, 1, 1))
    trace = rc.forward(params, xs, np.zeros((T, 1), dtype=int), activation="sigmoid", h0=[[0.5]])
    np.testing.assert_array_equal(trace.h, 0.5)
    k = np.arange(T + 1)
    np.testing.assert_allclose(
        rc.jacobian_log_norms(params, trace), (T - k) * math.log10(abs(w) / 4), rtol=0, atol=1e-9
    )


@pytest.mark.parametrize("w_init", ["orthogonal", "gaussian", "identity"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_pascanu_bound_holds_on_random_networks(activation, w_init):
    # ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖₂ ≤ (γ·σ_max(W))^(t−k), for every t and k
    T = 40
    for seed, w_scale in ((0, 0.6), (1, 1.0), (2, 2.5)):
        params, _, _, _, trace, _ = _run(
            activation, T=T, B=2, H=10, seed=seed, w_init=w_init, w_scale=w_scale
        )
        log_bound = math.log10(GAMMA[activation] * np.linalg.svd(params.W, compute_uv=False)[0])
        for t in (T, T // 2, 1):
            out = rc.jacobian_log_norms(params, trace, t=t, batch_index=1)
            assert np.all(out <= (t - np.arange(t + 1)) * log_bound + 1e-9)


def test_pascanu_bound_is_attained_by_linear_scaled_rotations():
    # the bound is tight: a check that only ever saw slack could not tell a wrong γ
    params, _, _, _, trace, _ = _run("linear", T=20, B=1, H=6, seed=3, w_scale=1.3)
    out = rc.jacobian_log_norms(params, trace)
    np.testing.assert_allclose(out, (20 - np.arange(21)) * math.log10(1.3), atol=1e-9)


def test_relu_units_all_off_give_minus_inf_not_nan_and_no_warning():
    T, H = 12, 5
    params, xs, targets, _ = random_problem(T, 2, 3, H, 3, seed=15)
    dead = rc.RNNParams(U=params.U, W=params.W, V=params.V, b=np.full(H, -100.0), c=params.c)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trace = rc.forward(dead, xs, targets, activation="relu")
        out = rc.jacobian_log_norms(dead, trace)
    assert caught == []
    assert np.all(trace.a < 0)
    assert out[T] == 0.0 and np.all(out[:T] == -np.inf)


def test_relu_units_off_at_one_step_cut_every_earlier_path():
    # positive inputs keep every unit on, except at step j where a large negative input turns all
    # of them off: ∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ = 0 for k < j and a product of active Jacobians for k ≥ j
    T, H, j = 15, 4, 6
    rng = np.random.default_rng(16)
    params = rc.RNNParams(
        U=np.eye(H),
        W=0.1 * rng.standard_normal((H, H)),
        V=rng.standard_normal((2, H)),
        b=np.zeros(H),
        c=np.zeros(2),
    )
    xs = np.full((T, 1, H), 5.0)
    xs[j - 1] = -100.0
    targets = np.zeros((T, 1), dtype=int)
    trace = rc.forward(params, xs, targets, activation="relu")
    assert np.all(trace.a[j - 1] < 0) and np.all(np.delete(trace.a, j - 1, axis=0) > 0)
    out = rc.jacobian_log_norms(params, trace)
    assert np.all(out[:j] == -np.inf)
    assert np.all(np.isfinite(out[j:]))
    fw = forward_loop(params, xs, targets, activation="relu", loss="softmax_ce")
    np.testing.assert_allclose(out, jacobian_log_norms_loop(params, fw, T), rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"t": 9}, r"t must be a time step in 0\.\.T = 0\.\.8; received 9"),
        ({"t": -1}, r"t must be an integer ≥ 0; received -1"),
        ({"t": 2.0}, r"t must be an integer ≥ 0; received 2\.0"),
        ({"batch_index": 2}, r"batch_index must be an integer in 0\.\.B-1 = 0\.\.1; received 2"),
        ({"batch_index": -1}, r"batch_index must be an integer in 0\.\.B-1 = 0\.\.1; received -1"),
        ({"batch_index": True}, r"batch_index must be an integer in 0\.\.B-1 = 0\.\.1; received True"),
    ],
)
def test_jacobian_log_norms_reject_bad_t_and_batch_index(kwargs, message):
    params, _, _, _, trace, _ = _run(T=8, B=2)
    with pytest.raises(ValueError, match=message):
        rc.jacobian_log_norms(params, trace, **kwargs)


# --- the verdicts: a gradient check, and which path terms are 0 or not numbers -------------------


@pytest.mark.parametrize("tolerance", [rc.FD_TOLERANCE, rc.EXACT_TOLERANCE])
def test_gradient_check_verdict_against_the_rule_on_a_grid_with_its_boundaries(tolerance):
    g = np.array([1.0, 0.0])
    for error in (0.0, 0.5 * tolerance, tolerance, tolerance * (1 + 1e-6), 10 * tolerance, 0.5):
        other = np.array([1.0, error])  # ‖g − g̃‖ = error exactly, ‖g̃‖ = √(1 + error²)
        expected_error = error / math.hypot(1.0, error)
        verdict = rc.gradient_check_verdict(g, other, tolerance=tolerance)
        assert verdict.rel_error == pytest.approx(expected_error, rel=1e-12, abs=1e-300)
        assert verdict.kind == ("agrees" if expected_error <= tolerance else "disagrees")
        assert verdict.cause is None and verdict.rounding is None  # an exact route: nothing to blame
    nan = rc.gradient_check_verdict(g, np.array([np.nan, 0.0]), tolerance=tolerance)
    assert nan.kind == "not_a_number" and not nan.agrees


def test_gradient_check_verdict_names_rounding_or_nonlinearity():
    g, other = np.array([1.0, 0.0]), np.array([1.0, 1e-2])
    u = 2.0**-53
    for loss in (1.0, 1e6, 1e7, 1e12):
        verdict = rc.gradient_check_verdict(g, other, loss=loss, eps=1e-6)
        rounding = u * loss / 1e-6  # max|g| = 1
        assert verdict.rounding == pytest.approx(rounding, rel=1e-12)
        assert verdict.kind == "disagrees"
        assert verdict.cause == ("rounding" if rounding >= rc.FD_TOLERANCE else "nonlinear")
    # u·L/ε = tolerance exactly: rounding can explain it
    edge = rc.FD_TOLERANCE * 1e-6 / u
    assert rc.gradient_check_verdict(g, other, loss=edge, eps=1e-6).cause == "rounding"
    assert rc.gradient_check_verdict(g, g, loss=1e12, eps=1e-6).cause is None  # agrees: no cause
    with pytest.raises(ValueError, match="loss and eps"):
        rc.gradient_check_verdict(g, g, eps=1e-6)
    with pytest.raises(ValueError, match="tolerance"):
        rc.gradient_check_verdict(g, g, tolerance=0.0)


@pytest.mark.parametrize("tiny", [1e-300, 1e-318, 5e-324])
def test_the_rounding_bound_of_vanishing_gradients_is_infinite_not_a_crash(tiny):
    # at H = 128, T = 200 after 500 steps a path's gradient can be subnormal: ε·max(|g|, |g̃|) then
    # underflows to 0 (from ~1e-318 on with ε = 1e-6), which is two zero gradients' case
    g, other = np.array([tiny, 0.0]), np.array([0.0, tiny])
    verdict = rc.gradient_check_verdict(g, other, loss=2.5, eps=1e-6)
    assert verdict.scale == 1e-6 * tiny
    if verdict.scale > 0:
        assert verdict.rounding == pytest.approx(2.0**-53 * 2.5 / (1e-6 * tiny), rel=1e-12)
    else:
        assert verdict.rounding == float("inf")
    assert verdict.kind == "disagrees"
    assert verdict.cause == ("rounding" if verdict.scale > 0 else "unresolvable")


def test_the_rounding_scale_is_the_larger_of_the_two_gradients():
    u = 2.0**-53
    # a zero analytic gradient against a difference of 1e-3: rounding explains ~3e-10 of it, not all
    zero = rc.gradient_check_verdict(np.zeros(2), np.array([0.0, 1e-3]), loss=2.5, eps=1e-6)
    assert zero.scale == 1e-6 * 1e-3 and zero.rounding == pytest.approx(u * 2.5 / 1e-9, rel=1e-12)
    assert zero.cause == "nonlinear"
    # the larger one is the difference's, where the analytic gradient is the smaller
    small = rc.gradient_check_verdict(np.array([1e-8, 0.0]), np.array([2.0, 0.0]), loss=1e6, eps=1e-6)
    assert small.scale == 1e-6 * 2.0 and small.rounding == pytest.approx(u * 1e6 / 2e-6, rel=1e-12)
    # a huge loss over a tiny scale overflows the bound to inf without a warning, and scale says why
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        huge = rc.gradient_check_verdict(np.array([1e-20, 0.0]), np.array([0.0, 1e-20]), loss=1e300, eps=1e-6)
    assert huge.rounding == float("inf") and huge.scale == 1e-6 * 1e-20 and huge.cause == "rounding"
    # an exact route has neither
    assert rc.gradient_check_verdict(np.ones(2), np.ones(2)).scale is None


def test_a_real_finite_difference_check_agrees_on_a_smooth_loss():
    params = rc.RNNParams.init(2, 3, 2, seed=1)
    xs = np.random.default_rng(1).standard_normal((4, 1, 2))
    targets = np.zeros((4, 1), dtype=int)
    trace = rc.forward(params, xs, targets)
    numeric = rc.numerical_partial(params, xs, targets, wrt="W", loss="softmax_ce")
    verdict = rc.gradient_check_verdict(rc.bptt(params, trace).W, numeric, loss=trace.loss, eps=1e-6)
    assert verdict.agrees and verdict.rel_error < 1e-7 and verdict.rounding < 1e-8


def test_terms_verdict_names_what_overflowed_and_the_zero_terms():
    params = rc.RNNParams.init(2, 3, 2, w_init="identity", w_scale=1.0, seed=0)
    xs = np.ones((4, 1, 2))
    trace = rc.forward(params, xs, np.zeros((4, 1), dtype=int))
    norms = rc.contributions(params, trace)[3, :4]
    verdict = rc.terms_verdict(trace, 4, norms)
    assert verdict.kind == "finite" and verdict.zero_ks == (1,)  # δ₁ h⁽⁰⁾ᵀ with h⁽⁰⁾ = 0
    assert not verdict.output_error_zero
    # the same norms with one inf: the forward pass is finite, so the back-propagation overflowed
    back = rc.terms_verdict(trace, 4, np.array([0.0, np.inf, np.nan, 1.0]))
    assert (back.kind, back.t, back.n_inf, back.n_nan) == ("terms", None, 1, 1)
    # an overflow of the forward pass at t = 2 ≤ s is named with its step; after s it is not
    h = trace.h.copy()
    h[2:] = np.inf
    over = dataclasses.replace(trace, h=h)
    assert over.overflow_step == 2
    forward = rc.terms_verdict(over, 3, np.array([np.nan, np.nan, np.inf]))
    assert (forward.kind, forward.t, forward.n_nonfinite) == ("forward", 2, 3)
    assert rc.terms_verdict(over, 1, np.array([np.nan])).kind == "terms"  # t = 2 > s = 1
    with pytest.raises(ValueError, match=r"shape \(s,\)"):
        rc.terms_verdict(trace, 4, norms[:3])


def test_rel_error_of_a_gradient_holding_nan_or_inf_is_nan_in_either_order():
    zero, bad = np.zeros(3), np.array([0.0, np.nan, 0.0])
    assert np.isnan(rc.rel_error(zero, bad)) and np.isnan(rc.rel_error(bad, zero))
    assert np.isnan(rc.rel_error(np.ones(2), np.array([1.0, np.inf])))
    assert rc.rel_error(zero, zero) == 0.0
