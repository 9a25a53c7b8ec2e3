"""Norms that stay finite where float64 squares overflow (or underflow): the contribution matrix
against an exact reference in rational arithmetic (fractions.Fraction), on small networks built so
that the naive ‖term‖_F = sqrt(Σ entry²) is inf (or 0); and the product of scales behind it."""

from fractions import Fraction

import numpy as np
import pytest

import rnn_core as rc
from rnn_core._numerics import scaled_product
from ui.data import live_network
from ui.state import Network


def exact_terms(params: rc.RNNParams, xs, targets, activation: str, wrt: str) -> dict:
    """{(s, k): path term k of L⁽ˢ⁾ as a list of rows of Fractions}, the forward and backward pass
    done exactly in rational arithmetic from the float64 parameters (linear or ReLU, MSE loss)."""
    F = np.vectorize(Fraction, otypes=[object])
    U, W, V, b, c = (F(getattr(params, n)) for n in ("U", "W", "V", "b", "c"))
    T, B, _ = xs.shape
    H = W.shape[0]

    def f(a):
        return a if activation == "linear" else (a if a > 0 else Fraction(0))

    def df(a):
        return Fraction(1) if activation == "linear" or a > 0 else Fraction(0)

    terms = {}
    for batch in range(B):
        x = [F(xs[t, batch]) for t in range(T)]
        y = [F(targets[t, batch]) for t in range(T)]
        h = [np.array([Fraction(0)] * H, dtype=object)]
        a = []
        for t in range(T):
            a.append(b + W.dot(h[-1]) + U.dot(x[t]))
            h.append(np.array([f(v) for v in a[-1]], dtype=object))
        for s in range(1, T + 1):
            o = c + V.dot(h[s])
            e = V.T.dot(o - y[s - 1])  # ∂L⁽ˢ⁾/∂h⁽ˢ⁾ for ½‖o − y‖²
            for k in range(s, 0, -1):
                delta = np.array([df(a[k - 1][i]) * e[i] for i in range(H)], dtype=object)
                z = {"W": h[k - 1], "U": x[k - 1], "b": np.array([Fraction(1)], dtype=object)}[wrt]
                term = np.outer(delta, z)
                terms[s, k] = term if (s, k) not in terms else terms[s, k] + term
                e = W.T.dot(delta)
    return terms


def network(w_scale: float, activation: str, B: int, T: int = 5, seed: int = 0):
    """A small RNN whose W has σ_max(W) = w_scale, on a random sequence with MSE targets (W = w_scale·I
    for ReLU, so that its units stay on and the products grow; gaussian otherwise)."""
    w_init = "identity" if activation == "relu" else "gaussian"
    params = rc.RNNParams.init(2, 3, 2, w_init=w_init, w_scale=w_scale, seed=seed)
    rng = np.random.default_rng(seed)
    xs = rng.standard_normal((T, B, 2)) + 2.0  # shifted: ReLU units stay partly on
    targets = rng.standard_normal((T, B, 2))
    return params, xs, targets, rc.forward(params, xs, targets, activation=activation, loss="mse")


@pytest.mark.parametrize("activation", ["linear", "relu"])
@pytest.mark.parametrize("B", [1, 2])
@pytest.mark.parametrize("wrt", ["W", "U", "b"])
@pytest.mark.parametrize("w_scale", [1e40, 1e-60])  # squares overflow / underflow float64
def test_contributions_match_an_exact_rational_reference(activation, B, wrt, w_scale):
    params, xs, targets, trace = network(w_scale, activation, B)
    assert np.isfinite(trace.h).all()  # the forward pass itself is finite
    C = rc.contributions(params, trace, wrt=wrt)
    exact = exact_terms(params, xs, targets, activation, wrt)
    naive_failed = False
    for (s, k), term in exact.items():
        square = sum((v * v for v in term.ravel()), Fraction(0))  # ‖term‖_F², exactly
        got = C[s - 1, k - 1]
        if square == 0:
            assert got == 0.0, (s, k)
            continue
        if square > Fraction(np.finfo(np.float64).max) ** 2:
            # the norm itself exceeds float64: inf (nan where ReLU′ = 0 met an overflowed error)
            assert not np.isfinite(got), (s, k, got)
            continue
        assert np.isfinite(got) and got > 0, (s, k, got)
        assert abs(Fraction(got) ** 2 / square - 1) < 1e-9, (s, k)
        float_term = rc.path_terms(params, trace, s, wrt=wrt)[k - 1]
        with np.errstate(all="ignore"):
            naive = np.sqrt(np.sum(float_term**2))
        naive_failed |= not (0 < naive < np.inf)
    assert naive_failed  # the case is built so that squaring the entries leaves float64
    assert np.count_nonzero(np.triu(C, 1)) == 0  # zero where k > s


def test_the_linear_link_has_no_infinite_contribution():
    # ?act=linear&scale=4&T=200&loss=MSE: the forward pass is finite, path terms reach ~1e239
    live = live_network(Network(activation="linear", w_scale=4.0, T=200, loss="mse"), 0)
    assert live.trace.overflow_step is None
    C = rc.contributions(live.params, live.trace)
    assert np.isfinite(C).all()
    for s in (1, 57, 200):  # rescaled reference: each term divided by its largest entry, then squared
        terms = rc.path_terms(live.params, live.trace, s, wrt="W")
        big = np.abs(terms).max(axis=(1, 2))
        scale = np.where(big > 0, big, 1.0)
        reference = big * np.sqrt(np.sum((terms / scale[:, None, None]) ** 2, axis=(1, 2)))
        np.testing.assert_allclose(C[s - 1, :s], reference, rtol=1e-11)
    assert C.max() > 1e200


def test_an_infinite_term_keeps_an_infinite_or_nan_norm():
    net = Network(activation="linear", w_scale=4.0, T=200, loss="mse", lr=1.0)
    live = live_network(net, 3)  # one step sends h past float64 at t = 2
    assert live.trace.overflow_step is not None
    C = rc.contributions(live.params, live.trace)
    assert not np.isfinite(C[-1, 2:]).any()


def test_scaled_product_against_fractions():
    rng = np.random.default_rng(5)
    exps = rng.integers(-300, 300, size=(3, 40))
    factors = rng.uniform(0.1, 10.0, size=(3, 40)) * 10.0 ** exps.astype(float)
    got = scaled_product(*factors)
    for i in range(40):
        exact = Fraction(factors[0, i]) * Fraction(factors[1, i]) * Fraction(factors[2, i])
        if exact > Fraction(np.finfo(np.float64).max):
            assert got[i] == np.inf
        elif exact < Fraction(np.finfo(np.float64).tiny):
            assert got[i] < np.finfo(np.float64).tiny * (1 + 1e-12)
        else:
            assert abs(Fraction(got[i]) / exact - 1) < 1e-15
    assert np.isnan(scaled_product(np.inf, 0.0)) and scaled_product(np.inf, 2.0) == np.inf
