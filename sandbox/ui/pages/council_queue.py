"""Council queue: submitted proposals that need my vote, flagged ones first."""

import streamlit as st

from sandbox.council.views import council_queue
from sandbox.ui.common import current_user, shown_errors, workspace
from sandbox.ui.council_widgets import headline, quorum
from sandbox.ui.proposal_card import flags

st.title("Council queue")
user = current_user()
if not user.can("proposal.vote"):
    st.info("Only council members vote on proposals. Your own proposals are under *My proposals*.")
    st.stop()
with shown_errors():
    items = council_queue(workspace(), user)
if not items:
    st.info("Nothing needs your vote right now.")
    st.stop()
st.caption(f"{len(items)} proposal(s) wait for your vote; those with red flags come first.")
for item in items:
    with st.container(border=True):
        headline(item.proposal)
        st.write(item.proposal.hypothesis or "_no hypothesis text_")
        flags(item.report.flags)
        quorum(item.tally)
