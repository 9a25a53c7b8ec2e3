"""Toy tasks: shapes, determinism, where the information sits, and the constant-predictor baseline.

The baseline is checked against a brute-force minimisation and against forward() of a network
whose output is that constant.
"""

import numpy as np
import pytest

import rnn_core as rc


def constant_network(task: rc.Task, c) -> rc.RNNParams:
    """A network whose output o⁽ᵗ⁾ = c at every step (V = 0), for the task's sizes."""
    H = 3
    return rc.RNNParams(
        U=np.zeros((H, task.n_in)),
        W=np.zeros((H, H)),
        V=np.zeros((task.n_out, H)),
        b=np.zeros(H),
        c=np.asarray(c, dtype=float),
    )


# --- adding problem ---------------------------------------------------------------------------


@pytest.mark.parametrize("T", [2, 3, 7, 20])
def test_adding_shapes_and_dtypes(T):
    task = rc.adding_problem(T, 5, seed=1)
    assert task.xs.shape == (T, 5, 2) and task.xs.dtype == np.float64
    assert task.targets.shape == (T, 5, 1) and task.targets.dtype == np.float64
    assert task.mask.shape == (T,)
    assert (task.T, task.batch_size, task.n_in, task.n_out) == (T, 5, 2, 1)
    assert task.loss == "mse" and task.name == "adding_problem"
    assert np.array_equal(task.mask, np.r_[np.zeros(T - 1), 1.0])


@pytest.mark.parametrize("T", [2, 7, 20])
def test_adding_markers_and_target_per_sequence(T):
    task = rc.adding_problem(T, 400, seed=3)
    half = T // 2
    values, markers = task.xs[..., 0], task.xs[..., 1]
    assert values.min() >= 0.0 and values.max() <= 1.0
    assert set(np.unique(markers)) <= {0.0, 1.0}
    firsts, seconds = [], []
    for b in range(task.batch_size):  # a plain loop over sequences, against the vectorised generator
        steps = [t + 1 for t in range(T) if markers[t, b] == 1.0]  # 1-based
        assert len(steps) == 2
        p, q = steps
        assert 1 <= p <= half < q <= T
        firsts.append(p)
        seconds.append(q)
        expected = values[p - 1, b] + values[q - 1, b]
        assert np.all(task.targets[:, b, 0] == expected)  # the answer repeated at every step
    # both halves are covered from end to end by a large batch
    assert (min(firsts), max(firsts)) == (1, half)
    assert (min(seconds), max(seconds)) == (half + 1, T)
    # the dependency length is the shortest distance from a first marker to step T
    assert task.dependency_length == T - max(firsts)


def test_adding_baseline_brute_force_and_through_forward():
    task = rc.adding_problem(10, 64, seed=4)
    y = task.targets[-1, :, 0]
    grid = np.linspace(0.0, 2.0, 20001)  # step 1e-4
    grid_losses = 0.5 * ((y[None, :] - grid[:, None]) ** 2).sum(axis=1)
    # the closed form is a minimum: no grid point is lower, and the best grid point is close
    assert task.baseline_loss <= grid_losses.min() + 1e-12
    assert grid_losses.min() - task.baseline_loss <= 0.5 * 64 * (0.5e-4) ** 2 + 1e-12
    # a network that outputs the mean target everywhere has exactly that loss under the mask
    trace = rc.forward(constant_network(task, [y.mean()]), task.xs, task.targets, loss="mse", mask=task.mask)
    assert trace.loss == pytest.approx(task.baseline_loss, rel=1e-12)


def test_adding_determinism_and_seeds():
    a = rc.adding_problem(12, 8, seed=5)
    b = rc.adding_problem(12, 8, seed=5)
    c = rc.adding_problem(12, 8, seed=6)
    d = rc.adding_problem(12, 8, seed=np.random.default_rng(5))
    for field in ("xs", "targets", "mask"):
        assert np.array_equal(getattr(a, field), getattr(b, field))
        assert np.array_equal(getattr(a, field), getattr(d, field))
    assert a.baseline_loss == b.baseline_loss
    assert not np.array_equal(a.xs, c.xs)


def test_a_generator_is_advanced_and_global_state_untouched():
    rng = np.random.default_rng(0)
    first = rc.adding_problem(6, 4, seed=rng)
    second = rc.adding_problem(6, 4, seed=rng)
    assert not np.array_equal(first.xs, second.xs)
    # the legacy global generator is exactly what must stay untouched
    np.random.seed(123)  # noqa: NPY002
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    one = rc.remember_first(6, 4, seed=9)
    assert np.array_equal(np.random.get_state()[1], before)  # noqa: NPY002
    np.random.seed(999)  # noqa: NPY002 (a different global seed changes nothing)
    two = rc.remember_first(6, 4, seed=9)
    assert np.array_equal(one.xs, two.xs)


