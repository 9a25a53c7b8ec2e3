"""The Gates page's verdicts (rnn_core.gate_profiles) against independent computations: explicit
products of per-step Jacobian matrices (one SVD per distance), plain loops over units and steps,
closed forms (a gate of exactly 1), and the edges of every tolerance."""

import math

import numpy as np
import pytest

import rnn_core as rc
from tests.core.reference_gated import forward_loop, state_jacobian_log_norms_loop, step_jacobian


def _sequence(T, D=2, K=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((T, 1, D)), rng.integers(0, K, size=(T, 1))


def _runs(T=6, H=3, *, forget_bias=1.0, update_bias=0.0, w_scale=1.0, seed=0):
    xs, targets = _sequence(T, seed=seed)
    cells = rc.three_cells(
        2, H, 2, seed=seed, forget_bias=forget_bias, update_bias=update_bias, w_scale=w_scale
    )
    return [(p, rc.forward(p, xs, targets)) for p in cells], xs, targets


def _rnn_log_norms_loop(params, trace):
    """log₁₀‖Πⱼ diag(tanh′(a⁽ʲ⁾)) W‖₂ by distance d = 0..T, one SVD per d."""
    T = trace.T
    out, P = [0.0], np.eye(params.n_hidden)
    for j in range(T, 0, -1):
        P = P @ (np.diag(1.0 - np.tanh(trace.a[j - 1, 0]) ** 2) @ params.W)
        out.append(math.log10(np.linalg.svd(P, compute_uv=False)[0]))
    return np.array(out)


def _kind(last):
    return "vanishing" if last < -1.0 else "exploding" if last > 1.0 else "neither"


# --- three cells from one seed ------------------------------------------------------------------


def test_three_cells_are_each_cells_own_init_with_the_biases_set():
    rnn, lstm, gru = rc.three_cells(
        3, 4, 2, seed=7, w_init="gaussian", w_scale=1.5, forget_bias=2.0, update_bias=-1.0
    )
    want_rnn = rc.RNNParams.init(3, 4, 2, seed=7, w_init="gaussian", w_scale=1.5)
    want_lstm = rc.LSTMParams.init(3, 4, 2, seed=7, w_init="gaussian", w_scale=1.5, forget_bias=2.0)
    want_gru = rc.GRUParams.init(3, 4, 2, seed=7, w_init="gaussian", w_scale=1.5)
    for got, want in ((rnn, want_rnn), (lstm, want_lstm)):
        for name, value in want.arrays().items():
            np.testing.assert_array_equal(getattr(got, name), value)
    for name, value in want_gru.arrays().items():
        np.testing.assert_array_equal(getattr(gru, name), np.full(4, -1.0) if name == "bu" else value)
    np.testing.assert_array_equal(lstm.bf, np.full(4, 2.0))
    assert [rc.cell_name(p) for p in (rnn, lstm, gru)] == list(rc.CELL_NAMES)
    with pytest.raises(ValueError, match="update_bias must be a finite number; received inf"):
        rc.three_cells(3, 4, 2, update_bias=math.inf)
    with pytest.raises(ValueError, match="params must be RNNParams"):
        rc.cell_name(object())


@pytest.mark.parametrize("task", sorted(rc.TASK_MIN_T))
def test_task_min_T_is_the_smallest_T_each_task_accepts(task):
    shortest = rc.TASK_MIN_T[task]
    assert rc.TASKS[task](shortest, 1).T == shortest
    if shortest > 1:
        with pytest.raises(ValueError):
            rc.TASKS[task](shortest - 1, 1)
    assert rc.task_length(task, 1) == shortest and rc.task_length(task, 30) == 30
    with pytest.raises(ValueError, match="task must be one of"):
        rc.task_length("copy", 5)


# --- the state Jacobians --------------------------------------------------------------------------


@pytest.mark.parametrize("forget_bias, update_bias", [(1.0, 0.0), (3.0, 2.0), (-2.0, -1.0)])
def test_state_profiles_match_explicit_products_of_step_jacobians(forget_bias, update_bias):
    runs, xs, targets = _runs(T=7, forget_bias=forget_bias, update_bias=update_bias, w_scale=1.3)
    prof = rc.state_profiles(runs)
    assert prof.cells == rc.CELL_NAMES
    np.testing.assert_array_equal(prof.distances, np.arange(8))
    want = [_rnn_log_norms_loop(*runs[0])]
    for params, _ in runs[1:]:
        fw = forward_loop(params, xs, targets, loss="softmax_ce")
        want.append(state_jacobian_log_norms_loop(params, fw, 7)[::-1])
    np.testing.assert_allclose(prof.log_norms, np.array(want), rtol=0, atol=1e-11)
    # the verdicts, recomputed here from the explicit products
    ends = [row[-1] for row in want]
    for r, row, name in zip(prof.reaches, want, rc.CELL_NAMES):
        assert (r.cell, r.kind, r.distance) == (name, _kind(row[-1]), 7)
        assert r.per_step == pytest.approx(10 ** (row[-1] / 7), rel=1e-10)
    np.testing.assert_allclose(prof.gains, np.array(ends) - ends[0], rtol=0, atol=1e-11)
    for verdict, gain in zip(prof.verdicts[1:], np.array(ends[1:]) - ends[0]):
        assert verdict == ("more" if gain > 1 else "less" if gain < -1 else "same")
    assert prof.verdicts[0] == "reference" and prof.index("gru") == 2


def test_a_gru_whose_update_gate_is_one_keeps_its_state_exactly():
    # u = σ(800) = 1 in float64, σ′ = 0: h⁽ᵗ⁾ = h⁽ᵗ⁻¹⁾ and every one-step Jacobian is the identity
    runs, _, _ = _runs(T=30, update_bias=800.0)
    prof = rc.state_profiles(runs)
    np.testing.assert_array_equal(prof.log_norms[2], np.zeros(31))
    gru = prof.reaches[2]
    assert (gru.kind, gru.log_norm, gru.per_step) == ("neither", 0.0, 1.0)
    rnn_end = prof.reaches[0].log_norm
    assert prof.gains[2] == -rnn_end
    assert prof.verdicts[2] == ("more" if -rnn_end > 1 else "less" if -rnn_end < -1 else "same")


def test_cell_reach_kinds_and_the_tolerance_edge():
    ramp = np.linspace(0.0, -1.0, 5)  # exactly −1 decade at d = 4: not beyond the tolerance
    assert rc.cell_reach("rnn", ramp).kind == "neither"
    assert rc.cell_reach("rnn", np.nextafter(ramp, -2.0)).kind == "vanishing"
    assert rc.cell_reach("lstm", -ramp).kind == "neither"
    assert rc.cell_reach("lstm", np.nextafter(-ramp, 2.0)).kind == "exploding"
    zero = rc.cell_reach("gru", [0.0, -3.0, -np.inf, -np.inf])
    assert (zero.kind, zero.distance, zero.log_norm, zero.per_step) == ("zero", 2, -np.inf, 0.0)
    bad = rc.cell_reach("gru", [0.0, np.nan, -np.inf])
    assert (bad.kind, bad.distance) == ("undefined", 1) and math.isnan(bad.log_norm)
    huge = rc.cell_reach("rnn", [0.0, 400.0])
    assert huge.kind == "exploding" and huge.per_step == math.inf
    with pytest.raises(
        ValueError, match=r"by_distance must have shape \(T\+1,\) with T ≥ 1; received shape \(1,\)"
    ):
        rc.cell_reach("rnn", [0.0])
    with pytest.raises(ValueError, match="cell must be one of"):
        rc.cell_reach("lstm2", ramp)


def test_state_profiles_at_T_1_and_their_argument_checks():
    runs, _, _ = _runs(T=1)
    prof = rc.state_profiles(runs)
    assert prof.log_norms.shape == (3, 2) and all(r.distance == 1 for r in prof.reaches)
    np.testing.assert_allclose(prof.log_norms[0], _rnn_log_norms_loop(*runs[0]), atol=1e-12)
    with pytest.raises(ValueError, match="distinct cells"):
        rc.state_profiles([runs[0], runs[0]])
    with pytest.raises(ValueError, match="at least one"):
        rc.state_profiles([])
    longer, _, _ = _runs(T=2)
    with pytest.raises(ValueError, match=r"one sequence length T; received T = \[1, 2\]"):
        rc.state_profiles([runs[0], longer[1]])


def test_gains_against_an_exactly_zero_reference():
    # W = 0: every path back through a step is cut, ∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾ = 0 exactly for d ≥ 1
    runs, xs, targets = _runs(T=4)
    rnn = rc.RNNParams(**{**runs[0][0].arrays(), "W": np.zeros((3, 3))})
    cut = (rnn, rc.forward(rnn, xs, targets))
    prof = rc.state_profiles([cut, runs[2]])
    assert (prof.reaches[0].kind, prof.reaches[0].distance) == ("zero", 1)
    assert prof.gains[1] == math.inf and prof.verdicts[1] == "more"
    # a GRU with W = 0 and u = σ(−800) = 0 exactly is cut too: two zeros are the same, not nan
    gru = rc.GRUParams(**{**runs[2][0].arrays(), "W": np.zeros((3, 3)), "bu": np.full(3, -800.0)})
    both = rc.state_profiles([cut, (gru, rc.forward(gru, xs, targets))])
    assert both.reaches[1].kind == "zero" and both.gains[1] == 0.0 and both.verdicts[1] == "same"


# --- the carousel ---------------------------------------------------------------------------------


def test_carousel_check_against_plain_products_and_the_explicit_s_block():
    runs, xs, targets = _runs(T=9, H=3, forget_bias=1.0, w_scale=1.5, seed=3)
    params, trace = runs[1]
    c = rc.carousel_check(params, trace)
    fw = forward_loop(params, xs, targets, loss="softmax_ce")
    direct = [0.0] + [
        math.log10(max(math.prod(fw["f"][j, 0, i] for j in range(9 - d, 9)) for i in range(3)))
        for d in range(1, 10)
    ]
    exact = state_jacobian_log_norms_loop(params, fw, 9, block=slice(3, None))[::-1]
    np.testing.assert_allclose(c.direct, direct, rtol=0, atol=1e-12)
    np.testing.assert_allclose(c.exact, exact, rtol=0, atol=1e-11)
    np.testing.assert_allclose(c.gap, exact - np.array(direct), rtol=0, atol=1e-11)
    assert c.gap[0] == 0.0 and abs(c.gap[1]) < 1e-12  # one step of s is diag(f) exactly
    first = next((d for d in range(10) if abs(exact[d] - direct[d]) > rc.CAROUSEL_DECADES), None)
    assert c.first_apart == first and c.kind == ("holds" if first is None else "parts")
    assert c.gap_at_end == pytest.approx(exact[-1] - direct[-1], abs=1e-11)


def test_carousel_tolerance_edge():
    runs, _, _ = _runs(T=12, forget_bias=1.0, w_scale=1.5, seed=4)
    c = rc.carousel_check(*runs[1])
    widest = float(np.abs(c.gap).max())
    assert widest > 0
    assert rc.carousel_check(*runs[1], tolerance=widest).kind == "holds"  # not beyond: equal
    below = rc.carousel_check(*runs[1], tolerance=np.nextafter(widest, 0.0))
    assert below.kind == "parts" and below.first_apart == int(np.argmax(np.abs(c.gap) >= widest))


def test_carousel_with_forget_one_and_input_zero_holds_exactly():
    # f = σ(800) = 1 and g = σ(−800) = 0: s⁽ᵗ⁾ = s⁽ᵗ⁻¹⁾, the direct path is the whole story
    runs, xs, targets = _runs(T=25)
    lstm = runs[1][0]
    lstm = rc.LSTMParams(**{**lstm.arrays(), "bf": np.full(3, 800.0), "bg": np.full(3, -800.0)})
    trace = rc.forward(lstm, xs, targets)
    c = rc.carousel_check(lstm, trace)
    np.testing.assert_array_equal(c.direct, np.zeros(26))
    np.testing.assert_array_equal(c.exact, np.zeros(26))
    assert (c.kind, c.first_apart, c.gap_at_end) == ("holds", None, 0.0)
    f = rc.gate_values(lstm, trace, "f")
    np.testing.assert_array_equal(f.log_products, np.zeros((26, 3)))
    assert (f.kind, f.half_life, f.mean, f.geometric_mean) == ("keeps", math.inf, 1.0, 1.0)


def test_carousel_at_T_1_holds_and_needs_an_lstm():
    runs, _, _ = _runs(T=1)
    c = rc.carousel_check(*runs[1])
    assert c.kind == "holds" and c.gap.tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="carousel_log_norms needs LSTMParams"):
        rc.carousel_check(*runs[2])


