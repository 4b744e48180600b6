"""Proposals in the governance store: rows in, models out. Every function works inside the caller's
governance connection (and so inside the caller's transaction)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb

from sandbox.council.model import HistoryEntry, Proposal, Vote
from sandbox.db import fetch_row
from sandbox.errors import UnknownObject
from sandbox.governance.access import User


def now() -> datetime:
    """The current UTC time, naive (how the governance store keeps timestamps)."""
    return datetime.now(UTC).replace(tzinfo=None)


def next_id(g: duckdb.DuckDBPyConnection) -> str:
    """The next free proposal id, ``P-0001`` style."""
    (n,) = fetch_row(g, "SELECT count(*) FROM proposals")
    while g.execute("SELECT 1 FROM proposals WHERE id = ?", [f"P-{n + 1:04d}"]).fetchone():
        n += 1
    return f"P-{n + 1:04d}"


def load(g: duckdb.DuckDBPyConnection, pid: str) -> Proposal:
    """The proposal ``pid`` as stored now."""
    row = g.execute("SELECT proposal FROM proposals WHERE id = ?", [pid]).fetchone()
    if row is None:
        raise UnknownObject(f"no proposal {pid!r}; `sandbox proposals list` shows them", code="proposal.unknown",
                            id=pid)
    return Proposal.model_validate_json(row[0])


def load_all(g: duckdb.DuckDBPyConnection, where: str = "", params: list | None = None) -> list[Proposal]:
    """Proposals matching an optional SQL condition on the ``proposals`` table, newest first."""
    sql = "SELECT proposal FROM proposals" + (f" WHERE {where}" if where else "") + " ORDER BY updated_at DESC"
    return [Proposal.model_validate_json(r[0]) for r in g.execute(sql, params or []).fetchall()]


def insert(g: duckdb.DuckDBPyConnection, p: Proposal) -> None:
    g.execute("INSERT INTO proposals VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
              [p.id, p.kind, p.dataset, p.proposer, p.state, p.version, p.model_dump_json(), p.created_at,
               p.updated_at])


def update(g: duckdb.DuckDBPyConnection, p: Proposal) -> None:
    """Write ``p`` back (one UPDATE per transaction and row)."""
    p.updated_at = now()
    g.execute("UPDATE proposals SET kind = ?, dataset = ?, state = ?, version = ?, proposal = ?, updated_at = ? "
              "WHERE id = ?", [p.kind, p.dataset, p.state, p.version, p.model_dump_json(), p.updated_at, p.id])


def add_version(g: duckdb.DuckDBPyConnection, p: Proposal, user: User) -> None:
    g.execute("INSERT INTO proposal_versions VALUES (?, ?, ?, ?, ?)",
              [p.id, p.version, p.draft().model_dump_json(), user.name, now()])


def versions(g: duckdb.DuckDBPyConnection, pid: str) -> list[dict]:
    """Every version of the draft: ``{version, changed_by, changed_at, draft}``."""
    rows = g.execute("SELECT version, changed_by, changed_at, draft FROM proposal_versions WHERE proposal = ? "
                     "ORDER BY version", [pid]).fetchall()
    return [{"version": v, "changed_by": by, "changed_at": at, "draft": json.loads(d)} for v, by, at, d in rows]


def add_event(g: duckdb.DuckDBPyConnection, p: Proposal, user: User, action: str, from_state: str | None,
              reason: str = "") -> None:
    (seq,) = fetch_row(g, "SELECT coalesce(max(seq), 0) + 1 FROM proposal_events WHERE proposal = ?", [p.id])
    g.execute("INSERT INTO proposal_events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
              [p.id, seq, now(), user.name, action, from_state, p.state, p.version, reason])


def history(g: duckdb.DuckDBPyConnection, pid: str) -> list[HistoryEntry]:
    rows = g.execute("SELECT seq, ts, actor, action, from_state, to_state, version, reason FROM proposal_events "
                     "WHERE proposal = ? ORDER BY seq", [pid]).fetchall()
    keys = ("seq", "ts", "actor", "action", "from_state", "to_state", "version", "reason")
    return [HistoryEntry(**dict(zip(keys, r, strict=True))) for r in rows]


def add_vote(g: duckdb.DuckDBPyConnection, v: Vote) -> None:
    (seq,) = fetch_row(g, "SELECT coalesce(max(seq), 0) + 1 FROM proposal_votes WHERE proposal = ?",
                       [v.proposal])
    g.execute("INSERT INTO proposal_votes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
              [v.proposal, seq, v.round, v.version, v.voter, v.seat, v.choice, v.reason, v.cast_at])


def votes(g: duckdb.DuckDBPyConnection, pid: str, round_: int | None = None) -> list[Vote]:
    """Votes on ``pid`` in cast order (only those of ``round_`` when given)."""
    rows = g.execute("SELECT proposal, round, version, voter, seat, choice, reason, cast_at FROM proposal_votes "
                     "WHERE proposal = ? AND (? IS NULL OR round = ?) ORDER BY seq", [pid, round_, round_]).fetchall()
    keys = ("proposal", "round", "version", "voter", "seat", "choice", "reason", "cast_at")
    return [Vote(**dict(zip(keys, r, strict=True))) for r in rows]


def council_members(g: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of enabled users with the council role (from the ``users`` table)."""
    rows = g.execute("SELECT name FROM users WHERE role = 'council' AND NOT coalesce(disabled, false) "
                     "ORDER BY name").fetchall()
    return [r[0] for r in rows]


def registered_seat(g: duckdb.DuckDBPyConnection, name: str, claimed: str | None) -> str | None:
    """The council seat of ``name``: the ``users`` table decides for registered users, else ``claimed``."""
    row = g.execute("SELECT seat, role, coalesce(disabled, false) FROM users WHERE name = ?", [name]).fetchone()
    if row is None:
        return claimed
    return row[0] if row[1] == "council" and not row[2] else None
