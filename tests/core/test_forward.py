"""forward: the vectorised pass against a plain per-step loop, the softmax, overflow, and argument errors."""

import math
import warnings

import numpy as np
import pytest

import rnn_core as rc
from tests.core.reference_loops import forward_loop, random_problem

ACTIVATIONS = tuple(rc.ACTIVATIONS)
LOSSES = ("softmax_ce", "mse")


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_forward_matches_the_plain_loop(activation, loss):
    params, xs, targets, h0 = random_problem(7, 3, 4, 5, 3, loss=loss, seed=21)
    trace = rc.forward(params, xs, targets, activation=activation, loss=loss, h0=h0)
    ref = forward_loop(params, xs, targets, activation=activation, loss=loss, h0=h0)
    for name in ("a", "h", "o", "y_hat", "losses"):
        np.testing.assert_allclose(getattr(trace, name), ref[name], rtol=1e-12, atol=1e-12, err_msg=name)
    assert trace.loss == pytest.approx(ref["loss"], rel=1e-12)
    assert (trace.activation, trace.loss_name, trace.T) == (activation, loss, 7)


def test_trace_shapes_and_defaults():
    params, xs, targets, _ = random_problem(6, 2, 3, 4, 5, seed=2)
    trace = rc.forward(params, xs, targets)
    assert trace.a.shape == (6, 2, 4) and trace.h.shape == (7, 2, 4)
    assert trace.o.shape == trace.y_hat.shape == (6, 2, 5)
    assert trace.losses.shape == (6,) and isinstance(trace.loss, float)
    assert trace.activation == "tanh" and trace.loss_name == "softmax_ce"  # the documented defaults
    np.testing.assert_array_equal(trace.h[0], 0.0)  # h⁽⁰⁾ = 0 by default
    zeros = rc.forward(params, xs, targets, h0=np.zeros((2, 4)))
    np.testing.assert_array_equal(trace.h, zeros.h)
    assert trace.overflow_step is None


def test_h0_is_the_first_state_and_changes_the_run():
    params, xs, targets, h0 = random_problem(3, 2, 2, 3, 2, seed=8)
    trace = rc.forward(params, xs, targets, h0=h0)
    np.testing.assert_array_equal(trace.h[0], h0)
    assert not np.allclose(trace.h[1], rc.forward(params, xs, targets).h[1])


def test_losses_sum_over_the_batch_and_over_time():
    params, xs, targets, h0 = random_problem(5, 3, 2, 4, 3, seed=13)
    full = rc.forward(params, xs, targets, h0=h0)
    per_sequence = [
        rc.forward(params, xs[:, n : n + 1], targets[:, n : n + 1], h0=h0[n : n + 1]) for n in range(3)
    ]
    np.testing.assert_allclose(full.losses, sum(tr.losses for tr in per_sequence), rtol=1e-13)
    assert full.loss == pytest.approx(math.fsum(full.losses), rel=1e-15)


def test_mse_prediction_is_o_and_loss_is_half_squared_error():
    params, xs, targets, h0 = random_problem(4, 2, 3, 3, 2, loss="mse", seed=6)
    trace = rc.forward(params, xs, targets, loss="mse", h0=h0)
    np.testing.assert_array_equal(trace.y_hat, trace.o)
    for t in range(4):
        expected = sum(
            0.5 * float((trace.o[t, n] - targets[t, n]) @ (trace.o[t, n] - targets[t, n])) for n in range(2)
        )
        assert trace.losses[t] == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("loss", LOSSES)
def test_mask_weights_each_loss_step(loss):
    params, xs, targets, h0 = random_problem(5, 2, 3, 4, 3, loss=loss, seed=19)
    mask = np.array([0.0, 2.0, 1.0, 0.0, 0.5])
    plain = rc.forward(params, xs, targets, loss=loss, h0=h0)
    masked = rc.forward(params, xs, targets, loss=loss, h0=h0, mask=mask)
    np.testing.assert_allclose(masked.losses, mask * plain.losses, rtol=1e-15)
    np.testing.assert_array_equal(masked.h, plain.h)  # the mask weighs losses, not the dynamics
    ref = forward_loop(params, xs, targets, activation="tanh", loss=loss, h0=h0, mask=mask)
    np.testing.assert_allclose(masked.losses, ref["losses"], rtol=1e-12, atol=1e-15)
    assert masked.loss == pytest.approx(ref["loss"], rel=1e-12)


