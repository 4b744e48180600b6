"""The command line acts only as a registered user once a workspace has users (issue 18.2)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.errors import NotAuthenticated
from sandbox.governance.access import User
from sandbox.governance.identity import cli_user, os_account
from sandbox.governance.users import add_user, list_users
from sandbox.workspace import Workspace

REPO = Path(__file__).resolve().parent.parent
ADA = User(name="ada", role="admin")


def run(args: list[str], home: Path, config: Path, stdin: str = "", **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("SANDBOX_USER", "SANDBOX_ROLE", "SANDBOX_SEAT")}
    return subprocess.run([sys.executable, "-m", "sandbox.cli", *args], capture_output=True, text=True, cwd=REPO,
                          input=stdin, timeout=120,
                          env={**base, "SANDBOX_HOME": str(home), "SANDBOX_CONFIG_DIR": str(config), **env})


def refused(done: subprocess.CompletedProcess) -> bool:
    return done.returncode == 1 and "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_environment_roles_raise_nobody_and_a_sign_in_is_needed(tmp_path: Path):
    home, config = tmp_path / "ws", tmp_path / "cfg"
    boot = run(["users", "add", "ada", "--role", "admin", "--password-stdin"], home, config, "ada-password-12345\n")
    assert boot.returncode == 0, boot.stderr  # the first admin bootstraps an empty workspace
    policy = tmp_path / "policy.yaml"
    policy.write_text("rules: []\n")
    ghost = {"SANDBOX_USER": "ghost", "SANDBOX_ROLE": "admin"}
    for args in (["users", "add", "evil", "--role", "steward", "--password-stdin"], ["users", "enable", "ada"],
                 ["policy", "set", str(policy)], ["audit", "export"], ["users", "list"]):
        done = run(args, home, config, "evil-password-12345\n", **ghost)
        assert refused(done), (args, done.stdout, done.stderr)
        assert "not signed in" in done.stderr and "sandbox login" in done.stderr
        assert done.stdout == ""
    nobody = run(["ingest", "/nonexistent.csv", "--source", "x"], home, config, SANDBOX_ROLE="steward")
    assert refused(nobody) and "not signed in" in nobody.stderr  # no name at all is no steward either
    ws = Workspace(home)
    assert [u.name for u in list_users(ws, ADA)] == ["ada"]

    wrong = run(["login", "ada", "--password-stdin"], home, config, "not-her-password\n")
    assert refused(wrong) and "wrong name or password" in wrong.stderr
    good = run(["login", "ada", "--password-stdin", "--json"], home, config, "ada-password-12345\n")
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["user"]["role"] == "admin"
    kept = config / "tokens.json"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert "ada-password-12345" not in kept.read_text() and str(home.resolve()) in json.loads(kept.read_text())
    added = run(["users", "add", "mark", "--role", "marketer", "--password-stdin"], home, config, "mark-pass-12345\n")
    assert added.returncode == 0, added.stderr
    me = run(["whoami", "--json"], home, config, SANDBOX_ROLE="steward")
    assert json.loads(me.stdout)["user"] == {"name": "ada", "role": "admin", "seat": None}
    other = run(["whoami"], home, config, SANDBOX_USER="mark")
    assert refused(other) and "signed in as ada" in other.stderr

    as_mark = run(["login", "mark", "--password-stdin"], home, config, "mark-pass-12345\n")
    assert as_mark.returncode == 0, as_mark.stderr
    denied = run(["users", "add", "evil", "--role", "steward", "--password-stdin"], home, config, "x-12345678901\n",
                 SANDBOX_ROLE="admin")
    assert refused(denied) and "mark (marketer) is not allowed" in denied.stderr
    out = run(["logout"], home, config)
    assert out.returncode == 0 and "signed out" in out.stdout
    after = run(["whoami"], home, config)
    assert refused(after) and "not signed in" in after.stderr
    assert [u.name for u in list_users(ws, ADA)] == ["ada", "mark"]


def test_the_operating_system_account_of_a_registered_user_is_trusted(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SANDBOX_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("SANDBOX_ROLE", "admin")
    monkeypatch.delenv("SANDBOX_USER", raising=False)
    ws = Workspace(tmp_path / "ws")
    assert cli_user(ws) == User(name=os_account(), role="admin")  # empty workspace: the operator owns the files
    add_user(ws, cli_user(ws), "ada", "admin", password="ada-password-12345")
    with pytest.raises(NotAuthenticated, match=f"the account '{os_account()}' is not signed in"):
        cli_user(ws)
    add_user(ws, ADA, os_account(), "data_scientist", password="os-password-12345")
    assert cli_user(ws) == User(name=os_account(), role="data_scientist")  # peer: the stored role, not the env's
    monkeypatch.setenv("USER", "ada")  # $USER is not the account: the uid decides
    monkeypatch.setenv("LOGNAME", "ada")
    assert cli_user(ws).name == os_account()
