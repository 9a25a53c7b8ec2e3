"""rnn_core.remedies: each result against an independent computation (plain loops from
tests/reference_loops.py, closed forms, explicit matrix products), plus overflow and argument errors."""

import math

import numpy as np
import pytest

import rnn_core as rc
from rnn_core import remedies as rm
from tests.core.reference_loops import (
    FIELDS,
    forward_loop,
    jacobian_log_norms_loop,
    random_problem,
    truncated_bptt_loop,
)

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


# --- the regime map ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "H, T, distance, sigmas",
    [
        (6, 12, 12, (0.3, 0.9)),  # d·H ≤ EXPLICIT_MAX: the products are formed
        (6, 6, 4, (2.0, 3.5)),  # expanding, but too short for rounding to grow
        (40, 25, 20, (0.3, 0.9)),  # d·H > EXPLICIT_MAX: Lanczos on products with vectors
        (40, 8, 8, (1.6, 3.0)),
    ],
)
def test_regime_map_matches_a_plain_loop_network_by_network(H, T, distance, sigmas):
    params = base_network(H)
    xs = np.random.default_rng(1).standard_normal((T, 1, params.n_in))
    got = rm.regime_map(params, xs, sigmas, ACTS, distance)
    assert got.log_norms.shape == (len(ACTS), len(sigmas)) and got.distance == distance
    for i, act in enumerate(ACTS):
        for j, sigma in enumerate(sigmas):
            want = loop_log_norm(scaled(params, sigma), xs, act, distance)
            if np.isneginf(want):
                assert np.isneginf(got.log_norms[i, j]), (act, sigma)
            else:
                assert got.log_norms[i, j] == pytest.approx(want, abs=1e-7), (act, sigma)


def test_regime_map_explicit_and_lanczos_products_agree(monkeypatch):
    params = base_network(24, w_init="gaussian", seed=3)
    xs = np.random.default_rng(2).standard_normal((15, 1, params.n_in))
    sigmas = rm.sigma_grid(0.1, 4.0, 9)[0]
    monkeypatch.setattr(rm, "EXPLICIT_MAX", 10**9)
    explicit = rm.regime_map(params, xs, sigmas, ACTS, 15)
    monkeypatch.setattr(rm, "EXPLICIT_MAX", 0)
    lanczos = rm.regime_map(params, xs, sigmas, ACTS, 15)
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


def test_a_capped_lanczos_run_gives_lower_bounds_within_its_accuracy_of_a_singular_value(monkeypatch):
    params = base_network(60, seed=4)
    xs = np.random.default_rng(3).standard_normal((12, 1, params.n_in))
    sigmas = (0.5, 1.0, 2.0)
    monkeypatch.setattr(rm, "EXPLICIT_MAX", 0)
    monkeypatch.setattr(rm, "LANCZOS_MAX_ITER", 2)
    capped = rm.regime_map(params, xs, sigmas, ("tanh",), 3)
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
    got = rm.regime_map(params, xs, sigmas, ("linear",), distance).log_norms[0]
    np.testing.assert_allclose(got, distance * np.log10(sigmas), atol=1e-10)


@pytest.mark.parametrize("explicit_max", [0, 10**6])  # Lanczos, then explicit products
def test_units_all_off_give_exact_zero_for_relu_and_the_leak_for_leaky_relu(monkeypatch, explicit_max):
    # b = −50 keeps every pre-activation negative: ReLU′ = 0, leaky-ReLU′ = 0.01 at every unit
    monkeypatch.setattr(rm, "EXPLICIT_MAX", explicit_max)
    p = rc.RNNParams.init(2, 5, 2, w_init="identity", seed=0)
    params = rc.RNNParams(U=0.01 * p.U, W=p.W, V=p.V, b=np.full(5, -50.0), c=p.c)
    xs = np.random.default_rng(0).standard_normal((9, 1, 2))
    sigmas = np.array([0.5, 1.0, 3.0])
    got = rm.regime_map(params, xs, sigmas, ("relu", "leaky_relu"), 6).log_norms
    assert np.isneginf(got[0]).all()
    np.testing.assert_allclose(got[1], 6 * np.log10(0.01 * sigmas), atol=1e-12)  # ‖(0.01σ I)⁶‖
    assert np.isneginf(rm.regime_map(params, xs, sigmas, ("relu",), 6).log_norms).all()  # no live row


