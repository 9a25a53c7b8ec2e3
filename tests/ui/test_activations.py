"""Builders of the "Activation derivatives" page: data, Vega-Lite specs, tables and captions."""

import math

import numpy as np
import pytest

import rnn_core as rc
from ui import activations as ua
from ui import formulas as uf
from ui.activations import calls, charts, text
from ui.data import live_network
from ui.i18n import say
from ui.state import ACTIVATION_LABELS, Network

NAMES = list(rc.ACTIVATIONS)


@pytest.fixture(scope="module")
def curves():
    return calls.curve_data(8)


@pytest.fixture(scope="module")
def f64():
    return calls.float64_data()


def datasets(spec: dict) -> list[list[dict]]:
    return list(spec["datasets"].values())


def layers(spec: dict) -> list[dict]:
    """Every single view in a (possibly nested) spec."""
    out = []
    for key in ("vconcat", "hconcat", "layer"):
        for sub in spec.get(key, []):
            out += layers(sub)
    if "mark" in spec:
        out.append(spec)
    return out


def mark_type(view: dict) -> str:
    return view["mark"]["type"] if isinstance(view["mark"], dict) else view["mark"]


def tooltip_fields(view: dict) -> set[str]:
    return {t["field"] for t in view["encoding"].get("tooltip", []) if "field" in t}


# --- numbers as text (the formatters themselves: tests/ui/test_format.py) ----------------------


def test_where_names_a_point_a_symmetric_pair_or_an_interval():
    assert text.where(0.0, 0.0) == "a = 0"
    assert text.where(-8.0, 8.0) == "a = ±8"
    assert text.where(0.0004, 8.0) == "a ∈ [4.00·10⁻⁴, 8]"


# --- the f / f′ chart ----------------------------------------------------------------------------------


def test_curve_data_holds_f_and_f_prime_from_rnn_core(curves):
    for name in NAMES:
        rows = curves.curves[curves.curves["name"] == name]
        act = rc.ACTIVATIONS[name]
        np.testing.assert_array_equal(rows["f"], act.f(rows["a"].to_numpy()))
        np.testing.assert_array_equal(rows["df"], act.df(rows["a"].to_numpy()))
        assert rows["a"].min() == -8.0 and rows["a"].max() == 8.0 and (rows["a"] == 0.0).any()
    peaks = curves.peaks.set_index("name")
    for name in NAMES:
        assert peaks.loc[name, "gamma"] == rc.ACTIVATIONS[name].gamma
        # the point drawn is where f′ equals γ
        assert rc.ACTIVATIONS[name].df(np.array([peaks.loc[name, "a"]]))[0] == rc.ACTIVATIONS[name].gamma
    assert peaks.loc["tanh", "a"] == 0.0 and peaks.loc["sigmoid", "a"] == 0.0
    assert curves.check_points == 2 * ua.CHECK_HALF + 1


def test_curves_chart_spec_has_three_panels_with_their_encodings(curves):
    spec = charts.curves_chart(curves, NAMES).to_dict()
    assert len(spec["vconcat"]) == 3
    assert spec["autosize"]["type"] == "fit-x"
    f_panel, df_panel, strip = spec["vconcat"]
    assert f_panel["encoding"]["x"]["field"] == "a" and f_panel["encoding"]["y"]["field"] == "f"
    assert {"activation", "a", "f", "df"} <= tooltip_fields(f_panel)
    marks = {mark_type(v): v for v in df_panel["layer"]}
    assert marks["line"]["encoding"]["y"]["field"] == "df"
    assert marks["rule"]["encoding"]["y"]["field"] == "gamma"
    assert (
        marks["point"]["encoding"]["x"]["field"] == "a"
        and marks["point"]["encoding"]["y"]["field"] == "gamma"
    )
    assert "attained" in tooltip_fields(marks["point"])
    rect = next(v for v in strip["layer"] if mark_type(v) == "rect")
    assert rect["encoding"]["x"]["field"] == "lo" and rect["encoding"]["x2"]["field"] == "hi"
    assert "threshold" in tooltip_fields(rect)
    # the threshold is on the chart, in its title; the thresholds per activation are said under it
    # (a subtitle would collapse the plot at 390 px: fit-x counts its unbounded width)
    assert "0.01·γ" in strip["title"]["text"] and "subtitle" not in strip["title"]
    assert "f′ < 0.0025 for sigmoid" in text.strip_caption(NAMES)
    # one x scale for the three panels, fixed to [−A, A]
    assert spec["resolve"]["scale"]["x"] == "shared"
    assert f_panel["encoding"]["x"]["scale"]["domain"] == [-8.0, 8.0]
    # colors fixed per activation, whatever is shown
    color = f_panel["encoding"]["color"]["scale"]
    assert color["domain"] == [ACTIVATION_LABELS[n] for n in NAMES]
    assert f_panel["encoding"]["color"]["legend"]["values"] == [ACTIVATION_LABELS[n] for n in NAMES]


