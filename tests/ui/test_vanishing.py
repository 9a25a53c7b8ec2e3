"""The Vanishing & exploding page's builders: cached numbers, sentences, formulas and charts.

Numbers are compared with a second route computed here (rnn_core called directly, plain sums,
closed forms); sentences by the case chosen (the template) and the numbers they carry; charts
through their Vega-Lite spec (marks, encodings, tooltips, log scales) and the rows of their data.
"""

import gettext
import string
from dataclasses import replace

import altair as alt
import numpy as np
import pytest

import rnn_core as rc
from ui import i18n, palette
from ui.data import initial_params, live_network, sequence
from ui.format import number
from ui.i18n import say
from ui.state import ACTIVATION_LABELS, Network
from ui.vanishing import calls, charts
from ui.vanishing import text as t

SMALL = Network(H=5, T=9, D=2, K=3, seed=4)


def spec(chart) -> dict:
    with alt.data_transformers.disable_max_rows():
        return chart.to_dict()


def rows(s: dict) -> list[dict]:
    """Every data row of a spec, over all its named datasets."""
    return [row for data in s.get("datasets", {}).values() for row in data]


def layers(s: dict) -> list[dict]:
    """The unit views of a spec: its layers, or the layers of each concatenated view."""
    if "layer" in s:
        return [unit for part in s["layer"] for unit in layers(part)]
    if "vconcat" in s:
        return [unit for part in s["vconcat"] for unit in layers(part)]
    return [s]


def mark_type(unit: dict) -> str:
    mark = unit["mark"]
    return mark if isinstance(mark, str) else mark["type"]


def tooltip_fields(unit: dict) -> set[str]:
    return {t["field"] for t in unit["encoding"].get("tooltip", [])}


def fixed(template: str) -> str:
    """The longest stretch of a template's own words (between its fields): what tells it apart."""
    return max((literal for literal, *_ in string.Formatter().parse(template)), key=len)


def fake_profile(log_norms, bound_base=1.0, rho=1.0, W=None, activation="tanh") -> rc.JacobianProfile:
    """A profile with these log norms (entry d) for W (default bound_base·I) and a cause verdict
    computed from W with every f′ at the average that the last log norm implies."""
    ell = np.asarray(log_norms, dtype=float)
    d = np.arange(ell.size)
    W = np.eye(2) * bound_base if W is None else np.asarray(W, dtype=float)
    summary = rc.spectral_summary(W, activation)
    regime = rc.classify_regime(ell[::-1], summary.bound)
    cause = None
    if regime.kind in ("vanishing", "exploding", "neither"):
        fprime = np.full((ell.size - 1, 2), rc.ACTIVATIONS[activation].gamma)
        cause = rc.verdicts.cause_of(W, activation, fprime, float(ell[-1]), ell.size - 1)
    return rc.JacobianProfile(
        d, ell, d * np.log10(summary.bound_base), d * np.log10(rho), summary, regime, cause
    )


# --- cached numbers ---------------------------------------------------------------------------


def test_profile_is_rnn_core_on_the_live_network():
    prof = calls.profile(SMALL, 0)
    live = live_network(SMALL, 0)
    direct = rc.jacobian_log_norms(live.params, live.trace)[::-1]
    np.testing.assert_array_equal(prof.log_norms, direct)
    assert prof.summary.sigma_max == pytest.approx(
        np.linalg.svd(live.params.W, compute_uv=False)[0], rel=1e-12
    )


def test_accounting_reconciles_the_distance_split_with_bptt():
    acc = calls.accounting(SMALL, 0)
    live = live_network(SMALL, 0)
    np.testing.assert_array_equal(calls.ledger(SMALL, 0), rc.contributions(live.params, live.trace))
    assert acc.reconcile < 1e-12
    # the norms of the distances are the norms of rnn_core.distance_terms, summed here by hand
    G = rc.distance_terms(live.params, live.trace)
    norms = [np.sqrt((g * g).sum()) for g in G]
    np.testing.assert_allclose(acc.split.norms, norms, rtol=1e-12)
    # the shares are the projections ⟨G_d, ∂L/∂W⟩/‖∂L/∂W‖², summing to 1
    total = rc.bptt(live.params, live.trace).W
    shares = [(g * total).sum() / (total * total).sum() for g in G]
    assert acc.share_sum == pytest.approx(sum(shares), abs=1e-12) and acc.share_sum == pytest.approx(1.0)


