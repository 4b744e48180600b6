"""CRM Sandbox app: only builds the page list; pages live in sandbox/ui/pages."""

from pathlib import Path

import streamlit as st

PAGES = Path(__file__).parent / "sandbox" / "ui" / "pages"

st.set_page_config(page_title="CRM Sandbox", layout="wide")
st.navigation([
    st.Page(PAGES / "datasets.py", title="Datasets", default=True),
    st.Page(PAGES / "explore.py", title="Explore"),
]).run()
