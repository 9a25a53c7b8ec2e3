"""Training: learning on easy settings, the update against a manual SGD loop (truncation, clipping),
the long-range part of ∂L/∂W against distance_terms, determinism, and clean stops when exploding;
every optimizer with every cell, against a manual loop, with clipping before the moment update."""

import math
import warnings

import numpy as np
import pytest

import rnn_core as rc

FIELDS = ("U", "W", "V", "b", "c")


def scaled(g, factor):
    return rc.RNNParams(**{k: getattr(g, k) * factor for k in FIELDS})


def plain_norm(g) -> float:
    return math.sqrt(math.fsum(float(x) ** 2 for k in FIELDS for x in getattr(g, k).ravel()))


def assert_params_close(p, q, rtol=1e-12):
    for k in FIELDS:
        np.testing.assert_allclose(getattr(p, k), getattr(q, k), rtol=rtol, atol=1e-14)


def manual_run(
    params, task, *, T, B, lr, steps, seed, clip=None, threshold=1.0, truncate=None, activation="tanh"
):
    """SGD written out step by step: forward, BPTT, divide by B, clip, update."""
    losses, norms, flags = [], [], []
    for step in range(steps):
        batch = rc.batch_at(task, step, T=T, batch_size=B, seed=seed)
        trace = rc.forward(
            params, batch.xs, batch.targets, activation=activation, loss=batch.loss, mask=batch.mask
        )
        g = scaled(rc.bptt(params, trace, truncate=truncate), 1.0 / B)
        norm = plain_norm(g)
        losses.append(trace.loss / B)
        norms.append(norm)
        if clip == "norm":
            flags.append(norm > threshold)
            g = scaled(g, threshold / norm) if norm > threshold else g
        elif clip == "elementwise":
            flags.append(any(abs(x) > threshold for k in FIELDS for x in getattr(g, k).ravel()))
            g = rc.RNNParams(
                **{k: np.minimum(np.maximum(getattr(g, k), -threshold), threshold) for k in FIELDS}
            )
        else:
            flags.append(False)
        params = params.sgd_step(g, lr)
    return params, np.array(losses), np.array(norms), np.array(flags)


# --- learning --------------------------------------------------------------------------------


def test_remember_first_short_sequences_is_learned():
    params = rc.RNNParams.init(4, 8, 4, seed=0)
    result = rc.train(params, "remember_first", T=3, lr=0.3, steps=150, batch_size=16, seed=1)
    loss, baseline = result.history["loss"], result.history["baseline"]
    assert result.stop_reason is None and result.steps_run == 150
    assert loss[-20:].mean() < 0.5 * loss[:20].mean()
    assert loss[-20:].mean() < 0.5 * baseline[-20:].mean()
    assert result.baseline_loss == pytest.approx(baseline.mean(), rel=1e-12)


def test_adding_problem_short_sequences_beats_the_baseline():
    params = rc.RNNParams.init(2, 16, 1, seed=0)
    result = rc.train(params, "adding_problem", T=5, lr=0.1, steps=300, batch_size=16, seed=0)
    loss, baseline = result.history["loss"], result.history["baseline"]
    assert loss[-20:].mean() < 0.5 * loss[:20].mean()
    assert loss[-20:].mean() < 0.5 * baseline[-20:].mean()


# --- the update is the one described ---------------------------------------------------------


def test_full_bptt_run_equals_a_manual_sgd_loop():
    params = rc.RNNParams.init(2, 6, 1, seed=3)
    kw = dict(T=7, lr=0.2, steps=5, seed=4)
    result = rc.train(params, "adding_problem", batch_size=3, **kw)
    manual, losses, norms, _ = manual_run(params, "adding_problem", B=3, **kw)
    assert_params_close(result.params, manual)
    np.testing.assert_allclose(result.history["loss"], losses, rtol=1e-12)
    np.testing.assert_allclose(result.history["grad_norm"], norms, rtol=1e-12)
    assert np.array_equal(result.history["step"], np.arange(5))


