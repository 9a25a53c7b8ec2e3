"""Gradient clipping: norms against a plain loop, direction kept (norm) or changed (elementwise),
purity, what happens to inf/nan, and rc.clipping_comparison / rc.clipping_sweep against plain numpy."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnn_core as rc

FIELDS = ("U", "W", "V", "b", "c")


def random_grads(seed=0, scale=1.0, D=3, H=4, K=2) -> rc.RNNParams:
    rng = np.random.default_rng(seed)
    shapes = {"U": (H, D), "W": (H, H), "V": (K, H), "b": (H,), "c": (K,)}
    return rc.RNNParams(**{k: scale * rng.standard_normal(s) for k, s in shapes.items()})


def plain_norm(g: rc.RNNParams) -> float:
    """√(Σ g²) over every entry of every field, one number at a time."""
    return math.sqrt(math.fsum(float(x) ** 2 for k in FIELDS for x in getattr(g, k).ravel()))


def flat(g: rc.RNNParams) -> np.ndarray:
    return np.concatenate([getattr(g, k).ravel() for k in FIELDS])


def cosine(g1, g2) -> float:
    a, b = flat(g1), flat(g2)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def copies(g):
    return {k: getattr(g, k).copy() for k in FIELDS}


def test_global_norm_matches_a_plain_loop():
    for seed in range(5):
        g = random_grads(seed, scale=10.0**seed)
        assert rc.global_norm(g) == pytest.approx(plain_norm(g), rel=1e-13)


@pytest.mark.parametrize("scale", [1e200, 1e-200])
def test_global_norm_survives_overflowing_and_underflowing_squares(scale):
    g = random_grads(1)
    huge = rc.RNNParams(**{k: scale * getattr(g, k) for k in FIELDS})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        norm = rc.global_norm(huge)
    assert np.isfinite(norm) and norm > 0
    assert norm / scale == pytest.approx(plain_norm(g), rel=1e-12)


def test_norm_clipping_above_threshold_rescales_to_threshold_keeping_direction():
    g = random_grads(2, scale=5.0)
    before = copies(g)
    norm = plain_norm(g)
    threshold = norm / 7.0
    clipped, info = rc.clip_by_norm(g, threshold)
    assert info.clipped and info.finite
    assert info.norm_before == pytest.approx(norm, rel=1e-13)
    assert plain_norm(clipped) == pytest.approx(threshold, rel=1e-12)
    assert info.norm_after == pytest.approx(threshold, rel=1e-12)
    assert cosine(g, clipped) == pytest.approx(1.0, rel=1e-12)
    for k in FIELDS:  # each entry is the original times threshold/‖g‖, computed here separately
        assert np.allclose(getattr(clipped, k), before[k] * (threshold / norm), rtol=1e-13, atol=0)
        assert np.array_equal(getattr(g, k), before[k])  # pure: the input is untouched


def test_norm_clipping_below_threshold_changes_nothing():
    g = random_grads(3)
    norm = plain_norm(g)
    clipped, info = rc.clip_by_norm(g, norm * 1.01)
    assert not info.clipped and info.finite
    assert info.norm_before == info.norm_after == pytest.approx(norm, rel=1e-13)
    for k in FIELDS:
        assert np.array_equal(getattr(clipped, k), getattr(g, k))


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), log_scale=st.floats(-3, 3), log_threshold=st.floats(-3, 3))
def test_norm_clipping_gives_min_of_norm_and_threshold(seed, log_scale, log_threshold):
    g = random_grads(seed, scale=10.0**log_scale)
    threshold = 10.0**log_threshold
    clipped, info = rc.clip_by_norm(g, threshold)
    norm = plain_norm(g)
    assert info.clipped == (norm > threshold)
    assert plain_norm(clipped) == pytest.approx(min(norm, threshold), rel=1e-12)
    assert cosine(g, clipped) == pytest.approx(1.0, rel=1e-12)


def test_elementwise_clipping_bounds_entries_and_matches_a_loop():
    g = random_grads(4, scale=2.0)
    before = copies(g)
    threshold = 1.0
    clipped, info = rc.clip_elementwise(g, threshold)
    assert info.clipped and info.finite
    for k in FIELDS:
        out = getattr(clipped, k)
        assert np.abs(out).max() <= threshold
        for x, y in zip(before[k].ravel(), out.ravel()):  # entry by entry
            expected = x if abs(x) <= threshold else math.copysign(threshold, x)
            assert y == expected
        assert np.array_equal(getattr(g, k), before[k])  # pure
    assert info.norm_before == pytest.approx(plain_norm(g), rel=1e-13)
    assert info.norm_after == pytest.approx(plain_norm(clipped), rel=1e-13)


def test_elementwise_clipping_can_turn_the_direction():
    g = rc.RNNParams(U=[[10.0, 0.1]], W=[[0.0]], V=[[0.0]], b=[0.0], c=[0.0])
    clipped, info = rc.clip_elementwise(g, 1.0)
    assert np.array_equal(clipped.U, [[1.0, 0.1]])
    assert cosine(g, clipped) < 0.999  # (10, 0.1) and (1, 0.1) are not parallel
    # norm clipping to the same resulting norm keeps the direction
    by_norm, _ = rc.clip_by_norm(g, info.norm_after)
    assert cosine(g, by_norm) == pytest.approx(1.0, rel=1e-12)


def test_elementwise_clipping_below_threshold_changes_nothing():
    g = random_grads(5, scale=0.1)
    clipped, info = rc.clip_elementwise(g, 10.0)
    assert not info.clipped
    for k in FIELDS:
        assert np.array_equal(getattr(clipped, k), getattr(g, k))


def test_non_finite_gradients_norm_clipping_returns_them_unchanged():
    g = random_grads(6)
    for bad in (np.inf, -np.inf, np.nan):
        W = g.W.copy()
        W[1, 2] = bad
        broken = rc.RNNParams(U=g.U, W=W, V=g.V, b=g.b, c=g.c)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out, info = rc.clip_by_norm(broken, 1.0)
        assert not info.finite and not info.clipped
        if np.isnan(bad):
            assert np.isnan(info.norm_before) and np.isnan(rc.global_norm(broken))
        else:
            assert info.norm_before == np.inf == rc.global_norm(broken)
        for k in FIELDS:
            assert np.array_equal(getattr(out, k), getattr(broken, k), equal_nan=True)
        with pytest.raises(ValueError, match="grads.W must be finite"):
            g.sgd_step(out, 0.1)  # the unchanged gradient is refused by the update


def test_non_finite_gradients_elementwise_clips_inf_keeps_nan():
    W = np.array([[np.inf, -np.inf], [np.nan, 0.5]])
    broken = rc.RNNParams(U=np.zeros((2, 1)), W=W, V=np.zeros((1, 2)), b=np.zeros(2), c=np.zeros(1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, info = rc.clip_elementwise(broken, 2.0)
    assert not info.finite and info.clipped
    assert out.W[0, 0] == 2.0 and out.W[0, 1] == -2.0 and out.W[1, 1] == 0.5
    assert np.isnan(out.W[1, 0])
    assert np.isnan(info.norm_before) and np.isnan(info.norm_after)


@pytest.mark.parametrize("fn", [rc.clip_by_norm, rc.clip_elementwise])
@pytest.mark.parametrize("threshold", [0.0, -1.0, np.inf, np.nan, "1", True, None])
def test_bad_threshold_raises(fn, threshold):
    with pytest.raises(ValueError, match="threshold must be a finite number > 0; received"):
        fn(random_grads(), threshold)


@pytest.mark.parametrize("fn", [rc.clip_by_norm, rc.clip_elementwise])
def test_grads_must_be_rnnparams(fn):
    with pytest.raises(ValueError, match="grads must be RNNParams .* received dict"):
        fn({"W": np.ones((2, 2))}, 1.0)
    with pytest.raises(ValueError, match="grads must be RNNParams"):
        rc.global_norm(np.ones(3))


# --- norm clipping against elementwise clipping, at one threshold and many ---------------------


def test_clipping_comparison_against_plain_numpy():
    g = random_grads(3)
    v = flat(g)
    norm = math.sqrt(math.fsum(x * x for x in v))
    theta = 0.5
    c = rc.clipping_comparison(g, theta)
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
    c = rc.clipping_comparison(g, 1e3)
    assert not c.norm_clipped and not c.elementwise_clipped
    assert c.norm_scale == 1.0 and c.elementwise_fraction == 0.0
    assert c.norm_cosine == pytest.approx(1.0, abs=1e-15) and c.elementwise_cosine == pytest.approx(
        1.0, abs=1e-15
    )


def test_clipping_a_non_finite_gradient_reports_it():
    g = random_grads(5)
    bad = rc.RNNParams(**{**{k: getattr(g, k) for k in FIELDS}, "W": np.full((4, 4), np.inf)})
    c = rc.clipping_comparison(bad, 1.0)
    assert not c.finite and np.isnan(c.norm_cosine) and np.isnan(c.elementwise_cosine)


def test_clipping_sweep_norm_is_min_of_threshold_and_norm():
    g = random_grads(6, scale=3.0)
    thresholds = np.geomspace(1e-3, 1e3, 13)
    sweep = rc.clipping_sweep(g, thresholds)
    norm = np.linalg.norm(flat(g))
    np.testing.assert_allclose(sweep.norm_after, np.minimum(thresholds, norm), rtol=1e-12)
    np.testing.assert_allclose(sweep.norm_cosine, 1.0, atol=1e-12)
    big = thresholds >= np.abs(flat(g)).max()
    np.testing.assert_allclose(sweep.elementwise_cosine[big], 1.0, atol=1e-15)
    assert (sweep.elementwise_cosine[~big] < 1.0).all()
    # elementwise clipping never shortens g below norm clipping's θ (it keeps at least the clipped entries)
    assert (sweep.elementwise_after >= sweep.norm_after - 1e-12).all()


# --- gated cells' gradients ------------------------------------------------------------------


def gated_grads(cell: str, scale: float):
    """A real BPTT gradient of an LSTM or a GRU, multiplied by ``scale``."""
    make = {"lstm": rc.LSTMParams, "gru": rc.GRUParams}[cell]
    params = make.init(2, 5, 1, seed=1)
    batch = rc.adding_problem(8, 3, seed=2)
    trace = rc.forward(params, batch.xs, batch.targets, loss=batch.loss, mask=batch.mask)
    g = rc.bptt(params, trace)
    return type(g)(**{k: scale * v for k, v in g.arrays().items()})


def every_entry(g) -> list[float]:
    """All entries of every field of a gradient of any cell, one number at a time."""
    return [float(x) for v in g.arrays().values() for x in v.ravel()]


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gated_gradients_are_clipped_by_their_global_norm(cell):
    g = gated_grads(cell, 50.0)
    values = every_entry(g)
    norm = math.sqrt(math.fsum(x * x for x in values))
    assert rc.global_norm(g) == pytest.approx(norm, rel=1e-12)
    threshold = norm / 4
    clipped, info = rc.clip_by_norm(g, threshold)
    assert type(clipped) is type(g) and info.clipped
    assert info.norm_before == pytest.approx(norm, rel=1e-12)
    assert info.norm_after == pytest.approx(threshold, rel=1e-12)
    np.testing.assert_allclose(every_entry(clipped), [x * threshold / norm for x in values], rtol=1e-12)
    unchanged, info = rc.clip_by_norm(g, 2 * norm)
    assert unchanged is g and not info.clipped


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gated_gradients_are_clipped_entry_by_entry(cell):
    g = gated_grads(cell, 50.0)
    values = every_entry(g)
    threshold = float(np.median(np.abs(values)))
    clipped, info = rc.clip_elementwise(g, threshold)
    assert type(clipped) is type(g) and info.clipped and info.finite
    np.testing.assert_array_equal(every_entry(clipped), [min(max(x, -threshold), threshold) for x in values])
    comparison = rc.clipping_comparison(g, threshold)
    assert type(comparison.clipped_by_norm) is type(g)
    assert comparison.elementwise_fraction == pytest.approx(
        sum(abs(x) > threshold for x in values) / len(values)
    )
