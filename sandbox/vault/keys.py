"""Primary- and foreign-key inference over DuckDB views: names first, then values.

A link is an inclusion dependency: a child column whose values fall (mostly) inside a parent table's unique
column, whatever either is called (a pipeline naming its ``account``, ``product`` and ``sales_agent``; invoice
lines naming ``InvoiceNo``). The parent's column becomes its primary key and both become keys, so they are
pseudonymized with one key and the link survives while no name crosses. References that resolve to nothing
(``GTXPro`` where products say ``GTX Pro``) are counted and, for links found from values, kept with the link
empty (``orphans: keep_unlinked`` in the catalog; ``drop`` and ``fail`` are the steward's other choices).
"""

from __future__ import annotations

import duckdb

from sandbox.catalog.model import Catalog, ColumnEntry, ForeignKeyEntry, TableEntry
from sandbox.db import fetch_row
from sandbox.errors import InputError


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _singular(table: str) -> list[str]:
    words = [w for w in table.split("_") if w not in {"olist", "dataset", "data", "table", "export"}]
    base = "_".join(words) or table
    forms = {base, table}
    for suffix, repl in (("ies", "y"), ("ses", "s"), ("s", "")):
        if base.endswith(suffix):
            forms.add(base[: -len(suffix)] + repl)
    return sorted(forms)


def _is_unique(con: duckdb.DuckDBPyConnection, view: str, column: str) -> bool:
    total, distinct, nulls = fetch_row(con,
        f"SELECT count(*), count(DISTINCT {_q(column)}), count(*) - count({_q(column)}) FROM {_q(view)}"
    )
    return total > 0 and nulls == 0 and distinct == total


def _pk_score(table: str, column: str) -> int:
    c = column.lower()
    if any(c == f"{s}_id" or c == f"{s}id" for s in _singular(table)):
        return 3
    if c in {"id", "key", "code"}:
        return 2
    return 1 if c.endswith("id") or c.endswith("_key") else 0


_INCLUDED = 0.9  # share of a child column's rows whose value is in the parent key that makes a link
_MAX_EXAMPLES = 3


_INTEGER = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")
_COVERED = 0.5  # share of a parent's keys a plain-number column must use: a quantity 1..9 inside ids 1..85 is no link
# (and all its values must be inside: a quantity up to 130 is mostly inside product ids 1..77, a reference entirely)


def _text_or_key(con: duckdb.DuckDBPyConnection, view: str, table: TableEntry) -> dict[str, str]:
    """Columns that can hold references, with their SQL type: text of any class (also numbers with a few
    codes among them: invoice numbers 536365 with returns C536365 read as text), issued numbers (key class),
    and plain whole numbers (``shipVia`` 1..3), which must also cover most of their parent's keys.
    Measurements with fractions, dates and flags never do."""
    types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {_q(view)})").fetchall())
    out = {}
    for c, e in table.columns.items():
        kind = types.get(c, "")
        if c in types and (e.cls == "key" or (kind == "VARCHAR" and e.kind in ("categorical", "key", "text",
                                                                                 "numerical"))
                           or (kind in _INTEGER and e.kind in ("numerical", "categorical")
                               and e.cls in ("ordinary", "quasi_identifier"))):
            out[c] = kind
    return out


def _plain_number(table: TableEntry, column: str, sql_type: str) -> bool:
    """A whole-number column nothing but its values calls a key: links only when it covers its parent."""
    return sql_type in _INTEGER and table.columns[column].cls != "key"


def _unique_columns(con: duckdb.DuckDBPyConnection, view: str, columns: list[str]) -> list[str]:
    if not columns:
        return []
    counts = fetch_row(con, "SELECT count(*), " + ", ".join(
        f"count(DISTINCT {_q(c)}), count({_q(c)})" for c in columns) + f" FROM {_q(view)}")
    total = counts[0]
    return [c for i, c in enumerate(columns) if total > 1 and counts[1 + 2 * i] == counts[2 + 2 * i] == total]


