"""Who is signed in, answered from memory (issue 18, load): a page run or a notebook query checks its session
without opening the governance store while no process has written users or sessions since, and every such write
(another process, an admin, a DuckDB shell) is seen on the very next request."""

from __future__ import annotations

import collections
import contextlib
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from sandbox import readcache
from sandbox.errors import NotAuthenticated
from sandbox.governance.access import User
from sandbox.governance.users import add_user, authenticate, end_session, validate_session
from sandbox.workspace import Workspace
from tests.access_support import write_settings

ADMIN = User(name="ada", role="admin")
PASSWORD = "correct horse battery"


@pytest.fixture()
def ws(tmp_path) -> Workspace:
    ws = write_settings(Workspace(tmp_path / "ws"), access={"argon2_profile": "CHEAPEST"})
    add_user(ws, ADMIN, "ada", "admin", password=PASSWORD)
    add_user(ws, ADMIN, "mark", "marketer", password=PASSWORD)
    return ws


@pytest.fixture()
def openings(monkeypatch) -> collections.Counter[str]:
    """Every opening of the governance store from here on, by mode ("RO", "RW")."""
    counted: collections.Counter[str] = collections.Counter()
    original = Workspace.governance

    @contextlib.contextmanager
    def counting(self: Workspace, *, read_only: bool = False, wait: bool = True) -> Iterator:
        counted["RO" if read_only else "RW"] += 1
        with original(self, read_only=read_only, wait=wait) as g:
            yield g

    monkeypatch.setattr(Workspace, "governance", counting)
    return counted


def _in_another_process(ws: Workspace, code: str) -> None:
    script = ("import sys; from pathlib import Path; from sandbox.workspace import Workspace\n"
              "from sandbox.governance.access import User\n"
              "from sandbox.governance import users\n"
              "ws = Workspace(Path(sys.argv[1])); admin = User(name='ada', role='admin')\n" + code)
    subprocess.run([sys.executable, "-c", script, str(ws.home)], check=True)


def test_a_request_after_the_first_opens_nothing_until_someone_writes_users_or_sessions(ws, openings):
    token = authenticate(ws, "mark", PASSWORD).token
    assert validate_session(ws, token).role == "marketer"
    openings.clear()
    for _ in range(5):
        assert validate_session(ws, token).role == "marketer"
    assert openings == {}
    authenticate(ws, "ada", PASSWORD)  # someone else signs in: a new session is no answer anyone holds
    openings.clear()
    assert validate_session(ws, token).role == "marketer"
    assert openings == {}
    with ws.governance() as g:  # an audit-like write (no users, no sessions) keeps the answer
        g.execute("INSERT INTO meta VALUES ('note', 'x')")
    with ws.governance() as g:  # and a write to the release tables too: it has its own stamp
        g.execute("UPDATE datasets SET status = status")
    openings.clear()
    assert validate_session(ws, token).role == "marketer"
    assert openings == {}


@pytest.mark.parametrize("change, expected", [
    ("users.disable_user(ws, admin, 'mark')", "disabled"),
    ("users.set_role(ws, admin, 'mark', 'council', 'security')", "council"),
    ("users.set_password(ws, admin, 'ada', 'another long password'); users.disable_user(ws, admin, 'mark')",
     "disabled"),
])
def test_a_change_made_by_another_process_bites_on_the_next_request(ws, change, expected):
    token = authenticate(ws, "mark", PASSWORD).token
    assert validate_session(ws, token).role == "marketer"  # now in memory here
    _in_another_process(ws, change)
    if expected == "disabled":
        with pytest.raises(NotAuthenticated, match="disabled"):
            validate_session(ws, token)
    else:
        assert validate_session(ws, token) == User(name="mark", role="council", seat="security")


def test_a_session_ended_in_another_process_is_over_here_at_once(ws):
    token = authenticate(ws, "mark", PASSWORD).token
    assert validate_session(ws, token).name == "mark"
    _in_another_process(ws, f"users.end_session(ws, {token!r})")
    with pytest.raises(NotAuthenticated, match="not signed in"):
        validate_session(ws, token)


def test_a_user_disabled_from_a_duckdb_shell_is_out_on_the_next_request(ws):
    """No sandbox code, no stamp: the store's file changed behind the sandbox's back, so nothing is answered
    from memory until a sandbox writer has seen the change."""
    token = authenticate(ws, "mark", PASSWORD).token
    assert validate_session(ws, token).name == "mark"
    script = ("import duckdb, sys\ncon = duckdb.connect(sys.argv[1])\n"
              "con.execute(\"UPDATE users SET disabled = true WHERE name = 'mark'\")\ncon.close()\n")
    subprocess.run([sys.executable, "-c", script, str(ws.governance_path)], check=True)
    with pytest.raises(NotAuthenticated, match="disabled"):
        validate_session(ws, token)
    with ws.governance() as g:  # the next ordinary sandbox write renews the stamps: still out (and ended)
        g.execute("SELECT 1").fetchone()
    with pytest.raises(NotAuthenticated, match="not signed in"):
        validate_session(ws, token)


def test_the_last_request_time_is_written_once_a_minute_and_idle_sessions_still_end(ws, openings):
    t0 = datetime.now(UTC).replace(tzinfo=None)
    token = authenticate(ws, "mark", PASSWORD, now=t0).token
    validate_session(ws, token, now=t0)
    openings.clear()
    validate_session(ws, token, now=t0 + timedelta(seconds=30))
    assert openings == {}
    validate_session(ws, token, now=t0 + timedelta(seconds=61))  # records the request: one write
    assert openings == {"RW": 1}
    openings.clear()
    validate_session(ws, token, now=t0 + timedelta(seconds=90))  # this process knows what it wrote
    assert openings == {}
    with ws.governance(read_only=True) as g:
        (seen,) = g.execute("SELECT last_seen FROM sessions WHERE name = 'mark'").fetchone()
    assert seen == t0 + timedelta(seconds=61)
    idle = ws.settings.access.idle_minutes
    with pytest.raises(NotAuthenticated, match="without activity"):
        validate_session(ws, token, now=t0 + timedelta(seconds=61, minutes=idle + 1))
    with pytest.raises(NotAuthenticated):  # ended in the store, and so for everyone
        validate_session(ws, token, now=t0 + timedelta(seconds=62))


def test_the_last_request_time_keeps_other_processes_answers_but_a_sign_out_drops_them(ws):
    token = authenticate(ws, "mark", PASSWORD).token
    other = authenticate(ws, "ada", PASSWORD).token
    validate_session(ws, token)
    before = readcache.read_stamp(ws.home, "identity")
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(minutes=2)
    validate_session(ws, other, now=later)  # writes ada's last request time
    assert readcache.read_stamp(ws.home, "identity") == before
    end_session(ws, other)
    assert readcache.read_stamp(ws.home, "identity") != before
    assert validate_session(ws, token).name == "mark"
