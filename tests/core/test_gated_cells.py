"""LSTM and GRU: parameters, forward against a plain loop, BPTT against central differences and loops."""

import dataclasses

import numpy as np
import pytest

import rnn_core as rc
from tests.core.reference_gated import (
    GRU_FIELDS,
    GRU_GATES,
    LSTM_FIELDS,
    LSTM_GATES,
    forward_loop,
    gradient_loop,
    random_gated_problem,
)

CELLS = ("lstm", "gru")
LOSSES = ("softmax_ce", "mse")
PARAMS = {"lstm": rc.LSTMParams, "gru": rc.GRUParams}
FIELDS = {"lstm": LSTM_FIELDS, "gru": GRU_FIELDS}
GATES = {"lstm": LSTM_GATES, "gru": GRU_GATES}


def _run(cell, loss="softmax_ce", *, T=6, B=3, D=3, H=4, K=3, seed=0, mask=None):
    params, xs, targets, h0, s0 = random_gated_problem(cell, T, B, D, H, K, loss=loss, seed=seed)
    trace = rc.forward(params, xs, targets, loss=loss, h0=h0, s0=s0, mask=mask)
    return params, xs, targets, h0, s0, trace


# --- parameters --------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", CELLS)
def test_init_is_deterministic_by_seed_with_the_documented_shapes(cell):
    a = PARAMS[cell].init(3, 5, 2, seed=4)
    b = PARAMS[cell].init(3, 5, 2, seed=4)
    c = PARAMS[cell].init(3, 5, 2, seed=5)
    assert tuple(a.arrays()) == FIELDS[cell]
    for name, arr in a.arrays().items():
        want = {"U": (5, 3), "W": (5, 5), "b": (5,), "V": (2, 5), "c": (2,)}[name[0]]
        assert arr.shape == want, name
        assert arr.dtype == np.float64 and not arr.flags.writeable, name
        np.testing.assert_array_equal(arr, getattr(b, name), err_msg=name)
    assert not np.array_equal(a.W, c.W)
    assert (a.n_in, a.n_hidden, a.n_out) == (3, 5, 2)
    for name in FIELDS[cell]:
        if name[0] == "W":  # each recurrent matrix orthogonal with σ_max = w_scale
            sv = np.linalg.svd(PARAMS[cell].init(3, 5, 2, w_scale=0.7).arrays()[name], compute_uv=False)
            np.testing.assert_allclose(sv, 0.7, rtol=1e-12, err_msg=name)


def test_lstm_init_sets_the_forget_bias_and_zero_other_biases():
    p = rc.LSTMParams.init(2, 4, 3, forget_bias=2.5)
    np.testing.assert_array_equal(p.bf, np.full(4, 2.5))
    for name in ("b", "bg", "bq", "c"):
        np.testing.assert_array_equal(getattr(p, name), 0.0, err_msg=name)
    np.testing.assert_array_equal(rc.LSTMParams.init(2, 4, 3).bf, 1.0)
    with pytest.raises(ValueError, match=r"forget_bias must be a finite number; received nan"):
        rc.LSTMParams.init(2, 4, 3, forget_bias=float("nan"))


@pytest.mark.parametrize("cell", CELLS)
def test_sgd_step_returns_the_same_type_and_refuses_other_gradients(cell):
    params = PARAMS[cell].init(2, 3, 2, seed=1)
    grads = PARAMS[cell](**{k: np.ones_like(v) for k, v in params.arrays().items()})
    new = params.sgd_step(grads, 0.5)
    assert type(new) is PARAMS[cell]
    for name, arr in params.arrays().items():
        np.testing.assert_array_equal(getattr(new, name), arr - 0.5, err_msg=name)
    other = rc.RNNParams.init(2, 3, 2)
    with pytest.raises(ValueError, match=rf"grads must be {PARAMS[cell].__name__}; received RNNParams"):
        params.sgd_step(other, 0.1)


@pytest.mark.parametrize("cell", CELLS)
def test_params_and_traces_are_frozen_values(cell):
    params, _, _, _, _, trace = _run(cell)
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.W = np.zeros((4, 4))
    with pytest.raises(dataclasses.FrozenInstanceError):
        trace.h = None
    gate_w = params.Wf if cell == "lstm" else params.Wu
    with pytest.raises(ValueError, match="read-only"):
        gate_w[0, 0] = 1.0


