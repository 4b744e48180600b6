"""Primary- and foreign-key inference over DuckDB views: names first, then value containment."""

from __future__ import annotations

import duckdb

from sandbox.catalog import Catalog, ForeignKeyEntry
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


def infer_primary_keys(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> None:
    """Set ``primary_key`` where the catalog has none: a unique, non-null, key-class column."""
    for name, table in catalog.tables.items():
        view = f"raw_{name}"
        if table.primary_key:
            if not _is_unique(con, view, table.primary_key):
                raise InputError(f"table {name}: primary key column {table.primary_key} has duplicate or empty "
                                 "values; fix the export or choose another key in the catalog")
            continue
        candidates = sorted(
            (c for c, e in table.columns.items() if e.cls == "key" and _pk_score(name, c) > 0),
            key=lambda c: -_pk_score(name, c),
        )
        for column in candidates:
            if _is_unique(con, view, column):
                table.primary_key = column
                break


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
            if orphans:
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
