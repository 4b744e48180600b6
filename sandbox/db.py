"""Small helpers over DuckDB shared by every module that writes SQL: quoting identifiers, fetching one row."""

from __future__ import annotations

from typing import Any

import duckdb


def fetch_row(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> tuple[Any, ...]:
    """The one row of a query that always returns one (an aggregate); DuckDB's stubs say it may be None."""
    row = con.execute(sql, params or []).fetchone()
    if row is None:
        raise LookupError(f"query returned no row: {sql.split()[0]} ...")
    return row


def q(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def one(result: Any) -> tuple[Any, ...]:
    """The first row of an executed query (a connection or relation after ``execute``); an aggregate always has one."""
    row = result.fetchone()
    if row is None:
        raise LookupError("query returned no row")
    return tuple(row)
