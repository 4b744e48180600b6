"""The sign-in form: name and password (Argon2-checked, with lockout), or single sign-on when configured."""

from __future__ import annotations

import streamlit as st

from sandbox.errors import NotAuthenticated
from sandbox.governance.users import authenticate
from sandbox.ui.session import TOKEN_KEY, USER_KEY, oidc_configured, remember_session
from sandbox.workspace import Workspace


def login_form(ws: Workspace, message: str = "") -> None:
    """Show the sign-in form; on success store the session and rerun the app as the signed-in user."""
    from sandbox.ui.error_words import said as error_words
    from sandbox.ui.i18n import language_switch, t

    language_switch()
    st.title(t("login.title"))
    if message:
        st.warning(message)
    with st.form("sign-in"):
        name = st.text_input(t("login.name"), key="login-name")
        password = st.text_input(t("login.password"), type="password", key="login-password")
        submitted = st.form_submit_button(t("login.submit"), type="primary")
    if submitted:
        try:
            with st.spinner(t("progress.signing_in")):
                session = authenticate(ws, name, password)
        except NotAuthenticated as exc:
            st.error(error_words(exc))
            return
        st.session_state[TOKEN_KEY] = session.token
        st.session_state[USER_KEY] = session.user
        remember_session()
        st.rerun()
    if oidc_configured():
        if st.user.is_logged_in:
            st.button(t("login.sso_other"), on_click=st.logout)
        else:
            st.button(t("login.sso"), on_click=st.login)
