"""Datasets page: published synthetic datasets with their gate verdict, quality, fidelity and linked tables."""

import pandas as pd
import streamlit as st

from sandbox.errors import SandboxError
from sandbox.release.datasets import list_datasets
from sandbox.ui.common import current_user, error_words, shown_errors
from sandbox.ui.i18n import day, fidelity_words, lang, language_switch, localize, num, pct, t
from sandbox.ui.lab_widgets import dataset_schema
from sandbox.ui.reveal import gate_evidence
from sandbox.ui.session import workspace

language_switch()
st.title(t("datasets.title"))
with shown_errors():
    found = list_datasets(workspace(), current_user())
if not found:
    st.info(t("datasets.none"))
    st.stop()
for d in found:
    with st.container(border=True):
        st.subheader(d.id)
        cols = st.columns(4)
        cols[0].metric(t("datasets.gate"), t(f"datasets.{d.gate}") if d.gate in ("pass", "fail") else "-")
        cols[1].metric(t("datasets.quality"), pct(d.quality))
        cols[2].metric(t("datasets.rows"), num(sum(d.rows.values())))
        cols[3].metric(t("datasets.generator"), d.generator)
        st.write(fidelity_words(d.fidelity))
        st.caption(t("datasets.dates", created=day(d.created_at), published=day(d.published_at), source=d.source))
        left, right = st.columns([1, 2])
        left.dataframe(localize(pd.DataFrame({t("datasets.table"): list(d.rows),
                                              t("datasets.rows"): list(d.rows.values())})), hide_index=True)
        if current_user().can("lab.query"):  # the schema is the Lab's view of the dataset
            right.caption(t("datasets.schema"))
            try:
                right.graphviz_chart(dataset_schema(workspace(), current_user(), d.id).to_dot(lang()))
            except SandboxError as exc:
                right.caption(t("datasets.schema_unavailable", error=error_words(exc)))
        gate_evidence(workspace(), current_user(), d.id)
