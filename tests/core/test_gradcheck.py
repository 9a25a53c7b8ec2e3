"""numerical_partial of the vanilla RNN, whose perturbed passes run side by side: exactly the numbers of
one rc.forward per perturbed θ, and a gradient that rc.bptt and a plain per-step forward agree with."""

from dataclasses import replace

import numpy as np
import pytest

import rnn_core as rc
from rnn_core import gradcheck
from tests.core.reference_loops import FIELDS, forward_loop, random_problem


def one_pass_per_entry(
    params, xs, targets, *, wrt, activation, loss, h0=None, mask=None, eps=1e-6, s=None, entries=None
):
    """Central differences with one rc.forward per perturbed θ, entry after entry (nan where not asked)."""
    base = getattr(params, wrt)
    idx = range(base.size) if entries is None else np.asarray(entries, dtype=int).ravel()
    grad = np.full(base.size, np.nan)
    for i in idx:
        losses = []
        for step in (eps, -eps):
            theta = base.ravel().copy()
            theta[i] = base.flat[i] + step
            tr = rc.forward(
                replace(params, **{wrt: theta.reshape(base.shape)}),
                xs,
                targets,
                activation=activation,
                loss=loss,
                h0=h0,
                mask=mask,
            )
            losses.append(tr.loss if s is None else tr.losses[s - 1])
        with np.errstate(all="ignore"):
            grad[i] = (losses[0] - losses[1]) / (2 * eps)
    return grad.reshape(base.shape)


def problem(T, B, D, H, K, *, loss, seed, w_scale=1.0, with_h0=True):
    params, xs, targets, h0 = random_problem(T, B, D, H, K, loss=loss, seed=seed, w_scale=w_scale)
    return params, xs, targets, (h0 if with_h0 else None)


SETTINGS = [  # T, B, D, H, K, activation, loss, seed, h0, mask, s
    (6, 1, 3, 5, 4, "tanh", "softmax_ce", 0, False, False, None),
    (7, 2, 2, 6, 3, "relu", "mse", 1, True, False, None),
    (5, 3, 4, 4, 2, "sigmoid", "softmax_ce", 2, True, True, None),
    (9, 1, 3, 7, 4, "leaky_relu", "softmax_ce", 3, False, True, 4),
    (4, 2, 2, 3, 3, "linear", "mse", 4, True, False, 2),
    (12, 2, 3, 17, 3, "tanh", "softmax_ce", 5, False, False, None),
    # B, K and T ≥ 8, where numpy's sums add pairwise: the copies' sums must add in one copy's order
    (10, 9, 2, 5, 9, "tanh", "mse", 6, True, True, None),
    (9, 8, 2, 4, 10, "sigmoid", "softmax_ce", 7, False, True, None),
]


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: f"{s[5]}-{s[6]}-B{s[1]}")
@pytest.mark.parametrize("wrt", FIELDS)
def test_the_side_by_side_passes_give_exactly_one_pass_per_entry(setting, wrt):
    T, B, D, H, K, activation, loss, seed, with_h0, with_mask, s = setting
    params, xs, targets, h0 = problem(T, B, D, H, K, loss=loss, seed=seed, with_h0=with_h0)
    mask = np.random.default_rng(seed).uniform(0.0, 2.0, T) if with_mask else None
    kw = dict(wrt=wrt, activation=activation, loss=loss, h0=h0, mask=mask, s=s)
    size = getattr(params, wrt).size
    for entries in (None, [size - 1, 0, size - 1], np.arange(size)[::2]):
        ours = rc.numerical_partial(params, xs, targets, entries=entries, **kw)
        theirs = one_pass_per_entry(params, xs, targets, entries=entries, **kw)
        if entries is None:
            assert not np.isnan(ours).any()
        np.testing.assert_array_equal(ours, theirs)  # the same numbers, not merely close ones


