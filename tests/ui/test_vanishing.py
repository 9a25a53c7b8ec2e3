"""The Vanishing & exploding page's builders: cached numbers, sentences, formulas and charts.

Numbers are compared with a second route computed here (rnn_core called directly, plain sums,
closed forms); charts through their Vega-Lite spec (marks, encodings, tooltips, log scales) and
the rows of their data.
"""

from dataclasses import replace

import altair as alt
import numpy as np
import pytest

import rnn_core as rc
from ui import palette
from ui import vanishing as v
from ui.data import initial_params, live_network, sequence
from ui.state import ACTIVATION_LABELS, Network

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


def fake_profile(log_norms, bound_base=1.0, rho=1.0) -> rc.JacobianProfile:
    ell = np.asarray(log_norms, dtype=float)
    d = np.arange(ell.size)
    summary = rc.spectral.spectral_summary(np.eye(2) * bound_base, "tanh")
    return rc.JacobianProfile(
        d,
        ell,
        d * np.log10(bound_base),
        d * np.log10(rho),
        summary,
        rc.classify_regime(ell[::-1], bound_base),
    )


# --- cached numbers ---------------------------------------------------------------------------


def test_profile_is_rnn_core_on_the_live_network():
    prof = v.profile(SMALL, 0)
    live = live_network(SMALL, 0)
    direct = rc.jacobian_log_norms(live.params, live.trace)[::-1]
    np.testing.assert_array_equal(prof.log_norms, direct)
    assert prof.summary.sigma_max == pytest.approx(
        np.linalg.svd(live.params.W, compute_uv=False)[0], rel=1e-12
    )


def test_accounting_reconciles_the_distance_split_with_bptt():
    acc = v.accounting(SMALL, 0)
    live = live_network(SMALL, 0)
    np.testing.assert_array_equal(acc.C, rc.contributions(live.params, live.trace))
    assert acc.reconcile < 1e-12
    # the norms of the distances are the norms of rnn_core.distance_terms, summed here by hand
    G = rc.distance_terms(live.params, live.trace)
    np.testing.assert_allclose(acc.split.norms, [np.sqrt((g * g).sum()) for g in G], rtol=1e-12)


def test_accounting_of_an_overflowed_network_says_not_a_number():
    net = Network(activation="linear", H=8, T=200, w_scale=4.0)
    acc = v.accounting(net, 2)  # the second step overflows float64 (see the Overview page's test)
    assert live_network(net, 2).trace.overflow_step is not None
    assert np.isnan(acc.reconcile)


def test_init_profiles_share_everything_but_the_initialisation():
    profiles = v.init_profiles(SMALL)
    assert set(profiles) == set(rc.W_INITS)
    for w_init, prof in profiles.items():
        live = live_network(replace(SMALL, w_init=w_init), 0)
        np.testing.assert_array_equal(prof.log_norms, rc.jacobian_log_norms(live.params, live.trace)[::-1])


def test_regime_is_keyed_by_what_the_map_depends_on_only():
    got = v.regime(SMALL.D, SMALL.H, SMALL.K, SMALL.T, SMALL.w_init, SMALL.seed, 4)
    # the sidebar's own σ_max and activation do not change the map
    other = replace(SMALL, activation="relu", w_scale=2.5, loss="mse", lr=1.0)
    xs, _ = sequence(other)
    direct = rc.regime_map(initial_params(other), xs, rc.sigma_grid(0.1, 4.0, 30)[0], list(rc.ACTIVATIONS), 4)
    np.testing.assert_allclose(got.log_norms, direct.log_norms, rtol=0, atol=1e-12)
    assert got.sigmas.size == v.SIGMA_STEPS


def test_clipping_keeps_the_long_range_share_under_norm_clipping():
    acc = v.accounting(SMALL, 0)
    theta = 0.01  # far below ‖g‖: norm clipping bites
    clip = v.clipping(SMALL, 0, theta, 3)
    assert clip.comparison.norm_clipped
    assert clip.long.share_after == pytest.approx(clip.long.share_before, rel=1e-12)
    assert clip.long.share_before == pytest.approx(acc.split.dropped[2], rel=1e-15)
    np.testing.assert_allclose(clip.sweep.thresholds, v.CLIP_THRESHOLDS)


