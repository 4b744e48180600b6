"""Ingest a CRM export into the vault: inventory, keys, pseudonymization, holdout split, snapshot.

The original export is never copied into the workspace. Each snapshot is written to a temporary file
and made visible in one step (rename + one governance transaction); on any failure nothing remains.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
from pydantic import BaseModel

from sandbox.catalog import store as catalog_store
from sandbox.catalog.model import Catalog, TableEntry
from sandbox.catalog.plan import Output, digest_columns, is_free_text, plan_table, quasi_identifiers
from sandbox.db import fetch_row, one, q
from sandbox.errors import CatalogError, InputError, IntegrityError
from sandbox.governance import audit
from sandbox.governance.access import User, require
from sandbox.progress import Progress, silent
from sandbox.vault.embedded import flag_embedded
from sandbox.vault.entities import propose_entities
from sandbox.vault.keys import (
    infer_composite_keys,
    infer_foreign_keys,
    infer_links_from_values,
    infer_primary_keys,
    infer_self_links,
    keys_inside_other_keys,
    linked_source_sql,
)
from sandbox.vault.pseudonymize import key_id, register_udf
from sandbox.vault.scrub import register_scrub_udf
from sandbox.vault.sources import (
    SourceTable,
    attach,
    cleanup,
    define_view,
    explain,
    mixed_type_column,
    out_of_memory,
    resolve,
)
from sandbox.workspace import Workspace

SAMPLE_ROWS = 5000
MEMORY_LIMIT = "1GB"  # DuckDB's working memory during ingest; larger exports spill to a private temp folder
MEMORY_LIMIT_ENV = "SANDBOX_INGEST_MEMORY_LIMIT"
SPILL_PREFIX = "sandbox-ingest-"  # + pid: folders of dead processes are swept by the next ingest
MIN_DIGEST_CHARS = 5  # shorter values are too common to identify anyone (see _identifier_digests)
KEY_ID = "pseudonym_key_id"  # governance meta: which key the active vault snapshots are pseudonymized with
_SOURCE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class IngestResult(BaseModel):
    """What an ingest produced (no values, only structure and counts)."""

    source: str
    snapshot: str
    catalog_version: int
    tables: dict[str, int]
    holdout_rows: dict[str, int]
    dropped_columns: dict[str, list[str]]
    k_anonymity: dict[str, dict[str, float | int | list[str] | None]]
    warnings: list[str]
    fingerprint: str


def fingerprint(tables: list[SourceTable]) -> str:
    """SHA-256 over every input file's bytes (streamed), for lineage."""
    digest = hashlib.sha256()
    for path in sorted({t.path for t in tables}):
        digest.update(path.name.encode())
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def _propose(con: duckdb.DuckDBPyConnection, name: str, rows: int) -> dict:
    from sandbox.vault.detect import propose_table

    sample = con.execute(
        f"SELECT * FROM {q('raw_' + name)} USING SAMPLE reservoir({SAMPLE_ROWS} ROWS) REPEATABLE (7)"
    ).df()
    # a sample of 5,000 looks unique for any column of many levels: uniqueness, which makes a column a key
    # whatever it is called, is counted over the whole table for the columns the sample cannot rule out
    unique = [str(c) for c in sample.columns if sample[c].notna().any() and sample[c].nunique() == sample[c].count()]
    ratios: dict[str, float] = {}
    if unique and rows > len(sample):
        counts = fetch_row(con, "SELECT " + ", ".join(
            f"count(DISTINCT {q(c)}), count({q(c)})" for c in unique) + f" FROM {q('raw_' + name)}")
        ratios = {c: counts[2 * i] / counts[2 * i + 1] for i, c in enumerate(unique) if counts[2 * i + 1]}
    return propose_table(name, sample, row_count=rows, unique_ratios=ratios)


