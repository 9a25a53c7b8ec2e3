"""The reproduction of Hochreiter & Schmidhuber (1997), Table 7: read from reproduction.json, drawn.

The table is computed offline by ``benchmarks/reproduce_adding.py`` (minutes of CPU, too slow for a
page) and stored beside this module. :func:`load` reads and checks it into frozen dataclasses;
:func:`cell_verdict` counts, per cell, the runs whose stored result met the criterion (the script
decided each from the test errors, with the stored tolerance); :func:`show_reproduction` draws the
section, every sentence chosen from those verdicts by :mod:`ui.gates.reproduction_text`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st
from streamlit import dataframe_util

from ui.cache import cache_data
from ui.chart_cache import language
from ui.format import sci
from ui.gates import reproduction_text as text
from ui.gates.text import cell_label
from ui.i18n import say

if TYPE_CHECKING:  # the Arrow tables Streamlit converts frames to (pyarrow comes with Streamlit)
    import pyarrow as pa

DATA = Path(__file__).with_name("reproduction.json")
SCHEMA = 1
STOPS = ("solved", "max steps", "time budget", "diverged")


class Outcome(StrEnum):
    """How many of a cell's runs met the criterion: all, some, none."""

    EVERY_RUN = "every run"
    SOME_RUNS = "some runs"
    NO_RUN = "no run"


@dataclass(frozen=True)
class Run:
    """One stored run: a cell at length T from one seed, and where it stopped.

    ``wrong`` test sequences with |o⁽ᵀ⁾ − y| ≥ tolerance at the last evaluation (0 when ``solved``);
    ``sequences_to_solve`` the training sequences seen until the criterion held (None if it never
    did); ``max_abs_error`` and ``loss_ratio`` (test loss over the constant predictor's) nan when
    they were not finite.
    """

    cell: str
    T: int
    min_lag: int
    seed: int
    solved: bool
    stop: str
    steps: int
    sequences: int
    sequences_to_solve: int | None
    wrong: int
    max_abs_error: float
    loss_ratio: float
    seconds: float


@dataclass(frozen=True)
class Setup:
    """The settings every stored run shared."""

    lags: tuple[int, ...]
    cells: tuple[str, ...]
    seeds: tuple[int, ...]
    batch_size: int
    hidden: int
    optimizer: str
    lr: float
    clip: str
    threshold: float
    max_steps: int
    eval_every: int
    time_budget_s: float
    test_size: int
    test_seed: int
    tolerance: float


@dataclass(frozen=True)
class ReferenceRow:
    """One row of the paper's Table 7."""

    T: int
    min_lag: int
    wrong: int
    sequences_to_solve: int


@dataclass(frozen=True)
class Reproduction:
    """The stored table: its runs, their setup, how it was made, and the paper's rows."""

    command: str
    created: str
    rnn_core_version: str
    numpy_version: str
    wall_seconds: float
    setup: Setup
    runs: tuple[Run, ...]
    reference_source: str
    reference_test_size: int
    reference: tuple[ReferenceRow, ...]


@dataclass(frozen=True)
class CellVerdict:
    """How one cell did over the stored runs: the counts that choose its sentence.

    ``per_lag`` is (T, runs that met the criterion, runs) for each length; ``fewest_sequences`` and
    ``most_sequences`` the range of training sequences until met over the runs that met it (None if
    none did); ``loss_ratio_range`` the (lowest, highest) final test loss / constant predictor's;
    ``tolerance`` the |o⁽ᵀ⁾ − y| bound the stored runs were judged by.
    """

    cell: str
    outcome: Outcome
    solved: int
    runs: int
    seeds: tuple[int, ...]
    lags: tuple[int, ...]
    per_lag: tuple[tuple[int, int, int], ...]
    fewest_sequences: int | None
    most_sequences: int | None
    loss_ratio_range: tuple[float, float]
    diverged: int
    tolerance: float


# --- reading and checking the stored table -------------------------------------------------------


def _get(record: dict, key: str, kinds: tuple[type, ...], where: str, *, nullable: bool = False):
    """``record[key]``, checked to be one of ``kinds`` (or None when ``nullable``)."""
    if not isinstance(record, dict) or key not in record:
        raise ValueError(f"{where} has no {key!r}")
    value = record[key]
    if value is None and nullable:
        return None
    bad_bool = isinstance(value, bool) and bool not in kinds
    if bad_bool or not isinstance(value, kinds):
        expected = " or ".join(k.__name__ for k in kinds) + (" or null" if nullable else "")
        raise ValueError(f"{where}: {key} must be {expected}; received {value!r}")
    return value


