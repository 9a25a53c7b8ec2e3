"""The Gates page's builders: settings, sentences, formulas and charts.

Charts are read through their Vega-Lite spec and the rows of their data, which must carry the very
numbers the sentences quote; sentences are checked by the template a verdict chooses and the
numbers it carries (verdicts built here by hand, one per case, and from rnn_core on small cells).
"""

import math
import string

import altair as alt
import numpy as np
import pytest

import rnn_core as rc
from tests.ui.test_formulas import balanced
from ui import formulas, palette
from ui.format import number, pow10, pow10_plain
from ui.gates import calls, charts
from ui.gates import text as t
from ui.i18n import say
from ui.state import Network

SMALL = calls.GateSettings(task="remember_first", T=12, H=4, seed=3)


def spec(chart) -> dict:
    with alt.data_transformers.disable_max_rows():
        return chart.to_dict()


def rows(s: dict) -> list[dict]:
    return [row for data in s.get("datasets", {}).values() for row in data]


def fixed(template: str) -> str:
    """The longest stretch of a template's own words (between its fields): what tells it apart."""
    return max((literal for literal, *_ in string.Formatter().parse(template)), key=len)


def by_series(s: dict, key: str = "log10") -> dict[str, dict[int, float]]:
    out: dict[str, dict[int, float]] = {}
    for row in rows(s):
        if "series" in row:  # a curve's point, not a rule
            out.setdefault(row["series"], {})[row["d"]] = row[key]
    return out


# --- settings -----------------------------------------------------------------------------------


def test_settings_come_from_the_sidebar_and_snap_to_the_controls_steps():
    net = Network(H=7, seed=11, w_init="gaussian", w_scale=1.2000000001, activation="relu", T=99)
    s = calls.settings_from(net, task="adding_problem", T=1, forget_bias=1.2, update_bias=-0.76)
    assert (s.H, s.seed, s.w_init, s.w_scale) == (7, 11, "gaussian", 1.2)
    assert (s.forget_bias, s.update_bias) == (1.0, -1.0)
    assert (s.T, s.T_used) == (1, 2)  # the adding problem needs two steps
    assert t.task_note(s) == say(t.TASK_TOO_SHORT, task="adding", min_T=2, asked=1)
    assert (
        t.task_note(calls.settings_from(net, task="remember_first", T=1, forget_bias=1, update_bias=0))
        is None
    )


def test_the_shared_sentence_reads_the_task_and_the_sidebar():
    c = calls.cells(SMALL)
    text = t.shared_text(SMALL, c.task)
    assert "*remember-first* task (T = 12, drawn from seed 3; D = 4 inputs, K = 4 outputs, softmax-CE" in text
    assert "H = 4 hidden units" in text and "orthogonal with σ_max = 1" in text
    assert [type(p) for p in c.params] == [rc.RNNParams, rc.LSTMParams, rc.GRUParams]
    assert all(tr.T == 12 and tr.mask.tolist() == [1.0] * 12 for tr in c.traces)  # every L⁽ˢ⁾ scored


# --- 2. the profiles ----------------------------------------------------------------------------


def test_profile_chart_carries_the_numbers_the_metrics_and_sentences_quote():
    prof = calls.profiles(SMALL)
    s = spec(charts.profile_chart(prof))
    data = by_series(s)
    assert list(data) == [t.cell_label(c) for c in rc.CELL_NAMES]
    for i, name in enumerate(data):
        assert [data[name][d] for d in range(13)] == prof.log_norms[i].tolist()
    metrics = t.profile_metrics(prof)
    for m, r, name in zip(metrics, prof.reaches, data):
        assert m.value == number(data[name][12], ".2f") and pow10_plain(r.log_norm) in m.help
        assert pow10(data[name][12]) in t.reach_text(r)
    colours = s["encoding"]["color"]["scale"]["range"]
    assert colours == [palette.series(i)[0] for i in range(3)]
    assert s["encoding"]["strokeDash"]["scale"]["range"] == [palette.series(i)[1] for i in range(3)]


