"""What the test files share: opening the app on a page from a link, finding a widget, and waiting
for another thread."""

from __future__ import annotations

import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
WIDGET_KINDS = (
    "slider",
    "selectbox",
    "number_input",
    "select_slider",
    "multiselect",
    "radio",
    "checkbox",
    "button",
    "text_input",
    "text_area",
    "toggle",
)


def open_app(page: str | None = None, **query) -> AppTest:
    """The app opened from a link carrying ``query`` (values as strings), then on ``page`` if given."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value if isinstance(value, list) else str(value)
    at.run()
    if page is not None:
        at.switch_page(page).run()
    return at


def find_widget(at: AppTest, key: str):
    """The widget whose key (and URL parameter) is ``key``, or None."""
    for kind in WIDGET_KINDS:
        for w in getattr(at, kind):
            if w.key == key:
                return w
    return None


def widget(at: AppTest, key: str):
    """The widget whose key is ``key``; KeyError when the page does not draw it."""
    w = find_widget(at, key)
    if w is None:
        raise KeyError(key)
    return w


def wait_until(condition, timeout: float = 10.0) -> None:
    """Poll ``condition`` until it holds; fail after ``timeout`` s (only a hung test waits that long)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.002)
