"""Export page: synthetic rows or an aggregate, with a justification (logged; the exporter's manager is told)."""

import streamlit as st

from sandbox.datasets import list_datasets
from sandbox.explore import describe
from sandbox.exports import export_dataset, export_distribution, export_rows, quota_left
from sandbox.ui.common import current_user, shown_errors, workspace

st.title("Export")
ws, user = workspace(), current_user()
with shown_errors():
    found = list_datasets(ws, user)
if not found:
    st.info("No published dataset to export yet.")
    st.stop()
kinds = [k for k, need in (("Rows of a table", "export.rows"), ("Distribution of a column", "export.aggregate"),
                           ("Whole dataset (bulk)", "export.bulk")) if user.can(need)]
if not kinds:
    st.error(f"{user.name} ({user.role}) is not allowed to export data.")
    st.stop()
dataset = st.selectbox("Dataset", [d.id for d in found])
kind = st.radio("What", kinds, horizontal=True)
if "Whole" not in kind:
    if st.session_state.get("export-tables", (None,))[0] != dataset:
        with shown_errors():
            st.session_state["export-tables"] = (dataset, describe(ws, user, dataset))
    tables = st.session_state["export-tables"][1]
    table = st.selectbox("Table", [t.name for t in tables])
    info = next(t for t in tables if t.name == table)
if kind.startswith("Rows"):
    left = quota_left(ws, user)
    st.caption(f"{info.rows:,} rows in {table}" + (f"; you may export {left:,} more rows today" if left is not None
                                                  else ""))
    limit = st.number_input("Rows", min_value=1, max_value=max(1, info.rows), value=min(100, max(1, info.rows)))
elif kind.startswith("Distribution"):
    column = st.selectbox("Column", list(info.columns))
justification = st.text_area("Justification (logged, and sent to your manager)")
if st.button("Export", type="primary"):
    with shown_errors():
        if kind.startswith("Rows"):
            result = export_rows(ws, user, dataset, table, justification, limit=int(limit))
        elif kind.startswith("Distribution"):
            result = export_distribution(ws, user, dataset, table, column, justification)
        else:
            result = export_dataset(ws, user, dataset, justification)
    st.session_state["export-done"] = (result, result.path.read_bytes())
if done := st.session_state.get("export-done"):
    result, data = done
    st.success(f"Export {result.id}: {result.rows:,} rows, logged; notified: {', '.join(result.notified)}")
    st.download_button("Download", data, file_name=result.path.name)
