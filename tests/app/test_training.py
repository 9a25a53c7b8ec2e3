"""AppTest of the Training lab: nothing trains before the button, a run through the button, the
controls at their extremes, the link round trip, comparing runs, the CSV download and the presets."""

import io
import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.runtime.state.query_params import QueryParams
from streamlit.testing.v1 import AppTest

import rnn_core as rc
from rnn_core import HISTORY_KEYS
from tests.app.helpers import open_app, widget
from ui import palette
from ui.format import number
from ui.i18n import say
from ui.state import ACTIVATION_LABELS, INIT_LABELS, LEARNING_RATES
from ui.training import calls, presets, runs, sections, settings, tables, text
from ui.training import charts as tcharts

PAGE = "app_pages/training.py"
# A tiny run: a few steps of a short task on a small network (the link sets H in the sidebar).
TINY = dict(tT="4", tsteps="10", tB="2", H="4")


def open_page(**query) -> AppTest:
    """The app opened from a link carrying ``query``, then switched to this page."""
    at = open_app(PAGE, **query)
    assert not at.exception, at.exception
    assert at.title[0].value == say(text.TITLE)
    return at


def train(at: AppTest) -> AppTest:
    widget(at, "ttrain").click().run()
    assert not at.exception, at.exception
    return at


def runs_shown(at: AppTest) -> list[str]:
    return list(at.dataframe[0].value["run"]) if len(at.dataframe) else []


def page_warnings(at: AppTest) -> list[str]:
    """Every warning the page shows: a preset that sets the sidebar while the URL still holds the
    link's (valid) values must not produce a note on the link."""
    return [w.value for w in at.warning]


def charts(at: AppTest) -> list:
    return list(at.get("vega_lite_chart"))


def test_defaults_open_with_nothing_trained():
    at = open_page()
    values = {key: widget(at, key).value for key in settings.KEYS.values()}
    d = settings.DEFAULT
    assert values == dict(
        task=d.task,
        tT=d.T,
        tcell=d.cell,
        tclip=d.clip,
        tthr=d.threshold,
        ttau=d.tau,
        topt=d.optimizer,
        tlr=d.lr,
        tsteps=d.steps,
        tB=d.batch_size,
    )
    assert charts(at) == [] and len(at.dataframe) == 0
    assert [x.value for x in at.info] == [say(text.SIDEBAR_NOTE), say(text.NO_RUN)]
    assert runs.RUNS_KEY not in at.session_state or at.session_state[runs.RUNS_KEY] == []
    assert any(r"\theta \leftarrow" in x.value for x in at.latex)
    assert not widget(at, "ttrain").disabled


def test_a_run_through_the_button_draws_its_history():
    at = train(open_page(**TINY))
    assert len(charts(at)) == 4
    (record,) = at.session_state[runs.RUNS_KEY]
    assert record.settings == settings.RunSettings(T=4, H=4, steps=10, batch_size=2)
    # the history is rnn_core.train's, called here on the sidebar's network
    D, K = 4, 4  # remember-first with 4 symbols
    params = rc.RNNParams.init(D, 4, K, seed=0)
    direct = rc.train(params, "remember_first", T=4, steps=10, batch_size=2, lr=0.1, seed=0)
    for key in HISTORY_KEYS:
        np.testing.assert_array_equal(record.result.history[key], direct.history[key])
    table = at.dataframe[0].value
    assert list(table["steps"]) == ["10 of 10"]
    tail = slice(9, 10)  # the last 10% of 10 steps
    expected = direct.history["loss"][tail].mean() / direct.history["baseline"][tail].mean()
    assert float(table["final loss / baseline"][0]) == pytest.approx(expected, rel=1e-3)
    for name in text.NOTICES:  # every chart has its caption
        assert any(
            c.value.startswith("**Notice:**") and say(text.NOTICES[name]) in c.value for c in at.caption
        )


