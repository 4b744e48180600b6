"""Gate evidence on a dataset card: the full report for stewards and council, a summary plus "show more"
(with a reason from a fixed list, logged) for everyone else."""

from __future__ import annotations

import streamlit as st

from sandbox.duties.reveal import reveal_detail
from sandbox.governance.access import REVEAL_REASONS, User
from sandbox.release.report import report_for
from sandbox.ui.common import shown_errors
from sandbox.workspace import Workspace


def gate_evidence(ws: Workspace, user: User, dataset: str) -> None:
    """An expander with the gate report of ``dataset`` as this user may see it."""
    with st.expander("Gate evidence"), shown_errors():
        st.json(report_for(ws, user, dataset), expanded=False)
        if user.can("report.full"):
            return
        st.caption("This is the summary. The full report (per-table privacy and fidelity detail) is shown on "
                   "request; the request and its reason are logged.")
        reason = st.selectbox("Why do you need the full report?", REVEAL_REASONS, index=None, key=f"why-{dataset}")
        if st.button("Show more", key=f"more-{dataset}", disabled=reason is None) and reason is not None:
            st.session_state[f"full-{dataset}"] = reveal_detail(ws, user, "gate_report", dataset, reason)
        if full := st.session_state.get(f"full-{dataset}"):
            st.json(full, expanded=False)
