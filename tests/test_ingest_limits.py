"""Ingest within bounded memory: DuckDB's limit, its private spill folder, and clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from sandbox.errors import InputError
from sandbox.vault.ingest import MEMORY_LIMIT_ENV, SPILL_PREFIX, connect, ingest
from sandbox.workspace import Workspace
from tests.conftest import STEWARD


def _csv(path: Path, rows: int) -> Path:
    path.write_text("customer_id,email,amount\n" + "".join(f"C{i:07d},user{i}@mail.ru,{i % 977}\n"
                                                          for i in range(rows)))
    return path


def test_connection_is_bounded_and_spills_outside_the_workspace(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "300MB")
    con, spill = connect()
    try:
        limit, temp = con.execute("SELECT current_setting('memory_limit'), current_setting('temp_directory')"
                                  ).fetchone()
        assert limit == "286.1 MiB"  # 300 MB as DuckDB shows it
        assert Path(temp) == spill and spill.parent == Path(tempfile.gettempdir())
        assert spill.stat().st_mode & 0o777 == 0o700
    finally:
        con.close()
        spill.rmdir()


def test_bad_or_too_small_memory_limit_says_what_to_set(workspace: Workspace, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch):
    path = _csv(tmp_path / "customers.csv", 200_000)
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "lots")
    with pytest.raises(InputError, match=rf"{MEMORY_LIMIT_ENV}='lots' is not a valid DuckDB memory limit"):
        ingest(workspace, STEWARD, [path], "crm", accept_proposed=True)
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "2MB")
    with pytest.raises(InputError, match=rf"more memory than DuckDB was given; set {MEMORY_LIMIT_ENV} higher"):
        ingest(workspace, STEWARD, [path], "crm", accept_proposed=True)
    assert not list((workspace.home / "vault").iterdir())


def test_spill_folders_of_killed_ingests_are_swept(workspace: Workspace, tmp_path: Path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = Path(tempfile.mkdtemp(prefix=f"{SPILL_PREFIX}{int(dead.stdout)}-"))
    (left / "duckdb_temp_block.bin").write_text("user7@mail.ru")
    # only this process's folders: another test worker may be ingesting at the same moment
    own = f"{SPILL_PREFIX}{os.getpid()}-*"
    before = list(Path(tempfile.gettempdir()).glob(own))
    ingest(workspace, STEWARD, [_csv(tmp_path / "customers.csv", 500)], "crm", accept_proposed=True)
    assert not left.exists()
    assert not [p for p in Path(tempfile.gettempdir()).glob(own) if p not in before], \
        "the ingest's own spill folder is deleted when it ends"
