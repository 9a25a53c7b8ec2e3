"""rc.*_prediction: each computed answer against a second route written here (the plain loops of
reference_loops, numpy products, hand-made networks), over a grid of settings with its boundaries:
T = 1, γ·σ_max(W) exactly 1, after training steps, a Jacobian that overflows float64, a cut path."""

import math
from dataclasses import replace

import numpy as np
import pytest

import rnn_core as rc
from tests.core.reference_gated import forward_loop as gated_forward
from tests.core.reference_gated import state_jacobian_log_norms_loop as gated_loop_log_norms
from tests.core.reference_loops import (
    forward_loop,
    jacobian_log_norms_loop,
    loss_step_deltas,
)

D, H, K = 3, 6, 3


def network(activation, w_scale, T, steps=0, *, w_init="orthogonal", seed=1, loss="softmax_ce", lr=0.1):
    """(params, xs, targets) of the app's live network: init, then ``steps`` gradient steps."""
    params = rc.RNNParams.init(D, H, K, w_init=w_init, w_scale=w_scale, seed=seed)
    xs, targets = rc.random_sequence(T, D, K, loss=loss, seed=seed)
    if steps:
        params = rc.descend(params, xs, targets, activation=activation, loss=loss, lr=lr, steps=steps).params
    return params, xs, targets


# --- Vanishing & exploding: the regime ---------------------------------------------------------

REGIME_GRID = [
    ("tanh", 1.0, 20, 0),  # γ·σ_max = 1: the bound cannot grow
    ("tanh", 3.0, 20, 0),
    ("tanh", 0.5, 20, 0),
    ("sigmoid", 2.0, 20, 0),  # the example: σ_max(W) = 2 > 1, yet γ·σ_max = 1/2
    ("sigmoid", 4.0, 20, 0),  # γ·σ_max(W) = 1 exactly
    ("relu", 1.0, 20, 0),
    ("relu", 3.0, 60, 0),  # 3⁶⁰: near the limit of float64 in the forward pass
    ("linear", 8.0, 200, 0),  # 8²⁰⁰ ≈ 10¹⁸⁰: ‖∂h/∂h‖ itself would overflow float64's squares
    ("leaky_relu", 1.2, 20, 0),
    ("tanh", 1.0, 1, 0),  # T = 1
    ("sigmoid", 8.0, 1, 0),
    ("tanh", 1.5, 20, 8),  # after training steps
    ("relu", 1.0, 20, 8),
]


def expected_regime(params, xs, targets, activation, T):
    """From the plain loop's ‖∂h⁽ᵀ⁾/∂h⁽⁰⁾‖₂: below 1/10 shrinks, above 10 grows, 0 shrinks."""
    fw = forward_loop(params, xs, targets, activation=activation, loss="softmax_ce")
    ell = jacobian_log_norms_loop(params, fw, T)[0]
    if ell == -np.inf or ell < -1.0:
        return "shrinks", ell
    return ("grows" if ell > 1.0 else "neither"), ell


@pytest.mark.parametrize("activation, w_scale, T, steps", REGIME_GRID)
def test_regime_answer_matches_the_plain_jacobian_product(activation, w_scale, T, steps):
    params, xs, targets = network(activation, w_scale, T, steps)
    trace = rc.forward(params, xs, targets, activation=activation)
    pred = rc.regime_prediction(rc.jacobian_profile(params, trace), activation)
    answer, ell = expected_regime(params, xs, targets, activation, T)
    assert pred.answer == answer
    assert pred.facts["log_norm"] == pytest.approx(ell, abs=1e-8)
    assert pred.is_right(answer) and all(not pred.is_right(o) for o in pred.options if o != answer)
    gamma = rc.get_activation(activation).gamma
    base = gamma * np.linalg.svd(params.W, compute_uv=False)[0]
    if base <= 1.0 + 1e-9:  # the bound (γσ)ᵀ ≤ 1: growth is impossible, whatever the inputs
        assert pred.answer != "grows"
        assert "grows" not in pred.tempting or pred.tempting["grows"] != "bound_is_the_norm"


