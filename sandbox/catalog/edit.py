"""The column inventory as stewards keep it: every column's class, purpose and evidence, changed with a reason.

A change is a new catalog version (``catalog_store.save``) and an audit event that names the steward, the reason
and each field changed (old -> new); nothing is edited in place. The vault is not rewritten: the newest catalog
applies at the next ingest of the source, which is what the page says. Read by the app's Catalog page (stewards
edit; admins and the council read, so the council sees which fields are sensitive before it votes).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from sandbox.catalog import store as catalog_store
from sandbox.catalog.model import Catalog
from sandbox.errors import InputError, UnknownObject
from sandbox.governance import audit
from sandbox.governance.access import User, require
from sandbox.workspace import Workspace

EDITABLE = ("cls", "purpose", "category", "identifier", "generalize")


class ColumnChange(BaseModel):
    """New values for some fields of one column (fields left None stay as they are)."""

    table: str
    column: str
    cls: str | None = None
    purpose: str | None = None
    category: str | None = None
    identifier: str | None = None
    generalize: str | None = None


class CatalogVersion(BaseModel):
    """One stored version: who saved it, when, and why."""

    version: int
    created_at: datetime
    created_by: str
    reason: str
    changes: list[str]


def sources(ws: Workspace, user: User) -> list[str]:
    """The sources that have a catalog."""
    require(user, "catalog.read")
    with ws.governance() as g:
        return [r[0] for r in g.execute("SELECT DISTINCT source FROM catalogs ORDER BY 1").fetchall()]


def current(ws: Workspace, user: User, source: str) -> Catalog:
    """The newest catalog of ``source`` (viewing it is audited)."""
    require(user, "catalog.read")
    cat = catalog_store.latest(ws, source)
    if cat is None:
        raise UnknownObject(f"no catalog for source {source!r}; ingest it first", code="catalog.none", source=source)
    with ws.governance() as g:
        audit.record(g, user, "catalog.view", source, details={"via": "app"})
    return cat


def change(ws: Workspace, user: User, source: str, changes: list[ColumnChange], reason: str,
           retention_days: int | None = None) -> int:
    """Save ``changes`` (and a new retention) as the next catalog version; returns the version. The reason is
    required and recorded; a change that keeps every value as it was saves nothing."""
    require(user, "catalog.write")
    reason = reason.strip()
    if len(reason) < 5:
        raise InputError("say why the catalog changes (a reason of at least 5 characters is recorded)",
                         code="catalog.reason")
    with ws.governance() as g:
        g.begin()
        cat = catalog_store.latest_in(g, source)
        if cat is None:
            g.rollback()
            raise UnknownObject(f"no catalog for source {source!r}; ingest it first", code="catalog.none",
                                source=source)
        data = cat.model_dump()
        said = _apply(data, changes, user, reason)
        if retention_days is not None and retention_days != data["retention_days"]:
            if retention_days < 1:
                g.rollback()
                raise InputError("retention is at least one day", code="catalog.retention")
            said.append(f"retention_days: {data['retention_days']} -> {retention_days}")
            data["retention_days"] = retention_days
        if not said:
            g.rollback()
            return cat.version
        try:
            new = Catalog.model_validate(data)
        except ValidationError as exc:
            g.rollback()
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"][-2:])
            raise InputError(f"{where}: {first['msg']}", code="catalog.invalid", where=where) from None
        version = catalog_store.save(g, new, user, reason=reason, changes=said)
        g.commit()
    return version


def _apply(data: dict[str, Any], changes: list[ColumnChange], user: User, reason: str) -> list[str]:
    said: list[str] = []
    for ch in changes:
        table = data["tables"].get(ch.table)
        if table is None or ch.column not in table["columns"]:
            raise UnknownObject(f"no column {ch.table}.{ch.column} in the catalog", code="catalog.no_column",
                                ref=f"{ch.table}.{ch.column}")
        entry = table["columns"][ch.column]
        changed = [f for f in EDITABLE if getattr(ch, f) is not None and getattr(ch, f) != entry.get(f)]
        for f in changed:
            said.append(f"{ch.table}.{ch.column}.{f}: {entry.get(f)} -> {getattr(ch, f)}")
            entry[f] = getattr(ch, f)
        if changed:
            entry["proposed"] = False
            entry["justification"] = f"{user.name}: {reason}" + (f" (was: {entry['justification']})"
                                                                   if entry.get("justification") else "")
    return said


def history(ws: Workspace, user: User, source: str) -> list[CatalogVersion]:
    """Every version of ``source``'s catalog, newest first, with the reason and changes from the audit log."""
    require(user, "catalog.read")
    with ws.governance() as g:
        rows = g.execute("SELECT version, created_at, created_by FROM catalogs WHERE source = ? "
                         "ORDER BY version DESC", [source]).fetchall()
        events = g.execute("SELECT reason, details FROM audit WHERE action = 'catalog.change' AND object = ?",
                           [source]).fetchall()
    why: dict[int, tuple[str, list[str]]] = {}
    for reason, details in events:
        d = json.loads(details or "{}")
        why[int(d.get("version", 0))] = (reason or "", list(d.get("changes") or []))
    return [CatalogVersion(version=v, created_at=at, created_by=by, reason=why.get(v, ("", []))[0],
                           changes=why.get(v, ("", []))[1]) for v, at, by in rows]


def column_rows(cat: Catalog) -> list[dict[str, Any]]:
    """One row per column: its class and the words that qualify it, purpose, what the vault holds, evidence."""
    from sandbox.catalog.plan import fate, plan_table

    rows = []
    for t, te in cat.tables.items():
        outputs = plan_table(t, te, cat)
        for c, e in te.columns.items():
            rows.append({"table": t, "column": c, "cls": e.cls, "purpose": e.purpose, "category": e.category,
                         "identifier": e.identifier, "generalize": e.generalize, "vault": fate(te, c, outputs),
                         "proposed": e.proposed, "evidence": e.justification})
    return rows


def sensitive_fields(cat: Catalog) -> list[str]:
    """``table.column (what)`` of every sensitive column and direct identifier, for the council."""
    return [f"{t}.{c} ({e.category or e.identifier or e.cls})" for t, te in cat.tables.items()
            for c, e in te.columns.items() if e.cls in ("sensitive", "direct_identifier")]


def changes_between(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[ColumnChange]:
    """The edits a grid of :func:`column_rows` received (rows matched by table and column)."""
    old = {(r["table"], r["column"]): r for r in before}
    found = []
    for row in after:
        was = old.get((row["table"], row["column"]))
        if was is None:
            continue
        fields = {f: _none(row.get(f)) for f in EDITABLE if _none(row.get(f)) != _none(was.get(f))}
        if fields:
            found.append(ColumnChange(table=row["table"], column=row["column"], **fields))
    return found


def _none(value: Any) -> Any:
    """A grid's empty cell (None, NaN, '') as None."""
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return None
    return value
