"""rc.distance_split and rc.long_range: against truncated BPTT from the plain reference loop,
plain sums, overflow and a tiny tail, non-finite input; norm clipping's effect on the long range."""

import math

import numpy as np
import pytest

import rnn_core as rc
from tests.core.reference_loops import forward_loop, random_problem, truncated_bptt_loop


def plain(x):
    return np.asarray(x, dtype=float).ravel()


def test_distance_split_against_truncated_bptt_from_the_reference_loop():
    T = 7
    params, xs, targets, h0 = random_problem(T, 2, 3, 4, 3, seed=8, w_scale=1.3)
    trace = rc.forward(params, xs, targets, activation="tanh", h0=h0)
    split = rc.distance_split(rc.distance_terms(params, trace))
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
    split = rc.distance_split(G)
    g = G.sum(axis=0)
    for d in range(6):
        assert split.norms[d] == pytest.approx(math.sqrt(math.fsum(x * x for x in G[d].ravel())), rel=1e-12)
        share = math.fsum(a * b for a, b in zip(G[d].ravel(), g.ravel())) / math.fsum(
            x * x for x in g.ravel()
        )
        assert split.shares[d] == pytest.approx(share, rel=1e-10, abs=1e-14)


def test_distance_split_survives_overflow_and_keeps_a_tiny_tail():
    G = np.random.default_rng(1).standard_normal((5, 4, 4))
    ref = rc.distance_split(G)
    for scale in (1e300, 1e-300):  # squares overflow / underflow float64
        got = rc.distance_split(G * scale)
        for field in ("shares", "kept", "cosine", "dropped"):
            np.testing.assert_allclose(getattr(got, field), getattr(ref, field), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(got.norms, ref.norms * scale, rtol=1e-12)
    # a long-range part 1e-30 times the rest: Σ_{d≥τ} G_d summed directly, not as g − Σ_{d<τ} G_d
    G[3:] *= 1e-30
    split = rc.distance_split(G)
    want = np.linalg.norm(G[3:].sum(axis=0)) / np.linalg.norm(G.sum(axis=0))
    assert want < 1e-29
    assert split.dropped[2] == pytest.approx(want, rel=1e-10, abs=0)


def test_distance_split_of_a_non_finite_or_zero_gradient_is_nan_not_a_warning():
    G = np.ones((3, 2, 2))
    G[1, 0, 0] = np.inf
    split = rc.distance_split(G)
    assert np.isnan(split.shares).all() and np.isnan(split.kept).all()
    assert split.norms[1] == np.inf and np.isfinite(split.norms[[0, 2]]).all()
    zero = rc.distance_split(np.zeros((3, 2, 2)))
    assert np.isnan(zero.cosine).all() and zero.total_norm == 0.0
    with pytest.raises(ValueError, match="G must have shape"):
        rc.distance_split(np.float64(1.0))


def random_grads(seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    shapes = {"U": (4, 3), "W": (4, 4), "V": (2, 4), "b": (4,), "c": (2,)}
    return rc.RNNParams(**{k: scale * rng.standard_normal(s) for k, s in shapes.items()})


def test_norm_clipping_keeps_the_long_range_share_and_shrinks_its_norm():
    T, tau = 8, 3
    params, xs, targets, h0 = random_problem(T, 1, 3, 5, 3, seed=9, w_scale=0.9)
    trace = rc.forward(params, xs, targets, activation="tanh", h0=h0)
    grads = rc.bptt(params, trace)
    split = rc.distance_split(rc.distance_terms(params, trace))
    fw = forward_loop(params, xs, targets, activation="tanh", loss="softmax_ce", h0=h0)
    long_part = plain(truncated_bptt_loop(params, fw, None)["W"]) - plain(
        truncated_bptt_loop(params, fw, tau)["W"]
    )
    theta = 0.1 * rc.clipping_comparison(grads, 1e9).norm_before  # bites: a tenth of ‖g‖
    clip = rc.clipping_comparison(grads, theta)
    lr = rc.long_range(split, tau, clip)
    assert lr.norm_before == pytest.approx(np.linalg.norm(long_part), rel=1e-9)
    assert lr.share_before == pytest.approx(np.linalg.norm(long_part) / np.linalg.norm(grads.W), rel=1e-9)
    assert lr.share_after == pytest.approx(lr.share_before, rel=1e-12)
    assert lr.norm_after == pytest.approx(0.1 * lr.norm_before, rel=1e-12)
    with pytest.raises(ValueError, match="tau must be in 1..T"):
        rc.long_range(split, T + 1, clip)


def test_long_range_of_a_zero_W_gradient_is_zero_with_no_share():
    split = rc.distance_split(np.zeros((4, 3, 3)))
    clip = rc.clipping_comparison(random_grads(1), 0.5)
    lr = rc.long_range(split, 2, clip)
    assert lr.norm_before == 0.0 and lr.norm_after == 0.0 and np.isnan(lr.share_before)


def test_total_norm_beyond_float64_is_inf_without_a_warning():
    # every entry 1e308 summed over 3 distances: the total's norm is 3e308·2 (4 entries), past float64
    G = np.full((3, 2, 2), 1e308)
    split = rc.distance_split(G)  # RuntimeWarnings are errors in this suite
    assert split.total_norm == np.inf
    np.testing.assert_allclose(split.shares, 1 / 3, rtol=1e-12)  # the shares stay exact: scaled first


def test_truncation_verdict_against_truncated_bptt_from_the_reference_loop():
    T = 12
    params, xs, targets, h0 = random_problem(T, 1, 3, 4, 3, seed=2, w_scale=0.6)
    trace = rc.forward(params, xs, targets, activation="tanh", h0=h0)
    split = rc.distance_split(rc.distance_terms(params, trace))
    fw = forward_loop(params, xs, targets, activation="tanh", loss="softmax_ce", h0=h0)
    full = plain(truncated_bptt_loop(params, fw, None)["W"])
    kinds = set()
    for tau in range(1, T + 1):
        v = rc.truncation_verdict(split, tau)
        dropped = np.linalg.norm(full - plain(truncated_bptt_loop(params, fw, tau)["W"])) / np.linalg.norm(
            full
        )
        want = "full" if tau == T else "negligible" if dropped <= rc.TRUNCATION_NEGLIGIBLE else "drops"
        assert v.kind == want and v.kind in rc.TRUNCATION_KINDS
        assert v.dropped == pytest.approx(dropped, rel=1e-6, abs=1e-15)
        kinds.add(v.kind)
    assert kinds == {"full", "negligible", "drops"}  # σ_max(W) = 0.6: the far distances are negligible
    zero = rc.distance_split(np.zeros((3, 2, 2)))
    assert rc.truncation_verdict(zero, 1).kind == "zero"
    assert rc.truncation_verdict(rc.distance_split(np.full((3, 2, 2), np.inf)), 1).kind == "nonfinite"
    with pytest.raises(ValueError, match="tau"):
        rc.truncation_verdict(split, T + 1)
