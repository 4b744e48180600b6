"""Small helpers over DuckDB shared by every module that writes SQL: quoting identifiers, fetching one row."""

from __future__ import annotations

from collections.abc import Callable
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


def text_udf(con: duckdb.DuckDBPyConnection, name: str, fn: Callable[[Any], str | None]) -> None:
    """Make ``name(VARCHAR) -> VARCHAR`` callable from SQL on ``con``: ``fn`` per value, vectorised over Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def _batch(values: Any) -> Any:  # pyarrow arrays; DuckDB reads these hints, so no name from a local import
        if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
            values = pc.cast(values, pa.string())
        return pa.array([fn(v) for v in values.to_pylist()], type=pa.string())

    con.create_function(name, _batch, [duckdb.sqltype("VARCHAR")], duckdb.sqltype("VARCHAR"),
                        type="arrow", null_handling="special",  # type: ignore[call-overload]
                        side_effects=False)  # (duckdb's stubs lack the string forms of type and null_handling)
