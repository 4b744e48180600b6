"""The sign-in form: name and password (Argon2-checked, with lockout), or single sign-on when configured."""

from __future__ import annotations

import streamlit as st

from sandbox.errors import NotAuthenticated
from sandbox.ui.common import TOKEN_KEY, USER_KEY, oidc_configured, remember_session
from sandbox.users import authenticate
from sandbox.workspace import Workspace


def login_form(ws: Workspace, message: str = "") -> None:
    """Show the sign-in form; on success store the session and rerun the app as the signed-in user."""
    st.title("Sign in to CRM Sandbox")
    if message:
        st.warning(message)
    with st.form("sign-in"):
        name = st.text_input("User name")
        password = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        try:
            session = authenticate(ws, name, password)
        except NotAuthenticated as exc:
            st.error(str(exc))
            return
        st.session_state[TOKEN_KEY] = session.token
        st.session_state[USER_KEY] = session.user
        remember_session()
        st.rerun()
    if oidc_configured():
        if st.user.is_logged_in:
            st.button("Use another single sign-on account", on_click=st.logout)
        else:
            st.button("Sign in with single sign-on", on_click=st.login)