def test_the_same_settings_again_come_from_the_cache():
    at = train(open_page(**{**TINY, "tT": "5"}))
    first = at.session_state[runs.RUNS_KEY][0]
    train(at)
    assert say(text.FROM_CACHE) in [c.value for c in at.caption]
    (again,) = at.session_state[runs.RUNS_KEY]  # the same settings are not repeated
    for key in HISTORY_KEYS:
        np.testing.assert_array_equal(again.result.history[key], first.result.history[key])


def test_every_control_at_its_extremes():
    at = open_page(**TINY)
    moves = [("task", name) for name in settings.TASK_LABELS] + [("tT", settings.T_MIN)]
    moves += [("tclip", c) for c in settings.CLIP_OPTIONS] + [
        ("tthr", settings.THRESHOLDS[0]),
        ("tthr", settings.THRESHOLDS[-1]),
    ]
    moves += [
        ("ttau", 1),
        ("ttau", settings.TAU_MAX),
        ("tlr", LEARNING_RATES[0]),
        ("tlr", LEARNING_RATES[-1]),
    ]
    moves += [
        ("tB", settings.BATCH_SIZES[0]),
        ("tB", settings.BATCH_SIZES[-1]),
        ("tsteps", settings.STEPS_MIN),
    ]
    moves += [("act", a) for a in ACTIVATION_LABELS] + [("init", i) for i in INIT_LABELS]
    moves += [("scale", 4.0), ("scale", 0.05), ("H", 1), ("loss", "mse"), ("T", 200), ("D", 16), ("K", 16)]
    moves += [("tT", settings.T_MAX), ("H", 8)]
    for key, value in moves:
        widget(at, key).set_value(value).run()
        assert not at.exception, (key, value, at.exception)
        train(at)  # every run is tiny: at most 10 steps
        assert len(charts(at)) == 4, (key, value)
    assert len(at.session_state[runs.RUNS_KEY]) == runs.MAX_RUNS
    assert widget(at, "tsteps").value == settings.STEPS_MIN and widget(at, "tT").value == settings.T_MAX


def test_the_largest_run_is_refused_and_explained():
    at = open_page(H="128", tT="200", tsteps="1000", tB="64")
    assert widget(at, "ttrain").disabled
    refused = settings.RunSettings(T=200, H=128, steps=1000, batch_size=64)
    assert settings.run_length(refused) == "refused"
    assert text.long_run_message(refused) in [w.value for w in at.warning]


def test_a_link_sets_every_control():
    query = dict(
        task="adding", tT="37", tclip="elementwise", tthr="0.25", ttau="12", tlr="0.03", tsteps="120", tB="8"
    )
    at = open_page(**query)
    expected = dict(
        task="adding_problem", tT=37, tclip="elementwise", tthr=0.25, ttau=12, tlr=0.03, tsteps=120, tB=8
    )
    assert {key: widget(at, key).value for key in expected} == expected
    assert not widget(at, "tthr").disabled
    assert charts(at) == []  # a link sets the controls; it does not train


@pytest.mark.parametrize(
    "key, bad",
    [
        ("task", "sorting"),
        ("tT", "1"),
        ("tT", "9999"),
        ("tT", "ten"),
        ("tclip", "<b>"),
        ("tthr", "0.3"),
        ("ttau", "-1"),
        ("ttau", "201"),
        ("tlr", "nan"),
        ("tsteps", "5"),
        ("tsteps", "1e9"),
        ("tB", "3"),
    ],
)
def test_garbage_in_a_link_opens_with_the_default(key, bad):
    at = open_page(**{key: bad})
    name = next(n for n, k in settings.KEYS.items() if k == key)
    assert widget(at, key).value == getattr(settings.DEFAULT, name)


def test_tau_at_or_beyond_T_is_full_bptt_and_says_so():
    at = open_page(**TINY, ttau="30")
    assert say(text.TAU_FULL, tau=30, T=4) in [c.value for c in at.caption]
    train(at)
    assert at.session_state[runs.RUNS_KEY][0].settings.tau == 0