@pytest.mark.parametrize(
    "mask, message",
    [
        (np.ones(3), r"mask must have shape \(T,\) = \(4,\); received shape \(3,\)"),
        (np.ones((4, 1)), r"mask must have shape \(T,\) = \(4,\); received shape \(4, 1\)"),
        (np.array([1.0, -0.5, 1.0, 1.0]), r"mask must be ≥ 0 \(a weight per step\); received min -0\.5"),
        (np.array([1.0, np.nan, 1.0, 1.0]), r"mask must be finite; received nan at index \(1,\)"),
    ],
)
def test_forward_rejects_a_bad_mask(mask, message):
    params, xs, targets, _ = _problem()
    with pytest.raises(ValueError, match=message):
        rc.forward(params, xs, targets, mask=mask)


# --- softmax cross-entropy ---------------------------------------------------------------------


def test_softmax_rows_sum_to_one_and_loss_is_minus_log_prob_of_target():
    params, xs, targets, h0 = random_problem(6, 3, 2, 4, 5, seed=17)
    trace = rc.forward(params, xs, targets, h0=h0)
    np.testing.assert_allclose(trace.y_hat.sum(axis=-1), 1.0, rtol=1e-15, atol=2e-16)
    assert np.all(trace.y_hat > 0)
    picked = np.array([[trace.y_hat[t, n, targets[t, n]] for n in range(3)] for t in range(6)])
    np.testing.assert_allclose(trace.losses, -np.log(picked).sum(axis=1), rtol=1e-12)


def test_dL_do_is_y_hat_minus_onehot_and_sums_to_zero_per_step():
    params, xs, targets, h0 = random_problem(5, 3, 2, 4, 6, seed=5)
    trace = rc.forward(params, xs, targets, h0=h0)
    g = trace.dL_do()
    onehot = np.eye(6)[targets]  # (T, B, K)
    np.testing.assert_allclose(g, trace.y_hat - onehot, rtol=0, atol=1e-15)
    # Σ_k ∂L/∂o⁽ᵗ⁾_k = Σ_k ŷ_k − 1 = 0 for every step and sequence
    np.testing.assert_allclose(g.sum(axis=-1), 0.0, atol=1e-15)


def _saturated_softmax_problem(o_values, target):
    """A network whose outputs are exactly c (V = 0): o⁽ᵗ⁾ = ``o_values`` at every step."""
    K = len(o_values)
    params = rc.RNNParams(U=np.ones((2, 1)), W=np.eye(2), V=np.zeros((K, 2)), b=np.zeros(2), c=o_values)
    xs = np.ones((3, 2, 1))
    targets = np.full((3, 2), target)
    return params, xs, targets


@pytest.mark.parametrize(
    "o_values, target, step_loss, y_hat",
    [
        # L = logsumexp(o) − o[y]: 1000 + log(1 + e⁻¹⁰⁰⁰ + e⁻²⁰⁰⁰) + 1000 = 2000 in float64
        ([1000.0, -1000.0, 0.0], 1, 2000.0, [1.0, 0.0, 0.0]),
        ([1000.0, -1000.0, 0.0], 0, 0.0, [1.0, 0.0, 0.0]),
        # equal huge logits: ŷ is uniform and L = log K
        ([1000.0, 1000.0, 1000.0, 1000.0], 2, math.log(4), [0.25] * 4),
        ([-1000.0, -1000.0], 0, math.log(2), [0.5, 0.5]),
    ],
)
def test_softmax_at_huge_logits_is_finite_and_exact_without_warnings(o_values, target, step_loss, y_hat):
    params, xs, targets = _saturated_softmax_problem(np.array(o_values), target)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trace = rc.forward(params, xs, targets)
        grads = rc.bptt(params, trace)
    assert caught == []
    np.testing.assert_allclose(trace.o, np.broadcast_to(o_values, trace.o.shape))
    np.testing.assert_allclose(trace.y_hat, np.broadcast_to(y_hat, trace.y_hat.shape), atol=1e-300)
    np.testing.assert_allclose(trace.losses, 2 * step_loss, atol=1e-12)  # B = 2 sequences per step
    assert np.isfinite(trace.loss)
    # ∂L/∂c = Σ over 3 steps and 2 sequences of ŷ − onehot(y)
    expected_c = 6 * (np.array(y_hat) - np.eye(len(o_values))[target])
    np.testing.assert_allclose(grads.c, expected_c, atol=1e-12)
    assert grads.c.sum() == pytest.approx(0.0, abs=1e-12)


