"""Shared helpers of the Streamlit pages: the workspace, the acting user, and error display."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from sandbox.access import User
from sandbox.errors import SandboxError
from sandbox.workspace import Workspace


def workspace() -> Workspace:
    return Workspace()


def current_user() -> User:
    """The signed-in user (until logins exist: ``SANDBOX_APP_USER`` / ``SANDBOX_APP_ROLE``)."""
    if "user" not in st.session_state:
        st.session_state.user = User(name=os.environ.get("SANDBOX_APP_USER", "demo-marketer"),
                                     role=os.environ.get("SANDBOX_APP_ROLE", "marketer"))
    return st.session_state.user


@contextmanager
def shown_errors() -> Iterator[None]:
    """Named product errors become a message on the page, never a traceback."""
    try:
        yield
    except SandboxError as exc:
        st.error(str(exc))
        st.stop()
