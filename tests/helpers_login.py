"""Signing in from tests: a real user and a real session in the workspace's governance store.

AppTest cannot reach a browser, so a test puts the session into ``at.session_state`` itself::

    monkeypatch.setenv("SANDBOX_HOME", str(ws.home))
    at = AppTest.from_file(page)
    login_as(at, ws, "mark", "marketer")
    at.run()

The app validates the token on every rerun exactly as for a browser; a ``user`` put into the session
state without a valid token is ignored.
"""

from __future__ import annotations

from sandbox.governance.access import User
from sandbox.governance.users import add_user, authenticate, set_password, set_role
from sandbox.workspace import Workspace

TEST_ADMIN = User(name="test-admin", role="admin")


def password_of(name: str) -> str:
    """The password ``ensure_user`` gives ``name``."""
    return f"{name}-test-password"


def ensure_user(ws: Workspace, name: str, role: str, seat: str | None = None, manager: str | None = None) -> User:
    """Register ``name`` with ``role`` (or bring an existing user to that role) and the test password."""
    from sandbox.errors import InputError

    try:
        add_user(ws, TEST_ADMIN, name, role, seat=seat, password=password_of(name), manager=manager)
    except InputError as exc:
        if "exists already" not in str(exc):
            raise
        set_role(ws, TEST_ADMIN, name, role, seat)
        set_password(ws, TEST_ADMIN, name, password_of(name))
    return User(name=name, role=role, seat=seat)


def login_as(at, ws: Workspace, name: str, role: str, seat: str | None = None) -> User:
    """Register ``name`` (see ``ensure_user``), sign in, and put the session into the AppTest's session state."""
    ensure_user(ws, name, role, seat)
    session = authenticate(ws, name, password_of(name))
    at.session_state["session_token"] = session.token
    at.session_state["user"] = session.user
    return session.user


def cli_login(ws: Workspace, name: str, role: str, seat: str | None = None) -> User:
    """Register ``name`` (see ``ensure_user``) and sign the command line in as them (``sandbox login``):
    the token goes to ``$SANDBOX_CONFIG_DIR``, which the tests' conftest points at a temporary folder."""
    from sandbox.governance.identity import login

    ensure_user(ws, name, role, seat)
    return login(ws, name, password_of(name))
