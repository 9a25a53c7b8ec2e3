"""The Bug lab's BPTT, its bugs and its check, against rnn_core computed here another way.

The reference against rc.bptt (full and truncated); its per-step terms against rnn_core's path terms;
every bug one changed line; every bug failing the gradient check on the settings the lab chooses,
in exactly the entries and steps that a finite-difference check and the path terms, computed here,
say disagree.
"""

from dataclasses import replace

import numpy as np
import pytest

import rnn_core as rc
from ui.bug_lab import bugs, calls, charts
from ui.bug_lab import text as tx
from ui.state import DEFAULT


def batch(T=6, B=2, D=3, H=5, K=4, activation="tanh", loss="softmax_ce", seed=0, w_scale=1.0):
    params = rc.RNNParams.init(D, H, K, w_scale=w_scale, seed=seed)
    rng = np.random.default_rng(seed)
    xs = rng.standard_normal((T, B, D))
    targets = rng.integers(0, K, size=(T, B)) if loss == "softmax_ce" else rng.standard_normal((T, B, K))
    return params, rc.forward(params, xs, targets, activation=activation, loss=loss)


@pytest.mark.parametrize("activation", sorted(rc.ACTIVATIONS))
@pytest.mark.parametrize("loss", rc.LOSSES)
@pytest.mark.parametrize("B", [1, 3])
@pytest.mark.parametrize("tau", [None, 1, 2, 5, 6, 9])
def test_the_reference_equals_rnn_core_bptt(activation, loss, B, tau):
    params, trace = batch(B=B, activation=activation, loss=loss)
    ours = bugs.lab_bptt(params, trace, tau=tau)
    theirs = rc.bptt(params, trace, truncate=tau)
    for name in bugs.PARAMS:
        assert rc.rel_error(getattr(ours, name), getattr(theirs, name)) < 1e-12, name


def path_step_terms(params, trace, n: int, tau: int | None) -> dict:
    """Step t's terms of each gradient for sequence n, from rc.path_terms: Σₛ (term k = t of ∂L⁽ˢ⁾/∂θ)
    over the losses s with s − t < τ; V's and c's from ∂L⁽ᵗ⁾/∂o⁽ᵗ⁾ alone."""
    one = rc.forward(
        params,
        trace.xs[:, n : n + 1],
        trace.targets[:, n : n + 1],
        activation=trace.activation,
        loss=trace.loss_name,
    )
    T = trace.T
    tau = T if tau is None else tau
    out = {name: np.zeros((T, *getattr(params, name).shape)) for name in bugs.PARAMS}
    for s in range(1, T + 1):
        for name in ("U", "W", "b"):
            terms = rc.path_terms(params, one, s, wrt=name)  # (s, *shape): term k − 1 through step k
            for k in range(max(1, s - tau + 1), s + 1):
                out[name][k - 1] += terms[k - 1]
    do = one.dL_do()[:, 0]
    out["V"] = np.einsum("tk,th->tkh", do, one.h[1:, 0])
    out["c"] = do
    return out


@pytest.mark.parametrize("tau", [None, 2])
def test_the_reference_steps_are_rnn_core_path_terms(tau):
    params, trace = batch(T=5, B=2)
    expected = [path_step_terms(params, trace, n, tau) for n in range(2)]
    seen = 0
    for n, t, terms in bugs.reference_steps(params, trace, tau=tau):
        for name in bugs.PARAMS:
            np.testing.assert_allclose(getattr(terms, name), expected[n][name][t - 1], atol=1e-13, rtol=1e-10)
        seen += 1
    assert seen == 2 * 5


@pytest.mark.parametrize("bug", bugs.BUGS, ids=lambda b: b.key)
def test_every_bug_changes_exactly_one_line(bug):
    assert bugs.changed_lines(bug) == 1
    body = [line for line in bugs.diff(bug).splitlines() if not line.startswith(("---", "+++", "@@"))]
    removed = [line for line in body if line.startswith("-")]
    added = [line for line in body if line.startswith("+")]
    assert len(removed) == 1 and len(added) == 1
    assert bug.correct in removed[0] and bug.buggy in added[0]
    assert bug.correct != bug.buggy


