"""The network unrolled in time, as Graphviz DOT: one builder for every page that draws it.

Time runs left to right; x⁽ᵗ⁾ → h⁽ᵗ⁾ → o⁽ᵗ⁾ → L⁽ᵗ⁾ bottom to top; h⁽ᵗ⁻¹⁾ → h⁽ᵗ⁾ through W. A long
sequence shows some of its steps and one "⋯ n steps" node for each stretch left out. Given a loss
step s, the paths from L⁽ˢ⁾ back to W or U are drawn in the highlight colour.
"""

from __future__ import annotations

from ui import palette

MAX_STEPS = 8  # time steps drawn before the middle is elided

# Sizes in points. The drawing is scaled to its column (a 356 px phone column, a 660 px Overview
# column at 1400 px), so labels stay legible only if the graph is narrow for its font: large labels,
# nodes just wide enough for h⁽²⁰⁰⁾, little space between them.
FONT_SIZE = 22  # node labels
INDEX_SIZE = 16  # the time index, a superscript
EDGE_FONT_SIZE = 17  # the weight on an edge: U, V, W
NODE_WIDTH = 0.75  # inches
PEN_WIDTH = 1.6  # edges off the path; the path is drawn HOT_PEN_WIDTH
HOT_PEN_WIDTH = 3.0


def shown_steps(T: int, s: int | None = None, max_steps: int = MAX_STEPS) -> list[int]:
    """The time steps drawn, increasing: all of 1..T when T ≤ ``max_steps``; else, without ``s``,
    the first and last steps, and with ``s``, 1, a window up to s (and s + 1), and T."""
    if T <= max_steps:
        return list(range(1, T + 1))
    if s is None:
        head = max_steps // 2
        return [*range(1, head + 1), *range(T - (max_steps - head) + 1, T + 1)]
    budget = max_steps - 2  # 1 and T are always drawn
    lo = max(2, min(s - budget + 2, T - budget))
    return [1, *range(lo, lo + budget), T]


def _label(name: str, t: int) -> str:
    """A node label with the time index as a superscript (Graphviz's HTML-like labels)."""
    return f'<{name}<SUP><FONT POINT-SIZE="{INDEX_SIZE}">({t})</FONT></SUP>>'


COLUMN_MIN_PX = 50  # the narrowest a column is drawn: below it the graph scrolls in its own box


def columns_class(n: int) -> str:
    """The SVG class of a graph n columns wide (h⁽⁰⁾, the steps drawn and the gaps): ui.layout gives
    it a minimum width of n·COLUMN_MIN_PX, so that a phone scrolls the graph instead of shrinking
    its labels below legibility."""
    return f"columns-{n}"


def description(T: int, s: int | None = None, wrt: str = "W") -> str:
    """What the graph shows, in words: its tooltip and the name a screen reader announces."""
    text = (
        f"The network unrolled over T = {T} steps: at each step t the input x(t) enters the hidden "
        f"state h(t) through U, h(t) gives the output o(t) through V and the loss L(t); W carries "
        f"h(t-1) to h(t)."
    )
    if s is not None:
        text += f" Highlighted: the {s} paths from L({s}) back to {wrt}."
    return text