def test_regime_at_gamma_sigma_exactly_one_names_the_bound_misconception():
    # sigmoid with σ_max(W) = 4: γ·σ_max(W) = 1 exactly, the bound is 1 at every distance
    params, xs, targets = network("sigmoid", 4.0, 20)
    trace = rc.forward(params, xs, targets, activation="sigmoid")
    pred = rc.regime_prediction(rc.jacobian_profile(params, trace), "sigmoid")
    assert pred.facts["bound_kind"] == "cannot_grow"
    assert pred.facts["base_shown"] == "1"
    # f′ < 1/4 away from a = 0, so the norm falls below the bound 1: it shrinks
    assert pred.answer == "shrinks"
    assert pred.misconception("neither") == "bound_is_the_norm"
    assert pred.misconception("grows") == "sigma_above_one"  # σ_max(W) = 4 > 1
    assert pred.misconception("shrinks") is None  # right answers have no misconception


def test_regime_of_relu_names_the_relu_misconception():
    params, xs, targets = network("relu", 1.0, 20)
    trace = rc.forward(params, xs, targets, activation="relu")
    pred = rc.regime_prediction(rc.jacobian_profile(params, trace), "relu")
    assert pred.answer != "grows"
    assert pred.misconception("grows") == "relu_explodes"


def test_regime_of_a_cut_network_is_shrinks_and_of_nan_is_not_asked():
    params, xs, targets = network("relu", 1.0, 10)
    dead = replace(params, b=np.full(H, -100.0))  # every unit off at every step: f′ = 0
    trace = rc.forward(dead, xs, targets, activation="relu")
    pred = rc.regime_prediction(rc.jacobian_profile(dead, trace), "relu")
    assert (pred.answer, pred.facts["log_norm"]) == ("shrinks", -np.inf)
    # a forward pass that produced nan: the regime is "undefined", nothing to predict
    profile = rc.jacobian_profile(params, rc.forward(params, xs, targets, activation="relu"))
    undefined = replace(profile, regime=rc.classify_regime([np.nan, 0.3, 0.0], bound_base=1.0))
    pred = rc.regime_prediction(undefined, "relu")
    assert pred.answer is None and not pred.askable and not pred.is_right("shrinks")


# --- Vanishing & exploding: clipping and the long-range share ---------------------------------


def long_share_by_hand(params, xs, targets, activation, tau):
    """‖Σ_{s−k ≥ τ} δₖ⁽ˢ⁾h⁽ᵏ⁻¹⁾ᵀ‖ / ‖∂L/∂W‖ from the plain loop's deltas."""
    fw = forward_loop(params, xs, targets, activation=activation, loss="softmax_ce")
    T = xs.shape[0]
    total, far = np.zeros((H, H)), np.zeros((H, H))
    for s in range(1, T + 1):
        for k, delta in loss_step_deltas(params, fw, s, 0).items():
            term = np.outer(delta, fw["h"][k - 1, 0])
            total += term
            if s - k >= tau:
                far += term
    return np.linalg.norm(far) / np.linalg.norm(total)


