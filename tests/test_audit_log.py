"""audit.log: an event is on disk in the spool before the call returns; it goes into the chain at once when the
store is free, else the process's background writer puts it there as soon as the store is free, with what other
threads and processes logged meanwhile (group commit); a busy store keeps nobody waiting, readers of the log see
every event logged before they asked, and a killed process's events are written by the next writer."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from sandbox.governance import audit
from sandbox.governance.access import User
from sandbox.workspace import Workspace

ANA = User(name="ana", role="marketer")
ADMIN = User(name="ada", role="admin")
REPO = Path(__file__).resolve().parent.parent


class CountingWorkspace(Workspace):
    """The real workspace, counting how often its governance store is opened read-write."""

    openings = 0

    @contextlib.contextmanager
    def governance(self, *, read_only: bool = False, wait: bool = True) -> Iterator:
        if not read_only:
            type(self).openings += 1
        with super().governance(read_only=read_only, wait=wait) as g:
            yield g


def _log_together(ws: Workspace, threads: int, each: int) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def work(i: int) -> None:
        start.wait()
        for j in range(each):
            try:
                audit.log(ws, ANA, "lab.query", f"ds-{i}", details={"thread": i, "n": j})
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in pool), "a logging thread hangs"
    return errors


def _rows_after(ws: Workspace, first: int) -> list[tuple]:
    with ws.governance() as g:
        assert audit.verify(g).ok
        return g.execute("SELECT seq, actor, action, details->>'thread', details->>'n' FROM audit WHERE seq > ? "
                         "ORDER BY seq", [first]).fetchall()


def _last_seq(ws: Workspace) -> int:
    with ws.governance() as g:
        return g.execute("SELECT coalesce(max(seq), 0) FROM audit").fetchone()[0]


def test_a_call_on_a_free_store_writes_its_event_before_it_returns(tmp_path: Path):
    ws = Workspace(tmp_path / "ws")
    audit.log(ws, ANA, "dataset.view", "ds-0")
    rows = _rows_after(ws, 0)
    assert [(r[1], r[2]) for r in rows] == [("ana", "dataset.view")]
    assert not list((ws.home / "locks" / audit.SPOOL).iterdir())  # nothing left in the spool


def test_concurrent_events_share_openings_and_keep_the_chain(tmp_path: Path):
    ws = CountingWorkspace(tmp_path / "ws")
    audit.log(ws, ANA, "dataset.view", "ds-0")
    first = _last_seq(ws)
    CountingWorkspace.openings = 0
    assert _log_together(ws, threads=12, each=5) == []
    audit.flush(ws)  # (what the background writer had not written yet)
    rows = _rows_after(ws, first)
    assert [r[0] for r in rows] == list(range(first + 1, first + 61))  # every event, none lost or doubled
    assert {(int(t), int(n)) for *_, t, n in rows} == {(i, j) for i in range(12) for j in range(5)}
    assert CountingWorkspace.openings < 60  # grouped: fewer openings of the store than events


def test_a_busy_store_keeps_nobody_waiting_and_the_events_follow_when_it_is_free(tmp_path: Path):
    ws = Workspace(tmp_path / "ws")
    audit.log(ws, ANA, "dataset.view", "ds-0")
    first = _last_seq(ws)
    spool = ws.home / "locks" / audit.SPOOL
    with ws.lock("governance"):  # another writer holds the store
        assert _log_together(ws, threads=6, each=2) == []  # every call returned while it was held
        assert len(list(spool.glob("*.event"))) == 12  # and its event is on disk
    deadline = time.monotonic() + 60  # the background writer takes them once the store is free
    while list(spool.glob("*.event")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not list(spool.glob("*.event"))
    rows = _rows_after(ws, first)
    assert len(rows) == 12 and {r[2] for r in rows} == {"lab.query"}


def test_a_reader_of_the_log_sees_every_event_logged_before_it_asked(tmp_path: Path):
    from sandbox.governance.users import add_user

    ws = Workspace(tmp_path / "ws")
    add_user(ws, ADMIN, "ada", "admin", password="correct horse battery")
    with ws.lock("governance"):
        audit.log(ws, ANA, "dataset.view", "while-busy")  # spooled; whoever gets the store first writes it
    seen = audit.events(ws, ADMIN, audit.AuditFilter(object="while-busy"))
    assert [(e["actor"], e["action"]) for e in seen] == [("ana", "dataset.view")]
    assert audit.check_log(ws, ADMIN).ok


def test_an_event_that_cannot_be_written_fails_only_its_caller(tmp_path: Path):
    ws = Workspace(tmp_path / "ws")
    audit.log(ws, ANA, "lab.query", "ds", details={"ok": True})
    try:
        audit.log(ws, ANA, "lab.query", object())  # type: ignore[arg-type]  # not text
    except Exception as exc:  # noqa: BLE001
        assert "could not be written" in str(exc) and "\n" not in str(exc)
    else:
        raise AssertionError("an object that is not text was logged")
    audit.log(ws, ANA, "lab.query", "ds", details={"ok": True})
    assert [r[2] for r in _rows_after(ws, 0)] == ["lab.query", "lab.query"]


READER = """
import atexit, contextlib, sys, time
from sandbox.governance import audit
from sandbox.governance.access import User
from sandbox.workspace import Workspace

