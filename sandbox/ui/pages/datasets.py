"""Datasets page: published synthetic datasets with their gate verdict, quality and fidelity."""

import pandas as pd
import streamlit as st

from sandbox.datasets import list_datasets
from sandbox.ui.common import current_user, shown_errors, workspace

st.title("Synthetic datasets")
with shown_errors():
    found = list_datasets(workspace(), current_user())
if not found:
    st.info("No dataset is published yet. A steward runs `sandbox demo` or `sandbox synthesize` + `sandbox publish`.")
    st.stop()
for d in found:
    with st.container(border=True):
        st.subheader(d.id)
        cols = st.columns(4)
        cols[0].metric("Gate", (d.gate or "-").upper())
        cols[1].metric("Quality", f"{d.quality:.1%}" if d.quality is not None else "-")
        cols[2].metric("Rows", f"{sum(d.rows.values()):,}")
        cols[3].metric("Generator", d.generator)
        if d.fidelity is not None:
            st.write(f"Conclusions matched real data in **{d.fidelity:.0%}** of tested segments.")
        st.dataframe(pd.DataFrame({"table": list(d.rows), "rows": list(d.rows.values())}), hide_index=True)
