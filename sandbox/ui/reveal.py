"""Gate evidence on a dataset card: the full report for stewards and council, a summary plus "show more"
(with a reason from a fixed list, logged) for everyone else."""

from __future__ import annotations

import streamlit as st

from sandbox.duties.reveal import reveal_detail
from sandbox.governance.access import REVEAL_REASONS, User
from sandbox.release.gate_reasons import reasons_words
from sandbox.release.report import report_for
from sandbox.ui.common import shown_errors
from sandbox.ui.i18n import UI, lang, t
from sandbox.workspace import Workspace


def gate_evidence(ws: Workspace, user: User, dataset: str) -> None:
    """An expander with the gate report of ``dataset`` as this user may see it."""
    with st.expander(t("reveal.title")), shown_errors():
        report = report_for(ws, user, dataset)
        if report.get("reasons"):  # why the gate failed, in the reader's words, before the raw figures
            st.markdown("\n".join(f"- {r}" for r in reasons_words(report["reasons"], lang())))
        st.json(report, expanded=False)
        if user.can("report.full"):
            return
        st.caption(t("reveal.summary"))
        said = UI[lang()]
        reason = st.selectbox(t("reveal.why"), REVEAL_REASONS, index=None, key=f"why-{dataset}",
                              format_func=lambda r: said.get(f"reveal.reason.{r}", r.replace("_", " ")),
                              placeholder=t("common.choose"))
        if st.button(t("reveal.more"), key=f"more-{dataset}", disabled=reason is None) and reason is not None:
            st.session_state[f"full-{dataset}"] = reveal_detail(ws, user, "gate_report", dataset, reason)
        if full := st.session_state.get(f"full-{dataset}"):
            st.json(full, expanded=False)
