"""The tamper-evident audit log: an append-only hash chain in the governance store.

Each event's hash covers its own fields and the previous event's hash, so editing, deleting or
reordering any event breaks the chain from that point on, and ``verify`` says where. The newest
event's sequence number and hash are also kept as a *signed head* (HMAC with the workspace signing
key, in the ``meta`` table): removing the newest events, or rewriting the whole chain with freshly
computed hashes, is detected too, because nobody without the key can sign a new head.

An event is written inside the caller's governance connection, in the same transaction as the action
it records: when the event cannot be written, the action does not happen. An event that goes with no other
write (a query, a view, a refusal) is written by :func:`log`: on disk in the workspace's spool before it returns,
in the chain at once when the store is free, else as soon as it is (events that threads and processes log at the
same moment share one opening of the store). Readers of the log write the spool first.
"""

from __future__ import annotations

import atexit
import contextlib
import csv
import hashlib
import hmac
import io
import json
import os
import secrets
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
from pydantic import BaseModel, Field

from sandbox.db import one
from sandbox.errors import InputError, WorkspaceBusy
from sandbox.governance.access import User, require
from sandbox.workspace import Workspace

GENESIS = "0" * 64
HEAD_KEY = "audit_head"
_FIELDS = ("seq", "ts", "actor", "role", "action", "object", "reason", "outcome", "details")
_COLUMNS = (*_FIELDS, "prev_hash", "hash")
_SELECT = ("SELECT seq, strftime(ts, '%Y-%m-%dT%H:%M:%S.%f'), actor, role, action, object, reason, outcome, "
           "CAST(details AS VARCHAR), prev_hash, hash FROM audit")
_head_keys: dict[str, bytes] = {}


