import streamlit as st

from ui.state import current_network

st.title("update_rules")
st.write(current_network())