def _profiles(gains, verdicts, kinds=("neither",) * 3):
    reaches = tuple(rc.Reach(c, k, 20, -g, 1.0) for c, k, g in zip(rc.CELL_NAMES, kinds, gains))
    return rc.StateProfiles(
        rc.CELL_NAMES, np.arange(21), np.zeros((3, 21)), reaches, np.array(gains), verdicts, 1.0
    )


def _gate(gate="f", kind="forgets", best=-5.0, mean=0.7):
    T, H = 20, 2
    products = np.linspace(0, best, T + 1)[:, None].repeat(H, axis=1)
    return rc.GateValues(
        gate, np.full((T, H), mean), np.full(H, 0.73), mean, mean, np.arange(T + 1), products,
        products[:, 0], products[:, 0] - 1, products[:, 0] - 2, 2.2, 1.0, kind,
    )  # fmt: skip


@pytest.mark.parametrize("verdict", ["more", "same", "less", "undefined"])
def test_keep_text_follows_the_verdict_and_quotes_its_gain(verdict):
    p = _profiles([0.0, 2.5, -3.25], ("reference", verdict, verdict))
    gate = _gate("u", mean=0.51)
    text = t.keep_text(p, "gru", gate)
    assert fixed(t.KEEP_TEMPLATES[verdict]) in text
    if verdict == "more":
        assert "-3.25 decades more" in text
    if verdict == "less":
        assert "3.25 decades less" in text and "averages 0.51" in text and "bᵘ" in text
    if verdict == "same":
        assert "3.25 decades apart" in text and "-3.25" not in text and "tolerance of 1 decade" in text


@pytest.mark.parametrize("kind", ["vanishing", "exploding", "neither", "zero", "undefined"])
def test_reach_text_names_the_regime(kind):
    r = rc.Reach("lstm", kind, 4, -2.5 if kind != "undefined" else math.nan, 0.25)
    text = t.reach_text(r)
    assert text.startswith(f"**LSTM: {say(t.REGIME_WORDS[kind])}.**")
    assert fixed(t.reach_template(r)) in text and "d = 4" in text


# --- 3. the carousel ----------------------------------------------------------------------------


def test_carousel_chart_carries_both_curves_and_the_rule_the_text_quotes():
    c = calls.carousel(SMALL)
    s = spec(charts.carousel_chart(c))
    data = by_series(s)
    assert [data[say(t.EXACT_SERIES)][d] for d in range(13)] == c.exact.tolist()
    assert [data[say(t.DIRECT_SERIES)][d] for d in range(13)] == c.direct.tolist()
    direct_m, exact_m, first_m = t.carousel_metrics(c)
    assert direct_m.value == pow10_plain(data[say(t.DIRECT_SERIES)][12])
    assert exact_m.value == pow10_plain(data[say(t.EXACT_SERIES)][12])
    rules = [r for r in rows(s) if "what" in r]
    if c.first_apart is None:
        assert rules == [] and first_m.value == say(t.CAROUSEL_NEVER)
    else:
        assert rules == [{"d": c.first_apart, "what": say(t.APART_RULE)}] and first_m.value == str(
            c.first_apart
        )


def _carousel(kind, first, gap_end):
    d = np.arange(11)
    direct = -0.2 * d
    gap = np.where(d >= (first or 99), gap_end, 0.0)
    if kind == "undefined":
        gap[5:] = np.nan
    return rc.CarouselCheck(d, direct, direct + gap, gap, 0.3, first, float(gap[-1]), kind)