def test_task_arrays_are_read_only():
    task = rc.adding_problem(4, 2, seed=0)
    with pytest.raises(ValueError):
        task.xs[0, 0, 0] = 5.0


# --- remember the first symbol ----------------------------------------------------------------


@pytest.mark.parametrize("T, K", [(1, 2), (3, 4), (15, 6)])
def test_remember_first_shapes_and_symbol(T, K):
    task = rc.remember_first(T, 50, n_symbols=K, seed=2)
    assert task.xs.shape == (T, 50, K) and task.xs.dtype == np.float64
    assert task.targets.shape == (T, 50) and task.targets.dtype.kind == "i"
    assert (task.n_in, task.n_out, task.loss) == (K, K, "softmax_ce")
    assert np.array_equal(task.mask, np.r_[np.zeros(T - 1), 1.0])
    assert task.dependency_length == T - 1
    for b in range(50):
        for t in range(T):  # every step is one-hot
            row = task.xs[t, b]
            assert sorted(row.tolist()) == [0.0] * (K - 1) + [1.0]
        first = int(np.flatnonzero(task.xs[0, b])[0])
        assert np.all(task.targets[:, b] == first)


def test_remember_first_distractors_vary_or_are_zero():
    task = rc.remember_first(10, 40, n_symbols=3, seed=1)
    later = task.xs[1:].argmax(axis=-1)  # (T−1, B)
    first = task.xs[0].argmax(axis=-1)
    assert (later != first[None, :]).any()  # the distractors are not a copy of the first symbol
    assert set(np.unique(later)) == {0, 1, 2}
    plain = rc.remember_first(10, 40, n_symbols=3, distractors=False, seed=1)
    assert np.array_equal(plain.xs[0], task.xs[0])
    assert not plain.xs[1:].any()


def test_remember_first_baseline_brute_force_and_through_forward():
    task = rc.remember_first(5, 30, n_symbols=2, seed=7)
    y = task.targets[-1]
    # K = 2: the constant logits (0, z) give L(z) = Σ_b −log softmax((0, z))[y_b]; minimise over a grid
    zs = np.linspace(-5, 5, 20001)
    n1 = int((y == 1).sum())
    n0 = len(y) - n1
    log_norm = np.logaddexp(0.0, zs)
    grid_losses = n0 * log_norm + n1 * (log_norm - zs)
    assert task.baseline_loss <= grid_losses.min() + 1e-9
    assert grid_losses.min() - task.baseline_loss < 1e-6
    # the empirical frequencies as constant logits, through forward with the mask
    p = np.bincount(y, minlength=2) / len(y)
    trace = rc.forward(constant_network(task, np.log(p)), task.xs, task.targets, mask=task.mask)
    assert trace.loss == pytest.approx(task.baseline_loss, rel=1e-12)


def test_remember_first_baseline_is_a_minimum_for_many_classes():
    task = rc.remember_first(4, 200, n_symbols=5, seed=8)
    p = np.bincount(task.targets[-1], minlength=5) / 200
    assert (p > 0).all()
    best = np.log(p)
    rng = np.random.default_rng(0)
    for _ in range(50):  # no nearby constant does better
        c = best + 0.05 * rng.standard_normal(5)
        trace = rc.forward(constant_network(task, c), task.xs, task.targets, mask=task.mask)
        assert trace.loss >= task.baseline_loss - 1e-9


def test_baseline_zero_when_the_batch_is_constant():
    assert rc.remember_first(4, 1, seed=0).baseline_loss == 0.0  # one class seen: p = 1, log 1 = 0
    assert rc.adding_problem(4, 1, seed=0).baseline_loss == 0.0


def test_constant_baseline_weights_the_mask():
    rng = np.random.default_rng(0)
    y = rng.uniform(size=(3, 4, 2))
    mask = np.array([0.0, 2.0, 1.0])
    # plain loop: the weighted mean minimises Σ_t m_t Σ_b ½‖y − c‖², and its loss
    c = sum(mask[t] * y[t, b] for t in range(3) for b in range(4)) / (4 * mask.sum())
    expected = sum(0.5 * mask[t] * ((y[t, b] - c) ** 2).sum() for t in range(3) for b in range(4))
    assert rc.constant_baseline(y, mask, "mse", 2) == pytest.approx(expected, rel=1e-12)