def _inclusion(con: duckdb.DuckDBPyConnection, child: str, column: str, parent: str,
               pk: str) -> tuple[int, int, int, float]:
    """Rows of ``child.column`` with a value, those whose value is in ``parent.pk``, its distinct values, and
    the share of the parent's keys it uses."""
    total, inside, distinct, used, keys = fetch_row(con,
        f"SELECT count(*), count(*) FILTER (WHERE p.k IS NOT NULL), count(DISTINCT CAST(c.{_q(column)} AS VARCHAR)), "
        f"count(DISTINCT p.k), (SELECT count(DISTINCT {_q(pk)}) FROM {_q('raw_' + parent)}) "
        f"FROM {_q('raw_' + child)} c LEFT JOIN (SELECT DISTINCT CAST({_q(pk)} AS VARCHAR) AS k "
        f"FROM {_q('raw_' + parent)}) p ON CAST(c.{_q(column)} AS VARCHAR) = p.k WHERE c.{_q(column)} IS NOT NULL")
    return total, inside, distinct, used / keys if keys else 0.0


def _examples(con: duckdb.DuckDBPyConnection, child: str, column: str, parent: str, pk: str) -> list[str]:
    rows = con.execute(
        f"SELECT DISTINCT CAST(c.{_q(column)} AS VARCHAR) FROM {_q('raw_' + child)} c WHERE c.{_q(column)} IS NOT "
        f"NULL AND CAST(c.{_q(column)} AS VARCHAR) NOT IN (SELECT CAST({_q(pk)} AS VARCHAR) FROM "
        f"{_q('raw_' + parent)} WHERE {_q(pk)} IS NOT NULL) ORDER BY 1 LIMIT {_MAX_EXAMPLES}").fetchall()
    return [r[0] for r in rows]


def _reaches(catalog: Catalog, start: str, target: str) -> bool:
    """Does ``start`` reach ``target`` by following links to parents? (A link back would make a cycle.)"""
    seen, todo = set(), [start]
    while todo:
        t = todo.pop()
        if t == target:
            return True
        if t not in seen:
            seen.add(t)
            todo += [fk.parent for fk in catalog.tables[t].foreign_keys if fk.parent != t]
    return False


def _as_key(entry: ColumnEntry, why: str) -> None:
    """A referenced or referencing column is a key: pseudonymized with the source's key, never dropped."""
    if entry.cls != "key":
        entry.justification = f"{entry.justification}; {why}" if entry.justification else why
    entry.cls, entry.kind = "key", "key"