@pytest.mark.parametrize(
    "kind, first, gap_end, words",
    [
        ("parts", 4, 1.5, ["up to d = 3", "From d = 4 on", "1.50 decades", say(t.CAROUSEL_MORE)]),
        ("parts", 6, -0.75, ["up to d = 5", "0.75 decades", say(t.CAROUSEL_LESS)]),
        ("holds", None, 0.0, ["whole sequence", "T = 10", "within 0.3"]),
        ("undefined", None, math.nan, ["From d = 5 on"]),
    ],
)
def test_carousel_text_follows_the_verdict(kind, first, gap_end, words):
    c = _carousel(kind, first, gap_end)
    text = t.carousel_text(c)
    assert fixed(t.carousel_template(c)) in text
    for w in words:
        assert w in text


# --- 4. the gates -------------------------------------------------------------------------------


def test_gate_charts_carry_the_gate_values_and_products_the_text_quotes():
    g = calls.gates(SMALL)
    heat = rows(spec(charts.gate_heatmap(g.forget)))
    assert len(heat) == 12 * 4
    for row in heat:
        assert row["value"] == g.forget.values[row["t"] - 1, row["unit"] - 1]
    s = spec(charts.products_chart(g.forget, g.update))
    data = by_series(s)
    names = [name for name, _, _ in charts.product_series((g.forget, g.update))]
    assert list(data) == names
    for name, values in zip(names, (g.forget.best, g.forget.median, g.update.best, g.update.median)):
        assert [data[name][d] for d in range(13)] == values.tolist()
    text = t.gate_text(g.forget, SMALL.forget_bias)
    assert pow10(data[names[0]][12]) in text and pow10(data[names[1]][12]) in text
    assert f"averages {number(g.forget.mean, '.2f')}" in text
    # the geometric mean quoted is that of the heatmap's cells, and the half-life follows from it
    cells = [row["value"] for row in heat]
    geometric = math.exp(sum(math.log(v) for v in cells) / len(cells))
    assert f"geometric mean {number(geometric, '.2f')}" in text
    assert f"every {number(math.log(0.5) / math.log(geometric), '.2g')} steps" in text
    mean_f, best_f, mean_u, best_u = t.gate_metrics(g.forget, g.update)
    assert best_f.value == pow10_plain(data[names[0]][12]) and best_u.value == pow10_plain(data[names[2]][12])
    assert mean_u.value == number(float(np.mean(g.update.values)), ".3f")


@pytest.mark.parametrize("kind", ["keeps", "forgets", "undefined"])
def test_gate_text_follows_its_verdict(kind):
    g = _gate("f", kind=kind, best=-0.5 if kind == "keeps" else -5.0)
    text = t.gate_text(g, 1.0)
    assert fixed(t.gate_verdict_template(g)) in text
    assert "**LSTM, bᶠ = 1:**" in text and "σ(1) = 0.73" in text


# --- 5. the ledgers -----------------------------------------------------------------------------


def test_ledger_charts_share_one_colour_domain_and_carry_C():
    led = calls.ledgers(SMALL)
    domain = charts.shared_domain(led.rnn.C, led.lstm.C)
    positive = [v for C in (led.rnn.C, led.lstm.C) for v in C.ravel().tolist() if v > 0]
    assert domain == (min(positive), max(positive))
    for ledger in (led.rnn, led.lstm):
        s = spec(charts.ledger_chart(ledger.C, domain))
        data = rows(s)
        assert len(data) == 12 * 13 // 2
        for row in data:
            assert row["value"] == ledger.C[row["s"] - 1, row["k"] - 1] and row["d"] == row["s"] - row["k"]
        colour = s["layer"][1]["encoding"]["color"]["scale"]
        assert colour["type"] == "log" and colour["domain"] == list(domain)
    rnn_m, lstm_m = t.ledger_metrics(led.rnn, led.lstm)
    assert (rnn_m.value, lstm_m.value) == (number(led.rnn.share, ".3g"), number(led.lstm.share, ".3g"))
    assert charts.shared_domain(np.zeros((2, 2)), np.full((2, 2), np.nan)) is None