def test_accounting_of_an_overflowed_network_says_not_a_number():
    net = Network(activation="linear", H=8, T=200, w_scale=4.0)
    acc = calls.accounting(net, 2)  # the second step overflows float64 (see the Overview page's test)
    assert live_network(net, 2).trace.overflow_step is not None
    assert np.isnan(acc.reconcile)


def test_init_profiles_share_everything_but_the_initialisation():
    profiles = calls.init_profiles(SMALL)
    assert set(profiles) == set(rc.W_INITS)
    for w_init, prof in profiles.items():
        live = live_network(replace(SMALL, w_init=w_init), 0)
        np.testing.assert_array_equal(prof.log_norms, rc.jacobian_log_norms(live.params, live.trace)[::-1])


def test_regime_is_keyed_by_what_the_map_depends_on_only():
    got = calls.regime(SMALL.D, SMALL.H, SMALL.K, SMALL.T, SMALL.w_init, SMALL.seed, 4)
    # the sidebar's own σ_max and activation do not change the map
    other = replace(SMALL, activation="relu", w_scale=2.5, loss="mse", lr=1.0)
    xs, _ = sequence(other)
    sigmas, edges = rc.sigma_grid(calls.SIGMA_LOW, calls.SIGMA_HIGH, calls.SIGMA_STEPS)
    direct = rc.regime_map(initial_params(other), xs, sigmas, list(rc.ACTIVATIONS), 4)
    np.testing.assert_allclose(got.log_norms, direct.log_norms, rtol=0, atol=1e-12)
    assert got.sigmas.size == calls.SIGMA_STEPS
    np.testing.assert_array_equal(calls.MAP_EDGES, edges)
    assert (calls.MAP_EDGES[:-1] < got.sigmas).all() and (got.sigmas < calls.MAP_EDGES[1:]).all()


def test_clipping_keeps_the_long_range_share_under_norm_clipping():
    acc = calls.accounting(SMALL, 0)
    theta = 0.01  # far below ‖g‖: norm clipping bites
    clip = calls.clipping(SMALL, 0, theta, 3)
    assert clip.comparison.norm_clipped
    assert clip.long.share_after == pytest.approx(clip.long.share_before, rel=1e-12)
    assert clip.long.share_before == pytest.approx(acc.split.dropped[2], rel=1e-15)
    np.testing.assert_allclose(clip.sweep.thresholds, calls.CLIP_THRESHOLDS)


def test_nonnormal_is_the_preset_matrix_powers():
    pp = calls.nonnormal()
    W = np.array(calls.NONNORMAL_W)
    norms = [
        np.linalg.svd(np.linalg.matrix_power(W, n), compute_uv=False)[0]
        for n in range(1, calls.NONNORMAL_N + 1)
    ]
    np.testing.assert_allclose(pp.log_norms[1:], np.log10(norms), rtol=1e-10)
    assert pp.peak_n == 1 + int(np.argmax(norms))


# --- controls ---------------------------------------------------------------------------------


def test_clip_thresholds_are_log_spaced_sorted_and_url_friendly():
    th = np.array(calls.CLIP_THRESHOLDS)
    assert (np.diff(th) > 0).all() and calls.DEFAULT_CLIP in calls.CLIP_THRESHOLDS
    steps = np.diff(np.log10(th))
    assert steps.max() < 0.41 and steps.min() > 0.2  # 1-2-5: each a factor 2 to 2.5
    labels = [t.clip_label(x) for x in th]
    assert len(set(labels)) == len(labels) and not any(" " in s for s in labels)
    assert [float(s) for s in labels] == list(th)


def test_has_finite_says_whether_a_chart_has_anything_to_draw():
    assert charts.has_finite([np.nan, 0.0]) and not charts.has_finite([np.nan, 0.0], positive=True)
    assert not charts.has_finite([np.inf, np.nan])


# --- sentences and formulas ---------------------------------------------------------------------


# W = [[0, 1], [¼, 0]]: σ_max(W) = 1 but W² = ¼·I, so ‖W²⁰‖₂ = 4⁻¹⁰: W alone shrinks a linear network
SHRINKING_W = [[0.0, 1.0], [0.25, 0.0]]


