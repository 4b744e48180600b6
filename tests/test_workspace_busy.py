"""A governance store held by another process (a DuckDB shell, a notebook): commands wait, retry, then say who
holds it in one line (issue 18.4)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import yaml
from typer.testing import CliRunner

from sandbox.cli import app
from tests.access_support import World
from tests.helpers_login import cli_login

HOLD = ("import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
        "time.sleep(float(sys.argv[2]))")


def _hold(world: World, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(world.ws.governance_path), str(seconds)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def _timeout(world: World, seconds: float) -> None:
    path = world.ws.home / "settings.yaml"
    data = yaml.safe_load(path.read_text()) or {}
    path.write_text(yaml.safe_dump({**data, "lock_timeout_s": seconds}))


@pytest.fixture()
def signed_in(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("SANDBOX_HOME", str(world.ws.home))
    cli_login(world.ws, "stella", "steward")
    return world


def test_a_held_store_gives_one_line_naming_the_holder(signed_in: World):
    _timeout(signed_in, 1.0)
    holder = _hold(signed_in, 30)
    try:
        started = time.monotonic()
        result = CliRunner().invoke(app, ["datasets"])
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stdout + result.stderr, result.stderr
    assert f"the workspace is busy: process {holder.pid}" in lines[0] and "governance.duckdb" in lines[0]
    assert 1.0 <= waited < 10


def test_a_store_released_within_the_timeout_is_waited_for(signed_in: World):
    _timeout(signed_in, 20.0)
    holder = _hold(signed_in, 1.5)
    try:
        result = CliRunner().invoke(app, ["datasets", "--json"])
    finally:
        holder.wait()
    assert result.exit_code == 0, result.stderr
    assert signed_in.dataset in result.stdout