def test_two_runs_are_overlaid_with_labels_from_what_differs_then_removed():
    at = train(open_page(**TINY))
    widget(at, "tclip").set_value("norm").run()
    train(at)
    assert runs_shown(at) == ["clip=none", "clip=norm 1"]
    loss_chart = charts(at)[0].proto.spec
    assert '"clip=none"' in loss_chart and '"clip=norm 1"' in loss_chart
    widget(at, "trm0").click().run()
    assert not at.exception
    assert runs_shown(at) == ["tanh RNN, T=4, clip=norm 1"]  # alone again: named by its main settings
    widget(at, "tclear").click().run()
    assert runs_shown(at) == [] and charts(at) == []


def test_the_csv_download_holds_the_compared_runs(monkeypatch):
    stored = {}
    load = MemoryMediaFileStorage.load_and_get_id

    def spy(self, path_or_data, mimetype, kind, filename=None):
        file_id = load(self, path_or_data, mimetype, kind, filename)
        stored[file_id] = (path_or_data, filename)
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    at = train(open_page(**TINY))
    widget(at, "tlr").set_value(0.01).run()
    train(at)
    (button,) = at.get("download_button")
    data, filename = stored[button.proto.url.rsplit("/", 1)[1].split(".")[0]]
    assert filename == tables.CSV_NAME == "training_runs.csv"
    table = pd.read_csv(io.StringIO(data.decode() if isinstance(data, bytes) else data))
    compared = at.session_state[runs.RUNS_KEY]
    assert list(table.columns) == ["run", "settings", *HISTORY_KEYS]
    assert list(table["run"].unique()) == ["lr=0.1", "lr=0.01"]
    for record, (label, rows) in zip(compared, table.groupby("run", sort=False)):
        assert label == f"lr={record.settings.lr:g}"
        assert len(rows) == record.result.steps_run
        np.testing.assert_array_equal(rows["loss"].to_numpy(), record.result.history["loss"])
        assert rows["settings"].iloc[0] == text.settings_text(record.settings)


# The gates preset's runs take about a minute and a half together: here a shortened variant (its
# settings are checked in tests/ui/test_training.py, its numbers by benchmarks/bench_training.py
# --gates). Measured (seed 0, T = 12, H = 16, 200 steps): final loss / baseline RNN 0.976 (not
# learned), LSTM 0.038 and GRU 0.014 (learned, below the half-information reference), 3.5 s in all.
SHORT_GATES = presets.Preset(
    "gates",
    tuple(replace(s, T=12, H=16, steps=200) for s in presets.PRESETS_BY_KEY["gates"].runs),
    presets.PRESETS_BY_KEY["gates"].facts,
    presets.PRESETS_BY_KEY["gates"].expected,
)


@pytest.fixture
def short_gates(monkeypatch):
    monkeypatch.setitem(presets.PRESETS_BY_KEY, "gates", SHORT_GATES)
    return SHORT_GATES


def press_preset(at: AppTest, preset) -> AppTest:
    widget(at, f"tpre_{preset.key}").click().run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("key", [p.key for p in presets.PRESETS])
