"""CRM Sandbox app: sign-in, then the pages the signed-in user may see; pages live in sandbox/ui/pages."""

from pathlib import Path

import streamlit as st

from sandbox.ui.common import account_sidebar, current_user, visible_pages, votes_waiting
from sandbox.ui.i18n import t

PAGES = Path(__file__).parent / "sandbox" / "ui" / "pages"

# Row-level data leaves only through Export (issue 18.1): no grid's toolbar offers CSV download or copy-out.
# .streamlit/config.toml says so too; this covers a server started elsewhere (the option is process-wide and
# reaches the browser with the next run, before any page that shows a grid, since sign-in comes first).
st.set_option("client.disableDataExport", True)
st.set_page_config(page_title="CRM Sandbox", layout="wide")
user = current_user()  # the sign-in form (and a stop) until a valid session exists
account_sidebar(user)
waiting = votes_waiting(user)  # council members land on their queue, its count in the page's name
council = waiting is not None
st.navigation(visible_pages(user, [
    st.Page(PAGES / "datasets.py", title=t("nav.datasets"), default=not council),
    st.Page(PAGES / "explore.py", title=t("nav.explore"), url_path="explore"),
    st.Page(PAGES / "gate_report.py", title=t("nav.gate"), url_path="gate_report"),
    st.Page(PAGES / "lab.py", title=t("nav.lab"), url_path="lab"),
    st.Page(PAGES / "my_proposals.py", title=t("nav.my_proposals"), url_path="my_proposals"),
    st.Page(PAGES / "council_queue.py", title=t("nav.queue_n", n=waiting) if council else t("nav.queue"),
            url_path="council_queue", default=council),
    st.Page(PAGES / "proposal.py", title=t("nav.proposal"), url_path="proposal"),
    st.Page(PAGES / "exports.py", title=t("nav.export"), url_path="exports"),
    st.Page(PAGES / "vault.py", title=t("nav.vault"), url_path="vault"),
    st.Page(PAGES / "catalog.py", title=t("nav.catalog"), url_path="catalog"),
    st.Page(PAGES / "users.py", title=t("nav.users"), url_path="users"),
    st.Page(PAGES / "audit_log.py", title=t("nav.audit"), url_path="audit_log"),
])).run()
