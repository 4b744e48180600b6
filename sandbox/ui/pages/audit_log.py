"""Audit log page (admins, the council's security seat): filter events, check the chain, download CSV/JSON."""

from datetime import datetime, time

import pandas as pd
import streamlit as st

from sandbox.audit import AuditFilter, check_log, events, export
from sandbox.ui.common import current_user, shown_errors, workspace

st.title("Audit log")
ws, me = workspace(), current_user()
with st.form("audit-filter"):
    cols = st.columns(6)
    actor = cols[0].text_input("Who")
    action = cols[1].text_input("Action (or prefix ending in '.')")
    obj = cols[2].text_input("Object contains")
    outcome = cols[3].selectbox("Outcome", [None, "ok", "denied", "failed", "locked", "refused", "disabled"],
                                format_func=lambda o: o or "any")
    since = cols[4].date_input("From", value=None)
    until = cols[5].date_input("To", value=None)
    submitted = st.form_submit_button("Show")
flt = AuditFilter(actor=actor or None, action=action or None, object=obj or None, outcome=outcome,
                  since=datetime.combine(since, time.min) if since else None,
                  until=datetime.combine(until, time.max) if until else None, limit=500)
if submitted or "audit-view" not in st.session_state:  # each look at the log is itself logged, once per query
    with shown_errors():
        st.session_state["audit-view"] = (flt, events(ws, me, flt))
shown_filter, rows = st.session_state["audit-view"]
st.caption(f"{len(rows)} newest matching events (at most 500)")
frame = pd.DataFrame(rows, columns=["seq", "ts", "actor", "role", "action", "object", "reason", "outcome", "details"])
st.dataframe(frame.iloc[::-1], hide_index=True, use_container_width=True)

cols = st.columns(3)
if cols[0].button("Verify the hash chain"):
    with shown_errors():
        result = check_log(ws, me)
    if result.ok:
        st.success(f"The chain is intact: {result.events} events.")
    else:
        st.error(f"TAMPERED at event {result.first_bad_seq}: {result.problem}")
for fmt, col in (("csv", cols[1]), ("json", cols[2])):
    if col.button(f"Prepare {fmt.upper()} export"):
        with shown_errors():
            everything = shown_filter.model_copy(update={"limit": 1_000_000})
            st.session_state["audit-export"] = (fmt, export(ws, me, fmt, everything))
if prepared := st.session_state.get("audit-export"):
    fmt, text = prepared
    st.download_button(f"Download {fmt.upper()}", text, file_name=f"audit.{fmt}",
                       mime="text/csv" if fmt == "csv" else "application/json")
