"""SigmaMaxes, the σ_max of every step of a Jacobian product, batched (small matrices) or warm-started
(large ones): both ways against the closed form of orthogonal-times-diagonal matrices, against each
other along real products, and its bookkeeping (scales, indices never handed over, chunk edges)."""

import numpy as np
import pytest

import rnn_core as rc
from rnn_core import _numerics
from rnn_core._numerics import SigmaMaxes


def _orthogonal(n: int, seed: int) -> np.ndarray:
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, n)))
    return q


@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("m, n", [(1, 1), (3, 31), (7, 32), (12, 33), (48, 65), (60, 5)])
def test_sigma_max_of_known_spectra_at_every_index_both_ways(m, n, batched):
    rng = np.random.default_rng(m * 100 + n)
    sigmas = SigmaMaxes(m, n + 2, batched=batched)
    want = np.array([-7.0] * (n + 2))  # indices 0 and n+1 are never handed over: they keep −7
    for i in range(1, n + 1):
        s = rng.uniform(0.1, 3.0, m)
        s[: min(3, m)] = s.max()  # a repeated top value, which no power iteration bound settles
        M = _orthogonal(m, i) * s @ _orthogonal(m, i + 1000)
        scale = float(np.abs(M).max())
        log_scale = float(rng.uniform(-300, 300))
        sigmas.add(i, M / scale, log_scale)
        want[i] = log_scale + np.log10(s.max() / scale)
    out = sigmas.write(np.full(n + 2, -7.0))
    np.testing.assert_allclose(out, want, rtol=0, atol=1e-12)


def test_the_size_decides_the_way_unless_told():
    edge = _numerics.BATCHED_SIZE_MAX
    assert SigmaMaxes(edge, 4).batched and not SigmaMaxes(edge + 1, 4).batched
    assert not SigmaMaxes(2, 4, batched=False).batched and SigmaMaxes(edge + 1, 4, batched=True).batched


def test_a_matrix_no_routine_converges_on_gives_nan_there_only(monkeypatch):
    sigmas = SigmaMaxes(4, 3, batched=True)
    sigmas.add(0, np.eye(4), 0.0)
    monkeypatch.setattr(_numerics, "top_eigenvalues", lambda G: np.full(G.shape[0], np.nan))
    sigmas.add(1, np.eye(4), 1.0)
    out = sigmas.write(np.zeros(3))
    assert np.isnan(out[0]) and np.isnan(out[1]) and out[2] == 0.0  # both were in the one chunk


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("H, T, w_scale", [(5, 70, 1.3), (16, 40, 1.0), (24, 3, 0.7)])
def test_the_state_profiles_are_the_same_batched_and_warm(monkeypatch, cell, H, T, w_scale):
    task = rc.TASKS["adding_problem"](T, 1, seed=3)
    params = dict(zip(rc.CELL_NAMES, rc.three_cells(task.n_in, H, task.n_out, seed=3, w_scale=w_scale)))[cell]
    trace = rc.forward(params, task.xs, task.targets, loss=task.loss)
    answers = []
    for edge in (10**6, 0):  # every size batched, then none
        monkeypatch.setattr(_numerics, "BATCHED_SIZE_MAX", edge)
        answers.append(rc.state_jacobian_log_norms(params, trace))
    np.testing.assert_allclose(answers[0], answers[1], rtol=0, atol=1e-11)