# --- exploding forward passes ------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["relu", "linear", "leaky_relu"])
@pytest.mark.parametrize("loss", LOSSES)
def test_exploding_forward_pass_keeps_inf_nan_and_warns_nothing(activation, loss):
    params, xs, targets, _ = random_problem(
        400, 2, 3, 8, 3, loss=loss, seed=1, w_init="identity", w_scale=8.0
    )
    params = rc.RNNParams(U=np.abs(params.U), W=params.W, V=params.V, b=np.ones(8), c=params.c)
    xs = np.abs(xs)  # positive inputs keep every unit on: h grows like 8ᵗ until it overflows
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trace = rc.forward(params, xs, targets, activation=activation, loss=loss)
        grads = rc.bptt(params, trace)
        rc.contributions(params, trace)
        rc.jacobian_log_norms(params, trace)
    assert caught == []
    step = trace.overflow_step
    # 8ᵗ passes float64's 1.8e308 between t = 341 and 342: the first non-finite h is near there
    assert step is not None and 330 <= step <= 345
    assert np.isfinite(trace.h[:step]).all() and not np.isfinite(trace.h[step]).all()
    assert not np.isfinite(trace.loss)
    assert not grads.is_finite()


def test_overflow_step_matches_the_growth_of_a_scaled_rotation():
    # linear, W = 3Q, x = 0: ‖h⁽ᵗ⁾‖ = 3ᵗ‖h⁽⁰⁾‖ exactly, so the largest entry lies in
    # [3ᵗ‖h⁽⁰⁾‖/√H, 3ᵗ‖h⁽⁰⁾‖] and first passes float64's max within those bounds
    H = 16
    params = rc.RNNParams.init(1, H, 2, w_init="orthogonal", w_scale=3.0, seed=4)
    h0 = np.random.default_rng(0).standard_normal((1, H))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trace = rc.forward(
            params, np.zeros((700, 1, 1)), np.zeros((700, 1), dtype=int), activation="linear", h0=h0
        )
    assert caught == []
    big = math.log(np.finfo(np.float64).max)
    norm0 = math.log(np.linalg.norm(h0))
    earliest = math.floor((big - norm0) / math.log(3.0))
    latest = math.ceil((big - norm0 + 0.5 * math.log(H)) / math.log(3.0))
    assert earliest <= trace.overflow_step <= latest + 1


# --- argument errors ---------------------------------------------------------------------------


def _problem(loss="softmax_ce"):
    return random_problem(4, 2, 3, 5, 3, loss=loss, seed=0)


@pytest.mark.parametrize(
    "xs_shape, message",
    [
        ((4, 3), r"xs must have shape \(T, B, D\) with D = 3; received shape \(4, 3\)"),
        ((4, 2, 2), r"xs must have shape \(T, B, D\) with D = 3; received shape \(4, 2, 2\)"),
        ((0, 2, 3), r"xs must have T ≥ 1 steps and B ≥ 1 sequences; received shape \(0, 2, 3\)"),
    ],
)
def test_forward_rejects_xs_of_a_wrong_shape(xs_shape, message):
    params, _, _, _ = _problem()
    with pytest.raises(ValueError, match=message):
        rc.forward(params, np.zeros(xs_shape), np.zeros(xs_shape[:2], dtype=int))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_forward_rejects_non_finite_xs(bad):
    params, xs, targets, _ = _problem()
    xs = xs.copy()
    xs[2, 1, 0] = bad
    with pytest.raises(ValueError, match=rf"xs must be finite; received {bad} at index \(2, 1, 0\)"):
        rc.forward(params, xs, targets)


