"""People, passwords and sessions: who may sign in, as what, and for how long.

* Passwords are stored as Argon2id hashes (argon2-cffi), never in clear; an unknown name costs the same
  hashing time as a known one.
* After ``max_failed_logins`` failed sign-ins in a row an account is locked for ``lockout_minutes``.
* A session is a random token; only its SHA-256 is stored. It ends ``session_hours`` after sign-in or
  after ``idle_minutes`` without a request (``settings.yaml``, section ``access``).
* :func:`validate_session` checks the session and its user on every request, so disabling or demoting someone
  takes effect on their next request, not at their next sign-in. It answers from memory while no process has
  written users or sessions since (``sandbox.readcache``, group ``identity``).
* Every sign-in (good or bad), sign-out and change to a user is an audit event, written in the same
  transaction as the change.

Bootstrapping: on a workspace without any user, ``sandbox users add NAME --role admin`` works for the
command-line operator (who can read the workspace files anyway); after that only admins manage users.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel

from sandbox import readcache
from sandbox.db import one
from sandbox.errors import AccessDenied, InputError, NotAuthenticated, UnknownObject, WorkspaceBusy
from sandbox.governance import audit
from sandbox.governance.access import ROLES, User
from sandbox.governance.audit import authorize
from sandbox.workspace import Workspace

SEATS: tuple[str, ...] = ("marketing", "sales", "support", "security", "product")
_NAME = re.compile(r"^[a-z0-9][a-z0-9._@+-]{0,63}$")
_WRONG = "wrong name or password"
_hashers: dict[str, PasswordHasher] = {}
_dummy_hashes: dict[str, str] = {}
_USER_COLUMNS = "name, role, seat, disabled, password_hash, failed_logins, locked_until, created_at, manager"

# name, role, seat, manager: the people of `sandbox demo`; each one's password is NAME-sandbox-demo
DEMO_USERS: tuple[tuple[str, str, str | None, str | None], ...] = (
    ("ada", "admin", None, None),
    ("stella", "steward", None, "ada"),
    ("mark", "marketer", None, "mia"),
    ("dana", "data_scientist", None, "paul"),
    ("mia", "council", "marketing", None),
    ("sam", "council", "sales", None),
    ("sue", "council", "support", None),
    ("selma", "council", "security", None),
    ("paul", "council", "product", None),
)


class UserRecord(BaseModel):
    """A registered user as an admin sees it (never the password hash)."""

    name: str
    role: str
    seat: str | None
    disabled: bool
    has_password: bool
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime
    manager: str | None
    emails: list[str] = []

    def as_user(self) -> User:
        """The acting identity of this record."""
        return User(name=self.name, role=self.role, seat=self.seat)


class Session(BaseModel):
    """A signed-in session. ``token`` is the secret the client keeps; the store only holds its hash."""

    token: str
    user: User
    method: str
    expires_at: datetime


def _now(now: datetime | None) -> datetime:
    """Naive UTC, as stored in the governance tables."""
    now = now or datetime.now(UTC)
    return now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def generate_password() -> str:
    """A random password to hand to a new user (16 URL-safe characters)."""
    return secrets.token_urlsafe(12)


def _hasher(ws: Workspace) -> PasswordHasher:
    """Argon2id with the workspace's cost profile (``access.argon2_profile``)."""
    name = ws.settings.access.argon2_profile
    if name not in _hashers:
        _hashers[name] = PasswordHasher.from_parameters(getattr(profiles, name))
    return _hashers[name]


def _hash_password(ws: Workspace, password: str) -> str:
    shortest = ws.settings.access.min_password_length
    if len(password) < shortest:
        raise InputError(f"a password needs at least {shortest} characters", code="user.password_short", min=shortest)
    return _hasher(ws).hash(password)


def _password_ok(ws: Workspace, stored: str | None, password: str) -> bool:
    hasher = _hasher(ws)
    if not stored:
        name = ws.settings.access.argon2_profile
        if name not in _dummy_hashes:
            _dummy_hashes[name] = hasher.hash(secrets.token_hex(8))
        stored = _dummy_hashes[name]  # same work for unknown names: no timing hint that a name exists
        password = password + "\0unknown"
    try:
        return hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _record(g: duckdb.DuckDBPyConnection, name: str) -> tuple | None:
    return g.execute(f"SELECT {_USER_COLUMNS} FROM users WHERE name = ?", [name]).fetchone()


