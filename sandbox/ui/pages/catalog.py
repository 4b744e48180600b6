"""Catalog page: every column's class, purpose, evidence and fate in the vault, the k-anonymity report and the
catalog's history; stewards change it with a recorded reason (a new version), admins and the council read it."""

from typing import get_args

import pandas as pd
import streamlit as st

from sandbox.catalog import model as catalog_types
from sandbox.catalog.edit import change, changes_between, column_rows, current, history, sensitive_fields, sources
from sandbox.catalog.inventory import k_anonymity
from sandbox.ui.common import current_user, shown_errors
from sandbox.ui.i18n import EMPTY, code_words, day, language_switch, localize, num, t
from sandbox.ui.session import workspace

language_switch()
st.title(t("catalog.title"))
ws, me = workspace(), current_user()
with shown_errors():
    names = sources(ws, me)
if not names:
    st.info(t("catalog.none"))
    st.stop()
source = st.selectbox(t("catalog.source"), names, key="catalog-source")
with shown_errors():
    cat = current(ws, me, source)
if flash := st.session_state.pop("catalog-flash", None):
    st.success(flash)
st.caption(t("catalog.version", version=cat.version, days=num(cat.retention_days), locale=cat.locale,
             columns=num(sum(len(te.columns) for te in cat.tables.values())), tables=num(len(cat.tables))))

st.subheader(t("catalog.sensitive"))
fields = sensitive_fields(cat)
named = code_words()
st.markdown("\n".join(f"- {named(f)}" for f in fields) if fields else t("catalog.sensitive_none"))

st.subheader(t("catalog.kanon"))
for table, info in k_anonymity(ws, source).items():
    qis = ", ".join(info.get("quasi_identifiers") or [])
    if not qis:
        st.write(t("catalog.kanon_none", table=table))
    elif info.get("rows_below_k"):
        st.warning(t("catalog.kanon_bad", table=table, min=num(info["min_group"]), qis=qis, k=info.get("k"),
                     rows=num(info["rows_below_k"])))
    else:
        st.write(t("catalog.kanon_ok", table=table, min=num(info["min_group"]), qis=qis, k=info.get("k")))

st.subheader(t("catalog.columns"))
rows = column_rows(cat)
frame = pd.DataFrame(rows)
labels = {c: t(f"col.{c}") for c in frame.columns}
steward = me.can("catalog.write")
options = {"cls": catalog_types.ColumnClass, "purpose": catalog_types.Purpose,
           "category": catalog_types.SensitiveCategory, "identifier": catalog_types.IdentifierKind,
           "generalize": catalog_types.Generalization}
required = ("cls", "purpose", "generalize")
# an empty cell is a dash, never None (which the grid draws as "None"): an optional choice left empty has the dash
# as one of its options, and the dash is read back as empty before the change is made
frame = frame.assign(**{c: frame[c].fillna(EMPTY) for c in options if c not in required and c in frame})
config = {c: st.column_config.SelectboxColumn(labels[c], format_func=named, required=c in required,
                                              options=list(get_args(kind)) + ([] if c in required else [EMPTY]))
          for c, kind in options.items()}
config |= {c: st.column_config.Column(labels[c], disabled=True) for c in frame.columns if c not in options}
if not steward:
    shown = frame.assign(**{c: frame[c].map(named) for c in [*options, "vault", "proposed"] if c in frame})
    st.dataframe(localize(shown).rename(columns=labels), hide_index=True, width="stretch")
    st.caption(t("catalog.read_only"))
else:
    st.caption(t("catalog.next_ingest"))
    config["vault"] = st.column_config.SelectboxColumn(labels["vault"], disabled=True, format_func=named,
                                                       options=sorted(set(frame["vault"])))
    shown_cols = [c for c in frame.columns if c not in options and c != "vault" and frame[c].dtype == object]
    edited = st.data_editor(frame.assign(**{c: frame[c].fillna(EMPTY) for c in shown_cols}), column_config=config,
                            hide_index=True, width="stretch",
                            num_rows="fixed", key=f"catalog-grid-{source}-{cat.version}")
    with st.form("catalog-save"):
        reason = st.text_input(t("catalog.reason"))
        days = st.number_input(t("catalog.retention"), min_value=1, value=cat.retention_days, step=1)
        if st.form_submit_button(t("catalog.save"), type="primary"):
            with shown_errors():
                after = [{str(k): None if v == EMPTY else v for k, v in r.items()} for r in edited.to_dict("records")]
                version = change(ws, me, source, changes_between(rows, after), reason,
                                 retention_days=int(days))
            key = "catalog.saved" if version != cat.version else "catalog.unchanged"
            st.session_state["catalog-flash"] = t(key, version=version)
            st.rerun()

with st.expander(t("catalog.history")):
    for v in history(ws, me, source):
        st.markdown(f"**{t('catalog.history_row', version=v.version, at=day(v.created_at), by=v.created_by)}**"
                    + (f" — {v.reason}" if v.reason else ""))
        for line in v.changes:
            st.markdown(f"- `{line}`")
