"""Workspace rules: secret files, the key from the environment, locks that wait instead of crashing."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sandbox.errors import InputError, WorkspaceBusy
from sandbox.workspace import Workspace


def test_key_file_is_created_private_and_stable(tmp_path: Path):
    ws = Workspace(tmp_path / "ws")
    key = ws.pseudonym_key()
    path = ws.home / "secrets" / "pseudonym.key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert ws.pseudonym_key() == key and len(key) == 64


def test_key_from_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SANDBOX_PSEUDONYM_KEY", "from-env-secret")
    ws = Workspace(tmp_path / "ws")
    assert ws.pseudonym_key() == b"from-env-secret"
    assert not (ws.home / "secrets" / "pseudonym.key").exists()


def test_world_readable_key_file_is_refused(tmp_path: Path):
    ws = Workspace(tmp_path / "ws")
    ws.pseudonym_key()
    os.chmod(ws.home / "secrets" / "pseudonym.key", 0o644)
    with pytest.raises(InputError, match="chmod 600"):
        ws.pseudonym_key()


HOLDER = """
import sys, time
from pathlib import Path
from sandbox.workspace import Workspace
with Workspace(Path(sys.argv[1])).governance():
    print("holding", flush=True)
    time.sleep(1.5)
"""


def test_second_process_waits_for_the_governance_store(tmp_path: Path):
    home = tmp_path / "ws"
    Workspace(home)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(home)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    started = time.monotonic()
    with Workspace(home).governance() as g:  # waits, then works: no DuckDB lock error
        g.execute("SELECT 1").fetchone()
    assert time.monotonic() - started > 0.5
    assert holder.wait(timeout=30) == 0


def test_busy_store_gives_a_clear_error_after_the_timeout(tmp_path: Path):
    home = tmp_path / "ws"
    (home).mkdir()
    (home / "settings.yaml").write_text("lock_timeout_s: 0.3\n")
    ws = Workspace(home)
    with ws.lock("governance"), pytest.raises(WorkspaceBusy, match="busy"), Workspace(home).lock("governance"):
        pass


WRITER = """
import sys
from pathlib import Path
from sandbox.workspace import Workspace
print("asking", flush=True)
with Workspace(Path(sys.argv[1])).lock("governance"):
    print("got it", flush=True)
"""


def test_a_reader_asking_again_is_not_queued_behind_a_writer_that_waits_for_it(tmp_path: Path):
    """A thread reading the store that asks for it again (a cached answer's read inside a page's read) must not
    wait at the writers' gate: the writer there waits for this very thread, and both would sit out the timeout."""
    home = tmp_path / "ws"
    home.mkdir()
    (home / "settings.yaml").write_text("lock_timeout_s: 5\n")
    ws = Workspace(home)
    with ws.lock("governance", shared=True):
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(home)], stdout=subprocess.PIPE, text=True)
        assert writer.stdout is not None and writer.stdout.readline().strip() == "asking"
        deadline = time.monotonic() + 20
        while not _gate_taken(home) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _gate_taken(home), "the writer never reached the gate"
        with ws.lock("governance", shared=True), ws.lock("governance", shared=True):  # (was: WorkspaceBusy after 5 s)
            pass
    assert writer.stdout.readline().strip() == "got it" and writer.wait(timeout=30) == 0


def _gate_taken(home: Path) -> bool:
    """Whether another process holds the writers' gate of the governance lock."""
    with open(home / "locks" / "governance.intent", "a+b") as gate:
        try:
            fcntl.flock(gate, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(gate, fcntl.LOCK_UN)
        return False