def test_curves_chart_draws_only_the_shown_activations(curves):
    spec = charts.curves_chart(curves, ["sigmoid", "relu"]).to_dict()
    shown = {row["activation"] for data in datasets(spec) for row in data if "activation" in row}
    assert shown == {"sigmoid", "ReLU"}
    # colors stay those of the full set; the legend lists the two shown
    color = spec["vconcat"][0]["encoding"]["color"]
    assert color["scale"]["domain"] == [ACTIVATION_LABELS[n] for n in NAMES]
    assert color["legend"]["values"] == ["sigmoid", "ReLU"]


def test_strip_frame_has_every_saturated_run_and_a_note_for_the_others(curves):
    strip = charts.strip_frame(curves, NAMES)
    runs = strip[strip["lo"].notna()]
    assert sorted(runs["name"].unique()) == ["relu", "sigmoid", "tanh"]
    assert len(runs[runs["name"] == "tanh"]) == 2 and len(runs[runs["name"] == "relu"]) == 1
    for name in ("tanh", "sigmoid", "relu"):
        act = rc.ACTIVATIONS[name]
        for r in runs[runs["name"] == name].itertuples():
            # inside a run f′ is below the threshold, at both ends
            assert act.df(np.array([r.lo, r.hi])).max() < 0.01 * act.gamma
            assert r.threshold == 0.01 * act.gamma
    notes = strip[strip["lo"].isna()].set_index("name")["note"]
    assert set(notes.index) == {"leaky_relu", "linear"}
    assert notes["linear"].startswith("never")


def _curves_notice(tanh_edge: str, sigmoid_edge: str) -> str:
    """CURVES_NOTICE filled here with the given edge phrases and the constants written out."""
    return say(
        text.CURVES_NOTICE,
        gamma_sigmoid="0.25",
        gamma_tanh="1",
        where="a = 0",
        fraction="0.01",
        tanh_edge=tanh_edge,
        sigmoid_edge=sigmoid_edge,
        slope="0.01",
        damping="100",
    )


def test_curves_notice_reports_the_saturation_edges_near_the_closed_form(curves):
    tanh_edge, sigmoid_edge = curves.edges["tanh"], curves.edges["sigmoid"]
    # the grid step is 8/20 000: the first grid point past the closed-form edge
    step = 8 / ua.CHECK_HALF
    closed_tanh = math.atanh(math.sqrt(0.99))  # tanh′ = 1 − tanh² = 0.01
    c = 0.0025  # sigmoid′ = e/(1+e)² = c, the small root in e = exp(−|a|)
    e = ((1 - 2 * c) - math.sqrt((1 - 2 * c) ** 2 - 4 * c * c)) / (2 * c)
    for got, closed in ((tanh_edge, closed_tanh), (sigmoid_edge, -math.log(e))):
        assert closed < got <= closed + step * (1 + 1e-9)
    said = text.curves_notice(curves)
    assert said == _curves_notice(
        say(text.EDGE_AT, name="tanh", a=text.sci(tanh_edge)),
        say(text.EDGE_AT, name="sigmoid", a=text.sci(sigmoid_edge)),
    )