def build_catalog(con: duckdb.DuckDBPyConnection, tables: list[SourceTable], source: str,
                  given: Catalog | None, user: User, accept_proposed: bool) -> Catalog:
    """Merge the steward's catalog (file or stored) with detection proposals for anything new."""
    cat = given.model_copy(deep=True) if given else Catalog(source=source, tables={})
    cat.source = source
    problems: list[str] = []
    for t in tables:
        rows = one(con.execute(f"SELECT count(*) FROM {q('raw_' + t.name)}"))[0]
        if rows == 0:
            problems.append(f"{t.path.name} (table {t.name}) has a header but no rows")
            continue
        columns = [d[0] for d in con.execute(f"SELECT * FROM {q('raw_' + t.name)} LIMIT 0").description]
        entry = cat.tables.get(t.name) or TableEntry(columns={})
        entry.source_file, entry.rows = t.path.name, rows
        missing = [c for c in columns if c not in entry.columns]
        if missing:
            proposals = _propose(con, t.name, rows)
            for c in missing:
                entry.columns[c] = proposals[c]
        unknown = [c for c in entry.columns if c not in columns]
        if unknown:
            problems.append(f"table {t.name}: the catalog names columns the file lacks: {', '.join(unknown)}")
        entry.columns = {c: entry.columns[c] for c in columns if c in entry.columns}
        cat.tables[t.name] = entry
    if problems:
        raise InputError("; ".join(problems))
    _check_kept_text(cat)
    _confirm(cat, user, accept_proposed)
    return cat


def _check_kept_text(cat: Catalog) -> None:
    """``keep_text`` is for free text that has a purpose; every misuse is listed at once."""
    problems = []
    for t, te in cat.tables.items():
        for c, e in te.columns.items():
            if not e.keep_text:
                continue
            if not is_free_text(e):
                problems.append(f"{t}.{c} is not free text (kind {e.kind})")
            elif e.purpose == "habit":
                problems.append(f"{t}.{c} has purpose 'habit'; set 'useful' or 'essential' to keep it")
    if problems:
        raise CatalogError("keep_text: true applies to free-text columns with a purpose: " + "; ".join(problems))


def _confirm(cat: Catalog, user: User, accept_proposed: bool) -> None:
    pending = [(t, c, e) for t, te in cat.tables.items() for c, e in te.columns.items() if e.proposed or e.cls is None]
    if not pending:
        return
    if not accept_proposed or any(e.cls is None for _, _, e in pending):
        listing = ", ".join(f"{t}.{c} (proposed: {e.cls or 'unclassified'})" for t, c, e in pending)
        raise CatalogError(
            f"{len(pending)} columns are not confirmed by a steward: {listing}. Review them with "
            "`sandbox catalog SOURCE --export FILE`, edit and pass --catalog FILE, or accept the proposals "
            "with --accept-proposed"
        )
    for _, _, e in pending:
        e.proposed = False
        e.justification = (e.justification + f" (proposal accepted by {user.name})").strip()


def _holdout_sql(expr: str, share: float, seed: int) -> str:
    bucket = f"CAST(('0x' || substr(md5(CAST({expr} AS VARCHAR) || ':{int(seed)}'), 1, 8)) AS BIGINT) % 10000"
    return f"({bucket}) < {int(share * 10000)}"


def _order(cat: Catalog) -> list[str]:
    done: list[str] = []
    pending = list(cat.tables)
    while pending:
        for name in list(pending):
            fks = [fk for fk in cat.tables[name].foreign_keys if fk.parent != name]  # a hierarchy is no parent
            if not fks or fks[0].parent in done:
                done.append(name)
                pending.remove(name)
                break
        else:
            raise CatalogError(f"foreign keys form a cycle among tables: {', '.join(pending)}")
    return done


