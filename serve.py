"""The app as one server with a path below a page redirected to the page: `streamlit run serve.py`.

The same app as `streamlit run streamlit_app.py`, served through Streamlit's ASGI ``st.App`` with
one middleware (:class:`deploy.subpaths.SubpathRedirect`): ``/vanishing/extra?T=30`` is sent to
``/vanishing?T=30`` instead of a blank page.
"""

import streamlit as st
from starlette.middleware import Middleware

from deploy.subpaths import SubpathRedirect

app = st.App("streamlit_app.py", middleware=[Middleware(SubpathRedirect)])