@pytest.mark.parametrize(
    "activation, w_scale, T, tau, threshold",
    [
        ("tanh", 1.0, 20, 5, 1.0),  # clipped
        ("tanh", 1.0, 20, 5, 1000.0),  # not clipped: c above ‖g‖
        ("relu", 2.0, 12, 1, 0.01),  # τ = 1: every path but the immediate ones
        ("sigmoid", 4.0, 12, 12, 0.1),  # τ = T: no path that long
        ("tanh", 2.0, 20, 3, 0.5),
    ],
)
def test_clipping_by_norm_leaves_the_long_range_share(activation, w_scale, T, tau, threshold):
    params, xs, targets = network(activation, w_scale, T)
    trace = rc.forward(params, xs, targets, activation=activation)
    grads = rc.bptt(params, trace)
    split = rc.distance_split(rc.distance_terms(params, trace))
    clip = rc.clipping_comparison(grads, threshold)
    pred = rc.long_range_clip_prediction(rc.long_range(split, tau, clip), clip)
    assert pred.answer == "same"
    assert pred.facts["share_before"] == pytest.approx(
        long_share_by_hand(params, xs, targets, activation, tau), abs=1e-9
    )
    norm = math.sqrt(sum(float(np.sum(np.asarray(getattr(grads, f)) ** 2)) for f in "UWVbc"))
    assert pred.facts["clipped"] == (norm > threshold)
    assert pred.facts["scale"] == pytest.approx(min(1.0, threshold / norm), rel=1e-12)
    assert pred.misconception("rises") == "clipping_cures_vanishing"
    assert pred.misconception("falls") == "clipping_cuts_far"


def test_clipping_is_not_asked_at_t_1_where_dl_dw_is_zero():
    # T = 1: ∂L/∂W = δ₁ h⁽⁰⁾ᵀ = 0, so there is no share of ∂L/∂W to predict
    params, xs, targets = network("tanh", 1.0, 1)
    trace = rc.forward(params, xs, targets)
    grads = rc.bptt(params, trace)
    assert not np.asarray(grads.W).any()
    clip = rc.clipping_comparison(grads, 0.1)
    split = rc.distance_split(rc.distance_terms(params, trace))
    assert rc.long_range_clip_prediction(rc.long_range(split, 1, clip), clip).answer is None


def test_clipping_an_overflowed_gradient_is_not_asked():
    params, xs, targets = network("linear", 8.0, 400)  # 8⁴⁰⁰ overflows float64 at step 343
    with np.errstate(all="ignore"):
        trace = rc.forward(params, xs, targets, activation="linear")
        grads = rc.bptt(params, trace)
        assert not all(np.isfinite(getattr(grads, f)).all() for f in "UWVbc")  # the boundary holds
        split = rc.distance_split(rc.distance_terms(params, trace))
        clip = rc.clipping_comparison(grads, 1.0)
        pred = rc.long_range_clip_prediction(rc.long_range(split, 5, clip), clip)
    assert pred.answer is None


# --- Vanishing & exploding: a non-normal W ----------------------------------------------------


@pytest.mark.parametrize(
    "W",
    [
        [[0.9, 1.0], [0.0, 0.9]],  # the page's Jordan-like block: ρ = 0.9 < 1 < σ_max
        [[0.9, 0.0], [0.0, 0.5]],  # normal, ρ = σ_max = 0.9
        [[1.5, 0.0], [0.0, 1.2]],  # ρ = 1.5
        [[0.5, 3.0], [0.0, 0.2]],
        [[0.99, 0.0], [0.0, 0.99]],  # ρ just below 1, normal
    ],
)
def test_transient_answer_matches_matrix_powers(W):
    W = np.array(W)
    n_max = 60
    norms = [np.linalg.norm(np.linalg.matrix_power(W, n), 2) for n in range(1, n_max + 1)]
    rho = max(abs(np.linalg.eigvals(W)))
    pred = rc.transient_prediction(rc.power_profile(W, n_max))
    if rho < 1 and max(norms[1:]) > norms[0] * (1 + 1e-6):
        expected = "rises_then_decays"
    elif rho >= 1 and norms[-1] > norms[0]:
        expected = "grows"
    else:
        expected = "decays"
    assert pred.answer == expected
    assert pred.facts["rho"] == pytest.approx(rho, rel=1e-12)
    assert pred.facts["peak_n"] == int(np.argmax(norms)) + 1


def test_transient_of_the_page_w_names_rho_for_sigma():
    pred = rc.transient_prediction(rc.power_profile(np.array([[0.9, 1.0], [0.0, 0.9]]), 60))
    assert pred.answer == "rises_then_decays"
    assert pred.misconception("decays") == "rho_for_sigma"
    assert pred.misconception("grows") == "sigma_above_one"


