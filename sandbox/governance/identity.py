"""Who the command line (and a notebook) acts as.

Once a workspace has registered users, the operator is one of them, proven by either

* a sign-in: ``sandbox login NAME`` checks the password and keeps the session token (short-lived, the app's
  session rules: ``session_hours``, ``idle_minutes``) in ``~/.config/sandbox/tokens.json`` (mode 0600;
  ``SANDBOX_CONFIG_DIR`` moves it, as ``GH_CONFIG_DIR`` does for ``gh``), like ``gh auth login``; or
* the operating-system account: a registered user whose name is the account's login name (``pwd``, from the
  process's uid, not from ``$USER``), as PostgreSQL's peer authentication maps local accounts.

``SANDBOX_USER`` only says whom the operator expects to be (a mismatch is refused); ``SANDBOX_ROLE`` and
``SANDBOX_SEAT`` are read only on a workspace without users, where the operator owns the files anyway and
may bootstrap the first admin.
"""

from __future__ import annotations

import json
import os
import pwd
from pathlib import Path

from sandbox.db import one
from sandbox.errors import NotAuthenticated
from sandbox.governance.access import ROLES, User
from sandbox.governance.users import authenticate, end_session, validate_session
from sandbox.workspace import Workspace

_HINT = "sign in with `sandbox login NAME`"


def os_account() -> str:
    """The login name of the process's real uid (``$USER`` can be set to anything)."""
    try:
        return pwd.getpwuid(os.getuid()).pw_name.lower()
    except KeyError:  # a uid without a passwd entry (some containers)
        return f"uid{os.getuid()}"


def token_file() -> Path:
    """Where sign-ins are kept: ``$SANDBOX_CONFIG_DIR/tokens.json`` or ``~/.config/sandbox/tokens.json``."""
    base = os.environ.get("SANDBOX_CONFIG_DIR") or str(Path.home() / ".config" / "sandbox")
    return Path(base) / "tokens.json"


def _tokens() -> dict[str, str]:
    try:
        data = json.loads(token_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_tokens(tokens: dict[str, str]) -> None:
    path = token_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(tokens, fh)
    os.replace(tmp, path)


def login(ws: Workspace, name: str, password: str) -> User:
    """Check ``name``'s password (counted, locking, audited as the app's sign-in) and keep the session token."""
    session = authenticate(ws, name, password)
    # the command line acts as the newest sign-in; a notebook's connect(NAME) finds NAME's own token
    _write_tokens({**_tokens(), str(ws.home): session.token, f"{ws.home}#{session.user.name}": session.token})
    return session.user


def logout(ws: Workspace) -> bool:
    """End this workspace's command-line session (its token stops working); whether there was one."""
    tokens = _tokens()
    token = tokens.pop(str(ws.home), None)
    if token is None:
        return False
    end_session(ws, token)
    _write_tokens({k: v for k, v in tokens.items() if not (k.startswith(f"{ws.home}#") and v == token)})
    return True


def _has_users(ws: Workspace) -> bool:
    with ws.governance() as g:
        return one(g.execute("SELECT count(*) FROM users"))[0] > 0


def _peer(ws: Workspace, account: str) -> User | None:
    with ws.governance() as g:
        row = g.execute("SELECT name, role, seat, disabled FROM users WHERE name = ?", [account]).fetchone()
    if row is None:
        return None
    if row[3]:
        raise NotAuthenticated(f"user {row[0]} is disabled")
    return User(name=row[0], role=row[1], seat=row[2])


def _proven(ws: Workspace, token: str | None, who: str) -> User:
    """The user a sign-in token proves, or (without one) the registered user named like the OS account."""
    if token is not None:
        try:
            return validate_session(ws, token)
        except NotAuthenticated as exc:
            raise NotAuthenticated(f"{exc}: {_HINT}") from None
    account = os_account()
    found = _peer(ws, account)
    if found is None:
        raise NotAuthenticated(f"this workspace has users and {who or f'the account {account!r}'} is not signed in: "
                               f"{_HINT}")
    return found


def proof(ws: Workspace, name: str | None = None) -> tuple[User, str | None]:
    """The registered user this process proves to be on ``ws`` (a workspace with users) and their session
    token (None when the operating-system account proves it), for a notebook's ``sandbox.connect``:
    ``name``'s own ``sandbox login`` token, else the newest sign-in, else the OS account. A ``name`` other
    than the proven user is refused."""
    tokens = _tokens()
    token = (tokens.get(f"{ws.home}#{name}") if name else None) or tokens.get(str(ws.home))
    user = _proven(ws, token, repr(name) if name else "")
    if name and name != user.name:
        raise NotAuthenticated(f"{name!r} is not signed in here (this account is signed in as {user.name}): "
                               f"`sandbox login {name}`, or sandbox.connect({name!r}, password=...)")
    return user, token


def operator(ws: Workspace) -> User:
    """The acting user of this command line on ``ws`` (see the module docstring for what is trusted)."""
    claimed = (os.environ.get("SANDBOX_USER") or "").strip().lower() or None
    if not _has_users(ws):
        role = os.environ.get("SANDBOX_ROLE") or "steward"
        role = role if role in ROLES else "steward"
        return User(name=claimed or os_account(), role=role, seat=os.environ.get("SANDBOX_SEAT") or None)
    user = _proven(ws, _tokens().get(str(ws.home)), f"SANDBOX_USER={claimed}" if claimed else "")
    if claimed and claimed != user.name:
        raise NotAuthenticated(f"SANDBOX_USER={claimed}, but this command line is signed in as {user.name}: "
                               f"`sandbox login {claimed}`")
    return user


def cli_user(ws: Workspace | None = None) -> User:
    """The operator of the command line.

    With ``ws`` (always, from the CLI and notebooks): on a workspace with users, a registered user proven by
    ``sandbox login`` or by the operating-system account (``sandbox.governance.identity``); ``SANDBOX_ROLE`` never
    raises anyone. Without ``ws``: the operator before any workspace is known (``SANDBOX_USER``, a steward).
    """
    if ws is None:
        return User(name=os.environ.get("SANDBOX_USER") or "steward", role="steward")
    return operator(ws)
