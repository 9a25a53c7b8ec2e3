"""benchmarks/reproduce_adding.py and the table it stored in ui/gates/reproduction.json.

The script's training loop is checked against rnn_core.train (two implementations of one update
rule), its quick mode is run as a student would run it, and one stored run is recomputed from the
stored setup: same seeds, same numbers.
"""

import dataclasses
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import rnn_core as rc
from ui.gates import reproduction

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
import reproduce_adding as script  # noqa: E402

COMPARED = [k for k in script.ROW_KEYS if k != "seconds"]  # seconds depend on the machine


def _stored() -> dict:
    return json.loads(reproduction.DATA.read_text(encoding="utf-8"))


def _stored_setup(data: dict) -> script.Setup:
    """The script's Setup from the stored one, without a time budget (so no run stops by the clock)."""
    fields = {f.name for f in dataclasses.fields(script.Setup)}
    kept = {k: tuple(v) if isinstance(v, list) else v for k, v in data["setup"].items() if k in fields}
    return dataclasses.replace(script.Setup(**kept), time_budget_s=math.inf)


@pytest.mark.parametrize("cell", script.CELLS)
def test_the_scripts_training_loop_is_rnn_core_train(cell):
    setup = dataclasses.replace(script.QUICK, batch_size=4, hidden=5)
    params = script.init_params(cell, setup.hidden, seed=3)
    mine, steps, stop = script.train_steps(params, 9, 3, setup, 12)
    assert (steps, stop) == (12, None)
    theirs = rc.train(
        params,
        "adding_problem",
        T=9,
        optimizer=setup.optimizer,
        lr=setup.lr,
        steps=12,
        batch_size=setup.batch_size,
        clip=setup.clip,
        threshold=setup.threshold,
        seed=3,
    )
    assert theirs.stop_reason is None
    for name, value in theirs.params.arrays().items():
        np.testing.assert_allclose(getattr(mine, name), value, rtol=1e-12, atol=1e-14, err_msg=name)
    assert not np.allclose(mine.W, params.W)  # it trained


def test_an_unknown_cell_is_refused_by_name():
    with pytest.raises(ValueError, match=r"cell must be one of \('rnn', 'lstm', 'gru'\); received 'elman'"):
        script.init_params("elman", 4, seed=0)


def test_the_criterion_counts_errors_by_hand():
    setup = dataclasses.replace(script.QUICK, test_size=50)
    test = script.test_set(8, setup)
    params = script.init_params("gru", 4, seed=1)
    scores = script.evaluate(params, test, tolerance=0.3)
    trace = rc.forward(params, test.xs, test.targets, loss="mse", mask=test.mask)
    wrong = 0
    for b in range(test.batch_size):  # plain loop: the output at step T against the target
        if not abs(float(trace.o[7, b, 0]) - float(test.targets[7, b, 0])) < 0.3:
            wrong += 1
    assert scores["fraction_wrong"] == wrong / 50
    assert 0 < wrong < 50  # the tolerance splits this untrained network's outputs
    mse = np.mean((trace.o[7, :, 0] - test.targets[7, :, 0]) ** 2)
    variance = np.var(test.targets[7, :, 0])  # the best constant's mean squared error
    assert scores["loss_ratio"] == pytest.approx(mse / variance, rel=1e-12)


def test_the_test_set_is_not_a_training_batch():
    setup = script.Setup()
    test = script.test_set(20, setup)
    assert test.batch_size == setup.test_size == 2560
    first = rc.batch_at("adding_problem", 0, T=20, batch_size=setup.batch_size, seed=0)
    assert not np.isin(first.xs[:, :, 0], test.xs[:, :, 0]).any()


def test_quick_mode_prints_a_table_that_the_page_reads_and_one_run_reproduces(tmp_path):
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "reproduce_adding.py"), "--quick"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        timeout=120,
    )
    data = json.loads(out.stdout)
    rep = reproduction.parse(data)  # the page's reader accepts it
    assert data["command"].endswith("--quick")
    assert data["rnn_core_version"] == rc.__version__ and data["numpy_version"] == np.__version__
    assert len(rep.runs) == 1
    (row,) = data["rows"]
    again = script.run(row["cell"], row["T"], row["seed"], script.QUICK)
    assert {k: again[k] for k in COMPARED} == {k: row[k] for k in COMPARED}


def test_the_stored_table_matches_its_schema_and_setup():
    data = _stored()
    rep = reproduction.load()  # raises on a missing field, a wrong type or an inconsistent row
    setup = _stored_setup(data)
    assert data["command"] == "OPENBLAS_NUM_THREADS=1 python benchmarks/reproduce_adding.py"
    assert set(setup.cells) == set(script.CELLS)
    assert len(setup.lags) >= 3 and setup.test_size == 2560 and setup.tolerance == 0.08
    assert data["reference"] == script.REFERENCE
    for row in data["rows"]:
        assert set(row) == set(script.ROW_KEYS)
        assert row["min_lag"] == row["T"] - row["T"] // 2
        assert row["sequences"] == row["steps"] * setup.batch_size
        assert 1 <= row["steps"] <= setup.max_steps
        if row["stop"] == "solved":
            assert row["steps"] % setup.eval_every == 0
            assert row["sequences_to_solve"] == row["sequences"] and row["fraction_wrong"] == 0.0
            assert row["max_abs_error"] < setup.tolerance
        elif row["stop"] == "max steps":
            assert row["steps"] == setup.max_steps and row["fraction_wrong"] > 0
            assert row["max_abs_error"] >= setup.tolerance
    assert len(rep.runs) == len(setup.cells) * len(setup.lags) * len(setup.seeds)


def test_a_stored_run_is_reproduced_exactly():
    data = _stored()
    setup = _stored_setup(data)
    clocked = [r for r in data["rows"] if r["stop"] != "time budget"]
    row = min(clocked, key=lambda r: r["seconds"])  # the cheapest to recompute
    again = script.run(row["cell"], row["T"], row["seed"], setup)
    # the same steps, stop and counts exactly; the losses and errors to the last digits that the
    # processor's BLAS kernels may round differently (the table was stored on another processor)
    exact = [k for k in COMPARED if not isinstance(row[k], float)]
    assert {k: again[k] for k in exact} == {k: row[k] for k in exact}
    for k in COMPARED:
        if isinstance(row[k], float):
            assert again[k] == pytest.approx(row[k], rel=1e-12, abs=1e-300), k