# --- Activation derivatives --------------------------------------------------------------------


@pytest.mark.parametrize(
    "activation, at_zero", [("tanh", 1.0), ("sigmoid", 0.25), ("relu", 0.0), ("linear", 1.0)]
)
def test_peak_is_reached_as_the_closed_forms_say(activation, at_zero):
    pred = rc.peak_prediction(activation)
    assert pred.answer == "reached"  # sup f′ = γ is attained by every activation here
    assert pred.facts["at_zero"] == at_zero  # 1 − tanh²(0) = 1, σ(0)(1 − σ(0)) = 1/4, ReLU′(0) = 0
    assert pred.facts["sup"] == pred.facts["gamma"] == rc.get_activation(activation).gamma
    if activation in ("tanh", "sigmoid"):  # reached at a = 0 only
        assert pred.facts["sup_lo"] == pred.facts["sup_hi"] == 0.0
        assert pred.misconception("below") == "derivative_below_one"


@pytest.mark.parametrize(
    "activation, k", [("sigmoid", 1), ("sigmoid", 100), ("sigmoid", 500), ("tanh", 7), ("relu", 3)]
)
def test_gamma_power_is_k_log_gamma_within_half_a_decade(activation, k):
    gamma = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0}[activation]
    expected = k * math.log10(gamma)
    pred = rc.gamma_power_prediction(activation, k)
    assert pred.answer == pytest.approx(expected, abs=1e-12)
    assert pred.is_right(expected + 0.499) and pred.is_right(expected - 0.499)  # the tolerance's edges
    assert not pred.is_right(expected + 0.501) and not pred.is_right(expected - 0.501)
    assert not pred.is_right(float("nan")) and not pred.is_right(None)
    if gamma == 1.0:
        assert pred.misconception(expected - 3) == "derivative_below_one"  # “tanh′ < 1: it shrinks”
        assert pred.misconception(expected + 3) is None
    else:
        assert pred.misconception(expected - 3) is None


def test_gamma_power_refuses_a_bad_k_and_a_response_outside_the_options():
    with pytest.raises(ValueError, match="k must be a whole number"):
        rc.gamma_power_prediction("tanh", 0)
    with pytest.raises(ValueError, match="activation"):
        rc.gamma_power_prediction("swish", 3)
    pred = rc.peak_prediction("tanh")
    with pytest.raises(ValueError, match="response must be one of"):
        pred.is_right("sometimes")


def product_by_hand(params, xs, targets, activation):
    """log₁₀(Πⱼ maxᵢ f′(a⁽ʲ⁾ᵢ) · σ_max(W)ᵀ) from the plain loop, and whether a factor is 0."""
    fw = forward_loop(params, xs, targets, activation=activation, loss="softmax_ce")
    per_step = fw["fprime"][:, 0].max(axis=1)  # (T,)
    T = per_step.size
    if (per_step == 0).any():
        return -np.inf, True
    sigma = np.linalg.svd(params.W, compute_uv=False)[0]
    return float(np.sum(np.log10(per_step)) + T * math.log10(sigma)), False


@pytest.mark.parametrize("activation, w_scale, T, steps", REGIME_GRID[:-2] + [("tanh", 1.5, 20, 8)])
def test_product_answer_matches_the_plain_product(activation, w_scale, T, steps):
    params, xs, targets = network(activation, w_scale, T, steps)
    trace = rc.forward(params, xs, targets, activation=activation)
    stats = rc.derivative_stats(activation, trace.a)
    pred = rc.product_prediction(rc.product_bound(stats, rc.sigma_max(params.W)), activation)
    log_bound, cut = product_by_hand(params, xs, targets, activation)
    tol = T * math.log10(1 + 1e-9)
    expected = (
        "cut" if cut else "shrinks" if log_bound < -tol else "cannot_grow" if log_bound <= tol else "may_grow"
    )
    assert pred.answer == expected
    if not cut:
        assert pred.facts["log10_bound"] == pytest.approx(log_bound, abs=1e-9)


