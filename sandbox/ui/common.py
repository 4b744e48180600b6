"""Shared helpers of the Streamlit pages: the workspace, the signed-in user, page gating and error display.

Sign-in rule (every page, every rerun): the app acts only for a valid session. Its token is kept in
``st.session_state["session_token"]`` and validated against the governance store on every rerun, so a
disabled or demoted user is out (or demoted) on their next request; the resulting
:class:`sandbox.governance.access.User` is then put in ``st.session_state["user"]``. A ``user`` put into the
session state without a valid token is ignored and replaced by the sign-in form. Tests sign in with
``tests/helpers_login.py: login_as(at, ws, name, role, seat=None)``, which registers the user and opens
a real session in the workspace's governance store.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import streamlit as st

from sandbox.errors import NotAuthenticated, SandboxError
from sandbox.governance.access import User
from sandbox.ui.login import login_form
from sandbox.ui.session import (
    _CHECKED,
    _REMEMBER,
    _SIGNED_OUT,
    TOKEN_KEY,
    USER_KEY,
    _cookie,
    _oidc_token,
    _set_cookie,
    _this_run,
    forget_session,
    sign_out,
    workspace,
)
from sandbox.ui.warm import form_drawn, wait_for_imports

# url_path of a page -> the permission a user needs to see it in the navigation (pages not named here are
# shown to everyone signed in; every page's library calls check access again in any case)
PAGE_PERMISSIONS: dict[str, str] = {
    "explore": "dataset.read",
    "lab": "lab.query",
    "my_proposals": "proposal.create",
    "exports": "export.aggregate",
    "vault": "vault.open",
    "catalog": "catalog.read",
    "users": "users.manage",
    "audit_log": "audit.read",
    "council_queue": "proposal.vote",
}


def current_user() -> User:
    """The signed-in user, re-validated on every rerun; shows the sign-in form and stops when there is none.

    The session token lives in this tab's session state and in a browser cookie (``SameSite=Strict``, ``Secure``
    over https, expiring with the session), so a reload or a new tab stays signed in until the session ends;
    signing out ends the session in the store and clears the cookie."""
    from sandbox.governance.users import validate_session

    ws = workspace()
    remembered = None if st.session_state.get(_SIGNED_OUT) else _cookie()
    try:
        token = st.session_state.get(TOKEN_KEY) or remembered or _oidc_token(ws)
        if not token:
            raise NotAuthenticated("")
        checked, run = st.session_state.get(_CHECKED), _this_run()
        if checked and checked[0] == token and run is not None and checked[1] is run:
            user = st.session_state[USER_KEY]  # validated earlier in this same run: the store is shared, not free
        else:
            user = validate_session(ws, token)
            st.session_state[_CHECKED] = (token, run)
    except NotAuthenticated as exc:
        forget_session()
        if remembered or st.session_state.get(_SIGNED_OUT):
            _set_cookie("", 0)  # an ended session's cookie (or a signed-out tab's) is cleared in the browser
        login_form(ws, error_words(exc) if exc.code else str(exc))
        form_drawn()  # a fresh server's warm-up starts once the form is on its way to the browser
        st.stop()
        raise  # st.stop() does nothing outside a Streamlit run: never continue without a user
    except SandboxError as exc:  # the store busy with another process: said in words, never a traceback
        st.error(error_words(exc))
        st.stop()
        raise
    st.session_state[TOKEN_KEY] = token
    st.session_state[USER_KEY] = user
    if st.session_state.pop(_REMEMBER, False):
        _set_cookie(token, int(ws.settings.access.session_hours * 3600))
    wait_for_imports()  # the pages import what the warm-up may be importing right now (see sandbox.ui.warm)
    return user


def account_sidebar(user: User) -> None:
    """Who is signed in, and a sign-out button, in the sidebar."""
    from sandbox.ui.i18n import UI, lang, t

    seat = t("account.seat", seat=UI[lang()].get(f"seat.{user.seat}", user.seat)) if user.seat else ""
    st.sidebar.caption(t("account.signed_in", name=user.name, role=t(f"role.{user.role}"), seat=seat))
    st.sidebar.button(t("account.sign_out"), on_click=sign_out, key="sign-out")


def votes_waiting(user: User) -> int | None:
    """How many proposals wait for this council member's vote; None for anyone who does not vote."""
    if not user.can("proposal.vote"):
        return None
    from sandbox.council.views import council_queue

    try:
        return len(council_queue(workspace(), user))
    except SandboxError:
        return 0


def visible_pages(user: User, pages: Sequence[st.Page]) -> list[st.Page]:
    """The pages ``user`` may see: those in :data:`PAGE_PERMISSIONS` need the permission named there."""
    return [p for p in pages if (need := PAGE_PERMISSIONS.get(p.url_path)) is None or user.can(need)]


@contextmanager
def shown_errors() -> Iterator[None]:
    """Named product errors become a message on the page, never a traceback; work that takes longer than half a
    second shows a spinner meanwhile (Streamlit draws it only after 0.5 s, so quick calls do not flicker)."""
    from sandbox.ui.i18n import t

    try:
        with st.spinner(t("progress.working")):
            yield
    except SandboxError as exc:
        st.error(error_words(exc))
        st.stop()


def error_words(exc: SandboxError) -> str:
    """A product error in the UI language: the words of its case (``error.<code>``), else of its class
    (``error.<ClassName>``), its values said in the language (numbers, dates, states, roles, gate reasons); an
    error the texts do not know keeps its message, after its class's words in a language other than English."""
    from sandbox.ui.error_words import said

    return said(exc)
