"""The learning verdict against a rule written out here with plain loops, over a grid of synthetic
histories: every kind, values exactly at each level, inf and nan, one step, no baseline, no steps."""

import itertools
import math

import numpy as np
import pytest

import rnn_core as rc

BASE = 1 / 12  # the adding problem's expected baseline per sequence
REF = 1 / 24  # and its half-information reference


def plain_verdict(loss, baseline, reference, stop_reason=None):
    """The rule of rnn_core.learning written independently: (kind, final ratio, first steps below)."""
    n = len(loss)
    if n == 0:
        return "no steps", math.nan, {"baseline": None, "reference": None, "solved": None}
    w = max(1, n // 10)
    ratios, means = [], []
    for end in range(w - 1, n):
        num = den = 0.0
        for i in range(end - w + 1, end + 1):
            num += loss[i]
            den += baseline[i]
        ratios.append(num / den if den > 0 else math.nan)
        means.append(num / w)

    def first(test):
        for i, value in enumerate(test):
            if value:
                return i + w - 1
        return None

    firsts = {
        "baseline": first(r < 0.9 for r in ratios),
        "reference": None if reference is None else first(m < 0.9 * reference for m in means),
        "solved": first(r < 0.1 for r in ratios),
    }
    if stop_reason in rc.DIVERGED or any(not math.isfinite(x) for x in loss):
        return "diverged", math.inf, firsts
    tail_baseline = sum(baseline[n - w :]) / w
    if not tail_baseline > 0:
        return "no baseline", math.nan, firsts
    r = ratios[-1]
    if r >= 0.9:
        return "not learned", r, firsts
    if r < 0.1 and (reference is None or means[-1] < 0.9 * reference):
        return "learned", r, firsts
    return "partly", r, firsts


def histories():
    """(loss, baseline) pairs: constant ratios at and around every level, falling runs, bad values."""
    rng = np.random.default_rng(3)
    for n, r in itertools.product((1, 9, 40, 301), (0.05, 0.099, 0.101, 0.3, 0.5, 0.6, 0.89, 0.91, 1.0, 1.3)):
        yield [r * BASE] * n, [BASE] * n
    for n in (1, 10, 57, 800):  # falling losses on noisy baselines
        baseline = list(BASE * rng.uniform(0.8, 1.2, n))
        loss = list(BASE * np.geomspace(1.2, 1e-3, n) * rng.uniform(0.7, 1.3, n))
        yield loss, baseline
    yield [0.9, 0.9], [1.0, 1.0]  # exactly at the baseline level: not below
    yield [0.1, 0.1], [1.0, 1.0]  # exactly at the solved level
    yield [0.5, 0.9 * REF], [BASE, BASE]  # exactly at the reference level
    yield [0.5, 0.9 * REF * 0.999], [BASE, BASE]  # just below it
    yield [1.0, np.inf], [1.0, 1.0]
    yield [1.0, np.nan, 0.5], [1.0, 1.0, 1.0]
    yield [0.5, 0.2], [0.0, 0.0]  # B = 1: no baseline
    yield [0.01], [1.0]  # one step
    yield [], []


@pytest.mark.parametrize("reference", [None, REF])
def test_the_verdict_follows_the_rule_over_a_grid_of_histories(reference):
    for loss, baseline in histories():
        got = rc.learning_verdict({"loss": np.array(loss, float)}, np.array(baseline, float), reference)
        kind, ratio, firsts = plain_verdict(loss, baseline, reference)
        assert got.kind == kind, (loss[:3], baseline[:3], reference)
        if math.isnan(ratio):
            assert math.isnan(got.final_ratio)
        else:
            assert got.final_ratio == pytest.approx(ratio, rel=1e-12)
        assert dict(got.first_below) == firsts, (loss[:3], reference)
        assert got.steps == len(loss) and got.kind in rc.LEARNING_KINDS


def test_values_exactly_at_a_level_are_not_below_it():
    assert rc.learning_verdict({"loss": [0.9]}, 1.0).kind == "not learned"
    assert rc.learning_verdict({"loss": [0.1]}, 1.0).kind == "partly"
    assert rc.learning_verdict({"loss": [0.0999]}, 1.0).kind == "learned"
    at_reference = rc.learning_verdict({"loss": [rc.REFERENCE_LEVEL * REF]}, 1.0, REF)
    assert at_reference.below_reference is False and at_reference.kind == "partly"


def test_half_information_losses_are_partly_not_learned():
    # a loss at the half-information reference is below the baseline but proves nothing about the
    # first marked value: "partly", however low the ratio to a (smaller) baseline would be
    v = rc.learning_verdict({"loss": [REF] * 50}, BASE, REF)
    assert v.kind == "partly" and v.below_reference is False
    assert v.final_ratio == pytest.approx(0.5) and v.reference_ratio == pytest.approx(0.5)
    # without the reference the same losses would look far better than they are
    assert rc.learning_verdict({"loss": [0.05 * BASE] * 50}, BASE).kind == "learned"
    assert rc.learning_verdict({"loss": [0.05 * BASE] * 50}, BASE, REF).kind == "learned"
    assert rc.learning_verdict({"loss": [0.05 * BASE] * 50}, BASE, 0.01 * BASE).kind == "partly"


def test_a_non_finite_gradient_or_a_diverged_stop_is_diverged():
    loss = [1.0, 0.5, 0.4]
    assert rc.learning_verdict({"loss": loss, "grad_norm": [1.0, np.inf, 2.0]}, 1.0).kind == "diverged"
    assert rc.learning_verdict({"loss": loss}, 1.0, stop_reason="non-finite parameters").kind == "diverged"
    stopped = rc.learning_verdict({"loss": loss}, 1.0, stop_reason="callback")
    assert stopped.kind == "partly" and stopped.final_ratio == pytest.approx(0.4)
    assert rc.learning_verdict({"loss": loss}, 1.0, stop_reason="non-finite loss").final_ratio == math.inf


def test_a_real_run_is_judged_from_its_history():
    params = rc.RNNParams.init(2, 8, 1, seed=0)
    result = rc.train(params, "adding_problem", T=6, steps=30, batch_size=8, seed=0)
    v = rc.learning_verdict(result.history, result.history["baseline"], rc.half_information_loss())
    h = result.history
    tail = slice(30 - 3, 30)
    assert v.window == 3 and v.final_ratio == pytest.approx(h["loss"][tail].sum() / h["baseline"][tail].sum())


@pytest.mark.parametrize(
    "history, baseline, reference",
    [
        ({}, 1.0, None),
        ({"loss": np.ones((2, 2))}, 1.0, None),
        ({"loss": np.ones(3)}, np.ones(4), None),
        ({"loss": np.ones(3)}, 1.0, -1.0),
        ({"loss": np.ones(3)}, 1.0, np.inf),
    ],
)
def test_bad_input_is_refused_with_what_was_received(history, baseline, reference):
    with pytest.raises(ValueError, match="received"):
        rc.learning_verdict(history, baseline, reference)


def test_truncation_keeps_the_long_range_part_only_beyond_half_of_T():
    for T in range(1, 40):
        for tau in [None, *range(1, T + 2)]:
            # written out: some kept distance d < τ reaches d ≥ ⌊T/2⌋, with d ≤ T − 1
            kept = tau is None or any(T // 2 <= d < tau for d in range(T))
            assert rc.truncation_keeps_long_range(T, tau) == kept, (T, tau)


# --- what truncation reaches, and why a run stopped ------------------------------------------------


@pytest.mark.parametrize("task", ["remember_first", "adding_problem"])
def test_truncation_reach_counts_the_lags_the_generator_draws(task):
    from rnn_core.learning import truncation_reach

    for T in (2, 3, 7, 10, 11, 20):
        # the lags read from the batches themselves: where the input the answer needs lies
        batch = rc.TASKS[task](T, 400, seed=T)
        if task == "adding_problem":
            first = batch.xs[:, :, 1].argmax(axis=0)  # 0-based step of the first marker
            lags = sorted({T - 1 - int(p) for p in first})
        else:
            lags = [T - 1]  # the symbol at step 1, the answer at step T
        for tau in range(0, T + 2):
            r = truncation_reach(task, T, tau)
            if tau == 0 or tau >= T:
                assert r.kind == "full" and r.reached == 1.0
                continue
            kept = [d for d in lags if d < tau]  # truncation keeps the paths with s − k < τ
            assert r.reached_lags == len(kept) and r.lags == len(lags), (T, tau)
            assert r.kind == ("none" if not kept else "all" if len(kept) == len(lags) else "some")
            assert r.long_range == (tau > T // 2)


def test_truncated_bptt_drops_the_path_to_the_first_symbol_when_reach_says_none():
    # the verdict against the gradient itself: with τ ≤ T − 1 the U term through x⁽¹⁾ is not in ∂L/∂U
    from rnn_core.learning import truncation_reach

    T, tau = 8, 6
    batch = rc.batch_at("remember_first", 0, T=T, batch_size=1)
    params = rc.RNNParams.init(batch.n_in, 5, batch.n_out, seed=1)
    trace = rc.forward(params, batch.xs, batch.targets, loss="softmax_ce", mask=batch.mask)
    terms = rc.path_terms(params, trace, T, wrt="U")  # term k − 1: through step k
    assert np.abs(terms[0]).max() > 0  # the full gradient has the path through x⁽¹⁾
    kept = sum(terms[k - 1] for k in range(1, T + 1) if T - k < tau)
    np.testing.assert_allclose(rc.bptt(params, trace, truncate=tau).U, kept, atol=1e-14)
    assert truncation_reach("remember_first", T, tau).kind == "none"


def test_norm_clipping_bounds_sigma_max_as_the_stop_verdict_says():
    from rnn_core.learning import stop_verdict

    # the bound σ_max(W_k) ≤ σ_max(W_0) + k·lr·c checked on real clipped SGD runs
    for scale, lr, c in [(3.0, 0.1, 1.0), (1.0, 1.0, 0.5), (2.0, 0.3, 5.0)]:
        params = rc.RNNParams.init(4, 8, 4, w_scale=scale, seed=2)
        run = rc.train(params, "remember_first", T=10, activation="relu", lr=lr, steps=30, batch_size=4,
                       clip="norm", threshold=c)  # fmt: skip
        sigma = run.history["sigma_max"]
        for k in range(sigma.size):
            assert sigma[k] <= sigma[0] + k * lr * c + 1e-12
    # and its kinds on a run that grew without clipping, one that stopped at once, and one that ran
    grown = rc.train(rc.RNNParams.init(4, 16, 4, w_scale=3.0), "remember_first", T=10, activation="relu",
                     steps=30, batch_size=8)  # fmt: skip
    h, k = grown.history, grown.stop_step
    v = stop_verdict(h, grown.stop_reason, k, lr=0.1, threshold=1.0)
    assert v.kind == "grown" and v.updates == k > 0
    assert v.clip_bound == pytest.approx(h["sigma_max"][0] + k * 0.1) and v.sigma_stop == h["sigma_max"][k]
    initial = rc.train(rc.RNNParams.init(2, 4, 1, w_init="orthogonal", w_scale=8.0), "adding_problem", T=200,
                       activation="linear", steps=5, batch_size=2)  # fmt: skip
    assert initial.stop_step == 0
    assert stop_verdict(initial.history, initial.stop_reason, 0, lr=0.1, threshold=1.0).kind == "initial"
    ok = rc.train(rc.RNNParams.init(4, 4, 4), "remember_first", T=4, steps=3, batch_size=2)
    assert stop_verdict(ok.history, None, None, lr=0.1, threshold=1.0).kind == "ran"
    small = {"sigma_max": np.array([1.0, 1.05, 1.1])}  # grew by 0.1 in 2 updates, within 1 + 2·0.1
    assert stop_verdict(small, "non-finite loss", 2, lr=0.1, threshold=1.0).kind == "within_bound"
    assert stop_verdict(small, "non-finite parameters", 0, lr=0.1, threshold=1.0).kind == "update"
