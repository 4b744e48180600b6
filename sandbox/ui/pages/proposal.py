"""Proposal page: the idea, its red flags, the evidence, the votes and history, and the next action."""

import pandas as pd
import streamlit as st

from sandbox.council.views import proposal_view
from sandbox.council.workflow import list_proposals
from sandbox.ui.common import current_user, shown_errors, workspace
from sandbox.ui.council_widgets import (
    STATE_LABEL,
    evidence,
    flags,
    flash,
    packet_panel,
    proposer_actions,
    quorum,
    vote_panel,
)

st.title("Proposal")
flash()
ws, user = workspace(), current_user()
with shown_errors():
    found = list_proposals(ws, user)
if not found:
    st.info("There are no proposals yet. Marketers save them from the Hypothesis Lab or under *My proposals*.")
    st.stop()
titles = {p.id: p.title for p in found}
ids = sorted(titles)
wanted = st.query_params.get("id")
pid = st.selectbox("Proposal", ids, index=ids.index(wanted) if wanted in ids else len(ids) - 1,
                   format_func=lambda i: f"{i}: {titles[i]}")
with shown_errors():
    view = proposal_view(ws, user, pid)
p = view.proposal

st.header(f"{p.id}: {p.title}")
st.caption(f"{STATE_LABEL[p.state]} · version {p.version} · {p.kind.replace('_', ' ')} · proposed by {p.proposer}"
           + (f" · approval expires {p.expires_at:%Y-%m-%d}" if p.expires_at else ""))
st.write(p.hypothesis or "_no hypothesis text_")

st.subheader("Red flags")
flags(view.report.flags)

st.subheader("Evidence")
evidence(view)

st.subheader("What would go to real customers")
st.write(f"Channel: **{p.channel or '-'}** · purpose: **{p.purpose or '-'}** · audience: {p.audience or '-'} "
         f"(**{p.audience_size:,}** customers)")
if p.message:
    st.write(f"Message: _{p.message}_")
st.write("Fields: " + (", ".join(f"`{f}`" for f in p.all_fields()) or "-"))
st.write(f"Metric: {p.metric or '-'}; guardrails: {', '.join(p.guardrail_metrics) or '-'}")
if p.third_parties:
    st.dataframe(pd.DataFrame([t.model_dump() for t in p.third_parties]), hide_index=True)

st.subheader("Council")
quorum(view.tally)
if view.votes:
    st.dataframe(pd.DataFrame([v.model_dump() for v in view.votes])[
        ["round", "version", "voter", "seat", "choice", "reason", "cast_at"]], hide_index=True)

proposer_actions(ws, user, view)
vote_panel(ws, user, view)
packet_panel(ws, user, view)

with st.expander(f"History ({len(view.history)} events, {len(view.versions)} versions)"):
    st.dataframe(pd.DataFrame([h.model_dump() for h in view.history]), hide_index=True)
    st.dataframe(pd.DataFrame([{k: v for k, v in ver.items() if k != "draft"} for ver in view.versions]),
                 hide_index=True)