def test_the_bugs_are_at_least_eight_with_distinct_keys_and_titles():
    assert len(bugs.BUGS) >= 8
    assert len({b.key for b in bugs.BUGS}) == len(bugs.BUGS)
    assert len({b.title for b in bugs.BUGS}) == len(bugs.BUGS)


def truncated_numerical_gradient(params, trace, tau: int) -> rc.RNNParams:
    """Truncated BPTT by central differences: L⁽ˢ⁾ from a forward pass over steps s − τ + 1..s that
    starts at the fixed state h⁽ˢ⁻τ⁾, so only paths with s − k < τ see a change of θ; summed over s."""
    total = {name: np.zeros_like(getattr(params, name)) for name in bugs.PARAMS}
    for s in range(1, trace.T + 1):
        lo = max(0, s - tau)
        g = rc.numerical_gradient(
            params,
            trace.xs[lo:s],
            trace.targets[lo:s],
            activation=trace.activation,
            loss=trace.loss_name,
            h0=trace.h[lo],
            s=s - lo,
        )
        for name in bugs.PARAMS:
            total[name] += getattr(g, name)
    return rc.RNNParams(**total)


def independent_check(params, trace, key: str, tau: int | None):
    """Which entries and steps disagree, computed here: the bug's gradient against finite
    differences, and its steps' terms against rnn_core's path terms."""
    if tau is None:
        ref = rc.numerical_gradient(
            params, trace.xs, trace.targets, activation=trace.activation, loss=trace.loss_name
        )
    else:
        ref = truncated_numerical_gradient(params, trace, tau)
    grad = bugs.lab_bptt(params, trace, tau=tau, bug=key)
    entries = {}
    for name in bugs.PARAMS:
        g, r = getattr(grad, name), getattr(ref, name)
        scale = max(np.abs(g).max(), np.abs(r).max())
        entries[name] = ~(np.abs(g - r) / scale <= bugs.TOLERANCE)
    B = trace.a.shape[1]
    expected = [path_step_terms(params, trace, n, tau) for n in range(B)]
    steps = [{name: set() for name in bugs.PARAMS} for _ in range(B)]
    for n, t, terms in bugs.variant(key)(params, trace, tau=tau):
        for name in bugs.PARAMS:
            good, bad = expected[n][name][t - 1], getattr(terms, name)
            gap = np.abs(bad - good).max()
            size = max(np.abs(bad).max(), np.abs(good).max())
            if gap > 1e-9 * max(size, 1e-300) and gap > 0:
                steps[n][name].add(t)
    return entries, steps


@pytest.fixture(scope="module")
def lab_results():
    return {bug.key: calls.lab_check(DEFAULT, 0, bug.key) for bug in bugs.BUGS}


@pytest.mark.parametrize("key", bugs.KEYS)
def test_every_bug_fails_the_check_where_its_reveal_says(lab_results, key):
    result = lab_results[key]
    bug = bugs.get_bug(key)
    assert result.found
    check = result.check
    assert check.verdict.fails and check.control_ok
    params, trace = calls.batch(result.setup)
    entries, steps = independent_check(params, trace, key, result.setup.tau)
    # the gradients that disagree are the ones the changed line feeds, and the verdict says so
    assert {name for name, bad in entries.items() if bad.any()} == set(bug.affects)
    assert set(check.verdict.bad_params) == set(bug.affects)
    for name in bugs.PARAMS:
        np.testing.assert_array_equal(check.entry(name).bad, entries[name], err_msg=name)
        for n, per_seq in enumerate(steps):
            assert set(check.verdict.steps_of(name)[n]) == per_seq[name], (name, n)
    # the reveal names exactly those gradients, with their counts
    found = tx.found_text(check, trace.T)
    for name in bugs.PARAMS:
        assert (f"∂L/∂{name}:" in found) == (name in bug.affects), name
        if name in bug.affects:
            assert f"{int(entries[name].sum())} entr" in found


def test_what_each_bug_needs_is_set_by_the_lab(lab_results):
    assert lab_results["batch_mean"].setup.B == 2
    assert lab_results["not_reset"].setup.B == 2
    assert lab_results["truncation_off_by_one"].setup.tau == calls.default_tau(DEFAULT.T)
    assert lab_results["prev_state"].setup == calls.LabSetup(DEFAULT, 0)
    # batch mean: every term off by the same 1 − 1/B
    np.testing.assert_allclose(lab_results["batch_mean"].check.step_errors[:, :, 1:], 0.5, atol=1e-12)
    # not reset: the first sequence agrees at every step, the second one does not
    not_reset = lab_results["not_reset"].check.verdict
    assert all(not per for per in not_reset.bad_steps[0].values())
    assert DEFAULT.T in not_reset.bad_steps[1]["U"]  # the leak enters at the second sequence's last step


