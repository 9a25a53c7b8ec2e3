"""BPTT Explorer: the entry file builds the navigation and the shared "Network" sidebar."""

import streamlit as st

from ui.state import network_sidebar

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