def _write_table(con: duckdb.DuckDBPyConnection, t: SourceTable, cat: Catalog, share: float, seed: int) -> list[str]:
    """Create ``snap.<table>``; retries with text columns when a column mixes types. Returns warnings."""
    warnings: list[str] = []
    entry = cat.tables[t.name]
    for _ in range(len(entry.columns) + 1):
        outputs = plan_table(t.name, entry, cat)
        select = ", ".join(f"{o.sql} AS {q(o.column)}" for o in outputs)
        root_expr = q(entry.primary_key) if entry.primary_key else "row_number() OVER ()"
        holdout = _holdout_sql(root_expr, share, seed)
        try:
            con.execute(f"CREATE OR REPLACE TABLE snap.{q(t.name)} AS "
                        f"SELECT {select}, {holdout} AS _holdout FROM {linked_source_sql(con, t.name, cat)}")
            return warnings + _unreadable(con, t.name, outputs)
        except duckdb.ConversionException as exc:
            column = mixed_type_column(exc, t.columns)
            if t.fmt != "csv" or not column or column in t.text_columns:
                raise explain(exc, t) from None
            t.text_columns.append(column)
            warnings.append(f"table {t.name}, column {column}: mixed types; read as text")
            define_view(con, t)
        except duckdb.Error as exc:
            raise explain(exc, t) from None
    raise InputError(f"table {t.name}: could not be read")


def _check_target(cat: Catalog) -> None:
    """A fidelity target names a kept column: TABLE.COLUMN[=POSITIVE] (else the gate fails much later)."""
    if not cat.target:
        return
    ref = cat.target.partition("=")[0]
    table, _, column = ref.partition(".")
    if table not in cat.tables:
        raise InputError(f"target {ref!r}: no table {table!r}; tables: {', '.join(sorted(cat.tables))} "
                         "(give it as TABLE.COLUMN[=POSITIVE])")
    kept = {o.column for o in plan_table(table, cat.tables[table], cat)}
    if column not in kept:
        known = column in cat.tables[table].columns
        raise InputError(f"target {ref!r}: " + ("the catalog drops this column from the vault" if known else
                         f"no column {column!r} in {table}; columns: {', '.join(sorted(kept))}"))


def _unreadable(con: duckdb.DuckDBPyConnection, table: str, outputs: list[Output]) -> list[str]:
    """A warning per number or date column whose non-empty values the vault could not read (they are
    missing there now); counts only, never the values."""
    plain = [o for o in outputs if o.kind in ("numerical", "datetime")]
    if plain:  # the raw table is read again only for columns that hold NULLs in the vault
        nulls = one(con.execute(f"SELECT {', '.join(f'count(*) - count({q(o.column)})' for o in plain)} "
                            f"FROM snap.{q(table)}"))
        plain = [o for o, n in zip(plain, nulls, strict=True) if n]
    if not plain:
        return []
    lost = ", ".join(f"count(*) FILTER (WHERE trim(CAST({q(o.column)} AS VARCHAR)) <> '' AND ({o.sql}) IS NULL)"
                     for o in plain)
    counts = one(con.execute(f"SELECT {lost} FROM {q('raw_' + table)}"))
    what = {"numerical": "numbers", "datetime": "dates"}
    return [f"table {table}, column {o.column}: {n} non-empty values could not be read as {what[o.kind]} and are "
            "missing in the vault; fix the export, or class the column differently in the catalog"
            for o, n in zip(plain, counts, strict=True) if n]


def _inherit_holdout(con: duckdb.DuckDBPyConnection, cat: Catalog, name: str) -> None:
    fks = [fk for fk in cat.tables[name].foreign_keys if fk.parent != name]
    if not fks:
        return
    fk = fks[0]
    con.execute(
        f"UPDATE snap.{q(name)} AS c SET _holdout = p._holdout FROM snap.{q(fk.parent)} AS p "
        f"WHERE c.{q(fk.column)} = p.{q(fk.parent_column)}"
    )