def test_a_forward_pass_that_overflows_to_nan_gives_nan_like_jacobian_log_norms():
    params = base_network(4, seed=1)
    xs = np.random.default_rng(0).standard_normal((6, 1, params.n_in))
    got = rm.regime_map(params, xs, (1e300,), ("relu",), 6).log_norms[0, 0]
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
    ],
)
def test_regime_map_rejects_bad_arguments(kwargs, message):
    args = dict(
        params=base_network(3), xs=np.zeros((10, 1, 3)), sigmas=[1.0], activations=["tanh"], distance=2
    )
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        rm.regime_map(args.pop("params"), args.pop("xs"), args.pop("sigmas"), args.pop("activations"), **args)


def test_regime_map_rejects_a_zero_W():
    p = base_network(3)
    zero = rc.RNNParams(U=p.U, W=np.zeros((3, 3)), V=p.V, b=p.b, c=p.c)
    with pytest.raises(ValueError, match="W must be nonzero"):
        rm.regime_map(zero, np.zeros((4, 1, 3)), [1.0], ["tanh"], 2)


def test_sigma_grid_is_log_spaced_with_geometric_midpoints_as_edges():
    centres, edges = rm.sigma_grid(0.1, 4.0, 30)
    assert centres.shape == (30,) and edges.shape == (31,)
    assert centres[0] == pytest.approx(0.1) and centres[-1] == pytest.approx(4.0)
    ratios = centres[1:] / centres[:-1]
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-12)
    np.testing.assert_allclose(edges[1:-1] ** 2, centres[:-1] * centres[1:], rtol=1e-12)
    assert edges[0] < centres[0] and edges[-1] > centres[-1]
    with pytest.raises(ValueError, match="low and high"):
        rm.sigma_grid(4.0, 0.1, 30)
    with pytest.raises(ValueError, match="n must be"):
        rm.sigma_grid(0.1, 4.0, 1)


# --- the regime of a profile ------------------------------------------------------------------


@pytest.mark.parametrize(
    "r, kind", [(0.5, "vanishing"), (1.0, "neither"), (1.05, "neither"), (2.0, "exploding")]
)
def test_classify_regime_of_a_geometric_profile(r, kind):
    t = 20
    log_norms = (t - np.arange(t + 1)) * math.log10(r)  # entry k: distance t − k
    regime = rm.classify_regime(log_norms, bound_base=1.0)
    assert regime.kind == kind
    assert regime.distance == t
    assert regime.per_step == pytest.approx(r, rel=1e-12)
    assert regime.log_norm == pytest.approx(t * math.log10(r), abs=1e-12)


def test_classify_regime_zero_undefined_and_the_guarantee():
    zero = rm.classify_regime([-np.inf, -np.inf, -1.0, -0.5, 0.0], bound_base=1.0)
    assert (zero.kind, zero.distance) == ("zero", 3)
    undefined = rm.classify_regime([np.nan, 0.3, 0.0], bound_base=2.0)
    assert (undefined.kind, undefined.distance) == ("undefined", 2)
    # a factor per step beyond float64 (one step of a trained, huge W) is ∞, not an OverflowError
    huge = rm.classify_regime([400.0, 0.0], bound_base=1.0)
    assert (huge.kind, huge.per_step) == ("exploding", np.inf)
    assert rm.classify_regime([-3.0, 0.0], bound_base=0.25).vanishing_guaranteed
    assert not rm.classify_regime([-3.0, 0.0], bound_base=1.0).vanishing_guaranteed
    with pytest.raises(ValueError, match="bound_base"):
        rm.classify_regime([0.0], bound_base=-1.0)
    with pytest.raises(ValueError, match="log_norms"):
        rm.classify_regime(np.zeros((2, 2)), bound_base=1.0)


