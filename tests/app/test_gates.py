"""AppTest of the Gates page, opened through the app's entry file.

The page runs at its defaults and over a grid of its controls; its links round-trip and bad values
in a link fall back to the defaults; the numbers it quotes are the numbers in its charts' data,
decoded from what the page sent, and they agree with rnn_core called here directly.
"""

import io
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

import rnn_core as rc
from tests.app.helpers import open_app, widget
from ui.format import number, pow10_plain
from ui.gates import calls
from ui.gates import reproduction_text as rt
from ui.gates import text as t
from ui.i18n import say
from ui.training.settings import TASK_LABELS

ROOT = Path(__file__).resolve().parents[2]
PAGE = "app_pages/gates.py"
N_CHARTS = 7  # profiles, carousel, f and u heatmaps, gate products, two ledgers
KEYS = calls.KEYS


def run_page(**query) -> AppTest:
    return open_app(PAGE, **{k: str(v) for k, v in query.items()})


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def texts(at: AppTest) -> str:
    return "\n".join(
        e.value for kind in ("markdown", "info", "warning", "caption") for e in getattr(at, kind)
    )


def chart_rows(at: AppTest, i: int) -> list[dict]:
    """The data rows of the page's i-th chart, decoded from the Arrow bytes the page sent."""
    proto = at.get("vega_lite_chart")[i].proto
    out = []
    for named in proto.datasets:
        table = pa.ipc.open_stream(io.BytesIO(named.data.data)).read_all()
        out += table.to_pylist()
    return out


def curve(rows: list[dict], series: str) -> list[float]:
    points = sorted((r["d"], r["log10"]) for r in rows if r.get("series") == series)
    return [v for _, v in points]