# --- a gate along the sequence --------------------------------------------------------------------


@pytest.mark.parametrize("gate, cell", [("f", 1), ("u", 2)])
def test_gate_values_against_plain_loops_over_units_and_steps(gate, cell):
    runs, _, _ = _runs(T=8, H=4, forget_bias=0.5, update_bias=1.5, seed=2)
    params, trace = runs[cell]
    g = rc.gate_values(params, trace, gate)
    values = getattr(trace, gate)[:, 0]
    for d in range(9):
        for i in range(4):
            want = math.log10(math.prod(values[j, i] for j in range(8 - d, 8)))
            assert g.log_products[d, i] == pytest.approx(want, abs=1e-13)
    per_unit = [[g.log_products[d, i] for i in range(4)] for d in range(9)]
    np.testing.assert_array_equal(g.best, [max(row) for row in per_unit])
    np.testing.assert_array_equal(g.worst, [min(row) for row in per_unit])
    np.testing.assert_allclose(
        g.median, [(sorted(row)[1] + sorted(row)[2]) / 2 for row in per_unit], atol=1e-15
    )
    bias = 0.5 if gate == "f" else 1.5
    np.testing.assert_allclose(g.at_rest, np.full(4, 1.0 / (1.0 + math.exp(-bias))), rtol=1e-15)
    mean_log = sum(math.log10(v) for v in values.ravel()) / values.size
    assert g.half_life == pytest.approx(math.log10(0.5) / mean_log, rel=1e-12)
    assert g.mean == pytest.approx(values.mean(), rel=1e-15)
    geometric = math.prod(values.ravel()) ** (1 / values.size)  # the product's per-step factor
    assert g.geometric_mean == pytest.approx(geometric, rel=1e-12)
    assert (
        g.geometric_mean < g.mean
    )  # AM–GM: the gates differ, so the product falls faster than the mean says
    assert 0.5 ** (1 / g.half_life) == pytest.approx(g.geometric_mean, rel=1e-12)  # halves in half_life steps
    assert g.kind == ("keeps" if g.best[-1] >= -1 else "forgets")
    if gate == "f":  # its best unit is the carousel's direct path
        np.testing.assert_allclose(g.best, rc.carousel_check(params, trace).direct, atol=1e-12)


