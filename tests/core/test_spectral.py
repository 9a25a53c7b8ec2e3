"""rc.power_profile against the closed form of a Jordan-like W; σ_max and ρ against numpy's SVD and
eigenvalues."""

import math

import numpy as np
import pytest

import rnn_core as rc


@pytest.mark.parametrize("a, b", [(0.5, 10.0), (0.9, 3.0), (0.3, -50.0)])
def test_power_profile_of_a_jordan_like_W_against_its_closed_form(a, b):
    n_max = 40
    pp = rc.power_profile([[a, b], [0.0, a]], n_max)
    # Wⁿ = [[aⁿ, n b aⁿ⁻¹], [0, aⁿ]]
    exact = [0.0] + [
        math.log10(np.linalg.svd([[a**n, n * b * a ** (n - 1)], [0.0, a**n]], compute_uv=False)[0])
        for n in range(1, n_max + 1)
    ]
    np.testing.assert_allclose(pp.log_norms, exact, atol=1e-10)
    assert pp.rho == pytest.approx(a) and pp.sigma_max == pytest.approx(10 ** exact[1], rel=1e-12)
    assert pp.peak_n == 1 + int(np.argmax(exact[1:])) and pp.peak_log_norm == pytest.approx(max(exact[1:]))
    np.testing.assert_allclose(pp.rho_line, np.arange(n_max + 1) * math.log10(a), atol=1e-12)
    assert (pp.rho_line <= pp.log_norms + 1e-9).all() and (pp.log_norms <= pp.sigma_line + 1e-9).all()
    with pytest.raises(ValueError, match="n_max"):
        rc.power_profile([[a, b], [0.0, a]], 0)


@pytest.mark.parametrize("a, b", [(0.5, 10.0), (2.0, 0.0), (0.0, 1.0)])
def test_sigma_max_and_spectral_radius_of_a_jordan_like_W_are_their_closed_forms(a, b):
    W = np.array([[a, b], [0.0, a]])
    # eigenvalues a, a; singular values from σ² = eigenvalues of WᵀW = [[a², ab], [ab, a² + b²]]
    trace, det = 2 * a * a + b * b, a**4
    assert rc.spectral_radius(W) == pytest.approx(abs(a), abs=1e-12)
    assert rc.sigma_max(W) == pytest.approx(math.sqrt((trace + math.sqrt(trace**2 - 4 * det)) / 2), rel=1e-12)
    summary = rc.spectral_summary(W, "sigmoid")
    assert (summary.sigma_max, summary.rho) == (rc.sigma_max(W), rc.spectral_radius(W))
    assert summary.bound_base == pytest.approx(summary.sigma_max / 4) and summary.sigma_threshold == 4.0


def test_spectral_summary_bound_and_rho_below_sigma_use_their_tolerances():
    at_one = rc.spectral_summary(np.eye(3) * (1 - 1.1e-16), "tanh")
    assert at_one.bound.kind == "cannot_grow" and not at_one.vanishing_guaranteed
    assert rc.spectral_summary(np.eye(3) * 3.0, "sigmoid").vanishing_guaranteed  # 0.75 < 1
    assert not rc.spectral_summary(np.eye(3) * 2.0, "tanh").rho_below_sigma  # normal
    assert rc.spectral_summary([[0.5, 3.0], [0.0, 0.5]], "tanh").rho_below_sigma


@pytest.mark.parametrize(
    "a, b, transient", [(0.9, 1.0, True), (0.5, 10.0, False), (2.0, 0.0, False), (0.9, 0.0, False)]
)
def test_transient_growth_is_a_peak_above_the_first_power(a, b, transient):
    pp = rc.power_profile([[a, b], [0.0, a]], 40)
    first = np.linalg.norm([[a, b], [0.0, a]], 2)
    peak = max(np.linalg.norm(np.linalg.matrix_power([[a, b], [0.0, a]], n), 2) for n in range(1, 41))
    assert pp.transient == transient
    assert pp.growth == pytest.approx(peak / first, rel=1e-9)
    assert transient == (peak > first * (1 + 1e-6) and abs(a) < 1)  # grows, though every |λ| < 1
