"""The tamper-evident audit log: an append-only hash chain in the governance store.

Each event's hash covers its own fields and the previous event's hash, so editing, deleting or
reordering any event breaks the chain from that point on, and ``verify`` says where.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import duckdb
from pydantic import BaseModel

from sandbox.access import User

GENESIS = "0" * 64
_FIELDS = ("seq", "ts", "actor", "role", "action", "object", "reason", "outcome", "details")


def _digest(prev_hash: str, event: dict[str, Any]) -> str:
    body = json.dumps([event[f] for f in _FIELDS], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def record(
    con: duckdb.DuckDBPyConnection,
    user: User,
    action: str,
    obj: str = "",
    *,
    outcome: str = "ok",
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> int:
    """Append one event (inside the caller's governance connection) and return its sequence number."""
    last = con.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    event = {
        "seq": seq,
        "ts": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="microseconds"),
        "actor": user.name,
        "role": user.role,
        "action": action,
        "object": obj,
        "reason": reason,
        "outcome": outcome,
        "details": json.dumps(details or {}, sort_keys=True, default=str, ensure_ascii=False),
    }
    digest = _digest(prev, event)
    con.execute(
        "INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [*(event[f] for f in _FIELDS), prev, digest],
    )
    return seq


class ChainReport(BaseModel):
    """Result of verifying the chain."""

    ok: bool
    events: int
    first_bad_seq: int | None = None
    problem: str = ""


def verify(con: duckdb.DuckDBPyConnection) -> ChainReport:
    """Recompute every hash in order; report the first event that does not match."""
    rows = con.execute(
        "SELECT seq, strftime(ts, '%Y-%m-%dT%H:%M:%S.%f'), actor, role, action, object, reason, outcome, "
        "CAST(details AS VARCHAR), prev_hash, hash FROM audit ORDER BY seq"
    ).fetchall()
    prev = GENESIS
    for i, row in enumerate(rows, start=1):
        event = dict(zip(_FIELDS, row[:9], strict=True))
        if event["seq"] != i:
            return ChainReport(ok=False, events=len(rows), first_bad_seq=event["seq"],
                               problem=f"expected event {i} but found {event['seq']}: an event was deleted or moved")
        if row[9] != prev:
            return ChainReport(ok=False, events=len(rows), first_bad_seq=i,
                               problem=f"event {i} does not point at the hash of event {i - 1}")
        if _digest(prev, event) != row[10]:
            return ChainReport(ok=False, events=len(rows), first_bad_seq=i,
                               problem=f"event {i} was edited after it was written")
        prev = row[10]
    return ChainReport(ok=True, events=len(rows))