@pytest.mark.parametrize(
    "r, base, W, activation, kind, why",
    [
        (0.5, 0.25, None, "tanh", "vanishing", t.WHY_GUARANTEED),
        (0.8, 1.0, None, "tanh", "vanishing", t.WHY_DERIVATIVES),  # W = I: only f′ can shrink it
        (0.5, 1.0, SHRINKING_W, "linear", "vanishing", t.WHY_WEIGHTS),  # f′ ≡ 1: only W can
        (2.0, 2.0, None, "tanh", "exploding", t.WHY_EXPLODING),
        (1.0, 1.0, None, "tanh", "neither", t.WHY_EDGE),
        (0.95, 1.0, None, "tanh", "neither", t.WHY_SHORT_RATE),  # ×0.95: tenfold in 45 steps, not flat
        (1.0, 0.5, None, "tanh", "neither", t.WHY_TOO_SHORT),
    ],
)
def test_regime_text_names_the_regime_and_why(r, base, W, activation, kind, why):
    prof = fake_profile(np.arange(21) * np.log10(r), bound_base=base, W=W, activation=activation)
    assert prof.regime.kind == kind
    assert t.regime_why(prof) is why
    text = t.regime_text(prof, activation)
    assert f"Regime: {say(t.REGIME_LABELS[kind])}." in text and fixed(why) in text
    assert f"d = {prof.regime.distance} steps" in text
    assert f"×{number(r)} per step" in text  # the average factor, computed here
    if why in (t.WHY_GUARANTEED, t.WHY_EXPLODING, t.WHY_TOO_SHORT):
        assert f"γ·σ_max(W) = {number(base)}" in text
    if why is t.WHY_WEIGHTS:  # 20 steps of ×½ on average: 20·log₁₀2 = 6.02 decades, all W's
        assert "6.02 decades below σ_max(W)ᵈ" in text and say(t.DERIVATIVES_NONE) in text
    if base == 1.0 and kind == "vanishing":  # at the bound's edge it says that nothing can grow
        assert say(t.NOT_FORCED_AT_ONE) in text and "1 < 1" not in text


def test_no_sentence_calls_the_linear_networks_derivatives_the_cause():
    # the reported case: linear f with a gaussian W vanishes because of W, since f′ ≡ 1 = γ
    net = replace(SMALL, activation="linear", w_init="gaussian", H=16, T=20)
    prof = calls.profile(net, 0)
    assert prof.regime.kind == "vanishing" and prof.cause.kind == "weights"
    text = t.regime_text(prof, "linear")
    assert fixed(t.WHY_WEIGHTS) in text and fixed(t.WHY_DERIVATIVES) not in text


def test_profile_notes_explain_zero_and_nan():
    assert t.profile_notes(fake_profile([0.0, -1.0, -2.0]), "relu", None) == []
    zero = t.profile_notes(fake_profile([0.0, -1.0, -np.inf, -np.inf]), "relu", None)
    assert len(zero) == 1 and zero[0].startswith("2 distances, from d = 2 on") and say(t.CUT_RELU) in zero[0]
    one = t.profile_notes(fake_profile([0.0, -np.inf]), "tanh", None)
    assert one[0].startswith("1 distance, from d = 1 on")
    assert say(t.CUT_SATURATED) in one[0] and say(t.CUT_RELU) not in one[0]
    assert say(t.CUT_OTHER) in t.profile_notes(fake_profile([0.0, -np.inf]), "linear", None)[0]
    nan = t.profile_notes(fake_profile([0.0, np.nan]), "tanh", "OVERFLOW SENTENCE")
    assert len(nan) == 1 and "OVERFLOW SENTENCE" in nan[0]
    assert say(t.FORWARD_NAN) in t.profile_notes(fake_profile([0.0, np.nan]), "tanh", None)[0]
    cut = t.regime_text(fake_profile([0.0, -1.0, -np.inf]), "relu")
    assert f"Regime: {say(t.REGIME_LABELS['zero'])}" in cut and "d = 2 on" in cut


def test_profile_metrics_carry_the_spectral_numbers():
    net = replace(SMALL, activation="sigmoid")
    prof = calls.profile(net, 0)
    W = live_network(net, 0).params.W
    got = {m.label: m.value for m in t.profile_metrics(prof, "sigmoid", net.T)}
    assert float(got[say(t.SIGMA)]) == pytest.approx(np.linalg.svd(W, compute_uv=False)[0], rel=5e-3)
    assert float(got[say(t.RHO)]) == pytest.approx(np.abs(np.linalg.eigvals(W)).max(), rel=5e-3)
    assert got[say(t.GAMMA, activation="sigmoid")] == "0.25"
    assert float(got[say(t.END_NORM)]) == pytest.approx(prof.log_norms[-1], abs=0.006)


