"""Council queue: submitted proposals that need my vote, flagged ones first."""

import streamlit as st

from sandbox.council.views import council_queue
from sandbox.ui.common import current_user, shown_errors
from sandbox.ui.council_widgets import count_words, flash, headline, quorum
from sandbox.ui.i18n import language_switch, t
from sandbox.ui.proposal_card import flags
from sandbox.ui.session import workspace

language_switch()
st.title(t("queue.title"))
flash()
user = current_user()
if not user.can("proposal.vote"):
    st.info(t("queue.only_council"))
    st.stop()
with shown_errors():
    items = council_queue(workspace(), user)
if not items:
    st.info(t("queue.none"))
    st.stop()
st.caption(count_words("queue.count", len(items)))
for item in items:
    with st.container(border=True):
        headline(item.proposal)
        st.write(item.proposal.hypothesis or t("proposal.no_text"))
        flags(item.report.flags)
        quorum(item.tally)