def test_truncation_is_the_gradient_used():
    params = rc.RNNParams.init(3, 5, 3, seed=1)
    kw = dict(T=9, lr=0.5, steps=1, seed=2)
    result = rc.train(params, "remember_first", batch_size=4, truncate=3, task_options={"n_symbols": 3}, **kw)
    batch = rc.batch_at("remember_first", 0, T=9, batch_size=4, seed=2, task_options={"n_symbols": 3})
    trace = rc.forward(params, batch.xs, batch.targets, loss=batch.loss, mask=batch.mask)
    truncated = scaled(rc.bptt(params, trace, truncate=3), 1 / 4)
    full = scaled(rc.bptt(params, trace), 1 / 4)
    assert_params_close(result.params, params.sgd_step(truncated, 0.5))
    assert result.history["grad_norm"][0] == pytest.approx(plain_norm(truncated), rel=1e-12)
    # and truncation mattered here: the full-gradient update is a different point
    assert np.abs(params.sgd_step(full, 0.5).W - result.params.W).max() > 1e-6
    # the long-range diagnostics still describe the full gradient
    assert result.history["long_range_norm"][0] > 0


def test_truncate_at_least_T_is_full_bptt():
    params = rc.RNNParams.init(2, 4, 1, seed=0)
    a = rc.train(params, "adding_problem", T=6, steps=3, batch_size=2, truncate=6)
    b = rc.train(params, "adding_problem", T=6, steps=3, batch_size=2)
    assert_params_close(a.params, b.params, rtol=0)


@pytest.mark.parametrize("clip", ["norm", "elementwise"])
def test_clipping_events_match_a_manual_computation(clip):
    params = rc.RNNParams.init(2, 6, 1, w_scale=1.3, seed=5)
    kw = dict(T=12, lr=0.05, steps=12, seed=6)
    threshold = 1.0  # with these settings some steps are clipped and some not (asserted below)
    result = rc.train(params, "adding_problem", batch_size=4, clip=clip, threshold=threshold, **kw)
    manual, _, norms, flags = manual_run(params, "adding_problem", B=4, clip=clip, threshold=threshold, **kw)
    h = result.history
    np.testing.assert_allclose(h["grad_norm"], norms, rtol=1e-12)
    assert_params_close(result.params, manual, rtol=1e-10)
    assert 0 < flags.sum() < len(flags)
    assert np.array_equal(h["clipped"], flags)
    if clip == "norm":
        np.testing.assert_allclose(h["grad_norm_clipped"], np.minimum(norms, threshold), rtol=1e-12)
    else:
        assert np.all(h["grad_norm_clipped"] <= h["grad_norm"] * (1 + 1e-12))
        assert np.all(h["grad_norm_clipped"][~flags] == h["grad_norm"][~flags])


def test_fixed_task_is_gradient_descent_on_one_batch():
    params = rc.RNNParams.init(4, 5, 4, seed=2)
    batch = rc.remember_first(4, 6, seed=3)
    result = rc.train(params, batch, lr=0.3, steps=4)
    p = params
    for _ in range(4):
        trace = rc.forward(p, batch.xs, batch.targets, loss="softmax_ce", mask=batch.mask)
        p = p.sgd_step(scaled(rc.bptt(p, trace), 1 / 6), 0.3)
    assert_params_close(result.params, p)
    assert np.all(result.history["baseline"] == batch.baseline_loss / 6)


# --- the recorded diagnostics ----------------------------------------------------------------


