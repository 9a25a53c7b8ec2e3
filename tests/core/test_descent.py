"""rc.random_sequence and rc.descend: the sequence's shapes, dtypes and determinism by seed; descend
against a plain loop of forward/bptt/sgd_step and against the reference loop's gradients; its stop
reasons at overflowing settings, each checked by recomputing the step it refused."""

import warnings

import numpy as np
import pytest

import rnn_core as rc
from tests.core.reference_loops import forward_loop, truncated_bptt_loop

FIELDS = ("U", "W", "V", "b", "c")


# --- the sequence --------------------------------------------------------------------------------


@pytest.mark.parametrize("T, D, K", [(1, 1, 1), (7, 3, 4), (40, 2, 5)])
def test_random_sequence_shapes_and_dtypes(T, D, K):
    xs, y = rc.random_sequence(T, D, K, loss="softmax_ce", seed=3)
    assert xs.shape == (T, 1, D) and xs.dtype == np.float64
    assert y.shape == (T, 1) and np.issubdtype(y.dtype, np.integer)
    assert ((0 <= y) & (y < K)).all()
    xs, y = rc.random_sequence(T, D, K, loss="mse", seed=3)
    assert xs.shape == (T, 1, D) and xs.dtype == np.float64
    assert y.shape == (T, 1, K) and y.dtype == np.float64


@pytest.mark.parametrize("loss", rc.LOSSES)
def test_random_sequence_is_deterministic_by_seed(loss):
    a = rc.random_sequence(9, 3, 4, loss=loss, seed=5)
    b = rc.random_sequence(9, 3, 4, loss=loss, seed=5)
    c = rc.random_sequence(9, 3, 4, loss=loss, seed=6)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0]) and not np.array_equal(a[1], c[1])


def test_random_sequence_draws_standard_normals_and_every_class():
    xs, y = rc.random_sequence(4000, 2, 3, loss="mse", seed=0)
    for sample in (xs, y):
        assert abs(sample.mean()) < 0.05 and abs(sample.std() - 1.0) < 0.05
    _, labels = rc.random_sequence(600, 2, 3, loss="softmax_ce", seed=0)
    assert set(np.unique(labels)) == {0, 1, 2}


def test_random_sequence_feeds_forward_directly():
    params = rc.RNNParams.init(3, 5, 4, seed=0)
    for loss in rc.LOSSES:
        xs, y = rc.random_sequence(6, 3, 4, loss=loss, seed=1)
        assert np.isfinite(rc.forward(params, xs, y, loss=loss).loss)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(T=0), "T must be"),
        (dict(D=1.5), "D must be"),
        (dict(K=-1), "K must be"),
        (dict(loss="hinge"), "loss must be one of"),
        (dict(seed=-1), "seed must be"),
    ],
)
def test_random_sequence_rejects_bad_arguments(kwargs, message):
    args = dict(T=4, D=2, K=3, loss="softmax_ce", seed=0) | kwargs
    with pytest.raises(ValueError, match=message):
        rc.random_sequence(args.pop("T"), args.pop("D"), args.pop("K"), **args)


# --- gradient descent ---------------------------------------------------------------------------


def plain_descent(params, xs, y, *, activation, loss, lr, steps):
    """The update rule written out: forward, bptt, θ − lr·g, as many times as asked (no stops)."""
    trace = rc.forward(params, xs, y, activation=activation, loss=loss)
    losses = [trace.loss]
    for _ in range(steps):
        grads = rc.bptt(params, trace)
        params = rc.RNNParams(**{k: getattr(params, k) - lr * getattr(grads, k) for k in FIELDS})
        trace = rc.forward(params, xs, y, activation=activation, loss=loss)
        losses.append(trace.loss)
    return params, trace, losses


@pytest.mark.parametrize("activation", rc.ACTIVATIONS)
@pytest.mark.parametrize("loss", rc.LOSSES)
def test_descend_matches_a_plain_loop_bit_for_bit(activation, loss):
    xs, y = rc.random_sequence(8, 3, 4, loss=loss, seed=2)
    params = rc.RNNParams.init(3, 6, 4, w_scale=0.8, seed=2)
    run = rc.descend(params, xs, y, activation=activation, loss=loss, lr=0.01, steps=12)
    want_params, want_trace, want_losses = plain_descent(
        params, xs, y, activation=activation, loss=loss, lr=0.01, steps=12
    )
    assert run.stop_reason is None and run.steps_taken == 12
    np.testing.assert_array_equal(run.losses, want_losses)
    for k in FIELDS:
        np.testing.assert_array_equal(getattr(run.params, k), getattr(want_params, k))
    np.testing.assert_array_equal(run.trace.h, want_trace.h)


@pytest.mark.parametrize("cell", [rc.LSTMParams, rc.GRUParams])
@pytest.mark.parametrize("loss", rc.LOSSES)
def test_descend_on_a_gated_cell_matches_a_plain_loop_bit_for_bit(cell, loss):
    # descend skips the public calls' checks after its first pass: a gated cell's steps must still
    # be those of bptt, sgd_step and forward called one after another
    xs, y = rc.random_sequence(7, 3, 4, loss=loss, seed=3)
    params = cell.init(3, 5, 4, seed=3)
    run = rc.descend(params, xs, y, loss=loss, lr=0.05, steps=6)
    want, trace, losses = params, rc.forward(params, xs, y, loss=loss), []
    losses.append(trace.loss)
    for _ in range(6):
        want = want.sgd_step(rc.bptt(want, trace), 0.05)
        trace = rc.forward(want, xs, y, loss=loss)
        losses.append(trace.loss)
    assert run.stop_reason is None and type(run.params) is cell
    np.testing.assert_array_equal(run.losses, losses)
    for k, arr in want.arrays().items():
        np.testing.assert_array_equal(getattr(run.params, k), arr)
    np.testing.assert_array_equal(run.trace.h, trace.h)


