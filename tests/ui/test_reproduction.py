"""The reproduction section: reading the stored table, the verdict per cell, its sentences, and the
section drawn by AppTest with a good, a missing and a corrupt table."""

import copy
import json
import math

import pytest
from streamlit.testing.v1 import AppTest

from ui.gates import reproduction
from ui.gates import reproduction_text as text
from ui.gates.reproduction import Outcome

LAGS = (20, 60)
SEEDS = (0, 1, 2)
TEST_SIZE = 2560


def _row(cell, T, seed, wrong, *, steps=None, stop=None):
    """A hand-made stored row: ``wrong`` test sequences out of TEST_SIZE missed the tolerance."""
    solved = wrong == 0
    steps = steps if steps is not None else (300 * (seed + 1) if solved else 1000)
    return {
        "cell": cell,
        "T": T,
        "min_lag": T - T // 2,
        "seed": seed,
        "solved": solved,
        "stop": stop or ("solved" if solved else "max steps"),
        "steps": steps,
        "sequences": steps * 32,
        "steps_to_solve": steps if solved else None,
        "sequences_to_solve": steps * 32 if solved else None,
        "fraction_wrong": wrong / TEST_SIZE,
        "max_abs_error": 0.03 if solved else 0.5,
        "loss_ratio": 0.001 if solved else 0.9 + 0.01 * seed,
        "seconds": 1.0,
    }


def _table(wrong_by_cell: dict) -> dict:
    """A stored table; wrong_by_cell[cell][(T, seed)] is that run's number of wrong predictions."""
    rows = [
        _row(cell, T, seed, wrong[(T, seed)])
        for cell, wrong in wrong_by_cell.items()
        for T in LAGS
        for seed in SEEDS
    ]
    return {
        "schema": 1,
        "command": "OPENBLAS_NUM_THREADS=1 python benchmarks/reproduce_adding.py",
        "created": "2026-01-01 00:00 UTC",
        "rnn_core_version": "9.9.9",
        "numpy_version": "2.0.0",
        "wall_seconds": 12.5,
        "setup": {
            "lags": list(LAGS),
            "cells": list(wrong_by_cell),
            "seeds": list(SEEDS),
            "batch_size": 32,
            "hidden": 32,
            "optimizer": "adam",
            "lr": 0.01,
            "clip": "norm",
            "threshold": 1.0,
            "max_steps": 1000,
            "eval_every": 100,
            "time_budget_s": 60.0,
            "test_size": TEST_SIZE,
            "test_seed": 1997,
            "tolerance": 0.04,
        },
        "rows": rows,
        "reference": {
            "source": "the paper",
            "test_size": 2560,
            "rows": [{"T": 100, "min_lag": 50, "wrong": 1, "sequences_to_solve": 74000}],
        },
    }


ALL = {(T, s): 0 for T in LAGS for s in SEEDS}
SOME = {**ALL, (60, 1): 7, (60, 2): 1}
NONE = {(T, s): 100 + s for T in LAGS for s in SEEDS}
TABLES = {"all": ALL, "some": SOME, "none": NONE}


def _expected_outcome(wrong: dict) -> Outcome:
    """The rule, written independently: a run met the criterion iff no test prediction was wrong."""
    met = [w == 0 for w in wrong.values()]
    if all(met):
        return Outcome.EVERY_RUN
    return Outcome.SOME_RUNS if any(met) else Outcome.NO_RUN


@pytest.mark.parametrize("name", TABLES)
def test_the_verdict_follows_the_rule(name):
    rep = reproduction.parse(_table({"lstm": TABLES[name]}))
    verdict = reproduction.cell_verdict(rep.runs, "lstm", rep.setup.tolerance)
    assert verdict.outcome is _expected_outcome(TABLES[name])
    assert verdict.runs == len(LAGS) * len(SEEDS)
    assert verdict.solved == sum(w == 0 for w in TABLES[name].values())
    assert verdict.per_lag == tuple(
        (T, sum(TABLES[name][(T, s)] == 0 for s in SEEDS), len(SEEDS)) for T in LAGS
    )


def test_the_sentences_claim_no_more_than_the_table():
    rep = reproduction.parse(_table({"rnn": NONE, "lstm": SOME, "gru": ALL}))
    said = {
        cell: text.cell_sentence(reproduction.cell_verdict(rep.runs, cell, 0.04), cell.upper())
        for cell in ("rnn", "lstm", "gru")
    }
    assert "every run" in said["gru"] and "all 6" in said["gru"]
    # solved runs took 300·(seed + 1) steps of 32 sequences
    assert "9,600 to 28,800" in said["gru"]
    assert "every" not in said["lstm"] and "4 of 6" in said["lstm"]
    assert "3 of 3 at T = 20" in said["lstm"] and "1 of 3 at T = 60" in said["lstm"]
    assert "none of its 6 runs" in said["rnn"] and "every" not in said["rnn"]
    assert "0.9 to 0.92" in said["rnn"]  # the loss ratios 0.9 + 0.01·seed


