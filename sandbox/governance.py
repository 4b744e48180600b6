"""Tables of the governance store: catalogs, snapshots, models, datasets, proposals, users, audit."""

from __future__ import annotations

import contextlib

import duckdb

SCHEMA_VERSION = 1

_DDL = [
    """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS catalogs (
        source VARCHAR, version INTEGER, catalog JSON, created_at TIMESTAMP, created_by VARCHAR,
        PRIMARY KEY (source, version))""",
    """CREATE TABLE IF NOT EXISTS snapshots (
        id VARCHAR PRIMARY KEY, source VARCHAR, catalog_version INTEGER, fingerprint VARCHAR,
        rows JSON, k_anonymity JSON, created_at TIMESTAMP, expires_at TIMESTAMP, status VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS models (
        id VARCHAR PRIMARY KEY, snapshot_id VARCHAR, source VARCHAR, generator VARCHAR, seed BIGINT,
        settings JSON, fit_seconds DOUBLE, created_at TIMESTAMP, expires_at TIMESTAMP, status VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS datasets (
        id VARCHAR PRIMARY KEY, source VARCHAR, snapshot_id VARCHAR, model_id VARCHAR, generator VARCHAR,
        seed BIGINT, rows JSON, sample_seconds DOUBLE, created_at TIMESTAMP, created_by VARCHAR,
        status VARCHAR, gate VARCHAR, report JSON, published_at TIMESTAMP, expires_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS audit (
        seq BIGINT PRIMARY KEY, ts TIMESTAMP, actor VARCHAR, role VARCHAR, action VARCHAR,
        object VARCHAR, reason VARCHAR, outcome VARCHAR, details JSON, prev_hash VARCHAR, hash VARCHAR)""",
]


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the governance tables on first use (idempotent, cheap)."""
    row = None
    with contextlib.suppress(duckdb.CatalogException):
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row and int(row[0]) >= SCHEMA_VERSION:
        return
    for ddl in _DDL:
        con.execute(ddl)
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