def test_curves_notice_says_where_nothing_saturates_on_a_short_range():
    data = calls.curve_data(3)
    assert data.edges["sigmoid"] is None  # sigmoid′ < 0.0025 needs |a| > 5.99
    assert data.edges["tanh"] == pytest.approx(math.atanh(math.sqrt(0.99)), abs=3 / ua.CHECK_HALF)
    assert text.curves_notice(data) == _curves_notice(
        say(text.EDGE_AT, name="tanh", a=text.sci(data.edges["tanh"])),
        say(text.EDGE_NOWHERE, name="sigmoid", a_max="3"),
    )


def test_strip_lanes_follow_the_fixed_order_of_the_activations(curves):
    spec = charts.curves_chart(curves, ["relu", "sigmoid"]).to_dict()
    lanes = spec["vconcat"][2]["layer"][0]["encoding"]["y"]["scale"]["domain"]
    assert lanes == ["sigmoid", "ReLU"]


# --- the ranges table ------------------------------------------------------------------------------------


def test_ranges_table_rows_carry_rnn_core_ranges_and_computed_checks(curves):
    table = text.ranges_table(curves, NAMES)
    lines = table.splitlines()
    assert len(lines) == 2 + len(NAMES)
    assert all(line.count("|") == 10 for line in lines)  # no stray "|" from the formulas
    for name, line in zip(NAMES, lines[2:]):
        act = rc.ACTIVATIONS[name]
        assert f"${act.latex_f}$" in line and f"${act.latex_range_df}$" in line
        assert "= γ ✓" in line
    assert r"$\{0,\ 1\}$" in lines[4] and r"$\{0.01,\ 1\}$" in lines[5] and r"$\{1\}$" in lines[6]
    assert "> 0 at a = ±8" in lines[2] and "> 0 at a = ±8" in lines[3]  # tanh′, sigmoid′: open at 0


def test_a_wrong_gamma_would_show_a_cross(curves):
    check = curves.checks["sigmoid"]
    wrong = type(check)(**{**check.__dict__, "gamma": 0.3})
    assert "✗" in text._max_text(wrong) and "✓" not in text._max_text(wrong)


def test_homework_corrections_use_rnn_core_ranges_and_computed_maxima(curves):
    said = text.homework_corrections(curves)
    assert r"tanh′ ranges over $(0,\ 1]$, not $(0,\ 1)$" in said
    assert "the max of tanh′ on the grid is 1, at a = 0" in said
    assert r"sigmoid′ ranges over $(0,\ \tfrac{1}{4}]$" in said and "max 0.25 at a = 0" in said
    assert "decided by W" in said


# --- γᵏ -------------------------------------------------------------------------------------------


def test_gamma_powers_chart_is_on_a_log_axis_with_tooltips():
    data = calls.gamma_power_data(50)
    assert len(data) == 51 * len(NAMES)
    sig = data[data["name"] == "sigmoid"]
    np.testing.assert_allclose(sig["gamma_k"], [0.25**k for k in range(51)], rtol=1e-13)
    spec = charts.gamma_powers_chart(data, ["sigmoid", "tanh"]).to_dict()
    assert spec["encoding"]["y"]["scale"]["type"] == "log"
    assert spec["encoding"]["y"]["field"] == "gamma_k" and spec["encoding"]["x"]["field"] == "k"
    assert {"activation", "gamma", "k", "gamma_k"} <= tooltip_fields(spec)
    # the log axis reaches down to the smallest γᵏ shown
    assert spec["encoding"]["y"]["scale"]["domain"][0] <= 0.25**50
    assert "γᵏ = 7.89·10⁻³¹" in text.gamma_notice(data, 50)  # 2⁻¹⁰⁰


