"""State Jacobians of every cell, the LSTM's carousel, and gated contributions: against explicit
products of per-step Jacobian matrices, closed forms, and plain loops."""

import math

import numpy as np
import pytest

import rnn_core as rc
from tests.core.reference_gated import (
    contributions_loop,
    forward_loop,
    gru_step,
    lstm_step,
    random_gated_problem,
    state_jacobian_log_norms_loop,
    step_jacobian,
)

CELLS = ("lstm", "gru")


def _problem(cell, *, T=7, B=2, D=3, H=3, K=2, seed=0, loss="softmax_ce"):
    params, xs, targets, h0, s0 = random_gated_problem(cell, T, B, D, H, K, loss=loss, seed=seed)
    trace = rc.forward(params, xs, targets, loss=loss, h0=h0, s0=s0)
    fw = forward_loop(params, xs, targets, loss=loss, h0=h0, s0=s0)
    return params, trace, fw


def _fixed_point(cell, rho, *, T, H=2):
    """Zero inputs, states and biases: h = 0 (and s = 0) at every step, W = ρI, gates all σ(0) = ½."""
    cls = rc.LSTMParams if cell == "lstm" else rc.GRUParams
    base = cls.init(1, H, 2, seed=0, **({"forget_bias": 0.0} if cell == "lstm" else {}))
    params = cls(**{**base.arrays(), "W": rho * np.eye(H)})
    trace = rc.forward(params, np.zeros((T, 1, 1)), np.zeros((T, 1), dtype=int))
    assert not trace.h.any()
    return params, trace


# --- the reference's per-step Jacobian is itself checked against central differences ----------


@pytest.mark.parametrize("cell", CELLS)
def test_the_reference_step_jacobian_matches_central_differences_of_one_step(cell):
    params, _, fw = _problem(cell, seed=1)
    H, eps = 3, 1e-6
    for j, n in ((1, 0), (4, 1), (7, 0)):
        x = fw["xs"][j - 1, n]
        state = (
            np.concatenate([fw["h"][j - 1, n], fw["s"][j - 1, n]]) if cell == "lstm" else fw["h"][j - 1, n]
        )

        def step(v, x=x):
            if cell == "lstm":
                out = lstm_step(params, x, v[:H], v[H:])
                return np.concatenate([out["h"], out["s"]])
            return gru_step(params, x, v)["h"]

        numeric = np.empty((state.size, state.size))
        for i in range(state.size):
            e = np.zeros(state.size)
            e[i] = eps
            numeric[:, i] = (step(state + e) - step(state - e)) / (2 * eps)
        np.testing.assert_allclose(step_jacobian(params, fw, j, n), numeric, rtol=1e-7, atol=1e-9)


# --- state Jacobians ---------------------------------------------------------------------------


@pytest.mark.parametrize("cell", CELLS)
def test_state_jacobian_log_norms_match_the_explicit_product_one_svd_per_k(cell):
    params, trace, fw = _problem(cell, seed=2)
    for t, n in ((7, 0), (7, 1), (4, 1), (0, 0)):
        got = rc.state_jacobian_log_norms(params, trace, t=t, batch_index=n)
        ref = state_jacobian_log_norms_loop(params, fw, t, n)
        assert got.shape == (t + 1,) and got[t] == 0.0
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-11)
    np.testing.assert_array_equal(
        rc.state_jacobian_log_norms(params, trace), rc.state_jacobian_log_norms(params, trace, t=7)
    )


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_state_jacobian_log_norms_of_an_rnn_are_jacobian_log_norms(activation):
    params = rc.RNNParams.init(3, 5, 2, w_scale=1.3, seed=3)
    rng = np.random.default_rng(3)
    trace = rc.forward(
        params, rng.standard_normal((9, 2, 3)), np.zeros((9, 2), dtype=int), activation=activation
    )
    for kwargs in ({}, {"t": 5, "batch_index": 1}):
        np.testing.assert_array_equal(
            rc.state_jacobian_log_norms(params, trace, **kwargs),
            rc.jacobian_log_norms(params, trace, **kwargs),
        )