def _identifier_digests(con: duckdb.DuckDBPyConnection, cat: Catalog) -> None:
    """Keyed digests of every identifier and key value, so the gate can scan synthetic data for leaks
    without the vault ever holding the raw values.

    ``kind`` says whether a digest comes from a direct identifier or a key column; ``tbl``, ``col`` and
    ``ident`` (the identifier kind) are its lineage, so the gate compares a synthetic column only with the
    values that could have reached it. Values shorter than ``MIN_DIGEST_CHARS`` (an item number "3", a
    surname "Li") are kept with ``short``: they identify somebody only in a column of their own kind (a
    fake surname equal to a real one), never as a number that happens to equal them.
    """
    con.execute("CREATE TABLE snap._identifier_digests (digest VARCHAR, kind VARCHAR, tbl VARCHAR, col VARCHAR, "
                "ident VARCHAR, short BOOLEAN)")
    for t, te in cat.tables.items():
        for c in digest_columns(te):
            entry = te.columns[c]
            kind = "key" if entry.cls == "key" or c == te.primary_key else "identifier"
            ident = (entry.identifier or "other") if kind == "identifier" else "key"
            # one column at a time, repeated values (a customer id in every order) dropped before the keyed
            # hash, which is the slow part: memory stays bounded by one column's distinct values
            con.execute(f"INSERT INTO snap._identifier_digests SELECT pseudonym(v), ?, ?, ?, ?, "
                        f"length(v) < {MIN_DIGEST_CHARS} FROM "
                        f"(SELECT DISTINCT CAST({q(c)} AS VARCHAR) AS v FROM {q('raw_' + t)} "
                        f"WHERE length(trim(CAST({q(c)} AS VARCHAR))) > 0)", [kind, t, c, ident])
    _identifier_owners(con, cat)


def _identifier_owners(con: duckdb.DuckDBPyConnection, cat: Catalog) -> None:
    """Whose row each identifier digest came from (the row's pseudonymized primary key), so that ``forget``
    can remove a person's e-mail, phone and name digests with their rows; a digest another remaining row
    also holds stays. Tables without a primary key keep no owners."""
    con.execute("CREATE TABLE snap._identifier_owners (digest VARCHAR, tbl VARCHAR, col VARCHAR, owner VARCHAR)")
    for t, te in cat.tables.items():
        if not te.primary_key:
            continue
        for c in digest_columns(te):
            if te.columns[c].cls == "key" or c == te.primary_key or any(fk.column == c for fk in te.foreign_keys):
                continue  # a key digest is the vault's own value: forget finds it there
            con.execute(f"INSERT INTO snap._identifier_owners SELECT pseudonym(v), ?, ?, pseudonym(k) FROM "
                        f"(SELECT DISTINCT CAST({q(c)} AS VARCHAR) AS v, CAST({q(te.primary_key)} AS VARCHAR) AS k "
                        f"FROM {q('raw_' + t)} WHERE length(trim(CAST({q(c)} AS VARCHAR))) > 0)", [t, c])


_PEOPLE_KINDS = frozenset({"full_name", "first_name", "last_name", "address", "free_text"})


def _locale_of(con: duckdb.DuckDBPyConnection, cat: Catalog) -> str:
    """The locale fake identities take, from the values: a CRM whose names, addresses or notes are mostly
    Cyrillic is Russian (its ``ФИО`` refilled with "Daniel Williams" told every reader it was fake).
    Without such columns, every text column votes."""
    def columns(people: bool) -> list[tuple[str, str]]:
        return [(t, c) for t, te in cat.tables.items() for c, e in te.columns.items()
                if not people or (e.cls == "direct_identifier" and e.identifier in _PEOPLE_KINDS)]

    for people in (True, False):
        shares = []
        for t, c in columns(people):
            share = fetch_row(con, f"SELECT avg(regexp_matches(v, '[А-Яа-яЁё]')::INT), count(*) FROM "
                                   f"(SELECT CAST({q(c)} AS VARCHAR) AS v FROM {q('raw_' + t)} "
                                   f"WHERE regexp_matches(CAST({q(c)} AS VARCHAR), '\\pL') LIMIT 2000)")
            if share[1]:
                shares.append(float(share[0]))
        if shares:
            return "ru_RU" if sum(shares) / len(shares) >= 0.5 else "en_US"
    return "en_US"


