"""A path below a page (``/vanishing/extra``, ``/vanishing/``, a link cut or pasted wrongly) sent to
the page itself, its query kept.

Streamlit answers any unknown path with its start page, whose ``./static/`` scripts then resolve
under that path and are answered with the page again: the browser shows a blank page. Streamlit's
own paths pass through: ``/_stcore/``, ``/static/``, ``/media/``, ``/component/``, ``/app/`` and the
frontend's probe of a base path, ``/<page>/_stcore/…``.

Two servers use these rules: :class:`SubpathRedirect`, the ASGI middleware of ``serve.py`` (one
``streamlit run``), and the HAProxy front of :mod:`deploy.replicas`, which writes the same
expressions into its configuration.
"""

from __future__ import annotations

import re

PAGE_SUBPATH = r"^/[^/_.][^/]*/"  # a first segment that is not Streamlit's, then more
STREAMLIT_PATHS = (r"^/[^/]+/_stcore/", r"^/(_stcore|static|media|component|app)/")

_SUBPATH = re.compile(PAGE_SUBPATH)
_STREAMLIT = re.compile("|".join(STREAMLIT_PATHS))


def redirect_target(path: str, query: str = "") -> str | None:
    """Where a request for ``path`` (with ``query``) is sent, or None when it is served as it is."""
    if not _SUBPATH.match(path) or _STREAMLIT.match(path):
        return None
    page = path.split("/")[1]
    return f"/{page}?{query}" if query else f"/{page}"


class SubpathRedirect:
    """ASGI middleware: a 302 to :func:`redirect_target` for an HTTP request below a page."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            target = redirect_target(scope.get("path", ""), scope.get("query_string", b"").decode("latin-1"))
            if target is not None:
                headers = [(b"location", target.encode("latin-1")), (b"content-length", b"0")]
                await send({"type": "http.response.start", "status": 302, "headers": headers})
                await send({"type": "http.response.body", "body": b""})
                return
        await self.app(scope, receive, send)
