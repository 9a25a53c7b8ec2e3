"""RNNParams: init's σ_max(W) and determinism, sgd_step field by field, and argument errors."""

import numpy as np
import pytest

import rnn_core as rc
from tests.core.reference_loops import FIELDS, random_problem

W_INITS = ("orthogonal", "gaussian", "identity")


def _sigma_max(W):
    return np.linalg.svd(W, compute_uv=False)[0]


@pytest.mark.parametrize("w_init", W_INITS)
@pytest.mark.parametrize("w_scale", [0.25, 1.0, 3.0])
@pytest.mark.parametrize("H", [1, 7, 32])
def test_init_sets_sigma_max_of_W_to_w_scale(w_init, w_scale, H):
    params = rc.RNNParams.init(3, H, 2, w_init=w_init, w_scale=w_scale, seed=5)
    np.testing.assert_allclose(_sigma_max(params.W), w_scale, rtol=1e-12)


@pytest.mark.parametrize("w_scale", [0.5, 1.0, 2.5])
def test_orthogonal_init_is_a_scaled_orthogonal_matrix(w_scale):
    W = rc.RNNParams.init(4, 24, 3, w_init="orthogonal", w_scale=w_scale, seed=1).W
    # every singular value equals ρ, not only the largest: WᵀW = ρ²I
    np.testing.assert_allclose(W.T @ W, w_scale**2 * np.eye(24), atol=1e-12)
    np.testing.assert_allclose(W @ W.T, w_scale**2 * np.eye(24), atol=1e-12)


def test_identity_init_is_w_scale_times_identity():
    np.testing.assert_array_equal(
        rc.RNNParams.init(2, 5, 2, w_init="identity", w_scale=1.5).W, 1.5 * np.eye(5)
    )


def test_gaussian_init_is_not_orthogonal():
    # σ_max is pinned to w_scale but the other singular values spread out below it
    sv = np.linalg.svd(rc.RNNParams.init(2, 16, 2, w_init="gaussian", seed=3).W, compute_uv=False)
    assert sv[0] == pytest.approx(1.0, rel=1e-12) and sv[-1] < 0.5


@pytest.mark.parametrize("w_init", W_INITS)
def test_init_shapes_and_zero_biases(w_init):
    p = rc.RNNParams.init(3, 5, 4, w_init=w_init, seed=2)
    assert {k: v.shape for k, v in p.arrays().items()} == {
        "U": (5, 3),
        "W": (5, 5),
        "V": (4, 5),
        "b": (5,),
        "c": (4,),
    }
    assert (p.n_in, p.n_hidden, p.n_out) == (3, 5, 4)
    assert all(v.dtype == np.float64 for v in p.arrays().values())
    np.testing.assert_array_equal(p.b, 0.0)
    np.testing.assert_array_equal(p.c, 0.0)


def test_init_scales_U_by_inputs_and_V_by_hidden_units():
    # entries of U ~ N(0, 1/D), of V ~ N(0, 1/H): 40 000 draws pin each variance to a few percent
    p = rc.RNNParams.init(100, 400, 100, seed=0)
    assert np.var(p.U) == pytest.approx(1 / 100, rel=0.05)
    assert np.var(p.V) == pytest.approx(1 / 400, rel=0.05)


@pytest.mark.parametrize("w_init", W_INITS)
def test_init_is_deterministic_by_seed_and_seeds_differ(w_init):
    one = rc.RNNParams.init(3, 6, 2, w_init=w_init, seed=11)
    again = rc.RNNParams.init(3, 6, 2, w_init=w_init, seed=11)
    other = rc.RNNParams.init(3, 6, 2, w_init=w_init, seed=12)
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(one, name), getattr(again, name))
    assert not np.array_equal(one.U, other.U)
    if w_init != "identity":  # identity W does not depend on the seed
        assert not np.array_equal(one.W, other.W)


def test_params_are_read_only_copies():
    W = np.eye(2)
    p = rc.RNNParams(U=np.ones((2, 1)), W=W, V=np.ones((1, 2)), b=np.zeros(2), c=np.zeros(1))
    W[0, 0] = 7.0  # the caller's array changes; the params must not
    assert p.W[0, 0] == 1.0
    with pytest.raises(ValueError):
        p.W[0, 0] = 3.0
    with pytest.raises(AttributeError):
        p.W = np.eye(2)


def test_sgd_step_is_theta_minus_lr_g_field_by_field():
    params, *_ = random_problem(1, 1, 3, 4, 2, seed=4)
    rng = np.random.default_rng(9)
    grads = rc.RNNParams(**{k: rng.standard_normal(v.shape) for k, v in params.arrays().items()})
    lr = 0.37
    new = params.sgd_step(grads, lr)
    assert isinstance(new, rc.RNNParams)
    for name in FIELDS:
        theta, g = getattr(params, name), getattr(grads, name)
        expected = np.array([t - lr * gi for t, gi in zip(theta.ravel().tolist(), g.ravel().tolist())])
        np.testing.assert_array_equal(getattr(new, name).ravel(), expected)
    # a step returns new params and leaves the old ones as they were
    assert not np.array_equal(new.W, params.W)