def test_jacobian_profile_of_a_linear_orthogonal_network_is_its_closed_form():
    rho = 0.8
    p = rc.RNNParams.init(3, 10, 2, w_init="orthogonal", w_scale=rho, seed=2)
    xs = np.random.default_rng(0).standard_normal((15, 1, 3))
    prof = rm.jacobian_profile(p, rc.forward(p, xs, np.zeros((15, 1), dtype=int), activation="linear"))
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
    prof = rm.jacobian_profile(params, trace)
    fw = forward_loop(params, xs, targets, activation=activation, loss="softmax_ce")
    want = jacobian_log_norms_loop(params, fw, 12)[::-1]
    finite = np.isfinite(want)
    np.testing.assert_allclose(prof.log_norms[finite], want[finite], atol=1e-9)
    assert (prof.log_norms[finite] <= prof.bound[finite] + 1e-9).all()
    s = prof.summary
    assert s.sigma_max == pytest.approx(np.linalg.svd(params.W, compute_uv=False)[0], rel=1e-12)
    assert prof.regime == rm.classify_regime(prof.log_norms[::-1], s.bound_base)


# --- the gradient split by distance ------------------------------------------------------------


def plain(x):
    return np.asarray(x, dtype=float).ravel()


def test_distance_split_against_truncated_bptt_from_the_reference_loop():
    T = 7
    params, xs, targets, h0 = random_problem(T, 2, 3, 4, 3, seed=8, w_scale=1.3)
    trace = rc.forward(params, xs, targets, activation="tanh", h0=h0)
    split = rm.distance_split(rc.distance_terms(params, trace))
    fw = forward_loop(params, xs, targets, activation="tanh", loss="softmax_ce", h0=h0)
    full = plain(truncated_bptt_loop(params, fw, None)["W"])
    np.testing.assert_allclose(plain(split.total), full, rtol=1e-10, atol=1e-12)
    assert split.total_norm == pytest.approx(np.linalg.norm(full), rel=1e-12)
    assert split.shares.sum() == pytest.approx(1.0, abs=1e-12)
    for tau in range(1, T + 1):
        kept = plain(truncated_bptt_loop(params, fw, tau)["W"])
        assert split.kept[tau - 1] == pytest.approx(np.linalg.norm(kept) / np.linalg.norm(full), rel=1e-9)
        cos = kept @ full / (np.linalg.norm(kept) * np.linalg.norm(full))
        assert split.cosine[tau - 1] == pytest.approx(cos, abs=1e-12)
        assert split.dropped[tau - 1] == pytest.approx(
            np.linalg.norm(full - kept) / np.linalg.norm(full), rel=1e-8, abs=1e-14
        )
    assert split.kept[-1] == pytest.approx(1.0) and split.dropped[-1] == 0.0


def test_distance_split_norms_and_shares_are_plain_sums():
    G = np.random.default_rng(0).standard_normal((6, 3, 3))
    split = rm.distance_split(G)
    g = G.sum(axis=0)
    for d in range(6):
        assert split.norms[d] == pytest.approx(math.sqrt(math.fsum(x * x for x in G[d].ravel())), rel=1e-12)
        share = math.fsum(a * b for a, b in zip(G[d].ravel(), g.ravel())) / math.fsum(
            x * x for x in g.ravel()
        )
        assert split.shares[d] == pytest.approx(share, rel=1e-10, abs=1e-14)


