"""The governance store under load (issue 18.5): readers share it, writers go first, and what pages re-read is
answered from memory only until a write (in any process) changes the tables it comes from."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from sandbox import readcache
from sandbox.errors import UnknownObject, WorkspaceBusy
from sandbox.lab.data import readable
from sandbox.release.datasets import get, list_datasets
from sandbox.workspace import Workspace
from tests.access_support import STEWARD, World
from tests.helpers_login import ensure_user


def test_only_statements_that_write_a_watched_table_count_as_changes():
    assert readcache.writes_watched("UPDATE datasets SET status = 'withdrawn' WHERE id = ?")
    assert readcache.writes_watched("  insert into catalogs values (?, ?)")
    assert readcache.writes_watched("DELETE FROM seals WHERE dataset = ?")
    assert not readcache.writes_watched("SELECT report FROM datasets WHERE id = ?")
    assert not readcache.writes_watched("WITH d AS (SELECT * FROM datasets) SELECT count(*) FROM d")
    assert not readcache.writes_watched("INSERT INTO audit VALUES (?, ?, ?)")
    assert not readcache.writes_watched("UPDATE sessions SET last_seen = ? WHERE token_hash = ?")


def test_an_audit_write_keeps_the_stamp_and_a_dataset_change_renews_it(world: World):
    home = world.ws.home
    with world.ws.governance() as g:
        g.execute("SELECT 1").fetchone()
    before = readcache.read_stamp(home)
    assert before is not None
    marketer = ensure_user(world.ws, "mira", "marketer")
    readable(world.ws, marketer, world.dataset)
    from sandbox.lab.data import record

    record(world.ws, marketer, world.dataset, {"kind": "test"})  # one audit event: nothing cached changed
    assert readcache.read_stamp(home) == before
    with world.ws.governance() as g:
        g.execute("UPDATE datasets SET status = 'withdrawn' WHERE id = ?", [world.dataset])
    assert readcache.read_stamp(home) != before


def test_a_dataset_withdrawn_by_another_process_is_gone_from_this_one_at_once(world: World):
    marketer = ensure_user(world.ws, "mira", "marketer")
    assert get(world.ws, marketer, world.dataset).status == "published"  # now cached here
    assert [d.id for d in list_datasets(world.ws, marketer)] == [world.dataset]
    readable(world.ws, marketer, world.dataset)
    script = ("import sys; from pathlib import Path; from sandbox.workspace import Workspace\n"
              "with Workspace(Path(sys.argv[1])).governance() as g:\n"
              "    g.execute(\"UPDATE datasets SET status = 'withdrawn' WHERE id = ?\", [sys.argv[2]])\n")
    subprocess.run([sys.executable, "-c", script, str(world.ws.home), world.dataset], check=True)
    with pytest.raises(UnknownObject):
        get(world.ws, marketer, world.dataset)
    assert list_datasets(world.ws, marketer) == []
    with pytest.raises(UnknownObject, match="not published"):
        readable(world.ws, marketer, world.dataset)
    assert get(world.ws, STEWARD, world.dataset).status == "withdrawn"


def test_readers_share_the_store_and_a_waiting_writer_goes_before_new_readers(world: World):
    ws = world.ws
    with ws.governance() as g:  # the schema is known to this process: readers open read-only from here on
        g.execute("SELECT 1").fetchone()
    first_in, release, order = threading.Event(), threading.Event(), []

    def reader(name: str, hold: threading.Event | None) -> None:
        with ws.governance(read_only=True) as g:
            order.append(name)
            assert g.execute("SELECT count(*) FROM datasets").fetchone()[0] >= 1
            if hold is not None:
                first_in.set()
                hold.wait(10)

    def writer() -> None:
        with ws.governance() as g:
            order.append("writer")
            g.execute("SELECT 1").fetchone()

    holder = threading.Thread(target=reader, args=("reader 1", release))
    holder.start()
    assert first_in.wait(10)
    second = threading.Thread(target=reader, args=("reader 2", None))
    second.start()
    second.join(10)
    assert order == ["reader 1", "reader 2"]  # two readers at once: the second did not wait for the first
    waiting_writer = threading.Thread(target=writer)
    waiting_writer.start()
    time.sleep(0.3)  # the writer now waits for reader 1, holding the gate
    late = threading.Thread(target=reader, args=("reader 3", None))
    late.start()
    time.sleep(0.3)
    assert order == ["reader 1", "reader 2"]  # neither the writer nor the late reader got in
    release.set()
    for t in (holder, waiting_writer, late):
        t.join(10)
    assert order == ["reader 1", "reader 2", "writer", "reader 3"]


def test_a_writer_kept_out_by_a_reader_says_the_store_is_busy(world: World):
    settings = world.ws.home / "settings.yaml"
    settings.write_text(settings.read_text() + "lock_timeout_s: 0.5\n")
    ws = Workspace(world.ws.home)
    with ws.governance() as g:
        g.execute("SELECT 1").fetchone()
    with ws.governance(read_only=True), pytest.raises(WorkspaceBusy, match="busy"), ws.governance():
        pass


def test_a_hand_edit_of_the_store_from_a_duckdb_shell_is_seen_at_once_and_after_the_next_write(world: World):
    """A DuckDB shell (no sandbox, no stamp) withdraws a dataset: nothing cached before it is answered again, neither
    at once nor after the next ordinary sandbox write (which renews the stamp)."""
    marketer = ensure_user(world.ws, "mira", "marketer")
    assert get(world.ws, marketer, world.dataset).status == "published"  # cached
    script = ("import duckdb, sys\n"
              "con = duckdb.connect(sys.argv[1])\n"
              "con.execute(\"UPDATE datasets SET status = 'withdrawn' WHERE id = ?\", [sys.argv[2]])\n"
              "con.close()\n")
    subprocess.run([sys.executable, "-c", script, str(world.ws.governance_path), world.dataset], check=True)
    assert readcache.foreign_write(world.ws.home)
    with pytest.raises(UnknownObject):
        get(world.ws, marketer, world.dataset)
    with world.ws.governance() as g:  # an ordinary write that touches no watched table (an audit-like one)
        g.execute("SELECT 1").fetchone()
    assert not readcache.foreign_write(world.ws.home)
    with pytest.raises(UnknownObject):
        get(world.ws, marketer, world.dataset)
    assert list_datasets(world.ws, marketer) == []


def test_threads_asking_for_the_same_answer_at_once_open_the_store_once(tmp_path):
    ws = Workspace(tmp_path / "ws")
    with ws.governance() as g:
        g.execute("SELECT 1").fetchone()
    loads: list[int] = []
    start = threading.Barrier(8)

    def load(g) -> int:
        loads.append(1)
        time.sleep(0.2)  # a slow reading: the others arrive meanwhile
        return int(g.execute("SELECT count(*) FROM datasets").fetchone()[0])

    answers: list[int] = []

    def ask() -> None:
        start.wait()
        answers.append(readcache.cached(ws, ("count", "datasets"), load))

    pool = [threading.Thread(target=ask) for _ in range(8)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(30)
    assert answers == [0] * 8 and len(loads) == 1
