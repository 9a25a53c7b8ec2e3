"""rc.regime_map and rc.sigma_grid: each log norm against the plain per-step loop of
tests/core/reference_loops.py network by network, explicit products against Lanczos, closed forms
(linear f with orthogonal W, units all off), overflow and argument errors."""

import numpy as np
import pytest

import rnn_core as rc
from tests.core.reference_loops import forward_loop, jacobian_log_norms_loop

ACTS = tuple(rc.ACTIVATIONS)


def base_network(H, D=3, K=2, *, w_init="orthogonal", seed=0, bias=0.2):
    """RNNParams with σ_max(W) = 1 and a nonzero bias, so that ReLU units are not all alike."""
    p = rc.RNNParams.init(D, H, K, w_init=w_init, seed=seed)
    b = bias * np.random.default_rng(seed + 100).standard_normal(H)
    return rc.RNNParams(U=p.U, W=p.W, V=p.V, b=b, c=p.c)


def scaled(params, sigma):
    """The same network with W rescaled so that σ_max(W) = sigma."""
    W = params.W / np.linalg.svd(params.W, compute_uv=False)[0] * sigma
    return rc.RNNParams(U=params.U, W=W, V=params.V, b=params.b, c=params.c)


def loop_log_norm(params, xs, activation, distance):
    """log₁₀‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂ from the plain per-step forward pass and Jacobian loop (h⁽⁰⁾ = 0)."""
    T = xs.shape[0]
    fw = forward_loop(
        params, xs, np.zeros((T, xs.shape[1]), dtype=int), activation=activation, loss="softmax_ce"
    )
    return jacobian_log_norms_loop(params, fw, T)[T - distance]


@pytest.mark.parametrize(
    "H, T, distance, sigmas",
    [
        (6, 12, 12, (0.3, 0.9)),  # d·H ≤ 640: method "auto" forms the products
        (6, 6, 4, (2.0, 3.5)),  # expanding, but too short for rounding to grow
        (40, 25, 20, (0.3, 0.9)),  # d·H > 640: Lanczos on products with vectors
        (40, 8, 8, (1.6, 3.0)),
    ],
)
def test_regime_map_matches_a_plain_loop_network_by_network(H, T, distance, sigmas):
    params = base_network(H)
    xs = np.random.default_rng(1).standard_normal((T, 1, params.n_in))
    got = rc.regime_map(params, xs, sigmas, ACTS, distance)
    assert got.log_norms.shape == (len(ACTS), len(sigmas)) and got.distance == distance
    for i, act in enumerate(ACTS):
        for j, sigma in enumerate(sigmas):
            want = loop_log_norm(scaled(params, sigma), xs, act, distance)
            if np.isneginf(want):
                assert np.isneginf(got.log_norms[i, j]), (act, sigma)
            else:
                assert got.log_norms[i, j] == pytest.approx(want, abs=1e-7), (act, sigma)


def test_regime_map_explicit_and_lanczos_products_agree():
    params = base_network(24, w_init="gaussian", seed=3)
    xs = np.random.default_rng(2).standard_normal((15, 1, params.n_in))
    sigmas = rc.sigma_grid(0.1, 4.0, 9)[0]
    explicit = rc.regime_map(params, xs, sigmas, ACTS, 15, method="explicit")
    lanczos = rc.regime_map(params, xs, sigmas, ACTS, 15, method="lanczos")
    assert explicit.accuracy == 0.0
    assert lanczos.accuracy <= 1e-7
    finite = np.isfinite(explicit.log_norms)
    assert np.array_equal(finite, np.isfinite(lanczos.log_norms))
    np.testing.assert_allclose(lanczos.log_norms[finite], explicit.log_norms[finite], rtol=0, atol=1e-7)


def plain_jacobian(params, xs, activation, distance):
    """∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾ as a matrix, from the plain per-step forward pass (h⁽⁰⁾ = 0)."""
    T = xs.shape[0]
    fw = forward_loop(params, xs, np.zeros((T, 1), dtype=int), activation=activation, loss="softmax_ce")
    J = np.eye(params.n_hidden)
    for j in range(T, T - distance, -1):
        J = J @ np.diag(fw["fprime"][j - 1, 0]) @ params.W
    return J


def test_a_capped_lanczos_run_gives_lower_bounds_within_its_accuracy_of_a_singular_value():
    params = base_network(60, seed=4)
    xs = np.random.default_rng(3).standard_normal((12, 1, params.n_in))
    sigmas = (0.5, 1.0, 2.0)
    capped = rc.regime_map(params, xs, sigmas, ("tanh",), 3, method="lanczos", max_iter=2)
    assert capped.accuracy > 1e-6  # two iterations on 60 clustered singular values: not converged
    for j, sigma in enumerate(sigmas):
        sv = np.log10(np.linalg.svd(plain_jacobian(scaled(params, sigma), xs, "tanh", 3), compute_uv=False))
        value = capped.log_norms[0, j]
        assert value <= sv[0] + 1e-12  # a Ritz value never exceeds the largest singular value
        assert np.abs(sv - value).min() <= capped.accuracy + 1e-12  # the residual bound