def infer_links_from_values(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> list[str]:
    """Links no name announced, found by value inclusion; returns warnings about unresolved references.

    Parent candidates are a table's primary key, or, for a table without one, its unique text or key
    columns (the first referenced becomes its primary key). A child column links to the candidate holding
    the largest share of its rows, when that share is at least ``_INCLUDED``.
    """
    warnings: list[str] = []
    refs = {t: _text_or_key(con, f"raw_{t}", e) for t, e in catalog.tables.items()}
    candidates = {t: ([e.primary_key] if e.primary_key else _unique_columns(
        con, f"raw_{t}", [c for c, k in refs[t].items() if not _plain_number(e, c, k)]))
        for t, e in catalog.tables.items()}
    for name, table in catalog.tables.items():
        linked = {fk.column for fk in table.foreign_keys} | ({table.primary_key} if table.primary_key else set())
        for column, sql_type in refs[name].items():
            if column in linked or column in candidates[name]:
                continue
            best: tuple[float, float, str, str, int, int] | None = None
            for parent, keys in candidates.items():
                if parent == name or _reaches(catalog, parent, name):
                    continue
                for pk in keys:
                    total, inside, distinct, covered = _inclusion(con, name, column, parent, pk)
                    if not total or distinct < 2 or inside / total < _INCLUDED:
                        continue
                    if _plain_number(table, column, sql_type) and (covered < _COVERED or inside < total):
                        continue  # plain numbers: every one inside, and most of the parent's keys used
                    if best is None or (inside / total, covered) > best[:2]:  # ties: the parent it covers most
                        best = (inside / total, covered, parent, pk, total, inside)
            if best is None:
                continue
            share, covered, parent, pk, total, inside = best
            if _plain_number(table, column, sql_type):
                warnings.append(f"table {name}, column {column}: its whole numbers are {parent}.{pk} values "
                                f"(using {covered:.0%} of them), so it links there and is pseudonymized; if it "
                                "counts or measures something, remove the link in the catalog")
            parent_entry = catalog.tables[parent]
            if parent_entry.primary_key is None:
                parent_entry.primary_key = pk
                candidates[parent] = [pk]
                _as_key(parent_entry.columns[pk], f"unique; {name}.{column} refers to it")
            _as_key(table.columns[column], f"{share:.0%} of its values are {parent}.{pk} values: a link")
            fk = ForeignKeyEntry(column=column, parent=parent, parent_column=pk,
                                 orphans="keep_unlinked" if inside < total else "fail",
                                 evidence=f"{share:.1%} of {total} rows hold a {parent}.{pk} value")
            table.foreign_keys.append(fk)
            if inside < total:
                personal = table.columns[column].identifier is not None or \
                    parent_entry.columns[pk].identifier is not None
                shown = "" if personal else " (e.g. " + ", ".join(
                    repr(v) for v in _examples(con, name, column, parent, pk)) + ")"
                warnings.append(f"table {name}, column {column}: {total - inside} of {total} values are not in "
                                f"{parent}.{pk}{shown}; those rows are kept with the link empty "
                                "(catalog: orphans keep_unlinked; or drop, or fail)")
    return warnings


def keys_inside_other_keys(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> list[str]:
    """Link a table whose own text key is entirely another, larger table's key values (Northwind's
    employee_territories.territoryID, all territories.territoryID values): a one-to-one extension of that
    table. The key becomes a foreign key too; generators draw each synthetic key from a different parent row
    (a territory is assigned once), and the warning says so."""
    warnings: list[str] = []
    types = {t: dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {_q('raw_' + t)})").fetchall())
             for t in catalog.tables}
    for name, table in catalog.tables.items():
        pk = table.primary_key
        if not pk or types[name].get(pk) != "VARCHAR" or any(fk.column == pk for fk in table.foreign_keys):
            continue
        for parent, other in catalog.tables.items():
            if parent == name or not other.primary_key or other.rows <= table.rows \
                    or types[parent].get(other.primary_key) != "VARCHAR":
                continue
            total, inside, distinct, _ = _inclusion(con, name, pk, parent, other.primary_key)
            if total and distinct >= 2 and inside == total:
                table.foreign_keys.append(ForeignKeyEntry(
                    column=pk, parent=parent, parent_column=other.primary_key,
                    evidence=f"every value of the key {pk} is a {parent}.{other.primary_key} value"))
                warnings.append(f"table {name}: its key {pk} holds only {parent}.{other.primary_key} values; "
                                f"linked as one {name} row per {parent} row at most")
                break
    return warnings


def _is_hierarchy(con: duckdb.DuckDBPyConnection, name: str, column: str, pk: str) -> bool:
    """Does ``column`` point rows at other rows of their own table as a tree does: some rows at none (the
    roots), no row at itself, and no chain of references coming back to where it started?"""
    pairs = con.execute(
        f"SELECT CAST({_q(pk)} AS VARCHAR), CAST({_q(column)} AS VARCHAR) FROM {_q('raw_' + name)}").fetchall()
    up = {k: v for k, v in pairs if v is not None}
    if len(up) == len(pairs) or any(k == v for k, v in up.items()):
        return False
    settled: set[str] = set()  # rows whose chain reaches a root
    for start in up:
        path, row = [], start
        while row in up and row not in settled:
            if row in path:
                return False
            path.append(row)
            row = up[row]
        settled.update(path)
    return True


def infer_self_links(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> list[str]:
    """Hierarchies inside one table (``employees.reportsTo`` -> ``employeeID``), found from values: a column
    whose values are (nearly all) the table's own keys and that forms a tree. Both are keys, pseudonymized
    alike; the link is recorded with the parent being the table itself, for generators to rebuild a tree."""
    warnings: list[str] = []
    for name, table in catalog.tables.items():
        pk = table.primary_key
        if not pk:
            continue
        linked = {fk.column for fk in table.foreign_keys} | {pk}
        for column, sql_type in _text_or_key(con, f"raw_{name}", table).items():
            if column in linked:
                continue
            total, inside, distinct, _ = _inclusion(con, name, column, name, pk)
            if not total or distinct < 2 or inside / total < _INCLUDED:
                continue
            if (_plain_number(table, column, sql_type) and inside < total) or not _is_hierarchy(con, name, column,
                                                                                                 pk):
                continue
            _as_key(table.columns[column], f"{inside / total:.0%} of its values are {name}.{pk} values: a hierarchy")
            table.foreign_keys.append(ForeignKeyEntry(
                column=column, parent=name, parent_column=pk, orphans="keep_unlinked" if inside < total else "fail",
                evidence=f"{inside / total:.1%} of {total} rows hold a {name}.{pk} value of another row, as a tree"))
            warnings.append(f"table {name}, column {column}: refers to rows of its own table ({pk}), a hierarchy; "
                            "synthetic rows get a tree of the same shape over synthetic rows")
    return warnings


def infer_composite_keys(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> list[str]:
    """A table with no key of its own whose links, two together, never repeat (an order line's order and
    product) has them as its composite key; generators then never repeat a combination."""
    notes: list[str] = []
    for name, table in catalog.tables.items():
        links = [fk.column for fk in table.foreign_keys if fk.parent != name]
        if table.primary_key or table.composite_key or len(links) < 2:
            continue
        for i, a in enumerate(links):
            pair = next((b for b in links[i + 1:] if _is_unique_pair(con, f"raw_{name}", a, b)), None)
            if pair:
                table.composite_key = [a, pair]
                notes.append(f"table {name}: {a} and {pair} together name each row (a composite key)")
                break
    return notes


def _is_unique_pair(con: duckdb.DuckDBPyConnection, view: str, a: str, b: str) -> bool:
    total, distinct, filled = fetch_row(con,
        f"SELECT count(*), count(DISTINCT ({_q(a)}, {_q(b)})), count(*) FILTER (WHERE {_q(a)} IS NOT NULL AND "
        f"{_q(b)} IS NOT NULL) FROM {_q(view)}")
    return total > 1 and distinct == filled == total


def linked_source_sql(con: duckdb.DuckDBPyConnection, name: str, catalog: Catalog) -> str:
    """The relation ingest reads a table from: its raw view, with references that resolve to nothing
    emptied or their rows left out, as each link's ``orphans`` says."""
    table = catalog.tables[name]
    replace, where = [], []
    for fk in table.foreign_keys:
        if fk.orphans == "fail":
            continue
        inside = (f"CAST({_q(fk.column)} AS VARCHAR) IN (SELECT CAST({_q(fk.parent_column)} AS VARCHAR) "
                  f"FROM {_q('raw_' + fk.parent)} WHERE {_q(fk.parent_column)} IS NOT NULL)")
        if fk.orphans == "keep_unlinked":
            replace.append(f"CASE WHEN {inside} THEN {_q(fk.column)} END AS {_q(fk.column)}")
        else:
            where.append(f"({_q(fk.column)} IS NULL OR {inside})")
    if not replace and not where:
        return _q(f"raw_{name}")
    select = f"* REPLACE ({', '.join(replace)})" if replace else "*"
    return f"(SELECT {select} FROM {_q('raw_' + name)}{' WHERE ' + ' AND '.join(where) if where else ''})"


def infer_primary_keys(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> None:
    """Set ``primary_key`` where the catalog has none: a unique, non-null, key-class column."""
    for name, table in catalog.tables.items():
        view = f"raw_{name}"
        if table.primary_key:
            if not _is_unique(con, view, table.primary_key):
                raise InputError(f"table {name}: primary key column {table.primary_key} has duplicate or empty "
                                 f"values: {_duplicates(con, view, table.primary_key)}; fix the export or choose "
                                 "another key in the catalog")
            continue
        candidates = sorted(
            (c for c, e in table.columns.items() if e.cls == "key" and _pk_score(name, c) > 0),
            key=lambda c: -_pk_score(name, c),
        )
        for column in candidates:
            if _is_unique(con, view, column):
                table.primary_key = column
                break
        else:
            _refuse_near_unique_own_id(con, name, view, [c for c in candidates if _pk_score(name, c) == 3])


_NEAR_UNIQUE = 0.9  # an own-id column this distinct, but not fully, holds duplicated records, not line numbers


def _duplicates(con: duckdb.DuckDBPyConnection, view: str, column: str) -> str:
    """Which rows repeat a key: counts and the file lines (header = line 1), never the values."""
    repeated, rows, lines = fetch_row(con,
        f"SELECT count(DISTINCT k), count(*), list(line ORDER BY line)[:5] FROM (SELECT {_q(column)} AS k, "
        f"row_number() OVER () + 1 AS line, count(*) OVER (PARTITION BY {_q(column)}) AS n FROM {_q(view)}) "
        f"WHERE n > 1 AND k IS NOT NULL")
    if not rows:
        return "empty values"
    shared = "one value" if repeated == 1 else f"{repeated} values"
    return f"{rows} rows share {shared} (first at lines {', '.join(map(str, lines))})"


def _refuse_near_unique_own_id(con: duckdb.DuckDBPyConnection, name: str, view: str, columns: list[str]) -> None:
    """A table's own id (``customer_id`` in ``customers``) that is almost unique holds duplicated records:
    ingesting them gave three rows one pseudonym without a word."""
    for column in columns:
        total, distinct = fetch_row(con, f"SELECT count({_q(column)}), count(DISTINCT {_q(column)}) FROM {_q(view)}")
        if total and _NEAR_UNIQUE <= distinct / total < 1:
            raise InputError(f"table {name}: {column} is this table's own id, but {_duplicates(con, view, column)}; "
                             "remove the duplicated records from the export, or name another primary key in "
                             "the catalog")


def _orphans(con: duckdb.DuckDBPyConnection, child: str, column: str, parent: str, pk: str) -> tuple[int, int]:
    return fetch_row(con,
        f"SELECT count(*) FILTER (WHERE p.k IS NULL), count(*) FROM {_q('raw_' + child)} c "
        f"LEFT JOIN (SELECT DISTINCT CAST({_q(pk)} AS VARCHAR) AS k FROM {_q('raw_' + parent)}) p "
        f"ON CAST(c.{_q(column)} AS VARCHAR) = p.k WHERE c.{_q(column)} IS NOT NULL"
    )


def infer_foreign_keys(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> None:
    """Link key columns to other tables' primary keys by name, confirmed by value containment."""
    pks = {t: e.primary_key for t, e in catalog.tables.items() if e.primary_key}
    problems: list[str] = []
    for name, table in catalog.tables.items():
        declared = {fk.column for fk in table.foreign_keys}
        for fk in table.foreign_keys:
            orphans, total = _orphans(con, name, fk.column, fk.parent, fk.parent_column)
            if orphans and fk.orphans == "fail":
                problems.append(f"table {name}, column {fk.column}: {orphans} of {total} values have no matching "
                                f"{fk.parent_column} in table {fk.parent} (orphan foreign keys)")
        for column, entry in table.columns.items():
            if column == table.primary_key or column in declared or entry.cls not in {"key", "direct_identifier"}:
                continue
            for parent, pk in pks.items():
                if parent == name:
                    continue
                named = column.lower() == pk.lower() or any(column.lower() == f"{s}_id" for s in _singular(parent))
                if not named:
                    continue
                orphans, total = _orphans(con, name, column, parent, pk)
                if total and orphans:
                    problems.append(f"table {name}, column {column}: {orphans} of {total} values have no matching "
                                    f"{pk} in table {parent} (orphan foreign keys)")
                table.foreign_keys.append(ForeignKeyEntry(column=column, parent=parent, parent_column=pk))
                break
    if problems:
        raise InputError("; ".join(problems) + ". Fix the export, or remove the link in the catalog file")