def test_gru_with_update_gate_one_has_the_identity_as_state_jacobian():
    # u ≡ 1 (σ(50) = 1 in float64): h⁽ᵗ⁾ = h⁽ᵗ⁻¹⁾, every ∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ = I, norm 1 exactly
    params, trace, _ = _problem("gru", seed=4)
    params = rc.GRUParams(**{**params.arrays(), "bu": np.full(3, 800.0)})
    rng = np.random.default_rng(4)
    trace = rc.forward(
        params, rng.standard_normal((30, 2, 3)), np.zeros((30, 2), dtype=int), h0=np.ones((2, 3))
    )
    np.testing.assert_array_equal(trace.h, 1.0)
    np.testing.assert_array_equal(rc.state_jacobian_log_norms(params, trace), np.zeros(31))


@pytest.mark.parametrize("cell", CELLS)
def test_state_jacobian_at_the_zero_fixed_point_has_its_closed_form_beyond_float64(cell):
    # At h = s = 0 with zero inputs and biases, W = ρI: GRU J = ½I + ¼ρI, so ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖ = λⁿ with
    # λ = ½ + ρ/4 and n = t − k. LSTM J = c r with c = (¼I; ½I), r = (ρI, I), so Jⁿ = c λⁿ⁻¹ r and
    # ‖Jⁿ‖ = λⁿ⁻¹ ‖c‖ ‖r‖ = λⁿ⁻¹ √(5/16) √(ρ² + 1). With ρ = 10, λ = 3: 3⁸⁰⁰ overflows float64.
    rho, T = 10.0, 800
    params, trace = _fixed_point(cell, rho, T=T)
    got = rc.state_jacobian_log_norms(params, trace)
    n = T - np.arange(T + 1)
    lam = 0.5 + rho / 4
    if cell == "gru":
        want = n * math.log10(lam)
    else:
        want = np.where(
            n > 0, (n - 1) * math.log10(lam) + math.log10(math.sqrt(5 / 16) * math.hypot(rho, 1)), 0.0
        )
    assert got[0] > 308  # the norm itself is not a float64
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)


# --- the LSTM's carousel -----------------------------------------------------------------------


def test_carousel_matches_the_explicit_diagonal_product_and_the_s_block_of_the_explicit_product():
    params, trace, fw = _problem("lstm", seed=5)
    H = 3
    for t, n in ((7, 0), (5, 1)):
        got = rc.carousel_log_norms(params, trace, t=t, batch_index=n)
        assert isinstance(got, rc.CarouselLogNorms)
        direct = [max(np.prod(fw["f"][k:t, n], axis=0)) for k in range(t + 1)]  # f⁽ᵏ⁺¹⁾…f⁽ᵗ⁾, per unit
        np.testing.assert_allclose(got.direct, np.log10(direct), rtol=0, atol=1e-13)
        exact = state_jacobian_log_norms_loop(params, fw, t, n, block=slice(H, None))
        np.testing.assert_allclose(got.exact, exact, rtol=0, atol=1e-11)
        np.testing.assert_allclose(got.gap, got.exact - got.direct, rtol=0, atol=0)
        assert got.direct[t] == got.exact[t] == 0.0
        assert np.abs(got.gap[:t]).max() > 1e-3  # the paths through h matter at these weights


def test_carousel_with_forget_one_and_input_zero_is_norm_one_exactly():
    params, _, _ = _problem("lstm", seed=6)
    params = rc.LSTMParams(**{**params.arrays(), "bf": np.full(3, 800.0), "bg": np.full(3, -800.0)})
    rng = np.random.default_rng(6)
    trace = rc.forward(
        params, rng.standard_normal((40, 2, 3)), np.zeros((40, 2), dtype=int), s0=np.ones((2, 3))
    )
    got = rc.carousel_log_norms(params, trace)
    np.testing.assert_array_equal(got.direct, np.zeros(41))
    # f′ = 0 and g = g′ = 0 exactly: s depends on nothing but s, and ∂s⁽ᵗ⁾/∂s⁽ᵏ⁾ = I
    np.testing.assert_array_equal(got.exact, np.zeros(41))


def test_carousel_direct_path_with_constant_forget_gates_is_a_power_of_the_largest():
    params, _, _ = _problem("lstm", seed=7)
    bf = np.array([-1.0, 0.5, 2.0])
    params = rc.LSTMParams(**{**params.arrays(), "Uf": np.zeros((3, 3)), "Wf": np.zeros((3, 3)), "bf": bf})
    rng = np.random.default_rng(7)
    trace = rc.forward(params, rng.standard_normal((12, 1, 3)), np.zeros((12, 1), dtype=int))
    f_max = 1.0 / (1.0 + math.exp(-2.0))
    want = (12 - np.arange(13)) * math.log10(f_max)  # ‖diag(f)ⁿ‖₂ = (max f)ⁿ
    np.testing.assert_allclose(rc.carousel_log_norms(params, trace).direct, want, rtol=1e-13, atol=1e-14)