@pytest.mark.parametrize("batch_floats", [1, 1400, 1 << 30])
@pytest.mark.parametrize("wrt", ["U", "W", "b"])
def test_the_grouping_of_the_passes_changes_no_number(monkeypatch, batch_floats, wrt):
    params, xs, targets, h0 = problem(8, 2, 3, 6, 3, loss="softmax_ce", seed=7)
    expected = one_pass_per_entry(params, xs, targets, wrt=wrt, activation="tanh", loss="softmax_ce", h0=h0)
    monkeypatch.setattr(gradcheck, "BATCH_FLOATS", batch_floats)  # one entry a group, three, all in one
    ours = rc.numerical_partial(params, xs, targets, wrt=wrt, activation="tanh", loss="softmax_ce", h0=h0)
    np.testing.assert_array_equal(ours, expected)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "linear"])
@pytest.mark.parametrize("loss", rc.LOSSES)
def test_the_differences_are_the_gradient_bptt_and_a_plain_forward_give(activation, loss):
    params, xs, targets, h0 = problem(7, 2, 3, 5, 3, loss=loss, seed=11)
    trace = rc.forward(params, xs, targets, activation=activation, loss=loss, h0=h0)
    exact = rc.bptt(params, trace)  # h⁽⁰⁾ is the trace's
    eps = 1e-6
    for wrt in FIELDS:
        ours = rc.numerical_partial(
            params, xs, targets, wrt=wrt, activation=activation, loss=loss, h0=h0, eps=eps
        )
        assert rc.rel_error(ours, getattr(exact, wrt)) < 1e-6, wrt
        # and central differences of a loss computed one sequence and one step at a time
        base = getattr(params, wrt)
        plain = np.empty(base.size)
        for i in range(base.size):
            pair = []
            for step in (eps, -eps):
                theta = base.ravel().copy()
                theta[i] += step
                fw = forward_loop(
                    replace(params, **{wrt: theta.reshape(base.shape)}),
                    xs,
                    targets,
                    activation=activation,
                    loss=loss,
                    h0=h0,
                )
                pair.append(fw["loss"])
            plain[i] = (pair[0] - pair[1]) / (2 * eps)
        np.testing.assert_allclose(ours.ravel(), plain, rtol=1e-5, atol=1e-7, err_msg=wrt)


def test_an_exploding_pass_gives_nan_where_one_pass_per_entry_does():
    params, xs, targets, h0 = problem(80, 1, 2, 4, 3, loss="mse", seed=2, w_scale=1e3, with_h0=False)
    kw = dict(activation="linear", loss="mse")
    with np.errstate(all="ignore"):
        assert not np.isfinite(rc.forward(params, xs, targets, **kw).loss)
    for wrt in ("W", "V"):
        ours = rc.numerical_partial(params, xs, targets, wrt=wrt, **kw)
        assert np.isnan(ours).any()
        np.testing.assert_array_equal(ours, one_pass_per_entry(params, xs, targets, wrt=wrt, **kw))


def test_gated_cells_and_bad_arguments_are_handled_as_before():
    D, H, K = 2, 3, 2
    rng = np.random.default_rng(0)
    xs, targets = rng.standard_normal((4, 1, D)), rng.integers(0, K, size=(4, 1))
    lstm = rc.LSTMParams.init(D, H, K, seed=0)
    g = rc.numerical_partial(lstm, xs, targets, wrt="V", loss="softmax_ce", entries=[1])
    assert np.isnan(g).sum() == g.size - 1 and np.isfinite(g.flat[1])
    params = rc.RNNParams.init(D, H, K, seed=0)
    with pytest.raises(ValueError, match="eps"):
        rc.numerical_partial(params, xs, targets, wrt="W", loss="softmax_ce", eps=0.0)
    with pytest.raises(ValueError, match="wrt"):
        rc.numerical_partial(params, xs, targets, wrt="Q", loss="softmax_ce")
    empty = rc.numerical_partial(params, xs, targets, wrt="W", loss="softmax_ce", entries=[])
    assert np.isnan(empty).all()