# --- registry and errors ----------------------------------------------------------------------


def test_registry_names_generators_and_descriptions():
    assert set(rc.TASKS) == {"adding_problem", "remember_first"}
    direct = {"adding_problem": rc.adding_problem, "remember_first": rc.remember_first}
    for name, spec in rc.TASKS.items():
        assert spec.name == name
        assert spec.description and "\n" not in spec.description
        via_registry = spec(9, 3, seed=4)
        assert via_registry.name == name
        assert np.array_equal(via_registry.xs, direct[name](9, 3, seed=4).xs)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: rc.adding_problem(1, 4), r"T must be an integer ≥ 2; received 1"),
        (lambda: rc.adding_problem(2.5, 4), r"T must be an integer"),
        (lambda: rc.adding_problem(10, 0), r"batch_size must be an integer ≥ 1; received 0"),
        (lambda: rc.adding_problem(10, 4, seed=-1), r"seed must be an integer ≥ 0 or a numpy Generator"),
        (lambda: rc.adding_problem(10, 4, seed="x"), r"seed .* received 'x'"),
        (lambda: rc.remember_first(0, 4), r"T must be an integer ≥ 1; received 0"),
        (lambda: rc.remember_first(True, 4), r"T must be an integer"),
        (lambda: rc.remember_first(5, 4, n_symbols=1), r"n_symbols must be an integer ≥ 2; received 1"),
        (lambda: rc.remember_first(5, 4, distractors="yes"), r"distractors must be True or False"),
    ],
)
def test_bad_arguments_raise(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --- the half-information reference and the lags ----------------------------------------------


def test_half_information_loss_is_one_half_of_the_variance_of_the_first_value():
    # a midpoint rule over the values' interval: ½ ∫₀¹ (u − ½)² du
    a, b = rc.ADDING_VALUE_RANGE
    u = a + (b - a) * (np.arange(100_000) + 0.5) / 100_000
    assert rc.half_information_loss() == pytest.approx(0.5 * np.mean((u - u.mean()) ** 2), rel=1e-8)
    assert rc.half_information_loss() == pytest.approx(1 / 24, rel=1e-15)
    assert rc.TASKS["adding_problem"].reference_loss == rc.half_information_loss()
    assert rc.TASKS["remember_first"].reference_loss is None


def test_no_function_of_the_second_value_beats_the_half_information_loss():
    # Monte Carlo on the task's own batches: the best predictor from x_q (a polynomial fitted by least
    # squares, which contains the optimum x_q + ½) loses ½ Var(x_p); the constant loses twice that
    task = rc.adding_problem(40, 200_000, seed=11)
    values, markers = task.xs[..., 0], task.xs[..., 1]
    half = task.T // 2
    second = (values[half:] * markers[half:]).sum(axis=0)  # the marked value of the second half
    y = task.targets[-1, :, 0]
    features = np.stack([second**k for k in range(4)], axis=1)
    fit, *_ = np.linalg.lstsq(features, y, rcond=None)
    loss = 0.5 * np.mean((y - features @ fit) ** 2)
    error = 4 * 0.5 * np.std((y - features @ fit) ** 2) / np.sqrt(y.size)  # four standard errors
    assert abs(loss - rc.half_information_loss()) < error
    assert task.baseline_loss / task.batch_size == pytest.approx(2 * rc.half_information_loss(), rel=0.02)


@pytest.mark.parametrize("T", [2, 3, 8, 25, 60])
def test_the_lags_are_where_the_information_sits(T):
    task = rc.adding_problem(T, 5000, seed=2)
    first_step = np.argmax(task.xs[:, :, 1], axis=0) + 1  # 1-based step of the first marker
    lags = T - first_step
    assert rc.dependency_lags("adding_problem", T) == (lags.min(), lags.max())
    assert rc.dependency_lags("adding_problem", T)[0] == task.dependency_length
    remember = rc.remember_first(T, 50, seed=2)
    np.testing.assert_array_equal(remember.targets[-1], remember.xs[0].argmax(axis=1))  # from step 1
    assert rc.dependency_lags("remember_first", T) == (T - 1, T - 1) == (remember.dependency_length,) * 2


def test_lags_of_an_unknown_task_or_too_short_T_are_refused():
    with pytest.raises(ValueError, match="received 'sorting'"):
        rc.dependency_lags("sorting", 10)
    with pytest.raises(ValueError, match="received 1"):
        rc.dependency_lags("adding_problem", 1)