def _written(g: duckdb.DuckDBPyConnection, name: str) -> tuple:
    """The row of a user this connection has just written."""
    row = _record(g, name)
    if row is None:
        raise LookupError(f"user {name!r} vanished while being written")
    return row


def _as_record(g: duckdb.DuckDBPyConnection, row: tuple) -> UserRecord:
    emails = [r[0] for r in g.execute("SELECT email FROM user_emails WHERE name = ? ORDER BY 1", [row[0]]).fetchall()]
    return UserRecord(name=row[0], role=row[1], seat=row[2], disabled=bool(row[3]), has_password=bool(row[4]),
                      failed_logins=row[5] or 0, locked_until=row[6], created_at=row[7], manager=row[8], emails=emails)


def _check_name(name: str) -> str:
    name = name.strip().lower()
    if not _NAME.match(name):
        raise InputError(f"user name {name!r} must be lowercase letters, digits and . _ @ + - (at most 64)",
                         code="user.bad_name", name=name)
    return name


def _check_role(role: str, seat: str | None) -> None:
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}; choose one of: {', '.join(ROLES)}")
    if role == "council" and seat not in SEATS:
        raise InputError(f"a council member needs a seat: one of {', '.join(SEATS)}", code="user.seat_needed",
                         seats=list(SEATS))
    if role != "council" and seat:
        raise InputError("only council members have a seat", code="user.seat_only_council")


def _deny(g: duckdb.DuckDBPyConnection, actor: User, action: str, obj: str) -> AccessDenied:
    audit.record(g, actor, action, obj, outcome="denied")
    return AccessDenied(f"{actor.name} ({actor.role}) is not allowed to manage users")


def _enabled_admins(g: duckdb.DuckDBPyConnection) -> int:
    return one(g.execute("SELECT count(*) FROM users WHERE role = 'admin' AND NOT coalesce(disabled, false)"))[0]


def _insert(g: duckdb.DuckDBPyConnection, actor: User, action: str, name: str, role: str, seat: str | None,
            hashed: str | None, manager: str | None, email: str | None, **details: object) -> None:
    if _record(g, name) is not None:
        raise InputError(f"user {name!r} exists already; `sandbox users role` or `disable` change it",
                         code="user.exists", name=name)
    g.execute(f"INSERT INTO users ({_USER_COLUMNS}) VALUES (?, ?, ?, false, ?, 0, NULL, ?, ?)",
              [name, role, seat, hashed, _now(None), manager])
    if email:
        taken = g.execute("SELECT name FROM user_emails WHERE email = ?", [email.strip().lower()]).fetchone()
        if taken:
            raise InputError(f"the e-mail {email} already signs in as {taken[0]}", code="user.email_taken",
                             email=email, name=taken[0])
        g.execute("INSERT INTO user_emails VALUES (?, ?)", [email.strip().lower(), name])
    audit.record(g, actor, action, name, details={"role": role, "seat": seat, "manager": manager, "email": email,
                                                  "password": hashed is not None, **details})


def add_user(ws: Workspace, actor: User, name: str, role: str, *, seat: str | None = None,
             password: str | None = None, manager: str | None = None, email: str | None = None) -> UserRecord:
    """Register a user (admins; on a workspace without users, anyone may add the first admin).

    Without ``password`` the user can sign in only through single sign-on (``email`` maps the identity).
    """
    name = _check_name(name)
    _check_role(role, seat)
    if not actor.can("users.manage") and role != "admin":  # not even a bootstrap: refuse before hashing
        with ws.governance() as g:
            raise _deny(g, actor, "users.add", name)
    hashed = _hash_password(ws, password) if password is not None else None
    with ws.governance() as g:
        empty = one(g.execute("SELECT count(*) FROM users"))[0] == 0
        bootstrap = not actor.can("users.manage") and empty and role == "admin"
        if not actor.can("users.manage") and not bootstrap:
            raise _deny(g, actor, "users.add", name)
        if manager and _record(g, manager) is None:
            raise UnknownObject(f"manager {manager!r} is not a registered user",
                                code="user.no_manager", name=manager)
        g.begin()
        _insert(g, actor, "users.bootstrap" if bootstrap else "users.add", name, role, seat, hashed, manager, email)
        g.commit()
        return _as_record(g, _written(g, name))


