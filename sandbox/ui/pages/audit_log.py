"""Audit log page (admins, the council's security seat): filter events, check the chain, download CSV/JSON."""

from datetime import datetime, time
from typing import Literal

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from sandbox.governance.audit import AuditFilter, check_log, events, export
from sandbox.ui.common import current_user, shown_errors
from sandbox.ui.council_widgets import table_words
from sandbox.ui.i18n import UI, count_words, date_format, lang, language_switch, num, t
from sandbox.ui.session import workspace

language_switch()
st.title(t("audit.title"))
ws, me = workspace(), current_user()
with st.form("audit-filter"):
    cols = st.columns(6)
    actor = cols[0].text_input(t("audit.who"), key="audit-who")
    action = cols[1].text_input(t("audit.action"), key="audit-action")
    obj = cols[2].text_input(t("audit.object"), key="audit-object")
    outcomes: list[str | None] = [None, "ok", "denied", "failed", "locked", "refused", "disabled"]
    said = UI[lang()]
    outcome = cols[3].selectbox(t("audit.outcome"), outcomes, key="audit-outcome",
                                format_func=lambda o: said[f"outcome.{o}"] if o else said["audit.any"])
    since = cols[4].date_input(t("audit.from"), value=None, key="audit-from", format=date_format())
    until = cols[5].date_input(t("audit.to"), value=None, key="audit-to", format=date_format())
    submitted = st.form_submit_button(t("audit.show"))
flt = AuditFilter(actor=actor or None, action=action or None, object=obj or None, outcome=outcome,
                  since=datetime.combine(since, time.min) if since else None,
                  until=datetime.combine(until, time.max) if until else None, limit=500)
if submitted or "audit-view" not in st.session_state:  # each look at the log is itself logged, once per query
    with shown_errors():
        st.session_state["audit-view"] = (flt, events(ws, me, flt))
shown_filter, rows = st.session_state["audit-view"]
st.caption(count_words("audit.count", len(rows)))
frame = pd.DataFrame(rows, columns=["seq", "ts", "actor", "role", "action", "object", "reason", "outcome", "details"])
frame["ts"] = pd.to_datetime(frame["ts"])  # stored as ISO text; shown as a date in the reader's format
st.dataframe(table_words(frame.iloc[::-1], {"role": "role.", "outcome": "outcome."}), hide_index=True,
             width="stretch")

tools = st.columns(3)
if tools[0].button(t("audit.verify")):
    with shown_errors():
        result = check_log(ws, me)
    if result.ok:
        st.success(t("audit.intact", n=num(result.events)))
    else:
        st.error(t("audit.tampered", seq=result.first_bad_seq, problem=result.problem))
formats: tuple[tuple[Literal["csv", "json"], DeltaGenerator], ...] = (("csv", tools[1]), ("json", tools[2]))
for fmt, col in formats:
    if col.button(t("audit.prepare", fmt=fmt.upper())):
        with shown_errors():
            everything = shown_filter.model_copy(update={"limit": 1_000_000})
            st.session_state["audit-export"] = (fmt, export(ws, me, fmt, everything))
if prepared := st.session_state.get("audit-export"):
    fmt, text = prepared
    st.download_button(t("audit.download", fmt=fmt.upper()), text, file_name=f"audit.{fmt}",
                       mime="text/csv" if fmt == "csv" else "application/json")
