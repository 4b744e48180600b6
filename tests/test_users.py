"""Users, passwords and sessions: Argon2 hashes, lockout, expiry, and disabling that bites on the next request."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from sandbox.errors import AccessDenied, InputError, NotAuthenticated
from sandbox.governance.access import User
from sandbox.governance.identity import cli_user
from sandbox.governance.users import (
    DEMO_USERS,
    add_user,
    authenticate,
    create_demo_users,
    demo_password,
    disable_user,
    enable_user,
    end_session,
    list_users,
    login_oidc,
    set_password,
    set_role,
    validate_session,
)
from sandbox.workspace import Workspace
from tests.access_support import write_settings

ADMIN = User(name="ada", role="admin")
OPERATOR = User(name="steward", role="steward")
T0 = datetime(2025, 3, 1, 9, 0, 0)
PASSWORD = "correct horse battery"


@pytest.fixture()
def workspace(tmp_path) -> Workspace:
    """An empty workspace with cheap password hashing (the cost profile is not what these tests check)."""
    return write_settings(Workspace(tmp_path / "ws"), access={"argon2_profile": "CHEAPEST"})


@pytest.fixture()
def ws(workspace: Workspace) -> Workspace:
    """A workspace with an admin and a marketer."""
    add_user(workspace, OPERATOR, "ada", "admin", password="ada-password-1")
    add_user(workspace, ADMIN, "mark", "marketer", password=PASSWORD, manager="ada")
    return workspace


def _events(ws: Workspace, action: str) -> list[tuple]:
    with ws.governance() as g:
        return g.execute("SELECT actor, object, outcome, details FROM audit WHERE action = ? ORDER BY seq",
                         [action]).fetchall()


def _stored_hash(ws: Workspace, name: str) -> str:
    with ws.governance() as g:
        return g.execute("SELECT password_hash FROM users WHERE name = ?", [name]).fetchone()[0]


def test_passwords_are_stored_as_argon2id_hashes_with_the_default_cost(tmp_path):
    ws = Workspace(tmp_path / "default-cost")
    add_user(ws, OPERATOR, "ada", "admin", password=PASSWORD)
    with ws.governance() as g:
        dump = str(g.execute("SELECT * FROM users").fetchall()) + str(g.execute("SELECT * FROM audit").fetchall())
    assert _stored_hash(ws, "ada").startswith("$argon2id$v=19$m=65536,t=3,p=4$")  # RFC 9106 low-memory
    assert PASSWORD not in dump


def test_a_stronger_cost_profile_applies_at_the_next_sign_in(ws: Workspace):
    assert _stored_hash(ws, "mark").startswith("$argon2id$v=19$m=8,t=1,p=1$")
    stronger = write_settings(ws, access={"argon2_profile": "RFC_9106_LOW_MEMORY"})
    authenticate(stronger, "mark", PASSWORD)
    assert _stored_hash(ws, "mark").startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert authenticate(stronger, "mark", PASSWORD).user.name == "mark"


def test_sign_in_with_the_right_password_only(ws: Workspace):
    session = authenticate(ws, "Mark", PASSWORD)
    assert session.user == User(name="mark", role="marketer")
    with pytest.raises(NotAuthenticated, match="wrong name or password"):
        authenticate(ws, "mark", PASSWORD + "!")
    with pytest.raises(NotAuthenticated, match="wrong name or password"):  # same words for an unknown name
        authenticate(ws, "nobody", PASSWORD)
    assert [(e[0], e[2]) for e in _events(ws, "login")] == [("mark", "ok"), ("mark", "failed"), ("nobody", "failed")]


def test_too_many_failures_lock_the_account_for_a_while(ws: Workspace):
    for i in range(4):
        with pytest.raises(NotAuthenticated, match="wrong name or password$"):
            authenticate(ws, "mark", "guess-number-" + str(i), now=T0)
    with pytest.raises(NotAuthenticated, match="locked for 15 minutes"):
        authenticate(ws, "mark", "guess-number-5", now=T0)
    with pytest.raises(NotAuthenticated, match="locked until 09:15"):  # even the right password
        authenticate(ws, "mark", PASSWORD, now=T0 + timedelta(minutes=14))
    assert authenticate(ws, "mark", PASSWORD, now=T0 + timedelta(minutes=16)).user.name == "mark"
    assert [e[2] for e in _events(ws, "login")] == ["failed"] * 4 + ["locked", "locked", "ok"]


def test_a_success_resets_the_failure_count(ws: Workspace):
    for _ in range(4):
        with pytest.raises(NotAuthenticated):
            authenticate(ws, "mark", "wrong-password", now=T0)
    authenticate(ws, "mark", PASSWORD, now=T0)
    for _ in range(4):
        with pytest.raises(NotAuthenticated, match="password$"):
            authenticate(ws, "mark", "wrong-password", now=T0)


def test_sessions_expire_after_their_lifetime_and_after_idling(ws: Workspace):
    token = authenticate(ws, "mark", PASSWORD, now=T0).token
    for minutes in (55, 110, 165, 220, 275, 330, 385, 440, 479):  # active all day: fine until 8 hours
        assert validate_session(ws, token, now=T0 + timedelta(minutes=minutes)).name == "mark"
    with pytest.raises(NotAuthenticated, match="expired"):
        validate_session(ws, token, now=T0 + timedelta(hours=8, minutes=1))
    idle = authenticate(ws, "mark", PASSWORD, now=T0).token
    with pytest.raises(NotAuthenticated, match="60 minutes without activity"):
        validate_session(ws, idle, now=T0 + timedelta(minutes=61))
    with pytest.raises(NotAuthenticated):  # an ended session stays ended
        validate_session(ws, idle, now=T0 + timedelta(minutes=62))


def test_disabling_takes_effect_on_the_next_request(ws: Workspace):
    token = authenticate(ws, "mark", PASSWORD).token
    assert validate_session(ws, token).role == "marketer"
    disable_user(ws, ADMIN, "mark")
    with pytest.raises(NotAuthenticated, match="disabled"):
        validate_session(ws, token)
    with pytest.raises(NotAuthenticated, match="disabled"):
        authenticate(ws, "mark", PASSWORD)
    enable_user(ws, ADMIN, "mark")
    with pytest.raises(NotAuthenticated):  # the old session does not come back
        validate_session(ws, token)
    assert validate_session(ws, authenticate(ws, "mark", PASSWORD).token).name == "mark"


def test_a_new_role_applies_on_the_next_request(ws: Workspace):
    token = authenticate(ws, "mark", PASSWORD).token
    set_role(ws, ADMIN, "mark", "council", "security")
    assert validate_session(ws, token) == User(name="mark", role="council", seat="security")
    with pytest.raises(InputError, match="seat"):
        set_role(ws, ADMIN, "mark", "council")


def test_signing_out_ends_the_session(ws: Workspace):
    token = authenticate(ws, "mark", PASSWORD).token
    end_session(ws, token)
    with pytest.raises(NotAuthenticated):
        validate_session(ws, token)
    assert _events(ws, "logout")[0][:2] == ("mark", "")


def test_only_admins_manage_users_and_the_first_admin_bootstraps(workspace: Workspace):
    with pytest.raises(AccessDenied):  # on an empty table, only an admin may be added by a non-admin
        add_user(workspace, OPERATOR, "mark", "marketer", password=PASSWORD)
    add_user(workspace, OPERATOR, "ada", "admin", password=PASSWORD)
    with pytest.raises(AccessDenied):  # ... and only once
        add_user(workspace, OPERATOR, "eve", "admin", password=PASSWORD)
    with pytest.raises(AccessDenied):
        list_users(workspace, OPERATOR)
    assert [e[:3] for e in _events(workspace, "users.bootstrap")] == [("steward", "ada", "ok")]
    assert [e[2] for e in _events(workspace, "users.add")] == ["denied", "denied"]


def test_the_last_admin_stays(ws: Workspace):
    with pytest.raises(InputError, match="last enabled admin"):
        disable_user(ws, ADMIN, "ada")
    with pytest.raises(InputError, match="last enabled admin"):
        set_role(ws, ADMIN, "ada", "marketer")


def test_bad_input_is_refused_with_a_reason(ws: Workspace):
    with pytest.raises(InputError, match="at least 10"):
        add_user(ws, ADMIN, "tim", "marketer", password="short")
    with pytest.raises(InputError, match="unknown role"):
        add_user(ws, ADMIN, "tim", "boss", password=PASSWORD)
    with pytest.raises(InputError, match="exists already"):
        add_user(ws, ADMIN, "mark", "marketer", password=PASSWORD)


def test_a_user_may_change_only_their_own_password(ws: Workspace):
    add_user(ws, ADMIN, "dana", "data_scientist", password=PASSWORD)
    mark = User(name="mark", role="marketer")
    set_password(ws, mark, "mark", "a new long password")
    assert authenticate(ws, "mark", "a new long password").user.name == "mark"
    with pytest.raises(AccessDenied):
        set_password(ws, mark, "dana", "taken over now")


def test_single_sign_on_maps_the_email_to_a_user(ws: Workspace):
    add_user(ws, ADMIN, "olga", "data_scientist", email="Olga@Example.com")
    session = login_oidc(ws, "olga@example.com")
    assert validate_session(ws, session.token) == User(name="olga", role="data_scientist")
    with pytest.raises(NotAuthenticated, match="ask an admin"):
        login_oidc(ws, "stranger@example.com")
    with pytest.raises(NotAuthenticated):  # no password: sign-in only by single sign-on
        authenticate(ws, "olga", "")
    with pytest.raises(InputError, match="already signs in as olga"):
        add_user(ws, ADMIN, "impostor", "admin", email="olga@example.com")


def test_demo_users_are_created_once_with_known_passwords(workspace: Workspace):
    created = create_demo_users(workspace, OPERATOR)
    assert sorted(created) == sorted(name for name, *_ in DEMO_USERS)
    seats = {r.name: (r.role, r.seat, r.manager) for r in list_users(workspace, ADMIN)}
    assert seats["selma"] == ("council", "security", None) and seats["mark"] == ("marketer", None, "mia")
    assert authenticate(workspace, "mark", demo_password("mark")).user.role == "marketer"
    assert create_demo_users(workspace, OPERATOR) == {}


def test_the_command_line_acts_with_the_stored_role(ws: Workspace, monkeypatch: pytest.MonkeyPatch):
    from sandbox.governance.identity import login

    monkeypatch.setenv("SANDBOX_USER", "mark")
    monkeypatch.setenv("SANDBOX_ROLE", "steward")
    assert login(ws, "mark", PASSWORD) == User(name="mark", role="marketer")
    assert cli_user(ws) == User(name="mark", role="marketer")  # the stored role, not SANDBOX_ROLE
    disable_user(ws, ADMIN, "mark")
    with pytest.raises(NotAuthenticated, match="disabled"):
        cli_user(ws)
    monkeypatch.setenv("SANDBOX_USER", "local-operator")  # an unregistered name is nobody, not a steward
    with pytest.raises(NotAuthenticated, match="sandbox login"):
        cli_user(ws)
