"""The network unrolled in time, as Graphviz DOT: one builder for every page that draws it.

Time runs left to right; x⁽ᵗ⁾ → h⁽ᵗ⁾ → o⁽ᵗ⁾ → L⁽ᵗ⁾ bottom to top; h⁽ᵗ⁻¹⁾ → h⁽ᵗ⁾ through W. A long
sequence shows some of its steps and one "⋯ n steps" node for each stretch left out. Given a loss
step s, the paths from L⁽ˢ⁾ back to W or U are drawn in the highlight colour.
"""

from __future__ import annotations

from ui import palette

MAX_STEPS = 8  # time steps drawn before the middle is elided


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
    return f"<{name}<SUP>({t})</SUP>>"


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
        '  rankdir=BT; bgcolor="white"; nodesep=0.35; ranksep=0.45;',
        '  node [shape=circle, fontname="Helvetica", fontsize=13, width=0.55, fixedsize=true, '
        f'style=filled, fillcolor="white", color="{palette.NOTE_TEXT}", fontcolor="{palette.TEXT}"];',
        f'  edge [fontname="Helvetica", fontsize=11, color="{palette.MUTED}", '
        f'fontcolor="{palette.NOTE_TEXT}", arrowsize=0.6];',
    ]

    def node(name: str, label: str, hot: bool, extra: str = "") -> str:
        fill = f', fillcolor="{palette.PATH_FILL}", color="{palette.HIGHLIGHT}"' if hot else ""
        return f"  {name} [label={label}{fill}{extra}];"

    def edge(a: str, b: str, label: str, hot: bool, extra: str = "") -> str:
        style = f', color="{palette.HIGHLIGHT}", fontcolor="{palette.HIGHLIGHT}", penwidth=2.4' if hot else ""
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
                f'style="rounded,dashed", fontsize=11{ring}];'
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
    lines.append("}")
    return "\n".join(lines)
