"""The Training lab's builders: runs against rnn_core.train called directly, settings, labels,
summaries and CSV against plain recomputations, the chart specs, the sentences by the case they
choose and the numbers they carry, and each preset's finding."""

import io
import itertools
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import rnn_core as rc
from rnn_core import DIVERGED, HISTORY_KEYS
from ui import palette
from ui.format import number
from ui.i18n import say
from ui.state import ACTIVATION_LABELS, LEARNING_RATES, LOSS_LABELS, Network
from ui.training import calls, charts, presets, runs, sections, settings, tables, text

TINY = settings.RunSettings(task="remember_first", T=6, H=5, steps=8, batch_size=4)


def assert_same_history(got: dict, expected: dict) -> None:
    assert set(got) == set(expected)
    for key in expected:
        np.testing.assert_array_equal(got[key], expected[key], err_msg=key)


# --- one run -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "s, D, K",
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
def test_train_run_is_rnn_core_train_on_the_sidebar_network(s, D, K):
    record = calls.train_run(s)
    assert isinstance(record.result, rc.TrainResult)
    params = rc.RNNParams.init(D, s.H, K, w_init=s.w_init, w_scale=s.w_scale, seed=s.seed)
    direct = rc.train(
        params,
        s.task,
        T=s.T,
        activation=s.activation,
        lr=s.lr,
        steps=s.steps,
        batch_size=s.batch_size,
        clip=s.clip,
        threshold=s.threshold,
        truncate=s.tau or None,
        seed=s.seed,
    )
    assert_same_history(record.result.history, direct.history)
    assert record.result.baseline_loss == direct.baseline_loss
    for name in ("U", "W", "V", "b", "c"):
        np.testing.assert_array_equal(getattr(record.result.params, name), getattr(direct.params, name))
    assert record.result.steps_run == s.steps and record.result.stop_reason is None


def test_the_callback_sees_every_step_and_a_partial_record_rebuilds_the_history():
    seen = []
    record = calls.train_run(TINY, lambda step, rec: seen.append(rec))
    assert [r["step"] for r in seen] == list(range(TINY.steps))
    partial = calls.partial_record(TINY, seen)
    assert_same_history(partial.result.history, record.result.history)
    for key, dtype in rc.HISTORY_DTYPES.items():
        assert partial.result.history[key].dtype == np.dtype(dtype), key
    assert partial.result.baseline_loss == pytest.approx(record.result.baseline_loss, rel=1e-15)
    assert partial.result.stop_reason is None and partial.result.params is None


def test_task_shape_matches_the_tasks_own_batches():
    for name in rc.TASKS:
        batch = rc.batch_at(name, 0, T=5, batch_size=3)
        assert settings.task_shape(name) == (batch.xs.shape[2], batch.n_out, batch.loss)


def test_task_bullets_state_each_tasks_own_sizes_and_loss():
    bullets = text.task_bullets()
    names = {"softmax_ce": "softmax-CE", "mse": "MSE"}
    assert LOSS_LABELS == names
    for name, label in settings.TASK_LABELS.items():
        batch = rc.batch_at(name, 0, T=4, batch_size=2)
        (line,) = [x for x in bullets.splitlines() if x.startswith(f"- **{label}**")]
        assert line.endswith(f"({names[batch.loss]}, D = {batch.xs.shape[2]}, K = {batch.n_out}).")


# --- settings ------------------------------------------------------------------------------------


def test_settings_from_takes_the_network_from_the_sidebar_and_normalises_what_does_not_matter():
    net = Network(activation="relu", H=7, T=99, D=9, K=9, w_init="identity", w_scale=1.5, seed=4)
    controls = dict(
        task="adding_problem", T=12, clip="none", threshold=5.0, tau=12, lr=0.03, steps=50, batch_size=8
    )
    s = settings.settings_from(net, **controls)
    assert (s.activation, s.H, s.w_init, s.w_scale, s.seed) == ("relu", 7, "identity", 1.5, 4)
    assert s.T == 12  # the page's own T, not the sidebar's
    assert s.threshold == settings.DEFAULT.threshold and s.tau == 0  # no clipping; τ ≥ T is full BPTT
    # settings that give the same run are equal, so they share one cache key
    assert s == settings.settings_from(net, **{**controls, "threshold": 0.1, "tau": 0})
    assert settings.settings_from(net, **{**controls, "clip": "norm"}).threshold == 5.0
    assert settings.settings_from(net, **{**controls, "tau": 11}).tau == 11


def test_normalising_never_changes_the_run():
    s = replace(TINY, clip="none", threshold=7.0, tau=50)
    assert_same_history(
        calls.train_run(settings.normalised(s)).result.history, calls.train_run(s).result.history
    )


