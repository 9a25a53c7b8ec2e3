"""The Training lab's builders: runs against rnn_core.train called directly, settings, labels,
summaries and CSV against plain recomputations, the chart specs, and each preset's finding."""

import io
import itertools
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import rnn_core as rc
import ui.training as tl
from rnn_core import DIVERGED, HISTORY_KEYS
from ui.state import Network

TINY = tl.RunSettings(task="remember_first", T=6, H=5, steps=8, batch_size=4)


def assert_same_history(got: dict, expected: dict) -> None:
    assert set(got) == set(expected)
    for key in expected:
        np.testing.assert_array_equal(got[key], expected[key], err_msg=key)


# --- one run -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings, D, K",
    [
        (
            replace(
                TINY, activation="relu", w_init="identity", w_scale=1.2, clip="norm", threshold=0.5, tau=3
            ),
            4,
            4,
        ),
        (
            replace(
                TINY, task="adding_problem", w_init="gaussian", clip="elementwise", threshold=0.1, seed=3
            ),
            2,
            1,
        ),
    ],
)
def test_train_run_is_rnn_core_train_on_the_sidebar_network(settings, D, K):
    record = tl.train_run(settings)
    params = rc.RNNParams.init(
        D, settings.H, K, w_init=settings.w_init, w_scale=settings.w_scale, seed=settings.seed
    )
    direct = rc.train(
        params,
        settings.task,
        T=settings.T,
        activation=settings.activation,
        lr=settings.lr,
        steps=settings.steps,
        batch_size=settings.batch_size,
        clip=settings.clip,
        threshold=settings.threshold,
        truncate=settings.tau or None,
        seed=settings.seed,
    )
    assert_same_history(record.history, direct.history)
    assert record.baseline_loss == direct.baseline_loss
    assert record.steps_run == settings.steps and record.stop_reason is None


def test_the_callback_sees_every_step_and_a_partial_record_rebuilds_the_history():
    seen = []
    record = tl.train_run(TINY, lambda step, rec: seen.append(rec))
    assert [r["step"] for r in seen] == list(range(TINY.steps))
    assert_same_history(tl.partial_record(TINY, seen).history, record.history)


def test_task_shape_matches_the_tasks_own_batches():
    for name in rc.TASKS:
        batch = rc.batch_at(name, 0, T=5, batch_size=3)
        assert tl.task_shape(name) == (batch.xs.shape[2], batch.n_out, batch.loss)


def test_task_bullets_state_each_tasks_own_sizes_and_loss():
    text = tl.task_bullets()
    names = {"softmax_ce": "softmax-CE", "mse": "MSE"}
    for name, label in tl.TASK_LABELS.items():
        batch = rc.batch_at(name, 0, T=4, batch_size=2)
        (line,) = [x for x in text.splitlines() if x.startswith(f"- **{label}**")]
        assert line.endswith(f"({names[batch.loss]}, D = {batch.xs.shape[2]}, K = {batch.n_out}).")


# --- settings ------------------------------------------------------------------------------------


def test_settings_from_takes_the_network_from_the_sidebar_and_normalises_what_does_not_matter():
    net = Network(activation="relu", H=7, T=99, D=9, K=9, w_init="identity", w_scale=1.5, seed=4)
    controls = dict(
        task="adding_problem", T=12, clip="none", threshold=5.0, tau=12, lr=0.03, steps=50, batch_size=8
    )
    s = tl.settings_from(net, **controls)
    assert (s.activation, s.H, s.w_init, s.w_scale, s.seed) == ("relu", 7, "identity", 1.5, 4)
    assert s.T == 12  # the page's own T, not the sidebar's
    assert s.threshold == tl.DEFAULT.threshold and s.tau == 0  # no clipping; τ ≥ T is full BPTT
    # settings that give the same run are equal, so they share one cache key
    assert s == tl.settings_from(net, **{**controls, "threshold": 0.1, "tau": 0})
    assert tl.settings_from(net, **{**controls, "clip": "norm"}).threshold == 5.0
    assert tl.settings_from(net, **{**controls, "tau": 11}).tau == 11


def test_normalising_never_changes_the_run():
    s = replace(TINY, clip="none", threshold=7.0, tau=50)
    assert_same_history(tl.train_run(tl.normalised(s)).history, tl.train_run(s).history)