@pytest.mark.parametrize(
    "net, key, field, new",
    [
        (replace(DEFAULT, activation="linear"), "fprime_wrong_step", "activation", "tanh"),
        (replace(DEFAULT, T=1), "last_loss_only", "T", calls.SAFE_MIN),
    ],
)
def test_where_a_bug_cannot_show_the_lab_changes_a_setting_and_says_so(net, key, field, new):
    params, trace = calls.batch(calls.LabSetup(net, 0))
    assert bugs.shows(params, trace, key) <= bugs.TOLERANCE  # computed here: hidden on these settings
    result = calls.lab_check(net, 0, key)
    assert result.found and result.hidden_on_live
    assert (field, getattr(net, field), new) in result.changes
    text = tx.changes_text(result.changes, result, bugs.TOLERANCE)
    assert text and str(new) in text


def test_w_not_transposed_with_a_symmetric_w_moves_to_a_non_symmetric_one():
    net = replace(DEFAULT, w_init="identity", activation="tanh")
    result = calls.lab_check(net, 0, "w_not_transposed")
    assert result.found
    W = calls.batch(result.setup)[0].W
    assert not np.allclose(W, W.T)
    assert ("w_init", "identity", "orthogonal") in result.changes


def test_the_random_choice_is_seeded_and_a_new_bug_is_another_one():
    assert [bugs.pick_bug(s) for s in range(40)] == [bugs.pick_bug(s) for s in range(40)]
    assert set(bugs.pick_bug(s) for s in range(200)) == set(bugs.KEYS)
    for s in range(30):
        assert bugs.pick_bug(bugs.next_seed(s, 9999)) != bugs.pick_bug(s)


def test_an_unknown_bug_name_says_what_exists():
    with pytest.raises(ValueError, match="prev_state.*received 'nope'"):
        bugs.get_bug("nope")


def test_a_large_network_is_checked_on_a_sample_within_the_budget():
    params, trace = batch(T=40, B=1, H=40, D=8, K=8)
    _, masks = bugs.reference_gradient(params, trace, tau=None, sample=True, seed=3)
    checked = sum(int(m.sum()) for m in masks.values())
    assert checked * 2 * trace.T <= bugs.FD_STEP_BUDGET * 1.2
    assert all(m.sum() >= bugs.MIN_FD_PER_PARAM for m in masks.values())
    check = bugs.gradient_check(params, trace, "prev_state", seed=3)
    assert check.verdict.bad_params == ("W",)
    assert tx.REF_FD_SAMPLE.split("{")[0].strip() in tx.reference_text(check, None, bugs.FD_EPS)


def test_nan_in_a_buggy_gradient_counts_as_disagreeing():
    params, trace = batch(T=4, B=1, w_scale=1.0)
    h = trace.h.copy()
    h[2, 0, 0] = 1.0  # 1/(1 − h²) divides by zero at this entry
    forced = replace(trace, h=h)
    check = bugs.gradient_check(params, forced, "fprime_from_h", tau=2)
    assert check.verdict.fails
    assert not np.isfinite(check.entry("b").grad).all()
    assert np.isnan(check.entry("b").errors).any() and check.entry("b").n_bad >= 1
    assert np.isnan(check.step_errors).any()
    note = tx.nonfinite_text(check)
    assert note and tx.NONFINITE.split("{")[1].split("}")[1] in note
    df = charts.entry_frame(check)
    assert (df["status"] == charts.NOT_A_NUMBER).any()
    charts.entries_chart(check).to_dict()  # with the legend of cells that are not numbers


def test_where_finite_differences_cannot_be_trusted_the_lab_moves_and_says_why():
    net = replace(DEFAULT, activation="linear", w_scale=3.0, T=40)
    params, trace = calls.batch(calls.LabSetup(net, 0))
    numeric = rc.numerical_gradient(params, trace.xs, trace.targets, activation="linear", loss=net.loss)
    assert rc.rel_error(rc.bptt(params, trace).c, numeric.c) > bugs.TOLERANCE  # computed here
    result = calls.lab_check(net, 0, "prev_state")
    assert result.found and not result.hidden_on_live
    assert ("activation", "linear", "tanh") in result.changes
    text = tx.changes_text(result.changes, result, bugs.TOLERANCE)
    assert tx.CHANGED_UNTRUSTED.split("{")[0] in text


