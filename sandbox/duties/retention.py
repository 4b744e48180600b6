"""Retention: the catalog's retention applies to vault snapshots, models and synthetic datasets.

Each snapshot, model and dataset row carries ``expires_at`` (set from the catalog's ``retention_days``
when it is made). :func:`run` deletes everything that has expired, and every model learned from an
expired snapshot with it (a model can memorise the rows it learned from). Synthetic datasets that
passed the gate keep their own expiry.

Order of work: the rows are marked ``deleted`` and the audit events written in one transaction; only
then are the files removed. A file that could not be removed (or that a crash left behind) is removed
by the next run, which also sweeps files of anything already marked deleted, forgotten or stale.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
from pydantic import BaseModel

from sandbox.governance import audit
from sandbox.governance.access import User
from sandbox.governance.audit import authorize
from sandbox.workspace import Workspace

SYSTEM = User(name="system", role="admin")  # the actor of the check that runs on every start
_GONE = ("deleted", "forgotten", "stale")


class Deleted(BaseModel):
    """One object removed by retention."""

    kind: str  # snapshot | model | dataset
    id: str
    expires_at: datetime
    files: list[str]


class RetentionReport(BaseModel):
    """What a retention run removed, judged at ``now``."""

    now: datetime
    deleted: list[Deleted]
    swept_files: list[str]


def remove_files(ws: Workspace, kind: str, obj: str) -> list[str]:
    """Delete an object's files; returns the names of those that existed."""
    removed = ws.remove_files(kind, obj)
    if kind == "dataset":
        from sandbox.release.engines import iceberg_store

        if iceberg_store.is_iceberg(ws, obj):  # an Iceberg dataset's tables and Parquet files go with its views
            iceberg_store.drop(ws, obj)
            removed.append(iceberg_store.namespace(obj))
    return removed


def _clock(now: datetime | None) -> datetime:
    """Naive UTC, as stored in the governance tables."""
    now = now or datetime.now(UTC)
    return now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now


def _due(g: duckdb.DuckDBPyConnection, now: datetime) -> list[tuple[str, str, datetime]]:
    snaps = g.execute("SELECT 'snapshot', id, expires_at FROM snapshots WHERE status = 'active' AND expires_at <= ?",
                      [now]).fetchall()
    models = g.execute(
        "SELECT 'model', m.id, least(m.expires_at, coalesce(s.expires_at, m.expires_at)) FROM models m "
        "LEFT JOIN snapshots s ON s.id = m.snapshot_id WHERE m.status = 'active' "
        "AND (m.expires_at <= ? OR s.expires_at <= ?)", [now, now]).fetchall()
    found = g.execute("SELECT 'dataset', id, expires_at FROM datasets WHERE status NOT IN ('deleted', 'stale') "
                      "AND expires_at <= ?", [now]).fetchall()
    return [*snaps, *models, *found]


def _leftovers(g: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    rows = g.execute(
        "SELECT 'snapshot', id FROM snapshots WHERE status IN ('deleted', 'forgotten') UNION ALL "
        "SELECT 'model', id FROM models WHERE status IN ('deleted', 'stale') UNION ALL "
        "SELECT 'dataset', id FROM datasets WHERE status IN ('deleted', 'stale')").fetchall()
    return [(r[0], r[1]) for r in rows]


def run(ws: Workspace, user: User, now: datetime | None = None, *, quiet: bool = False) -> RetentionReport:
    """Delete every expired snapshot, model and dataset (steward, admin); ``now`` is a clock for tests.

    With ``quiet``, a run that finds nothing to do writes no audit event (the check on every start).
    """
    authorize(ws, user, "retention.run")
    now = _clock(now)
    tables = {"snapshot": "snapshots", "model": "models", "dataset": "datasets"}
    with ws.governance() as g:
        due = _due(g, now)
        leftovers = _leftovers(g)
        if due or not quiet:
            g.begin()
            for kind, obj, expired in due:
                g.execute(f"UPDATE {tables[kind]} SET status = 'deleted' WHERE id = ?", [obj])
                audit.record(g, user, "retention.delete", obj, details={"kind": kind, "expires_at": expired,
                                                                         "clock": now})
            audit.record(g, user, "retention.run", details={"clock": now, "deleted": len(due)})
            g.commit()
    deleted = [Deleted(kind=k, id=o, expires_at=e, files=remove_files(ws, k, o)) for k, o, e in due]
    swept = [name for kind, obj in leftovers for name in remove_files(ws, kind, obj)]
    return RetentionReport(now=now, deleted=deleted, swept_files=swept)


def check_on_start(ws: Workspace) -> RetentionReport:
    """The retention check that runs when the app or a command starts (acts as ``system``)."""
    return run(ws, SYSTEM, quiet=True)