def test_product_of_a_dead_relu_network_is_cut_and_relu_names_its_misconception():
    params, xs, targets = network("relu", 2.0, 10)
    dead = replace(params, b=np.full(H, -100.0))
    trace = rc.forward(dead, xs, targets, activation="relu")
    pred = rc.product_prediction(rc.product_bound(rc.derivative_stats("relu", trace.a), 2.0), "relu")
    assert pred.answer == "cut" and pred.facts["cut_step"] is not None
    assert pred.misconception("may_grow") == "relu_explodes"


# --- Update rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "activation, loss, T, steps",
    [("tanh", "softmax_ce", 5, 0), ("relu", "mse", 4, 3), ("sigmoid", "softmax_ce", 1, 0)],
)
def test_batch_sum_doubles_as_finite_differences_say(activation, loss, T, steps):
    params, xs, targets = network(activation, 1.0, T, steps, loss=loss)
    pred = rc.batch_sum_prediction(params, xs, targets, activation=activation, loss=loss)
    # the second route: central differences of L on the batch [xs, xs] and on xs alone
    one = rc.numerical_gradient(params, xs, targets, activation=activation, loss=loss)
    two = rc.numerical_gradient(
        params,
        np.concatenate([xs, xs], axis=1),
        np.concatenate([targets, targets], axis=1),
        activation=activation,
        loss=loss,
    )

    def norm(g):
        return math.sqrt(sum(float(np.sum(np.asarray(getattr(g, f)) ** 2)) for f in "UWVbc"))

    assert norm(two) / norm(one) == pytest.approx(2.0, rel=1e-5)
    assert pred.answer == "double"
    assert pred.facts["ratio"] == pytest.approx(norm(two) / norm(one), rel=1e-5)
    assert pred.misconception("same") == "mean_for_sum"


def test_batch_sum_is_not_asked_of_an_overflowed_gradient_and_refuses_bad_shapes():
    params, xs, targets = network("linear", 8.0, 400)
    with np.errstate(all="ignore"):
        pred = rc.batch_sum_prediction(params, xs, targets, activation="linear", loss="softmax_ce")
    assert pred.answer is None
    with pytest.raises(ValueError, match=r"received xs \(3, 2\)"):
        rc.batch_sum_prediction(
            params, np.zeros((3, 2)), np.zeros((3, 1), dtype=int), activation="tanh", loss="mse"
        )


@pytest.mark.parametrize(
    "now, after, answer",
    [
        (2.0, 1.5, "down"),
        (2.0, 2.5, "up"),
        (2.0, 2.0, "same"),
        (2.0, 2.0 * (1 + 1e-12), "same"),  # within REL_TOL
        (2.0, float("inf"), "up"),  # the step overflowed
        (2.0, None, "up"),
        (float("nan"), 1.0, None),  # nothing to predict from
    ],
)
def test_next_step_from_two_losses(now, after, answer):
    pred = rc.next_step_prediction(now, after, 0.1)
    assert pred.answer == answer
    if answer == "up":
        assert pred.misconception("down") == "descent_always_lowers"


@pytest.mark.parametrize("lr", [0.01, 1.0])
def test_next_step_of_a_real_step_matches_a_hand_update(lr):
    params, xs, targets = network("tanh", 1.0, 10)
    trace = rc.forward(params, xs, targets)
    grads = rc.bptt(params, trace)
    stepped = rc.RNNParams(*(getattr(params, f) - lr * getattr(grads, f) for f in "UWVbc"))
    after = forward_loop(stepped, xs, targets, activation="tanh", loss="softmax_ce")["loss"]
    pred = rc.next_step_prediction(trace.loss, after, lr)
    assert pred.answer == ("down" if after < trace.loss else "up")


