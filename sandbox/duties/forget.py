"""A data subject's deletion request: remove one person from the vault and withdraw all that was learned from them.

The person is found by pseudonym (keyed HMAC of the identifier the request names), in the key columns
the catalog knows. Every active vault snapshot of the source that holds the person is rewritten into a
*new* snapshot file without the record and its descendants (child rows through the catalog's foreign
keys); the old snapshot is marked ``forgotten`` and its file deleted. Vault files are never edited in
place. Every model and synthetic dataset learned from a replaced snapshot is marked ``stale`` (hidden
from listings and from new work) and its files deleted, or regenerated from the new snapshot on request.
The lineage (snapshot -> model -> dataset) makes this exact: nothing else is touched.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from pydantic import BaseModel

from sandbox.catalog.model import Catalog, TableEntry
from sandbox.db import one, q
from sandbox.duties.retention import remove_files
from sandbox.errors import CatalogError, InputError, UnknownObject
from sandbox.governance import audit
from sandbox.governance.access import User
from sandbox.governance.audit import authorize
from sandbox.progress import Progress, silent
from sandbox.vault.pseudonymize import pseudonym
from sandbox.workspace import Workspace

REASON = "data subject deletion request"


class ReplacedSnapshot(BaseModel):
    """A snapshot that held the person, and the one that replaces it."""

    old: str
    new: str
    rows_removed: dict[str, int]


class ForgetReport(BaseModel):
    """Everything a deletion request touched (no real value, only the pseudonym)."""

    source: str
    pseudonym: str
    found: bool
    snapshots: list[ReplacedSnapshot]
    stale_models: list[str]
    stale_datasets: list[str]
    regenerated: dict[str, str | None]
    deleted_files: list[str]


def _order(cat: Catalog) -> list[str]:
    """Tables parents first (by the catalog's foreign keys)."""
    done: list[str] = []
    pending = list(cat.tables)
    while pending:
        ready = [t for t in pending if all(fk.parent in done or fk.parent == t for fk in cat.tables[t].foreign_keys)]
        if not ready:
            raise CatalogError(f"foreign keys form a cycle among tables: {', '.join(pending)}")
        done += ready
        pending = [t for t in pending if t not in ready]
    return done


def _key_columns(cat: Catalog, column: str | None) -> dict[str, list[str]]:
    """Columns that may hold the person's pseudonym: ``column`` when given, else every table's primary key."""
    if column:
        table, _, col = column.partition(".")
        entry = cat.tables.get(table)
        is_key = entry is not None and (col == entry.primary_key or any(fk.column == col for fk in entry.foreign_keys)
                                        or (col in entry.columns and entry.columns[col].cls == "key"))
        if not is_key:
            raise InputError(f"{column} is not a pseudonymized key column of source {cat.source!r}; "
                             "name one as TABLE.COLUMN or leave --column out to search every primary key")
        return {table: [col]}
    found = {t: [e.primary_key] for t, e in cat.tables.items() if e.primary_key}
    if not found:
        raise CatalogError(f"the catalog of {cat.source!r} names no primary key; pass --column TABLE.COLUMN")
    return found


DIGESTS, OWNERS = "_identifier_digests", "_identifier_owners"


def _pseudonymized_keys(te: TableEntry) -> list[str]:
    """Columns the vault holds as the same pseudonyms their digests are (a table's own key and its links)."""
    return [c for c in te.columns if c == te.primary_key or any(fk.column == c for fk in te.foreign_keys)]


def _forget_digests(con: duckdb.DuckDBPyConnection, cat: Catalog, index: dict[str, int], removed: dict[str, int],
                    subject: str, has_owners: bool) -> None:
    """Copy the leak scan's digests without the subject's: key digests whose value no longer appears in its
    column, identifier digests (e-mail, phone, name) whose rows were all removed. A value another remaining
    row still holds stays (the scan still needs it)."""
    gone = [f"SELECT ? AS tbl, k AS owner FROM gone_{index[t]}" for t in cat.tables
            if cat.tables[t].primary_key and removed.get(t)]
    con.execute("CREATE TEMP TABLE gone_owners AS " + (" UNION ALL ".join(gone) or
                                                        "SELECT NULL::VARCHAR AS tbl, NULL::VARCHAR AS owner LIMIT 0"),
                [t for t in cat.tables if cat.tables[t].primary_key and removed.get(t)])
    if has_owners:
        con.execute(f"CREATE TABLE new.{OWNERS} AS SELECT * FROM old.{OWNERS} o WHERE NOT EXISTS "
                    "(SELECT 1 FROM gone_owners g WHERE g.tbl = o.tbl AND g.owner = o.owner)")
        lost = (f"EXISTS (SELECT 1 FROM old.{OWNERS} o WHERE o.digest = d.digest AND o.tbl = d.tbl AND o.col = d.col) "
                f"AND NOT EXISTS (SELECT 1 FROM new.{OWNERS} o WHERE o.digest = d.digest AND o.tbl = d.tbl "
                "AND o.col = d.col)")
    else:
        lost = "false"
    present = {(r[0], r[1]) for r in con.execute("SELECT table_name, column_name FROM information_schema.columns "
                                                 "WHERE table_catalog = 'new'").fetchall()}
    still = [f"(d.tbl = '{t}' AND d.col = '{c}' AND d.digest NOT IN (SELECT {q(c)} FROM new.{q(t)} "
             f"WHERE {q(c)} IS NOT NULL))"
             for t, te in cat.tables.items() if removed.get(t) for c in _pseudonymized_keys(te) if (t, c) in present
             and "'" not in t + c]
    key_gone = f"(d.kind = 'key' AND ({' OR '.join(still) or 'false'}))"
    con.execute(f"CREATE TABLE new.{DIGESTS} AS SELECT * FROM old.{DIGESTS} d WHERE d.digest IS DISTINCT FROM ? "
                f"AND NOT {key_gone} AND NOT (d.kind = 'identifier' AND {lost})", [subject])


def _rewrite(old: Path, tmp: Path, cat: Catalog, match: dict[str, list[str]], subject: str) -> dict[str, int] | None:
    """Write ``tmp`` as ``old`` without the subject's rows and their descendants; None when nobody matched."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{old}' AS old (READ_ONLY)")
        hits = sum(one(con.execute(f"SELECT count(*) FROM old.{q(t)} WHERE {q(c)} = ?", [subject]))[0]
                   for t, cols in match.items() for c in cols)
        if not hits:
            return None
        con.execute(f"ATTACH '{tmp}' AS new")
        removed: dict[str, int] = {}
        index = {t: n for n, t in enumerate(cat.tables)}
        for table in _order(cat):
            entry = cat.tables[table]
            conds = [f"{q(c)} = ?" for c in match.get(table, [])]
            conds += [f"{q(fk.column)} IN (SELECT k FROM gone_{index[fk.parent]})"
                      for fk in entry.foreign_keys if fk.parent != table and removed.get(fk.parent)]
            params = [subject] * len(match.get(table, []))
            gone = f"coalesce({' OR '.join(conds) or 'false'}, false)"
            con.execute(f"CREATE TABLE new.{q(table)} AS SELECT * FROM old.{q(table)} WHERE NOT {gone}", params)
            before = one(con.execute(f"SELECT count(*) FROM old.{q(table)}"))[0]
            removed[table] = before - one(con.execute(f"SELECT count(*) FROM new.{q(table)}"))[0]
            if entry.primary_key and removed[table]:
                con.execute(f"CREATE TEMP TABLE gone_{index[table]} AS SELECT {q(entry.primary_key)} AS k "
                            f"FROM old.{q(table)} WHERE {gone}", params)
        others = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_catalog = 'old'").fetchall() if r[0] not in cat.tables]
        for table in others:
            if table not in (DIGESTS, OWNERS):
                con.execute(f"CREATE TABLE new.{q(table)} AS SELECT * FROM old.{q(table)}")
        if DIGESTS in others:
            _forget_digests(con, cat, index, removed, subject, OWNERS in others)
        con.execute("DETACH new")
    finally:
        con.close()
    os.chmod(tmp, 0o600)
    return removed


def _regenerate(ws: Workspace, user: User, stale: list[tuple[str, str, str, int, str]]) -> dict[str, str | None]:
    """Synthesize, evaluate and (if it was published and passes) publish a replacement of each stale dataset."""
    from sandbox.release.datasets import publish
    from sandbox.release.gate import evaluate
    from sandbox.release.synthesize import synthesize

    done: dict[str, str | None] = {}
    for dataset, source, generator, seed, status in stale:
        info = synthesize(ws, user, source, generator=generator, seed=seed)
        report = evaluate(ws, user, info.id)
        if status == "published" and report["gate"] == "pass":
            publish(ws, user, info.id)
        done[dataset] = info.id
    return done


def forget(ws: Workspace, user: User, source: str, id_value: str, column: str | None = None, *,
           regenerate: bool = False, progress: Progress = silent) -> ForgetReport:
    """Remove the person with identifier ``id_value`` from every active snapshot of ``source`` (steward).

    ``column`` (``TABLE.COLUMN``) names the key column the identifier belongs to; by default every
    table's primary key is searched. Returns what was replaced, made stale, regenerated and deleted.
    """
    authorize(ws, user, "forget", source)
    subject = pseudonym(ws.pseudonym_key(), id_value)
    if subject is None:
        raise InputError("name the person to forget: their identifier value is missing")
    with ws.governance() as g:
        snaps = g.execute("SELECT s.id, c.catalog FROM snapshots s JOIN catalogs c ON c.source = s.source "
                          "AND c.version = s.catalog_version WHERE s.source = ? AND s.status = 'active' "
                          "ORDER BY s.created_at", [source]).fetchall()
    if not snaps:
        raise UnknownObject(f"no active vault snapshot of source {source!r}")
    replaced: list[ReplacedSnapshot] = []
    for i, (old, cat_json) in enumerate(snaps):
        progress("searching snapshots", i, len(snaps))
        cat = Catalog.model_validate(json.loads(cat_json))
        new = f"{source}-{datetime.now(UTC):%Y%m%d%H%M%S}-{secrets.token_hex(2)}"
        tmp = ws.vault_path(new + ".tmp")
        try:
            removed = _rewrite(ws.vault_path(old), tmp, cat, _key_columns(cat, column), subject)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        if removed is not None:
            os.replace(tmp, ws.vault_path(new))
            replaced.append(ReplacedSnapshot(old=old, new=new, rows_removed=removed))
    try:
        stale_models, stale = _commit(ws, user, source, subject, replaced)
    except BaseException:
        for r in replaced:
            ws.vault_path(r.new).unlink(missing_ok=True)
        raise
    deleted = [name for r in replaced for name in remove_files(ws, "snapshot", r.old)]
    deleted += [name for m in stale_models for name in remove_files(ws, "model", m)]
    deleted += [name for d in stale for name in remove_files(ws, "dataset", d[0])]
    regenerated = _regenerate(ws, user, stale) if regenerate and replaced else {}
    progress("done", len(snaps), len(snaps))
    return ForgetReport(source=source, pseudonym=subject, found=bool(replaced), snapshots=replaced,
                        stale_models=stale_models, stale_datasets=[d[0] for d in stale], regenerated=regenerated,
                        deleted_files=deleted)


def _commit(ws: Workspace, user: User, source: str, subject: str,
            replaced: list[ReplacedSnapshot]) -> tuple[list[str], list[tuple[str, str, str, int, str]]]:
    """Register new snapshots, retire old ones, mark derived models and datasets stale, and log it: one transaction."""
    now = datetime.now(UTC).replace(tzinfo=None)
    olds = [r.old for r in replaced]
    with ws.governance() as g:
        g.begin()
        for r in replaced:
            g.execute("INSERT INTO snapshots SELECT ?, source, catalog_version, fingerprint, ?, k_anonymity, ?, "
                      "expires_at, 'active' FROM snapshots WHERE id = ?",
                      [r.new, json.dumps(_rows_after(g, r)), now, r.old])
            g.execute("UPDATE snapshots SET status = 'forgotten' WHERE id = ?", [r.old])
        models = [m[0] for m in g.execute("SELECT id FROM models WHERE status = 'active' AND list_contains(?, "
                                          "snapshot_id) ORDER BY id", [olds]).fetchall()]
        stale = g.execute("SELECT id, source, generator, seed, status FROM datasets WHERE status NOT IN "
                          "('deleted', 'stale') AND list_contains(?, snapshot_id) ORDER BY id", [olds]).fetchall()
        g.execute("UPDATE models SET status = 'stale' WHERE list_contains(?, id)", [models])
        g.execute("UPDATE datasets SET status = 'stale' WHERE list_contains(?, id)", [[d[0] for d in stale]])
        audit.record(g, user, "forget", source, reason=REASON, outcome="ok" if replaced else "not_found",
                     details={"pseudonym": subject, "snapshots": [r.model_dump() for r in replaced],
                              "stale_models": models, "stale_datasets": [d[0] for d in stale]})
        g.commit()
    return models, [tuple(d) for d in stale]


def _rows_after(g: duckdb.DuckDBPyConnection, r: ReplacedSnapshot) -> dict[str, int]:
    (rows,) = one(g.execute("SELECT rows FROM snapshots WHERE id = ?", [r.old]))
    before = json.loads(rows)
    return {t: n - r.rows_removed.get(t, 0) for t, n in before.items()}
