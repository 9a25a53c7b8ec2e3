"""AppTest of the Training lab: nothing trains before the button, a run through the button, the
controls at their extremes, the link round trip, comparing runs, the CSV download and the presets."""

import io

import numpy as np
import pandas as pd
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

import rnn_core as rc
import ui.training as tl
from rnn_core import HISTORY_KEYS
from tests.app.helpers import open_app, widget
from ui.state import ACTIVATION_LABELS, INIT_LABELS, LEARNING_RATES

PAGE = "app_pages/training.py"
# A tiny run: a few steps of a short task on a small network (the link sets H in the sidebar).
TINY = dict(tT="4", tsteps="10", tB="2", H="4")


def open_page(**query) -> AppTest:
    """The app opened from a link carrying ``query``, then switched to this page."""
    at = open_app(PAGE, **query)
    assert not at.exception, at.exception
    assert at.title[0].value == "Training lab"
    return at


def train(at: AppTest) -> AppTest:
    widget(at, "ttrain").click().run()
    assert not at.exception, at.exception
    return at


def runs_shown(at: AppTest) -> list[str]:
    return list(at.dataframe[0].value["run"]) if len(at.dataframe) else []


def charts(at: AppTest) -> list:
    return list(at.get("vega_lite_chart"))


def test_defaults_open_with_nothing_trained():
    at = open_page()
    values = {key: widget(at, key).value for key in tl.KEYS.values()}
    d = tl.DEFAULT
    assert values == dict(
        task=d.task,
        tT=d.T,
        tclip=d.clip,
        tthr=d.threshold,
        ttau=d.tau,
        tlr=d.lr,
        tsteps=d.steps,
        tB=d.batch_size,
    )
    assert charts(at) == [] and len(at.dataframe) == 0
    assert any("No run yet" in x.value for x in at.info)
    assert any("D, K, T, loss, learning rate and gradient steps do not apply" in x.value for x in at.info)
    assert tl.RUNS_KEY not in at.session_state or at.session_state[tl.RUNS_KEY] == []
    assert any(r"\theta \leftarrow" in x.value for x in at.latex)
    assert not widget(at, "ttrain").disabled


def test_a_run_through_the_button_draws_its_history():
    at = train(open_page(**TINY))
    assert len(charts(at)) == 4
    (record,) = at.session_state[tl.RUNS_KEY]
    assert record.settings == tl.RunSettings(T=4, H=4, steps=10, batch_size=2)
    # the history is rnn_core.train's, called here on the sidebar's network
    D, K = 4, 4  # remember-first with 4 symbols
    params = rc.RNNParams.init(D, 4, K, seed=0)
    direct = rc.train(params, "remember_first", T=4, steps=10, batch_size=2, lr=0.1, seed=0)
    for key in HISTORY_KEYS:
        np.testing.assert_array_equal(record.history[key], direct.history[key])
    table = at.dataframe[0].value
    assert list(table["steps"]) == ["10 of 10"]
    tail = slice(9, 10)  # the last 10% of 10 steps
    expected = direct.history["loss"][tail].mean() / direct.history["baseline"][tail].mean()
    assert float(table["final loss / baseline"][0]) == pytest.approx(expected, rel=1e-3)
    assert len(at.caption) and any("Notice:" in c.value for c in at.caption)


def test_the_same_settings_again_come_from_the_cache():
    at = train(open_page(**{**TINY, "tT": "5"}))
    first = at.session_state[tl.RUNS_KEY][0]
    train(at)
    assert any("came from the cache" in c.value for c in at.caption)
    (again,) = at.session_state[tl.RUNS_KEY]  # the same settings are not repeated
    for key in HISTORY_KEYS:
        np.testing.assert_array_equal(again.history[key], first.history[key])


def test_every_control_at_its_extremes():
    at = open_page(**TINY)
    moves = [("task", name) for name in tl.TASK_LABELS] + [("tT", tl.T_MIN)]
    moves += [("tclip", c) for c in tl.CLIP_OPTIONS] + [
        ("tthr", tl.THRESHOLDS[0]),
        ("tthr", tl.THRESHOLDS[-1]),
    ]
    moves += [("ttau", 1), ("ttau", tl.TAU_MAX), ("tlr", LEARNING_RATES[0]), ("tlr", LEARNING_RATES[-1])]
    moves += [("tB", tl.BATCH_SIZES[0]), ("tB", tl.BATCH_SIZES[-1]), ("tsteps", tl.STEPS_MIN)]
    moves += [("act", a) for a in ACTIVATION_LABELS] + [("init", i) for i in INIT_LABELS]
    moves += [("scale", 4.0), ("scale", 0.05), ("H", 1), ("loss", "mse"), ("T", 200), ("D", 16), ("K", 16)]
    moves += [("tT", tl.T_MAX), ("H", 8)]
    for key, value in moves:
        widget(at, key).set_value(value).run()
        assert not at.exception, (key, value, at.exception)
        train(at)  # every run is tiny: at most 10 steps
        assert len(charts(at)) == 4, (key, value)
    assert len(at.session_state[tl.RUNS_KEY]) == tl.MAX_RUNS
    assert widget(at, "tsteps").value == tl.STEPS_MIN and widget(at, "tT").value == tl.T_MAX