def test_long_range_part_equals_distance_terms_and_truncation_difference():
    params = rc.RNNParams.init(2, 5, 1, w_scale=1.1, seed=7)
    for T in (1, 2, 7, 10):
        batch = rc.adding_problem(max(T, 2), 3, seed=T)
        xs, targets = batch.xs[:T], batch.targets[:T]
        mask = np.linspace(0.5, 1.0, T)  # several losses, so many (s, k) pairs carry weight
        trace = rc.forward(params, xs, targets, loss="mse", mask=mask)
        G = rc.distance_terms(params, trace, wrt="W")  # (T, H, H), G[d] = Σ_{s−k=d} terms
        long_sum = G[T // 2 :].sum(axis=0)
        full = rc.bptt(params, trace).W
        short = rc.bptt(params, trace, truncate=T // 2).W if T // 2 > 0 else 0.0
        np.testing.assert_allclose(full - short, long_sum, rtol=1e-10, atol=1e-14)
        # h⁽⁰⁾ = 0 makes every term through k = 1 vanish: for T ≤ 2 that is all of d ≥ ⌊T/2⌋
        assert (np.abs(long_sum).max() > 0) == (T >= 3)


def test_recorded_diagnostics_match_a_direct_computation():
    params = rc.RNNParams.init(4, 6, 4, w_scale=1.2, seed=8)
    T, B = 10, 5
    result = rc.train(params, "remember_first", T=T, batch_size=B, steps=3, lr=0.2, seed=9)
    p = params
    for step in range(3):
        batch = rc.batch_at("remember_first", step, T=T, batch_size=B, seed=9)
        trace = rc.forward(p, batch.xs, batch.targets, mask=batch.mask)
        G = rc.distance_terms(p, trace, wrt="W") / B
        long_norm = np.linalg.norm(G[T // 2 :].sum(axis=0))
        full_W = np.linalg.norm(G.sum(axis=0))
        h = {k: v[step] for k, v in result.history.items()}
        assert h["long_range_norm"] == pytest.approx(long_norm, rel=1e-9)
        assert h["long_range_share"] == pytest.approx(long_norm / full_W, rel=1e-9)
        assert h["sigma_max"] == pytest.approx(np.linalg.svd(p.W, compute_uv=False)[0], rel=1e-12)
        assert h["baseline"] == pytest.approx(batch.baseline_loss / B, rel=1e-12)
        p = p.sgd_step(scaled(rc.bptt(p, trace), 1 / B), 0.2)


def test_callback_sees_each_record_and_can_stop():
    seen = []

    def callback(step, record):
        seen.append((step, record))
        return step < 4  # False at step 4

    params = rc.RNNParams.init(2, 4, 1, seed=0)
    result = rc.train(params, "adding_problem", T=5, steps=20, batch_size=2, callback=callback)
    assert result.stop_reason == "callback" and result.stop_step == 4 and result.steps_run == 5
    assert not result.diverged
    assert [s for s, _ in seen] == [0, 1, 2, 3, 4]
    for step, record in seen:
        for key, values in result.history.items():
            assert record[key] == values[step]
    # the update of the stopping step was applied: five steps, as a run of five
    assert_params_close(
        result.params, rc.train(params, "adding_problem", T=5, steps=5, batch_size=2).params, 0
    )


# --- reproducibility -------------------------------------------------------------------------


def test_runs_are_reproducible_by_seed():
    params = rc.RNNParams.init(2, 5, 1, seed=0)
    kw = dict(T=8, steps=6, batch_size=4, clip="norm", threshold=0.5, truncate=4)
    a = rc.train(params, "adding_problem", seed=11, **kw)
    b = rc.train(params, "adding_problem", seed=11, **kw)
    c = rc.train(params, "adding_problem", seed=12, **kw)
    for key in a.history:
        assert np.array_equal(a.history[key], b.history[key])
    assert_params_close(a.params, b.params, rtol=0)
    assert not np.array_equal(a.history["loss"], c.history["loss"])
    # each step's batch depends on (seed, step) only, not on how many steps run
    short = rc.train(params, "adding_problem", seed=11, **{**kw, "steps": 3})
    assert np.array_equal(short.history["loss"], a.history["loss"][:3])


# --- exploding runs --------------------------------------------------------------------------


def test_exploding_run_stops_cleanly_at_the_recorded_step():
    params = rc.RNNParams.init(2, 8, 1, w_scale=1.0, seed=0)
    kw = dict(T=50, activation="linear", lr=1.0, batch_size=8, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy warning may leak
        result = rc.train(params, "adding_problem", steps=50, **kw)
    h = result.history
    assert result.diverged and result.stop_reason == "non-finite loss"
    stop = result.stop_step
    assert 0 < stop == result.steps_run - 1
    assert np.isfinite(h["loss"][:stop]).all() and not np.isfinite(h["loss"][stop])
    assert np.isnan(h["grad_norm"][stop])
    assert result.params.is_finite()
    # the same run cut just before the failing step ends at the same parameters, and they do fail there
    before = rc.train(params, "adding_problem", steps=stop, **kw)
    assert before.stop_reason is None
    assert_params_close(before.params, result.params, rtol=0)
    batch = rc.batch_at("adding_problem", stop, T=50, batch_size=8, seed=0)
    trace = rc.forward(
        before.params, batch.xs, batch.targets, activation="linear", loss="mse", mask=batch.mask
    )
    assert not np.isfinite(trace.loss)


def test_non_finite_gradient_with_finite_loss_stops():
    # h stays exactly 0 (zero inputs, b = 0), so f′ = tanh′(0) = 1 and δ = (Wᵀ)^(T−k) Vᵀ(o − y)
    # grows like 10^(T−k) until it overflows, while the loss ½(c − y)² stays finite.
    T, B, H = 400, 2, 3
    xs = np.zeros((T, B, 1))
    targets = np.ones((T, B, 1))
    mask = np.r_[np.zeros(T - 1), 1.0]
    task = rc.Task(
        "zeros", xs, targets, mask, "mse", 1, 1, T - 1, rc.constant_baseline(targets, mask, "mse", 1)
    )
    params = rc.RNNParams.init(1, H, 1, w_init="identity", w_scale=10.0, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = rc.train(params, task, lr=0.1, steps=5)
    assert result.stop_reason == "non-finite gradient" and result.stop_step == 0
    assert np.isfinite(result.history["loss"][0])
    assert not np.isfinite(result.history["grad_norm"][0])
    assert result.params is params


def test_overflowing_update_stops_with_the_last_finite_params():
    params = rc.RNNParams.init(2, 4, 1, seed=0)
    lr = np.finfo(float).max
    batch = rc.batch_at("adding_problem", 0, T=5, batch_size=4, seed=0)
    trace = rc.forward(params, batch.xs, batch.targets, loss="mse", mask=batch.mask)
    g = rc.bptt(params, trace)
    assert max(np.abs(getattr(g, k)).max() for k in FIELDS) / 4 > 1.0  # so lr · g overflows
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = rc.train(params, "adding_problem", T=5, batch_size=4, lr=lr, steps=3)
    assert result.stop_reason == "non-finite parameters" and result.stop_step == 0
    assert np.isfinite(result.history["grad_norm"][0])
    assert result.params is params


# --- arguments -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(task="copy", T=5), r"task must be one of .* received 'copy'"),
        (dict(task=3, T=5), r"task must be a name in .* received int"),
        (dict(task="adding_problem"), r"T must be given"),
        (dict(task="adding_problem", T=5, clip="value"), r"clip must be one of .* received 'value'"),
        (dict(task="adding_problem", T=5, clip="norm", threshold=0), r"threshold must be .* received 0"),
        (dict(task="adding_problem", T=5, truncate=0), r"truncate must be an integer ≥ 1; received 0"),
        (dict(task="adding_problem", T=5, lr=-1.0), r"lr must be a finite number ≥ 0; received -1.0"),
        (dict(task="adding_problem", T=5, lr=np.nan), r"lr must be a finite number"),
        (dict(task="adding_problem", T=5, steps=-1), r"steps must be an integer ≥ 0; received -1"),
        (dict(task="adding_problem", T=5, activation="elu"), r"activation must be one of"),
        (
            dict(task="adding_problem", T=5, optimizer="rmsprop"),
            r"optimizer must be one of .* received 'rmsprop'",
        ),
        (dict(task="adding_problem", T=5, optimizer=None), r"optimizer must be one of .* received None"),
        (dict(task="adding_problem", T=5, callback=3), r"callback must be callable"),
        (dict(task="adding_problem", T=5, task_options=[1]), r"task_options must be a mapping"),
        (dict(task="remember_first", T=5), r"params must have \(n_in, n_out\) = \(4, 4\)"),
        (dict(task=rc.adding_problem(4, 2), T=5), r"T must be None or 4"),
        (dict(task=rc.adding_problem(4, 2), batch_size=3), r"batch_size must be None or 2"),
    ],
)
def test_bad_arguments_raise(kwargs, match):
    params = rc.RNNParams.init(2, 3, 1, seed=0)
    task = kwargs.pop("task")
    with pytest.raises(ValueError, match=match):
        rc.train(params, task, **kwargs)


def test_zero_steps_returns_the_params_and_an_empty_history():
    params = rc.RNNParams.init(2, 3, 1, seed=0)
    result = rc.train(params, "adding_problem", T=4, steps=0)
    assert result.params is params and result.steps_run == 0
    assert set(result.history) == set(rc.HISTORY_KEYS)


# --- optimizers and gated cells ----------------------------------------------------------------

CELLS = {
    "rnn": lambda D, H, K, seed: rc.RNNParams.init(D, H, K, seed=seed),
    "lstm": lambda D, H, K, seed: rc.LSTMParams.init(D, H, K, seed=seed),
    "gru": lambda D, H, K, seed: rc.GRUParams.init(D, H, K, seed=seed),
}
LR = {"sgd": 0.3, "momentum": 0.1, "adam": 0.03}


def per_sequence(g, B):
    return type(g)(**{k: v / B for k, v in g.arrays().items()})


def manual_optimizer_run(params, optimizer, *, task, T, B, steps, seed, clip_threshold=None, truncate=None):
    """The training loop written out: forward, BPTT, divide by B, clip by norm, optimizer update."""
    state = optimizer.init(params)
    for step in range(steps):
        batch = rc.batch_at(task, step, T=T, batch_size=B, seed=seed)
        trace = rc.forward(state.params, batch.xs, batch.targets, loss=batch.loss, mask=batch.mask)
        g = per_sequence(rc.bptt(state.params, trace, truncate=truncate), B)
        if clip_threshold is not None:
            norm = math.sqrt(math.fsum(float(x) ** 2 for v in g.arrays().values() for x in v.ravel()))
            if norm > clip_threshold:
                g = type(g)(**{k: v * (clip_threshold / norm) for k, v in g.arrays().items()})
        _, state = optimizer.update(state, g, step)
    return state.params


def assert_same_params(p, q, rtol=1e-12):
    assert type(p) is type(q)
    for k, v in p.arrays().items():
        np.testing.assert_allclose(v, q.arrays()[k], rtol=rtol, atol=1e-14)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("optimizer", rc.OPTIMIZERS)
def test_every_optimizer_and_cell_learns_a_short_adding_problem(cell, optimizer):
    params = CELLS[cell](2, 8, 1, 0)
    kw = dict(T=4, batch_size=16, steps=200, optimizer=optimizer, lr=LR[optimizer], seed=0)
    result = rc.train(params, "adding_problem", **kw)
    loss, baseline = result.history["loss"], result.history["baseline"]
    assert result.stop_reason is None and type(result.params) is type(params)
    assert loss[-20:].mean() < 0.6 * loss[:20].mean()
    assert loss[-20:].mean() < baseline[-20:].mean()
    again = rc.train(params, "adding_problem", **kw)
    assert np.array_equal(again.history["loss"], loss)
    assert_same_params(again.params, result.params, rtol=0)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_optimizer_run_equals_a_manual_loop(cell, optimizer):
    params = CELLS[cell](2, 5, 1, 3)
    make = {"momentum": rc.momentum, "adam": rc.adam}[optimizer]
    result = rc.train(
        params, "adding_problem", T=7, batch_size=3, steps=5, optimizer=optimizer, lr=0.05, seed=4
    )
    manual = manual_optimizer_run(params, make(0.05), task="adding_problem", T=7, B=3, steps=5, seed=4)
    assert_same_params(result.params, manual)


def test_default_optimizer_is_sgd():
    params = rc.LSTMParams.init(2, 4, 1, seed=0)
    a = rc.train(params, "adding_problem", T=6, steps=3, batch_size=2)
    b = rc.train(params, "adding_problem", T=6, steps=3, batch_size=2, optimizer="sgd")
    manual = manual_optimizer_run(params, rc.sgd(0.1), task="adding_problem", T=6, B=2, steps=3, seed=0)
    assert_same_params(a.params, b.params, rtol=0)
    assert_same_params(a.params, manual)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_adam_clips_the_gradient_before_the_moment_update(cell):
    # Order: g ← clip(g), then m, v ← moments of the clipped g, then the step. Adam is nearly
    # invariant to one constant scale of g, so a threshold that bites with a different factor at
    # each step is what separates the orders.
    params = CELLS[cell](2, 5, 1, 1)
    kw = dict(task="adding_problem", T=8, B=4, steps=4, seed=2)
    threshold = 0.05
    result = rc.train(
        params,
        kw["task"],
        T=8,
        batch_size=4,
        steps=4,
        seed=2,
        optimizer="adam",
        lr=0.05,
        clip="norm",
        threshold=threshold,
    )
    h = result.history
    assert h["clipped"].all() and np.ptp(h["grad_norm"]) > 0.1 * h["grad_norm"].min()
    np.testing.assert_allclose(h["grad_norm_clipped"], threshold, rtol=1e-12)
    clip_first = manual_optimizer_run(params, rc.adam(0.05), clip_threshold=threshold, **kw)
    assert_same_params(result.params, clip_first, rtol=1e-10)
    unclipped = manual_optimizer_run(params, rc.adam(0.05), **kw)
    assert max(np.abs(result.params.arrays()[k] - v).max() for k, v in unclipped.arrays().items()) > 1e-4
    # clipping Adam's step instead (the moments see the raw g) is yet another point
    state = rc.adam(0.05).init(params)
    for step in range(4):
        batch = rc.batch_at("adding_problem", step, T=8, batch_size=4, seed=2)
        trace = rc.forward(state.params, batch.xs, batch.targets, loss=batch.loss, mask=batch.mask)
        old = state.params
        new, state = rc.adam(0.05).update(state, per_sequence(rc.bptt(old, trace), 4), step)
        delta, _ = rc.clip_by_norm(rc.tree_map(lambda a, b: a - b, new, old), threshold)
        state = type(state)(rc.tree_map(lambda a, d: a + d, old, delta), state.m, state.v)
    assert max(np.abs(result.params.arrays()[k] - v).max() for k, v in state.params.arrays().items()) > 1e-4


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_truncation_is_the_gradient_used_by_a_gated_cell(cell):
    params = CELLS[cell](2, 5, 1, 2)
    result = rc.train(params, "adding_problem", T=9, batch_size=4, steps=2, truncate=3, lr=0.5, seed=3)
    manual = manual_optimizer_run(
        params, rc.sgd(0.5), task="adding_problem", T=9, B=4, steps=2, seed=3, truncate=3
    )
    full = manual_optimizer_run(params, rc.sgd(0.5), task="adding_problem", T=9, B=4, steps=2, seed=3)
    assert_same_params(result.params, manual)
    assert np.abs(full.W - result.params.W).max() > 1e-6


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gated_history_uses_the_candidates_W(cell):
    params = CELLS[cell](2, 5, 1, 4)
    T, B = 10, 3
    result = rc.train(params, "adding_problem", T=T, batch_size=B, steps=2, optimizer="adam", lr=0.05, seed=5)
    p = params
    state = rc.adam(0.05).init(p)
    for step in range(2):
        batch = rc.batch_at("adding_problem", step, T=T, batch_size=B, seed=5)
        trace = rc.forward(p, batch.xs, batch.targets, loss=batch.loss, mask=batch.mask)
        full, short = rc.bptt(p, trace).W / B, rc.bptt(p, trace, truncate=T // 2).W / B
        h = {k: v[step] for k, v in result.history.items()}
        assert h["sigma_max"] == pytest.approx(np.linalg.svd(p.W, compute_uv=False)[0], rel=1e-12)
        assert h["long_range_norm"] == pytest.approx(np.linalg.norm(full - short), rel=1e-9)
        assert h["long_range_share"] == pytest.approx(
            np.linalg.norm(full - short) / np.linalg.norm(full), rel=1e-9
        )
        p, state = rc.adam(0.05).update(state, per_sequence(rc.bptt(p, trace), B), step)


def test_paired_runs_of_two_cells_see_identical_batches():
    seen = {"lstm": [], "gru": []}

    def recording(name):
        def generate(T, batch_size, *, seed):
            batch = rc.adding_problem(T, batch_size, seed=seed)
            seen[name].append(batch)
            return batch

        return generate

    for name in seen:
        rc.train(
            CELLS[name](2, 4, 1, 0),
            recording(name),
            T=6,
            batch_size=3,
            steps=4,
            optimizer="adam",
            lr=0.01,
            seed=7,
        )
    for step, (a, b) in enumerate(zip(seen["lstm"], seen["gru"], strict=True)):
        expected = rc.batch_at("adding_problem", step, T=6, batch_size=3, seed=7)
        for batch in (a, b):
            assert np.array_equal(batch.xs, expected.xs) and np.array_equal(batch.targets, expected.targets)
    assert not np.array_equal(seen["lstm"][0].xs, seen["lstm"][1].xs)


@pytest.mark.parametrize(
    "params, kwargs, match",
    [
        (
            rc.LSTMParams.init(2, 3, 1, seed=0),
            dict(activation="relu"),
            r"activation must be 'tanh' .* received 'relu'",
        ),
        (rc.GRUParams.init(2, 3, 1, seed=0), dict(activation="sigmoid"), r"activation must be 'tanh'"),
        ({"W": np.eye(2)}, {}, r"params must be RNNParams; received dict"),
        (rc.LSTMParams.init(3, 3, 1, seed=0), {}, r"params must have \(n_in, n_out\) = \(2, 1\)"),
    ],
)
def test_bad_cell_arguments_raise(params, kwargs, match):
    with pytest.raises(ValueError, match=match):
        rc.train(params, "adding_problem", T=5, steps=1, **kwargs)