def test_bound_formula_prints_the_numbers_and_compares_as_printed():
    s = rc.spectral_summary(np.eye(3) * (1 + 2e-16), "tanh")  # 1.0000000000000002
    assert r"= 1 = 1," in t.bound_formula(s, "tanh")
    s = rc.spectral_summary(np.eye(3) * (1 - 1.1e-16), "tanh")  # 0.9999999999999999: = 1, never "1 < 1"
    assert r"1 \times 1 = 1 = 1," in t.bound_formula(s, "tanh")
    s = rc.spectral_summary(np.eye(3) * (1 - 1e-7), "tanh")  # beyond the tolerance: printed to show it
    assert r"= 0.9999999 < 1" in t.bound_formula(s, "tanh")
    s = rc.spectral_summary(np.eye(3) * (4 + 4e-6), "sigmoid")
    assert r"0.25 \times 4.000004 = 1.000001 > 1" in t.bound_formula(s, "sigmoid")
    s = rc.spectral_summary(np.diag([2.0, 0.5]), "sigmoid")
    text = t.bound_formula(s, "sigmoid")
    assert r"0.25 \times 2 = 0.5 < 1" in text and r"\rho(W) = 2" in text
    assert r"> 1" in t.bound_formula(rc.spectral_summary(np.eye(2) * 3.0, "tanh"), "tanh")


def test_matrix_and_power_formulas_carry_the_computed_numbers():
    assert t.matrix_formula(calls.NONNORMAL_W) == r"W = \begin{bmatrix}0.9 & 1 \\ 0 & 0.9\end{bmatrix}"
    pp = calls.nonnormal()
    W = np.array(calls.NONNORMAL_W)
    norms = [
        np.linalg.svd(np.linalg.matrix_power(W, n), compute_uv=False)[0]
        for n in range(1, calls.NONNORMAL_N + 1)
    ]
    n_peak = 1 + int(np.argmax(norms))
    text = t.power_formula(pp)
    assert f"W^{{{n_peak}}}" in text and f"{np.log10(max(norms)):.3f}" in text
    assert f"{np.linalg.svd(W, compute_uv=False)[0]:.4g}" in text and r"\rho(W) = 0.9" in text
    notice = t.power_notice(pp)
    assert f"to {max(norms):.3g} (n = {n_peak})" in notice and f"‖W‖₂ = {norms[0]:.3g}" in notice
    gap = np.log10(norms[9]) - 10 * np.log10(0.9)  # ‖W¹⁰‖₂ / ρ¹⁰
    assert f"at n = 10 it is still 10^({gap:.1f}) times" in notice


@pytest.mark.parametrize("lam, a", [(0.9, 1.0), (0.95, 1.0), (0.8, 3.0)])
def test_the_non_normal_peak_is_the_closed_form_of_a_jordan_block(lam, a):
    # Wⁿ = [[λⁿ, n a λⁿ⁻¹], [0, λⁿ]]: its norm peaks near n ≈ −1/ln λ, above ‖W‖₂: transient growth
    n_max = 80
    exact = [
        np.linalg.norm([[lam**n, n * a * lam ** (n - 1)], [0.0, lam**n]], 2) for n in range(1, n_max + 1)
    ]
    pp = rc.power_profile([[lam, a], [0.0, lam]], n_max)
    assert pp.peak_n == 1 + int(np.argmax(exact)) and abs(pp.peak_n + 1 / np.log(lam)) < 2
    assert pp.transient and pp.growth == pytest.approx(max(exact) / exact[0], rel=1e-9)
    assert fixed(t.NONNORMAL_INTRO) in t.nonnormal_intro(pp) and fixed(t.POWER_NOTICE) in t.power_notice(pp)


def test_a_matrix_whose_largest_power_is_itself_is_not_called_growing():
    pp = rc.power_profile([[0.5, 10.0], [0.0, 0.5]], 30)  # the old preset: ‖W‖₂ 10.02 > ‖W²‖₂ 10.006
    assert pp.peak_n == 1 and not pp.transient
    assert fixed(t.NONNORMAL_INTRO_FLAT) in t.nonnormal_intro(pp)
    assert fixed(t.POWER_NOTICE_FLAT) in t.power_notice(pp) and fixed(t.POWER_NOTICE) not in t.power_notice(
        pp
    )


