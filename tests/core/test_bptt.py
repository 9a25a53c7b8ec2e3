"""bptt: against central differences, against a plain per-step loop, per loss step, and truncated."""

import numpy as np
import pytest

import rnn_core as rc
from tests.core.reference_loops import (
    FIELDS,
    bptt_loop,
    forward_loop,
    loss_step_gradient,
    random_problem,
    truncated_bptt_loop,
)

ACTIVATIONS = tuple(rc.ACTIVATIONS)
LOSSES = ("softmax_ce", "mse")


def _run(activation, loss, *, T=6, B=3, D=3, H=4, K=3, seed=0, zero_h0=False):
    params, xs, targets, h0 = random_problem(T, B, D, H, K, loss=loss, seed=seed, zero_h0=zero_h0)
    trace = rc.forward(params, xs, targets, activation=activation, loss=loss, h0=h0)
    return params, xs, targets, h0, trace


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_bptt_matches_numerical_gradient(activation, loss):
    params, xs, targets, h0, trace = _run(activation, loss, seed=3)
    # central differences are only meaningful away from the kinks of relu and leaky_relu
    assert np.min(np.abs(trace.a)) > 1e-4
    grads = rc.bptt(params, trace)
    numeric = rc.numerical_gradient(params, xs, targets, activation=activation, loss=loss, h0=h0)
    for name in FIELDS:
        g = getattr(grads, name)
        assert np.linalg.norm(g) > 1e-3, name  # a zero gradient would agree with anything
        assert rc.rel_error(g, getattr(numeric, name)) < 1e-6, name


@pytest.mark.parametrize(
    "activation, loss", [("tanh", "softmax_ce"), ("sigmoid", "mse"), ("leaky_relu", "softmax_ce")]
)
def test_bptt_matches_central_differences_of_the_plain_forward_loop(activation, loss):
    # the loss comes from the reference loop, not from rnn_core.forward: nothing shared but params
    params, xs, targets, h0, trace = _run(activation, loss, T=4, B=2, H=3, seed=11)
    grads = rc.bptt(params, trace)
    eps = 1e-6
    for name in FIELDS:
        base = getattr(params, name)
        numeric = np.zeros(base.shape)
        for i in range(base.size):
            losses = []
            for step in (eps, -eps):
                theta = base.copy()
                theta.flat[i] += step
                perturbed = rc.RNNParams(**{**params.arrays(), name: theta})
                losses.append(
                    forward_loop(perturbed, xs, targets, activation=activation, loss=loss, h0=h0)["loss"]
                )
            numeric.flat[i] = (losses[0] - losses[1]) / (2 * eps)
        assert rc.rel_error(getattr(grads, name), numeric) < 1e-6, name


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_bptt_matches_the_plain_loop(activation, loss):
    params, xs, targets, h0, trace = _run(activation, loss, T=9, B=3, D=2, H=5, K=4, seed=7)
    ref = bptt_loop(params, forward_loop(params, xs, targets, activation=activation, loss=loss, h0=h0))
    grads = rc.bptt(params, trace)
    for name in FIELDS:
        np.testing.assert_allclose(getattr(grads, name), ref[name], rtol=1e-12, atol=1e-12, err_msg=name)


@pytest.mark.parametrize(
    "activation, loss", [("tanh", "softmax_ce"), ("relu", "mse"), ("sigmoid", "softmax_ce")]
)
def test_bptt_of_one_loss_step_matches_its_own_backward_pass_and_finite_differences(activation, loss):
    params, xs, targets, h0, trace = _run(activation, loss, T=5, B=2, seed=4)
    assert np.min(np.abs(trace.a)) > 1e-4
    fw = forward_loop(params, xs, targets, activation=activation, loss=loss, h0=h0)
    for s in range(1, 6):
        grads = rc.bptt(params, trace, s=s)
        ref = loss_step_gradient(params, fw, s)
        for name in FIELDS:
            np.testing.assert_allclose(getattr(grads, name), ref[name], rtol=1e-12, atol=1e-12)
            numeric = rc.numerical_partial(
                params, xs, targets, wrt=name, activation=activation, loss=loss, h0=h0, s=s
            )
            assert rc.rel_error(getattr(grads, name), numeric) < 1e-6, (s, name)


@pytest.mark.parametrize("activation", ["tanh", "relu", "linear"])
def test_gradients_of_the_loss_steps_sum_to_the_full_gradient(activation):
    params, _, _, _, trace = _run(activation, "softmax_ce", T=7, seed=2)
    full = rc.bptt(params, trace)
    parts = [rc.bptt(params, trace, s=s) for s in range(1, 8)]
    for name in FIELDS:
        np.testing.assert_allclose(
            sum(getattr(p, name) for p in parts), getattr(full, name), rtol=1e-12, atol=1e-13
        )


