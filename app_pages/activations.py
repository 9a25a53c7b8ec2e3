import streamlit as st

from ui.state import current_network

st.title("activations")
st.write(current_network())