def test_each_preset_sets_the_controls_and_trains_its_runs(key, monkeypatch):
    if key == "gates":
        monkeypatch.setitem(presets.PRESETS_BY_KEY, "gates", SHORT_GATES)
    preset = presets.PRESETS_BY_KEY[key]
    at = open_page(tT="33", tclip="elementwise", act="sigmoid")  # far from every preset
    press_preset(at, preset)
    last = preset.runs[-1]
    for name, key in {**settings.KEYS, **settings.NETWORK_KEYS}.items():
        assert widget(at, key).value == getattr(last, name), key
    assert [r.settings for r in at.session_state[runs.RUNS_KEY]] == list(preset.runs)
    assert runs_shown(at) == text.run_labels(preset.runs)
    compared = at.session_state[runs.RUNS_KEY]
    labels = text.run_labels([r.settings for r in compared])
    assert [s.value for s in at.success] == [text.preset_seen(preset, compared, labels)]
    assert text.preset_expect(preset) in at.success[0].value
    # what to see is measured: each run's verdict sentence, and every run did what the preset expects
    assert say(text.PRESET_AS_EXPECTED) in at.success[0].value
    assert [calls.learning(r).kind for r in compared] == list(preset.expected)
    for record, label in zip(compared, labels):
        assert text.verdict_sentence(record, label) in at.success[0].value
    assert len(charts(at)) == 4
    stopped = [(r, label) for r, label in zip(compared, labels) if r.result.stop_reason is not None]
    if preset.key == "explode":  # the unclipped run stops, and the page says where and why
        ((record, label),) = stopped
        assert record.settings.clip == "none" and "clip=none" in label and record.result.diverged
        (warning,) = page_warnings(at)
        k, h = record.result.stop_step, record.result.history
        at_step = dict(label=label, step=k + 1, steps=record.settings.steps)  # steps counted from 1
        numbers = dict(loss=number(h["loss"][k]), grad_norm=number(h["grad_norm"][k]))
        assert warning.startswith(say(text.STOP_WHY[record.result.stop_reason], **at_step, **numbers))
        assert warning == text.stop_message(record, label)
    else:
        assert stopped == [] and page_warnings(at) == []


def test_live_charts_redrawn_at_every_step_do_not_disturb_the_run(monkeypatch):
    monkeypatch.setattr(sections, "LIVE_REDRAW_SECONDS", 0.0)
    drawn = []
    draw = sections.draw_charts
    monkeypatch.setattr(
        sections, "draw_charts", lambda area, shown, **kw: drawn.append(len(shown)) or draw(area, shown, **kw)
    )
    at = train(open_page(**{**TINY, "tT": "6"}))
    assert drawn[:-1] == [1] * 10  # the run in progress after each of its 10 steps, then the finished view
    assert len(charts(at)) == 4 and runs_shown(at) == ["tanh RNN, T=6, clip=none"]


def test_a_link_carrying_runs_trains_them_on_opening_and_clearing_forgets_them():
    at = train(open_page(**TINY))
    (shown,) = at.session_state[runs.RUNS_KEY]
    link = at.query_params.get(runs.RUN_PARAM)
    assert runs.RUN_PARAM == "trun" and link == settings.encode_runs([shown.settings])
    assert settings.decode_runs(link) == [shown.settings]
    trained = shown.result.history["loss"]
    for value in (link, runs.LEGACY_RUN):  # today's links, and older ones (trun=1: the controls' run)
        linked = open_page(**TINY, trun=value)  # a fresh session opened from that link
        (record,) = linked.session_state[runs.RUNS_KEY]
        np.testing.assert_array_equal(record.result.history["loss"], trained)
        assert len(charts(linked)) == 4 and runs_shown(linked) == runs_shown(at)
    widget(linked, "tclear").click().run()
    assert "trun" not in linked.query_params
    assert charts(linked) == [] and linked.session_state[runs.RUNS_KEY] == []
    fresh = open_page(**TINY)
    assert fresh.session_state[runs.RUNS_KEY] == [] if runs.RUNS_KEY in fresh.session_state else True


# --- cells, optimizers, paired runs, stale runs, links, the gates preset ----------------------------