def test_gate_values_tolerance_edge_and_argument_checks():
    runs, _, _ = _runs(T=10, forget_bias=1.0)
    params, trace = runs[1]
    lost = -float(rc.gate_values(params, trace, "f").best[-1])
    assert rc.gate_values(params, trace, "f", tolerance=lost).kind == "keeps"
    assert rc.gate_values(params, trace, "f", tolerance=np.nextafter(lost, 0.0)).kind == "forgets"
    with pytest.raises(ValueError, match="gate 'u' needs GRUParams; received LSTMParams"):
        rc.gate_values(params, trace, "u")
    with pytest.raises(ValueError, match="gate must be one of"):
        rc.gate_values(params, trace, "q")
    with pytest.raises(ValueError, match="batch_index"):
        rc.gate_values(params, trace, "f", batch_index=1)


# --- the ledgers ----------------------------------------------------------------------------------


def _plain_share(C):
    T = len(C)
    long = sum(C[s][k] for s in range(T) for k in range(s + 1) if s - k >= T // 2)
    total = sum(C[s][k] for s in range(T) for k in range(s + 1))
    return long, total


@pytest.mark.parametrize("cell", [0, 1])
def test_ledger_reach_against_a_double_loop_over_the_contributions(cell):
    runs, _, _ = _runs(T=9, H=3, seed=5)
    C = rc.contributions(*runs[cell], wrt="W")
    r = rc.ledger_reach(C)
    long, total = _plain_share(C.tolist())
    assert (r.half, r.kind) == (4, "measured")
    assert r.long_mass == pytest.approx(long, rel=1e-14) and r.total == pytest.approx(total, rel=1e-14)
    assert r.share == pytest.approx(long / total, rel=1e-14)


def _ledger(long_value, T=4, near=4.0):
    """A (T, T) ledger with ``near`` on the diagonal's first entry and ``long_value`` at s − k = T − 1."""
    C = np.zeros((T, T))
    C[0, 0], C[T - 1, 0] = near, long_value
    return rc.ledger_reach(C)


def test_compare_reach_verdicts_and_the_tolerance_edge():
    ref, other = _ledger(1.0, near=99.0), _ledger(1.0, near=9.0)  # shares 1/100 and 1/10
    assert (ref.share, other.share) == (0.01, 0.1)
    # log₁₀(0.1) − log₁₀(0.01) = 1 exactly: a tolerance of 1 decade is not exceeded, one just below is
    assert rc.compare_reach(ref, other, tolerance=1.0).kind == "similar"
    assert rc.compare_reach(ref, other, tolerance=np.nextafter(1.0, 0.0)).kind == "further"
    assert rc.compare_reach(other, ref, tolerance=np.nextafter(1.0, 0.0)).kind == "shorter"
    far = rc.compare_reach(_ledger(1.0), _ledger(100.0))
    assert far.kind == "further" and far.log_ratio == pytest.approx(math.log10((100 / 104) / 0.2))
    assert (far.reference_share, far.other_share) == (0.2, 100 / 104)
    assert rc.compare_reach(_ledger(1.0), _ledger(1.5)).kind == "similar"  # ×1.4 < 10^0.3
    assert rc.compare_reach(_ledger(1.0), _ledger(0.0)).kind == "shorter"  # log ratio −∞
    assert rc.compare_reach(_ledger(0.0), _ledger(0.0)).kind == "none"


def test_ledger_kinds_at_the_edges():
    assert rc.ledger_reach(np.zeros((1, 1))).kind == "too_short"
    assert rc.ledger_reach(np.zeros((3, 3))).kind == "zero"
    inf = np.eye(3)
    inf[2, 0] = np.inf
    assert rc.ledger_reach(inf).kind == "undefined"
    assert rc.compare_reach(rc.ledger_reach(inf), _ledger(1.0, T=3)).kind == "undefined"
    runs, _, _ = _runs(T=1)
    one = rc.ledger_reach(rc.contributions(*runs[0]))
    assert one.kind == "too_short" and math.isnan(one.share)
    # T = 2: the only long-range term goes through k = 1 and multiplies h⁽⁰⁾ = 0 in both cells
    runs, _, _ = _runs(T=2)
    both = [rc.ledger_reach(rc.contributions(*runs[i], wrt="W")) for i in (0, 1)]
    assert [b.share for b in both] == [0.0, 0.0] and rc.compare_reach(*both).kind == "none"
    with pytest.raises(ValueError, match=r"C must have shape \(T, T\) with T ≥ 1; received shape \(2, 3\)"):
        rc.ledger_reach(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="C must hold norms"):
        rc.ledger_reach(-np.eye(2))
    with pytest.raises(ValueError, match="names must be one of"):
        rc.compare_reach(both[0], both[1], names=("rnn", "cnn"))


def test_the_step_jacobian_reference_is_the_one_the_profiles_use():
    # the LSTM's state Jacobian at T = 1 is one step's Jacobian: its norm directly
    runs, xs, targets = _runs(T=1)
    params, _ = runs[1]
    fw = forward_loop(params, xs, targets, loss="softmax_ce")
    J = step_jacobian(params, fw, 1, 0)
    got = rc.state_profiles([runs[1]]).log_norms[0, 1]
    assert got == pytest.approx(math.log10(np.linalg.svd(J, compute_uv=False)[0]), abs=1e-12)