# --- controls ---------------------------------------------------------------------------------


def test_clip_thresholds_are_log_spaced_sorted_and_url_friendly():
    t = np.array(v.CLIP_THRESHOLDS)
    assert (np.diff(t) > 0).all() and v.DEFAULT_CLIP in v.CLIP_THRESHOLDS
    steps = np.diff(np.log10(t))
    assert steps.max() < 0.41 and steps.min() > 0.2  # 1-2-5: each a factor 2 to 2.5
    labels = [v.clip_label(x) for x in t]
    assert len(set(labels)) == len(labels) and not any(" " in s for s in labels)
    assert [float(s) for s in labels] == list(t)


def test_has_finite_says_whether_a_chart_has_anything_to_draw():
    assert v.has_finite([np.nan, 0.0]) and not v.has_finite([np.nan, 0.0], positive=True)
    assert not v.has_finite([np.inf, np.nan])


# --- sentences and formulas ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "r, base, kind, words",
    [
        (0.5, 0.25, "vanishing", "Guaranteed"),
        (0.8, 1.0, "vanishing", "does not force"),
        (2.0, 2.0, "exploding", "necessary, not sufficient"),
        (1.0, 1.0, "neither", "edge between the regimes"),
    ],
)
def test_regime_text_names_the_regime_and_why(r, base, kind, words):
    prof = fake_profile(np.arange(21) * np.log10(r), bound_base=base)
    assert prof.regime.kind == kind
    text = v.regime_text(prof, "tanh")
    assert f"Regime: {v.REGIME_LABELS[kind]}" in text and words in text
    if kind != "neither":
        assert f"{prof.regime.per_step:.3g}" in text


def test_profile_notes_explain_zero_and_nan():
    assert v.profile_notes(fake_profile([0.0, -1.0, -2.0]), "relu", None) == []
    zero = v.profile_notes(fake_profile([0.0, -1.0, -np.inf, -np.inf]), "relu", None)
    assert len(zero) == 1 and "2 distance(s), from d = 2 on" in zero[0] and "ReLU unit is off" in zero[0]
    saturated = v.profile_notes(fake_profile([0.0, -np.inf]), "tanh", None)
    assert "saturated" in saturated[0] and "ReLU" not in saturated[0]
    nan = v.profile_notes(fake_profile([0.0, np.nan]), "tanh", "OVERFLOW SENTENCE")
    assert len(nan) == 1 and "OVERFLOW SENTENCE" in nan[0]
    assert "Regime: cut off" in v.regime_text(fake_profile([0.0, -1.0, -np.inf]), "relu")


def test_bound_latex_prints_the_numbers_and_compares_as_printed():
    s = rc.spectral.spectral_summary(np.eye(3) * (1 + 2e-16), "tanh")  # 1.0000000000000002
    assert r"= 1 = 1," in v.bound_latex(s, "tanh")
    s = rc.spectral.spectral_summary(np.diag([2.0, 0.5]), "sigmoid")
    text = v.bound_latex(s, "sigmoid")
    assert r"0.25 \times 2 = 0.5 < 1" in text and r"\rho(W) = 2" in text


def test_matrix_and_power_latex_carry_the_computed_numbers():
    assert v.matrix_latex(v.NONNORMAL_W) == r"W = \begin{bmatrix}0.5 & 10 \\ 0 & 0.5\end{bmatrix}"
    pp = v.nonnormal()
    W = np.array(v.NONNORMAL_W)
    norms = [
        np.linalg.svd(np.linalg.matrix_power(W, n), compute_uv=False)[0] for n in range(1, v.NONNORMAL_N + 1)
    ]
    n_peak = 1 + int(np.argmax(norms))
    text = v.power_latex(pp)
    assert f"W^{{{n_peak}}}" in text and f"{np.log10(max(norms)):.3f}" in text
    assert f"{np.linalg.svd(W, compute_uv=False)[0]:.4g}" in text and r"\rho(W) = 0.5" in text


def test_gamma_sentence_and_map_notice_use_each_activations_gamma():
    sentence = v.gamma_sentence()
    assert "γ = 0.25 for sigmoid" in sentence and "γ = 1 for tanh, ReLU, leaky-ReLU, linear" in sentence
    assert "sigmoid 4" in v.map_notice() and "tanh 1" in v.map_notice()