def test_gamma_sentence_and_map_notice_use_each_activations_gamma():
    sentence = t.gamma_sentence()
    assert "γ = 0.25 for sigmoid" in sentence and "γ = 1 for tanh, ReLU, leaky-ReLU, linear" in sentence
    assert "sigmoid 4" in t.map_notice() and "tanh 1" in t.map_notice()
    assert "after 1 gradient step." in t.intro_bound(1) and "after 3 gradient steps." in t.intro_bound(3)
    assert say(t.LIVE_INITIAL) in t.intro_bound(0)


def test_clip_and_long_range_texts_follow_the_numbers():
    live = live_network(SMALL, 0)
    g = rc.bptt(live.params, live.trace)
    c = rc.clipping_comparison(g, 0.01)
    text = t.clip_text(c)
    assert fixed(t.NORM_CLIPPED) in text and fixed(t.ELEMENTWISE_CLIPPED) in text
    assert number(c.norm_scale) in text and number(c.elementwise_cosine, ".6f") in text
    assert "threshold = 0.01" in text
    kept = t.clip_text(rc.clipping_comparison(g, 1e6))
    assert fixed(t.NORM_KEPT) in kept and say(t.ELEMENTWISE_KEPT) in kept
    clip = calls.clipping(SMALL, 0, 0.01, 2)
    long_text = t.long_range_text(clip.long, clip.comparison)
    assert fixed(t.LONG_RANGE) in long_text and fixed(t.LONG_AFTER_CLIPPED) in long_text
    assert long_text.count(number(clip.long.share_before)) == 2
    loose = calls.clipping(SMALL, 0, 1000.0, 2)
    assert say(t.LONG_AFTER_KEPT) in t.long_range_text(loose.long, loose.comparison)


def test_texts_for_a_gradient_that_is_zero_or_not_finite():
    zero = calls.accounting(replace(SMALL, T=1), 0)  # ∂L/∂W = δ⁽¹⁾h⁽⁰⁾ᵀ = 0
    assert zero.split.total_norm == 0.0
    assert t.truncation_case(zero.split, 1) is t.TRUNCATION_ZERO
    assert say(t.ZERO_ONE_STEP) in t.zero_gradient_note(zero.split, 1)
    assert say(t.ZERO_CUT) in t.zero_gradient_note(zero.split, 5)
    clip = calls.clipping(replace(SMALL, T=1), 0, 1.0, 1)
    assert t.long_range_text(clip.long, clip.comparison) == say(t.LONG_ZERO)
    net = Network(activation="linear", H=8, T=200, w_scale=4.0)
    bad = calls.clipping(net, 2, 1.0, 5)  # overflowed: not finite
    assert t.clip_text(bad.comparison) == say(t.CLIP_NONFINITE)
    assert t.long_range_text(bad.long, bad.comparison) == say(t.LONG_NONFINITE)
    assert t.truncation_case(calls.accounting(net, 2).split, 5) is t.TRUNCATION_NONFINITE
    assert t.zero_gradient_note(calls.accounting(SMALL, 0).split, SMALL.T) is None


def test_truncation_text_and_metrics_carry_the_kept_part():
    acc = calls.accounting(SMALL, 0)
    tau = 3
    verdict = rc.truncation_verdict(acc.split, tau)
    assert t.truncation_case(acc.split, tau) is t.TRUNCATION_SENTENCES[verdict.kind]
    text = t.truncation_text(acc.split, tau, SMALL.T)
    assert "τ = 3 keeps the paths with s − k < 3" in text
    # kept and dropped are ‖Σ_{d<τ} G_d‖ and ‖Σ_{d≥τ} G_d‖ relative to ‖∂L/∂W‖, summed here
    live = live_network(SMALL, 0)
    G = rc.distance_terms(live.params, live.trace)
    total = np.linalg.norm(G.sum(axis=0))
    kept, dropped = np.linalg.norm(G[:tau].sum(axis=0)) / total, np.linalg.norm(G[tau:].sum(axis=0)) / total
    assert f"norm {kept:.3g} × ‖∂L/∂W‖" in text and f"norm {dropped:.3g} × ‖∂L/∂W‖" in text
    negligible = dropped <= rc.TRUNCATION_NEGLIGIBLE  # the verdict's rule, applied to the sums here
    assert fixed(t.TRUNCATION_NEGLIGIBLE if negligible else t.TRUNCATION_DROPS) in text
    got = {m.label: m.value for m in t.truncation_metrics(acc.split, tau)}
    assert float(got[say(t.KEPT, tau=tau)]) == pytest.approx(kept, rel=1e-3)
    assert t.truncation_case(acc.split, SMALL.T) is t.TRUNCATION_FULL