def test_sgd_step_on_real_gradients_lowers_the_loss():
    params, xs, targets, h0 = random_problem(6, 2, 3, 5, 4, seed=3)
    trace = rc.forward(params, xs, targets, h0=h0)
    new = params.sgd_step(rc.bptt(params, trace), 1e-3)
    assert rc.forward(new, xs, targets, h0=h0).loss < trace.loss


@pytest.mark.parametrize("loss", ["softmax_ce", "mse"])
def test_gradients_are_params_with_the_same_shapes(loss):
    params, xs, targets, h0 = random_problem(3, 2, 2, 3, 2, loss=loss, seed=0)
    trace = rc.forward(params, xs, targets, loss=loss, h0=h0)
    for grads in (
        rc.bptt(params, trace),
        rc.numerical_gradient(params, xs, targets, activation="tanh", loss=loss, h0=h0),
    ):
        assert isinstance(grads, rc.RNNParams)
        for name in FIELDS:
            assert getattr(grads, name).shape == getattr(params, name).shape


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
@pytest.mark.parametrize("field", FIELDS)
def test_sgd_step_refuses_non_finite_grads(field, bad):
    params, *_ = random_problem(1, 1, 2, 3, 2, seed=0)
    arrays = {k: np.zeros(v.shape) for k, v in params.arrays().items()}
    arrays[field].flat[-1] = bad
    with pytest.raises(ValueError, match=rf"grads\.{field} must be finite; received {bad}"):
        params.sgd_step(rc.RNNParams(**arrays), 0.1)


def test_sgd_step_refuses_grads_of_other_shapes_and_bad_lr():
    params = rc.RNNParams.init(2, 3, 2)
    with pytest.raises(
        ValueError, match=r"grads\.U must have shape \(3, 2\) like params\.U; received \(4, 2\)"
    ):
        params.sgd_step(rc.RNNParams.init(2, 4, 2), 0.1)
    with pytest.raises(ValueError, match=r"grads must be RNNParams; received dict"):
        params.sgd_step(params.arrays(), 0.1)
    for lr in (-0.1, np.nan, np.inf):
        with pytest.raises(ValueError, match=rf"lr must be a finite number ≥ 0; received {lr}"):
            params.sgd_step(params, lr)


@pytest.mark.parametrize(
    "field, shape, message",
    [
        ("U", (3,), r"U must have shape \(H, D\); received shape \(3,\)"),
        ("V", (2, 3, 1), r"V must have shape \(K, H\); received shape \(2, 3, 1\)"),
        ("W", (3, 4), r"W must have shape \(H, H\) = \(3, 3\); received shape \(3, 4\)"),
        ("V", (2, 4), r"V must have shape \(K, H\) = \(2, 3\); received shape \(2, 4\)"),
        ("b", (4,), r"b must have shape \(H,\) = \(3,\); received shape \(4,\)"),
        ("c", (2, 1), r"c must have shape \(K,\) = \(2,\); received shape \(2, 1\)"),
    ],
)
def test_params_with_a_wrong_field_shape_raise(field, shape, message):
    arrays = {"U": np.ones((3, 2)), "W": np.eye(3), "V": np.ones((2, 3)), "b": np.zeros(3), "c": np.zeros(2)}
    arrays[field] = np.ones(shape)
    with pytest.raises(ValueError, match=message):
        rc.RNNParams(**arrays)


def test_params_field_that_is_not_numeric_raises():
    with pytest.raises(ValueError, match=r"b must be a float array of shape \(H,\) = \(2,\); received str"):
        rc.RNNParams(U=np.ones((2, 1)), W=np.eye(2), V=np.ones((1, 2)), b="zero", c=np.zeros(1))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"w_init": "xavier"},
            r"w_init must be one of \['gaussian', 'identity', 'orthogonal'\]; received 'xavier'",
        ),
        ({"w_scale": -1.0}, r"w_scale must be a finite number ≥ 0; received -1\.0"),
        ({"w_scale": np.inf}, r"w_scale must be a finite number ≥ 0; received inf"),
        ({"seed": -3}, r"seed must be an integer ≥ 0; received -3"),
        ({"seed": 1.5}, r"seed must be an integer ≥ 0; received 1\.5"),
    ],
)
def test_init_rejects_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        rc.RNNParams.init(2, 3, 2, **kwargs)


@pytest.mark.parametrize(
    "sizes, message",
    [
        ((0, 3, 2), r"n_in must be an integer ≥ 1; received 0"),
        ((2, 0, 2), r"n_hidden must be an integer ≥ 1; received 0"),
        ((2, 3, 2.0), r"n_out must be an integer ≥ 1; received 2\.0"),
        ((2, True, 2), r"n_hidden must be an integer ≥ 1; received True"),
    ],
)
def test_init_rejects_bad_sizes(sizes, message):
    with pytest.raises(ValueError, match=message):
        rc.RNNParams.init(*sizes)