def test_the_charts_have_one_cell_per_entry_and_per_step(lab_results):
    check = lab_results["not_reset"].check
    df = charts.entry_frame(check)
    assert len(df) == sum(e.grad.size for e in check.entries)
    assert set(df.loc[df["entry"].str.startswith("W["), "status"]) <= {charts.AGREES, charts.DISAGREES}
    steps = charts.step_frame(check)
    assert len(steps) == check.step_errors.size
    for build in (charts.entries_chart, charts.steps_chart):
        spec = build(check).to_dict()  # validated against the Vega-Lite schema (tests/conftest.py)
        assert "layer" in spec


def test_step_ranges_read_as_runs():
    assert tx.step_ranges((1, 2, 3, 7, 9, 10), 12) == "1–3, 7, 9–10"
    assert tx.step_ranges(tuple(range(1, 6)), 5) == "all 5"
    assert tx.step_ranges((), 5) == "none"


# --- the check's work shared: each number as computed one piece at a time --------------------------


def step_errors_one_by_one(params, trace, key: str, tau: int | None) -> np.ndarray:
    """(B, 5, T): rc.rel_error of every step's term, the variant's against the reference's."""
    out = np.full((trace.a.shape[1], len(bugs.PARAMS), trace.T), -1.0)
    with np.errstate(all="ignore"):
        pairs = zip(bugs.reference_steps(params, trace, tau=tau), bugs.variant(key)(params, trace, tau=tau))
        for (n, t, good), (_, _, bad) in pairs:
            for j, name in enumerate(bugs.PARAMS):
                out[n, j, t - 1] = rc.rel_error(getattr(bad, name), getattr(good, name))
    return out


def finite_differences_one_pass_each(params, trace, masks) -> dict:
    """Central differences at the checked entries, one rc.forward per perturbed θ (nan elsewhere)."""
    out = {}
    for name in bugs.PARAMS:
        base = getattr(params, name)
        grad = np.full(base.size, np.nan)
        for i in np.flatnonzero(masks[name]):
            pair = []
            for step in (bugs.FD_EPS, -bugs.FD_EPS):
                theta = base.ravel().copy()
                theta[i] = base.flat[i] + step
                moved = replace(params, **{name: theta.reshape(base.shape)})
                pair.append(
                    rc.forward(
                        moved, trace.xs, trace.targets, activation=trace.activation, loss=trace.loss_name
                    ).loss
                )
            grad[i] = (pair[0] - pair[1]) / (2 * bugs.FD_EPS)
        out[name] = grad.reshape(base.shape)
    return out


@pytest.mark.parametrize("key", bugs.KEYS)
@pytest.mark.parametrize("B, tau, activation", [(1, None, "tanh"), (2, None, "relu"), (2, 3, "sigmoid")])
def test_one_sweep_gives_exactly_what_separate_runs_give(key, B, tau, activation):
    params, trace = batch(T=7, B=B, H=6, activation=activation, seed=4)
    swept = bugs.sweep(params, trace, tau=tau, bug=key)
    grad, correct = bugs.lab_bptt(params, trace, tau=tau, bug=key), bugs.lab_bptt(params, trace, tau=tau)
    for name in bugs.PARAMS:
        np.testing.assert_array_equal(getattr(swept.grad, name), getattr(grad, name))
        np.testing.assert_array_equal(getattr(swept.correct, name), getattr(correct, name))
    np.testing.assert_array_equal(swept.step_errors, step_errors_one_by_one(params, trace, key, tau))
    assert bugs.sweep(params, trace, tau=tau, bug=key, steps=False).step_errors is None
    # the exact route agrees with rnn_core's own BPTT too
    exact = rc.bptt(params, trace, truncate=tau)
    assert max(rc.rel_error(getattr(swept.correct, n), getattr(exact, n)) for n in bugs.PARAMS) < 1e-12