@pytest.mark.parametrize(
    "settings",
    [SMALL, calls.GateSettings(), calls.GateSettings(task="adding_problem", T=1, H=2, seed=5)]
    + [calls.GateSettings(task="remember_first", T=30, H=8, seed=1, w_scale=8.0)],
)
def test_the_ledgers_drawn_are_ledger_chart_s_specs(settings):
    led = calls.ledgers(settings)
    domain = charts.shared_domain(led.rnn.C, led.lstm.C)
    for ledger, figure in zip((led.rnn, led.lstm), charts.ledger_figures(settings)):
        assert figure.drawable() == charts.ledger_chart(ledger.C, domain).drawable()
        assert figure.to_dict() == charts.ledger_chart(ledger.C, domain).to_dict()


def test_a_filled_ledger_leaves_out_what_is_not_finite_and_keeps_zeros():
    C = np.array([[0.5, 0.0, 0.0], [0.0, np.inf, 0.0], [np.nan, 2.0, 1e-300]])
    for domain in ((1e-300, 2.0), None):
        template = charts._ledger_template(3, domain is not None, "test")
        filled = charts._filled(template, C, domain)
        assert filled == charts.ledger_chart(C, domain).drawable()
    assert charts.ledger_frame(C)[["s", "k"]].values.tolist() == [[1, 1], [2, 1], [3, 2], [3, 3]]


def _ledger(kind, share):
    return rc.LedgerReach(np.zeros((6, 6)), 3, share, 1.0, share, kind)


@pytest.mark.parametrize(
    "kind, rnn, lstm, template",
    [
        ("further", _ledger("measured", 0.001), _ledger("measured", 0.1), t.REACH_FURTHER),
        ("shorter", _ledger("measured", 0.1), _ledger("measured", 0.001), t.REACH_SHORTER),
        ("similar", _ledger("measured", 0.1), _ledger("measured", 0.12), t.REACH_SIMILAR),
        ("none", _ledger("measured", 0.0), _ledger("measured", 0.0), t.REACH_NONE),
        ("undefined", _ledger("too_short", math.nan), _ledger("too_short", math.nan), t.LEDGER_TOO_SHORT),
        ("undefined", _ledger("measured", 0.1), _ledger("zero", math.nan), t.LEDGER_ZERO),
        ("undefined", _ledger("undefined", math.nan), _ledger("measured", 0.1), t.LEDGER_UNDEFINED),
    ],
)
def test_reach_comparison_text_follows_the_verdict(kind, rnn, lstm, template):
    ratio = math.log10(lstm.share / rnn.share) if kind in ("further", "shorter", "similar") else math.nan
    cmp = rc.ReachComparison("rnn", "lstm", rnn.share, lstm.share, ratio, 0.3, kind)
    assert t.reach_comparison_template(cmp, rnn, lstm) is template
    text = t.reach_comparison_text(cmp, rnn, lstm)
    assert fixed(template) in text
    if kind == "further":
        assert "0.1 of its mass" in text and "against 0.001" in text and "2.00 decades" in text
        assert "100 times" in text
    if template is t.LEDGER_ZERO:
        assert "LSTM's ledger" in text


# --- formulas -----------------------------------------------------------------------------------

GATE_FORMULAS = [v for k, v in vars(formulas).items() if k.startswith("GATES_") and isinstance(v, str)]


def test_the_gates_formulas_are_balanced_and_in_the_design_letters():
    assert len(GATE_FORMULAS) == 8
    for tex in GATE_FORMULAS:
        assert balanced(tex), tex
    lstm, gru = formulas.GATES_LSTM_LATEX, formulas.GATES_GRU_LATEX
    for gate in ("f", "g", "q"):
        assert (
            rf"{gate}^{{(t)}} &= \sigma\big(b^{gate} + U^{gate} x^{{(t)}} + W^{gate} h^{{(t-1)}}\big)" in lstm
        )
    assert r"s^{(t)} &= f^{(t)} \odot s^{(t-1)} + g^{(t)} \odot \tanh\big(a^{(t)}\big)" in lstm
    assert r"a^{(t)} &= b + U x^{(t)} + W \big(r^{(t)} \odot h^{(t-1)}\big)" in gru
    assert r"\operatorname{diag}\big(f^{(t)}\big)" in formulas.GATES_CAROUSEL_STEP_LATEX
    assert r"\operatorname{diag}\big(u^{(t)}\big)" in formulas.GATES_GRU_JACOBIAN_LATEX