def test_defaults_render_every_section_and_quote_their_charts():
    at = run_page()
    assert not at.exception
    assert at.title[0].value == say(t.TITLE)
    assert len(at.get("vega_lite_chart")) == N_CHARTS
    assert widget(at, KEYS["T"]).value == calls.T_DEFAULT
    assert widget(at, KEYS["forget_bias"]).value == calls.FORGET_BIAS_DEFAULT
    # section 2: each cell's log₁₀ norm at d = T is the last point of its curve
    profiles = chart_rows(at, 0)
    for cell in rc.CELL_NAMES:
        label = t.cell_label(cell)
        assert metric(at, say(t.END_NORM, cell=label)) == number(curve(profiles, label)[-1], ".2f")
    # section 3: the carousel's and the exact block's ends
    carousel = chart_rows(at, 1)
    assert metric(at, say(t.CAROUSEL_DIRECT)) == pow10_plain(curve(carousel, say(t.DIRECT_SERIES))[-1])
    assert metric(at, say(t.CAROUSEL_EXACT)) == pow10_plain(curve(carousel, say(t.EXACT_SERIES))[-1])
    rule = [r["d"] for r in carousel if "what" in r]
    first = metric(at, say(t.CAROUSEL_FIRST, tol=number(rc.CAROUSEL_DECADES, "g")))
    assert rule == ([] if first == say(t.CAROUSEL_NEVER) else [int(first)])
    # section 4: the mean forget gate is the mean of the heatmap's cells
    heat = chart_rows(at, 2)
    mean_f = metric(at, say(t.MEAN_GATE, gate="f", cell="LSTM"))
    assert mean_f == number(float(np.mean([r["value"] for r in heat])), ".3f")
    assert len(heat) == calls.T_DEFAULT * 16
    # section 5: the long-range share is the ledger's mass at s − k ≥ ⌊T/2⌋, summed here from its data
    for i, cell in ((5, "rnn"), (6, "lstm")):
        ledger = chart_rows(at, i)
        far = sum(r["value"] for r in ledger if r["d"] >= calls.T_DEFAULT // 2)
        total = sum(r["value"] for r in ledger)
        assert metric(at, say(t.SHARE, cell=t.cell_label(cell))) == number(far / total, ".3g")


def test_the_numbers_agree_with_rnn_core_called_here():
    at = run_page(**{KEYS["task"]: "remember-first", KEYS["T"]: 25, KEYS["forget_bias"]: 3.0})
    assert not at.exception
    task = rc.remember_first(25, 1, seed=0)
    rnn, lstm, gru = (
        rc.RNNParams.init(task.n_in, 16, task.n_out, seed=0),
        rc.LSTMParams.init(task.n_in, 16, task.n_out, seed=0, forget_bias=3.0),
        rc.GRUParams.init(task.n_in, 16, task.n_out, seed=0),
    )
    for cell, params in (("rnn", rnn), ("lstm", lstm), ("gru", gru)):
        trace = rc.forward(params, task.xs, task.targets, loss=task.loss)
        ell = rc.state_jacobian_log_norms(params, trace)[0]
        assert metric(at, say(t.END_NORM, cell=t.cell_label(cell))) == number(ell, ".2f")
        if cell == "lstm":
            assert metric(at, say(t.MEAN_GATE, gate="f", cell="LSTM")) == number(trace.f.mean(), ".3f")
    assert f"σ(3) = {number(1 / (1 + np.exp(-3.0)), '.2f')}" in texts(at)


@pytest.mark.parametrize("T", [1, 2, 20])
@pytest.mark.parametrize("task", list(rc.TASKS))
@pytest.mark.parametrize("forget_bias", [0.0, 1.0, 3.0])
def test_the_page_renders_over_a_grid_of_its_controls(T, task, forget_bias):
    at = run_page(**{KEYS["task"]: TASK_LABELS[task], KEYS["T"]: T, KEYS["forget_bias"]: forget_bias})
    assert not at.exception
    assert len(at.get("vega_lite_chart")) == N_CHARTS
    used = rc.task_length(task, T)
    assert f"T = {used}" in texts(at)
    shortened = say(t.TASK_TOO_SHORT, task=TASK_LABELS[task], min_T=used, asked=T)
    assert (shortened in [w.value for w in at.warning]) == (used != T)
    if T == 1 and task == "remember_first":
        assert say(t.LEDGER_TOO_SHORT) in texts(at)
    if used == 2:
        assert say(t.REACH_NONE, half=1) in texts(at)  # the only far term multiplies h⁽⁰⁾ = 0


def test_every_page_control_round_trips_through_the_link():
    query = {
        KEYS["task"]: "remember-first",
        KEYS["T"]: "33",
        KEYS["forget_bias"]: "2.5",
        KEYS["update_bias"]: "-1.5",
    }
    at = run_page(**query)
    assert not at.exception
    assert widget(at, KEYS["task"]).value == "remember_first"
    assert widget(at, KEYS["T"]).value == 33
    assert widget(at, KEYS["forget_bias"]).value == 2.5
    assert widget(at, KEYS["update_bias"]).value == -1.5
    assert {k: at.query_params[k] for k in query} == query
    assert "T = 33" in texts(at) and "bᶠ = 2.5" in texts(at) and "bᵘ = -1.5" in texts(at)
    # a moved control reaches the page (that it reaches the link is checked in a real browser:
    # tests/e2e/test_gates.py), and the link of the moved values opens the same page
    widget(at, KEYS["T"]).set_value(40).run()
    widget(at, KEYS["forget_bias"]).set_value(-1.0).run()
    widget(at, KEYS["update_bias"]).set_value(4.0).run()
    widget(at, KEYS["task"]).set_value("adding_problem").run()
    assert not at.exception
    assert "*adding* task (T = 40" in texts(at) and "bᶠ = -1:" in texts(at) and "bᵘ = 4:" in texts(at)
    moved = {KEYS["T"]: "40", KEYS["forget_bias"]: "-1.0", KEYS["update_bias"]: "4.0", KEYS["task"]: "adding"}
    again = run_page(**moved)
    assert [widget(again, k).value for k in moved] == [40, -1.0, 4.0, "adding_problem"]
    assert [m.value for m in again.metric] == [m.value for m in at.metric]


@pytest.mark.parametrize(
    "query",
    [
        {
            KEYS["T"]: "banana",
            KEYS["forget_bias"]: "1e999",
            KEYS["task"]: "<b>x</b>",
            KEYS["update_bias"]: "nan",
        },
        {KEYS["T"]: "0", KEYS["forget_bias"]: "99", KEYS["task"]: "", KEYS["update_bias"]: "-7"},
        {KEYS["T"]: "201", KEYS["forget_bias"]: "-inf", KEYS["update_bias"]: "-9.5"},
    ],
)
def test_bad_link_values_fall_back_to_the_defaults_without_a_traceback(query):
    at = run_page(**query)
    assert not at.exception
    assert widget(at, KEYS["T"]).value == calls.T_DEFAULT
    assert widget(at, KEYS["forget_bias"]).value == calls.FORGET_BIAS_DEFAULT
    assert widget(at, KEYS["update_bias"]).value == calls.UPDATE_BIAS_DEFAULT
    assert widget(at, KEYS["task"]).value == calls.TASK_DEFAULT
    assert len(at.get("vega_lite_chart")) == N_CHARTS


def test_a_bias_between_two_steps_moves_to_the_nearest_step_it_is_computed_with():
    at = run_page(**{KEYS["forget_bias"]: "2.3", KEYS["update_bias"]: "-0.2"})
    assert not at.exception
    assert widget(at, KEYS["forget_bias"]).value == 2.5 and widget(at, KEYS["update_bias"]).value == 0.0
    assert "bᶠ = 2.5:" in texts(at) and "bᵘ = 0:" in texts(at)


def test_the_largest_settings_and_a_large_sigma_max_render():
    at = run_page(**{KEYS["T"]: 200, KEYS["forget_bias"]: 6.0, "H": 64, "scale": "4.0"})
    assert not at.exception
    assert len(at.get("vega_lite_chart")) == N_CHARTS
    assert "**tanh RNN: " in texts(at) and "σ_max = 4" in texts(at)


def test_the_reproduction_table_and_its_setup_are_on_the_page():
    # read the stored table here with json, not through ui.gates.reproduction
    stored = json.loads((ROOT / "ui" / "gates" / "reproduction.json").read_text(encoding="utf-8"))
    setup, runs = stored["setup"], stored["rows"]
    at = run_page()
    assert not at.exception
    assert say(rt.TITLE) in [s.value for s in at.subheader]
    setup_text = next(m.value for m in at.markdown if m.value.startswith("**Setup.**"))
    for quoted in (
        f"H = {setup['hidden']}",
        f"B = {setup['batch_size']} sequences",
        f"lr = {setup['lr']}",
        f"clipped at {setup['threshold']}",
        f"at most {setup['max_steps']:,} steps",
        f"|o⁽ᵀ⁾ − y| < {setup['tolerance']}",
        f"seed {setup['test_seed']}",
    ):
        assert quoted in setup_text, quoted
    summary = at.dataframe[0].value
    assert len(summary) == len(setup["cells"]) * len(setup["lags"])
    met = say(rt.COLUMNS["met"])
    for row in summary.to_dict("records"):
        mine = [r for r in runs if t.cell_label(r["cell"]) == row[say(rt.COLUMNS["cell"])]]
        mine = [r for r in mine if r["T"] == row[say(rt.COLUMNS["T"])]]
        assert len(mine) == len(setup["seeds"])
        assert row[met] == f"{sum(r['solved'] for r in mine)} of {len(mine)}"
    assert any(stored["command"] in c.value for c in at.caption)  # the command that made it
    reference = at.dataframe[-1].value
    assert reference[say(rt.REFERENCE_COLUMNS["T"])].tolist() == [r["T"] for r in stored["reference"]["rows"]]


def test_a_shorter_lstm_ledger_with_remembering_forget_gates_does_not_blame_them():
    # σ_max(W) = 2 and bᶠ = 4: the RNN's ledger reaches further, while the LSTM's forget gates keep
    at = run_page(pred="off", scale="2.0", **{KEYS["forget_bias"]: 4.0})
    assert not at.exception
    words = texts(at)
    assert "**The RNN's ledger reaches further back:**" in words
    assert "The best unit carries an error across the whole sequence" in words  # the gate's own verdict
    assert "forget too fast" not in words and "do not explain it" in words
