"""Vault page (stewards only): the snapshots in the vault with their lineage, sizes and retention; never rows."""

import pandas as pd
import streamlit as st

from sandbox.ui.common import current_user, shown_errors
from sandbox.ui.i18n import code_words, language_switch, localize, t
from sandbox.ui.session import workspace
from sandbox.vault.snapshots import list_snapshots

language_switch()
st.title(t("vault.title"))
with shown_errors():
    snaps = list_snapshots(workspace(), current_user())
if not snaps:
    st.info(t("vault.empty"))
    st.stop()
named = code_words()
frame = pd.DataFrame([{"snapshot": s.id, "source": s.source, "status": named(s.status), "catalog": s.catalog_version,
                       "rows": sum(s.rows.values()), "created": s.created_at, "expires": s.expires_at} for s in snaps])
st.dataframe(localize(frame).rename(columns={c: t(f"vault.{c}") for c in frame.columns}), hide_index=True,
             width="stretch")