def test_map_notes_count_the_grey_cells_and_state_the_accuracy():
    rmap = rc.RegimeMap(
        np.array([[-np.inf, -np.inf], [np.nan, -1.0]]), np.array([0.5, 2.0]), ("relu", "tanh"), 7, 0.0
    )
    notes = t.map_notes(rmap)
    assert len(notes) == 2 and notes[0].startswith("2 grey cells have") and "d = 7" in notes[0]
    assert notes[1].startswith("1 grey cell is not a number")
    rough = replace(rmap, log_norms=np.zeros((2, 2)), accuracy=2e-3)
    assert t.map_notes(rough) == [say(t.MAP_ACCURACY, accuracy="2.0e-03")]
    assert t.marker_note(1.3, calls.MAP_EDGES) is None
    outside = t.marker_note(9.0, calls.MAP_EDGES)
    assert outside is not None and "σ_max(W) = 9" in outside
    assert t.map_trained_note(0) is None and "after 4 gradient steps" in t.map_trained_note(4)


def test_every_sentence_goes_through_the_catalog():
    class Marked(gettext.NullTranslations):
        def gettext(self, message):
            return "«" + message + "»"

        def ngettext(self, singular, plural, n):
            return "«" + (singular if n == 1 else plural) + "»"

    prof = fake_profile(np.arange(21) * np.log10(0.5), bound_base=0.25)
    i18n.use(Marked())
    try:
        regime = t.regime_text(prof, "tanh")
        metric = t.profile_metrics(prof, "tanh", 20)[0]
        chart_rows = rows(spec(charts.truncation_chart(calls.accounting(SMALL, 0).split, 4)))
    finally:
        i18n.use(None)
    assert regime.startswith("«**Regime: «vanishing».** ") and "«Guaranteed:" in regime
    assert metric.label == "«σ_max(W)»" and metric.help.startswith("«")
    assert {"tau": 4, "what": "«your τ»"} in chart_rows


# --- charts -----------------------------------------------------------------------------------


def test_profile_chart_encodings_and_nonfinite_rows_left_out():
    prof = fake_profile([0.0, -0.5, -1.2, -np.inf, np.nan], bound_base=1.5, rho=0.9)
    s = spec(charts.profile_chart(prof))
    units = layers(s)
    assert {mark_type(u) for u in units} == {"line", "circle"}
    enc = units[0]["encoding"]
    assert enc["x"]["field"] == "d" and enc["y"]["field"] == "log10" and enc["color"]["field"] == "series"
    assert "distance" in enc["x"]["title"] and "log₁₀" in enc["y"]["title"]
    assert tooltip_fields(units[0]) == {"series", "d", "log10"}
    data = rows(s)
    assert all(np.isfinite(r["log10"]) for r in data)
    measured = sorted((r["d"], r["log10"]) for r in data if r["series"] == say(charts.MEASURED))
    assert measured == [(0, 0.0), (1, -0.5), (2, -1.2)]
    bound = {r["d"]: r["log10"] for r in data if r["series"] == say(charts.BOUND)}
    assert bound[4] == pytest.approx(4 * np.log10(1.5))


def test_contribution_chart_is_the_lower_triangle_with_a_log_colour():
    C = calls.ledger(SMALL, 0)
    T = SMALL.T
    s = spec(charts.contribution_chart(C))
    units = layers(s)
    assert {mark_type(u) for u in units} == {"rect"}
    coloured = next(u for u in units if "color" in u["encoding"])
    assert coloured["encoding"]["color"]["scale"]["type"] == "log"
    assert tooltip_fields(coloured) == {"s", "k", "d", "value"}
    assert coloured["encoding"]["y"]["scale"]["reverse"] is True
    data = rows(s)
    assert len(data) == T * (T + 1) // 2  # every k ≤ s, zeros included (grey layer)
    for r in data:
        assert r["d"] == r["s"] - r["k"] >= 0
        assert r["value"] == C[r["s"] - 1, r["k"] - 1]
    # W's term through k = 1 is δ₁⁽ˢ⁾h⁽⁰⁾ᵀ = 0 (h⁽⁰⁾ = 0): drawn grey, not on the log scale
    assert {r["k"] for r in data if r["value"] == 0} == {1}


