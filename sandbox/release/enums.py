"""Synthetic datasets store categorical text columns as DuckDB ENUMs; readers in pandas see plain text.

Appending a batch to an ENUM column costs a third less than appending text: on the Bank model (11 text
columns of 21) 1.7 against 2.4 us a row on one thread, the checkpoint included, which took 10 million rows
written into DuckDB from 461,000 to 553,000 rows/s. In SQL an ENUM compares, groups and casts as text; in
pandas it arrives as a categorical, whose groupings list unseen levels, so the product's readers turn it
back into text (``as_text``) and compute exactly what they did on VARCHAR columns.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa

from sandbox.db import q

__all__ = ["MAX_LEVELS", "as_text", "create_table", "sql_type", "widen"]

MAX_LEVELS = 10_000  # more levels stay text: the type is spelled out in SQL


def create_table(con: duckdb.DuckDBPyConnection, table: str, batch: pa.RecordBatch) -> dict[str, set[str]]:
    """Create ``table`` (empty) with the batch's columns: dictionary-encoded text as an ENUM of the
    dictionary's levels (a generator's dictionary lists only levels it may draw). Returns the ENUM columns
    with their levels."""
    enums = {f.name: set(c.dictionary.to_pylist()) for f, c in zip(batch.schema, batch.columns, strict=True)
             if pa.types.is_dictionary(f.type) and pa.types.is_string(f.type.value_type)
             and 0 < len(c.dictionary) <= MAX_LEVELS and c.dictionary.null_count == 0}
    con.register("_batch", pa.Table.from_batches([batch]).slice(0, 0))
    try:
        con.execute(f"CREATE TABLE {q(table)} AS SELECT * FROM _batch")
    finally:
        con.unregister("_batch")
    for column, values in enums.items():
        listed = ", ".join("'" + v.replace("'", "''") + "'" for v in sorted(values))
        con.execute(f"ALTER TABLE {q(table)} ALTER {q(column)} TYPE ENUM({listed})")
    return enums


def widen(con: duckdb.DuckDBPyConnection, table: str, batch: pa.RecordBatch, enums: dict[str, set[str]]) -> None:
    """Turn an ENUM column into text when the batch holds a level it lacks (a generator with per-batch levels)."""
    def fits(array: pa.Array, levels: set[str]) -> bool:
        return pa.types.is_dictionary(array.type) and set(array.dictionary.to_pylist()) <= levels

    for column in [c for c in enums if not fits(batch.column(c), enums[c])]:
        con.execute(f"ALTER TABLE {q(table)} ALTER {q(column)} TYPE VARCHAR")
        del enums[column]


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with categorical columns (DuckDB ENUMs) as text, missing values as None (as VARCHAR reads)."""
    for i in [i for i, dtype in enumerate(frame.dtypes) if isinstance(dtype, pd.CategoricalDtype)]:
        column = frame.iloc[:, i]
        frame.isetitem(i, column.astype(object).where(column.notna(), None).to_numpy())
    return frame


def sql_type(kind: str) -> str:
    """A column's DuckDB type as the product treats it: an ENUM is text (its name lists its levels, which
    must not be read for INT or DATE)."""
    return "VARCHAR" if kind.startswith("ENUM(") else kind