def test_long_runs_are_warned_about_and_the_longest_refused():
    assert text.long_run_message(settings.DEFAULT) is None
    for preset in presets.PRESETS:
        for run in preset.runs:
            if preset.key == "gates" and run.cell != "rnn":  # 800 gated steps: announced, not refused
                assert settings.run_length(run) == "long"
                fields = dict(steps=run.steps, B=run.batch_size, T=run.T, H=run.H)
                size = say(text.RUN_SIZE_GATED, **fields, cell=settings.CELL_LABELS[run.cell])
                assert text.long_run_message(run) == say(text.RUN_LONG, size=size)
            else:
                assert text.long_run_message(run) is None
    biggest = replace(
        settings.DEFAULT,
        T=settings.T_MAX,
        H=128,
        steps=settings.STEPS_MAX,
        batch_size=max(settings.BATCH_SIZES),
    )
    assert settings.run_length(biggest) == "refused"
    size = say(text.RUN_SIZE, steps=biggest.steps, B=biggest.batch_size, T=biggest.T, H=biggest.H)
    assert text.long_run_message(biggest) == say(text.RUN_REFUSED, size=size)
    for n in ("1000", "64", "200", "128"):  # the sizes that make it long are named
        assert n in text.long_run_message(biggest)
    # a run between a minute and many minutes is announced, not refused
    seconds = settings.estimated_seconds
    long = replace(settings.DEFAULT, steps=settings.STEPS_MAX, T=settings.T_MAX)
    assert settings.LONG_RUN_SECONDS < seconds(long) <= settings.MAX_ESTIMATED_SECONDS
    assert settings.run_length(long) == "long"
    size = say(text.RUN_SIZE, steps=long.steps, B=long.batch_size, T=long.T, H=long.H)
    assert text.long_run_message(long) == say(text.RUN_LONG, size=size)
    assert settings.run_length(settings.DEFAULT) == "quick"
    # the estimate grows with every size
    for field in ("T", "H", "steps", "batch_size"):
        bigger = replace(settings.DEFAULT, **{field: 2 * getattr(settings.DEFAULT, field)})
        assert settings.estimated_seconds(bigger) > settings.estimated_seconds(settings.DEFAULT)
    for cell in ("lstm", "gru"):  # a gated step costs more than the RNN's
        assert seconds(replace(settings.DEFAULT, cell=cell)) > seconds(settings.DEFAULT)


# --- labels, summaries, CSV ----------------------------------------------------------------------


def test_labels_name_exactly_the_settings_that_differ():
    a = settings.RunSettings(activation="tanh")
    b = settings.RunSettings(activation="relu", clip="norm", threshold=1.0)
    assert text.run_labels([a, b]) == ["tanh RNN, clip=none", "ReLU RNN, clip=norm 1"]
    assert text.run_labels([a]) == ["tanh RNN, T=10, clip=none"]
    assert text.run_labels([a, replace(a, T=60)]) == ["T=10", "T=60"]
    c = replace(a, tau=5, lr=0.01)
    assert text.run_labels([a, c, b]) == [
        "tanh RNN, clip=none, τ=full, lr=0.1",
        "tanh RNN, clip=none, τ=5, lr=0.01",
        "ReLU RNN, clip=norm 1, τ=full, lr=0.1",
    ]
    # cells and optimizers: a gated cell is named alone (tanh is built in), the optimizer by its name
    gated = [settings.normalised(replace(b, cell=cell)) for cell in ("lstm", "gru")]
    assert text.run_labels([b, *gated]) == ["ReLU RNN", "LSTM", "GRU"]
    assert text.run_labels([a, replace(a, optimizer="adam")]) == ["SGD", "Adam"]


def test_labels_of_distinct_runs_are_distinct_and_made_of_their_differences():
    options = dict(
        task=list(settings.TASK_LABELS),
        activation=["tanh", "relu"],
        clip=["none", "norm"],
        tau=[0, 3],
        w_init=["orthogonal", "identity"],
    )
    grid = [
        settings.RunSettings(**dict(zip(options, values))) for values in itertools.product(*options.values())
    ]
    rng = np.random.default_rng(0)
    for _ in range(40):
        picked = [grid[i] for i in rng.choice(len(grid), size=rng.integers(2, 5), replace=False)]
        labels = text.run_labels(picked)
        assert len(set(labels)) == len(labels)
        for s, label in zip(picked, labels):
            parts = label.split(", ")
            for name in text.FIELDS:
                differs = len({text.field_text(name, p) for p in picked}) > 1
                assert (text.field_text(name, s) in parts) == differs, (name, label)


