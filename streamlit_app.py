"""BPTT Explorer: the entry file builds the navigation and the shared "Network" sidebar."""

import os

# One BLAS thread per script run: the matrices here are small (H ≤ 128) and many sessions run at
# once, so a thread pool per call costs more than it saves. Set before numpy is first imported;
# a value in the environment wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import streamlit as st  # noqa: E402

from ui.state import network_sidebar  # noqa: E402

st.set_page_config(page_title="BPTT Explorer", page_icon="🔁", layout="wide")

pages = [
    st.Page("app_pages/overview.py", title="Overview", icon=":material/home:", default=True),
    st.Page(
        "app_pages/update_rules.py",
        title="Update rules",
        icon=":material/functions:",
        url_path="update-rules",
    ),
    st.Page(
        "app_pages/activations.py",
        title="Activation derivatives",
        icon=":material/show_chart:",
        url_path="activations",
    ),
    st.Page(
        "app_pages/vanishing.py",
        title="Vanishing & exploding",
        icon=":material/trending_down:",
        url_path="vanishing",
    ),
    st.Page(
        "app_pages/training.py",
        title="Training lab",
        icon=":material/model_training:",
        url_path="training",
    ),
]
page = st.navigation(pages)
network_sidebar()
page.run()