def test_the_largest_run_is_refused_and_explained():
    at = open_page(H="128", tT="200", tsteps="1000", tB="64")
    assert widget(at, "ttrain").disabled
    assert any("lower the steps" in w.value for w in at.warning)


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
    name = next(n for n, k in tl.KEYS.items() if k == key)
    assert widget(at, key).value == getattr(tl.DEFAULT, name)


def test_tau_at_or_beyond_T_is_full_bptt_and_says_so():
    at = open_page(**TINY, ttau="30")
    assert any("every path is kept" in c.value for c in at.caption)
    train(at)
    assert at.session_state[tl.RUNS_KEY][0].settings.tau == 0


def test_two_runs_are_overlaid_with_labels_from_what_differs_then_removed():
    at = train(open_page(**TINY))
    widget(at, "tclip").set_value("norm").run()
    train(at)
    assert runs_shown(at) == ["clip=none", "clip=norm 1"]
    loss_chart = charts(at)[0].proto.spec
    assert '"clip=none"' in loss_chart and '"clip=norm 1"' in loss_chart
    widget(at, "trm0").click().run()
    assert not at.exception
    assert runs_shown(at) == ["tanh, T=4, clip=norm 1"]  # alone again: named by its main settings
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
    assert filename == "training_runs.csv"
    table = pd.read_csv(io.StringIO(data.decode() if isinstance(data, bytes) else data))
    runs = at.session_state[tl.RUNS_KEY]
    assert list(table.columns) == ["run", "settings", *HISTORY_KEYS]
    assert list(table["run"].unique()) == ["lr=0.1", "lr=0.01"]
    for record, (label, rows) in zip(runs, table.groupby("run", sort=False)):
        assert label == f"lr={record.settings.lr:g}"
        assert len(rows) == record.steps_run
        np.testing.assert_array_equal(rows["loss"].to_numpy(), record.history["loss"])
        assert rows["settings"].iloc[0] == tl.settings_text(record.settings)


@pytest.mark.parametrize("preset", tl.PRESETS, ids=[p.key for p in tl.PRESETS])
def test_each_preset_sets_the_controls_and_trains_its_runs(preset):
    at = open_page(tT="33", tclip="elementwise", act="sigmoid")  # far from every preset
    widget(at, f"tpre_{preset.key}").click().run()
    assert not at.exception, at.exception
    last = preset.runs[-1]
    for name, key in {**tl.KEYS, **tl.NETWORK_KEYS}.items():
        assert widget(at, key).value == getattr(last, name), key
    assert [r.settings for r in at.session_state[tl.RUNS_KEY]] == list(preset.runs)
    assert runs_shown(at) == tl.run_labels(preset.runs)
    assert any(preset.expect in s.value for s in at.success)
    assert len(charts(at)) == 4
    if preset.key == "explode":  # the unclipped run stops, and the page says where and why
        (warning,) = [w.value for w in at.warning if "stopped at step" in w.value]
        assert "clip=none" in warning and "overflowed float64" in warning


def test_live_charts_redrawn_at_every_step_do_not_disturb_the_run(monkeypatch):
    monkeypatch.setattr(tl, "LIVE_REDRAW_SECONDS", 0.0)
    drawn = []
    draw = tl.draw_charts
    monkeypatch.setattr(
        tl, "draw_charts", lambda area, runs, **kw: drawn.append(len(runs)) or draw(area, runs, **kw)
    )
    at = train(open_page(**{**TINY, "tT": "6"}))
    assert drawn[:-1] == [1] * 10  # the run in progress after each of its 10 steps, then the finished view
    assert len(charts(at)) == 4 and runs_shown(at) == ["tanh, T=6, clip=none"]


def test_a_link_carrying_a_run_trains_it_on_opening_and_clearing_forgets_it():
    at = train(open_page(**TINY))
    assert at.query_params.get("trun") == "1"
    trained = at.session_state[tl.RUNS_KEY][0].history["loss"]
    linked = open_page(**TINY, trun="1")  # a fresh session opened from that link
    (record,) = linked.session_state[tl.RUNS_KEY]
    np.testing.assert_array_equal(record.history["loss"], trained)
    assert len(charts(linked)) == 4
    widget(linked, "tclear").click().run()
    assert "trun" not in linked.query_params
    assert charts(linked) == [] and linked.session_state[tl.RUNS_KEY] == []
    assert (
        open_page(**TINY).session_state[tl.RUNS_KEY] == []
        if tl.RUNS_KEY in open_page(**TINY).session_state
        else True
    )
