"""The Streamlit UI: the only place in the product that imports streamlit."""