def unrolled_dot(T: int, *, s: int | None = None, wrt: str = "W", max_steps: int = MAX_STEPS) -> str:
    """DOT source of the RNN unrolled over T steps, with the paths from L⁽ˢ⁾ back to ``wrt`` (W or
    U) highlighted when ``s`` is given.

    The path of term k runs L⁽ˢ⁾ ← o⁽ˢ⁾ ← h⁽ˢ⁾ ← … ← h⁽ᵏ⁾ and enters the parameter on the edge into
    h⁽ᵏ⁾ that carries it: W on h⁽ᵏ⁻¹⁾ → h⁽ᵏ⁾, U on x⁽ᵏ⁾ → h⁽ᵏ⁾. The edge h⁽⁰⁾ → h⁽¹⁾ is dashed:
    through it W meets h⁽⁰⁾ = 0, so its path term is exactly zero.
    """
    hot_s = 0 if s is None else s  # no step is on a path when nothing is highlighted
    lines = [
        "digraph unrolled {",
        f'  rankdir=BT; bgcolor="white"; nodesep=0.12; ranksep=0.3; tooltip="{description(T, s, wrt)}";',
        f'  node [shape=circle, fontname="Helvetica", fontsize={FONT_SIZE}, width={NODE_WIDTH}, '
        f'fixedsize=true, style=filled, fillcolor="white", color="{palette.NOTE_TEXT}", '
        f'fontcolor="{palette.TEXT}", penwidth={PEN_WIDTH}];',
        f'  edge [fontname="Helvetica", fontsize={EDGE_FONT_SIZE}, color="{palette.MUTED}", '
        f'fontcolor="{palette.NOTE_TEXT}", arrowsize=0.7, penwidth={PEN_WIDTH}];',
    ]

    def node(name: str, label: str, hot: bool, extra: str = "") -> str:
        fill = f', fillcolor="{palette.PATH_FILL}", color="{palette.HIGHLIGHT}"' if hot else ""
        return f"  {name} [label={label}{fill}{extra}];"

    def edge(a: str, b: str, label: str, hot: bool, extra: str = "") -> str:
        hot_style = (
            f', color="{palette.HIGHLIGHT}", fontcolor="{palette.HIGHLIGHT}", penwidth={HOT_PEN_WIDTH}'
        )
        style = hot_style if hot else ""
        return f'  {a} -> {b} [label="{label}"{style}{extra}];'

    def w_edge_hot(t: int) -> bool:
        """Is the W edge into h⁽ᵗ⁾ on one of L⁽ˢ⁾'s paths? (U's paths start at x⁽ᵏ⁾, not at h⁽⁰⁾.)"""
        return (1 if wrt == "W" else 2) <= t <= hot_s

    state = f', fillcolor="{palette.STATE_FILL}"'
    first_extra = ', style="dashed"'
    h_row = ["h0"]
    lines.append(node("h0", _label("h", 0), False, ', style="filled,dashed"'))
    chain = []  # (from, to, hot, extra): the W edges along the h row
    prev = 0
    for t in shown_steps(T, s, max_steps):
        if t - prev > 1:  # steps prev+1..t-1 are elided into one node
            gap = f"gap{prev}"
            ring = f', color="{palette.HIGHLIGHT}"' if prev + 1 <= hot_s else ""
            lines.append(
                f'  {gap} [label="⋯\\n{t - prev - 1} steps", shape=box, fixedsize=false, '
                f'style="rounded,dashed", fontsize={EDGE_FONT_SIZE}{ring}];'
            )
            chain.append((f"h{prev}", gap, w_edge_hot(prev + 1), first_extra if prev == 0 else ""))
            chain.append((gap, f"h{t}", w_edge_hot(t), ""))
            h_row.append(gap)
        else:
            chain.append((f"h{prev}", f"h{t}", w_edge_hot(t), first_extra if prev == 0 else ""))
        h_row.append(f"h{t}")
        on_path = 1 <= t <= hot_s
        lines.append(node(f"x{t}", _label("x", t), False))
        lines.append(node(f"h{t}", _label("h", t), on_path, "" if on_path else state))
        lines.append(node(f"o{t}", _label("o", t), t == hot_s))
        lines.append(node(f"L{t}", _label("L", t), t == hot_s, ", shape=box, fixedsize=false, width=0.5"))
        lines.append(edge(f"x{t}", f"h{t}", "U", wrt == "U" and t <= hot_s))
        lines.append(edge(f"h{t}", f"o{t}", "V", t == hot_s))
        lines.append(edge(f"o{t}", f"L{t}", "", t == hot_s))
        prev = t
    for a, b, hot, extra in chain:
        lines.append(edge(a, b, "W", hot, extra))
    lines.append("  { rank=same; " + "; ".join(h_row) + "; }")
    lines.append(f'  class="{columns_class(len(h_row))}";')
    lines.append("}")
    return "\n".join(lines)