def test_long_runs_are_warned_about_and_the_longest_refused():
    assert tl.long_run_message(tl.DEFAULT) is None
    for preset in tl.PRESETS:
        for run in preset.runs:
            assert tl.long_run_message(run) is None
    biggest = replace(tl.DEFAULT, T=tl.T_MAX, H=128, steps=tl.STEPS_MAX, batch_size=max(tl.BATCH_SIZES))
    message, refused = tl.long_run_message(biggest)
    assert refused and "lower the steps" in message
    # the estimate grows with every size
    for field in ("T", "H", "steps", "batch_size"):
        bigger = replace(tl.DEFAULT, **{field: 2 * getattr(tl.DEFAULT, field)})
        assert tl.estimated_seconds(bigger) > tl.estimated_seconds(tl.DEFAULT)


# --- labels, summaries, CSV ----------------------------------------------------------------------


def test_labels_name_exactly_the_settings_that_differ():
    a = tl.RunSettings(activation="tanh")
    b = tl.RunSettings(activation="relu", clip="norm", threshold=1.0)
    assert tl.run_labels([a, b]) == ["tanh, clip=none", "ReLU, clip=norm 1"]
    assert tl.run_labels([a]) == ["tanh, T=10, clip=none"]
    assert tl.run_labels([a, replace(a, T=60)]) == ["T=10", "T=60"]
    c = replace(a, tau=5, lr=0.01)
    assert tl.run_labels([a, c, b]) == [
        "tanh, clip=none, τ=full, lr=0.1",
        "tanh, clip=none, τ=5, lr=0.01",
        "ReLU, clip=norm 1, τ=full, lr=0.1",
    ]


def test_labels_of_distinct_runs_are_distinct_and_made_of_their_differences():
    options = dict(
        task=list(tl.TASK_LABELS),
        activation=["tanh", "relu"],
        clip=["none", "norm"],
        tau=[0, 3],
        w_init=["orthogonal", "identity"],
    )
    grid = [tl.RunSettings(**dict(zip(options, values))) for values in itertools.product(*options.values())]
    rng = np.random.default_rng(0)
    for _ in range(40):
        picked = [grid[i] for i in rng.choice(len(grid), size=rng.integers(2, 5), replace=False)]
        labels = tl.run_labels(picked)
        assert len(set(labels)) == len(labels)
        for s, label in zip(picked, labels):
            parts = label.split(", ")
            for name, text in tl.FIELD_TEXT.items():
                differs = len({text(p) for p in picked}) > 1
                assert (text(s) in parts) == differs, (name, label)


def record_from(loss, baseline, share, stop=None, steps=None) -> tl.RunRecord:
    n = len(loss)
    history = {
        "step": np.arange(n),
        "loss": np.asarray(loss, float),
        "baseline": np.asarray(baseline, float),
        "grad_norm": np.linspace(1.0, 2.0, n),
        "grad_norm_clipped": np.linspace(1.0, 2.0, n),
        "clipped": np.arange(n) % 2 == 0,
        "long_range_norm": np.ones(n),
        "long_range_share": np.asarray(share, float),
        "sigma_max": np.full(n, 1.1),
    }
    settings = replace(tl.DEFAULT, steps=steps or n)
    return tl.RunRecord(settings, history, float(np.mean(baseline)), stop, None if stop is None else n - 1)