def test_cell_and_optimizer_controls_train_that_cell_and_round_trip_in_the_url():
    at = open_page(**TINY, act="ReLU", tcell="LSTM", topt="Adam", tlr="0.01")
    assert (widget(at, "tcell").value, widget(at, "topt").value) == ("lstm", "adam")
    shown = [c.value for c in at.caption]
    assert (
        text.gated_note(settings.RunSettings(cell="lstm"), "relu") in shown
    )  # the sidebar's ReLU does not apply
    train(at)
    (record,) = at.session_state[runs.RUNS_KEY]
    s = record.settings
    assert (s.cell, s.optimizer, s.activation, s.lr) == ("lstm", "adam", "tanh", 0.01)
    assert isinstance(record.result.params, rc.LSTMParams)
    params = rc.LSTMParams.init(4, 4, 4, seed=0, forget_bias=1.0)
    direct = rc.train(
        params, "remember_first", T=4, steps=10, batch_size=2, optimizer="adam", lr=0.01, seed=0
    )
    np.testing.assert_array_equal(record.result.history["loss"], direct.history["loss"])
    # the link written after Train carries the cell and optimizer, in the run and in the controls
    link = {k: at.query_params[k] for k in at.query_params}
    assert (link["tcell"], link["topt"]) == ("LSTM", "Adam")
    assert settings.decode_runs(link[runs.RUN_PARAM]) == [s]
    for cell, optimizer in [("gru", "momentum"), ("rnn", "sgd")]:  # every label reads back (the browser
        # test checks that moving a control writes it)
        labels = dict(tcell=settings.CELL_LABELS[cell], topt=settings.OPTIMIZER_LABELS[optimizer])
        reopened = open_page(**labels)
        assert (widget(reopened, "tcell").value, widget(reopened, "topt").value) == (cell, optimizer)


@pytest.mark.parametrize(
    "key, bad", [("tcell", "transformer"), ("tcell", ""), ("topt", "rmsprop"), ("topt", "<i>")]
)
def test_a_bad_cell_or_optimizer_in_a_link_opens_with_the_default(key, bad):
    at = open_page(**{key: bad})
    name = next(n for n, k in settings.KEYS.items() if k == key)
    assert widget(at, key).value == getattr(settings.DEFAULT, name)


def test_paired_runs_train_on_the_same_batches_and_say_so():
    at = train(open_page(**TINY, task="adding"))
    widget(at, "tcell").set_value("gru").run()
    train(at)
    rnn, gru = at.session_state[runs.RUNS_KEY]
    assert runs_shown(at) == ["tanh RNN", "GRU"]
    # the same batches: rnn_core draws step n's batch from (seed, n) whatever the cell ...
    for step in range(rnn.settings.steps):
        a = rc.batch_at("adding_problem", step, T=4, batch_size=2, seed=rnn.settings.seed)
        b = rc.batch_at("adding_problem", step, T=4, batch_size=2, seed=gru.settings.seed)
        np.testing.assert_array_equal(a.xs, b.xs)
    # ... and each run's recorded baselines (computed from its batches) agree
    np.testing.assert_array_equal(rnn.result.history["baseline"], gru.result.history["baseline"])
    assert not np.array_equal(rnn.result.history["loss"], gru.result.history["loss"])
    assert text.paired_note([rnn.settings, gru.settings]) in [c.value for c in at.caption]
    widget(at, "seed").set_value(1).run()
    train(at)
    unpaired = text.paired_note([r.settings for r in at.session_state[runs.RUNS_KEY]])
    assert unpaired == say(text.UNPAIRED, fields="seed") and unpaired in [c.value for c in at.caption]


def test_a_run_whose_controls_changed_is_marked_stale_on_the_page_and_in_its_link():
    at = train(open_page(**TINY))
    assert page_warnings(at) == []
    widget(at, "tT").set_value(5).run()  # moved without training
    (shown,) = at.session_state[runs.RUNS_KEY]
    chosen = replace(shown.settings, T=5)
    stale = text.stale_note(chosen, shown.settings)
    assert "T=4 → T=5" in stale and page_warnings(at) == [stale]
    # the browser's URL now holds tT=5 (the bound slider writes it; AppTest does not): the link copied
    link = {**{k: at.query_params[k] for k in at.query_params}, "tT": "5"}
    assert settings.decode_runs(link[runs.RUN_PARAM]) == [shown.settings]
    opened = open_page(**link)  # the recipient sees the run the sender saw, marked stale
    assert runs_shown(opened) == runs_shown(at)
    (record,) = opened.session_state[runs.RUNS_KEY]
    assert record.settings == shown.settings and page_warnings(opened) == [stale]
    train(at)  # training the controls' run: nothing is stale any more
    assert page_warnings(at) == []