def record_from(loss, baseline, share, stop=None, steps=None) -> calls.RunRecord:
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
    result = rc.TrainResult(None, history, float(np.mean(baseline)), stop, None if stop is None else n - 1)
    return calls.RunRecord(replace(settings.DEFAULT, steps=steps or n), result)


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
        assert calls.final_ratio(record) == pytest.approx(num / den, rel=1e-12)
        finite = sorted(x for x in share if x == x)
        m = len(finite)
        median = finite[m // 2] if m % 2 else (finite[m // 2 - 1] + finite[m // 2]) / 2
        assert calls.median_share(record) == pytest.approx(median, rel=1e-12)
    assert calls.final_ratio(record_from([1.0, np.inf], [1, 1], [0.5, 0.5], stop="non-finite loss")) == np.inf


def test_summary_table_has_one_row_per_run():
    a = calls.train_run(TINY)
    b = calls.train_run(replace(TINY, clip="norm", threshold=0.1))
    labels = text.run_labels([a.settings, b.settings])
    table = tables.summary_table([a, b], labels)
    column = {name: say(title) for name, title in text.COLUMNS.items()}
    assert list(table.columns) == list(column.values())
    assert list(table[column["run"]]) == labels
    clipped = [int(r.result.history["clipped"].sum()) for r in (a, b)]
    assert list(table[column["clipped"]]) == clipped
    assert clipped[1] > 0  # a threshold of 0.1 clips
    assert float(table[column["grad_norm"]][0]) == pytest.approx(max(a.result.history["grad_norm"]), rel=1e-3)
    assert list(table[column["steps"]]) == [say(text.STEPS_RUN, done=TINY.steps, steps=TINY.steps)] * 2
    for row, record in enumerate((a, b)):
        ratio = float(table[column["ratio"]][row])
        assert ratio == pytest.approx(calls.final_ratio(record), rel=1e-3)
        # "final": the weights after the last update, not σ_max(W) at the start of the last step
        final = np.linalg.svd(record.result.params.W, compute_uv=False)[0]
        assert float(table[column["sigma_max"]][row]) == pytest.approx(final, rel=1e-3)
    assert number(a.result.history["sigma_max"][-1], ".4g") != table[column["sigma_max"]][0]


def test_the_summary_says_diverged_and_baseline_0_instead_of_a_ratio():
    assert text.ratio_text(float("inf")) == say(text.RATIO_DIVERGED)
    assert text.ratio_text(float("nan")) == say(text.RATIO_NO_BASELINE)
    assert text.ratio_text(0.5) == number(0.5, ".4g")
    stopped = record_from([1.0, np.inf], [1, 1], [0.5, 0.5], stop="non-finite loss")
    stopped.result.history["grad_norm"][:] = np.nan
    (row,) = tables.summary_table([stopped], ["x"]).to_dict("records")
    column = {name: say(title) for name, title in text.COLUMNS.items()}
    assert row[column["ratio"]] == say(text.RATIO_DIVERGED)
    assert row[column["grad_norm"]] == say(text.NOT_A_NUMBER)
    assert row[column["stopped"]] == "non-finite loss"


def test_csv_parses_back_to_every_history_of_every_run():
    trained = [calls.train_run(TINY), calls.train_run(replace(TINY, activation="relu", steps=5))]
    labels = text.run_labels([r.settings for r in trained])
    table = pd.read_csv(io.StringIO(tables.runs_csv(trained, labels)))
    assert list(table.columns) == ["run", "settings", *HISTORY_KEYS]
    assert len(table) == sum(r.result.steps_run for r in trained)
    for record, label in zip(trained, labels):
        rows = table[table["run"] == label]
        assert set(rows["settings"]) == {text.settings_text(record.settings)}
        for key in HISTORY_KEYS:
            expected = record.result.history[key] + (1 if key == "step" else 0)  # steps counted from 1
            np.testing.assert_array_equal(rows[key].to_numpy(), expected, err_msg=key)


def test_a_stopped_run_says_where_and_why():
    record = calls.train_run(replace(TINY, T=10, H=16, activation="relu", w_scale=3.0, steps=50))
    assert record.result.stop_reason in DIVERGED
    result = record.result
    k, h = result.stop_step, result.history
    message = text.stop_message(record, "ReLU")
    # the sentence of this stop reason, at this step, with this run's numbers
    at = dict(label="ReLU", step=k + 1, steps=50)  # the page counts steps from 1
    why = say(
        text.STOP_WHY[result.stop_reason],
        **at,
        loss=number(h["loss"][k]),
        grad_norm=number(h["grad_norm"][k]),
        T=10,
        depth=9,
    )
    assert message.startswith(why)
    assert f"step {k + 1} of 50" in message and "“ReLU”" in message
    assert tables.summary_table([record], ["ReLU"])["steps"][0] == f"{k + 1} of 50"  # the same count
    before = h["grad_norm"][:k][np.isfinite(h["grad_norm"][:k])]
    assert before.size and number(before.max()) in message  # how far ‖g‖ grew before it stopped
    # the bound written out: each clipped SGD update moves θ by at most lr·c, so σ_max(W) ≤ σ₀ + k·lr·c
    s = record.settings
    bound = h["sigma_max"][0] + k * s.lr * s.threshold
    assert h["sigma_max"][k] > bound  # W grew far beyond it: clipping would have stopped this
    fix = say(
        text.STOP_FIX,
        threshold=number(s.threshold, "g"),
        step_bound=number(s.lr * s.threshold, "g"),
        updates=k,
        bound=number(bound),
        sigma_max=number(h["sigma_max"][k]),
    )
    assert message.endswith(fix)
    assert text.stop_message(calls.train_run(TINY), "tanh") is None


def test_a_run_that_overflows_before_any_update_is_not_told_that_clipping_helps():
    # /training?act=linear&scale=8&H=4&task=adding&tT=200&tsteps=10&tB=2: the initial network's
    # forward pass already leaves float64, so "the weights the updates before had reached" and
    # "clipping bounds every update" were false: there was no update, and clipping acts on a gradient
    s = settings.RunSettings(
        task="adding_problem", T=200, activation="linear", H=4, w_scale=8.0, steps=10, batch_size=2
    )
    record = calls.train_run(s)
    # independently: the initial network on step 0's batch already has a non-finite loss
    batch = rc.batch_at("adding_problem", 0, T=200, batch_size=2, seed=0)
    trace = rc.forward(
        calls.initial_params(s), batch.xs, batch.targets, activation="linear", loss="mse", mask=batch.mask
    )
    assert not np.isfinite(trace.loss)
    assert record.result.stop_step == 0
    message = text.stop_message(record, "r")
    assert "before any update" in message and "Clipping cannot help" in message
    assert "updates before had reached" not in message and "bounds every SGD update" not in message


@pytest.mark.parametrize(
    "reason, what",
    [
        ("non-finite loss", "its loss"),
        ("non-finite gradient", "its gradient"),
        ("non-finite parameters", "its weights"),
    ],
)
def test_a_diverged_run_names_what_left_float64(reason, what):
    # "its loss or gradient became inf or nan" was false for a run whose update left float64
    record = record_from([1.0, 2.0, 3.0], [1, 1, 1], [0.5, 0.5, 0.5], stop=reason)
    sentence = text.verdict_sentence(record, "r")
    assert calls.learning(record).kind == "diverged"
    assert f"diverged: {what}" in sentence
    if reason == "non-finite parameters":
        assert "loss or gradient" not in sentence


@pytest.mark.parametrize("reason", [*DIVERGED, "callback"])
def test_each_stop_reason_has_its_own_sentence(reason):
    record = record_from([1.0, 2.0, np.inf], [1, 1, 1], [0.5, 0.5, 0.5], stop=reason, steps=9)
    message = text.stop_message(record, "r")
    assert "step 3 of 9" in message  # the third step (0-based 2), counted from 1
    if reason in text.STOP_WHY:
        h = record.result.history
        assert message.startswith(
            say(
                text.STOP_WHY[reason],
                label="r",
                step=3,
                steps=9,
                loss=number(h["loss"][2]),
                grad_norm=number(2.0),
                T=record.settings.T,
                depth=record.settings.T - 1,  # full BPTT: L⁽ᵀ⁾ goes back T − 1 steps
            )
        )
        assert (
            say(text.STOP_GROWTH, grad_norm=number(h["grad_norm"][:2].max()), sigma_max=number(1.1))
            in message
        )
    else:
        assert message == say(text.STOP_OTHER, label="r", step=3, steps=9, reason=reason)
    assert sorted(text.STOP_WHY) == sorted(DIVERGED)


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
    trained = [calls.train_run(TINY), calls.train_run(replace(TINY, clip="norm", threshold=0.1))]
    return trained, text.run_labels([r.settings for r in trained])


def test_chart_specs_have_log_scales_colour_by_run_and_tooltips(two_runs):
    trained, labels = two_runs
    drawn = charts.chart_set(trained, labels).charts
    expected_y = {"loss": "loss", "grad_norm": "grad_norm", "share": "long_range_share", "sigma": "sigma_max"}
    for name, field in expected_y.items():
        line = layers(drawn[name])[0]
        enc = line["encoding"]
        assert line["mark"]["type"] == "line"
        assert enc["x"]["field"] == "step" and enc["y"]["field"] == field
        assert enc["y"]["scale"]["type"] == "log", name
        assert "log scale" in enc["y"]["title"]
        assert enc["x"]["title"] == say(text.AXIS["step"])
        assert enc["color"]["field"] == "run" and enc["color"]["scale"]["domain"] == labels
        tips = {t["field"] for t in enc["tooltip"]}
        assert {"run", "step", field} <= tips
    loss_rule = layers(drawn["loss"])[1]
    assert loss_rule["mark"]["type"] == "rule" and loss_rule["encoding"]["y"]["field"] == "baseline"
    marks = layers(drawn["grad_norm"])[1]
    assert marks["mark"]["type"] == "point" and marks["transform"] == [{"filter": "datum.clipped"}]
    sigma_rule = layers(drawn["sigma"])[1]
    assert sigma_rule["mark"]["type"] == "rule" and sigma_rule["encoding"]["y"]["field"] == "border"


def test_chart_data_are_the_histories_and_the_baselines(two_runs):
    trained, labels = two_runs
    drawn = charts.chart_set(trained, labels).charts
    rows = layer_rows(drawn["loss"], 0)
    for record, label in zip(trained, labels):
        got = [r["loss"] for r in rows if r["run"] == label]
        np.testing.assert_allclose(got, record.result.history["loss"], rtol=1e-15)
    rules = layer_rows(drawn["loss"], 1)
    assert {r["run"]: r["baseline"] for r in rules} == {
        label: record.result.baseline_loss for record, label in zip(trained, labels)
    }
    borders = layer_rows(drawn["sigma"], 1)
    assert borders == [{"activation": "tanh", "border": 1.0 / rc.ACTIVATIONS["tanh"].gamma}]


def test_non_finite_and_zero_values_are_left_out_and_said_so():
    share = [0.5, 0.0, np.nan, 0.2]
    record = record_from([1.0, np.inf, 0.5, np.nan], [1, 1, 1, 1], share)
    drawn = charts.chart_set([record], ["run"])
    assert "1 infinite and 1 not-a-number" in drawn.notes["loss"]
    assert "1 not-a-number" in drawn.notes["share"]
    what = say(text.VALUE_NAMES["long_range_share"])
    assert drawn.notes["share"].endswith(say(text.ZEROS_LEFT_OUT, what=what, n=1))
    assert drawn.notes["grad_norm"] is None and drawn.notes["sigma"] is None
    for chart in drawn.charts.values():
        for data in datasets(chart):
            for row in data:
                for value in row.values():
                    if isinstance(value, float):
                        assert np.isfinite(value)


# --- presets: each one's finding holds on a fresh run ---------------------------------------------


def test_presets_end_on_the_controls_they_show():
    for preset in presets.PRESETS:
        assert len(preset.runs) <= runs.MAX_RUNS
        assert all(settings.normalised(s) == s for s in preset.runs)
        values = presets.control_values(preset.runs[-1])
        assert values["tT"] == preset.runs[-1].T and values["act"] == preset.runs[-1].activation
        assert len(set(text.run_labels(preset.runs))) == len(preset.runs)


def test_each_preset_says_what_to_see_with_the_numbers_of_its_runs():
    short = presets.PRESETS_BY_KEY["short"]
    assert f"T − 1 = {short.runs[0].T - 1} steps" in text.preset_expect(short)
    long = presets.PRESETS_BY_KEY["long"]
    assert f"T = {long.runs[1].T}:" in text.preset_expect(long)
    assert f"T = {long.runs[0].T} run" in text.preset_expect(long)
    bare, clipped = presets.PRESETS_BY_KEY["explode"].runs
    explode = text.preset_expect(presets.PRESETS_BY_KEY["explode"])
    assert explode.startswith(
        f"{ACTIVATION_LABELS[bare.activation]} with σ_max(W) = {number(bare.w_scale, 'g')}"
    )
    assert f"clipping at {number(clipped.threshold, 'g')}," in explode
    irnn = presets.PRESETS_BY_KEY["irnn"]
    assert f"At T = {irnn.runs[-1].T}," in text.preset_expect(irnn)
    assert f"than {irnn.runs[-1].steps} steps" in text.preset_expect(irnn)
    for preset in presets.PRESETS:
        seen = text.preset_seen(preset)
        assert text.preset_title(preset.key) in seen and text.preset_expect(preset) in seen
    assert len({text.preset_title(p.key) for p in presets.PRESETS}) == len(presets.PRESETS)


@pytest.fixture(scope="module")
def preset_runs():
    """Every distinct run of the presets, trained once (the presets share some)."""
    distinct = {s for p in presets.PRESETS if p.key != "gates" for s in p.runs}  # gates: see below
    return {s: calls.train_run(s) for s in distinct}


def test_preset_1_short_dependency_is_learned(preset_runs):
    (short,) = presets.PRESETS_BY_KEY["short"].runs
    record = preset_runs[short]
    assert record.result.stop_reason is None
    assert calls.final_ratio(record) < 0.1  # far below the constant guess
    assert calls.median_share(record) > 0.1  # a large share of ∂L/∂W crosses ≥ T/2 steps


def test_preset_2_the_same_network_fails_at_long_T(preset_runs):
    short, long = presets.PRESETS_BY_KEY["long"].runs
    assert replace(long, T=short.T) == short  # only T differs
    assert calls.final_ratio(preset_runs[short]) < 0.1
    assert calls.final_ratio(preset_runs[long]) > 0.8  # on the baseline
    assert calls.median_share(preset_runs[long]) < 1e-2
    assert calls.median_share(preset_runs[long]) < calls.median_share(preset_runs[short]) / 100


def test_preset_3_unclipped_explodes_and_clipped_learns(preset_runs):
    bare, clipped = presets.PRESETS_BY_KEY["explode"].runs
    assert replace(clipped, clip="none", threshold=bare.threshold) == bare  # only clipping differs
    exploded, learned = preset_runs[bare], preset_runs[clipped]
    assert exploded.result.diverged and exploded.result.stop_step < 20
    norms = exploded.result.history["grad_norm"]
    assert np.nanmax(norms[np.isfinite(norms)]) > 1e6 * norms[0]  # many orders of magnitude
    assert not learned.result.diverged and learned.result.steps_run == clipped.steps
    assert learned.result.history["clipped"].any()
    assert calls.final_ratio(learned) < 0.5


def test_preset_4_identity_relu_keeps_the_long_range_share(preset_runs):
    *others, irnn = presets.PRESETS_BY_KEY["irnn"].runs
    assert (irnn.activation, irnn.w_init) == ("relu", "identity")
    assert {(s.activation, s.w_init) for s in others} == {("tanh", "gaussian"), ("relu", "gaussian")}
    assert all(replace(s, activation="relu", w_init="identity") == irnn for s in others)
    kept = calls.median_share(preset_runs[irnn])
    assert kept > 0.05
    for s in others:
        assert kept > 100 * calls.median_share(preset_runs[s])
        assert not preset_runs[s].result.diverged


def test_with_one_sequence_per_batch_the_baseline_is_zero_and_no_ratio_is_claimed():
    record = calls.train_run(replace(TINY, batch_size=1))
    assert np.all(record.result.history["baseline"] == 0)  # a constant fits one sequence exactly
    assert np.isnan(calls.final_ratio(record))
    chart = charts.chart_set([record], ["B=1"]).charts["loss"]
    assert layers(chart)[1]["mark"]["type"] == "rule"
    assert layer_rows(chart, 1) == []  # no baseline rule at 0 on a log scale
    assert len(layer_rows(chart, 0)) == record.result.steps_run


def test_preset_5_gates_runs_the_measured_settings_on_three_paired_cells():
    # The full runs take a minute and a half (benchmarks/bench_training.py --gates measures them:
    # final loss / baseline LSTM 0.007-0.015, GRU 0.004-0.006, RNN ≥ 1.0 over seeds 0-2); the page's
    # mechanics run on a shortened variant in tests/app/test_training.py.
    preset = presets.PRESETS_BY_KEY["gates"]
    rnn, lstm, gru = preset.runs
    assert [s.cell for s in preset.runs] == ["rnn", "lstm", "gru"]
    assert (rnn.task, rnn.T, rnn.batch_size, rnn.H, rnn.steps) == ("adding_problem", 60, 32, 32, 800)
    assert (rnn.optimizer, rnn.lr, rnn.clip, rnn.threshold) == ("adam", 0.01, "norm", 1.0)
    assert replace(lstm, cell="rnn") == rnn == replace(gru, cell="rnn")  # only the cell differs
    assert text.run_labels(preset.runs) == ["tanh RNN", "LSTM", "GRU"]
    assert preset.expected == ("not learned", "learned", "learned")
    assert all(settings.run_length(s) != "refused" for s in preset.runs)
    lstm_params = calls.initial_params(lstm)
    assert isinstance(lstm_params, rc.LSTMParams) and np.all(lstm_params.bf == settings.FORGET_BIAS)
    assert isinstance(calls.initial_params(gru), rc.GRUParams)
    expect = text.preset_expect(preset)
    assert "30 to 59 steps back" in expect and "800 steps" in expect  # the lag is ⌈T/2⌉..T − 1, not T


# --- verdict sentences, references, links, stale and paired notes ----------------------------------


def verdict_record(loss, baseline, task="adding_problem", stop=None) -> calls.RunRecord:
    record = record_from(loss, baseline, [0.5] * len(loss), stop=stop)
    return calls.RunRecord(replace(record.settings, task=task), record.result)


@pytest.mark.parametrize(
    "loss, task, kind, template",
    [
        ([0.01 / 12] * 20, "adding_problem", "learned", "learned"),
        ([0.3 / 12] * 20, "adding_problem", "partly", "partly"),  # below the reference, above 0.1
        ([0.5 / 12] * 20, "adding_problem", "partly", "partly_reference"),  # the half-information loss
        ([1.0 / 12] * 20, "adding_problem", "not learned", "not learned"),
        ([0.5 / 12] * 20, "remember_first", "partly", "partly"),  # no reference: the baseline is it
        ([0.01 / 12, np.inf], "adding_problem", "diverged", "diverged"),
    ],
)
def test_each_verdict_has_its_sentence_with_the_verdicts_numbers(loss, task, kind, template):
    record = verdict_record(
        loss, [1 / 12] * len(loss), task, stop="non-finite loss" if np.inf in loss else None
    )
    v = calls.learning(record)
    assert v.kind == kind
    sentence = text.verdict_sentence(record, "r")
    head = say(
        text.VERDICT[template],
        label="r",
        ratio="\0",
        reference_ratio="\0",
        solved="\0",
        baseline="\0",
        reference="\0",
        first="\0",
        margin="\0",
        what="\0",
    ).split("\0")[0]
    assert sentence.startswith(head)
    if kind not in ("diverged",):
        assert number(v.final_ratio, ".3g") in sentence
    if template == "partly_reference":
        assert number(v.reference_ratio, ".3g") in sentence and "learned" not in sentence
    if kind == "learned" and task == "adding_problem":
        assert say(text.VERDICT_REFERENCE, reference_ratio=number(v.reference_ratio, ".3g")) in sentence
    assert text.verdict_word(record) == say(text.KIND_WORDS[kind])


def test_a_run_on_the_half_information_reference_is_not_called_learned():
    # the false sentence this replaces: "well below the baseline" read as "learned"
    record = verdict_record([1 / 24] * 50, [1 / 12] * 50)
    assert calls.final_ratio(record) == pytest.approx(0.5)
    assert calls.learning(record).kind == "partly" and "learned" not in text.verdict_sentence(record, "r")


def test_the_loss_chart_draws_the_reference_of_adding_runs_on_a_fitted_log_axis():
    adding = calls.train_run(replace(TINY, task="adding_problem"))
    remember = calls.train_run(TINY)
    drawn = charts.chart_set([adding, remember], ["a", "b"]).charts["loss"]
    rule, label = layers(drawn)[2:]
    assert rule["mark"]["type"] == "rule" and rule["mark"]["color"] == palette.REFERENCE
    assert rule["mark"]["strokeDash"] == palette.REFERENCE_DASH
    assert label["mark"]["type"] == "text"
    assert layer_rows(drawn, 2) == [{"label": say(text.REFERENCE_LABEL), "reference": 1 / 24}]
    assert len(charts.chart_set([remember], ["b"]).charts["loss"].to_dict()["datasets"]) >= 1
    assert layer_rows(charts.chart_set([remember], ["b"]).charts["loss"], 2) == []  # no reference
    # the domain: the data's own range (with the baselines and the reference), padded, not rounded out
    scale = layers(drawn)[0]["encoding"]["y"]["scale"]
    values = [*adding.result.history["loss"], *remember.result.history["loss"], 1 / 24]
    values += [adding.result.baseline_loss, remember.result.baseline_loss]
    assert scale["nice"] is False
    assert scale["domain"] == pytest.approx([min(values) / charts.LOG_PAD, max(values) * charts.LOG_PAD])
    assert layers(drawn)[0]["encoding"]["x"]["axis"]["tickMinStep"] == 1  # integer steps, integer ticks


def test_the_one_over_gamma_line_is_drawn_for_rnn_runs_only():
    gated = calls.train_run(settings.normalised(replace(TINY, cell="gru")))
    assert charts.borders_frame([gated]).empty
    rnn = calls.train_run(TINY)
    assert list(charts.borders_frame([gated, rnn])["activation"]) == ["tanh"]


def test_runs_written_into_a_link_read_back_and_bad_ones_are_refused():
    rng = np.random.default_rng(5)
    for _ in range(50):
        s = settings.RunSettings(
            task=str(rng.choice(list(settings.TASK_LABELS))),
            T=int(rng.integers(settings.T_MIN, settings.T_MAX + 1)),
            cell=str(rng.choice(rc.CELL_NAMES)),
            activation=str(rng.choice(list(rc.ACTIVATIONS))),
            H=int(rng.integers(1, 129)),
            w_init=str(rng.choice(list(rc.W_INITS))),
            w_scale=float(rng.choice([0.05, 0.5, 1.0, 1.35, 4.0])),
            seed=int(rng.integers(0, 10000)),
            clip=str(rng.choice(settings.CLIP_OPTIONS)),
            threshold=float(rng.choice(settings.THRESHOLDS)),
            tau=int(rng.integers(0, settings.TAU_MAX + 1)),
            optimizer=str(rng.choice(rc.OPTIMIZERS)),
            lr=float(rng.choice(LEARNING_RATES)),
            steps=int(rng.choice([10, 300, 1000])),
            batch_size=int(rng.choice(settings.BATCH_SIZES)),
        )
        runs_ = [settings.normalised(s), settings.DEFAULT]
        assert settings.decode_runs(settings.encode_runs(runs_)) == runs_
    good = settings.encode_runs([settings.DEFAULT]).split(settings.FIELD_SEPARATOR)
    for i, name in enumerate(settings.FIELD_ORDER):
        for bad in ("", "x", "-1", "1e9", "nan"):
            if bad == good[i]:
                continue
            fields = [*good[:i], bad, *good[i + 1 :]]
            with pytest.raises(ValueError, match=name):
                settings.decode_runs(settings.FIELD_SEPARATOR.join(fields))


def test_stale_and_paired_notes_say_what_changed_and_what_is_shared():
    a = settings.DEFAULT
    assert text.stale_note(a, None) is None
    note = text.stale_note(replace(a, T=25, cell="lstm"), a)
    assert "T=10 → T=25" in note and "tanh RNN → LSTM" in note and "lr" not in note
    assert text.paired_note([a]) is None
    paired = text.paired_note([a, replace(a, cell="gru")])
    same = say(text.PAIRED_INIT)
    assert paired == say(text.PAIRED, n=2, seed=0, task="remember-first", T=10, B=32, init=same)
    assert text.paired_note([a, replace(a, T=20, seed=3)]) == say(text.UNPAIRED, fields="T, seed")
    assert text.paired_note([a, replace(a, batch_size=4)]) == say(text.UNPAIRED, fields="B")
    # runs of different σ_max(W) share their batches but not "the same W initialisation and σ_max(W)"
    other = text.paired_note([a, replace(a, w_scale=2.0)])
    assert same not in other and say(text.PAIRED_OWN_INIT) in other


def test_truncated_runs_are_told_whether_their_updates_reach_the_distant_input():
    result = calls.train_run(TINY).result
    for task, T, tau in [
        ("remember_first", 10, 3), ("remember_first", 10, 5), ("remember_first", 10, 6),
        ("remember_first", 10, 9), ("remember_first", 10, 0), ("remember_first", 60, 31),
        ("adding_problem", 10, 7), ("adding_problem", 11, 3), ("adding_problem", 11, 9), ("adding_problem", 10, 10),
    ]:  # fmt: skip
        s = settings.normalised(replace(TINY, task=task, T=T, tau=tau))
        note = text.truncated_note(calls.RunRecord(s, result), "r")
        # written out: truncation keeps d < τ; the distant input lies at d = T − 1 (remember-first) or
        # d = T − p for the first marker p in 1..⌊T/2⌋ (adding)
        lags = [T - 1] if task == "remember_first" else [T - p for p in range(1, T // 2 + 1)]
        if tau == 0 or tau >= T:
            assert note is None, (task, T, tau)
            continue
        reached = sum(d < tau for d in lags)
        if reached == 0:
            assert "no update carries the error back to it" in note, (task, T, tau)
        else:
            assert f"{reached} of its {len(lags)} possible places" in note, (task, T, tau)
        if tau <= T // 2:  # no path of ⌊T/2⌋ steps or more: the long-range share shown is not used at all
            assert "which its updates did not use" in note
        else:
            assert f"used only the paths of fewer than {tau} steps" in note


def test_the_lag_sentence_reads_the_tasks_own_lags():
    assert text.lag_sentence("adding_problem", 60) == say(
        text.LAGS["adding_problem"], T=60, shortest=30, longest=59
    )
    assert text.lag_sentence("adding_problem", 7) == say(
        text.LAGS["adding_problem"], T=7, shortest=4, longest=6
    )
    assert text.lag_sentence("remember_first", 10) == say(
        text.LAGS["remember_first"], T=10, shortest=9, longest=9
    )


@pytest.mark.parametrize("B", [2, 4, 16])
def test_the_fitted_adding_baseline_is_b_minus_1_over_b_of_a_constants_loss_as_the_page_says(B):
    # MEASURED_QUANTITIES, SUMMARY_CAPTION and ONE_SEQUENCE say the reference 1/24 is B/(2(B − 1)) of the
    # baseline on average, not "half the baseline" for every B: the baseline is fitted to each batch
    baselines = [rc.adding_problem(8, B, seed=i).baseline_loss / B for i in range(1500)]
    assert np.mean(baselines) == pytest.approx((B - 1) / B / 12, rel=0.05)
    assert rc.half_information_loss() / ((B - 1) / B / 12) == pytest.approx(B / (2 * (B - 1)))
    assert "B/(2(B − 1))" in say(text.MEASURED_QUANTITIES) and "B/(2(B − 1))" in text.summary_caption()


def test_a_stored_run_is_one_read_only_object_for_every_session():
    """Every session reading a finished run gets the same object (its charts are then built once for
    all of them), and none can change it for the others."""
    s = replace(TINY, seed=4242)  # settings no other test stores
    assert calls.cached_run(s) is None
    record = calls.train_run(s)
    calls.store_run(record)
    first, second = calls.cached_run(s), calls.cached_run(s)
    assert first is second is record
    loss = first.result.history["loss"]
    with pytest.raises(ValueError, match="read-only"):
        loss[0] = 0.0
    np.testing.assert_array_equal(second.result.history["loss"], calls.train_run(s).result.history["loss"])


def test_a_shared_value_is_built_once_per_key_and_the_oldest_entries_leave():
    built, keep = [], (object(),)
    first = sections._shared_value(("test", "a"), keep, lambda: built.append("a") or ["a"])
    again = sections._shared_value(("test", "a"), keep, lambda: built.append("a again") or ["a again"])
    assert again is first and built == ["a"]
    for i in range(sections.SHARED_ENTRIES):
        sections._shared_value(("test", i), keep, lambda i=i: i)
    assert ("test", "a") not in sections._shared and len(sections._shared) == sections.SHARED_ENTRIES
