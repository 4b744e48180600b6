"""``sandbox.connect``: a notebook's session for a registered user, proven by a password, a sign-in or the OS."""

from __future__ import annotations

import os
from pathlib import Path

from sandbox.api.session import VIA, Session, _registered
from sandbox.errors import NotAuthenticated, UnknownObject
from sandbox.governance import audit
from sandbox.workspace import Workspace, default_home

__all__ = ["connect"]


def connect(user: str | None = None, home: str | Path | None = None, password: str | None = None) -> Session:
    """A session on the workspace ``home`` (``SANDBOX_HOME``, default ``./workspace``) as ``user``
    (``SANDBOX_USER`` when omitted), written to the audit log as ``notebook.connect``.

    Without ``password`` the user must be proven on this machine (``sandbox login NAME``, or the OS account
    named like them); a name only claimed is refused.

    Raises:
        NotAuthenticated: no user proven, a user that is not registered or is disabled, or a wrong password.
        UnknownObject: ``home`` is not a workspace.
    """
    name = (user or os.environ.get("SANDBOX_USER") or "").strip().lower()
    folder = Path(home).resolve() if home is not None else default_home()
    if not (folder / "governance.duckdb").is_file():
        raise UnknownObject(f"no sandbox workspace at {folder}; set SANDBOX_HOME (or home=) to one, or make the demo "
                            "workspace with `make demo`")
    ws = Workspace(folder)
    if password is not None:
        if not name:
            raise NotAuthenticated("say who you are: sandbox.connect(user='NAME', password=...)")
        from sandbox.governance.users import authenticate

        signed_in = authenticate(ws, name, password)
        session = Session(ws, signed_in.user, method="password", token=signed_in.token)
    else:
        session = _proven_session(ws, name or None)
    session._log(session.user, "notebook.connect", str(ws.home), method=session.method)
    return session


def _proven_session(ws: Workspace, name: str | None) -> Session:
    """A session for what this process proves without a password (``sandbox login``'s token, or the OS account
    of a registered user); a name it does not prove is refused and the attempt audited."""
    from sandbox.governance.identity import proof

    with ws.governance() as g:
        if name:
            _registered(g, name, attempt=True)  # an unknown or disabled name: its own message, audited
    try:
        user, token = proof(ws, name)
    except NotAuthenticated as exc:
        if name:  # a claimed name nobody proved: on record (an anonymous attempt names nobody to record)
            with ws.governance() as g:
                audit.record(g, name, "notebook.connect", name, outcome="failed", details={"method": "unproven", **VIA})
        raise NotAuthenticated(f"{exc}" if name else f"say who you are: sandbox.connect(user='NAME') after "
                               f"`sandbox login NAME` ({exc})") from None
    return Session(ws, user, method="login" if token else "os", token=token)