def test_final_ratio_and_median_share_against_a_plain_loop():
    rng = np.random.default_rng(1)
    for n in (1, 5, 10, 37, 300):
        loss, baseline = rng.uniform(0.1, 2.0, n), rng.uniform(0.5, 1.5, n)
        share = rng.uniform(0, 1, n)
        share[1::7] = np.nan
        record = record_from(loss, baseline, share)
        k = max(1, n // 10)  # the last 10% of the steps
        num = den = 0.0
        for i in range(n - k, n):
            num += loss[i]
            den += baseline[i]
        assert tl.final_ratio(record) == pytest.approx(num / den, rel=1e-12)
        finite = sorted(x for x in share if x == x)
        m = len(finite)
        median = finite[m // 2] if m % 2 else (finite[m // 2 - 1] + finite[m // 2]) / 2
        assert tl.median_share(record) == pytest.approx(median, rel=1e-12)
    assert tl.final_ratio(record_from([1.0, np.inf], [1, 1], [0.5, 0.5], stop="non-finite loss")) == np.inf


def test_summary_table_has_one_row_per_run():
    a = tl.train_run(TINY)
    b = tl.train_run(replace(TINY, clip="norm", threshold=0.1))
    labels = tl.run_labels([a.settings, b.settings])
    table = tl.summary_table([a, b], labels)
    assert list(table["run"]) == labels
    assert list(table["steps clipped"]) == [int(a.history["clipped"].sum()), int(b.history["clipped"].sum())]
    assert table["steps clipped"][1] > 0  # a threshold of 0.1 clips
    assert float(table["max ‖g‖"][0]) == pytest.approx(max(a.history["grad_norm"]), rel=1e-3)


def test_csv_parses_back_to_every_history_of_every_run():
    runs = [tl.train_run(TINY), tl.train_run(replace(TINY, activation="relu", steps=5))]
    labels = tl.run_labels([r.settings for r in runs])
    table = pd.read_csv(io.StringIO(tl.runs_csv(runs, labels)))
    assert list(table.columns) == ["run", "settings", *HISTORY_KEYS]
    assert len(table) == sum(r.steps_run for r in runs)
    for record, label in zip(runs, labels):
        rows = table[table["run"] == label]
        assert set(rows["settings"]) == {tl.settings_text(record.settings)}
        for key in HISTORY_KEYS:
            np.testing.assert_array_equal(rows[key].to_numpy(), record.history[key], err_msg=key)


def test_a_stopped_run_says_where_and_why():
    record = tl.train_run(replace(TINY, T=10, H=16, activation="relu", w_scale=3.0, steps=50))
    assert record.stop_reason in DIVERGED
    text = tl.stop_message(record, "ReLU")
    assert f"stopped at step {record.stop_step} of 50" in text
    assert "float64" in text and "Clipping the gradient norm" in text
    assert tl.stop_message(tl.train_run(TINY), "tanh") is None


# --- charts --------------------------------------------------------------------------------------


def layers(chart) -> list[dict]:
    spec = chart.to_dict()
    return spec.get("layer", [spec])


def datasets(chart) -> list[list[dict]]:
    return list(chart.to_dict().get("datasets", {}).values())


def layer_rows(chart, i: int) -> list[dict]:
    """The data rows that layer ``i`` of a layered chart draws."""
    spec = chart.to_dict()
    return spec["datasets"][spec["layer"][i]["data"]["name"]]


@pytest.fixture(scope="module")
def two_runs():
    runs = [tl.train_run(TINY), tl.train_run(replace(TINY, clip="norm", threshold=0.1))]
    return runs, tl.run_labels([r.settings for r in runs])


def test_chart_specs_have_log_scales_colour_by_run_and_tooltips(two_runs):
    runs, labels = two_runs
    charts = tl.chart_set(runs, labels).charts
    expected_y = {"loss": "loss", "grad_norm": "grad_norm", "share": "long_range_share", "sigma": "sigma_max"}
    for name, field in expected_y.items():
        line = layers(charts[name])[0]
        enc = line["encoding"]
        assert line["mark"]["type"] == "line"
        assert enc["x"]["field"] == "step" and enc["y"]["field"] == field
        assert enc["y"]["scale"]["type"] == "log", name
        assert "log scale" in enc["y"]["title"]
        assert enc["color"]["field"] == "run" and enc["color"]["scale"]["domain"] == labels
        tips = {t["field"] for t in enc["tooltip"]}
        assert {"run", "step", field} <= tips
    loss_rule = layers(charts["loss"])[1]
    assert loss_rule["mark"]["type"] == "rule" and loss_rule["encoding"]["y"]["field"] == "baseline"
    marks = layers(charts["grad_norm"])[1]
    assert marks["mark"]["type"] == "point" and marks["transform"] == [{"filter": "datum.clipped"}]
    sigma_rule = layers(charts["sigma"])[1]
    assert sigma_rule["mark"]["type"] == "rule" and sigma_rule["encoding"]["y"]["field"] == "border"


def test_chart_data_are_the_histories_and_the_baselines(two_runs):
    runs, labels = two_runs
    charts = tl.chart_set(runs, labels).charts
    rows = layer_rows(charts["loss"], 0)
    for record, label in zip(runs, labels):
        got = [r["loss"] for r in rows if r["run"] == label]
        np.testing.assert_allclose(got, record.history["loss"], rtol=1e-15)
    rules = layer_rows(charts["loss"], 1)
    assert {r["run"]: r["baseline"] for r in rules} == {
        label: record.baseline_loss for record, label in zip(runs, labels)
    }
    borders = layer_rows(charts["sigma"], 1)
    assert borders == [{"activation": "tanh", "border": 1.0 / rc.ACTIVATIONS["tanh"].gamma}]


def test_non_finite_and_zero_values_are_left_out_and_said_so():
    share = [0.5, 0.0, np.nan, 0.2]
    record = record_from([1.0, np.inf, 0.5, np.nan], [1, 1, 1, 1], share)
    charts = tl.chart_set([record], ["run"])
    assert "1 infinite and 1 not-a-number" in charts.notes["loss"]
    assert "1 not-a-number" in charts.notes["share"] and "exactly 0" in charts.notes["share"]
    assert charts.notes["grad_norm"] is None and charts.notes["sigma"] is None
    for chart in charts.charts.values():
        for data in datasets(chart):
            for row in data:
                for value in row.values():
                    if isinstance(value, float):
                        assert np.isfinite(value)


# --- presets: each one's finding holds on a fresh run ---------------------------------------------


def test_presets_end_on_the_controls_they_show():
    for preset in tl.PRESETS:
        assert len(preset.runs) <= tl.MAX_RUNS
        assert all(tl.normalised(s) == s for s in preset.runs)
        values = tl.control_values(preset.runs[-1])
        assert values["tT"] == preset.runs[-1].T and values["act"] == preset.runs[-1].activation
        assert len(set(tl.run_labels(preset.runs))) == len(preset.runs)


@pytest.fixture(scope="module")
def preset_runs():
    """Every distinct run of the presets, trained once (the presets share some)."""
    distinct = {s for p in tl.PRESETS for s in p.runs}
    return {s: tl.train_run(s) for s in distinct}


def test_preset_1_short_dependency_is_learned(preset_runs):
    (short,) = tl.PRESETS_BY_KEY["short"].runs
    record = preset_runs[short]
    assert record.stop_reason is None
    assert tl.final_ratio(record) < 0.1  # far below the constant guess
    assert tl.median_share(record) > 0.1  # a large share of ∂L/∂W crosses ≥ T/2 steps


def test_preset_2_the_same_network_fails_at_long_T(preset_runs):
    short, long = tl.PRESETS_BY_KEY["long"].runs
    assert replace(long, T=short.T) == short  # only T differs
    assert tl.final_ratio(preset_runs[short]) < 0.1
    assert tl.final_ratio(preset_runs[long]) > 0.8  # on the baseline
    assert tl.median_share(preset_runs[long]) < 1e-2
    assert tl.median_share(preset_runs[long]) < tl.median_share(preset_runs[short]) / 100


def test_preset_3_unclipped_explodes_and_clipped_learns(preset_runs):
    bare, clipped = tl.PRESETS_BY_KEY["explode"].runs
    assert replace(clipped, clip="none", threshold=bare.threshold) == bare  # only clipping differs
    exploded, learned = preset_runs[bare], preset_runs[clipped]
    assert exploded.diverged and exploded.stop_step < 20
    norms = exploded.history["grad_norm"]
    assert np.nanmax(norms[np.isfinite(norms)]) > 1e6 * norms[0]  # many orders of magnitude
    assert not learned.diverged and learned.steps_run == clipped.steps
    assert learned.history["clipped"].any()
    assert tl.final_ratio(learned) < 0.5


def test_preset_4_identity_relu_keeps_the_long_range_share(preset_runs):
    *others, irnn = tl.PRESETS_BY_KEY["irnn"].runs
    assert (irnn.activation, irnn.w_init) == ("relu", "identity")
    assert {(s.activation, s.w_init) for s in others} == {("tanh", "gaussian"), ("relu", "gaussian")}
    assert all(replace(s, activation="relu", w_init="identity") == irnn for s in others)
    kept = tl.median_share(preset_runs[irnn])
    assert kept > 0.05
    for s in others:
        assert kept > 100 * tl.median_share(preset_runs[s])
        assert not preset_runs[s].diverged


def test_with_one_sequence_per_batch_the_baseline_is_zero_and_no_ratio_is_claimed():
    record = tl.train_run(replace(TINY, batch_size=1))
    assert np.all(record.history["baseline"] == 0)  # a constant fits one sequence exactly
    assert np.isnan(tl.final_ratio(record))
    chart = tl.chart_set([record], ["B=1"]).charts["loss"]
    assert layers(chart)[1]["mark"]["type"] == "rule"
    assert layer_rows(chart, 1) == []  # no baseline rule at 0 on a log scale
    assert len(layer_rows(chart, 0)) == record.steps_run
