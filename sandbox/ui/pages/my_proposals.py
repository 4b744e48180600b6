"""My proposals: what I proposed, where each stands and what I should do next. A new proposal starts from a
tested hypothesis in the Lab (its form under the result); nobody writes one by hand here."""

from pathlib import Path

import streamlit as st

from sandbox.council.views import my_proposals
from sandbox.ui.common import current_user, shown_errors
from sandbox.ui.council_widgets import flash, headline
from sandbox.ui.i18n import language_switch, t
from sandbox.ui.session import workspace

LAB = Path(__file__).parent / "lab.py"

language_switch()
st.title(t("mine.title"))
flash()
ws, user = workspace(), current_user()
with shown_errors():
    items = my_proposals(ws, user)
if not items:
    st.info(t("mine.none"))
for item in items:
    with st.container(border=True):
        headline(item.proposal)
        if item.next_step:
            st.write(t("mine.next", step=t(f"mine.next.{item.proposal.state}")))

if user.can("proposal.create") and user.can("lab.query"):
    st.subheader(t("mine.new"))
    st.caption(t("mine.new_how"))
    if st.button(t("mine.to_lab"), icon=":material/science:", key="to-lab"):
        st.switch_page(LAB)