def test_gradient_of_the_first_loss_step_ignores_later_steps():
    # L⁽¹⁾ sees only a⁽¹⁾: its W gradient is δ₁ h⁽⁰⁾ᵀ, zero when h⁽⁰⁾ = 0
    params, _, _, _, trace = _run("tanh", "mse", zero_h0=True)
    np.testing.assert_array_equal(rc.bptt(params, trace, s=1).W, 0.0)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_bptt_with_a_mask_matches_finite_differences_and_the_plain_loop(activation, loss):
    # L = Σₜ mask⁽ᵗ⁾ L⁽ᵗ⁾: a zero weight removes a step's loss, its paths and all
    params, xs, targets, h0 = random_problem(6, 2, 3, 4, 3, loss=loss, seed=14)
    mask = np.array([0.0, 1.0, 0.0, 2.5, 1.0, 0.3])
    trace = rc.forward(params, xs, targets, activation=activation, loss=loss, h0=h0, mask=mask)
    grads = rc.bptt(params, trace)
    numeric = rc.numerical_gradient(params, xs, targets, activation=activation, loss=loss, h0=h0, mask=mask)
    ref = bptt_loop(
        params, forward_loop(params, xs, targets, activation=activation, loss=loss, h0=h0, mask=mask)
    )
    for name in FIELDS:
        assert rc.rel_error(getattr(grads, name), getattr(numeric, name)) < 1e-6, name
        np.testing.assert_allclose(getattr(grads, name), ref[name], rtol=1e-12, atol=1e-13, err_msg=name)
    for s in (1, 3):  # masked-out steps send no error at all
        assert all(not np.any(v) for v in rc.bptt(params, trace, s=s).arrays().values())


# --- truncated BPTT ----------------------------------------------------------------------------


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_truncated_bptt_matches_a_plain_loop_that_stops_each_loss_after_tau_steps(activation, loss):
    T = 7
    params, xs, targets, h0, trace = _run(activation, loss, T=T, seed=9)
    fw = forward_loop(params, xs, targets, activation=activation, loss=loss, h0=h0)
    for tau in range(1, T + 1):
        ref = truncated_bptt_loop(params, fw, tau)
        grads = rc.bptt(params, trace, truncate=tau)
        for name in FIELDS:
            np.testing.assert_allclose(
                getattr(grads, name), ref[name], rtol=1e-12, atol=1e-12, err_msg=f"{tau} {name}"
            )


@pytest.mark.parametrize("s", [1, 3, 6])
@pytest.mark.parametrize("tau", [1, 2, 4])
def test_truncated_gradient_of_one_loss_step(s, tau):
    params, xs, targets, h0, trace = _run("tanh", "softmax_ce", T=6, seed=12)
    fw = forward_loop(params, xs, targets, activation="tanh", loss="softmax_ce", h0=h0)
    ref = loss_step_gradient(params, fw, s, truncate=tau)
    grads = rc.bptt(params, trace, s=s, truncate=tau)
    for name in FIELDS:
        np.testing.assert_allclose(getattr(grads, name), ref[name], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_truncating_at_T_or_beyond_is_full_bptt(activation):
    T = 6
    params, _, _, _, trace = _run(activation, "softmax_ce", T=T, seed=5)
    full = rc.bptt(params, trace)
    for tau in (T, T + 1, 10 * T):
        grads = rc.bptt(params, trace, truncate=tau)
        for name in FIELDS:
            np.testing.assert_allclose(getattr(grads, name), getattr(full, name), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "leaky_relu"])
def test_truncate_one_keeps_only_the_same_step_terms(activation):
    # τ = 1: ∂L/∂W = Σₛ δₛ⁽ˢ⁾ h⁽ˢ⁻¹⁾ᵀ with δₛ⁽ˢ⁾ = f′(a⁽ˢ⁾) ⊙ Vᵀ ∂L⁽ˢ⁾/∂o⁽ˢ⁾: no W in the error at all
    params, xs, targets, h0, trace = _run(activation, "softmax_ce", T=6, seed=6)
    fprime = rc.ACTIVATIONS[activation].df(trace.a)
    onehot = np.eye(params.n_out)[targets]
    W, U, b = np.zeros_like(params.W), np.zeros_like(params.U), np.zeros_like(params.b)
    for s in range(6):
        for n in range(3):
            delta = fprime[s, n] * (params.V.T @ (trace.y_hat[s, n] - onehot[s, n]))
            W += np.outer(delta, trace.h[s, n])
            U += np.outer(delta, xs[s, n])
            b += delta
    grads = rc.bptt(params, trace, truncate=1)
    np.testing.assert_allclose(grads.W, W, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grads.U, U, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grads.b, b, rtol=1e-12, atol=1e-14)
    # and it differs from full BPTT: the test would notice a truncation that did nothing
    assert rc.rel_error(grads.W, rc.bptt(params, trace).W) > 1e-3