def test_contribution_chart_leaves_out_inf_and_nan():
    C = np.tril(np.ones((4, 4)))
    C[3, 0], C[2, 1] = np.inf, np.nan
    data = rows(spec(charts.contribution_chart(C)))
    assert len(data) == 10 - 2 and all(np.isfinite(r["value"]) for r in data)


def test_distance_chart_log_norms_and_shares():
    acc = calls.accounting(SMALL, 0)
    s = spec(charts.distance_chart(acc.split))
    top, bottom = s["vconcat"]
    assert top["encoding"]["y"]["scale"]["type"] == "log" and mark_type(bottom) == "bar"
    assert tooltip_fields(top) == {"d", "norm", "share"}
    data = rows(s)
    shares = {r["d"]: r["share"] for r in data}
    assert sum(shares.values()) == pytest.approx(1.0, abs=1e-12)
    assert len(shares) == SMALL.T


def test_regime_map_chart_cells_boundaries_and_marker():
    rmap = calls.regime(SMALL.D, SMALL.H, SMALL.K, SMALL.T, SMALL.w_init, SMALL.seed, 3)
    s = spec(charts.regime_map_chart(rmap, calls.MAP_EDGES, 1.3, "sigmoid", -2.0))
    units = layers(s)
    cells = units[0]
    assert mark_type(cells) == "rect" and cells["encoding"]["x"]["scale"]["type"] == "log"
    assert cells["encoding"]["color"]["scale"]["domainMid"] == 0
    assert tooltip_fields(cells) == {"activation", "sigma", "value"}
    data = rows(s)
    grid = [r for r in data if "lo" in r]
    assert len(grid) == len(rc.ACTIVATIONS) * calls.SIGMA_STEPS
    assert all(r["lo"] < r["sigma"] < r["hi"] for r in grid)
    # the boundary ticks at 1/γ, with γ = sup f′ found here on a fine grid of a
    a = np.linspace(-30, 30, 600_001)
    ticks = {r["activation"]: r["boundary"] for r in data if "boundary" in r}
    for name, act in rc.ACTIVATIONS.items():
        assert ticks[ACTIVATION_LABELS[name]] == pytest.approx(1 / np.abs(act.df(a)).max(), rel=1e-6)
    marker = [r for r in data if r.get("what") == say(charts.YOUR_NETWORK)]
    assert marker == [
        {"activation": "sigmoid", "sigma": 1.3, "norm": "10^(-2.00)", "what": say(charts.YOUR_NETWORK)}
    ]
    # an exactly zero Jacobian is said in words (−inf is no JSON number)
    zero = rows(spec(charts.regime_map_chart(rmap, calls.MAP_EDGES, 1.3, "relu", -np.inf)))
    assert [r["norm"] for r in zero if r.get("what") == say(charts.YOUR_NETWORK)] == ["exactly 0"]


def test_regime_map_chart_draws_zero_cells_grey():
    rmap = rc.RegimeMap(
        np.array([[-np.inf, 0.5], [np.nan, -1.0]]), np.array([0.5, 2.0]), ("relu", "tanh"), 2, 0.0
    )
    s = spec(charts.regime_map_chart(rmap, np.array([0.25, 1.0, 4.0]), 1.0, "tanh", 0.0))
    grey = [u for u in layers(s) if mark_type(u) == "rect" and "color" not in u["encoding"]]
    assert len(grey) == 1 and grey[0]["mark"]["color"] == palette.ZERO
    status = sorted(r["status"] for r in rows(s) if "status" in r)
    assert status == ["exactly 0", "finite", "finite", "nan"]


def test_truncation_chart_marks_tau_and_spans_1_to_T():
    acc = calls.accounting(SMALL, 0)
    s = spec(charts.truncation_chart(acc.split, 4))
    lines, rule = layers(s)
    assert mark_type(lines) == "line" and mark_type(rule) == "rule"
    assert lines["encoding"]["x"]["scale"]["domain"] == [1, SMALL.T]
    data = rows(s)
    assert {"tau": 4, "what": say(charts.YOUR_TAU)} in data
    kept = {r["tau"]: r["value"] for r in data if r.get("series") == say(charts.KEPT)}
    assert kept[SMALL.T] == pytest.approx(1.0) and len(kept) == SMALL.T