class Counting(Workspace):
    openings = 0

    @contextlib.contextmanager
    def governance(self, **kw):
        type(self).openings += 1
        with super().governance(**kw) as g:
            yield g

atexit.register(lambda: print(Counting.openings, flush=True))  # runs after the audit's own flush at exit
started = time.monotonic()
audit.log(Counting(sys.argv[1]), User(name=sys.argv[2], role="data_scientist"), "dataset.query", "ds-1",
          details={"query": "SELECT count(*) FROM customers", "via": sys.argv[2]})
print("returned", flush=True)
if len(sys.argv) > 3:
    time.sleep(600)  # killed here
"""


def test_processes_logging_while_the_store_is_busy_are_written_by_one_opening(tmp_path: Path):
    ws = Workspace(tmp_path / "ws")
    audit.log(ws, ANA, "dataset.view", "ds-0")
    first = _last_seq(ws)
    spool = ws.home / "locks" / audit.SPOOL
    with ws.lock("governance"):  # a writer holds the store while three notebook processes log a query each
        procs = [subprocess.Popen([sys.executable, "-c", READER, str(ws.home), f"dana{i}"], stdout=subprocess.PIPE,
                                  text=True, cwd=REPO) for i in range(3)]
        for proc in procs:  # each call returned at once, the store still held
            assert proc.stdout is not None and proc.stdout.readline().strip() == "returned"
        assert len(list(spool.glob("*.event"))) == 3
    outputs = [p.communicate(timeout=60)[0].split() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert sum(int(o[-1]) for o in outputs) == 1  # the first to get the store wrote all three; the others none
    assert not list(spool.iterdir())  # nothing left behind: no event, no temporary file
    assert sorted(r[1] for r in _rows_after(ws, first)) == ["dana0", "dana1", "dana2"]


def test_a_killed_process_s_event_is_written_by_the_next_writer(tmp_path: Path):
    ws = Workspace(tmp_path / "ws")
    audit.log(ws, ANA, "dataset.view", "ds-0")
    first = _last_seq(ws)
    with ws.lock("governance"):
        proc = subprocess.Popen([sys.executable, "-c", READER, str(ws.home), "killed", "stay"], stdout=subprocess.PIPE,
                                text=True, cwd=REPO)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "returned"
        os.kill(proc.pid, signal.SIGKILL)  # before the store was free: its background writer never got in
        proc.wait(timeout=30)
    audit.log(ws, ANA, "dataset.view", "ds-1")
    rows = _rows_after(ws, first)
    assert [(r[1], r[2]) for r in rows] == [("killed", "dataset.query"), ("ana", "dataset.view")]


def test_a_long_backlog_makes_the_caller_wait_and_write_it(tmp_path: Path, monkeypatch):
    """The spool is no place to pile up events: past ``BACKLOG`` a caller waits for the store, as a writer would."""
    monkeypatch.setattr(audit, "BACKLOG", 5)
    ws = Workspace(tmp_path / "ws")
    audit.log(ws, ANA, "dataset.view", "ds-0")
    first = _last_seq(ws)
    spool = ws.home / "locks" / audit.SPOOL
    done = threading.Event()
    with ws.lock("governance"):
        for i in range(4):
            audit.log(ws, ANA, "lab.query", f"q{i}")  # returns: the store is busy, the backlog short
        waiting = threading.Thread(target=lambda: (audit.log(ws, ANA, "lab.query", "q4"), done.set()))
        waiting.start()
        deadline = time.monotonic() + 30
        while len(list(spool.glob("*.event"))) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not done.wait(0.5)  # the fifth waits for the store
    waiting.join(60)
    assert done.is_set()
    audit.flush(ws)
    assert [r[2] for r in _rows_after(ws, first)] == ["lab.query"] * 5


def test_a_loop_more_than_a_few_events_ahead_of_the_store_waits_for_it(tmp_path: Path):
    """A notebook loop logging query after query while the store is busy: the first ``IN_FLIGHT`` calls return,
    the next waits until it can write them all (so a loop goes at the store's pace, not past it)."""
    ws = Workspace(tmp_path / "ws")
    audit.log(ws, ANA, "dataset.view", "ds-0")
    first = _last_seq(ws)
    returned: list[int] = []

    def loop() -> None:
        for i in range(audit.IN_FLIGHT + 1):
            audit.log(ws, ANA, "dataset.query", f"q{i}")
            returned.append(i)

    with ws.lock("governance"):
        looping = threading.Thread(target=loop)
        looping.start()
        deadline = time.monotonic() + 30
        while len(returned) < audit.IN_FLIGHT and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)
        assert returned == list(range(audit.IN_FLIGHT))  # the last one waits for the store
    looping.join(60)
    assert returned == list(range(audit.IN_FLIGHT + 1))
    audit.flush(ws)
    assert [r[2] for r in _rows_after(ws, first)] == ["dataset.query"] * (audit.IN_FLIGHT + 1)
