"""Vault page (stewards only): the snapshots in the vault with their lineage, sizes and retention; never rows."""

import pandas as pd
import streamlit as st

from sandbox.ui.common import current_user, shown_errors, workspace
from sandbox.vault import list_snapshots

st.title("Vault")
with shown_errors():
    snaps = list_snapshots(workspace(), current_user())
if not snaps:
    st.info("The vault is empty. A steward ingests an export with `sandbox ingest`.")
    st.stop()
st.dataframe(pd.DataFrame([{"snapshot": s.id, "source": s.source, "status": s.status, "catalog": s.catalog_version,
                            "rows": sum(s.rows.values()), "created": s.created_at, "expires": s.expires_at}
                           for s in snaps]), hide_index=True, use_container_width=True)
