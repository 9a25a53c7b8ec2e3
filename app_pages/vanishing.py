import streamlit as st

from ui.state import current_network

st.title("vanishing")
st.write(current_network())
