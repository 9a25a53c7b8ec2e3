"""The "Work it by hand" page's app layer without a server: reading typed numbers, the sentence chosen
for each verdict, the formulas, and the two exports."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

import rnn_core as rc
from tests.ui.test_formulas import balanced
from ui import formulas as fm
from ui.by_hand import export
from ui.by_hand import text as tx
from ui.by_hand.answers import EMPTY, NOT_A_NUMBER, NOT_FINITE, RAGGED, read_answer
from ui.i18n import say

EXAMPLES = [rc.worked_example(), rc.worked_example(T=1, s=1, loss="mse", activation="relu", seed=3)]


@pytest.mark.parametrize(
    "typed, want",
    [
        ("0.1 0.2; 0.3 0.4", [[0.1, 0.2], [0.3, 0.4]]),
        ("[[0.1, 0.2], [0.3, 0.4]]", [[0.1, 0.2], [0.3, 0.4]]),
        ("0.1\n−0.2", [[0.1], [-0.2]]),
        ("  -1e-3 ", [[-0.001]]),
        ("(1, 2)", [[1.0, 2.0]]),
        ("1;2;", [[1.0], [2.0]]),
    ],
)
def test_typed_numbers_are_read_row_by_row(typed, want):
    answer = read_answer(typed)
    assert answer.problem is None
    np.testing.assert_array_equal(answer.values, np.array(want))


@pytest.mark.parametrize(
    "typed, problem, token",
    [("", EMPTY, ""), (None, EMPTY, ""), ("[ ; ]", EMPTY, ""), ("0.1 x", NOT_A_NUMBER, "x")]
    + [("1 2; 3", RAGGED, ""), ("inf 1", NOT_FINITE, ""), ("nan", NOT_FINITE, "")],
)
def test_what_cannot_be_read_says_why(typed, problem, token):
    answer = read_answer(typed)
    assert answer.values is None and answer.problem == problem and answer.token == token
    assert tx.answer_problem(problem, token)  # every problem has its sentence


def test_every_mistake_has_its_sentence():
    assert set(tx.REASONS) == set(rc.MISTAKES)
    assert set(tx.STAGE_TITLES) == set(tx.STAGE_LEADS) == set(rc.WORKED_STAGES) - {"given"}
    assert set(tx.DOC_STAGES) == set(rc.WORKED_STAGES)


def test_the_verdict_sentence_follows_the_verdict():
    ex = rc.worked_example()
    step = ex.step("pathW2")
    correct, lines = tx.verdict_lines(rc.diagnose("pathW2", step.value, ex), step)
    assert correct and lines[0].startswith("Correct")
    transposed = step.value.T.copy()
    correct, lines = tx.verdict_lines(rc.diagnose("pathW2", transposed, ex), step)
    assert not correct and lines[-1] == say(tx.LIKELY, reason=say(tx.REASONS["transposed"]))
    off = step.value.copy()
    off[0, 1] += 1.0
    correct, lines = tx.verdict_lines(rc.diagnose("pathW2", off, ex), step)
    assert not correct and "(1, 2) is off" in lines[0] and lines[-1] == say(tx.UNKNOWN)
    # U's term typed as a row: the transposed shape
    u_step = ex.step("pathU2")
    correct, lines = tx.verdict_lines(rc.diagnose("pathU2", u_step.value.T, ex), u_step)
    assert not correct and "1×2" in lines[0] and "2×1" in lines[0]
    # a scalar has no entry to name
    l_step = ex.step("L1")
    correct, lines = tx.verdict_lines(rc.diagnose("L1", l_step.value + 5, ex), l_step)
    assert not correct and lines[0].startswith("Not yet: the value is off")


def test_numbers_are_written_with_their_decimals():
    ex = rc.worked_example()
    assert tx.rows(ex.step("W")) == [[f"{v:.2f}" for v in row] for row in ex.value("W").tolist()]
    assert tx.rows(ex.step("y1")) == [[str(int(ex.value("y1")))]]
    assert tx.rows(ex.step("a1")) == [[f"{v:.4f}"] for v in ex.value("a1").tolist()]
    assert tx.placeholder(ex.step("L")) == say(tx.PLACEHOLDER_SCALAR)
    assert tx.placeholder(ex.step("a1")) == say(tx.PLACEHOLDER_VECTOR, n=2)
    assert tx.placeholder(ex.step("pathU1")) == say(tx.PLACEHOLDER_MATRIX, rows=2, cols=1)


@pytest.mark.parametrize("ex", EXAMPLES)
def test_every_formula_of_the_page_is_balanced(ex):
    formulas = [step.formula for step in ex.steps] + [
        fm.by_hand_value_latex(s.latex, tx.rows(s)) for s in ex.steps
    ]
    formulas += [fm.by_hand_tolerance_latex("0.01", "0.001")]
    formulas += [
        fm.by_hand_model_latex(a.latex_f, rc.ACTIVATIONS[n].latex_df) for n, a in rc.ACTIVATIONS.items()
    ]
    formulas += [fm.by_hand_sequence_latex([(f"x^{{({t})}}", [["0.5"]]) for t in range(1, 6)])]
    for tex in formulas:
        assert balanced(tex), tex


def test_a_matrix_a_vector_and_a_number():
    assert fm.by_hand_array_latex([["1"]]) == "1"
    assert fm.by_hand_array_latex([["1"], ["2"]]) == r"\begin{bmatrix}1 \\ 2\end{bmatrix}"
    assert fm.by_hand_array_latex([["1", "2"], ["3", "4"]]) == r"\begin{bmatrix}1 & 2 \\ 3 & 4\end{bmatrix}"
    assert fm.by_hand_sequence_latex([("x", [["1"]]), ("y", [["2"]])]) == r"x = 1,\quad y = 2"


@pytest.mark.parametrize("ex", EXAMPLES)
def test_the_csv_holds_every_entry_exactly(ex):
    rows = list(csv.reader(io.StringIO(export.csv_text(ex))))
    assert tuple(rows[0]) == tx.CSV_HEADER
    body = rows[1:]
    assert len(body) == sum(max(1, step.value.size) for step in ex.steps)
    by_step: dict[str, list] = {}
    for stage, name, quantity, index, value in body:
        step = ex.step(name)
        assert stage == step.stage and quantity == step.symbol
        by_step.setdefault(name, []).append((index, float(value)))
    for step in ex.steps:
        entries = by_step[step.name]
        assert [v for _, v in entries] == step.value.ravel().tolist()  # read back exactly
        if step.value.ndim == 2:
            assert entries[1][0] == ("1,2" if step.value.shape[1] > 1 else "2,1")


@pytest.mark.parametrize("ex", EXAMPLES)
def test_the_latex_document_is_complete(ex):
    doc = export.latex_document(ex)
    assert doc.startswith(r"\documentclass") and doc.rstrip().endswith(r"\end{document}")
    assert balanced(doc)
    assert doc.count(r"\section*") == len(rc.WORKED_STAGES)
    for step in ex.steps:
        assert fm.by_hand_value_latex(step.latex, tx.rows(step)) in doc
        assert step.formula in doc
    assert all(ord(ch) < 128 for ch in doc)  # plain ASCII: any LaTeX compiles it
