"""Browsing published synthetic tables: paged rows and column distributions, computed in DuckDB."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pandas as pd
from pydantic import BaseModel

from sandbox.db import one, q
from sandbox.errors import UnknownObject
from sandbox.governance import audit
from sandbox.governance.access import User
from sandbox.release.datasets import open_dataset
from sandbox.release.enums import as_text, sql_type
from sandbox.workspace import Workspace

MAX_PAGE = 1000
_BAND = re.compile(r"^\s*(\d+)\s*[-–]\s*(\d+)\s*$")
_OPEN_BAND = re.compile(r"^\s*(\d+)\s*\+\s*$")


class Bands(BaseModel):
    """What a column of numeric bands holds: their width and the first and last band."""

    width: int
    first: str
    last: str


def bands(values: Iterable[Any]) -> Bands | None:
    """Bands of one width (``20-29``, ``30-39``, an open ``90+``), when every value is one; else None.

    Values decide what a column holds: a birth date generalized to age bands at ingest keeps its name, and
    the app must not present ``40-49`` as a date.
    """
    spans: list[tuple[int, int, str]] = []
    for v in values:
        if v is None or (isinstance(v, float) and v != v):
            continue
        text = str(v)
        if m := _BAND.match(text):
            lo, hi = int(m[1]), int(m[2])
            if hi < lo:
                return None
            spans.append((lo, hi, text))
        elif m := _OPEN_BAND.match(text):
            spans.append((int(m[1]), -1, text))
        else:
            return None
    widths = {hi - lo + 1 for lo, hi, _ in spans if hi >= 0}
    if len(spans) < 2 or len(widths) != 1:
        return None
    spans.sort()
    return Bands(width=widths.pop(), first=spans[0][2], last=spans[-1][2])


class TableInfo(BaseModel):
    name: str
    rows: int
    columns: dict[str, str]


def describe(ws: Workspace, user: User, dataset: str) -> list[TableInfo]:
    """Tables of a dataset with row counts and column types (logged as a dataset view)."""
    with open_dataset(ws, user, dataset) as con:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        infos = []
        for name in names:
            rows = one(con.execute(f"SELECT count(*) FROM {q(name)}"))[0]
            cols = {r[0]: sql_type(r[1]) for r in con.execute(f"DESCRIBE {q(name)}").fetchall()}
            infos.append(TableInfo(name=name, rows=rows, columns=cols))
    audit.log(ws, user, "dataset.view", dataset)
    return infos


def _check(con, table: str, column: str | None = None) -> None:
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if table not in tables:
        raise UnknownObject(f"no table {table!r} in this dataset; tables: {', '.join(sorted(tables))}")
    if column is not None:
        cols = {r[0] for r in con.execute(f"DESCRIBE {q(table)}").fetchall()}
        if column not in cols:
            raise UnknownObject(f"no column {column!r} in table {table!r}")


def page(ws: Workspace, user: User, dataset: str, table: str, offset: int = 0, limit: int = 50) -> pd.DataFrame:
    """One page of rows (never the whole table)."""
    limit = max(1, min(limit, MAX_PAGE))
    with open_dataset(ws, user, dataset) as con:
        _check(con, table)
        return as_text(con.execute(f"SELECT * FROM {q(table)} ORDER BY rowid LIMIT ? OFFSET ?",
                                   [limit, max(0, offset)]).df())


def distribution(ws: Workspace, user: User, dataset: str, table: str, column: str, bins: int = 30,
                 top: int = 30) -> pd.DataFrame:
    """Aggregated distribution of one column: histogram bins for numbers and dates, top levels otherwise."""
    with open_dataset(ws, user, dataset) as con:
        _check(con, table, column)
        kind = sql_type(dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                         "WHERE table_name = ?", [table]).fetchall())[column])
        c = q(column)
        if any(k in kind for k in ("INT", "DOUBLE", "FLOAT", "DECIMAL", "REAL")) and kind != "INTERVAL":
            return con.execute(
                f"WITH s AS (SELECT min({c}) lo, max({c}) hi FROM {q(table)}), "
                f"b AS (SELECT CASE WHEN hi = lo THEN 0 ELSE least(floor(({c} - lo) / (hi - lo) * {bins}), {bins - 1}) "
                f"END AS bin, lo, hi FROM {q(table)}, s WHERE {c} IS NOT NULL) "
                f"SELECT lo + bin * (hi - lo) / {bins} AS value, count(*) AS count FROM b "
                "GROUP BY bin, lo, hi ORDER BY 1"
            ).df()
        if "TIMESTAMP" in kind or "DATE" in kind:
            return con.execute(f"SELECT date_trunc('month', {c}) AS value, count(*) AS count FROM {q(table)} "
                               f"WHERE {c} IS NOT NULL GROUP BY 1 ORDER BY 1").df()
        return con.execute(f"SELECT CAST({c} AS VARCHAR) AS value, count(*) AS count FROM {q(table)} "
                           f"GROUP BY 1 ORDER BY 2 DESC LIMIT {int(top)}").df()