def test_a_terms_error_is_rel_error_also_where_the_terms_are_equal():
    x = np.array([[1.0, -2.0], [0.0, 3.0]])
    cases = [
        (x, x.copy()),
        (np.zeros(3), np.zeros(3)),
        (np.array([-0.0, 1.0]), np.array([0.0, 1.0])),
        (np.array([np.inf, 1.0]), np.array([np.inf, 1.0])),
        (np.array([np.nan, 1.0]), np.array([np.nan, 1.0])),
        (x, x + 1e-9),
        (np.array([1e300, -1e300]), np.array([1e300, -1e300])),
    ]
    for bad, good in cases:
        ours, theirs = bugs._term_error(bad, good), rc.rel_error(bad, good)
        assert ours == theirs or (np.isnan(ours) and np.isnan(theirs)), (bad, good)
    assert bugs._term_error(x, x.copy()) == 0.0 and np.isnan(bugs._term_error(cases[3][0], cases[3][1]))


@pytest.mark.parametrize("key", ["prev_state", "not_reset", "truncation_off_by_one"])
def test_the_lab_check_is_the_check_computed_one_piece_at_a_time(key):
    net = replace(DEFAULT, H=24, T=60, D=3, K=4, seed=6)  # large enough that a sample is checked
    result = calls.lab_check(net, 0, key)
    assert result.found
    setup, check = result.setup, result.check
    params, trace = calls.batch(setup)
    masks = {name: check.entry(name).checked for name in bugs.PARAMS}
    if setup.tau is None:
        assert not all(m.all() for m in masks.values())  # a seeded sample, not every entry
        reference = finite_differences_one_pass_each(params, trace, masks)
    else:
        truncated = rc.bptt(params, trace, truncate=setup.tau)
        reference = {name: getattr(truncated, name) for name in bugs.PARAMS}
    grad = bugs.lab_bptt(params, trace, tau=setup.tau, bug=key)
    correct = bugs.lab_bptt(params, trace, tau=setup.tau)
    for name in bugs.PARAMS:
        e = check.entry(name)
        np.testing.assert_array_equal(e.reference, reference[name])
        np.testing.assert_array_equal(e.grad, getattr(grad, name))
        expected = bugs.entry_check(name, getattr(grad, name), reference[name], masks[name])
        np.testing.assert_array_equal(e.errors, expected.errors)
        assert e.rel_error == expected.rel_error
    np.testing.assert_array_equal(check.step_errors, step_errors_one_by_one(params, trace, key, setup.tau))
    control = max(
        bugs.entry_check(n, getattr(correct, n), reference[n], masks[n]).rel_error for n in bugs.PARAMS
    )
    assert check.control == control
    # the gap on the sidebar's settings, from the two gradients computed there
    live_params, live_trace = calls.batch(calls.LabSetup(net, 0))
    g, c = bugs.lab_bptt(live_params, live_trace, bug=key), bugs.lab_bptt(live_params, live_trace)
    assert result.gap == max(rc.rel_error(getattr(g, n), getattr(c, n)) for n in bugs.PARAMS)


def test_another_bug_on_the_same_network_is_checked_against_the_same_reference():
    net = replace(DEFAULT, H=12, T=30, seed=8)
    first, second = calls.lab_check(net, 0, "prev_state"), calls.lab_check(net, 0, "w_not_transposed")
    assert first.setup == second.setup
    params, trace = calls.batch(first.setup)
    ref, masks = bugs.reference_gradient(params, trace, tau=None, sample=True, seed=net.seed)
    for name in bugs.PARAMS:
        for result in (first, second):
            np.testing.assert_array_equal(result.check.entry(name).reference, getattr(ref, name))
            np.testing.assert_array_equal(result.check.entry(name).checked, masks[name])


def test_entry_labels_count_rows_and_columns_from_one():
    assert charts.entry_labels("b", (3,)) == ("b[1]", "b[2]", "b[3]")
    assert charts.entry_labels("W", (2, 3)) == (
        "W[1, 1]",
        "W[1, 2]",
        "W[1, 3]",
        "W[2, 1]",
        "W[2, 2]",
        "W[2, 3]",
    )
    rows, cols = np.indices((11, 12))
    written = [f"U[{i + 1}, {j + 1}]" for i, j in zip(rows.ravel(), cols.ravel())]
    assert list(charts.entry_labels("U", (11, 12))) == written