def _digest(prev_hash: str, event: dict[str, Any]) -> str:
    body = json.dumps([event[f] for f in _FIELDS], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def _head_key(con: duckdb.DuckDBPyConnection) -> bytes | None:
    """The signing key of the workspace that holds this governance file (None for an in-memory store)."""
    (path,) = one(con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()"))
    if not path:
        return None
    if path not in _head_keys:
        _head_keys[path] = Workspace(Path(path).parent).signing_key()
    return _head_keys[path]


def _head_mac(key: bytes, seq: int, digest: str) -> str:
    return hmac.new(key, f"{seq}:{digest}".encode(), hashlib.sha256).hexdigest()


def record(
    con: duckdb.DuckDBPyConnection,
    user: User | str,
    action: str,
    obj: str = "",
    *,
    outcome: str = "ok",
    reason: str = "",
    details: dict[str, Any] | None = None,
    at: str | None = None,
) -> int:
    """Append one event (inside the caller's governance connection) and return its sequence number.

    ``user`` is the acting user, or a bare name for someone not signed in (a failed sign-in); ``at`` when it
    happened (ISO time, UTC; default now), for an event written after it was spooled.
    """
    return record_many(con, [{"user": user, "action": action, "obj": obj, "outcome": outcome, "reason": reason,
                              "details": details, "at": at}])[-1]


def record_many(con: duckdb.DuckDBPyConnection, events: list[dict[str, Any]]) -> list[int]:
    """Append events (dicts of :func:`record`'s arguments) in order, with one statement, and return their sequence
    numbers: a backlog of spooled events costs one insert, not one per event."""
    last = con.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (last[0], last[1]) if last else (0, GENESIS)
    rows: list[list[Any]] = []
    for e in events:
        seq += 1
        user, details = e["user"], e.get("details")
        event = {
            "seq": seq,
            "ts": (datetime.fromisoformat(e["at"]) if e.get("at") else datetime.now(UTC).replace(tzinfo=None)
                   ).isoformat(timespec="microseconds"),
            "actor": user.name if isinstance(user, User) else str(user),
            "role": user.role if isinstance(user, User) else "",
            "action": e["action"],
            "object": e.get("obj", ""),
            "reason": e.get("reason", ""),
            "outcome": e.get("outcome", "ok"),
            "details": details if isinstance(details, str) else json.dumps(details or {}, sort_keys=True, default=str,
                                                                           ensure_ascii=False),
        }
        digest = _digest(prev, event)
        rows.append([*(event[f] for f in _FIELDS), prev, digest])
        prev = digest
    if len(rows) == 1:
        con.execute("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows[0])
    elif rows:
        import pyarrow as pa

        con.register("audit_batch", pa.table({name: [r[i] for r in rows] for i, name in enumerate(_COLUMNS)}))
        try:
            con.execute("INSERT INTO audit SELECT seq, CAST(ts AS TIMESTAMP), actor, role, action, object, reason, "
                        "outcome, CAST(details AS JSON), prev_hash, hash FROM audit_batch ORDER BY seq")
        finally:
            con.unregister("audit_batch")
    key = _head_key(con)
    if key is not None and rows:
        head = json.dumps({"seq": seq, "hash": prev, "mac": _head_mac(key, seq, prev)})
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [HEAD_KEY, head])
    return [r[0] for r in rows]


class ChainReport(BaseModel):
    """Result of verifying the chain."""

    ok: bool
    events: int
    first_bad_seq: int | None = None
    problem: str = ""


def authorize(ws: Workspace, user: User, action: str, obj: str = "") -> None:
    """Like :func:`require`, but a refusal is also written to the audit log (who tried what, on which object)."""
    if user.can(action):
        return
    log(ws, user, action, obj, outcome="denied")
    require(user, action)


SPOOL = "audit-spool"  # under locks/: events waiting for the next writer of the store, one file each
IN_FLIGHT = 4  # a thread's events waiting in the spool beyond which it waits for the store and writes them
BACKLOG = 200  # all events waiting in the spool beyond which a caller waits (a loop cannot outrun the store)
BATCH = 1000  # events written in one transaction at most (a writer holds everyone out meanwhile)


def log(ws: Workspace, user: User | str, action: str, obj: str = "", *, outcome: str = "ok", reason: str = "",
        details: dict[str, Any] | None = None) -> None:
    """Append one event that goes with no other write (a query, a view, a refusal).

    The event is first written to the workspace's spool (``locks/audit-spool``, flushed to disk), with the time it
    happened. When the store is free, the caller then writes every spooled event into the chain in one
    transaction. When another process or thread holds the store, the caller does not wait: this process's
    background writer puts the spool into the chain as soon as the store is free, with what every process
    spooled meanwhile, in one opening (each opening of the governance file costs 20-40 ms and holds every other
    process out, so twenty sessions and four notebook readers waiting in turn made pages slow). A thread more
    than :data:`IN_FLIGHT` events ahead of the store, or a spool longer than :data:`BACKLOG`, makes its caller
    wait and write instead: a loop cannot outrun the store. Whoever reads the log (:func:`events`,
    :func:`export`, :func:`check_log`) writes the spool first, so a reader sees every event logged before it
    asked. A process killed before its events were written leaves them in the spool for the next writer: the
    log may say more than happened, never less.
    """
    spool = ws.home / "locks" / SPOOL
    spool.mkdir(parents=True, exist_ok=True)
    me = f"-{os.getpid()}.{threading.get_ident()}-"
    name = f"{time.time_ns():020d}{me}{secrets.token_hex(4)}"
    event = {"user": user.model_dump() if isinstance(user, User) else str(user), "action": action, "obj": obj,
             "outcome": outcome, "reason": reason, "at": datetime.now(UTC).replace(tzinfo=None).isoformat(),
             "details": json.dumps(details or {}, sort_keys=True, default=str, ensure_ascii=False)}
    try:
        text = json.dumps(event)
    except (TypeError, ValueError):
        raise InputError(f"the audit event {action!r} could not be written: its object is not text") from None
    tmp = spool / f"{name}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())  # on disk before the caller shows anything: a crash cannot lose what was seen
    tmp.replace(spool / f"{name}.event")  # whole or absent for a writer that lists the spool
    waiting = [p.name for p in spool.glob("*.event")]
    if _write_if_free(ws, spool, name):
        return
    if sum(1 for n in waiting if me in n) <= IN_FLIGHT and len(waiting) < BACKLOG:
        _background_writer(ws)
        return
    # This thread is ahead of the store, or the spool is long: wait in line and write. (Polling for a free moment
    # instead let notebook loops run three times as fast, and they took the CPU the pages needed.)
    with contextlib.suppress(WorkspaceBusy):  # (then the event stays in the spool for the next writer)
        flush(ws)


def _write_if_free(ws: Workspace, spool: Path, name: str) -> bool:
    """Write the spool when the store is free right now (or ``name`` was written already); False when busy."""
    try:
        with ws.holding("governance", wait=False):
            if (spool / f"{name}.event").exists():  # (else the writer of the moment took it)
                with ws.governance() as g:  # under the lock held here
                    _write_spool(g, spool)
        return True
    except WorkspaceBusy:
        return not (spool / f"{name}.event").exists()


def flush(ws: Workspace, *, rounds: int = 1_000, wait: bool = True) -> int:
    """Write every spooled event into the chain now (in transactions of :data:`BATCH`, at most ``rounds``),
    waiting for the store (``WorkspaceBusy`` when it stays busy, or at once when not ``wait``); the number
    written. Opens nothing when the spool is empty."""
    spool = ws.home / "locks" / SPOOL
    if not spool.is_dir() or not any(spool.glob("*.event")):
        return 0
    written = 0
    for _ in range(rounds):
        with ws.holding("governance", wait=wait):
            if not any(spool.glob("*.event")):  # the writer before us took them
                return written
            with ws.governance() as g:
                done = _write_spool(g, spool)
        written += done
        if done == 0:
            break
    return written


def _take_spool(ws: Workspace, g: duckdb.DuckDBPyConnection) -> None:
    """Under a read-write connection: write what waits in the spool, in its own transaction."""
    spool = ws.home / "locks" / SPOOL
    if spool.is_dir() and any(spool.glob("*.event")):
        _write_spool(g, spool)


_writers: dict[str, tuple[Workspace, threading.Event]] = {}  # home -> (workspace, wake-up call)
_writers_lock = threading.Lock()


def _background_writer(ws: Workspace) -> None:
    """Wake this process's writer of ``ws``'s spool (started on first use, with a flush at exit)."""
    with _writers_lock:
        held = _writers.get(str(ws.home))
        if held is None:
            held = _writers[str(ws.home)] = (ws, threading.Event())
            threading.Thread(target=_write_in_background, args=held, name="audit-spool-writer", daemon=True).start()
            if len(_writers) == 1:
                atexit.register(_flush_at_exit)
    held[1].set()


def _write_in_background(ws: Workspace, wake: threading.Event) -> None:
    """Look for a free moment of the store, and write the spool then. It does not queue for the lock: a writer
    waiting in line keeps new readers out (writers go first), and pages read while this waits."""
    pause = 0.02
    while True:
        wake.wait()
        wake.clear()
        try:
            flush(ws, wait=False)
            pause = 0.02
            continue
        except WorkspaceBusy:
            pause = min(pause * 1.5, 0.25)
        except Exception:  # noqa: BLE001  (the store cannot be opened now: try again later)
            pause = 5.0
        time.sleep(pause)
        wake.set()


def _flush_at_exit() -> None:
    """What this process spooled and its background writer has not written yet goes into the chain before the
    process ends (or stays in the spool for the next writer when the store stays busy)."""
    for ws, _ in list(_writers.values()):
        with contextlib.suppress(WorkspaceBusy, OSError, duckdb.Error):
            flush(ws, rounds=3)  # (other processes may keep logging: their writers take the rest)


def _write_spool(g: duckdb.DuckDBPyConnection, spool: Path) -> int:
    """Write the oldest spooled events (up to :data:`BATCH`) in one transaction; the number written. An event
    that cannot be written is set aside as ``<name>.bad`` (never retried, never lost)."""
    events: dict[str, dict[str, Any]] = {}
    for path in sorted(spool.glob("*.event"))[:BATCH]:
        try:
            e = json.loads(path.read_text())
            events[path.stem] = {**e, "user": User(**e["user"]) if isinstance(e["user"], dict) else e["user"]}
        except FileNotFoundError:  # taken by another writer meanwhile
            continue
        except (OSError, ValueError, TypeError):  # not an event (renamed whole, so damaged afterwards): set aside
            with contextlib.suppress(FileNotFoundError):
                path.replace(path.with_suffix(".bad"))

    def write(batch: list[str]) -> None:
        g.begin()
        try:
            record_many(g, [events[n] for n in batch])
            g.commit()
        except Exception:
            with contextlib.suppress(duckdb.Error):
                g.rollback()
            raise

    written: list[str] = []
    try:
        write(list(events))
        written = list(events)
    except Exception:  # noqa: BLE001  (one by one below: a bad event fails only itself)
        for n in events:
            try:
                write([n])
                written.append(n)
            except Exception:  # noqa: BLE001
                with contextlib.suppress(FileNotFoundError):
                    (spool / f"{n}.event").replace(spool / f"{n}.bad")
    for n in written:
        (spool / f"{n}.event").unlink(missing_ok=True)
    _sweep(spool)
    return len(written)


def _sweep(spool: Path, older_than_s: float = 3600.0) -> None:
    """Half-written spool files a killed process left."""
    cutoff = time.time() - older_than_s
    for path in spool.glob("*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < cutoff:
                path.unlink()


def check_chain(rows: list[dict[str, Any]]) -> ChainReport:
    """Recompute every hash of ``rows`` (events as dicts, in ``seq`` order); report the first that does not match.

    Works on an export too: a security team can check a CSV or JSON export without the workspace.
    """
    prev = GENESIS
    for i, row in enumerate(rows, start=1):
        event = {f: row[f] for f in _FIELDS}
        event["seq"] = int(event["seq"])
        if event["seq"] != i:
            return ChainReport(ok=False, events=len(rows), first_bad_seq=event["seq"],
                               problem=f"expected event {i} but found {event['seq']}: an event was deleted or moved")
        if row["prev_hash"] != prev:
            return ChainReport(ok=False, events=len(rows), first_bad_seq=i,
                               problem=f"event {i} does not point at the hash of event {i - 1}")
        if _digest(prev, event) != row["hash"]:
            return ChainReport(ok=False, events=len(rows), first_bad_seq=i,
                               problem=f"event {i} was edited after it was written")
        prev = row["hash"]
    return ChainReport(ok=True, events=len(rows))


def _check_head(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> ChainReport | None:
    key = _head_key(con)
    if key is None:
        return None
    stored = con.execute("SELECT value FROM meta WHERE key = ?", [HEAD_KEY]).fetchone()
    n = len(rows)
    if stored is None:
        if not rows:
            return None
        return ChainReport(ok=False, events=n, first_bad_seq=1,
                           problem="the signed head of the log is missing: the log was replaced or rewritten")
    head = json.loads(stored[0])
    if not hmac.compare_digest(_head_mac(key, int(head["seq"]), head["hash"]), head["mac"]):
        return ChainReport(ok=False, events=n, first_bad_seq=int(head["seq"]),
                           problem="the signed head of the log does not match its signature: it was edited")
    last: dict[str, Any] = rows[-1] if rows else {"seq": 0, "hash": GENESIS}
    if int(head["seq"]) > int(last["seq"]):
        return ChainReport(ok=False, events=n, first_bad_seq=int(last["seq"]) + 1,
                           problem=f"events {int(last['seq']) + 1} to {head['seq']} were deleted from the end")
    if int(head["seq"]) != int(last["seq"]) or head["hash"] != last["hash"]:
        return ChainReport(ok=False, events=n, first_bad_seq=int(head["seq"]),
                           problem=f"event {head['seq']} is not the one the signed head recorded: the chain was "
                                   "rewritten or events were added without the signing key")
    return None


def _rows(con: duckdb.DuckDBPyConnection, where: str = "", params: list[Any] | None = None) -> list[dict[str, Any]]:
    found = con.execute(f"{_SELECT} {where} ORDER BY seq", params or []).fetchall()
    return [dict(zip(_COLUMNS, r, strict=True)) for r in found]


def verify(con: duckdb.DuckDBPyConnection) -> ChainReport:
    """Recompute every hash in order and check the signed head; report the first event that does not match."""
    rows = _rows(con)
    chain = check_chain(rows)
    if not chain.ok:
        return chain
    return _check_head(con, rows) or chain


def check_log(ws: Workspace, user: User) -> ChainReport:
    """Verify the whole log for a reader of it (admins, the council's security seat); the check is logged."""
    authorize(ws, user, "audit.read")
    with ws.governance() as g:
        _take_spool(ws, g)  # every event logged before the reader asked
        result = verify(g)
        if result.ok:  # appending to a broken chain would hide where it broke
            record(g, user, "audit.verify", details={"events": result.events})
    return result


class AuditFilter(BaseModel):
    """Which events to show or export (every field optional; all given fields must match)."""

    actor: str | None = None
    action: str | None = Field(default=None, description="An action, or a prefix ending in '.' (e.g. 'users.').")
    object: str | None = Field(default=None, description="Part of the object name.")
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = Field(default=10_000, ge=1, le=1_000_000)

    def sql(self) -> tuple[str, list[Any]]:
        """A WHERE clause and its parameters."""
        conds: list[str] = []
        params: list[Any] = []
        if self.actor:
            conds.append("actor = ?")
            params.append(self.actor)
        if self.action:
            conds.append("starts_with(action, ?)" if self.action.endswith(".") else "action = ?")
            params.append(self.action)
        if self.object:
            conds.append("contains(object, ?)")
            params.append(self.object)
        if self.outcome:
            conds.append("outcome = ?")
            params.append(self.outcome)
        if self.since:
            conds.append("ts >= ?")
            params.append(self.since)
        if self.until:
            conds.append("ts <= ?")
            params.append(self.until)
        return ("WHERE " + " AND ".join(conds)) if conds else "", params


def _select(g: duckdb.DuckDBPyConnection, flt: AuditFilter) -> list[dict[str, Any]]:
    where, params = flt.sql()
    found = g.execute(f"SELECT * FROM ({_SELECT} {where} ORDER BY seq DESC LIMIT {flt.limit}) ORDER BY seq",
                      params).fetchall()
    return [dict(zip(_COLUMNS, r, strict=True)) for r in found]


def events(ws: Workspace, user: User, flt: AuditFilter | None = None) -> list[dict[str, Any]]:
    """The newest events matching ``flt`` (admins and the council's security seat); the viewing is logged."""
    flt = flt or AuditFilter()
    authorize(ws, user, "audit.read")
    with ws.governance() as g:
        _take_spool(ws, g)  # every event logged before the reader asked
        g.begin()
        found = _select(g, flt)
        record(g, user, "audit.view", details={"filter": flt.model_dump(mode="json", exclude_none=True),
                                               "events": len(found)})
        g.commit()
    return found


def export(ws: Workspace, user: User, fmt: Literal["csv", "json"] = "json", flt: AuditFilter | None = None) -> str:
    """Events as CSV or JSON text for a security team, hashes included (``check_chain`` verifies a full export)."""
    flt = flt or AuditFilter(limit=1_000_000)
    authorize(ws, user, "audit.export", fmt)
    if fmt not in ("csv", "json"):
        raise InputError(f"unknown export format {fmt!r}; use csv or json")
    with ws.governance() as g:
        _take_spool(ws, g)  # every event logged before the reader asked
        g.begin()
        found = _select(g, flt)
        record(g, user, "audit.export", fmt, details={"filter": flt.model_dump(mode="json", exclude_none=True),
                                                      "events": len(found)})
        g.commit()
    if fmt == "json":
        return json.dumps(found, ensure_ascii=False, indent=1)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(_COLUMNS))
    writer.writeheader()
    writer.writerows(found)
    return buffer.getvalue()


def read_export(text: str, fmt: Literal["csv", "json"]) -> list[dict[str, Any]]:
    """Parse an export back into events (for ``check_chain``)."""
    if fmt == "json":
        return json.loads(text)
    return list(csv.DictReader(io.StringIO(text)))