def _float(record: dict, key: str, where: str) -> float:
    """A float field; null (how the script stores inf and nan) reads as nan."""
    value = _get(record, key, (int, float), where, nullable=True)
    return math.nan if value is None else float(value)


def _ints(record: dict, key: str, where: str) -> tuple[int, ...]:
    values = _get(record, key, (list,), where)
    if not values or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise ValueError(f"{where}: {key} must be a non-empty list of integers; received {values!r}")
    return tuple(values)


def _setup(record: dict) -> Setup:
    where = "setup"
    cells = _get(record, "cells", (list,), where)
    if not cells or not all(isinstance(c, str) for c in cells):
        raise ValueError(f"setup: cells must be a non-empty list of names; received {cells!r}")
    number = (int, float)
    return Setup(
        lags=_ints(record, "lags", where),
        cells=tuple(cells),
        seeds=_ints(record, "seeds", where),
        batch_size=_get(record, "batch_size", (int,), where),
        hidden=_get(record, "hidden", (int,), where),
        optimizer=_get(record, "optimizer", (str,), where),
        lr=float(_get(record, "lr", number, where)),
        clip=_get(record, "clip", (str,), where),
        threshold=float(_get(record, "threshold", number, where)),
        max_steps=_get(record, "max_steps", (int,), where),
        eval_every=_get(record, "eval_every", (int,), where),
        time_budget_s=float(_get(record, "time_budget_s", number, where)),
        test_size=_get(record, "test_size", (int,), where),
        test_seed=_get(record, "test_seed", (int,), where),
        tolerance=float(_get(record, "tolerance", number, where)),
    )


def _run(record: dict, i: int, setup: Setup) -> Run:
    where = f"rows[{i}]"
    run = Run(
        cell=_get(record, "cell", (str,), where),
        T=_get(record, "T", (int,), where),
        min_lag=_get(record, "min_lag", (int,), where),
        seed=_get(record, "seed", (int,), where),
        solved=_get(record, "solved", (bool,), where),
        stop=_get(record, "stop", (str,), where),
        steps=_get(record, "steps", (int,), where),
        sequences=_get(record, "sequences", (int,), where),
        sequences_to_solve=_get(record, "sequences_to_solve", (int,), where, nullable=True),
        wrong=round(_float(record, "fraction_wrong", where) * setup.test_size),
        max_abs_error=_float(record, "max_abs_error", where),
        loss_ratio=_float(record, "loss_ratio", where),
        seconds=float(_get(record, "seconds", (int, float), where)),
    )
    for name, value, allowed in (
        ("cell", run.cell, setup.cells),
        ("T", run.T, setup.lags),
        ("seed", run.seed, setup.seeds),
        ("stop", run.stop, STOPS),
    ):
        if value not in allowed:
            raise ValueError(f"{where}: {name} must be one of {list(allowed)}; received {value!r}")
    consistent = (
        (run.stop == "solved") == run.solved == (run.sequences_to_solve is not None) == (run.wrong == 0)
    )
    if not consistent:
        raise ValueError(
            f"{where}: solved, stop, sequences_to_solve and fraction_wrong disagree; received solved="
            f"{run.solved}, stop={run.stop!r}, sequences_to_solve={run.sequences_to_solve}, wrong={run.wrong}"
        )
    return run


def parse(data) -> Reproduction:
    """The stored table from its JSON object; ValueError naming the first field that is missing,
    of the wrong type, outside the setup, or inconsistent."""
    if not isinstance(data, dict):
        raise ValueError(f"the table must be a JSON object; received {type(data).__name__}")
    schema = data.get("schema")
    if schema != SCHEMA:
        raise ValueError(f"schema must be {SCHEMA}; received {schema!r}")
    setup = _setup(_get(data, "setup", (dict,), "the table"))
    rows = _get(data, "rows", (list,), "the table")
    runs = tuple(_run(row, i, setup) for i, row in enumerate(rows))
    expected = {(c, T, s) for c in setup.cells for T in setup.lags for s in setup.seeds}
    found = [(r.cell, r.T, r.seed) for r in runs]
    if len(found) != len(expected) or set(found) != expected:
        raise ValueError(
            f"rows must hold one run per cell, T and seed of the setup ({len(expected)}); "
            f"received {len(found)} rows covering {len(set(found) & expected)} of them"
        )
    reference = _get(data, "reference", (dict,), "the table")
    ref_rows = _get(reference, "rows", (list,), "reference")
    return Reproduction(
        command=_get(data, "command", (str,), "the table"),
        created=_get(data, "created", (str,), "the table"),
        rnn_core_version=_get(data, "rnn_core_version", (str,), "the table"),
        numpy_version=_get(data, "numpy_version", (str,), "the table"),
        wall_seconds=float(_get(data, "wall_seconds", (int, float), "the table")),
        setup=setup,
        runs=runs,
        reference_source=_get(reference, "source", (str,), "reference"),
        reference_test_size=_get(reference, "test_size", (int,), "reference"),
        reference=tuple(
            ReferenceRow(
                **{k: _get(r, k, (int,), f"reference.rows[{i}]") for k in ReferenceRow.__annotations__}
            )
            for i, r in enumerate(ref_rows)
        ),
    )