def test_clipping_charts_log_threshold_axis_and_rules():
    clip = calls.clipping(SMALL, 0, 0.1, 3)
    cos_chart, norm_chart = charts.clipping_charts(clip.sweep, 0.1, clip.comparison.norm_before)
    for chart, field in ((cos_chart, "cosine"), (norm_chart, "after")):
        s = spec(chart)
        line, rule = layers(s)
        assert line["encoding"]["x"]["scale"]["type"] == "log" and line["encoding"]["y"]["field"] == field
        assert tooltip_fields(line) == {"method", "theta", "cosine", "after"}
        thetas = sorted(r["theta"] for r in rows(s) if "what" in r)
        assert thetas == sorted([0.1, clip.comparison.norm_before])
    assert spec(norm_chart)["layer"][0]["encoding"]["y"]["scale"]["type"] == "log"


def test_init_chart_has_the_three_inits_and_the_bound():
    s = spec(charts.init_chart(calls.init_profiles(SMALL)))
    data = rows(s)
    assert {r["init"] for r in data if "init" in r} == {"orthogonal", "gaussian", "identity"}
    assert any(r.get("what") == say(charts.BOUND) for r in data)
    notice = t.init_notice(1.5, "relu", "gaussian")
    assert "σ_max(W) = 1.5" in notice and "ReLU" in notice and "Your W init is gaussian" in notice
    trained = calls.profile(SMALL, 3).summary  # the live W after 3 steps, not the sidebar's value
    assert t.init_trained_note(1.0, 0, trained) is None
    note = t.init_trained_note(1.0, 3, trained)
    assert f"σ_max(W) = {np.linalg.norm(live_network(SMALL, 3).params.W, 2):.4g}" in note


def test_power_chart_marks_the_peak_and_clips_the_bound():
    pp = calls.nonnormal()
    s = spec(charts.power_chart(pp))
    line, dot = layers(s)
    assert line["encoding"]["y"]["scale"]["domain"][1] == pytest.approx(pp.peak_log_norm + 1.5)
    assert line["mark"]["clip"] is True
    assert {"n": pp.peak_n, "log10": pp.peak_log_norm, "what": say(charts.PEAK)} in rows(s)


# --- the charts' templates (ui.chart_cache): every fill is compared with Altair's own build -----

TEMPLATED = (
    "profile_chart",
    "contribution_chart",
    "distance_chart",
    "regime_map_chart",
    "truncation_chart",
    "clipping_charts",
    "init_chart",
)


@pytest.mark.parametrize("T", [1, 2, 30])
def test_every_templated_chart_fills_as_altair_builds_over_a_grid(T):
    from ui import chart_cache

    assert chart_cache.VALIDATE  # a fill that differs from Altair's build of the same input raises
    drawn = 0
    # γ·σ_max = 1 exactly (linear, scale 1), far below and above it, and near overflow (8, linear)
    for act, scale, steps in [("linear", 1.0, 0), ("tanh", 0.5, 0), ("relu", 2.5, 3), ("linear", 8.0, 0)]:
        for seed in (0, 1):
            net = Network(activation=act, T=T, w_scale=scale, seed=seed)
            prof = calls.profile(net, steps)
            acc = calls.accounting(net, steps)
            C = calls.ledger(net, steps)
            dist = min(calls.DEFAULT_DIST, T)
            rmap = calls.regime(net.D, net.H, net.K, T, net.w_init, seed, dist)
            clip = calls.clipping(net, steps, 1.0, min(calls.DEFAULT_TAU, T))
            charts.profile_chart(prof)
            charts.contribution_chart(C)
            charts.distance_chart(acc.split)
            charts.regime_map_chart(rmap, calls.MAP_EDGES, prof.summary.sigma_max, act, prof.log_norms[dist])
            charts.truncation_chart(acc.split, min(calls.DEFAULT_TAU, T))
            charts.clipping_charts(clip.sweep, 1.0, clip.comparison.norm_before)
            charts.init_chart(calls.init_profiles(net))
            drawn += 1
    made = {key[0].rsplit(".", 1)[1] for key in chart_cache._TEMPLATES if key[0].startswith(charts.__name__)}
    assert drawn == 8 and made >= set(TEMPLATED)