@pytest.mark.parametrize("cell", CELLS)
def test_the_trace_carries_every_gate_and_the_lstm_cell_state_in_the_contract_shapes(cell):
    T, B, H = 6, 3, 4
    params, xs, targets, h0, s0, trace = _run(cell, T=T, B=B, H=H)
    for name in GATES[cell] + ("a",):
        assert getattr(trace, name).shape == (T, B, H), name
    assert trace.h.shape == (T + 1, B, H)
    np.testing.assert_array_equal(trace.h[0], h0)
    if cell == "lstm":
        assert trace.s.shape == (T + 1, B, H)
        np.testing.assert_array_equal(trace.s[0], s0)
        assert not hasattr(trace, "u")
    else:
        assert not hasattr(trace, "s")
    for name in GATES[cell]:  # σ of a finite pre-activation: strictly inside (0, 1) at these sizes
        gate = getattr(trace, name)
        assert (gate > 0).all() and (gate < 1).all(), name


@pytest.mark.parametrize("cell", CELLS)
def test_a_gate_field_of_the_wrong_shape_is_named(cell):
    arrays = PARAMS[cell].init(3, 4, 2).arrays()
    gate = "Wf" if cell == "lstm" else "Wr"
    bias = "bq" if cell == "lstm" else "bu"
    with pytest.raises(
        ValueError, match=rf"{gate} must have shape \(H, H\) = \(4, 4\); received shape \(4, 3\)"
    ):
        PARAMS[cell](**{**arrays, gate: np.zeros((4, 3))})
    with pytest.raises(ValueError, match=rf"{bias} must have shape \(H,\) = \(4,\); received shape \(5,\)"):
        PARAMS[cell](**{**arrays, bias: np.zeros(5)})
    gate_u = "Uf" if cell == "lstm" else "Uu"
    with pytest.raises(
        ValueError, match=rf"{gate_u} must have shape \(H, D\) = \(4, 3\); received shape \(4, 2\)"
    ):
        PARAMS[cell](**{**arrays, gate_u: np.zeros((4, 2))})


