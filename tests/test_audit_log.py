"""audit.log: events logged by many threads at once share openings of the store (group commit), every call returns
only once its own event is in the chain, and a busy store fails every waiting call in one line, none hangs."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.errors import WorkspaceBusy
from sandbox.governance import audit
from sandbox.governance.access import User
from sandbox.workspace import Workspace

ANA = User(name="ana", role="marketer")


class CountingWorkspace(Workspace):
    """The real workspace, counting how often its governance store is opened read-write."""

    openings = 0

    @contextlib.contextmanager
    def governance(self, *, read_only: bool = False) -> Iterator:
        if not read_only:
            type(self).openings += 1
        with super().governance(read_only=read_only) as g:
            yield g


def _log_together(ws: Workspace, threads: int, each: int) -> tuple[list[int], list[BaseException]]:
    seqs: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def work(i: int) -> None:
        start.wait()
        for j in range(each):
            try:
                seqs.append(audit.log(ws, ANA, "lab.query", f"ds-{i}", details={"thread": i, "n": j}))
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in pool), "a logging thread hangs"
    return seqs, errors


def test_concurrent_events_share_openings_and_keep_the_chain(tmp_path: Path):
    ws = CountingWorkspace(tmp_path / "ws")
    first = audit.log(ws, ANA, "dataset.view", "ds-0")
    CountingWorkspace.openings = 0
    seqs, errors = _log_together(ws, threads=12, each=5)
    assert errors == []
    assert sorted(seqs) == list(range(first + 1, first + 61))  # each call got its own event, none lost or doubled
    assert CountingWorkspace.openings < 60  # grouped: fewer openings of the store than events
    with ws.governance() as g:
        report = audit.verify(g)
        rows = g.execute("SELECT seq, actor, details->>'thread', details->>'n' FROM audit WHERE seq > ? ORDER BY seq",
                         [first]).fetchall()
    assert report.ok and report.events == first + 60
    assert {(int(t), int(n)) for _, _, t, n in rows} == {(i, j) for i in range(12) for j in range(5)}
    assert {a for _, a, _, _ in rows} == {"ana"}


def test_a_busy_store_fails_every_waiting_call_and_none_hangs(tmp_path: Path):
    home = tmp_path / "ws"
    ws = Workspace(home)
    first = audit.log(ws, ANA, "dataset.view", "ds-0")
    (home / "settings.yaml").write_text("lock_timeout_s: 0.5\n")
    ws = Workspace(home)
    with ws.lock("governance"):  # another writer holds the store longer than anyone waits
        seqs, errors = _log_together(ws, threads=6, each=1)
    assert seqs == [] and len(errors) == 6 and all(isinstance(e, WorkspaceBusy) for e in errors)
    assert "busy" in str(errors[0]) and "\n" not in str(errors[0])
    assert audit.log(ws, ANA, "dataset.view", "ds-1") == first + 1  # nothing left waiting: the next call writes
    with ws.governance() as g:
        assert audit.verify(g).ok


@pytest.mark.parametrize("bad", [object()])
def test_an_event_that_cannot_be_written_fails_only_its_caller(tmp_path: Path, bad: object):
    ws = Workspace(tmp_path / "ws")
    results: dict[str, object] = {}
    start = threading.Barrier(2)

    def good() -> None:
        start.wait()
        results["good"] = audit.log(ws, ANA, "lab.query", "ds", details={"ok": True})

    def broken() -> None:
        start.wait()
        try:
            audit.log(ws, ANA, "lab.query", bad)  # type: ignore[arg-type]  # not a string: DuckDB refuses it
        except Exception as exc:  # noqa: BLE001
            results["broken"] = exc

    pool = [threading.Thread(target=good), threading.Thread(target=broken)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=60)
    assert isinstance(results["good"], int) and isinstance(results["broken"], Exception)
    with ws.governance() as g:
        assert audit.verify(g).ok


READER = """
import contextlib, sys
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

seq = audit.log(Counting(sys.argv[1]), User(name=sys.argv[2], role="data_scientist"), "dataset.query", "ds-1",
                details={"query": "SELECT count(*) FROM customers", "via": sys.argv[2]})
print(seq, Counting.openings)
"""


def test_processes_waiting_for_the_store_are_written_by_one_opening(tmp_path: Path):
    import subprocess
    import sys
    import time

    ws = Workspace(tmp_path / "ws")
    first = audit.log(ws, ANA, "dataset.view", "ds-0")
    spool = ws.home / "locks" / audit.SPOOL
    with ws.lock("governance"):  # a writer holds the store while three notebook processes log a query each
        procs = [subprocess.Popen([sys.executable, "-c", READER, str(ws.home), f"dana{i}"], stdout=subprocess.PIPE,
                                  text=True, cwd=Path(__file__).resolve().parent.parent) for i in range(3)]
        deadline = time.monotonic() + 60
        while len(list(spool.glob("*.event"))) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    answers = [p.communicate(timeout=60)[0].split() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    seqs, openings = sorted(int(a[0]) for a in answers), sum(int(a[1]) for a in answers)
    assert seqs == [first + 1, first + 2, first + 3]
    assert openings == 1  # the first to get the lock wrote all three; the others found theirs written
    assert not list(spool.iterdir())  # nothing left behind: no event, no answer, no temporary file
    with ws.governance() as g:
        assert audit.verify(g).ok
        actors = [r[0] for r in g.execute("SELECT actor FROM audit WHERE seq > ?", [first]).fetchall()]
    assert sorted(actors) == [f"dana{i}" for i in range(3)]