def test_truncation_leaves_V_and_c_alone():
    params, _, _, _, trace = _run("tanh", "mse", T=8, seed=1)
    full = rc.bptt(params, trace)
    for tau in (1, 3):
        grads = rc.bptt(params, trace, truncate=tau)
        np.testing.assert_allclose(grads.V, full.V, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(grads.c, full.c, rtol=1e-13, atol=1e-15)


# --- softmax cross-entropy invariants on the gradients ------------------------------------------


def test_softmax_ce_gradient_of_c_sums_to_zero_overall_and_per_loss_step():
    params, _, _, _, trace = _run("tanh", "softmax_ce", T=6, K=5, seed=8)
    # ∂L⁽ˢ⁾/∂c = Σ_b (ŷ⁽ˢ⁾ − onehot): its entries sum to 0 because ŷ⁽ˢ⁾ sums to 1
    assert abs(rc.bptt(params, trace).c.sum()) < 1e-14
    for s in range(1, 7):
        c = rc.bptt(params, trace, s=s).c
        assert np.linalg.norm(c) > 1e-3 and abs(c.sum()) < 1e-15


# --- rel_error and argument errors -------------------------------------------------------------


def test_rel_error_is_the_relative_frobenius_distance():
    x = np.array([[3.0, 0.0], [0.0, 4.0]])  # ‖x‖ = 5
    assert rc.rel_error(x, x) == 0.0
    assert rc.rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rc.rel_error(x, np.zeros((2, 2))) == 1.0
    assert rc.rel_error(x, x + np.array([[0.0, 0.5], [0.0, 0.0]])) == pytest.approx(0.5 / np.hypot(5, 0.5))
    with pytest.raises(ValueError, match=r"x and y must have the same shape; received \(2, 2\) and \(4,\)"):
        rc.rel_error(x, x.ravel())


@pytest.mark.parametrize(
    "truncate, message",
    [
        (0, r"truncate must be an integer ≥ 1; received 0"),
        (-2, r"truncate must be an integer ≥ 1; received -2"),
        (2.5, r"truncate must be an integer ≥ 1; received 2\.5"),
        (True, r"truncate must be an integer ≥ 1; received True"),
    ],
)
def test_bptt_rejects_truncate_below_one(truncate, message):
    params, _, _, _, trace = _run("tanh", "softmax_ce")
    with pytest.raises(ValueError, match=message):
        rc.bptt(params, trace, truncate=truncate)


@pytest.mark.parametrize(
    "s, message",
    [
        (0, r"s must be an integer ≥ 1; received 0"),
        (7, r"s must be a time step in 1\.\.T = 1\.\.6; received 7"),
        (1.0, r"s must be an integer ≥ 1; received 1\.0"),
    ],
)
def test_bptt_rejects_s_outside_1_to_T(s, message):
    params, xs, targets, h0, trace = _run("tanh", "softmax_ce")
    with pytest.raises(ValueError, match=message):
        rc.bptt(params, trace, s=s)
    with pytest.raises(ValueError, match=message):
        rc.numerical_partial(params, xs, targets, wrt="W", activation="tanh", loss="softmax_ce", h0=h0, s=s)


def test_bptt_rejects_a_trace_of_other_params_or_not_a_trace():
    params, _, _, _, trace = _run("tanh", "softmax_ce", D=3, H=4, K=3)
    other = rc.RNNParams.init(3, 6, 3)
    with pytest.raises(
        ValueError,
        match=r"trace must come from params with \(D, H, K\) = \(3, 6, 3\); received a trace with \(D, H, K\) = \(3, 4, 3\)",
    ):
        rc.bptt(other, trace)
    with pytest.raises(ValueError, match=r"trace must be the Trace returned by forward\(\); received dict"):
        rc.bptt(params, {"a": trace.a})
    with pytest.raises(ValueError, match=r"params must be RNNParams; received tuple"):
        rc.bptt((params.U, params.W), trace)


def test_numerical_partial_rejects_unknown_field_and_bad_eps():
    params, xs, targets, h0, _ = _run("tanh", "softmax_ce")
    with pytest.raises(ValueError, match=r"wrt must be one of \['U', 'V', 'W', 'b', 'c'\]; received 'h0'"):
        rc.numerical_partial(params, xs, targets, wrt="h0", activation="tanh", loss="softmax_ce")
    with pytest.raises(ValueError, match=r"eps must be a finite number > 0; received 0\.0"):
        rc.numerical_partial(params, xs, targets, wrt="W", activation="tanh", loss="softmax_ce", eps=0.0)


def test_rel_error_is_scale_free_even_where_squares_overflow():
    rng = np.random.default_rng(0)
    g = rng.standard_normal((4, 4))
    other = g + 1e-9 * rng.standard_normal((4, 4))
    plain = np.linalg.norm(g - other) / max(np.linalg.norm(g), np.linalg.norm(other))
    assert rc.rel_error(g, other) == pytest.approx(plain, rel=1e-12)
    for scale in (1e-200, 1e200):  # ‖1e200·g‖² overflows float64 if computed naively
        assert rc.rel_error(scale * g, scale * other) == pytest.approx(plain, rel=1e-9)
    assert rc.rel_error(np.zeros((2, 2)), np.zeros((2, 2))) == 0.0
    assert np.isnan(rc.rel_error(np.full((2, 2), np.inf), np.zeros((2, 2))))
