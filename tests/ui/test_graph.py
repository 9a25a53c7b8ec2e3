"""The unrolled graph: which steps are drawn, which edges exist, which are highlighted (DOT parsed here)."""

import re

import pytest

from ui import palette
from ui.graph import (
    COLUMN_MIN_PX,
    EDGE_FONT_SIZE,
    FONT_SIZE,
    INDEX_SIZE,
    MAX_STEPS,
    NODE_WIDTH,
    PEN_WIDTH,
    columns_class,
    description,
    shown_steps,
    unrolled_dot,
)

EDGE = re.compile(r"^\s*(\w+) -> (\w+) \[(.*)\];$")
NODE = re.compile(r"^\s+(\w+) \[label=", re.M)


def _edges(dot):
    edges = {}
    for line in dot.splitlines():
        m = EDGE.match(line)
        if m:
            edges[(m.group(1), m.group(2))] = m.group(3)
    return edges


def _hot(attrs):
    return palette.HIGHLIGHT in attrs


# --- the steps drawn ----------------------------------------------------------------------------


def test_shown_steps_keep_the_ends_and_a_window_around_s():
    for T in range(1, 61):
        for s in range(1, T + 1):
            steps = shown_steps(T, s)
            assert steps == sorted(set(steps)) and len(steps) <= MAX_STEPS
            assert {1, s, T} <= set(steps) and all(1 <= t <= T for t in steps)
            if s < T:
                assert s + 1 in steps
            if T <= MAX_STEPS:
                assert steps == list(range(1, T + 1))
            else:
                assert len(steps) == MAX_STEPS
                # the window is contiguous up to s: the steps just before s are drawn
                assert all(t in steps for t in range(max(2, s - 3), s + 1))


@pytest.mark.parametrize("max_steps", [4, 6, 8])
def test_without_s_the_first_and_last_steps_are_drawn(max_steps):
    for T in range(1, 80):
        steps = shown_steps(T, max_steps=max_steps)
        if T <= max_steps:
            assert steps == list(range(1, T + 1))
            continue
        assert len(steps) == max_steps and steps[0] == 1 and steps[-1] == T
        jumps = [b - a for a, b in zip(steps, steps[1:])]
        assert sum(j > 1 for j in jumps) == 1  # one stretch is left out, between the two ends
        assert jumps.count(1) == max_steps - 2


# --- the graph without a highlighted path (the Overview page) ------------------------------------


@pytest.mark.parametrize("T", [1, 2, 6, 8])
def test_short_sequences_draw_every_step_and_nothing_is_highlighted(T):
    dot = unrolled_dot(T)
    assert "gap" not in dot
    edges = _edges(dot)
    for t in range(1, T + 1):
        assert (f"h{t - 1}", f"h{t}") in edges  # the recurrence edge through W
        assert {(f"x{t}", f"h{t}"), (f"h{t}", f"o{t}"), (f"o{t}", f"L{t}")} <= set(edges)
    assert len(edges) == 4 * T
    assert not any(_hot(attrs) for attrs in edges.values()) and palette.HIGHLIGHT not in dot


@pytest.mark.parametrize("T", [9, 20, 200])
def test_long_sequences_keep_both_ends_around_a_gap(T):
    steps = shown_steps(T)
    dot = unrolled_dot(T)
    drawn = sorted(int(n[1:]) for n in NODE.findall(dot) if n.startswith("h") and n != "h0")
    assert drawn == steps
    (gap,) = {b for _, b in _edges(dot) if b.startswith("gap")}
    after = next(t for a, t in zip(steps, steps[1:]) if t - a > 1)
    assert (gap, f"h{after}") in _edges(dot)
    assert f"⋯\\n{T - len(steps)} steps" in dot


# --- the paths of L⁽ˢ⁾ highlighted (the Update rules page) --------------------------------------


@pytest.mark.parametrize("wrt", ["W", "U"])
@pytest.mark.parametrize("T,s", [(1, 1), (5, 1), (5, 3), (8, 8)])
def test_graph_highlights_exactly_the_paths_of_L_s(T, s, wrt):
    dot = unrolled_dot(T, s=s, wrt=wrt)
    edges = _edges(dot)
    # written from the path description, not from the builder: L⁽ˢ⁾ ← o⁽ˢ⁾ ← h⁽ˢ⁾ ← … ← h⁽ᵏ⁾ ← θ
    hot = {(f"o{s}", f"L{s}"), (f"h{s}", f"o{s}")}
    hot |= {(f"h{t - 1}", f"h{t}") for t in range(2, s + 1)}
    if wrt == "W":
        hot.add(("h0", "h1"))
    else:
        hot |= {(f"x{k}", f"h{k}") for k in range(1, s + 1)}
    assert {e for e, attrs in edges.items() if _hot(attrs)} == hot
    assert len(edges) == 4 * T  # x→h, h→o, o→L per step, and the W chain from h⁽⁰⁾
    labels = {("h", "h"): "W", ("x", "h"): "U", ("h", "o"): "V", ("o", "L"): ""}
    assert all(f'label="{labels[a[0], b[0]]}"' in attrs for (a, b), attrs in edges.items())
    assert "dashed" in edges[("h0", "h1")]  # h⁽⁰⁾ = 0: its W term is zero
    assert dot.count("{") == dot.count("}")