def _k_anonymity(con: duckdb.DuckDBPyConnection, cat: Catalog, name: str) -> dict:
    """Group sizes of the table's quasi-identifier combinations as stored in the vault (after generalization).

    ``min_group`` is the k the table actually achieves; ``rows_below_k`` and ``groups_below_k`` count the
    rows and combinations rarer than the catalog's k (an empty value is a value of its own).
    """
    entry = cat.tables[name]
    qis = quasi_identifiers(entry, plan_table(name, entry, cat))
    if not qis:
        return {"quasi_identifiers": [], "k": cat.k_anonymity, "min_group": None, "rows_below_k": 0,
                "groups_below_k": 0}
    cols = ", ".join(q(c) for c in qis)
    smallest, below, groups = one(con.execute(
        f"SELECT min(n), coalesce(sum(n) FILTER (WHERE n < {cat.k_anonymity}), 0), "
        f"count(*) FILTER (WHERE n < {cat.k_anonymity}) "
        f"FROM (SELECT count(*) AS n FROM snap.{q(name)} GROUP BY {cols})"
    ))
    return {"quasi_identifiers": qis, "k": cat.k_anonymity, "min_group": int(smallest), "rows_below_k": int(below),
            "groups_below_k": int(groups)}


def _sweep_spill_folders() -> None:
    """Delete spill folders left by ingest processes that were killed (they may hold raw values)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{SPILL_PREFIX}*-*"):
        pid = folder.name[len(SPILL_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:
            continue  # another user's live process


def connect() -> tuple[duckdb.DuckDBPyConnection, Path]:
    """An in-memory DuckDB connection with bounded memory that spills to a new private temp folder.

    The folder (mode 0700, in the system temp directory, never in the workspace) may receive raw
    values while large tables are sorted or joined; the caller deletes it with ``shutil.rmtree``.
    """
    _sweep_spill_folders()
    spill = Path(tempfile.mkdtemp(prefix=f"{SPILL_PREFIX}{os.getpid()}-"))
    limit = os.environ.get(MEMORY_LIMIT_ENV) or MEMORY_LIMIT
    try:
        con = duckdb.connect(config={"memory_limit": limit, "temp_directory": str(spill)})
    except duckdb.Error as exc:
        shutil.rmtree(spill, ignore_errors=True)
        raise InputError(f"{MEMORY_LIMIT_ENV}={limit!r} is not a valid DuckDB memory limit: {exc}") from None
    with contextlib.suppress(duckdb.InvalidInputException):  # Jupyter without ipywidgets refuses it (and draws none)
        con.execute("SET enable_progress_bar = false")  # progress is the caller's (CLI bar), not DuckDB's stderr
    return con, spill


def check_key(g: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """Refuse to mix keys in one vault: the key's id must match the one recorded by earlier ingests."""
    row = g.execute("SELECT value FROM meta WHERE key = ?", [KEY_ID]).fetchone()
    if row is None:
        g.execute("INSERT INTO meta VALUES (?, ?)", [KEY_ID, key_id(key)])
    elif row[0] != key_id(key):
        raise IntegrityError(
            "the pseudonymization key is not the one the vault is pseudonymized with: if a key rotation was "
            "interrupted, run `sandbox key rotate --resume`; if one finished while this ran, run this again; "
            "otherwise restore the key file the vault was made with")


