"""Optimizers: each update against a plain per-entry loop of the textbook rule (Kingma & Ba 2015,
Algorithm 1 for Adam), for every cell's parameters; SGD against params.sgd_step; purity and errors."""

import math

import numpy as np
import pytest

import rnn_core as rc

CELLS = {
    "rnn": lambda seed: rc.RNNParams.init(3, 4, 2, seed=seed),
    "lstm": lambda seed: rc.LSTMParams.init(3, 4, 2, seed=seed),
    "gru": lambda seed: rc.GRUParams.init(3, 4, 2, seed=seed),
}


def random_grads(params, seed):
    """Gradients of the params' type, entries of several sizes (so Adam's per-entry scaling shows)."""
    rng = np.random.default_rng(seed)
    return type(params)(
        **{
            k: rng.standard_normal(v.shape) * 10.0 ** rng.uniform(-3, 1, v.shape)
            for k, v in params.arrays().items()
        }
    )


def entries(params) -> dict[str, list[float]]:
    return {k: [float(x) for x in v.ravel()] for k, v in params.arrays().items()}


def textbook_adam(theta, grads_seq, lr, b1, b2, eps):
    """Kingma & Ba 2015, Algorithm 1, one entry at a time: m, v from 0, t from 1, bias-corrected."""
    out = {}
    for k, values in entries(theta).items():
        new = []
        for i, x in enumerate(values):
            m = v = 0.0
            for t, g_all in enumerate(grads_seq, start=1):
                g = float(g_all.arrays()[k].ravel()[i])
                m = b1 * m + (1 - b1) * g
                v = b2 * v + (1 - b2) * g * g
                m_hat = m / (1 - b1**t)
                v_hat = v / (1 - b2**t)
                x = x - lr * m_hat / (math.sqrt(v_hat) + eps)
            new.append(x)
        out[k] = new
    return out


def textbook_momentum(theta, grads_seq, lr, beta):
    """Heavy ball, one entry at a time: v ← βv + g, θ ← θ − lr·v, v from 0."""
    out = {}
    for k, values in entries(theta).items():
        new = []
        for i, x in enumerate(values):
            v = 0.0
            for g_all in grads_seq:
                v = beta * v + float(g_all.arrays()[k].ravel()[i])
                x = x - lr * v
            new.append(x)
        out[k] = new
    return out


def run(optimizer, params, grads_seq):
    state = optimizer.init(params)
    for step, g in enumerate(grads_seq):
        new_params, state = optimizer.update(state, g, step)
        assert new_params is state.params
    return state


def assert_matches(params, expected, rtol=1e-12):
    for k, values in expected.items():
        np.testing.assert_allclose(params.arrays()[k].ravel(), values, rtol=rtol, atol=1e-15)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("hyper", [dict(lr=0.01), dict(lr=0.3, b1=0.5, b2=0.9, eps=1e-3)])
def test_adam_equals_kingma_ba_algorithm_1(cell, hyper):
    params = CELLS[cell](0)
    grads_seq = [random_grads(params, seed) for seed in range(4)]
    state = run(rc.adam(**hyper), params, grads_seq)
    full = dict(b1=0.9, b2=0.999, eps=1e-8) | hyper
    assert_matches(state.params, textbook_adam(params, grads_seq, **full))
    assert type(state.params) is type(params)
    assert type(state.m) is type(params) and type(state.v) is type(params)


def test_adam_first_step_is_lr_times_the_sign():
    # t = 1: m̂ = g, v̂ = g², so the step is lr·g/(|g| + ε) ≈ lr·sign(g) whatever |g|
    params = CELLS["lstm"](1)
    g = rc.tree_map(lambda x: x + np.sign(x) * 1e-2, random_grads(params, 5))  # |g| ≥ 0.01 ≫ ε
    new, _ = rc.adam(0.01, eps=1e-12).update(rc.adam(0.01).init(params), g, 0)
    for k, v in params.arrays().items():
        np.testing.assert_allclose(v - new.arrays()[k], 0.01 * np.sign(g.arrays()[k]), rtol=1e-9)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("beta", [0.9, 0.0])
def test_momentum_equals_the_heavy_ball_loop(cell, beta):
    params = CELLS[cell](2)
    grads_seq = [random_grads(params, seed) for seed in range(4)]
    state = run(rc.momentum(0.05, beta=beta), params, grads_seq)
    assert_matches(state.params, textbook_momentum(params, grads_seq, 0.05, beta))
    assert type(state.velocity) is type(params)


@pytest.mark.parametrize("cell", CELLS)
def test_sgd_is_sgd_step_exactly(cell):
    params = CELLS[cell](3)
    grads_seq = [random_grads(params, seed) for seed in range(3)]
    state = run(rc.sgd(0.2), params, grads_seq)
    expected = params
    for g in grads_seq:
        expected = expected.sgd_step(g, 0.2)
    for k, v in expected.arrays().items():
        assert np.array_equal(state.params.arrays()[k], v)


def test_states_are_immutable_and_inputs_untouched():
    params = CELLS["gru"](4)
    g = random_grads(params, 0)
    before = {k: v.copy() for k, v in params.arrays().items()}
    opt = rc.adam(0.1)
    state0 = opt.init(params)
    _, state1 = opt.update(state0, g, 0)
    assert state0.params is params
    assert all(not v.any() for v in state0.m.arrays().values())  # the old state still holds m₀ = 0
    assert any(v.any() for v in state1.m.arrays().values())
    for k, v in before.items():
        assert np.array_equal(params.arrays()[k], v)
    with pytest.raises(AttributeError):
        state1.m = state0.m


def test_tree_map_keeps_the_type_and_applies_per_field():
    params = CELLS["lstm"](0)
    doubled = rc.tree_map(lambda p, q: p + q, params, params)
    assert type(doubled) is rc.LSTMParams
    for k, v in params.arrays().items():
        assert np.array_equal(doubled.arrays()[k], 2 * v)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: rc.sgd(-1.0), r"lr must be a finite number ≥ 0; received -1.0"),
        (lambda: rc.momentum(0.1, beta=1.0), r"beta must be a number in \[0, 1\); received 1.0"),
        (lambda: rc.adam(0.1, b1=-0.1), r"b1 must be a number in \[0, 1\)"),
        (lambda: rc.adam(0.1, b2=1), r"b2 must be a number in \[0, 1\)"),
        (lambda: rc.adam(0.1, eps=0.0), r"eps must be a finite number > 0; received 0.0"),
        (lambda: rc.make_optimizer("rmsprop", 0.1), r"optimizer must be one of .* received 'rmsprop'"),
    ],
)
def test_bad_settings_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_update_arguments_raise():
    params = CELLS["rnn"](0)
    opt = rc.adam(0.1)
    state = opt.init(params)
    with pytest.raises(ValueError, match="grads must be RNNParams; received LSTMParams"):
        opt.update(state, CELLS["lstm"](0), 0)
    with pytest.raises(ValueError, match="step must be an integer ≥ 0; received -1"):
        opt.update(state, random_grads(params, 0), -1)


def test_make_optimizer_names_the_constructors():
    params = CELLS["rnn"](0)
    g = random_grads(params, 1)
    for name, make in (("sgd", rc.sgd), ("momentum", rc.momentum), ("adam", rc.adam)):
        a, _ = rc.make_optimizer(name, 0.1).update(rc.make_optimizer(name, 0.1).init(params), g, 0)
        b, _ = make(0.1).update(make(0.1).init(params), g, 0)
        for k, v in a.arrays().items():
            assert np.array_equal(v, b.arrays()[k])
    assert rc.OPTIMIZERS == ("sgd", "momentum", "adam")