def test_carousel_at_the_zero_fixed_point_decays_directly_and_grows_exactly():
    # J = c r as above: (Jⁿ)_ss = ½ λⁿ⁻¹ I, while the direct path is diag(½)ⁿ
    rho, T = 10.0, 700
    params, trace = _fixed_point("lstm", rho, T=T)
    got = rc.carousel_log_norms(params, trace)
    n = T - np.arange(T + 1)
    np.testing.assert_allclose(got.direct, n * math.log10(0.5), rtol=1e-13, atol=1e-12)
    want = np.where(n > 0, math.log10(0.5) + (n - 1) * math.log10(0.5 + rho / 4), 0.0)
    np.testing.assert_allclose(got.exact, want, rtol=1e-12, atol=1e-9)
    assert got.exact[0] > 308 and got.direct[0] < -200


# --- gated contributions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell, wrt, block",
    [("lstm", "W", "a"), ("lstm", "Wf", "f"), ("lstm", "Wg", "g"), ("lstm", "Wq", "q")]
    + [("gru", "W", "a"), ("gru", "Wu", "u"), ("gru", "Wr", "r")],
)
def test_gated_contributions_match_the_plain_loop(cell, wrt, block):
    params, trace, fw = _problem(cell, T=6, B=3, H=4, seed=8, loss="mse")
    got = rc.contributions(params, trace, wrt=wrt)
    ref = contributions_loop(params, fw, block)
    assert got.shape == (6, 6)
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-13)
    assert np.all(np.triu(got, 1) == 0.0) and np.all(np.diag(got) > 0)


@pytest.mark.parametrize("cell", CELLS)
def test_gated_contributions_of_the_full_gradient_bound_its_norm(cell):
    # the triangle inequality: ‖∂L/∂W‖_F ≤ Σ_{s,k} C[s, k], and the terms are not all aligned
    params, trace, _ = _problem(cell, T=6, B=2, seed=9)
    for wrt in ("W", "Wf") if cell == "lstm" else ("W", "Wr"):
        C = rc.contributions(params, trace, wrt=wrt)
        total = np.linalg.norm(getattr(rc.bptt(params, trace), wrt))
        assert total <= C.sum() * (1 + 1e-12)


# --- errors ------------------------------------------------------------------------------------


def test_carousel_needs_an_lstm():
    params, trace, _ = _problem("gru")
    with pytest.raises(ValueError, match=r"carousel_log_norms needs LSTMParams .*; received GRUParams"):
        rc.carousel_log_norms(params, trace)


@pytest.mark.parametrize("cell", CELLS)
def test_out_of_range_steps_and_sequences_are_refused(cell):
    params, trace, _ = _problem(cell)
    with pytest.raises(ValueError, match=r"t must be a time step in 0..T = 0..7; received 8"):
        rc.state_jacobian_log_norms(params, trace, t=8)
    with pytest.raises(ValueError, match=r"batch_index must be an integer in 0..B-1 = 0..1; received 2"):
        rc.state_jacobian_log_norms(params, trace, batch_index=2)
    if cell == "lstm":
        with pytest.raises(ValueError, match=r"t must be an integer ≥ 0; received -1"):
            rc.carousel_log_norms(params, trace, t=-1)


@pytest.mark.parametrize("cell", CELLS)
def test_gated_contributions_name_the_recurrent_weights(cell):
    params, trace, _ = _problem(cell)
    options = r"\['W', 'Wf', 'Wg', 'Wq'\]" if cell == "lstm" else r"\['W', 'Wr', 'Wu'\]"
    with pytest.raises(ValueError, match=rf"wrt must be one of {options}; received 'U'"):
        rc.contributions(params, trace, wrt="U")
    other = rc.RNNParams.init(3, 3, 2)
    with pytest.raises(ValueError, match=r"trace must be the Trace returned by forward\(\)"):
        rc.contributions(other, trace)