def _change(ws: Workspace, actor: User, name: str, action: str, sql: str, params: list, details: dict,
            *, allow_self: bool = False, demotes_admin: bool = False) -> UserRecord:
    """One audited change to one user row (admins, or the user themself when ``allow_self``)."""
    name = name.strip().lower()
    with ws.governance() as g:
        if not actor.can("users.manage") and not (allow_self and actor.name == name):
            raise _deny(g, actor, action, name)
        row = _record(g, name)
        if row is None:
            raise UnknownObject(f"no user {name!r}; `sandbox users list` shows them", code="user.unknown", name=name)
        if demotes_admin and row[1] == "admin" and not row[3] and _enabled_admins(g) <= 1:
            raise InputError(f"{name} is the last enabled admin; add another admin first", code="user.last_admin",
                             name=name)
        g.begin()
        g.execute(sql, [*params, name])
        audit.record(g, actor, action, name, details=details)
        g.commit()
        return _as_record(g, _written(g, name))


def disable_user(ws: Workspace, actor: User, name: str) -> UserRecord:
    """Disable an account: its open sessions stop working on their next request (admins)."""
    return _change(ws, actor, name, "users.disable", "UPDATE users SET disabled = true WHERE name = ?", [], {},
                   demotes_admin=True)


def enable_user(ws: Workspace, actor: User, name: str) -> UserRecord:
    """Enable an account again and clear any lockout (admins)."""
    return _change(ws, actor, name, "users.enable",
                   "UPDATE users SET disabled = false, failed_logins = 0, locked_until = NULL WHERE name = ?", [], {})


def set_role(ws: Workspace, actor: User, name: str, role: str, seat: str | None = None) -> UserRecord:
    """Change a user's role (and seat); takes effect on their next request (admins)."""
    _check_role(role, seat)
    return _change(ws, actor, name, "users.role", "UPDATE users SET role = ?, seat = ? WHERE name = ?", [role, seat],
                   {"role": role, "seat": seat}, demotes_admin=role != "admin")


def set_manager(ws: Workspace, actor: User, name: str, manager: str | None) -> UserRecord:
    """Who is told about this user's exports (admins)."""
    if manager:
        with ws.governance() as g:
            if _record(g, manager) is None:
                raise UnknownObject(f"manager {manager!r} is not a registered user",
                                code="user.no_manager", name=manager)
    return _change(ws, actor, name, "users.manager", "UPDATE users SET manager = ? WHERE name = ?", [manager],
                   {"manager": manager})


def set_password(ws: Workspace, actor: User, name: str, password: str) -> UserRecord:
    """Set a password (admins for anyone, a user for themself); also clears a lockout."""
    if not actor.can("users.manage") and actor.name != name.strip().lower():  # refuse before hashing
        with ws.governance() as g:
            raise _deny(g, actor, "users.password", name)
    hashed = _hash_password(ws, password)
    return _change(ws, actor, name, "users.password",
                   "UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL WHERE name = ?",
                   [hashed], {}, allow_self=True)


def list_users(ws: Workspace, actor: User) -> list[UserRecord]:
    """Every registered user (admins)."""
    authorize(ws, actor, "users.manage")
    with ws.governance() as g:
        rows = g.execute(f"SELECT {_USER_COLUMNS} FROM users ORDER BY name").fetchall()
        return [_as_record(g, r) for r in rows]


def _open_session(g: duckdb.DuckDBPyConnection, ws: Workspace, user: User, method: str, now: datetime) -> Session:
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=ws.settings.access.session_hours)
    # A new token: no process can hold an answer about it, so the others' cached sessions stay valid.
    readcache.unwatched(g, "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)",
                        [_token_hash(token), user.name, method, now, expires, now])
    return Session(token=token, user=user, method=method, expires_at=expires)