def test_long_graph_elides_the_middle_through_gap_nodes():
    T, s = 200, 100
    dot = unrolled_dot(T, s=s, wrt="W")
    edges = _edges(dot)
    steps = shown_steps(T, s)
    assert {f"x{t}" for t in steps} == {a for a, _ in edges if a.startswith("x")}
    gaps = sorted({b for _, b in edges if b.startswith("gap")})
    assert len(gaps) == 2
    # the gaps stand for the elided steps, and say how many
    counts = [int(n) for n in re.findall(r"⋯\\n(\d+) steps", dot)]
    assert sum(counts) == T - len(steps)
    # the chain before s is on L⁽ˢ⁾'s path (through the first gap); after s it is not
    assert _hot(edges[("h1", gaps[0])]) and not _hot(edges[(f"h{s + 1}", gaps[1])])
    assert not _hot(edges[(gaps[1], f"h{T}")])
    assert _hot(edges[(f"h{s}", f"o{s}")]) and not _hot(edges[(f"h{T}", f"o{T}")])


def test_labels_carry_the_time_index_as_a_superscript():
    dot = unrolled_dot(3, s=2)
    sup = f'<SUP><FONT POINT-SIZE="{INDEX_SIZE}">'
    for name in "xhoL":
        for t in (1, 2, 3):
            assert f"label=<{name}{sup}({t})</FONT></SUP>>" in dot
    assert f"label=<h{sup}(0)</FONT></SUP>>" in dot


# --- legible on a phone and a projector, named for a screen reader --------------------------------


def _graph_attr(dot: str, name: str) -> str:
    (value,) = re.findall(rf'^\s+(?:.*; )?{name}="([^"]*)";', dot, re.M)
    return value


@pytest.mark.parametrize("T,s", [(1, None), (5, None), (20, None), (200, None), (20, 7), (200, 100)])
def test_the_columns_class_counts_the_columns_drawn(T, s):
    dot = unrolled_dot(T, s=s)
    steps = shown_steps(T, s)
    gaps = sum(b - a > 1 for a, b in zip([0, *steps], steps))
    # h⁽⁰⁾, one column per step drawn, one per gap: counted from shown_steps, not from the builder
    assert _graph_attr(dot, "class") == columns_class(1 + len(steps) + gaps)
    drawn = re.findall(r"^  (?:h|gap)\d+ \[", dot, re.M)  # the h row's nodes in the DOT itself
    assert _graph_attr(dot, "class") == f"columns-{len(drawn)}"


def test_sizes_keep_labels_legible_and_edges_visible():
    dot = unrolled_dot(20)
    assert f"fontsize={FONT_SIZE}" in dot and FONT_SIZE >= 18
    assert INDEX_SIZE >= 14  # the time index too
    assert EDGE_FONT_SIZE >= 14
    assert f"width={NODE_WIDTH}" in dot
    # a node holds h⁽²⁰⁰⁾ (Helvetica advance widths: h and digits 0.556 em, parentheses 0.333 em)
    assert NODE_WIDTH * 72 >= 0.556 * FONT_SIZE + (3 * 0.556 + 2 * 0.333) * INDEX_SIZE
    # at the narrowest column the labels are drawn at 12 px or more (a column is a node and its gap)
    column_pt = NODE_WIDTH * 72 + 0.12 * 72 + EDGE_FONT_SIZE
    assert FONT_SIZE * 4 / 3 * COLUMN_MIN_PX / (column_pt * 4 / 3) >= 12
    assert f"penwidth={PEN_WIDTH}" in dot and PEN_WIDTH >= 1.5


@pytest.mark.parametrize("s", [None, 4])
def test_the_graph_says_what_it_shows(s):
    dot = unrolled_dot(12, s=s, wrt="U")
    tip = _graph_attr(dot, "tooltip")
    assert tip == description(12, s, "U")
    assert "T = 12" in tip and all(re.search(rf"\b{p}\b", tip) for p in "UVW")
    assert ("L(4) back to U" in tip) == (s == 4)
    assert '"' not in tip and "\n" not in tip