@pytest.mark.parametrize("forget_kind", ["keeps", "forgets", "undefined", None])
def test_a_shorter_lstm_ledger_blames_the_forget_gates_only_when_they_forget(forget_kind):
    rnn, lstm = _ledger("measured", 0.1), _ledger("measured", 0.001)
    cmp = rc.ReachComparison("rnn", "lstm", rnn.share, lstm.share, -2.0, 0.3, "shorter")
    gate = (
        None
        if forget_kind is None
        else _gate("f", kind=forget_kind, best=-0.5 if forget_kind == "keeps" else -5.0)
    )
    text = t.reach_comparison_text(cmp, rnn, lstm, gate)
    assert text.startswith(fixed(t.REACH_SHORTER).split("{")[0])
    assert ("raise bᶠ" in text) == (forget_kind == "forgets")
    if forget_kind == "keeps":
        assert "do not explain it" in text and pow10(-0.5) in text and "T = 20" in text
    if forget_kind == "forgets":
        assert "forget too fast" in text and pow10(-5.0) in text
    if forget_kind in ("undefined", None):
        assert "forget" not in text


def test_the_reproduction_section_holds_the_tables_as_the_page_frames_them():
    from ui.gates import reproduction

    rep = reproduction._read(reproduction.DATA)
    said = reproduction.section(rep)
    for table, frame in (
        (said.summary, reproduction.summary_frame(rep)),
        (said.runs, reproduction.runs_frame(rep)),
        (said.reference, reproduction.reference_frame(rep)),
    ):
        assert table.to_pandas().equals(frame)
    assert len(said.sentences) == len(rep.setup.cells)


# --- the charts' templates (ui.chart_cache): every fill is compared with Altair's own build -----

TEMPLATED = ("profile_chart", "carousel_chart", "gate_heatmap", "products_chart")


@pytest.mark.parametrize("T", [1, 5, 60])
def test_every_templated_chart_fills_as_altair_builds_over_a_grid(T):
    from ui import chart_cache

    assert chart_cache.VALIDATE  # a fill that differs from Altair's build of the same input raises
    apart = set()
    # the forget bias at both ends of its control (a carousel that holds, one that parts), σ_max(W)
    # from small to large, two seeds and two H: each later input of a shape fills the first's template
    for forget_bias, w_scale in [(calls.BIAS_MAX, 0.5), (calls.BIAS_MIN, 1.0), (0.0, 3.0)]:
        for seed, H in [(0, 16), (1, 16), (2, 4)]:
            s = calls.GateSettings(T=T, H=H, seed=seed, forget_bias=forget_bias, w_scale=w_scale)
            car, g = calls.carousel(s), calls.gates(s)
            charts.profile_chart(calls.profiles(s))
            charts.carousel_chart(car)
            charts.gate_heatmap(g.forget)
            charts.gate_heatmap(g.update)
            charts.products_chart(g.forget, g.update)
            apart.add(car.first_apart is None)
    made = {key[0].rsplit(".", 1)[1] for key in chart_cache._TEMPLATES if key[0].startswith(charts.__name__)}
    assert made >= set(TEMPLATED)
    if T < 60:  # at T = 60 every one of these carousels parts
        assert apart == {True, False}  # both shapes of the carousel chart: with its rule and without


def test_the_distance_axes_tick_whole_steps_also_at_a_short_T():
    s = calls.GateSettings(T=5)
    g = calls.gates(s)
    for chart in (charts.profile_chart(calls.profiles(s)), charts.products_chart(g.forget, g.update)):
        axis = spec(chart)["encoding"]["x"]["axis"]
        assert axis["tickMinStep"] == 1 and axis["format"] == "d"
