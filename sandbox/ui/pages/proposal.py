"""Proposal page: the idea, its red flags, the evidence, the votes and history, and the next action."""

import pandas as pd
import streamlit as st

from sandbox.council.views import proposal_view
from sandbox.council.workflow import list_proposals
from sandbox.ui.common import current_user, shown_errors
from sandbox.ui.council_widgets import (
    count_words,
    flash,
    packet_panel,
    proposer_actions,
    purpose_of,
    quorum,
    state_label,
    table_words,
    title_of,
    vote_panel,
    yaml_view,
)
from sandbox.ui.i18n import UI, day, lang, language_switch, num, t
from sandbox.ui.proposal_card import evidence, flags
from sandbox.ui.session import workspace

language_switch()
st.title(t("proposal.title"))
flash()
ws, user = workspace(), current_user()
with shown_errors():
    found = list_proposals(ws, user)
if not found:
    st.info(t("proposal.none"))
    st.stop()
titles = {p.id: title_of(p) for p in found}
ids = sorted(titles)
wanted = st.query_params.get("id")
pid = st.selectbox(t("proposal.pick"), ids, index=ids.index(wanted) if wanted in ids else len(ids) - 1,
                   format_func=lambda i: f"{i}: {titles[i]}", key="proposal_pick")
with shown_errors():
    view = proposal_view(ws, user, pid)
p = view.proposal

st.header(f"{p.id}: {title_of(p)}")
st.caption(t("proposal.caption", state=state_label(p.state), version=p.version, who=p.proposer)
           + (t("proposal.expires", date=day(p.expires_at)) if p.expires_at else ""))
st.write(p.hypothesis or t("proposal.no_text"))

st.subheader(t("proposal.flags"))
flags(view.report.flags)

st.subheader(t("proposal.evidence"))
evidence(view)

st.subheader(t("proposal.real"))
channel = t(f"channel.{p.channel}") if f"channel.{p.channel}" in UI[lang()] else p.channel or "-"
st.write(t("proposal.channel", channel=channel, purpose=purpose_of(p), audience=p.audience or "-",
           n=num(p.audience_size), unit=(p.segment.split or {}).get("unit") or t("proposal.unit_default")))
if p.message:
    st.write(t("proposal.message", message=p.message))
st.write(t("proposal.field_list", fields=", ".join(f"`{f}`" for f in p.all_fields()) or "-"))
st.write(t("proposal.metric", metric=p.metric or "-", guards=", ".join(p.guardrail_metrics) or "-"))
if p.third_parties:
    parties = pd.DataFrame([tp.model_dump() for tp in p.third_parties]).rename(columns={"purpose": "consent_purpose"})
    st.dataframe(table_words(parties), hide_index=True)

st.subheader(t("proposal.council"))
quorum(view.tally)
if view.votes:
    votes = pd.DataFrame([v.model_dump() for v in view.votes])
    st.dataframe(table_words(votes[["round", "version", "voter", "seat", "choice", "reason", "cast_at"]],
                             {"seat": "seat.", "choice": "vote."}), hide_index=True)

proposer_actions(ws, user, view)
vote_panel(ws, user, view)
packet_panel(ws, user, view)
yaml_view(user, p)

with st.expander(t("history.title", events=count_words("history.events", len(view.history)),
                   versions=count_words("history.versions", len(view.versions)))):
    events = pd.DataFrame([h.model_dump() for h in view.history])
    events["action"] = [a.replace("vote:", "") for a in events["action"]]
    st.dataframe(table_words(events, {"action": "action.", "from_state": "state.", "to_state": "state."}),
                 hide_index=True)
    st.dataframe(table_words(pd.DataFrame([{k: v for k, v in ver.items() if k != "draft"}
                                           for ver in view.versions])), hide_index=True)