def test_the_parameters_descend_builds_are_read_only_like_the_constructors():
    xs, y = rc.random_sequence(5, 2, 3, seed=0)
    run = rc.descend(rc.RNNParams.init(2, 4, 3, seed=0), xs, y, lr=0.1, steps=3)
    for k, arr in run.params.arrays().items():
        assert arr.dtype == np.float64 and not arr.flags.writeable, k
        with pytest.raises(ValueError, match="read-only"):
            arr[...] = 0.0


def test_descend_steps_follow_the_reference_loop_gradient():
    xs, y = rc.random_sequence(6, 2, 3, loss="softmax_ce", seed=4)
    params = rc.RNNParams.init(2, 4, 3, seed=4)
    lr = 0.1
    after_one = rc.descend(params, xs, y, activation="tanh", lr=lr, steps=1).params
    fw = forward_loop(params, xs, y, activation="tanh", loss="softmax_ce")
    grads = truncated_bptt_loop(params, fw, None)
    for k in FIELDS:
        np.testing.assert_allclose(
            getattr(after_one, k), getattr(params, k) - lr * grads[k], rtol=1e-12, atol=1e-14
        )


def test_descend_lowers_the_loss_at_a_small_learning_rate_and_zero_steps_change_nothing():
    xs, y = rc.random_sequence(10, 3, 3, seed=0)
    params = rc.RNNParams.init(3, 8, 3, seed=0)
    run = rc.descend(params, xs, y, lr=0.01, steps=30)
    assert (np.diff(run.losses) < 0).all()
    none = rc.descend(params, xs, y, lr=0.01, steps=0)
    assert none.steps_taken == 0 and none.stop_reason is None and none.params is params
    assert none.losses.tolist() == [rc.forward(params, xs, y).loss]


def refused_step(run, xs, y, *, activation, loss, lr):
    """Recompute the step descend refused: the gradient at its last params, and the update."""
    trace = rc.forward(run.params, xs, y, activation=activation, loss=loss)
    with np.errstate(all="ignore"):
        grads = rc.bptt(run.params, trace)
        update = {k: getattr(run.params, k) - lr * getattr(grads, k) for k in FIELDS}
    grads_finite = all(np.isfinite(getattr(grads, k)).all() for k in FIELDS)
    update_finite = all(np.isfinite(v).all() for v in update.values())
    return grads_finite, update_finite


@pytest.mark.parametrize("loss", rc.LOSSES)
@pytest.mark.parametrize("T", [5, 20, 60])
def test_an_overflowing_relu_network_stops_with_a_non_finite_gradient(loss, T):
    # ReLU with σ_max(W) = 3 and lr = 1: the first steps blow the network up
    xs, y = rc.random_sequence(T, 3, 3, loss=loss, seed=0)
    params = rc.RNNParams.init(3, 16, 3, w_scale=3.0, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # exploding values are reported, never warned about
        run = rc.descend(params, xs, y, activation="relu", loss=loss, lr=1.0, steps=200)
    assert run.stop_reason in rc.DESCENT_STOPS and run.steps_taken < 200
    assert run.params.is_finite() and len(run.losses) == run.steps_taken + 1
    grads_finite, update_finite = refused_step(run, xs, y, activation="relu", loss=loss, lr=1.0)
    assert not (grads_finite and update_finite)  # the refused step could not have been taken
    assert run.stop_reason == ("non-finite gradient" if not grads_finite else "non-finite parameters")
    assert run.stop_reason == "non-finite gradient"
    # every step before the stop is the plain loop's
    want = plain_descent(params, xs, y, activation="relu", loss=loss, lr=1.0, steps=run.steps_taken)
    np.testing.assert_array_equal(run.losses, want[2])


def test_an_update_that_overflows_stops_with_non_finite_parameters():
    xs, y = rc.random_sequence(6, 3, 3, seed=1)
    params = rc.RNNParams.init(3, 5, 3, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = rc.descend(params, xs, y, lr=1e308, steps=5)
    grads_finite, update_finite = refused_step(run, xs, y, activation="tanh", loss="softmax_ce", lr=1e308)
    assert grads_finite and not update_finite
    assert run.stop_reason == "non-finite parameters" and run.steps_taken == 0 and run.params is params


@pytest.mark.parametrize(
    "kwargs, message", [(dict(lr=-0.1), "lr must be"), (dict(steps=-1), "steps must be")]
)
def test_descend_rejects_bad_arguments(kwargs, message):
    xs, y = rc.random_sequence(4, 2, 2, seed=0)
    params = rc.RNNParams.init(2, 3, 2, seed=0)
    with pytest.raises(ValueError, match=message):
        rc.descend(params, xs, y, **({"lr": 0.1, "steps": 1} | kwargs))