def test_a_control_moved_after_train_sends_no_query_string_from_the_server(monkeypatch):
    """The server's copy of the query string holds a control's value from when its run began: sent
    on a run that changed no run or preset, it could put a slider's older value back into the URL
    the browser had already moved on (a control moved twice while the page reran)."""
    sent = []
    original = QueryParams._send_query_param_msg

    def counted(self):
        sent.append(dict(self._query_params))
        original(self)

    monkeypatch.setattr(QueryParams, "_send_query_param_msg", counted)
    at = train(open_page(**TINY))
    assert sent and runs.RUN_PARAM in sent[-1]  # Train wrote the run into the link
    sent.clear()
    widget(at, "tT").set_value(5).run()
    widget(at, "tsteps").set_value(12).run()
    assert not at.exception and page_warnings(at) != []  # the run is stale: the page ran its checks
    assert sent == []
    widget(at, "tclear").click().run()
    assert sent and runs.RUN_PARAM not in sent[-1]  # clearing still takes the run out of the link


@pytest.mark.parametrize(
    "bad",
    ["garbage", "remember-first_4_RNN", "~", "adding_9999_RNN_tanh_4_orthogonal_1_0_none_1_0_SGD_0.1_10_2"],
)
def test_a_link_whose_runs_cannot_be_read_says_so_and_trains_nothing(bad):
    at = open_page(**TINY, trun=bad)
    assert charts(at) == [] and not at.exception
    (warning,) = page_warnings(at)
    assert warning.startswith(say(text.LINK_NOTES["unreadable"], error="").split("(")[0])


def test_the_gates_preset_draws_the_reference_and_its_link_brings_back_the_comparison(short_gates):
    at = press_preset(open_page(), short_gates)
    compared = at.session_state[runs.RUNS_KEY]
    labels = text.run_labels([r.settings for r in compared])
    assert labels == ["tanh RNN", "LSTM", "GRU"] == runs_shown(at)
    assert [type(r.result.params) for r in compared] == [rc.RNNParams, rc.LSTMParams, rc.GRUParams]
    assert (widget(at, "tcell").value, widget(at, "topt").value, widget(at, "task").value) == (
        "gru",
        "adam",
        "adding_problem",
    )
    verdicts = [calls.learning(r) for r in compared]
    assert [v.kind for v in verdicts] == ["not learned", "learned", "learned"]
    for record, v in zip(compared, verdicts):  # the reference is the adding task's, beaten by the gated cells
        assert v.reference == pytest.approx(1 / 24)
        assert v.below_reference == (record.settings.cell != "rnn")
    seen = at.success[0].value
    assert number(verdicts[1].final_ratio, ".3g") in seen and say(text.PRESET_AS_EXPECTED) in seen
    loss_spec = json.loads(charts(at)[0].proto.spec)  # the reference: a grey dotted rule and its label
    reference_rule, reference_label = loss_spec["layer"][2:]
    assert reference_rule["mark"]["color"] == palette.REFERENCE
    assert reference_rule["mark"]["strokeDash"] == palette.REFERENCE_DASH
    assert (
        reference_label["mark"]["type"] == "text" and reference_label["encoding"]["text"]["field"] == "label"
    )
    (row,) = tcharts.references_frame(compared).to_dict("records")
    assert row == {"label": say(text.REFERENCE_LABEL), "reference": rc.half_information_loss()}
    link = {k: at.query_params[k] for k in at.query_params}
    assert link[runs.PRESET_PARAM] == "gates"
    reloaded = open_page(**link)  # the whole comparison and its "what to see", not one run
    assert runs_shown(reloaded) == labels
    assert [s.value for s in reloaded.success] == [seen]
    assert page_warnings(reloaded) == []
