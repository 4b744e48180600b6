"""Steward-only read access to vault snapshots. Nothing else in the product opens the vault."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd
from pydantic import BaseModel

from sandbox.db import q
from sandbox.errors import UnknownObject
from sandbox.governance import audit
from sandbox.governance.access import User
from sandbox.governance.audit import authorize
from sandbox.workspace import Workspace


@dataclass(frozen=True)
class Snapshot:
    id: str
    source: str
    catalog_version: int
    fingerprint: str
    rows: dict[str, int]


def latest_snapshot(ws: Workspace, user: User, source: str) -> Snapshot:
    """The active snapshot of ``source``."""
    authorize(ws, user, "vault.open", source)
    with ws.governance() as g:
        row = g.execute(
            "SELECT id, source, catalog_version, fingerprint, rows FROM snapshots "
            "WHERE source = ? AND status = 'active' ORDER BY created_at DESC LIMIT 1", [source]).fetchone()
        known = [r[0] for r in g.execute("SELECT DISTINCT source FROM snapshots ORDER BY 1").fetchall()]
    if row is None:
        hint = f"known sources: {', '.join(known)}" if known else "ingest one first with `sandbox ingest`"
        raise UnknownObject(f"no vault snapshot for source {source!r}; {hint}")
    return Snapshot(row[0], row[1], row[2], row[3], json.loads(row[4]))


@contextlib.contextmanager
def open_snapshot(ws: Workspace, user: User, snapshot: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to one snapshot file."""
    authorize(ws, user, "vault.open", snapshot)
    path = ws.vault_path(snapshot)
    if not path.exists():
        raise UnknownObject(f"vault snapshot {snapshot!r} is missing from {path.parent}")
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


def read_split(con: duckdb.DuckDBPyConnection, table: str, holdout: bool) -> pd.DataFrame:
    """Train (``holdout=False``) or holdout rows of one snapshot table, without the split column."""
    return con.execute(f"SELECT * EXCLUDE (_holdout) FROM {q(table)} WHERE _holdout = ?", [holdout]).df()


class SnapshotInfo(BaseModel):
    """A vault snapshot as listed to a steward: lineage, sizes and retention, never a row."""

    id: str
    source: str
    catalog_version: int
    fingerprint: str
    rows: dict[str, int]
    created_at: datetime
    expires_at: datetime | None
    status: str


def list_snapshots(ws: Workspace, user: User, source: str | None = None) -> list[SnapshotInfo]:
    """Every snapshot (active, forgotten, deleted) of one source or all sources (stewards); the look is logged."""
    authorize(ws, user, "vault.open", source or "")
    with ws.governance() as g:
        rows = g.execute("SELECT id, source, catalog_version, fingerprint, rows, created_at, expires_at, status "
                         "FROM snapshots WHERE ? IS NULL OR source = ? ORDER BY created_at DESC",
                         [source, source]).fetchall()
        audit.record(g, user, "vault.list", source or "", details={"snapshots": len(rows)})
    return [SnapshotInfo(id=r[0], source=r[1], catalog_version=r[2], fingerprint=r[3], rows=json.loads(r[4]),
                         created_at=r[5], expires_at=r[6], status=r[7]) for r in rows]
