"""The floor of the load test: a trivial page (a title, one slider, one small Altair chart).

Its rerun is Streamlit's own cost of a script run; benchmarks/loadtest.py measures it in every run
and reports the app's reruns beside it.
"""

import altair as alt
import pandas as pd
import streamlit as st

st.title("Floor")
n = st.slider("n", 1, 50, 10)
data = pd.DataFrame({"x": range(n), "y": [x * x for x in range(n)]})
st.altair_chart(alt.Chart(data).mark_line(point=True).encode(x="x", y="y"))
