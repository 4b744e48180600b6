"""Catalogs in the governance store: every save is a new version, so changes are auditable."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb

from sandbox.catalog.model import Catalog
from sandbox.governance import audit
from sandbox.governance.access import User
from sandbox.workspace import Workspace


def latest(ws: Workspace, source: str) -> Catalog | None:
    """The newest catalog of ``source`` (None when the source was never ingested)."""
    with ws.governance() as g:
        return latest_in(g, source)


def latest_in(g: duckdb.DuckDBPyConnection, source: str) -> Catalog | None:
    row = g.execute("SELECT catalog FROM catalogs WHERE source = ? ORDER BY version DESC LIMIT 1",
                    [source]).fetchone()
    return Catalog.model_validate(json.loads(row[0])) if row else None


def save(g: duckdb.DuckDBPyConnection, cat: Catalog, user: User, *, reason: str = "",
         changes: list[str] | None = None) -> int:
    """Store ``cat`` as the next version (unchanged content keeps the current version); a new version is an
    audit event in the caller's transaction, with the steward's reason and the fields changed when given."""
    current = latest_in(g, cat.source)
    if current is not None:
        cat.version = current.version
        if current.model_dump() == cat.model_dump():
            return current.version
        cat.version = current.version + 1
    else:
        cat.version = 1
    g.execute("INSERT INTO catalogs VALUES (?, ?, ?, ?, ?)",
              [cat.source, cat.version, cat.model_dump_json(), datetime.now(UTC).replace(tzinfo=None), user.name])
    audit.record(g, user, "catalog.change", cat.source, reason=reason,
                 details={"version": cat.version} | ({"changes": changes} if changes else {}))
    return cat.version