def load(path: Path | str = DATA) -> Reproduction:
    """The stored table at ``path``; ValueError saying why when it is missing, not JSON, or not the
    table :func:`parse` expects."""
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ValueError(f"{Path(path).name} cannot be opened ({error.strerror or error})") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(f"{Path(path).name} is not valid JSON ({error.msg}, line {error.lineno})") from None
    return parse(data)


@cache_data(max_entries=4, show_spinner=False)
def _load_cached(path: str, modified_ns: int) -> Reproduction:
    """:func:`load`, read again when the file changes."""
    return load(path)


# --- the verdicts --------------------------------------------------------------------------------


def cell_verdict(runs, cell: str, tolerance: float) -> CellVerdict:
    """The counts for ``cell`` over ``runs`` (a sequence of :class:`Run`): every run, some or none
    met the criterion, and the numbers each sentence quotes."""
    mine = [r for r in runs if r.cell == cell]
    if not mine:
        raise ValueError(f"cell must have at least one run; received none for {cell!r}")
    lags = tuple(sorted({r.T for r in mine}))
    per_lag = tuple(
        (T, sum(r.solved for r in mine if r.T == T), sum(1 for r in mine if r.T == T)) for T in lags
    )
    solved = sum(r.solved for r in mine)
    outcome = (
        Outcome.EVERY_RUN if solved == len(mine) else Outcome.NO_RUN if solved == 0 else Outcome.SOME_RUNS
    )
    sequences = [r.sequences_to_solve for r in mine if r.solved]
    ratios = [r.loss_ratio for r in mine]
    return CellVerdict(
        cell=cell,
        outcome=outcome,
        solved=solved,
        runs=len(mine),
        seeds=tuple(sorted({r.seed for r in mine})),
        lags=lags,
        per_lag=per_lag,
        fewest_sequences=min(sequences) if sequences else None,
        most_sequences=max(sequences) if sequences else None,
        loss_ratio_range=(min(ratios, key=_nan_high), max(ratios, key=_nan_high)),
        diverged=sum(r.stop == "diverged" for r in mine),
        tolerance=tolerance,
    )


def _nan_high(x: float) -> float:
    """nan ranks above every number: the range's low end is finite if any run's is, its high end nan
    if any run's is."""
    return math.inf if math.isnan(x) else x


# --- the tables ----------------------------------------------------------------------------------


def _per_seed(values) -> str:
    return ", ".join(values)


def summary_frame(rep: Reproduction) -> pd.DataFrame:
    """One row per cell and length, as H&S's Table 7: the per-seed numbers in seed order."""
    c = {k: say(v, test_size=rep.setup.test_size) for k, v in text.COLUMNS.items()}
    rows = []
    for cell in rep.setup.cells:
        for T in rep.setup.lags:
            mine = sorted((r for r in rep.runs if r.cell == cell and r.T == T), key=lambda r: r.seed)
            rows.append(
                {
                    c["cell"]: cell_label(cell),
                    c["T"]: T,
                    c["min_lag"]: mine[0].min_lag,
                    c["met"]: say(text.MET, solved=sum(r.solved for r in mine), runs=len(mine)),
                    c["sequences"]: _per_seed(text.count(r.sequences_to_solve) for r in mine),
                    c["wrong"]: _per_seed(str(r.wrong) for r in mine),
                    c["loss_ratio"]: _per_seed(sci(r.loss_ratio, 2) for r in mine),
                }
            )
    return pd.DataFrame(rows)


def runs_frame(rep: Reproduction) -> pd.DataFrame:
    """Every stored run, one row each."""
    c = {k: say(v, test_size=rep.setup.test_size) for k, v in text.COLUMNS.items()}
    return pd.DataFrame(
        [
            {
                c["cell"]: cell_label(r.cell),
                c["T"]: r.T,
                c["seed"]: r.seed,
                c["stop"]: say(text.STOP_WORDS[r.stop]),
                c["steps"]: r.steps,
                c["sequences"]: text.count(r.sequences_to_solve),
                c["wrong"]: r.wrong,
                c["max_abs_error"]: sci(r.max_abs_error, 3),
                c["loss_ratio"]: sci(r.loss_ratio, 3),
                c["seconds"]: r.seconds,
            }
            for r in rep.runs
        ]
    )


