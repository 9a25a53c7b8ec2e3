"""One path term's chain of Jacobians (rnn_core.chains): every factor, norm and product against a
plain loop, its term's norm against the ledger C[s, k] of rc.contributions, and the verdict's zero
and overflow cases against causes built into the inputs here."""

import math
from fractions import Fraction

import numpy as np
import pytest

import rnn_core as rc
from tests.core.reference_loops import (
    forward_loop,
    jacobian_log_norms_loop,
    loss_step_deltas,
    loss_step_gradient,
    path_terms_loop,
    random_problem,
)


def _problem(activation="tanh", loss="softmax_ce", *, T=6, H=4, D=3, K=3, seed=0, zero_h0=False, **init):
    params, xs, targets, h0 = random_problem(T, 1, D, H, K, loss=loss, seed=seed, zero_h0=zero_h0, **init)
    trace = rc.forward(params, xs, targets, activation=activation, loss=loss, h0=h0)
    fw = forward_loop(params, xs, targets, activation=activation, loss=loss, h0=h0)
    return params, xs, targets, h0, trace, fw


def _pairs(T):
    return [(s, k) for s in range(1, T + 1) for k in range(1, s + 1)]


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "linear"])
def test_every_factor_norm_and_product_matches_a_plain_loop(activation):
    T = 5
    params, _, _, _, trace, fw = _problem(activation, T=T, seed=3)
    W = np.asarray(params.W)
    for s, k in _pairs(T):
        chain = rc.path_chain(params, trace, s, k)
        assert chain.length == s - k and list(chain.steps) == list(range(s, k, -1))
        # the factors diag(f′(a⁽ʲ⁾)) W for j = s..k+1, and ‖·‖₂ of each by an SVD
        want = [np.diag(fw["fprime"][j - 1, 0]) @ W for j in range(s, k, -1)]
        assert chain.factors.shape == (s - k, W.shape[0], W.shape[0])
        np.testing.assert_allclose(chain.factors, np.reshape(want, chain.factors.shape), rtol=1e-14, atol=0)
        svd = [np.linalg.svd(f, compute_uv=False)[0] for f in want]
        np.testing.assert_allclose(chain.factor_norms, svd, rtol=1e-12, atol=1e-300)
        # ∂h⁽ˢ⁾/∂h⁽ᵏ⁾ multiplied out, and the running norms ‖∂h⁽ˢ⁾/∂h⁽ʲ⁻¹⁾‖₂
        product = np.eye(W.shape[0])
        for f in want:
            product = product @ f
        np.testing.assert_allclose(chain.jacobian, product, rtol=1e-12, atol=1e-15)
        loop_logs = jacobian_log_norms_loop(params, fw, t=s)  # entry j: log₁₀‖∂h⁽ˢ⁾/∂h⁽ʲ⁾‖₂
        np.testing.assert_allclose(chain.log_norms, loop_logs[k:s][::-1], atol=1e-10)
        # δₖ⁽ˢ⁾ and the terms for W and U, against one backward pass of L⁽ˢ⁾ alone
        np.testing.assert_allclose(chain.delta, loss_step_deltas(params, fw, s, 0)[k], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(
            chain.term, path_terms_loop(params, fw, s, "W")[k - 1], rtol=1e-10, atol=1e-14
        )
        np.testing.assert_allclose(
            chain.term_U, path_terms_loop(params, fw, s, "U")[k - 1], rtol=1e-10, atol=1e-14
        )
        assert chain.term_norm == pytest.approx(
            np.linalg.norm(path_terms_loop(params, fw, s, "W")[k - 1]), rel=1e-10
        )
        assert chain.chain_error < 1e-12


def _sgd_steps(params, xs, targets, h0, *, activation, loss, n, lr):
    for _ in range(n):
        trace = rc.forward(params, xs, targets, activation=activation, loss=loss, h0=h0)
        params = params.sgd_step(rc.bptt(params, trace), lr)
    return params


@pytest.mark.parametrize(
    "activation, loss, T, seed, steps",
    [
        ("tanh", "softmax_ce", 1, 0, 0),  # T = 1: one term, s = k = 1, no factor
        ("tanh", "softmax_ce", 7, 1, 0),
        ("sigmoid", "mse", 6, 2, 0),
        ("relu", "softmax_ce", 6, 4, 0),
        ("leaky_relu", "mse", 5, 5, 0),
        ("tanh", "softmax_ce", 6, 6, 5),  # after five gradient steps
        ("relu", "mse", 5, 7, 3),
    ],
)
def test_the_terms_norm_is_the_ledgers_entry(activation, loss, T, seed, steps):
    params, xs, targets, h0 = random_problem(T, 1, 3, 4, 3, loss=loss, seed=seed)
    params = _sgd_steps(params, xs, targets, h0, activation=activation, loss=loss, n=steps, lr=0.1)
    trace = rc.forward(params, xs, targets, activation=activation, loss=loss, h0=h0)
    fw = forward_loop(params, xs, targets, activation=activation, loss=loss, h0=h0)
    C = rc.contributions(params, trace)
    for s, k in _pairs(T):
        chain = rc.path_chain(params, trace, s, k)
        want = np.linalg.norm(path_terms_loop(params, fw, s, "W")[k - 1])  # independent of rnn_core
        assert C[s - 1, k - 1] == pytest.approx(want, rel=1e-10)
        verdict = rc.chain_verdict(chain, C[s - 1, k - 1])
        assert verdict.kind == ("zero" if want == 0.0 else "agrees"), verdict
        assert verdict.ledger_error <= rc.CHAIN_TOLERANCE
        assert (verdict.zero_cause is None) == (want > 0)


def test_the_verdict_says_disagrees_for_a_wrong_ledger_entry():
    params, _, _, _, trace, _ = _problem(T=4, seed=8)
    chain = rc.path_chain(params, trace, 4, 2)
    assert rc.chain_verdict(chain, chain.term_norm * (1 + 1e-6)).kind == "disagrees"
    assert rc.chain_verdict(chain, 0.0).kind == "disagrees"
    # a tolerance wide enough accepts it
    assert rc.chain_verdict(chain, chain.term_norm * (1 + 1e-6), tolerance=1e-5).kind == "agrees"


def test_k_equal_1_with_h0_zero_is_zero_for_w_because_h0_is_zero():
    params, _, _, _, trace, _ = _problem(T=5, seed=9, zero_h0=True)
    C = rc.contributions(params, trace)
    for s in range(1, 6):
        chain = rc.path_chain(params, trace, s, 1)
        verdict = rc.chain_verdict(chain, C[s - 1, 0])
        assert C[s - 1, 0] == 0.0 and chain.term_norm == 0.0
        assert verdict.kind == "zero" and verdict.zero_cause == "input"
        assert chain.term_U_norm > 0  # U's term carries x⁽¹⁾ instead, which is not 0


def _relu_off_at(step, *, T=6):
    """A ReLU network whose every unit is off at ``step`` only (x⁽ˢᵗᵉᵖ⁾ = −100, U > 0, b = 0)."""
    H, D, K = 2, 1, 2
    params = rc.RNNParams(
        U=np.array([[1.0], [0.5]]),
        W=np.array([[0.5, 0.2], [0.1, 0.4]]),
        V=np.array([[1.0, -1.0], [0.3, 0.8]]),
        b=np.zeros(H),
        c=np.zeros(K),
    )
    xs = np.ones((T, 1, D))
    xs[step - 1] = -100.0
    targets = np.zeros((T, 1), dtype=int)
    return params, rc.forward(params, xs, targets, activation="relu")


def test_a_relu_step_with_every_unit_off_stops_the_chain_or_the_local_derivative():
    params, trace = _relu_off_at(3)
    assert np.all(trace.a[2, 0] < 0) and np.all(trace.a[[0, 1, 3, 4, 5], 0] > 0)  # off at step 3 only
    C = rc.contributions(params, trace)
    # k = 2: the chain from s = 5 passes through step 3, whose factor is diag(0) W = 0
    chain = rc.path_chain(params, trace, 5, 2)
    assert np.all(chain.factors[list(chain.steps).index(3)] == 0.0)
    verdict = rc.chain_verdict(chain, C[4, 1])
    assert verdict.kind == "zero" and verdict.zero_cause == "chain" and verdict.dead_step == 3
    assert np.all(chain.jacobian == 0.0) and chain.log_norms[-1] == -np.inf
    # k = 3: the chain 5 → 3 is alive, but f′(a⁽³⁾) = 0 stops δ₃⁽⁵⁾
    chain = rc.path_chain(params, trace, 5, 3)
    assert np.all(np.isfinite(chain.log_norms)) and np.any(chain.dh_k != 0.0)
    verdict = rc.chain_verdict(chain, C[4, 2])
    assert verdict.kind == "zero" and verdict.zero_cause == "local" and verdict.dead_step is None


def test_a_loss_with_zero_output_error_makes_every_term_zero():
    params, xs, _, h0 = random_problem(4, 1, 3, 4, 3, loss="mse", seed=10)
    exact = rc.forward(params, xs, np.zeros((4, 1, 3)), activation="tanh", loss="mse", h0=h0).o  # o⁽ᵗ⁾ itself
    trace = rc.forward(params, xs, exact, activation="tanh", loss="mse", h0=h0)
    C = rc.contributions(params, trace)
    verdict = rc.chain_verdict(rc.path_chain(params, trace, 3, 2), C[2, 1])
    assert verdict.kind == "zero" and verdict.zero_cause == "output"


def _linear(W_scale, xs_scale, T):
    """A linear network (H = 2, mse) with W = W_scale·I and every x⁽ᵗ⁾ = xs_scale."""
    H = 2
    params = rc.RNNParams(
        U=np.ones((H, 1)),
        W=W_scale * np.eye(H),
        V=np.array([[1.0, 0.5], [-0.3, 1.0]]),
        b=np.zeros(H),
        c=np.zeros(2),
    )
    xs = np.full((T, 1, 1), xs_scale)
    return params, rc.forward(params, xs, np.zeros((T, 1, 2)), activation="linear", loss="mse")


def _exact_term_norm(S: int, xs_value: Fraction, s: int, k: int) -> Fraction:
    """‖δₖ⁽ˢ⁾ h⁽ᵏ⁻¹⁾ᵀ‖_F² of :func:`_linear` (mse, targets 0) in exact rational arithmetic."""
    V = [[Fraction(1), Fraction(1, 2)], [Fraction(-3, 10), Fraction(1)]]
    h = [[Fraction(0), Fraction(0)]]
    for _ in range(s):
        h.append([S * v + xs_value for v in h[-1]])  # W = S·I, U = 1, b = 0, f = identity
    o = [sum(V[i][j] * h[s][j] for j in range(2)) for i in range(2)]  # ∂L⁽ˢ⁾/∂o⁽ˢ⁾ = o⁽ˢ⁾ − 0
    dh = [sum(V[i][j] * o[i] for i in range(2)) for j in range(2)]  # Vᵀ ∂L⁽ˢ⁾/∂o⁽ˢ⁾
    delta = [S ** (s - k) * v for v in dh]  # f′ = 1: the chain is S^(s−k)·I
    return sum(d * d for d in delta) * sum(z * z for z in h[k - 1])


def test_a_forward_overflow_is_reported_and_other_terms_are_exact_or_overflow_as_they_should():
    params, trace = _linear(1e60, 1.0, 8)  # h⁽ᵗ⁾ ≈ 1e60ᵗ⁻¹: past float64 at t = 7
    t = trace.overflow_step
    assert t == 7
    C = rc.contributions(params, trace)
    largest = Fraction(np.finfo(np.float64).max)
    kinds = set()
    for s, k in _pairs(8):
        chain = rc.path_chain(params, trace, s, k)
        verdict = rc.chain_verdict(chain, C[s - 1, k - 1])
        kinds.add(verdict.kind)
        exact = _exact_term_norm(10**60, Fraction(1), s, k)
        if k == 1:  # h⁽⁰⁾ = 0: the term is 0 however large δ₁⁽ˢ⁾ is
            assert verdict.kind == "zero" and verdict.zero_cause == "input"
        elif s >= t:  # the forward pass overflowed before L⁽ˢ⁾
            assert verdict.kind == "nonfinite" and verdict.overflow_step == t
        elif exact > largest**2:  # the term itself exceeds float64: back-propagation overflows
            assert verdict.kind == "nonfinite" and verdict.overflow_step is None
        else:
            assert verdict.kind == "agrees", verdict
            root = Fraction(math.isqrt(exact.numerator * 10**40 // exact.denominator), 10**20)  # √exact
            assert chain.term_norm == pytest.approx(float(root), rel=1e-12)
    assert kinds == {"zero", "nonfinite", "agrees"}


def test_a_backward_overflow_with_a_finite_forward_pass_is_nonfinite_without_a_step():
    # h⁽ᵗ⁾ ≈ 1e100ᵗ⁻¹·1e-300 stays finite up to t = 5, but δ₂⁽⁵⁾ ≈ 1e300·‖∂L⁽⁵⁾/∂h⁽⁵⁾‖ ≈ 1e400 does not
    params, trace = _linear(1e100, 1e-300, 5)
    assert trace.overflow_step is None
    C = rc.contributions(params, trace)
    chain = rc.path_chain(params, trace, 5, 2)
    assert np.all(np.isfinite(chain.jacobian)) and np.isinf(chain.delta).all()
    assert chain.log_norms[-1] == pytest.approx(300.0)  # ‖∂h⁽⁵⁾/∂h⁽²⁾‖₂ = 1e300
    verdict = rc.chain_verdict(chain, C[4, 1])
    assert verdict.kind == "nonfinite" and verdict.overflow_step is None
    # ∂h⁽⁵⁾/∂h⁽¹⁾ = 1e400·I multiplied out overflows; its norm in log space does not
    chain = rc.path_chain(params, trace, 5, 1)
    assert np.isinf(chain.jacobian).any() and chain.log_norms[-1] == pytest.approx(400.0)


def test_bptt_of_one_loss_step_ignores_a_later_overflow():
    params, trace = _linear(1e60, 1.0, 8)  # overflows at t = 7
    assert trace.overflow_step == 7
    # only the first three steps exist for the reference
    fw = forward_loop(params, trace.xs[:3], trace.targets[:3], activation="linear", loss="mse")
    g = rc.bptt(params, trace, s=3)
    want = loss_step_gradient(params, fw, 3)
    for name in ("U", "W", "V", "b", "c"):
        np.testing.assert_allclose(getattr(g, name), want[name], rtol=1e-10, atol=0)


@pytest.mark.parametrize(
    "s, k, message",
    [(3, 4, "k must be a time step in 1..s = 1..3; received 4"), (3, 0, "received 0"), (7, 1, "1..T = 1..6")],
)
def test_bad_steps_raise_value_errors_naming_them(s, k, message):
    params, _, _, _, trace, _ = _problem(T=6)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        rc.path_chain(params, trace, s, k)


def test_a_batch_of_sequences_or_a_gated_cell_is_refused():
    params, xs, targets, h0 = random_problem(4, 2, 3, 4, 3, seed=0)
    trace = rc.forward(params, xs, targets, h0=h0)
    with pytest.raises(ValueError, match="B = 1.*received B = 2"):
        rc.path_chain(params, trace, 2, 1)
    lstm = rc.LSTMParams.init(3, 4, 3, seed=0)
    with pytest.raises(ValueError, match="params must be RNNParams; received LSTMParams"):
        rc.path_chain(lstm, rc.forward(lstm, xs[:, :1], targets[:, :1]), 2, 1)


@pytest.mark.parametrize("activation, w_scale", [("linear", 1.0), ("tanh", 1.0), ("sigmoid", 4.0)])
def test_at_gamma_sigma_max_exactly_1_no_factor_exceeds_1(activation, w_scale):
    # orthogonal W with σ_max(W) = 1/γ: ‖diag(f′)W‖₂ = max|f′|·σ_max(W) ≤ γ·σ_max(W) = 1, with equality
    # for the linear activation (f′ = 1), and the product's norm is then exactly 1 (log₁₀ = 0)
    params, _, _, _, trace, fw = _problem(activation, T=6, seed=11, w_scale=w_scale)
    chain = rc.path_chain(params, trace, 6, 1)
    want = np.abs(fw["fprime"][1:6, 0]).max(axis=1)[::-1] * w_scale  # orthogonal: ‖D W‖₂ = max|d|·σ
    np.testing.assert_allclose(chain.factor_norms, want, rtol=1e-12)
    assert np.all(chain.factor_norms <= 1.0 + 1e-12)
    if activation == "linear":
        np.testing.assert_allclose(chain.factor_norms, 1.0, rtol=1e-12)
        np.testing.assert_allclose(chain.log_norms, 0.0, atol=1e-12)


def test_factor_norms_of_a_non_finite_w_are_nan_not_an_error():
    """A W that training drove to inf or nan (or a Gram that overflows) gives nan norms; the
    finite rows are still the plain SVD norms."""
    from rnn_core.chains import _factor_norms

    rng = np.random.default_rng(0)
    W = rng.standard_normal((4, 4))
    d = rng.uniform(0.1, 1.0, (3, 4))
    plain = [np.linalg.norm(np.diag(row) @ W, 2) for row in d]
    np.testing.assert_allclose(_factor_norms(d, W), plain, rtol=1e-12)
    for bad in (np.inf, np.nan, 1e200):
        Wb = W.copy()
        Wb[1, 2] = bad
        out = _factor_norms(d, Wb)
        assert np.isnan(out).all(), (bad, out)
    d_bad = d.copy()
    d_bad[1, 0] = np.nan
    out = _factor_norms(d_bad, W)
    assert np.isnan(out[1]) and np.allclose(out[[0, 2]], [plain[0], plain[2]], rtol=1e-12)
