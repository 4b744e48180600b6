"""The audit log's hash chain detects any edited, deleted or reordered event, and says where."""

from __future__ import annotations

import duckdb
import pytest

from sandbox.errors import AccessDenied
from sandbox.governance import audit
from sandbox.governance.access import User
from sandbox.workspace import Workspace

ADMIN = User(name="ada", role="admin")


def _fill(ws: Workspace, n: int = 5) -> None:
    with ws.governance() as g:
        for i in range(n):
            audit.record(g, ADMIN, "test.action", f"object-{i}", details={"i": i})


def _tamper(ws: Workspace, sql: str) -> audit.ChainReport:
    con = duckdb.connect(str(ws.governance_path))
    con.execute(sql)
    con.close()
    with ws.governance() as g:
        return audit.verify(g)


def test_intact_chain_verifies(workspace: Workspace):
    _fill(workspace)
    with workspace.governance() as g:
        report = audit.verify(g)
    assert report.ok and report.events == 5


@pytest.mark.parametrize(
    ("sql", "bad_seq", "words"),
    [
        ("UPDATE audit SET actor = 'mallory' WHERE seq = 3", 3, "edited"),
        ("UPDATE audit SET details = '{\"i\": 9}' WHERE seq = 2", 2, "edited"),
        ("DELETE FROM audit WHERE seq = 4", 5, "deleted"),
        ("UPDATE audit SET seq = CASE seq WHEN 2 THEN 3 WHEN 3 THEN 2 ELSE seq END", 2, ""),
        ("DELETE FROM audit WHERE seq = 5", 5, "deleted from the end"),  # caught by the signed head
        ("DELETE FROM audit WHERE seq >= 3", 3, "deleted from the end"),
        ("UPDATE meta SET value = replace(value, '\"seq\": 5', '\"seq\": 4') WHERE key = 'audit_head'", 4,
         "signature"),
        ("DELETE FROM meta WHERE key = 'audit_head'", 1, "missing"),
    ],
)
def test_tampering_is_detected(workspace: Workspace, sql: str, bad_seq: int | None, words: str):
    _fill(workspace)
    report = _tamper(workspace, sql)
    assert not report.ok
    assert report.first_bad_seq == bad_seq
    assert words in report.problem


# ---- on a real workspace: every event of a real pipeline, every field, in the DuckDB file itself

_EDITABLE = {"ts": "ts + INTERVAL 1 SECOND", "actor": "actor || 'x'", "role": "'admin'", "action": "action || 'x'",
             "object": "object || 'x'", "reason": "reason || 'x'", "outcome": "'ok2'",
             "details": "json_object('edited', true)"}


def test_any_single_edited_deleted_or_swapped_event_is_detected_and_located(world):
    with world.ws.governance() as g:
        assert audit.verify(g).ok
        (n,) = g.execute("SELECT count(*) FROM audit").fetchone()
    assert n >= 4  # ingest, synthesize, evaluate, publish
    con = duckdb.connect(str(world.ws.governance_path))
    try:
        cases = [(f"UPDATE audit SET {col} = {expr} WHERE seq = {seq}", seq)
                 for seq in range(1, n + 1) for col, expr in _EDITABLE.items()]
        cases += [(f"DELETE FROM audit WHERE seq = {seq}", seq) for seq in range(1, n + 1)]
        cases += [(f"UPDATE audit SET seq = CASE seq WHEN {s} THEN {s + 1} WHEN {s + 1} THEN {s} ELSE seq END", s)
                  for s in range(1, n)]
        for sql, seq in cases:
            con.execute("BEGIN")
            con.execute(sql)
            report = audit.verify(con)
            con.execute("ROLLBACK")
            assert not report.ok, sql
            assert report.first_bad_seq in (seq, seq + 1), (sql, report)
        assert audit.verify(con).ok
    finally:
        con.close()


def test_a_rewritten_chain_with_fresh_hashes_is_caught_by_the_signed_head(world):
    con = duckdb.connect(str(world.ws.governance_path))
    try:
        con.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 2")
        rows = con.execute("SELECT seq, strftime(ts, '%Y-%m-%dT%H:%M:%S.%f'), actor, role, action, object, reason, "
                           "outcome, CAST(details AS VARCHAR) FROM audit ORDER BY seq").fetchall()
        prev = audit.GENESIS
        for row in rows:  # what a forger without the signing key can do: recompute every hash
            digest = audit._digest(prev, dict(zip(audit._FIELDS, row, strict=True)))
            con.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?", [prev, digest, row[0]])
            prev = digest
        assert audit.check_chain([{**dict(zip(audit._FIELDS, r, strict=True)), "prev_hash": p, "hash": h}
                                  for r, (p, h) in zip(rows, con.execute(
                                      "SELECT prev_hash, hash FROM audit ORDER BY seq").fetchall(), strict=True)]).ok
        report = audit.verify(con)
    finally:
        con.close()
    assert not report.ok and "rewritten" in report.problem


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_export_carries_the_chain_and_verifies_on_its_own(world, fmt: str):
    text = audit.export(world.ws, ADMIN, fmt)
    events = audit.read_export(text, fmt)
    assert audit.check_chain(events).ok and len(events) >= 4
    assert {"ingest", "synthesize", "evaluate", "publish"} <= {e["action"] for e in events}
    events[1]["object"] = "something else"
    assert audit.check_chain(events).first_bad_seq == 2
    with world.ws.governance() as g:  # the export itself is an event
        assert g.execute("SELECT actor, object FROM audit ORDER BY seq DESC LIMIT 1").fetchone() == ("ada", fmt)


def test_the_log_is_read_by_admins_and_the_security_seat_only(world):
    security = User(name="selma", role="council", seat="security")
    assert audit.events(world.ws, security, audit.AuditFilter(action="publish"))[0]["action"] == "publish"
    assert audit.check_log(world.ws, ADMIN).ok
    for user in (User(name="mia", role="council", seat="marketing"), User(name="stella", role="steward"),
                 User(name="mark", role="marketer")):
        with pytest.raises(AccessDenied):
            audit.events(world.ws, user)
        with pytest.raises(AccessDenied):
            audit.export(world.ws, user, "csv")
    views = audit.events(world.ws, ADMIN, audit.AuditFilter(action="audit.", outcome="ok"))
    assert [(e["actor"], e["action"]) for e in views] == [("selma", "audit.view"), ("ada", "audit.verify")]
    refused = audit.events(world.ws, ADMIN, audit.AuditFilter(action="audit.", outcome="denied"))
    assert [(e["actor"], e["action"]) for e in refused] == [
        (name, action) for name in ("mia", "stella", "mark") for action in ("audit.read", "audit.export")]