def reference_frame(rep: Reproduction) -> pd.DataFrame:
    """The paper's rows, with the same column words."""
    c = {k: say(v, test_size=rep.reference_test_size) for k, v in text.REFERENCE_COLUMNS.items()}
    return pd.DataFrame(
        [
            {
                c["T"]: r.T,
                c["min_lag"]: r.min_lag,
                c["wrong"]: r.wrong,
                c["sequences"]: text.count(r.sequences_to_solve),
            }
            for r in rep.reference
        ]
    )


# --- the section ---------------------------------------------------------------------------------


def _modified(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError as error:
        raise ValueError(f"{path.name} cannot be opened ({error.strerror or error})") from None


def _read(path: Path) -> Reproduction:
    return _load_cached(str(path), _modified(path))


@dataclass(frozen=True, eq=False)
class Section:
    """What :func:`show_reproduction` draws below its title and intro, said in one language. The
    tables are held as Arrow, as Streamlit converts a frame (st.dataframe sends them as they are)."""

    setup: str
    summary: pa.Table
    table_caption: str
    sentences: tuple[str, ...]
    runs: pa.Table
    reference: pa.Table
    reference_caption: str
    differences: str
    provenance: str


def _arrow(frame: pd.DataFrame) -> pa.Table:
    return dataframe_util.convert_pandas_df_to_arrow_table(frame)


def section(rep: Reproduction) -> Section:
    """The section's sentences and tables for ``rep``."""
    s = rep.setup
    setup = say(
        text.SETUP,
        hidden=s.hidden,
        batch_size=s.batch_size,
        optimizer=s.optimizer.capitalize(),
        lr=s.lr,
        threshold=s.threshold,
        max_steps=f"{s.max_steps:,}",
        budget=f"{s.time_budget_s:g}",
        test_size=f"{s.test_size:,}",
        test_seed=s.test_seed,
        eval_every=s.eval_every,
        tolerance=s.tolerance,
        seeds=text.listing(s.seeds),
    )
    provenance = say(
        text.PROVENANCE,
        command=rep.command,
        created=rep.created,
        version=rep.rnn_core_version,
        numpy_version=rep.numpy_version,
        wall=f"{rep.wall_seconds:,.0f}",
    )
    return Section(
        setup=setup,
        summary=_arrow(summary_frame(rep)),
        table_caption=say(text.TABLE_CAPTION, seeds=text.listing(s.seeds)),
        sentences=tuple(
            text.cell_sentence(cell_verdict(rep.runs, cell, s.tolerance), cell_label(cell))
            for cell in s.cells
        ),
        runs=_arrow(runs_frame(rep)),
        reference=_arrow(reference_frame(rep)),
        reference_caption=say(text.REFERENCE_CAPTION, source=rep.reference_source),
        differences=say(text.DIFFERENCES, tolerance=s.tolerance, eval_every=s.eval_every),
        provenance=provenance,
    )


@cache_data(max_entries=8, show_spinner=False)
def _section_cached(path: str, modified_ns: int, lang: str) -> Section:
    """:func:`section` of the table at ``path``, said again when the file or the language changes
    (the table is fixed while the app runs: a rerun only looks it up)."""
    return section(_load_cached(path, modified_ns))


def show_reproduction(path: Path | str = DATA) -> None:
    """The section: title, what H&S did, the setup, the table, a sentence per cell, and where the
    numbers come from. A missing or unreadable table shows a note instead."""
    st.subheader(say(text.TITLE))
    st.markdown(say(text.INTRO))
    path = Path(path)
    try:
        words = _section_cached(str(path), _modified(path), language())
    except ValueError as error:
        st.info(say(text.UNREADABLE, reason=str(error)))
        return
    st.markdown(words.setup)
    st.dataframe(words.summary, hide_index=True)
    st.caption(words.table_caption)
    for sentence in words.sentences:
        st.markdown("- " + sentence)
    with st.expander(say(text.RUNS_TITLE)):
        st.dataframe(words.runs, hide_index=True)
    st.markdown(f"**{say(text.REFERENCE_TITLE)}**")
    st.dataframe(words.reference, hide_index=True)
    st.caption(words.reference_caption)
    st.markdown(words.differences)
    st.caption(words.provenance)