def test_distance_split_survives_overflow_and_keeps_a_tiny_tail():
    G = np.random.default_rng(1).standard_normal((5, 4, 4))
    ref = rm.distance_split(G)
    for scale in (1e300, 1e-300):  # squares overflow / underflow float64
        got = rm.distance_split(G * scale)
        for field in ("shares", "kept", "cosine", "dropped"):
            np.testing.assert_allclose(getattr(got, field), getattr(ref, field), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(got.norms, ref.norms * scale, rtol=1e-12)
    # a long-range part 1e-30 times the rest: Σ_{d≥τ} G_d summed directly, not as g − Σ_{d<τ} G_d
    G[3:] *= 1e-30
    split = rm.distance_split(G)
    want = np.linalg.norm(G[3:].sum(axis=0)) / np.linalg.norm(G.sum(axis=0))
    assert want < 1e-29
    assert split.dropped[2] == pytest.approx(want, rel=1e-10, abs=0)


def test_distance_split_of_a_non_finite_or_zero_gradient_is_nan_not_a_warning():
    G = np.ones((3, 2, 2))
    G[1, 0, 0] = np.inf
    split = rm.distance_split(G)
    assert np.isnan(split.shares).all() and np.isnan(split.kept).all()
    assert split.norms[1] == np.inf and np.isfinite(split.norms[[0, 2]]).all()
    zero = rm.distance_split(np.zeros((3, 2, 2)))
    assert np.isnan(zero.cosine).all() and zero.total_norm == 0.0
    with pytest.raises(ValueError, match="G must have shape"):
        rm.distance_split(np.float64(1.0))


# --- clipping --------------------------------------------------------------------------------------


def random_grads(seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    shapes = {"U": (4, 3), "W": (4, 4), "V": (2, 4), "b": (4,), "c": (2,)}
    return rc.RNNParams(**{k: scale * rng.standard_normal(s) for k, s in shapes.items()})


def flat(g):
    return np.concatenate([getattr(g, k).ravel() for k in FIELDS])


def test_clipping_comparison_against_plain_numpy():
    g = random_grads(3)
    v = flat(g)
    norm = math.sqrt(math.fsum(x * x for x in v))
    theta = 0.5
    c = rm.clipping_comparison(g, theta)
    assert c.finite and c.norm_clipped and c.elementwise_clipped
    assert c.norm_before == pytest.approx(norm, rel=1e-12)
    assert c.norm_after == pytest.approx(theta, rel=1e-12)
    assert c.norm_scale == pytest.approx(theta / norm, rel=1e-12)
    assert c.norm_cosine == pytest.approx(1.0, abs=1e-12)
    clipped = np.array([min(max(x, -theta), theta) for x in v])
    assert c.elementwise_cosine == pytest.approx(clipped @ v / (np.linalg.norm(clipped) * norm), abs=1e-12)
    assert c.elementwise_cosine < 1 - 1e-3
    assert c.elementwise_after == pytest.approx(np.linalg.norm(clipped), rel=1e-12)
    assert c.elementwise_fraction == pytest.approx(sum(abs(x) > theta for x in v) / v.size)


def test_a_threshold_above_every_entry_and_the_norm_changes_nothing():
    g = random_grads(4)
    c = rm.clipping_comparison(g, 1e3)
    assert not c.norm_clipped and not c.elementwise_clipped
    assert c.norm_scale == 1.0 and c.elementwise_fraction == 0.0
    assert c.norm_cosine == pytest.approx(1.0, abs=1e-15) and c.elementwise_cosine == pytest.approx(
        1.0, abs=1e-15
    )


def test_clipping_a_non_finite_gradient_reports_it():
    g = random_grads(5)
    bad = rc.RNNParams(**{**{k: getattr(g, k) for k in FIELDS}, "W": np.full((4, 4), np.inf)})
    c = rm.clipping_comparison(bad, 1.0)
    assert not c.finite and np.isnan(c.norm_cosine) and np.isnan(c.elementwise_cosine)


def test_clipping_sweep_norm_is_min_of_threshold_and_norm():
    g = random_grads(6, scale=3.0)
    thresholds = np.geomspace(1e-3, 1e3, 13)
    sweep = rm.clipping_sweep(g, thresholds)
    norm = np.linalg.norm(flat(g))
    np.testing.assert_allclose(sweep.norm_after, np.minimum(thresholds, norm), rtol=1e-12)
    np.testing.assert_allclose(sweep.norm_cosine, 1.0, atol=1e-12)
    big = thresholds >= np.abs(flat(g)).max()
    np.testing.assert_allclose(sweep.elementwise_cosine[big], 1.0, atol=1e-15)
    assert (sweep.elementwise_cosine[~big] < 1.0).all()
    # elementwise clipping never shortens g below norm clipping's θ (it keeps at least the clipped entries)
    assert (sweep.elementwise_after >= sweep.norm_after - 1e-12).all()


def test_norm_clipping_keeps_the_long_range_share_and_shrinks_its_norm():
    T, tau = 8, 3
    params, xs, targets, h0 = random_problem(T, 1, 3, 5, 3, seed=9, w_scale=0.9)
    trace = rc.forward(params, xs, targets, activation="tanh", h0=h0)
    grads = rc.bptt(params, trace)
    split = rm.distance_split(rc.distance_terms(params, trace))
    fw = forward_loop(params, xs, targets, activation="tanh", loss="softmax_ce", h0=h0)
    long_part = plain(truncated_bptt_loop(params, fw, None)["W"]) - plain(
        truncated_bptt_loop(params, fw, tau)["W"]
    )
    theta = 0.1 * rm.clipping_comparison(grads, 1e9).norm_before  # bites: a tenth of ‖g‖
    clip = rm.clipping_comparison(grads, theta)
    lr = rm.long_range(split, tau, clip)
    assert lr.norm_before == pytest.approx(np.linalg.norm(long_part), rel=1e-9)
    assert lr.share_before == pytest.approx(np.linalg.norm(long_part) / np.linalg.norm(grads.W), rel=1e-9)
    assert lr.share_after == pytest.approx(lr.share_before, rel=1e-12)
    assert lr.norm_after == pytest.approx(0.1 * lr.norm_before, rel=1e-12)
    with pytest.raises(ValueError, match="tau must be in 1..T"):
        rm.long_range(split, T + 1, clip)


def test_long_range_of_a_zero_W_gradient_is_zero_with_no_share():
    split = rm.distance_split(np.zeros((4, 3, 3)))
    clip = rm.clipping_comparison(random_grads(1), 0.5)
    lr = rm.long_range(split, 2, clip)
    assert lr.norm_before == 0.0 and lr.norm_after == 0.0 and np.isnan(lr.share_before)


# --- transient growth ------------------------------------------------------------------------------


@pytest.mark.parametrize("a, b", [(0.5, 10.0), (0.9, 3.0), (0.3, -50.0)])
def test_power_profile_of_a_jordan_like_W_against_its_closed_form(a, b):
    n_max = 40
    pp = rm.power_profile([[a, b], [0.0, a]], n_max)
    # Wⁿ = [[aⁿ, n b aⁿ⁻¹], [0, aⁿ]]
    exact = [0.0] + [
        math.log10(np.linalg.svd([[a**n, n * b * a ** (n - 1)], [0.0, a**n]], compute_uv=False)[0])
        for n in range(1, n_max + 1)
    ]
    np.testing.assert_allclose(pp.log_norms, exact, atol=1e-10)
    assert pp.rho == pytest.approx(a) and pp.sigma_max == pytest.approx(10 ** exact[1], rel=1e-12)
    assert pp.peak_n == 1 + int(np.argmax(exact[1:])) and pp.peak_log_norm == pytest.approx(max(exact[1:]))
    np.testing.assert_allclose(pp.rho_line, np.arange(n_max + 1) * math.log10(a), atol=1e-12)
    assert (pp.rho_line <= pp.log_norms + 1e-9).all() and (pp.log_norms <= pp.sigma_line + 1e-9).all()
    with pytest.raises(ValueError, match="n_max"):
        rm.power_profile([[a, b], [0.0, a]], 0)
