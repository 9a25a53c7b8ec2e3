"""What every page shares on screen: the style block that keeps a page inside a 390 px phone.

Streamlit lets a wide formula or table overflow its column: a KaTeX block wider than the column is
clipped with a scroll bar that only shows on hover (a phone never shows it), and a markdown table
wider than the page makes the whole page pan sideways. :func:`apply` (called once per run by the
entry file) sends one ``<style>`` block that makes each of them scroll inside its own box, with a
visible thin scroll bar and a shadow on the side where more of it is hidden, and keeps graphs
within their column. Captions are drawn in :data:`ui.palette.NOTE_TEXT` (7.5:1) instead of
Streamlit's text at 60 % opacity, which leaves 4.7:1 for the text and 3:1 for code inside it, and
code is highlighted in :data:`ui.palette.CODE_COLOURS`. Labels that Streamlit cuts short with
"…" when their column is narrow (metric labels and values, button and page-link labels) wrap
instead, and a metric's value is sized to its column, so that no digit is hidden. It holds CSS only (``st.html`` runs no script), so it costs the page nothing.
"""

from __future__ import annotations

import streamlit as st

from ui import palette
from ui.graph import COLUMN_MIN_PX, MAX_STEPS, columns_class

# The "scroll shadow": two white covers that scroll with the content (local) hide two shadows fixed
# to the box (scroll); where content is hidden, its side's cover has moved away and the shadow shows.
_SCROLL_SHADOW = (
    "linear-gradient(to right, #fff 30%, rgba(255,255,255,0)) left center / 28px 100% no-repeat local, "
    "linear-gradient(to left, #fff 30%, rgba(255,255,255,0)) right center / 28px 100% no-repeat local, "
    "radial-gradient(farthest-side at 0 50%, rgba(0,0,0,.28), rgba(0,0,0,0)) left center / 12px 100% "
    "no-repeat scroll, "
    "radial-gradient(farthest-side at 100% 50%, rgba(0,0,0,.28), rgba(0,0,0,0)) right center / 12px 100% "
    "no-repeat scroll"
)

WIDE_FORMULA = '[data-testid="stMarkdownContainer"] .katex-display'
WIDE_TABLE = '[data-testid="stMarkdownContainer"] table'
GRAPH = '[data-testid="stGraphVizChart"] svg'

MARKER = "/* bptt-layout */"  # lets a test find the style block in the page
CSS = f"""{MARKER}
{WIDE_FORMULA}, {WIDE_TABLE} {{
  display: block;
  max-width: 100%;
  overflow-x: auto;
  overflow-y: hidden;
  scrollbar-width: thin;
  scrollbar-color: {palette.MUTED} transparent;
  background: {_SCROLL_SHADOW};
  background-color: #fff;
}}
{WIDE_FORMULA} {{ padding: 0.1em 0 0.5em; }}
{WIDE_FORMULA} > .katex {{ text-align: center; }}
{WIDE_TABLE} {{ width: max-content; }}
[data-testid="stCaptionContainer"] {{ opacity: 1; color: {palette.NOTE_TEXT}; }}
[data-testid="stGraphVizChart"] {{ overflow-x: auto; scrollbar-width: thin; }}
[data-testid="stPageLink-NavLink"], [data-testid="stPageLink-NavLink"] *, .stMarkdownEllipsis, .stMarkdownEllipsis * {{
  white-space: normal; overflow: visible; text-overflow: clip; height: auto; overflow-wrap: anywhere;
}}
[data-testid="stMetric"] {{ container-type: inline-size; }}
[data-testid="stMetricValue"] {{ font-size: clamp(1.15rem, 12cqi, 2.25rem); }}
{GRAPH} {{ max-width: 100%; height: auto; }}
"""
# a graph has at most 2·MAX_STEPS + 1 columns: h⁽⁰⁾, the steps drawn, a gap before each
CSS += "".join(
    f"{GRAPH}:has(> g.{columns_class(n)}) {{ min-width: {n * COLUMN_MIN_PX}px; }}\n"
    for n in range(1, 2 * MAX_STEPS + 2)
)
CSS += "".join(
    ", ".join(f'[data-testid="stCode"] .token.{name}' for name in names.split())
    + f" {{ color: {colour}; }}\n"
    for names, colour in palette.CODE_COLOURS.items()
)


# One history entry per page switch. On a switch away from a page whose controls are in the URL,
# Streamlit 1.67's frontend pushes two entries: first the page being left with those parameters
# dropped (App.handlePageInfoChanged, a view never shown), then the new page (a control change
# replaces the current entry, it never pushes). This wraps history.pushState once per tab: a push
# to another path right after a push that only dropped query parameters of the current path (no
# other history change between them) replaces that entry instead of adding one.
HISTORY_JS = """<script>
(() => {
  if (window.__bpttHistory) return;
  window.__bpttHistory = true;
  const push = window.history.pushState.bind(window.history);
  const replace = window.history.replaceState.bind(window.history);
  const keys = (search) => new Set(new URLSearchParams(search).keys());
  let dropped = false;  // the last history change was a push that only dropped parameters
  window.history.pushState = (state, title, url) => {
    const next = new URL(url, window.location.href), here = window.location;
    if (dropped && next.pathname !== here.pathname) {
      dropped = false;
      return replace(state, title, url);
    }
    const before = keys(here.search), after = keys(next.search);
    dropped = next.pathname === here.pathname && after.size < before.size
      && [...after].every((k) => before.has(k));
    return push(state, title, url);
  };
  window.history.replaceState = (state, title, url) => { dropped = false; return replace(state, title, url); };
  window.addEventListener("popstate", () => { dropped = false; });
})();
</script>"""


def apply() -> None:
    """Send the shared style block (CSS only: Streamlit puts it where it takes no space) and the
    history script (:data:`HISTORY_JS`, in the sidebar so that it takes no room on the page)."""
    st.html(f"<style>{CSS}</style>")
    st.sidebar.html(HISTORY_JS, unsafe_allow_javascript=True)