# --- the live network ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def relu_stats():
    a = np.ones((6, 1, 4))
    a[3, 0, :] = -1.0  # every unit off at t = 4
    a[1, 0, 2] = -2.0
    return rc.derivative_stats("relu", a)


def test_histogram_chart_bars_count_every_value(relu_stats):
    frame = charts.histogram_frame(relu_stats)
    assert frame["count"].sum() == relu_stats.n_finite == 24
    assert frame["count"].iloc[0] == 5 and frame["count"].iloc[-1] == 19  # ReLU′ is 0 or 1
    spec = charts.histogram_chart(relu_stats).to_dict()
    rect, rule, _ = spec["layer"]
    assert mark_type(rect) == "rect" and rect["encoding"]["y2"]["field"] == "zero"
    assert {"lo", "hi", "count", "share"} <= tooltip_fields(rect)
    assert mark_type(rule) == "rule" and rule["encoding"]["x"]["field"] == "threshold"
    rule_rows = next(d for d in datasets(spec) if d and "threshold" in d[0])
    assert rule_rows[0]["threshold"] == 0.01


def test_products_frame_leaves_out_the_exact_zeros_and_says_where_they_start(relu_stats):
    frame = charts.products_frame(relu_stats)
    maxes = frame[frame["series"] == "Π max over units of f′"]
    # steps 6, 5 pass (k = 1, 2), step 4 has every unit off: from k = 3 on the product is exactly 0
    assert list(maxes["k"]) == [1, 2] and list(maxes["log10"]) == [0.0, 0.0]
    assert np.isfinite(frame["log10"]).all()
    bound = rc.product_bound(relu_stats, 1.0)
    assert bound.kind == "cut" and (bound.cut_from, bound.cut_step) == (3, 4)
    said = text.products_notice(bound)
    assert said.endswith(say(text.PRODUCTS_BOUND["cut"], bound="-inf", cut_from=3, cut_step=4))
    spec = charts.products_chart(relu_stats).to_dict()
    assert spec["encoding"]["y"]["field"] == "log10" and {"series", "k", "log10"} <= tooltip_fields(spec)