def test_clip_and_long_range_texts_follow_the_numbers():
    g = rc.bptt(live_network(SMALL, 0).params, live_network(SMALL, 0).trace)
    c = rc.clipping_comparison(g, 0.01)
    text = v.clip_text(c)
    assert f"{c.norm_scale:.3g}" in text and f"{c.elementwise_cosine:.6f}" in text
    assert "leaves g alone" in v.clip_text(rc.clipping_comparison(g, 1e6))
    clip = v.clipping(SMALL, 0, 0.01, 2)
    long_text = v.long_range_text(clip.long, clip.comparison)
    assert "No." in long_text and long_text.count(f"{clip.long.share_before:.3g}") == 2


# --- charts -----------------------------------------------------------------------------------


def test_profile_chart_encodings_and_nonfinite_rows_left_out():
    prof = fake_profile([0.0, -0.5, -1.2, -np.inf, np.nan], bound_base=1.5, rho=0.9)
    s = spec(v.profile_chart(prof))
    units = layers(s)
    assert {mark_type(u) for u in units} == {"line", "circle"}
    enc = units[0]["encoding"]
    assert enc["x"]["field"] == "d" and enc["y"]["field"] == "log10" and enc["color"]["field"] == "series"
    assert "distance" in enc["x"]["title"] and "log₁₀" in enc["y"]["title"]
    assert tooltip_fields(units[0]) == {"series", "d", "log10"}
    data = rows(s)
    assert all(np.isfinite(r["log10"]) for r in data)
    measured = sorted((r["d"], r["log10"]) for r in data if r["series"].startswith("measured"))
    assert measured == [(0, 0.0), (1, -0.5), (2, -1.2)]
    bound = {r["d"]: r["log10"] for r in data if r["series"].startswith("bound")}
    assert bound[4] == pytest.approx(4 * np.log10(1.5))


def test_contribution_chart_is_the_lower_triangle_with_a_log_colour():
    acc = v.accounting(SMALL, 0)
    T = SMALL.T
    s = spec(v.contribution_chart(acc.C))
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
        assert r["value"] == acc.C[r["s"] - 1, r["k"] - 1]
    # W's term through k = 1 is δ₁⁽ˢ⁾h⁽⁰⁾ᵀ = 0 (h⁽⁰⁾ = 0): drawn grey, not on the log scale
    assert {r["k"] for r in data if r["value"] == 0} == {1}


def test_contribution_chart_leaves_out_inf_and_nan():
    C = np.tril(np.ones((4, 4)))
    C[3, 0], C[2, 1] = np.inf, np.nan
    data = rows(spec(v.contribution_chart(C)))
    assert len(data) == 10 - 2 and all(np.isfinite(r["value"]) for r in data)


def test_distance_chart_log_norms_and_shares():
    acc = v.accounting(SMALL, 0)
    s = spec(v.distance_chart(acc.split))
    top, bottom = s["vconcat"]
    assert top["encoding"]["y"]["scale"]["type"] == "log" and mark_type(bottom) == "bar"
    assert tooltip_fields(top) == {"d", "norm", "share"}
    data = rows(s)
    shares = {r["d"]: r["share"] for r in data}
    assert sum(shares.values()) == pytest.approx(1.0, abs=1e-12)
    assert len(shares) == SMALL.T


