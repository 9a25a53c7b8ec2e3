import streamlit as st

from ui.state import current_network

st.title("overview")
st.write(current_network())