def authenticate(ws: Workspace, name: str, password: str, *, now: datetime | None = None) -> Session:
    """Check a password and open a session; counts failures and locks the account after too many."""
    name, now, cfg = name.strip().lower(), _now(now), ws.settings.access
    # what is read before Argon2 may come from memory: the write below reads the row again and checks again
    seen = readcache.cached(ws, ("user-record", name), lambda g: _record(g, name), group="identity")
    locked = seen is not None and seen[6] is not None and now < seen[6]
    # Argon2 is slow on purpose: it runs outside the store's lock, so one sign-in never holds up the others
    good = False if locked else _password_ok(ws, seen[4] if seen else None, password)
    with ws.governance() as g:
        row = _record(g, name)
        if row is not None and row[6] is not None and now < row[6]:
            audit.record(g, name, "login", name, outcome="locked", details={"method": "password"})
            raise NotAuthenticated(f"too many failed sign-ins: the account is locked until {row[6]:%H:%M} UTC",
                                   code="login.locked", until=f"{row[6]:%H:%M}")
        if (row is None) != (seen is None) or (row is not None and seen is not None and row[4] != seen[4]) or locked:
            good = _password_ok(ws, row[4] if row else None, password)  # changed meanwhile: check what is stored
        g.begin()
        if row is None or not good:
            said: dict[str, Any] = {"code": "login.wrong"}
            outcome, message = "failed", _WRONG
            if row is not None:
                failed = (row[5] or 0) + 1
                if failed >= cfg.max_failed_logins:
                    outcome, failed = "locked", 0
                    message = f"{_WRONG}; too many failures, the account is locked for {cfg.lockout_minutes:g} minutes"
                    said = {"code": "login.wrong_locked", "minutes": cfg.lockout_minutes}
                    g.execute("UPDATE users SET locked_until = ? WHERE name = ?",
                              [now + timedelta(minutes=cfg.lockout_minutes), name])
                g.execute("UPDATE users SET failed_logins = ? WHERE name = ?", [failed, name])
            audit.record(g, name, "login", name, outcome=outcome,
                         details={"method": "password", "known_user": row is not None})
            g.commit()
            raise NotAuthenticated(message, **said)
        if row[3]:
            audit.record(g, name, "login", name, outcome="disabled", details={"method": "password"})
            g.commit()
            raise NotAuthenticated("this account is disabled; ask an admin", code="login.disabled")
        if _hasher(ws).check_needs_rehash(row[4]):  # a new cost profile applies at the next sign-in
            g.execute("UPDATE users SET password_hash = ? WHERE name = ?", [_hasher(ws).hash(password), name])
        if row[5] or row[6] is not None:  # (a write to users drops every process's cached sign-ins)
            g.execute("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE name = ?", [name])
        user = User(name=row[0], role=row[1], seat=row[2])
        session = _open_session(g, ws, user, "password", now)
        audit.record(g, user, "login", name, details={"method": "password", "expires_at": session.expires_at})
        g.commit()
    return session


def login_oidc(ws: Workspace, email: str, *, now: datetime | None = None) -> Session:
    """Open a session for an identity vouched for by the OIDC provider (``st.login``), mapped by e-mail."""
    email, now = email.strip().lower(), _now(now)
    with ws.governance() as g:
        g.begin()
        mapped = g.execute("SELECT name FROM user_emails WHERE email = ?", [email]).fetchone()
        row = _record(g, mapped[0] if mapped else email)
        if row is None or row[3]:
            outcome = "failed" if row is None else "disabled"
            audit.record(g, email, "login", email, outcome=outcome, details={"method": "oidc"})
            g.commit()
            raise NotAuthenticated(f"{email} is not allowed to use the sandbox; ask an admin to add you"
                                   if row is None else "this account is disabled; ask an admin")
        user = User(name=row[0], role=row[1], seat=row[2])
        session = _open_session(g, ws, user, "oidc", now)
        audit.record(g, user, "login", user.name, details={"method": "oidc", "email": email})
        g.commit()
    return session


def _end(g: duckdb.DuckDBPyConnection, actor: User | str, token_hash: str, reason: str, now: datetime) -> None:
    g.execute("UPDATE sessions SET ended_at = ?, end_reason = ? WHERE token_hash = ?", [now, reason, token_hash])
    audit.record(g, actor, "logout" if reason == "logout" else "session.end", outcome="ok" if reason == "logout"
                 else reason, details={"reason": reason})


def validate_session(ws: Workspace, token: str, *, now: datetime | None = None) -> User:
    """The user behind a session token, checked on every request (from memory while no process has written users
    or sessions since; see :mod:`sandbox.readcache`).

    Raises NotAuthenticated when the session is unknown, ended, expired, idle for too long, or when its
    user was disabled or removed since signing in.
    """
    now, cfg, hashed = _now(now), ws.settings.access, _token_hash(token or "")
    key = ("session", hashed)
    # most requests only read, and from memory: a write to users or sessions anywhere renews the identity stamp
    row = readcache.cached(ws, key, lambda g: g.execute(_SESSION_ROW, [hashed]).fetchone(), group="identity")
    if row is None or row[3] is not None:
        raise NotAuthenticated("you are not signed in; sign in again", code="session.none")
    problem = _session_problem(row, now, cfg)
    if problem is None and now - row[2] <= timedelta(seconds=60):
        return User(name=row[0], role=row[4], seat=row[5])
    # The session ends (wait for the store), or its last request is recorded: at once when the store is free, else
    # at a later request, unless half the idle time has gone by unrecorded (then wait).
    wait = problem is not None or now - row[2] > timedelta(minutes=cfg.idle_minutes / 2)
    try:
        return _check_and_record(ws, hashed, key, now, cfg, wait=wait)
    except WorkspaceBusy:
        if wait:
            raise
        return User(name=row[0], role=row[4], seat=row[5])