def zero_terms_by_hand(params, xs, targets, activation, s):
    """k = 1..s with δₖ⁽ˢ⁾ h⁽ᵏ⁻¹⁾ᵀ exactly 0 (‖δₖ‖·‖h⁽ᵏ⁻¹⁾‖ = 0), from the plain loop."""
    fw = forward_loop(params, xs, targets, activation=activation, loss="softmax_ce")
    deltas = loss_step_deltas(params, fw, s, 0)
    return tuple(k for k in range(1, s + 1) if not (deltas[k].any() and fw["h"][k - 1, 0].any()))


@pytest.mark.parametrize(
    "activation, w_scale, T, s, steps",
    [
        ("tanh", 1.0, 8, 3, 0),
        ("tanh", 1.0, 8, 8, 5),
        ("relu", 1.0, 8, 6, 0),
        ("tanh", 1.0, 1, 1, 0),
        ("sigmoid", 4.0, 5, 2, 0),
    ],
)
def test_zero_term_matches_the_plain_deltas(activation, w_scale, T, s, steps):
    params, xs, targets = network(activation, w_scale, T, steps)
    trace = rc.forward(params, xs, targets, activation=activation)
    norms = np.linalg.norm(rc.path_terms(params, trace, s, wrt="W").reshape(s, -1), axis=1)
    pred = rc.zero_term_prediction(norms, "W")
    zero = zero_terms_by_hand(params, xs, targets, activation, s)
    expected = "none" if not zero else "first" if zero == (1,) else "last" if zero == (s,) else "other"
    assert pred.answer == expected
    assert 1 in zero  # h⁽⁰⁾ = 0: the W term through k = 1 is always 0
    assert ("last" in pred.options) == (s > 1)  # for s = 1 the first term is the last
    assert pred.misconception("none") == "every_path_counts"


def test_zero_term_for_u_and_for_a_dead_network():
    params, xs, targets = network("relu", 1.0, 6)
    trace = rc.forward(params, xs, targets, activation="relu")
    norms_u = np.linalg.norm(rc.path_terms(params, trace, 4, wrt="U").reshape(4, -1), axis=1)
    fw = forward_loop(params, xs, targets, activation="relu", loss="softmax_ce")
    deltas = loss_step_deltas(params, fw, 4, 0)
    zero_u = tuple(k for k in range(1, 5) if not deltas[k].any())  # x⁽ᵏ⁾ ≠ 0, so only δ = 0 cuts
    pred = rc.zero_term_prediction(norms_u, "U")
    assert pred.facts["zero"] == zero_u
    dead = replace(params, b=np.full(H, -100.0))
    trace = rc.forward(dead, xs, targets, activation="relu")
    norms = np.linalg.norm(rc.path_terms(dead, trace, 4, wrt="W").reshape(4, -1), axis=1)
    pred = rc.zero_term_prediction(norms, "W")
    assert (pred.answer, pred.facts["zero"]) == ("other", (1, 2, 3, 4))  # every δ is 0
    assert rc.zero_term_prediction([1.0, np.inf], "W").answer is None
    with pytest.raises(ValueError, match=r"received shape \(2, 2\)"):
        rc.zero_term_prediction(np.ones((2, 2)), "W")


# --- Gates ---------------------------------------------------------------------------------------


def gated_runs(T, *, forget_bias=1.0, update_bias=0.0, w_scale=1.0, seed=0, H=3):
    rng = np.random.default_rng([seed, 7])
    xs = rng.standard_normal((T, 1, 2))
    targets = rng.integers(0, 2, size=(T, 1))
    cells = rc.three_cells(
        2, H, 2, seed=seed, forget_bias=forget_bias, update_bias=update_bias, w_scale=w_scale
    )
    return [(p, rc.forward(p, xs, targets)) for p in cells], xs, targets


