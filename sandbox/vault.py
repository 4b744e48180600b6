"""Steward-only read access to vault snapshots. Nothing else in the product opens the vault."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

import duckdb
import pandas as pd

from sandbox.access import User, require
from sandbox.errors import UnknownObject
from sandbox.transform import q
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
    require(user, "vault.open")
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
    require(user, "vault.open")
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
