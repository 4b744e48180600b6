"""My proposals: what I proposed, where each stands and what I should do next; a new draft from YAML."""

import streamlit as st

from sandbox.council.views import my_proposals
from sandbox.council.workflow import create_draft
from sandbox.release.datasets import list_datasets
from sandbox.ui.common import current_user, shown_errors
from sandbox.ui.council_widgets import flash, headline, parse_proposal_yaml
from sandbox.ui.session import workspace

TEMPLATE = """title: {title}
hypothesis: We believe that [change] for [segment] will [outcome] because [reason].
dataset: {dataset}
segment:
  filters:
    - {{table: deals, column: channel, op: "=", value: email}}
fields_used: [deals.channel, deals.stage]
metric: deals.stage=won
guardrail_metrics: [support tickets per customer]
channel: email
message: ""
purpose: sales
audience_size: 2000
audience: customers who bought by email
third_parties: []
"""

st.title("My proposals")
flash()
ws, user = workspace(), current_user()
with shown_errors():
    items = my_proposals(ws, user)
if not items:
    st.info("You have no proposals yet. Save a Hypothesis Lab result as a proposal, or write one below.")
for item in items:
    with st.container(border=True):
        headline(item.proposal)
        if item.next_step:
            st.write(f"Next: {item.next_step}.")

if user.can("proposal.create"):
    st.subheader("New proposal")
    st.caption("Usually saved from a Hypothesis Lab result; here written by hand as YAML (fields as the synthetic "
               "dataset names them).")
    with shown_errors():
        published = [d.id for d in list_datasets(ws, user)]
    dataset = published[0] if published else ""
    text = st.text_area("Proposal", TEMPLATE.format(title="My idea", dataset=dataset), height=420,
                        key="new_proposal_yaml")
    if st.button("Create draft", type="primary"):
        with shown_errors():
            p = create_draft(ws, user, parse_proposal_yaml(text, " (title: ..., dataset: ...)"))
        flash(f"Draft {p.id} created; open it to check its flags and submit it.")
        st.rerun()