def test_regime_map_chart_cells_boundaries_and_marker():
    rmap = v.regime(SMALL.D, SMALL.H, SMALL.K, SMALL.T, SMALL.w_init, SMALL.seed, 3)
    s = spec(v.regime_map_chart(rmap, v.map_edges(), 1.3, "sigmoid", -2.0))
    units = layers(s)
    cells = units[0]
    assert mark_type(cells) == "rect" and cells["encoding"]["x"]["scale"]["type"] == "log"
    assert cells["encoding"]["color"]["scale"]["domainMid"] == 0
    assert tooltip_fields(cells) == {"activation", "sigma", "value"}
    data = rows(s)
    grid = [r for r in data if "lo" in r]
    assert len(grid) == len(rc.ACTIVATIONS) * v.SIGMA_STEPS
    assert all(r["lo"] < r["sigma"] < r["hi"] for r in grid)
    # the boundary ticks at 1/γ, with γ = sup f′ found here on a fine grid of a
    a = np.linspace(-30, 30, 600_001)
    ticks = {r["activation"]: r["boundary"] for r in data if "boundary" in r}
    for name, act in rc.ACTIVATIONS.items():
        assert ticks[ACTIVATION_LABELS[name]] == pytest.approx(1 / np.abs(act.df(a)).max(), rel=1e-6)
    marker = [r for r in data if r.get("what") == "the sidebar's network"]
    assert marker == [
        {"activation": "sigmoid", "sigma": 1.3, "norm": "10^(-2.00)", "what": "the sidebar's network"}
    ]
    # an exactly zero Jacobian is said in words (−inf is no JSON number)
    zero = rows(spec(v.regime_map_chart(rmap, v.map_edges(), 1.3, "relu", -np.inf)))
    assert [r["norm"] for r in zero if r.get("what") == "the sidebar's network"] == ["exactly 0"]
    assert v.marker_note(1.3, v.map_edges()) is None and "outside the map" in v.marker_note(
        9.0, v.map_edges()
    )


def test_regime_map_chart_draws_zero_cells_grey():
    rmap = rc.RegimeMap(
        np.array([[-np.inf, 0.5], [np.nan, -1.0]]), np.array([0.5, 2.0]), ("relu", "tanh"), 2, 0.0
    )
    s = spec(v.regime_map_chart(rmap, np.array([0.25, 1.0, 4.0]), 1.0, "tanh", 0.0))
    grey = [u for u in layers(s) if mark_type(u) == "rect" and "color" not in u["encoding"]]
    assert len(grey) == 1 and grey[0]["mark"]["color"] == palette.ZERO
    status = sorted(r["status"] for r in rows(s) if "status" in r)
    assert status == ["exactly 0", "finite", "finite", "nan"]


def test_truncation_chart_marks_tau_and_spans_1_to_T():
    acc = v.accounting(SMALL, 0)
    s = spec(v.truncation_chart(acc.split, 4))
    lines, rule = layers(s)
    assert mark_type(lines) == "line" and mark_type(rule) == "rule"
    assert lines["encoding"]["x"]["scale"]["domain"] == [1, SMALL.T]
    data = rows(s)
    assert {"tau": 4, "what": "your τ"} in data
    kept = {r["tau"]: r["value"] for r in data if r.get("series", "").startswith("kept")}
    assert kept[SMALL.T] == pytest.approx(1.0) and len(kept) == SMALL.T


def test_clipping_charts_log_threshold_axis_and_rules():
    clip = v.clipping(SMALL, 0, 0.1, 3)
    cos_chart, norm_chart = v.clipping_charts(clip.sweep, 0.1, clip.comparison.norm_before)
    for chart, field in ((cos_chart, "cosine"), (norm_chart, "after")):
        s = spec(chart)
        line, rule = layers(s)
        assert line["encoding"]["x"]["scale"]["type"] == "log" and line["encoding"]["y"]["field"] == field
        assert tooltip_fields(line) == {"method", "theta", "cosine", "after"}
        thetas = sorted(r["theta"] for r in rows(s) if "what" in r)
        assert thetas == sorted([0.1, clip.comparison.norm_before])
    assert spec(norm_chart)["layer"][0]["encoding"]["y"]["scale"]["type"] == "log"


def test_init_chart_has_the_three_inits_and_the_bound():
    s = spec(v.init_chart(v.init_profiles(SMALL)))
    data = rows(s)
    assert {r["init"] for r in data if "init" in r} == {"orthogonal", "gaussian", "identity"}
    assert any(r.get("what", "").startswith("bound") for r in data)


def test_power_chart_marks_the_peak_and_clips_the_bound():
    pp = v.nonnormal()
    s = spec(v.power_chart(pp))
    line, dot = layers(s)
    assert line["encoding"]["y"]["scale"]["domain"][1] == pytest.approx(pp.peak_log_norm + 3)
    assert line["mark"]["clip"] is True
    assert {"n": pp.peak_n, "log10": pp.peak_log_norm, "what": "peak of ‖Wⁿ‖₂"} in rows(s)
