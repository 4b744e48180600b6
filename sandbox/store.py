"""Tables of the governance store: catalogs, snapshots, models, datasets, proposals, users, audit."""

from __future__ import annotations

import duckdb

_DDL = [
    """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS outbox (
        id BIGINT PRIMARY KEY, created_at TIMESTAMP, recipient VARCHAR, subject VARCHAR, body VARCHAR,
        kind VARCHAR, object VARCHAR, sent_at TIMESTAMP, error VARCHAR)""",
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
    """CREATE TABLE IF NOT EXISTS seals (
        dataset VARCHAR PRIMARY KEY, sha256 VARCHAR, bytes BIGINT, files JSON, sealed_at TIMESTAMP,
        audit_seq BIGINT)""",
    """CREATE TABLE IF NOT EXISTS audit (
        seq BIGINT PRIMARY KEY, ts TIMESTAMP, actor VARCHAR, role VARCHAR, action VARCHAR,
        object VARCHAR, reason VARCHAR, outcome VARCHAR, details JSON, prev_hash VARCHAR, hash VARCHAR)""",
    # ---- users (shared with the access module; same columns both sides)
    """CREATE TABLE IF NOT EXISTS users (
        name VARCHAR PRIMARY KEY, role VARCHAR, seat VARCHAR, disabled BOOLEAN, password_hash VARCHAR,
        failed_logins INTEGER, locked_until TIMESTAMP, created_at TIMESTAMP, manager VARCHAR)""",
    # ---- access (sandbox/users.py, sandbox/exports.py): sessions, sign-in e-mails for OIDC, exports
    """CREATE TABLE IF NOT EXISTS sessions (
        token_hash VARCHAR PRIMARY KEY, name VARCHAR, method VARCHAR, created_at TIMESTAMP, expires_at TIMESTAMP,
        last_seen TIMESTAMP, ended_at TIMESTAMP, end_reason VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS user_emails (email VARCHAR PRIMARY KEY, name VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS exports (
        id VARCHAR PRIMARY KEY, created_at TIMESTAMP, actor VARCHAR, role VARCHAR, kind VARCHAR, dataset VARCHAR,
        object VARCHAR, rows BIGINT, justification VARCHAR, path VARCHAR, sha256 VARCHAR)""",
    # ---- ethics council (sandbox/council)
    """CREATE TABLE IF NOT EXISTS proposals (
        id VARCHAR PRIMARY KEY, kind VARCHAR, dataset VARCHAR, proposer VARCHAR, state VARCHAR,
        version INTEGER, proposal JSON, created_at TIMESTAMP, updated_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS proposal_versions (
        proposal VARCHAR, version INTEGER, draft JSON, changed_by VARCHAR, changed_at TIMESTAMP,
        PRIMARY KEY (proposal, version))""",
    """CREATE TABLE IF NOT EXISTS proposal_votes (
        proposal VARCHAR, seq INTEGER, round INTEGER, version INTEGER, voter VARCHAR, seat VARCHAR,
        choice VARCHAR, reason VARCHAR, cast_at TIMESTAMP, PRIMARY KEY (proposal, seq))""",
    """CREATE TABLE IF NOT EXISTS proposal_events (
        proposal VARCHAR, seq INTEGER, ts TIMESTAMP, actor VARCHAR, action VARCHAR, from_state VARCHAR,
        to_state VARCHAR, version INTEGER, reason VARCHAR, PRIMARY KEY (proposal, seq))""",
    """CREATE TABLE IF NOT EXISTS policies (
        version INTEGER PRIMARY KEY, policy VARCHAR, created_at TIMESTAMP, created_by VARCHAR)""",
]


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create any missing governance table (idempotent; every statement is CREATE ... IF NOT EXISTS)."""
    present = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    for ddl in _DDL:
        name = ddl.split("IF NOT EXISTS", 1)[1].split()[0]
        if name not in present:
            con.execute(ddl)