def end_log_norms_by_hand(runs, xs, targets, T):
    """ℓ_T of the RNN (plain tanh loop), the LSTM's (h, s) and the GRU's h (plain gated loops)."""
    rnn, lstm, gru = (p for p, _ in runs)
    fw = forward_loop(rnn, xs, targets, activation="tanh", loss="softmax_ce")
    out = {"rnn": jacobian_log_norms_loop(rnn, fw, T)[0]}
    for name, p in (("lstm", lstm), ("gru", gru)):
        out[name] = gated_loop_log_norms(p, gated_forward(p, xs, targets, loss="softmax_ce"), T)[0]
    return out


@pytest.mark.parametrize(
    "T, forget_bias, update_bias, w_scale",
    [(12, 1.0, 0.0, 1.0), (12, -3.0, 0.0, 1.0), (12, 5.0, 3.0, 1.0), (1, 1.0, 0.0, 1.0), (10, 1.0, 0.0, 3.0)],
)
def test_keeper_is_the_largest_plain_state_jacobian(T, forget_bias, update_bias, w_scale):
    runs, xs, targets = gated_runs(T, forget_bias=forget_bias, update_bias=update_bias, w_scale=w_scale)
    pred = rc.keeper_prediction(rc.state_profiles(runs))
    ends = end_log_norms_by_hand(runs, xs, targets, T)
    ranked = sorted(ends, key=ends.get, reverse=True)
    tie = ends[ranked[0]] - ends[ranked[1]] <= rc.KEEP_DECADES
    assert pred.answer == ("similar" if tie else ranked[0])
    for cell, value in ends.items():
        assert pred.facts[f"log_norm_{cell}"] == pytest.approx(value, abs=1e-9)
    if pred.answer == "rnn":
        assert pred.misconception("lstm") == pred.misconception("gru") == "gates_always_keep"


@pytest.mark.parametrize(
    "forget_bias, w_scale, T", [(1.0, 1.5, 9), (5.0, 1.0, 20), (-3.0, 1.0, 20), (1.0, 1.0, 1)]
)
def test_carousel_answer_against_the_plain_s_block(forget_bias, w_scale, T):
    runs, xs, targets = gated_runs(T, forget_bias=forget_bias, w_scale=w_scale, seed=3)
    params, trace = runs[1]
    pred = rc.carousel_prediction(rc.carousel_check(params, trace))
    fw = gated_forward(params, xs, targets, loss="softmax_ce")
    H = params.n_hidden
    exact = gated_loop_log_norms(params, fw, T, block=slice(H, None))[::-1]  # entry d
    direct = [0.0] + [
        math.log10(max(math.prod(fw["f"][j, 0, i] for j in range(T - d, T)) for i in range(H)))
        for d in range(1, T + 1)
    ]
    parts = any(abs(e - c) > rc.CAROUSEL_DECADES for e, c in zip(exact, direct))
    assert pred.answer == ("parts" if parts else "holds")
    assert pred.misconception("holds") == ("carousel_is_exact" if parts else None)


@pytest.mark.parametrize("forget_bias, T", [(1.0, 12), (5.0, 12), (5.0, 60), (-3.0, 12), (3.0, 1)])
def test_forget_answer_against_the_plain_gate_products(forget_bias, T):
    runs, xs, targets = gated_runs(T, forget_bias=forget_bias)
    params, trace = runs[1]
    pred = rc.forget_prediction(rc.gate_values(params, trace, "f"), forget_bias)
    fw = gated_forward(params, xs, targets, loss="softmax_ce")
    best = max(sum(math.log10(fw["f"][j, 0, i]) for j in range(T)) for i in range(params.n_hidden))
    assert pred.answer == ("keeps" if best >= -rc.KEEP_DECADES else "forgets")
    assert pred.facts["best_end"] == pytest.approx(best, abs=1e-9)
    assert pred.facts["at_rest"] == pytest.approx(1 / (1 + math.exp(-forget_bias)), rel=1e-12)
    # the reveal's "halving an error every h steps" holds for the gate it quotes: the geometric mean
    # of every f⁽ʲ⁾ᵢ (the arithmetic mean does not halve in h steps: it overstates a spread gate)
    logs = [math.log(fw["f"][j, 0, i]) for j in range(T) for i in range(params.n_hidden)]
    geometric = math.exp(sum(logs) / len(logs))
    assert pred.facts["geometric_mean"] == pytest.approx(geometric, rel=1e-12)
    assert geometric ** pred.facts["half_life"] == pytest.approx(0.5, rel=1e-9)