def test_one_run_and_a_diverged_run_have_their_own_words():
    table = _table({"rnn": NONE})
    table["setup"].update(lags=[20], seeds=[0])
    table["rows"] = [_row("rnn", 20, 0, TEST_SIZE, stop="diverged")]
    table["rows"][0]["loss_ratio"] = None  # how the script stores a non-finite number
    rep = reproduction.parse(table)
    (run,) = rep.runs
    assert math.isnan(run.loss_ratio)
    sentence = text.cell_sentence(reproduction.cell_verdict(rep.runs, "rnn", 0.04), "tanh RNN")
    assert "its only run" in sentence and "did not meet" in sentence
    assert "nan" in sentence and "1 of them diverged" in sentence


def test_a_cell_without_runs_is_refused():
    rep = reproduction.parse(_table({"lstm": ALL}))
    with pytest.raises(ValueError, match="received none for 'gru'"):
        reproduction.cell_verdict(rep.runs, "gru", 0.04)


def test_the_summary_quotes_the_runs_it_was_built_from():
    rep = reproduction.parse(_table({"lstm": SOME}))
    frame = reproduction.summary_frame(rep)
    assert len(frame) == len(LAGS)
    row = frame.iloc[1]  # T = 60
    assert list(row)[1:4] == [60, 30, "1 of 3"]
    assert row.iloc[4] == "9,600, —, —" and row.iloc[5] == "0, 7, 1"
    assert len(reproduction.runs_frame(rep)) == len(LAGS) * len(SEEDS)


def _broken(table: dict, change) -> dict:
    table = copy.deepcopy(table)
    change(table)
    return table


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda t: t.update(schema=2), "schema must be 1; received 2"),
        (lambda t: t.pop("rows"), "has no 'rows'"),
        (lambda t: t["rows"].pop(), "one run per cell, T and seed"),
        (lambda t: t["rows"][0].update(T=21), "T must be one of [20, 60]; received 21"),
        (lambda t: t["rows"][0].update(steps="many"), "steps must be int; received 'many'"),
        (lambda t: t["rows"][0].update(solved=1), "solved must be bool; received 1"),
        (lambda t: t["rows"][0].update(fraction_wrong=0.5), "disagree"),
        (lambda t: t["setup"].update(seeds=[]), "seeds must be a non-empty list"),
    ],
)
def test_a_bad_table_says_what_is_wrong(change, words):
    with pytest.raises(ValueError) as raised:
        reproduction.parse(_broken(_table({"lstm": ALL}), change))
    assert words in str(raised.value)


def test_a_missing_or_corrupt_file_says_why(tmp_path):
    with pytest.raises(ValueError, match="cannot be opened"):
        reproduction.load(tmp_path / "absent.json")
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text('{"schema": 1,', encoding="utf-8")
    with pytest.raises(ValueError, match="not valid JSON"):
        reproduction.load(corrupt)


def _section(path):
    from ui.gates.reproduction import show_reproduction

    show_reproduction(path)


def _run_section(path) -> AppTest:
    at = AppTest.from_function(_section, args=(str(path),), default_timeout=60).run()
    assert not at.exception
    return at


def test_the_stored_table_is_drawn():
    rep = reproduction.load()
    at = _run_section(reproduction.DATA)
    assert len(at.dataframe) == 3  # the table, every run, the paper's
    assert len(at.info) == 0
    markdown = " ".join(m.value for m in at.markdown)
    for cell in rep.setup.cells:
        verdict = reproduction.cell_verdict(rep.runs, cell, rep.setup.tolerance)
        assert text.cell_sentence(verdict, reproduction.cell_label(cell)) in markdown
    captions = " ".join(c.value for c in at.caption)
    assert rep.command in captions and rep.created in captions and rep.rnn_core_version in captions


def test_a_hand_made_table_is_drawn(tmp_path):
    path = tmp_path / "table.json"
    path.write_text(json.dumps(_table({"rnn": NONE, "lstm": SOME, "gru": ALL})), encoding="utf-8")
    at = _run_section(path)
    markdown = " ".join(m.value for m in at.markdown)
    assert "4 of 6 runs" in markdown and "none of its 6 runs" in markdown
    assert at.dataframe[0].value.shape == (6, 7)


@pytest.mark.parametrize("content", [None, "not json", "[1, 2]", '{"schema": 1}'])
def test_a_missing_or_bad_table_shows_a_note(tmp_path, content):
    path = tmp_path / "table.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    at = _run_section(path)
    assert len(at.dataframe) == 0
    (note,) = at.info
    assert "could not be read" in note.value and "reproduce_adding.py" in note.value