def ingest(ws: Workspace, user: User, paths: list[str | Path], source: str, *, catalog_file: str | Path | None = None,
           accept_proposed: bool = False, holdout_share: float | None = None, seed: int = 0,
           target: str | None = None, locale: str | None = None, progress: Progress = silent) -> IngestResult:
    """Read an export, classify and pseudonymize it, split a holdout, and store a vault snapshot."""
    require(user, "ingest")
    if not _SOURCE_NAME.match(source):
        raise InputError(f"source name {source!r} must be lowercase letters, digits and _ (starting with a letter)")
    key = ws.pseudonym_key()
    with ws.governance() as g:  # fail fast; checked again when the snapshot is registered
        check_key(g, key)
    given = Catalog.read(catalog_file) if catalog_file else catalog_store.latest(ws, source)
    tables = resolve(paths)
    share = ws.settings.holdout_share if holdout_share is None else holdout_share
    if given is not None and holdout_share is None:
        share = given.holdout_share
    snapshot = f"{source}-{datetime.now(UTC):%Y%m%d%H%M%S}-{secrets.token_hex(2)}"
    ws.sweep_leftovers()  # what a killed ingest left behind
    final, tmp = ws.vault_path(snapshot), ws.vault_path(snapshot + ".tmp")
    con, spill = connect()
    register_udf(con, key)
    register_scrub_udf(con)
    try:
        progress("reading", 0, 4)
        warnings = attach(con, tables)
        cat = build_catalog(con, tables, source, given, user, accept_proposed)
        warnings += flag_embedded(con, cat)
        cat.holdout_share = share
        cat.target = target or cat.target
        _check_target(cat)
        cat.locale = locale or (cat.locale if given is not None else _locale_of(con, cat))
        progress("keys", 1, 4)
        infer_primary_keys(con, cat)
        infer_foreign_keys(con, cat)
        warnings += infer_links_from_values(con, cat)
        warnings += infer_self_links(con, cat)
        warnings += infer_composite_keys(con, cat)
        warnings += keys_inside_other_keys(con, cat)
        warnings += propose_entities(con, cat)
        con.execute(f"ATTACH '{tmp}' AS snap")
        by_name = {t.name: t for t in tables}
        progress("pseudonymizing", 2, 4)
        for name in _order(cat):
            warnings += _write_table(con, by_name[name], cat, share, seed)
            _inherit_holdout(con, cat, name)
        _identifier_digests(con, cat)
        counts = {n: one(con.execute(f"SELECT count(*), count(*) FILTER (WHERE _holdout) FROM snap.{q(n)}"))
                  for n in cat.tables}
        kanon = {n: _k_anonymity(con, cat, n) for n in cat.tables}
        for n, info in kanon.items():
            if info["rows_below_k"]:
                warnings.append(f"table {n}: {info['rows_below_k']} rows are in quasi-identifier groups smaller "
                                f"than k={cat.k_anonymity}; generalize more columns in the catalog")
        con.execute("DETACH snap")
        progress("fingerprint", 3, 4)
        fp = fingerprint(tables)
        dropped = {n: [c for c in e.columns if c not in {o.column for o in plan_table(n, e, cat)}]
                   for n, e in cat.tables.items()}
        os.chmod(tmp, 0o600)
        os.replace(tmp, final)
        try:
            version = _register(ws, user, cat, snapshot, fp, counts, kanon, dropped, key)
        except BaseException:
            final.unlink(missing_ok=True)
            raise
        progress("done", 4, 4)
    except duckdb.OutOfMemoryException:
        raise out_of_memory() from None
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
        cleanup(tables)
        for leftover in (tmp, Path(str(tmp) + ".wal")):
            leftover.unlink(missing_ok=True)
    return IngestResult(source=source, snapshot=snapshot, catalog_version=version,
                        tables={n: c[0] for n, c in counts.items()}, holdout_rows={n: c[1] for n, c in counts.items()},
                        dropped_columns=dropped, k_anonymity=kanon, warnings=warnings, fingerprint=fp)


def _register(ws: Workspace, user: User, cat: Catalog, snapshot: str, fp: str, counts: dict, kanon: dict,
              dropped: dict, key: bytes) -> int:
    now = datetime.now(UTC).replace(tzinfo=None)
    with ws.governance() as g:
        g.begin()
        check_key(g, key)
        version = catalog_store.save(g, cat, user)
        g.execute("INSERT INTO snapshots VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active')",
                  [snapshot, cat.source, version, fp, json.dumps({n: c[0] for n, c in counts.items()}),
                   json.dumps(kanon), now, now + timedelta(days=cat.retention_days)])
        audit.record(g, user, "ingest", snapshot, details={
            "source": cat.source, "tables": {n: c[0] for n, c in counts.items()}, "dropped_columns": dropped,
            "catalog_version": version})
        g.commit()
    return version
