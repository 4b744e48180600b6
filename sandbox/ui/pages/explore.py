"""Explore page: browse a synthetic table page by page and look at column distributions."""

import plotly.express as px
import streamlit as st

from sandbox.datasets import list_datasets
from sandbox.explore import describe, distribution, page
from sandbox.ui.common import current_user, shown_errors, workspace

st.title("Explore")
ws, user = workspace(), current_user()
with shown_errors():
    found = list_datasets(ws, user)
if not found:
    st.info("No published dataset to explore yet.")
    st.stop()
dataset = st.selectbox("Dataset", [d.id for d in found])
with shown_errors():
    tables = describe(ws, user, dataset)
names = [t.name for t in tables]
table = st.selectbox("Table", names)
info = tables[names.index(table)]
st.caption(f"{info.rows:,} rows, {len(info.columns)} columns")
size = 50
pages = max(1, -(-info.rows // size))
number = st.number_input("Page", min_value=1, max_value=pages, value=1, step=1)
with shown_errors():
    st.dataframe(page(ws, user, dataset, table, offset=(number - 1) * size, limit=size), hide_index=True)
column = st.selectbox("Column distribution", list(info.columns))
with shown_errors():
    dist = distribution(ws, user, dataset, table, column)
fig = px.bar(dist, x="value", y="count", title=f"{table}.{column}")
st.plotly_chart(fig, use_container_width=True)
