"""Export page: synthetic rows or an aggregate, with a justification (logged; the exporter's manager is told)."""

import streamlit as st

from sandbox.duties.exports import export_dataset, export_distribution, export_rows, quota_left
from sandbox.lab.explore import describe
from sandbox.release.datasets import list_datasets
from sandbox.ui.common import current_user, shown_errors
from sandbox.ui.i18n import language_switch, num, t, words
from sandbox.ui.session import workspace

language_switch()
st.title(t("export.title"))
ws, user = workspace(), current_user()
with shown_errors():
    found = list_datasets(ws, user)
if not found:
    st.info(t("export.none"))
    st.stop()
kinds = [k for k, need in (("rows", "export.rows"), ("aggregate", "export.aggregate"), ("bulk", "export.bulk"))
         if user.can(need)]
if not kinds:
    st.error(t("export.denied", name=user.name, role=t(f"role.{user.role}")))
    st.stop()
dataset = st.selectbox(t("export.dataset"), [d.id for d in found], key="export-dataset")
kind = st.radio(t("export.what"), kinds, horizontal=True, format_func=words("export.kind."), key="export-kind")
if kind != "bulk":
    if st.session_state.get("export-tables", (None,))[0] != dataset:
        with shown_errors():
            st.session_state["export-tables"] = (dataset, describe(ws, user, dataset))
    tables = st.session_state["export-tables"][1]
    table = st.selectbox(t("export.table"), [tb.name for tb in tables], key="export-table")
    info = next(tb for tb in tables if tb.name == table)
if kind == "rows":
    left = quota_left(ws, user)
    st.caption(t("export.rows_in", rows=num(info.rows), table=table)
               + (t("export.quota", left=num(left)) if left is not None else ""))
    limit = st.number_input(t("export.rows"), min_value=1, max_value=max(1, info.rows),
                            value=min(100, max(1, info.rows)), key="export-limit")
elif kind == "aggregate":
    column = st.selectbox(t("export.column"), list(info.columns), key="export-column")
justification = st.text_area(t("export.justification"), key="export-justification")
if st.button(t("export.button"), type="primary"):
    with shown_errors():
        if kind == "rows":
            result = export_rows(ws, user, dataset, table, justification, limit=int(limit))
        elif kind == "aggregate":
            result = export_distribution(ws, user, dataset, table, column, justification)
        else:
            result = export_dataset(ws, user, dataset, justification)
    st.session_state["export-done"] = (result, result.path.read_bytes())
if done := st.session_state.get("export-done"):
    result, data = done
    st.success(t("export.done", id=result.id, rows=num(result.rows), notified=", ".join(result.notified)))
    st.download_button(t("export.download"), data, file_name=result.path.name)