# --- forward -----------------------------------------------------------------------------------


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("cell", CELLS)
def test_forward_matches_the_plain_loop(cell, loss):
    mask = np.array([1.0, 0.0, 2.0, 1.0, 0.5, 1.0])
    params, xs, targets, h0, s0, trace = _run(cell, loss, seed=2, mask=mask)
    ref = forward_loop(params, xs, targets, loss=loss, h0=h0, s0=s0, mask=mask)
    assert type(trace) is (rc.LSTMTrace if cell == "lstm" else rc.GRUTrace)
    assert isinstance(trace, rc.Trace) and trace.activation == "tanh" and trace.loss_name == loss
    for name in ("a", "h", "o", "y_hat", "losses") + GATES[cell] + (("s",) if cell == "lstm" else ()):
        np.testing.assert_allclose(getattr(trace, name), ref[name], rtol=1e-12, atol=1e-13, err_msg=name)
    assert trace.loss == pytest.approx(ref["loss"], rel=1e-12)
    np.testing.assert_array_equal(trace.h[0], h0)
    if cell == "lstm":
        np.testing.assert_array_equal(trace.s[0], s0)
    assert trace.T == 6 and trace.overflow_step is None
    np.testing.assert_allclose(trace.dL_do(), ref["dL_do"], rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("cell", CELLS)
def test_initial_states_default_to_zero(cell):
    params, xs, targets, _, _, _ = _run(cell, seed=3)
    trace = rc.forward(params, xs, targets)
    ref = forward_loop(params, xs, targets, loss="softmax_ce")
    np.testing.assert_array_equal(trace.h[0], 0.0)
    np.testing.assert_allclose(trace.h, ref["h"], rtol=1e-12, atol=1e-13)
    if cell == "lstm":
        np.testing.assert_array_equal(trace.s[0], 0.0)


def test_lstm_cell_state_with_forget_one_and_input_zero_keeps_s0():
    # f ≡ 1 (σ(50) = 1 in float64) and g ≡ 0: s⁽ᵗ⁾ = s⁽⁰⁾ for every t, h⁽ᵗ⁾ = q ⊙ tanh(s⁽⁰⁾)
    base = rc.LSTMParams.init(2, 3, 2, seed=0)
    params = rc.LSTMParams(**{**base.arrays(), "bf": np.full(3, 50.0), "bg": np.full(3, -800.0)})
    rng = np.random.default_rng(0)
    s0 = rng.standard_normal((2, 3))
    trace = rc.forward(params, rng.standard_normal((7, 2, 2)), np.zeros((7, 2), dtype=int), s0=s0)
    np.testing.assert_array_equal(trace.f, 1.0)
    np.testing.assert_array_equal(trace.g, 0.0)
    np.testing.assert_array_equal(trace.s, np.broadcast_to(s0, (8, 2, 3)))
    np.testing.assert_allclose(trace.h[1:], trace.q * np.tanh(s0), rtol=1e-15)


@pytest.mark.parametrize("cell", CELLS)
def test_exploding_weights_show_in_the_trace_without_warnings(cell, recwarn):
    base = PARAMS[cell].init(2, 4, 3, seed=0)
    huge = PARAMS[cell](**{k: v * (1e200 if k[0] in "UW" else 1.0) for k, v in base.arrays().items()})
    xs = np.random.default_rng(0).standard_normal((5, 1, 2))
    trace = rc.forward(huge, xs, np.zeros((5, 1), dtype=int))
    grads = rc.bptt(huge, trace)
    assert not recwarn.list
    # the gates saturate at exactly 0 or 1 and the state stays bounded: a gated cell does not overflow h
    assert np.isfinite(trace.h).all() and np.abs(trace.h).max() <= 1.0
    assert type(grads) is PARAMS[cell]


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", CELLS)
def test_an_activation_other_than_the_default_is_refused_for_a_gated_cell(cell):
    params, xs, targets, h0, s0, _ = _run(cell)
    name = PARAMS[cell].__name__
    with pytest.raises(ValueError, match=rf"activation must be 'tanh' \(the default\) for {name}.*'relu'"):
        rc.forward(params, xs, targets, activation="relu")
    with pytest.raises(ValueError, match=rf"activation must be 'tanh' \(the default\) for {name}.*'sigmoid'"):
        rc.numerical_gradient(params, xs, targets, activation="sigmoid", loss="softmax_ce")
    rc.forward(params, xs, targets, activation="tanh")  # the default, said out loud, is accepted


@pytest.mark.parametrize("cell", ("gru", "rnn"))
def test_s0_is_refused_for_a_cell_without_a_cell_state(cell):
    params = rc.GRUParams.init(3, 4, 3) if cell == "gru" else rc.RNNParams.init(3, 4, 3)
    xs = np.zeros((2, 1, 3))
    name = type(params).__name__
    with pytest.raises(ValueError, match=rf"s0 is the LSTM's initial cell state; {name} has no cell state"):
        rc.forward(params, xs, np.zeros((2, 1), dtype=int), s0=np.zeros((1, 4)))


def test_lstm_s0_of_the_wrong_shape_is_refused():
    params = rc.LSTMParams.init(3, 4, 3)
    xs, targets = np.zeros((2, 5, 3)), np.zeros((2, 5), dtype=int)
    with pytest.raises(ValueError, match=r"s0 must have shape \(B, H\) = \(5, 4\); received shape \(4,\)"):
        rc.forward(params, xs, targets, s0=np.zeros(4))
    with pytest.raises(ValueError, match=r"s0 must be finite; received nan at index \(1, 2\)"):
        bad = np.zeros((5, 4))
        bad[1, 2] = np.nan
        rc.forward(params, xs, targets, s0=bad)
    with pytest.raises(ValueError, match=r"h0 must have shape \(B, H\) = \(5, 4\); received shape \(5, 3\)"):
        rc.forward(params, xs, targets, h0=np.zeros((5, 3)))
    with pytest.raises(
        ValueError, match=r"xs must have shape \(T, B, D\) with D = 3; received shape \(2, 5, 2\)"
    ):
        rc.forward(params, np.zeros((2, 5, 2)), targets)


@pytest.mark.parametrize("cell", CELLS)
def test_bptt_refuses_a_trace_of_another_cell(cell):
    params, xs, targets, _, _, trace = _run(cell)
    vanilla = rc.RNNParams.init(3, 4, 3)
    vanilla_trace = rc.forward(vanilla, xs, targets)
    want = "LSTMTrace" if cell == "lstm" else "GRUTrace"
    with pytest.raises(
        ValueError, match=rf"trace must be the {want} returned by forward\(\); received Trace"
    ):
        rc.bptt(params, vanilla_trace)
    with pytest.raises(
        ValueError, match=rf"trace must be the Trace returned by forward\(\); received {want}"
    ):
        rc.bptt(vanilla, trace)
    with pytest.raises(ValueError, match=r"params must be RNNParams; received LSTMParams"):
        rc.path_terms(rc.LSTMParams.init(3, 4, 3), trace, 2)


# --- BPTT --------------------------------------------------------------------------------------


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("cell", CELLS)
def test_bptt_matches_numerical_gradient(cell, loss):
    params, xs, targets, h0, s0, trace = _run(cell, loss, seed=5)
    grads = rc.bptt(params, trace)
    numeric = rc.numerical_gradient(params, xs, targets, loss=loss, h0=h0, s0=s0)
    assert type(grads) is type(numeric) is PARAMS[cell]
    for name in FIELDS[cell]:
        g = getattr(grads, name)
        assert np.linalg.norm(g) > 1e-3, name  # a zero gradient would agree with anything
        assert rc.rel_error(g, getattr(numeric, name)) < 1e-6, name


@pytest.mark.parametrize("cell, loss", [("lstm", "mse"), ("gru", "softmax_ce")])
def test_bptt_matches_central_differences_of_the_plain_forward_loop(cell, loss):
    # the loss comes from the reference loop, not from rnn_core.forward: nothing shared but params
    params, xs, targets, h0, s0, trace = _run(cell, loss, T=4, B=2, H=3, seed=11)
    grads = rc.bptt(params, trace)
    eps = 1e-6
    for name in FIELDS[cell]:
        base = getattr(params, name)
        numeric = np.zeros(base.shape)
        for i in range(base.size):
            losses = []
            for step in (eps, -eps):
                theta = base.copy()
                theta.flat[i] += step
                perturbed = PARAMS[cell](**{**params.arrays(), name: theta})
                losses.append(forward_loop(perturbed, xs, targets, loss=loss, h0=h0, s0=s0)["loss"])
            numeric.flat[i] = (losses[0] - losses[1]) / (2 * eps)
        assert rc.rel_error(getattr(grads, name), numeric) < 1e-6, name


def test_lstm_gradient_of_s0_and_h0_by_central_differences_matches_the_loop_backward_pass():
    # nonzero initial states change every gradient: compare both to a run from zero states
    params, xs, targets, h0, s0, trace = _run("lstm", T=5, B=2, seed=9)
    zero = rc.bptt(params, rc.forward(params, xs, targets))
    grads = rc.bptt(params, trace)
    assert rc.rel_error(grads.Wf, zero.Wf) > 1e-3
    ref = gradient_loop(params, forward_loop(params, xs, targets, loss="softmax_ce", h0=h0, s0=s0))
    for name in LSTM_FIELDS:
        np.testing.assert_allclose(getattr(grads, name), ref[name], rtol=1e-10, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("cell", CELLS)
def test_bptt_matches_the_plain_loop(cell, loss):
    params, xs, targets, h0, s0, trace = _run(cell, loss, T=7, B=3, D=2, H=5, K=4, seed=7)
    ref = gradient_loop(params, forward_loop(params, xs, targets, loss=loss, h0=h0, s0=s0))
    grads = rc.bptt(params, trace)
    for name in FIELDS[cell]:
        np.testing.assert_allclose(getattr(grads, name), ref[name], rtol=1e-10, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("truncate", [1, 2, 4])
@pytest.mark.parametrize("cell", CELLS)
def test_truncated_bptt_matches_per_loss_backward_passes_cut_after_tau_steps(cell, truncate):
    params, xs, targets, h0, s0, trace = _run(cell, "mse", T=6, B=2, seed=8)
    fw = forward_loop(params, xs, targets, loss="mse", h0=h0, s0=s0)
    ref = gradient_loop(params, fw, truncate=truncate)
    full = rc.bptt(params, trace)
    grads = rc.bptt(params, trace, truncate=truncate)
    for name in FIELDS[cell]:
        np.testing.assert_allclose(getattr(grads, name), ref[name], rtol=1e-10, atol=1e-12, err_msg=name)
    assert rc.rel_error(grads.W, full.W) > 1e-3  # the cut removed something
    for tau in (6, 50):  # τ ≥ T is full BPTT
        same = rc.bptt(params, trace, truncate=tau)
        for name in FIELDS[cell]:
            np.testing.assert_allclose(getattr(same, name), getattr(full, name), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("truncate", [None, 2])
@pytest.mark.parametrize("cell", CELLS)
def test_bptt_of_one_loss_step_matches_its_own_backward_pass_and_finite_differences(cell, truncate):
    params, xs, targets, h0, s0, trace = _run(cell, T=5, B=2, seed=4)
    fw = forward_loop(params, xs, targets, loss="softmax_ce", h0=h0, s0=s0)
    for s in (1, 3, 5):
        grads = rc.bptt(params, trace, s=s, truncate=truncate)
        ref = gradient_loop(params, fw, truncate=truncate, steps=[s])
        for name in FIELDS[cell]:
            np.testing.assert_allclose(getattr(grads, name), ref[name], rtol=1e-10, atol=1e-12, err_msg=name)
    if truncate is None:
        numeric = rc.numerical_gradient(params, xs, targets, loss="softmax_ce", h0=h0, s0=s0, s=4)
        grads = rc.bptt(params, trace, s=4)
        for name in FIELDS[cell]:
            assert rc.rel_error(getattr(grads, name), getattr(numeric, name)) < 1e-6, name


@pytest.mark.parametrize("cell", CELLS)
def test_masked_losses_are_differentiated_with_their_weights(cell):
    mask = np.array([0.0, 0.0, 1.0, 0.0, 3.0])
    params, xs, targets, h0, s0, trace = _run(cell, T=5, B=2, seed=6, mask=mask)
    numeric = rc.numerical_gradient(params, xs, targets, loss="softmax_ce", h0=h0, s0=s0, mask=mask)
    grads = rc.bptt(params, trace)
    for name in FIELDS[cell]:
        assert rc.rel_error(getattr(grads, name), getattr(numeric, name)) < 1e-6, name


def test_numerical_partial_names_the_gated_fields():
    params, xs, targets, h0, s0, _ = _run("lstm", T=3, B=1)
    part = rc.numerical_partial(
        params, xs, targets, wrt="Wq", loss="softmax_ce", h0=h0, s0=s0, entries=[0, 5]
    )
    full = rc.numerical_gradient(params, xs, targets, loss="softmax_ce", h0=h0, s0=s0).Wq
    np.testing.assert_allclose(part.flat[[0, 5]], full.flat[[0, 5]], rtol=1e-12)
    assert np.isnan(np.delete(part.ravel(), [0, 5])).all()
    with pytest.raises(ValueError, match=r"wrt must be one of \[.*'Wq'.*\]; received 'Wu'"):
        rc.numerical_partial(params, xs, targets, wrt="Wu", loss="softmax_ce")


@pytest.mark.parametrize("cell", CELLS)
def test_bptt_over_many_blocks_of_steps_matches_central_differences(cell):
    # T = 150 spans several of the blocks in which the backward pass gathers its local derivatives
    params, xs, targets, h0, s0, trace = _run(cell, "mse", T=150, B=2, D=2, H=3, K=2, seed=12)
    ref = forward_loop(params, xs, targets, loss="mse", h0=h0, s0=s0)
    for name in ("a", "h") + GATES[cell] + (("s",) if cell == "lstm" else ()):
        np.testing.assert_allclose(getattr(trace, name), ref[name], rtol=1e-11, atol=1e-12, err_msg=name)
    grads = rc.bptt(params, trace)
    for name in FIELDS[cell]:
        g = getattr(grads, name)
        entries = np.argsort(np.abs(g).ravel())[-2:]
        numeric = rc.numerical_partial(
            params, xs, targets, wrt=name, loss="mse", h0=h0, s0=s0, entries=entries
        )
        assert rc.rel_error(g.flat[entries], numeric.flat[entries]) < 1e-6, name
    for s in (1, 64, 65, 150):  # one loss step, at and across a block's edge
        one = rc.bptt(params, trace, s=s)
        numeric = rc.numerical_partial(params, xs, targets, wrt="W", loss="mse", h0=h0, s0=s0, s=s)
        assert rc.rel_error(one.W, numeric) < 1e-6, s
