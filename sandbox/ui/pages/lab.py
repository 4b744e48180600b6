"""Hypothesis Lab page: build a hypothesis with widgets, test it on synthetic data, save it as a proposal."""

import streamlit as st

from sandbox.lab.hypothesis import run_hypothesis
from sandbox.lab.proposals import save_proposal
from sandbox.release.datasets import list_datasets
from sandbox.release.report import report_for
from sandbox.ui.common import current_user, shown_errors
from sandbox.ui.i18n import fidelity_words, language_switch, t
from sandbox.ui.lab_view import build_spec, power_calculator, proposal_form, show_result, target_of
from sandbox.ui.lab_widgets import dataset_schema
from sandbox.ui.session import workspace

language_switch()
ws, user = workspace(), current_user()
st.title(t("lab.title"))
st.caption(t("lab.intro"))
with shown_errors():
    found = {d.id: d for d in list_datasets(ws, user)}
if not found:
    st.info(t("lab.no_dataset"))
    st.stop()
dataset = st.selectbox(t("lab.dataset"), list(found), key="lab_dataset")
st.caption(fidelity_words(found[dataset].fidelity))
with shown_errors():
    sch = dataset_schema(ws, user, dataset)
    spec = build_spec(ws, user, dataset, sch, target_of(report_for(ws, user, dataset)))

if st.button(t("lab.run"), type="primary", key="lab_run", disabled=spec is None) and spec is not None:
    bar = st.progress(0.0, text=t("lab.running"))

    def advance(step: str, done: float, total: float | None = None) -> None:
        bar.progress(done / (total or 1), t(f"lab.step.{step}"))

    with shown_errors():
        st.session_state["lab_result"] = run_hypothesis(ws, user, spec, progress=advance)
    bar.empty()

result = st.session_state.get("lab_result")
if result is None:
    st.stop()
if result.spec != spec:
    st.caption(t("lab.stale"))
show_result(result)
size = power_calculator(result)
form = proposal_form(result, size)
if form is not None:
    with shown_errors():
        proposal = save_proposal(ws, user, result, form, size)
    st.success(t("lab.saved", id=proposal.id))
    st.write(t("lab.preview", text=proposal.hypothesis))
