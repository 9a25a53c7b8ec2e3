"""Property tests over random small networks: every identity of the gradient accounting, any shape.

Shapes T 1..8, B 1..3, D, H, K 1..5; any seed, activation, loss, W init and σ_max(W).
"""

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import rnn_core as rc
from tests.core.reference_loops import FIELDS, random_problem

# a few dozen examples per property keep the whole file to seconds; deadline off because the
# machine is shared and a slow example is not a wrong one
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KINKED = ("relu", "leaky_relu")


@st.composite
def problems(draw):
    T = draw(st.integers(1, 8))
    B = draw(st.integers(1, 3))
    D, H, K = (draw(st.integers(1, 5)) for _ in range(3))
    activation = draw(st.sampled_from(sorted(rc.ACTIVATIONS)))
    loss = draw(st.sampled_from(["softmax_ce", "mse"]))
    params, xs, targets, h0 = random_problem(
        T,
        B,
        D,
        H,
        K,
        loss=loss,
        seed=draw(st.integers(0, 2**32 - 1)),
        w_init=draw(st.sampled_from(["orthogonal", "gaussian", "identity"])),
        w_scale=draw(st.sampled_from([0.5, 1.0, 1.5])),
        zero_h0=draw(st.booleans()),
    )
    trace = rc.forward(params, xs, targets, activation=activation, loss=loss, h0=h0)
    return params, xs, targets, h0, trace


@SETTINGS
@given(problems())
def test_bptt_matches_numerical_gradient(problem):
    params, xs, targets, h0, trace = problem
    if trace.activation in KINKED:
        # a central difference that straddles the kink at a = 0 measures neither side's slope
        assume(np.min(np.abs(trace.a)) > 1e-4)
    grads = rc.bptt(params, trace)
    numeric = rc.numerical_gradient(
        params, xs, targets, activation=trace.activation, loss=trace.loss_name, h0=h0
    )
    flat = np.concatenate([getattr(grads, f).ravel() for f in FIELDS])
    flat_numeric = np.concatenate([getattr(numeric, f).ravel() for f in FIELDS])
    assert rc.rel_error(flat, flat_numeric) < 1e-6
    # field by field too: relative where the field carries gradient, absolute where it is ~0
    # (a field that is exactly zero, e.g. W with h⁽⁰⁾ = 0 and T = 1, has no relative error)
    for name in FIELDS:
        g, n = getattr(grads, name), getattr(numeric, name)
        assert rc.rel_error(g, n) < 1e-6 or np.linalg.norm(g - n) < 1e-8 * (1 + abs(trace.loss)), name


@SETTINGS
@given(problems(), st.sampled_from(["W", "U", "b"]), st.data())
def test_path_terms_sum_to_the_gradient_of_their_loss_step(problem, wrt, data):
    params, _, _, _, trace = problem
    s = data.draw(st.integers(1, trace.T), label="s")
    terms = rc.path_terms(params, trace, s, wrt=wrt)
    assert terms.shape == (s,) + getattr(params, wrt).shape
    np.testing.assert_allclose(
        terms.sum(axis=0), getattr(rc.bptt(params, trace, s=s), wrt), rtol=1e-11, atol=1e-13
    )


@SETTINGS
@given(problems(), st.sampled_from(["W", "U", "b"]))
def test_contributions_are_the_norms_of_the_path_terms(problem, wrt):
    params, _, _, _, trace = problem
    T = trace.T
    C = rc.contributions(params, trace, wrt=wrt)
    expected = np.zeros((T, T))
    for s in range(1, T + 1):
        terms = rc.path_terms(params, trace, s, wrt=wrt)
        for k in range(1, s + 1):
            expected[s - 1, k - 1] = np.linalg.norm(terms[k - 1])
    np.testing.assert_allclose(C, expected, rtol=1e-9, atol=1e-12 * max(1.0, C.max()))
    assert np.all(C[np.triu_indices(T, 1)] == 0.0)


@SETTINGS
@given(problems(), st.sampled_from(["W", "U", "b"]))
def test_distance_terms_sum_to_bptt_and_partial_sums_to_truncated_bptt(problem, wrt):
    params, _, _, _, trace = problem
    G = rc.distance_terms(params, trace, wrt=wrt)
    assert G.shape == (trace.T,) + getattr(params, wrt).shape
    np.testing.assert_allclose(G.sum(axis=0), getattr(rc.bptt(params, trace), wrt), rtol=1e-11, atol=1e-13)
    running = np.cumsum(G, axis=0)
    for tau in range(1, trace.T + 1):
        truncated = getattr(rc.bptt(params, trace, truncate=tau), wrt)
        np.testing.assert_allclose(running[tau - 1], truncated, rtol=1e-11, atol=1e-13)