@pytest.mark.parametrize("distance", [1, 7, 30])
def test_linear_orthogonal_map_is_d_log_sigma_exactly(distance):
    # f′ = 1 and ‖Qᵈ‖₂ = 1 for orthogonal Q: ‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂ = σᵈ
    params = base_network(32)
    xs = np.random.default_rng(0).standard_normal((30, 1, params.n_in))
    sigmas = np.array([0.1, 0.7, 1.0, 2.5, 4.0])
    got = rc.regime_map(params, xs, sigmas, ("linear",), distance).log_norms[0]
    np.testing.assert_allclose(got, distance * np.log10(sigmas), atol=1e-10)


@pytest.mark.parametrize("method", ["lanczos", "explicit"])
def test_units_all_off_give_exact_zero_for_relu_and_the_leak_for_leaky_relu(method):
    # b = −50 keeps every pre-activation negative: ReLU′ = 0, leaky-ReLU′ = 0.01 at every unit
    p = rc.RNNParams.init(2, 5, 2, w_init="identity", seed=0)
    params = rc.RNNParams(U=0.01 * p.U, W=p.W, V=p.V, b=np.full(5, -50.0), c=p.c)
    xs = np.random.default_rng(0).standard_normal((9, 1, 2))
    sigmas = np.array([0.5, 1.0, 3.0])
    got = rc.regime_map(params, xs, sigmas, ("relu", "leaky_relu"), 6, method=method).log_norms
    assert np.isneginf(got[0]).all()
    np.testing.assert_allclose(got[1], 6 * np.log10(0.01 * sigmas), atol=1e-12)  # ‖(0.01σ I)⁶‖
    no_live_row = rc.regime_map(params, xs, sigmas, ("relu",), 6, method=method).log_norms
    assert np.isneginf(no_live_row).all()


def test_a_forward_pass_that_overflows_to_nan_gives_nan_like_jacobian_log_norms():
    params = base_network(4, seed=1)
    xs = np.random.default_rng(0).standard_normal((6, 1, params.n_in))
    got = rc.regime_map(params, xs, (1e300,), ("relu",), 6).log_norms[0, 0]
    big = scaled(params, 1e300)
    trace = rc.forward(big, xs, np.zeros((6, 1), dtype=int), activation="relu")
    assert trace.overflow_step is not None
    assert np.isnan(rc.jacobian_log_norms(big, trace)[0]) and np.isnan(got)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(distance=0), "distance"),
        (dict(distance=11), "distance must be in 1..T = 1..10"),
        (dict(sigmas=[0.5, 0.0]), "sigmas"),
        (dict(sigmas=[]), "sigmas"),
        (dict(activations="tanh"), "activations"),
        (dict(activations=["softplus"]), "activations"),
        (dict(batch_index=1), "batch_index"),
        (dict(params="W"), "params must be RNNParams"),
        (dict(xs=np.zeros((10, 1, 7))), "xs"),
        (dict(method="qr"), "method must be one of"),
        (dict(max_iter=0), "max_iter"),
    ],
)
def test_regime_map_rejects_bad_arguments(kwargs, message):
    args = dict(
        params=base_network(3), xs=np.zeros((10, 1, 3)), sigmas=[1.0], activations=["tanh"], distance=2
    )
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        rc.regime_map(args.pop("params"), args.pop("xs"), args.pop("sigmas"), args.pop("activations"), **args)


def test_regime_map_rejects_a_zero_W():
    p = base_network(3)
    zero = rc.RNNParams(U=p.U, W=np.zeros((3, 3)), V=p.V, b=p.b, c=p.c)
    with pytest.raises(ValueError, match="W must be nonzero"):
        rc.regime_map(zero, np.zeros((4, 1, 3)), [1.0], ["tanh"], 2)


def test_sigma_grid_is_log_spaced_with_geometric_midpoints_as_edges():
    centres, edges = rc.sigma_grid(0.1, 4.0, 30)
    assert centres.shape == (30,) and edges.shape == (31,)
    assert centres[0] == pytest.approx(0.1) and centres[-1] == pytest.approx(4.0)
    ratios = centres[1:] / centres[:-1]
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-12)
    np.testing.assert_allclose(edges[1:-1] ** 2, centres[:-1] * centres[1:], rtol=1e-12)
    assert edges[0] < centres[0] and edges[-1] > centres[-1]
    with pytest.raises(ValueError, match="low and high"):
        rc.sigma_grid(4.0, 0.1, 30)
    with pytest.raises(ValueError, match="n must be"):
        rc.sigma_grid(0.1, 4.0, 1)


@pytest.mark.parametrize("H, distance, chosen", [(6, 12, "explicit"), (40, 20, "lanczos")])  # d·H vs 640
def test_method_auto_forms_small_products_and_runs_lanczos_on_large_ones(H, distance, chosen):
    params = base_network(H, seed=5)
    xs = np.random.default_rng(4).standard_normal((distance, 1, params.n_in))
    auto = rc.regime_map(params, xs, (0.5, 2.0), ACTS, distance)
    forced = rc.regime_map(params, xs, (0.5, 2.0), ACTS, distance, method=chosen)
    np.testing.assert_array_equal(auto.log_norms, forced.log_norms)
    assert auto.accuracy == forced.accuracy