# --- Training lab --------------------------------------------------------------------------------


@pytest.mark.parametrize("T", [1, 2, 3, 10, 11, 60])
def test_truncation_answer_by_counting_the_kept_paths(T):
    for tau in [0, *range(1, T + 1)]:
        pred = rc.truncation_prediction(T, tau)
        # the paths kept: s − k = d for 0 ≤ d < τ (all d ≤ T − 1 for full BPTT); the long range is d ≥ ⌊T/2⌋
        kept = range(T) if tau == 0 else range(min(tau, T))
        assert pred.answer == ("keeps" if any(d >= T // 2 for d in kept) else "drops"), (T, tau)
        assert pred.misconception("keeps") == (None if pred.answer == "keeps" else "truncation_trims_noise")
    with pytest.raises(ValueError, match="T must be"):
        rc.truncation_prediction(0, 1)


@pytest.mark.parametrize(
    "activation, sigma, answer",
    [
        ("sigmoid", 4.0, "cannot_grow"),  # γ·σ_max(W) = 1/4 · 4 = 1 exactly
        ("sigmoid", 2.0, "vanishes"),  # σ_max(W) = 2 > 1, yet the base is 1/2
        ("tanh", 1.0, "cannot_grow"),
        ("tanh", 1.0 + 1e-12, "cannot_grow"),  # SVD rounding of σ_max(W) = 1
        ("tanh", 1.01, "may_grow"),
        ("relu", 0.5, "vanishes"),
        ("linear", 0.0, "vanishes"),  # W = 0
    ],
)
def test_bound_answer_from_gamma_times_sigma(activation, sigma, answer):
    gamma = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0, "linear": 1.0}[activation]
    pred = rc.bound_prediction(activation, sigma, 9)
    assert pred.answer == answer
    base = gamma * sigma
    if base > 0:
        assert pred.facts["bound_log"] == pytest.approx(9 * math.log10(base), abs=1e-12)
    if activation == "sigmoid" and sigma > 1:
        assert pred.misconception("may_grow") == "sigma_above_one"
    if activation == "relu":
        assert pred.misconception("may_grow") == "relu_explodes"
    assert rc.bound_prediction("tanh", float("inf"), 3).answer is None
    with pytest.raises(ValueError, match="distance"):
        rc.bound_prediction("tanh", 1.0, 0)


def test_learning_is_pending_before_the_run_and_decided_by_the_verdict_after():
    pending = rc.learning_prediction(None, clip="norm")
    assert pending.answer is None and pending.facts["pending"] and not pending.is_right("learned")
    steps = 40
    baseline = np.full(steps, 1.0)
    for losses, kind in ((np.full(steps, 0.05), "learned"), (np.full(steps, 1.0), "not learned")):
        history = {"loss": losses, "baseline": baseline}
        verdict = rc.learning_verdict(history, baseline, None)
        assert verdict.kind == kind  # the verdict's own rule: r < BASELINE_LEVEL over the tail
        pred = rc.learning_prediction(verdict, clip="norm")
        assert pred.answer == kind
        assert pred.misconception("learned") == (None if kind == "learned" else "clipping_cures_vanishing")
    # a gradient that overflowed: the run diverged
    history = {
        "loss": np.full(steps, 1.0),
        "baseline": baseline,
        "grad_norm": np.r_[np.ones(steps - 1), np.inf],
    }
    pred = rc.learning_prediction(rc.learning_verdict(history, baseline, None), clip="none")
    assert pred.answer == "diverged" and pred.misconception("learned") is None