def _check_and_record(ws: Workspace, hashed: str, key: tuple[str, str], now: datetime, cfg: Any, *,
                      wait: bool) -> User:
    """Read the session again under the store's lock; end it when it no longer signs its user in, else record
    ``now`` as its last request."""
    with ws.governance(wait=wait) as g:
        row = g.execute(_SESSION_ROW, [hashed]).fetchone()
        if row is None or row[3] is not None:
            raise NotAuthenticated("you are not signed in; sign in again", code="session.none")
        name, expires, last_seen, _, role, seat, disabled = row
        problem = _session_problem(row, now, cfg)
        if problem is not None:
            _end(g, name, hashed, problem[0], now)
            raise NotAuthenticated(problem[1], code=f"session.{problem[0]}", minutes=cfg.idle_minutes)
        if now - last_seen > timedelta(seconds=60):
            # The last request's time keeps other processes' cached rows: theirs is only ever older, so at worst
            # they come here a minute early, where the row is read again before anything is decided.
            readcache.unwatched(g, "UPDATE sessions SET last_seen = ? WHERE token_hash = ?", [now, hashed])
            row = (*row[:2], now, *row[3:])
        readcache.keep(ws.home, readcache.version(ws.home, "identity"), key, row, "identity")
    return User(name=name, role=role, seat=seat)


_SESSION_ROW = ("SELECT s.name, s.expires_at, s.last_seen, s.ended_at, u.role, u.seat, u.disabled "
                "FROM sessions s LEFT JOIN users u ON u.name = s.name WHERE s.token_hash = ?")


def _session_problem(row: tuple, now: datetime, cfg: Any) -> tuple[str, str] | None:
    """Why a stored session no longer signs its user in (the reason recorded, the message), or None."""
    _, expires, last_seen, _, role, _, disabled = row
    if role is None or disabled:
        return "disabled", "this account is disabled; ask an admin"
    if now >= expires:
        return "expired", "your session has expired; sign in again"
    if now - last_seen > timedelta(minutes=cfg.idle_minutes):
        return "idle", f"signed out after {cfg.idle_minutes:g} minutes without activity; sign in again"
    return None


def end_session(ws: Workspace, token: str, *, now: datetime | None = None) -> None:
    """Sign out: the token stops working at once (unknown or ended tokens are ignored)."""
    hashed = _token_hash(token or "")
    with ws.governance() as g:
        row = g.execute("SELECT name FROM sessions WHERE token_hash = ? AND ended_at IS NULL", [hashed]).fetchone()
        if row is not None:
            g.begin()
            _end(g, row[0], hashed, "logout", _now(now))
            g.commit()


def notify_recipients(g: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    """Who hears about ``name``'s exports: their manager, else every enabled admin, else 'admin'."""
    row = g.execute("SELECT m.name FROM users u JOIN users m ON m.name = u.manager "
                    "WHERE u.name = ? AND NOT coalesce(m.disabled, false)", [name]).fetchone()
    if row:
        return [row[0]]
    admins = [r[0] for r in g.execute("SELECT name FROM users WHERE role = 'admin' AND NOT coalesce(disabled, false) "
                                      "ORDER BY name").fetchall()]
    return admins or ["admin"]


def demo_password(name: str) -> str:
    """The known password of a demo user."""
    return f"{name}-sandbox-demo"


def create_demo_users(ws: Workspace, operator: User) -> dict[str, str]:
    """Register the demo people (admin, steward, marketer, data scientist, a council member per seat).

    Works on a workspace without users (bootstrapping, like the first admin), or for an admin; returns
    ``{name: password}`` of the users created (empty when the workspace has users and the operator is no admin).
    """
    hashed = {name: _hash_password(ws, demo_password(name)) for name, *_ in DEMO_USERS}
    with ws.governance() as g:
        existing = {r[0] for r in g.execute("SELECT name FROM users").fetchall()}
        if existing and not operator.can("users.manage"):
            return {}
        g.begin()
        created = {}
        for name, role, seat, manager in DEMO_USERS:
            if name not in existing:
                _insert(g, operator, "users.add", name, role, seat, hashed[name], manager, None, demo=True)
                created[name] = demo_password(name)
        g.commit()
    return created