def test_forward_rejects_non_numeric_xs():
    params, _, targets, _ = _problem()
    with pytest.raises(
        ValueError, match=r"xs must be a float array of shape \(T, B, D\) with D = 3; received str"
    ):
        rc.forward(params, "xs", targets)


@pytest.mark.parametrize(
    "targets, message",
    [
        (
            np.zeros((4, 3), dtype=int),
            r"targets must have shape \(T, B\) = \(4, 2\) for softmax_ce; received shape \(4, 3\)",
        ),
        (
            np.zeros((4, 2, 3), dtype=int),
            r"targets must have shape \(T, B\) = \(4, 2\) for softmax_ce; received shape \(4, 2, 3\)",
        ),
        (np.zeros((4, 2)), r"targets must be integer class indices for softmax_ce; received dtype float64"),
        (np.full((4, 2), 3), r"targets must lie in 0\.\.K-1 = 0\.\.2; received values in 3\.\.3"),
        (
            np.array([[0, 1], [2, -1], [0, 0], [1, 1]]),
            r"targets must lie in 0\.\.K-1 = 0\.\.2; received values in -1\.\.2",
        ),
    ],
)
def test_forward_rejects_bad_class_targets(targets, message):
    params, xs, _, _ = _problem()
    with pytest.raises(ValueError, match=message):
        rc.forward(params, xs, targets)


@pytest.mark.parametrize(
    "targets, message",
    [
        (
            np.zeros((4, 2)),
            r"targets must have shape \(T, B, K\) = \(4, 2, 3\) for mse; received shape \(4, 2\)",
        ),
        (
            np.zeros((4, 2, 2)),
            r"targets must have shape \(T, B, K\) = \(4, 2, 3\) for mse; received shape \(4, 2, 2\)",
        ),
        (np.full((4, 2, 3), np.nan), r"targets must be finite; received nan at index \(0, 0, 0\)"),
    ],
)
def test_forward_rejects_bad_mse_targets(targets, message):
    params, xs, _, _ = _problem("mse")
    with pytest.raises(ValueError, match=message):
        rc.forward(params, xs, targets, loss="mse")


@pytest.mark.parametrize(
    "h0, message",
    [
        (np.zeros((2, 4)), r"h0 must have shape \(B, H\) = \(2, 5\); received shape \(2, 4\)"),
        (np.zeros(5), r"h0 must have shape \(B, H\) = \(2, 5\); received shape \(5,\)"),
        (np.full((2, 5), np.inf), r"h0 must be finite; received inf at index \(0, 0\)"),
    ],
)
def test_forward_rejects_bad_h0(h0, message):
    params, xs, targets, _ = _problem()
    with pytest.raises(ValueError, match=message):
        rc.forward(params, xs, targets, h0=h0)


def test_forward_rejects_unknown_activation_and_loss():
    params, xs, targets, _ = _problem()
    with pytest.raises(ValueError, match=r"activation must be one of \[.*\]; received 'gelu'"):
        rc.forward(params, xs, targets, activation="gelu")
    with pytest.raises(ValueError, match=r"loss must be one of \['mse', 'softmax_ce'\]; received 'hinge'"):
        rc.forward(params, xs, targets, loss="hinge")


def test_forward_rejects_params_that_are_not_params_or_not_finite():
    params, xs, targets, _ = _problem()
    with pytest.raises(ValueError, match=r"params must be RNNParams; received dict"):
        rc.forward(params.arrays(), xs, targets)
    W = params.W.copy()
    W[1, 2] = np.nan
    bad = rc.RNNParams(U=params.U, W=W, V=params.V, b=params.b, c=params.c)
    with pytest.raises(ValueError, match=r"params\.W must be finite; received nan at index \(1, 2\)"):
        rc.forward(bad, xs, targets)
