"""The browser tab's session: its token (in the tab's state and a SameSite=Strict cookie), the workspace, sign-out.

The token is validated against the governance store by ``sandbox.ui.common.current_user`` on every run; this
module only keeps it, remembers it in the browser, and ends it.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from sandbox.workspace import Workspace

TOKEN_KEY = "session_token"
USER_KEY = "user"
COOKIE = "crm_sandbox_session"  # the session token kept by the browser, so a reload stays signed in
_REMEMBER, _SIGNED_OUT, _CHECKED = "_remember_session", "_signed_out", "_session_checked"
_started: set[Path] = set()


def workspace() -> Workspace:
    """The workspace of ``SANDBOX_HOME``; the first call in a process runs the retention check."""
    ws = Workspace()
    if ws.home not in _started:
        from sandbox.duties.retention import check_on_start

        check_on_start(ws)
        _started.add(ws.home)
    return ws


def oidc_configured() -> bool:
    """Whether single sign-on through ``st.login`` is set up (an ``[auth]`` section in the secrets)."""
    return bool(st.secrets.load_if_toml_exists()) and "auth" in st.secrets


def _oidc_token(ws: Workspace) -> str | None:
    """A session for the identity ``st.login`` established, mapped to a users row by e-mail."""
    from sandbox.governance.users import login_oidc

    if not oidc_configured() or not st.user.is_logged_in:
        return None
    session = login_oidc(ws, str(st.user.get("email") or ""))
    st.session_state[TOKEN_KEY] = session.token
    return session.token


def _this_run() -> object | None:
    """An object that stands for the current script run (Streamlit gives each run a new cursor map), so a page
    that calls ``current_user()`` several times asks the governance store once per run, never across runs."""
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

        ctx = get_script_run_ctx()
        return ctx.cursors if ctx is not None else None
    except Exception:  # noqa: BLE001  (a Streamlit without this internal: validate every call, as before)
        return None


def _cookie() -> str | None:
    """The session cookie the browser sent, if any (a test client without a browser has none)."""
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # noqa: BLE001  (no browser context, e.g. a bare run)
        return None
    return value if isinstance(value, str) and value else None


def remember_session() -> None:
    """Called by the sign-in form: the next run writes the new session's cookie."""
    st.session_state[_REMEMBER] = True
    st.session_state.pop(_SIGNED_OUT, None)


def _set_cookie(token: str, max_age: int) -> None:
    """Write (or, with ``max_age`` 0, clear) the session cookie from the page itself."""
    import json

    value = json.dumps(f"{COOKIE}={token}; Path=/; Max-Age={max_age}; SameSite=Strict")
    st.sidebar.html(f"<script>document.cookie = {value} + (location.protocol === 'https:' ? '; Secure' : '');"
                    "</script>", unsafe_allow_javascript=True)  # the sidebar: nothing on the page moves


def forget_session() -> None:
    """Drop the session from this browser tab (the token itself is ended by ``sign_out``)."""
    for key in (TOKEN_KEY, USER_KEY, _CHECKED):
        st.session_state.pop(key, None)


def sign_out() -> None:
    """End the session in the store and in this tab (and at the identity provider after single sign-on)."""
    from sandbox.governance.users import end_session

    if token := st.session_state.get(TOKEN_KEY):
        end_session(workspace(), token)
    forget_session()
    st.session_state[_SIGNED_OUT] = True  # the cookie this tab was opened with no longer signs it in
    if oidc_configured() and st.user.is_logged_in:
        st.logout()