def test_products_frame_matches_a_plain_product():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((9, 1, 5)) * 2
    stats = rc.derivative_stats("tanh", a)
    frame = charts.products_frame(stats)
    means = frame[frame["series"] == "Π mean over units of f′"]["log10"].to_numpy()
    df = rc.ACTIVATIONS["tanh"].df(a)[:, 0, :]
    for k in range(1, 10):
        prod = math.prod(float(np.mean(df[t])) for t in range(9 - k, 9))
        assert means[k - 1] == pytest.approx(math.log10(prod), abs=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_histogram_notice_speaks_of_the_network_activation(name):
    a = np.linspace(-3, 3, 40).reshape(4, 1, 10)
    stats = rc.derivative_stats(name, a)
    said = text.histogram_notice(stats)
    # the numbers counted here from a, not from the stats
    fields = dict(slope="0.01", damping="100", fraction="0.01")
    if name == "relu":
        expected = say(text.HISTOGRAM_NOTICE["relu"], zero=f"{np.mean(a <= 0):.1%}", **fields)
    elif name in ("tanh", "sigmoid"):
        act = rc.ACTIVATIONS[name]
        df = act.df(a)
        expected = say(
            text.HISTOGRAM_NOTICE["smooth"],
            saturated=f"{np.mean(df < 0.01 * act.gamma):.1%}",
            mean=text.sci(float(np.mean(df))),
            gamma=f"{act.gamma:g}",
            **fields,
        )
    elif name == "leaky_relu":
        mean = text.sci(float(np.mean(np.where(a > 0, 1.0, 0.01))))
        expected = say(text.HISTOGRAM_NOTICE["leaky_relu"], mean=mean, **fields)
    else:
        expected = say(text.HISTOGRAM_NOTICE["linear"])
    assert said == expected


# --- float64 -----------------------------------------------------------------------------------------


def test_float64_table_rows_hold_on_the_float64_grid(f64):
    table = f64.table
    assert len(table) == 8  # tanh, sigmoid × rnn_core, textbook × a > 0, a < 0
    for r in table.itertuples():
        assert r.df_at == 0.0 and r.df_before > 0.0
        assert r.before == np.nextafter(r.threshold, 0.0)
    said = text.float64_table(f64)
    assert all(line.count("|") == 7 for line in said.splitlines())
    assert repr(1075 * math.log(2)) in said or "745.133219101941" in said


def test_float64_charts_end_each_line_before_its_zero(f64):
    zoom, full = charts.float64_charts(f64)
    for chart, a_max in ((zoom, ua.ZOOM_A), (full, ua.FULL_A)):
        spec = chart.to_dict()
        line, rule = spec["layer"]
        assert line["encoding"]["y"]["field"] == "log10_df" and {"a", "log10_df", "form"} <= tooltip_fields(
            line
        )
        assert line["encoding"]["x"]["scale"]["domain"] == [0, a_max]
        assert rule["encoding"]["x"]["field"] == "threshold"
        rules = next(d for d in datasets(spec) if d and "threshold" in d[0])
        assert all(row["threshold"] <= a_max for row in rules)
    # every drawn value is finite, and lies before its form's a > 0 edge
    edges = f64.table[f64.table["side"] == "a > 0"].set_index(["activation", "form"])["threshold"]
    assert np.isfinite(f64.curves["log10_df"]).all()
    for (act, form), rows in f64.curves.groupby(["activation", "form"]):
        assert rows["a"].max() < edges[act, form]


def test_float64_meaning_for_bounded_and_piecewise_linear_activations(f64):
    a = np.array([0.0, 20.0, 40.0, 400.0]).reshape(4, 1, 1)
    said = text.float64_meaning(f64, rc.derivative_stats("tanh", a))
    assert "would round 75.0% of its f′ values to exactly 0.0; rnn_core's form rounds 25.0%" in said
    said = text.float64_meaning(f64, rc.derivative_stats("leaky_relu", a))
    assert said.endswith(say(text.IN_NETWORK["never_zero"], name="leaky-ReLU"))
    said = text.float64_meaning(f64, rc.derivative_stats("relu", a))  # f′(0) = 0: one of the four
    assert said.endswith(say(text.IN_NETWORK["relu"], name="ReLU", zero="25.0%"))


def test_latex_builders_use_the_notation():
    assert "0.01" in uf.saturation_latex()
    assert r"1 - \tanh^2 a" in uf.forms_latex("tanh") and r"e^{-2\lvert a\rvert}" in uf.forms_latex("tanh")


def test_network_metrics_carry_the_stats_numbers(relu_stats):
    values, saturated, zero, mean = text.network_metrics(relu_stats)
    assert values[1] == "24" and "0.01" in saturated[0] and "100" in saturated[2]
    assert zero[1] == f"{5 / 24:.1%}" and mean[1] == text.sci(relu_stats.mean)
    assert "γ = 1" in mean[2]


def test_network_intro_counts_the_steps_taken_and_quotes_the_current_W():
    net = Network(w_scale=1.5, H=6, T=8)
    for steps, after in ((0, ""), (1, ", after 1 gradient step"), (5, ", after 5 gradient steps")):
        live = calls.network_derivatives(net, steps)
        # σ_max of the W after the steps, computed here by an SVD of its own
        W = live_network(net, steps).params.W
        sigma = np.linalg.svd(W, compute_uv=False)[0]
        assert live.sigma_max == pytest.approx(sigma, rel=1e-12)
        expected = say(text.NETWORK_INTRO, name="tanh", H=6, T=8, sigma=f"{sigma:.4g}", after=after)
        assert text.network_intro(live, "tanh", 6, 8) == expected
    assert calls.network_derivatives(net, 5).sigma_max != pytest.approx(1.5, abs=1e-4)  # W moved
