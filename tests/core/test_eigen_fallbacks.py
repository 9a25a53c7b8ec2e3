"""LAPACK's eigenvalue and SVD routines can fail to converge (rarely, on a finite matrix): every
place rnn_core asks them then answers by another routine, or gives nan, and never raises. Checked
against closed forms (diagonal and orthogonal-times-diagonal matrices) and against the answers the
routines give when they do converge, with the routines made to fail by monkeypatching."""

import numpy as np
import pytest

import rnn_core as rc
from rnn_core._numerics import norm2, top_eigenvalues, warm_sigma_max
from tests.core.reference_loops import random_problem


def _orthogonal(n: int, seed: int) -> np.ndarray:
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, n)))
    return q


def _psd_stack(n: int, H: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n matrices Q diag(λ) Qᵀ with known eigenvalues; their largest eigenvalues, (n,)."""
    rng = np.random.default_rng(seed)
    lam = rng.uniform(0.0, 5.0, (n, H))
    G = np.stack([_orthogonal(H, seed + i) * lam[i] @ _orthogonal(H, seed + i).T for i in range(n)])
    return G, lam.max(axis=1)


def _fail_on(real, when):
    def fake(a, *args, **kwargs):
        if when(np.asarray(a)):
            raise np.linalg.LinAlgError("Eigenvalues did not converge")
        return real(a, *args, **kwargs)

    return fake


def test_top_eigenvalues_are_the_largest_eigenvalues_of_known_spectra():
    G, top = _psd_stack(6, 5, seed=1)
    np.testing.assert_allclose(top_eigenvalues(G), top, rtol=1e-12)


def test_a_batch_that_fails_is_retried_matrix_by_matrix_and_a_matrix_that_fails_by_the_svd(monkeypatch):
    G, top = _psd_stack(5, 4, seed=2)
    bad = G[3].copy()
    real = np.linalg.eigvalsh
    # the batched call fails, and so does the one matrix alone: only the SVD can answer for it
    monkeypatch.setattr(
        np.linalg, "eigvalsh", _fail_on(real, lambda a: a.ndim == 3 or np.array_equal(a, bad))
    )
    np.testing.assert_allclose(top_eigenvalues(G), top, rtol=1e-12)


def test_a_matrix_on_which_nothing_converges_or_that_is_not_finite_gives_nan(monkeypatch):
    G, top = _psd_stack(3, 4, seed=3)
    G[0, 0, 0] = np.inf
    G[1, 1, 2] = np.nan
    np.testing.assert_allclose(top_eigenvalues(G)[2], top[2], rtol=1e-12)
    assert np.isnan(top_eigenvalues(G)[:2]).all()
    monkeypatch.setattr(np.linalg, "eigvalsh", _fail_on(np.linalg.eigvalsh, lambda a: True))
    monkeypatch.setattr(np.linalg, "svd", _fail_on(np.linalg.svd, lambda a: True))
    assert np.isnan(top_eigenvalues(G)).all()


@pytest.mark.parametrize("scale", [1.0, 1e150, 1e300])
def test_norm2_by_the_eigenvalue_routine_where_the_svd_fails(monkeypatch, scale):
    sv = np.array([3.0, 2.0, 0.5, 0.1])
    W = _orthogonal(4, 4) * sv @ _orthogonal(4, 5).T * scale  # singular values sv·scale
    assert norm2(W) == pytest.approx(3.0 * scale, rel=1e-12)
    monkeypatch.setattr(np.linalg, "norm", _fail_on(np.linalg.norm, lambda a: True))
    assert norm2(W) == pytest.approx(3.0 * scale, rel=1e-12)
    assert rc.sigma_max(W) == pytest.approx(3.0 * scale, rel=1e-12)


def test_sigma_max_and_spectral_radius_of_a_matrix_past_float64_are_nan():
    W = np.diag([2.0, np.inf])
    assert np.isnan(rc.sigma_max(W)) and np.isnan(rc.spectral_radius(W))
    assert np.isnan(rc.sigma_max(np.diag([np.nan, 1.0])))


def test_spectral_radius_is_nan_where_the_eigenvalue_routine_fails(monkeypatch):
    W = np.diag([0.5, -3.0, 2.0])
    assert rc.spectral_radius(W) == pytest.approx(3.0, rel=1e-15)
    monkeypatch.setattr(np.linalg, "eigvals", _fail_on(np.linalg.eigvals, lambda a: True))
    assert np.isnan(rc.spectral_radius(W))


def test_warm_sigma_max_answers_by_the_svd_where_the_eigenvalue_routine_fails(monkeypatch):
    """Equal singular values defeat power iteration's first bound, so the eigenvalue routine is
    reached; made to fail, the SVD answers; made to fail too, the answer is nan, not an error."""
    M = _orthogonal(6, 7) * np.array([2.0, 2.0, 2.0, 1.99, 0.3, 0.1])
    u = np.full(6, 6**-0.5)
    expected, _ = warm_sigma_max(M, u)
    assert expected == pytest.approx(2.0, rel=1e-9)
    monkeypatch.setattr(np.linalg, "eigvalsh", _fail_on(np.linalg.eigvalsh, lambda a: True))
    monkeypatch.setattr(np.linalg, "cholesky", _fail_on(np.linalg.cholesky, lambda a: True))
    assert warm_sigma_max(M, u)[0] == pytest.approx(2.0, rel=1e-9)
    monkeypatch.setattr(np.linalg, "svd", _fail_on(np.linalg.svd, lambda a: True))
    assert np.isnan(warm_sigma_max(M, u)[0])


def test_a_path_chain_and_a_jacobian_profile_survive_a_routine_that_does_not_converge(monkeypatch):
    """On a trained network near divergence, the chain of Jacobians and the ledger's profile give the
    same numbers when the batched eigenvalue routine fails (each matrix is then done alone)."""
    params, xs, targets, h0 = random_problem(12, 1, 3, 6, 3, loss="softmax_ce", seed=5, w_scale=1.6)
    trace = rc.forward(params, xs, targets, activation="tanh", h0=h0)
    chain = rc.path_chain(params, trace, 12, 2)
    profile = rc.jacobian_log_norms(params, trace)
    monkeypatch.setattr(np.linalg, "eigvalsh", _fail_on(np.linalg.eigvalsh, lambda a: a.ndim == 3))
    again = rc.path_chain(params, trace, 12, 2)
    np.testing.assert_allclose(again.factor_norms, chain.factor_norms, rtol=1e-12)
    np.testing.assert_allclose(rc.jacobian_log_norms(params, trace), profile, rtol=1e-12)
