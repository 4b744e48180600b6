"""The Lab's only way to data: published synthetic datasets, read-only, through ``open_dataset``.

Also what Explore needs beyond :mod:`sandbox.lab.explore`: the linked-table schema of a dataset, breakdowns
grouped in DuckDB, and filtered pages of rows. Every query is checked for ``lab.query`` and audited.
"""

from __future__ import annotations

import contextlib
import copy
import json
import time
from collections.abc import Iterator
from typing import Any, Literal

import duckdb
import pandas as pd
from pydantic import BaseModel, Field

from sandbox import readcache
from sandbox.db import one
from sandbox.errors import InputError, SandboxError, UnknownObject
from sandbox.governance import audit
from sandbox.governance.access import User, require
from sandbox.lab import i18n
from sandbox.lab.explore import MAX_PAGE, describe
from sandbox.lab.query import (
    Filter,
    Link,
    Measure,
    Population,
    Structure,
    compile_breakdown,
    compile_population_size,
    compile_rows,
    validate,
)
from sandbox.release.datasets import open_dataset
from sandbox.release.enums import as_text
from sandbox.workspace import Workspace

__all__ = ["Breakdown", "DatasetSchema", "Published", "TableSchema", "breakdown", "connect", "rows",
           "schema"]


class Published(BaseModel):
    """What the Lab needs to know of a published dataset besides its file."""

    id: str
    source: str
    fidelity: float | None = None


def _unpublished(dataset: str, status: str) -> UnknownObject:
    return UnknownObject(f"dataset {dataset!r} is not published (it is {status}); the Lab reads only published "
                         "synthetic datasets")


def _links_of(catalog: Any) -> dict[str, Link] | None:
    from sandbox.release.schema_bridge import generator_schema

    if catalog is None:
        return None
    try:
        gen = generator_schema(catalog)
    except (SandboxError, ValueError, KeyError):
        return None
    links = {}
    for table in gen.tables:
        fk = gen.parent_of(table)
        if fk is not None:
            links[table] = Link(column=fk.column, parent=fk.parent, parent_column=fk.parent_column)
    return links


def _lookup(ws: Workspace, user: User, dataset: str) -> tuple[Published, dict[str, Link] | None]:
    """The dataset's source and fidelity and its catalog's links (read once per change of the datasets or
    catalogs tables: ``sandbox.readcache``)."""
    require(user, "lab.query")
    status, published, links = readcache.cached(ws, ("lab.lookup", dataset), lambda g: _read_lookup(g, dataset))
    if status != "published" or published is None:
        raise _unpublished(dataset, status)
    return published.model_copy(), copy.deepcopy(links)


def _read_lookup(g: duckdb.DuckDBPyConnection, dataset: str) -> tuple[str, Published | None,
                                                                    dict[str, Link] | None]:
    from sandbox.catalog.store import latest_in

    row = g.execute("SELECT status, source, report FROM datasets WHERE id = ?", [dataset]).fetchone()
    if row is None:
        raise UnknownObject(f"no dataset {dataset!r}; the Datasets page lists the published ones",
                            code="dataset.unknown", dataset=dataset)
    if row[0] != "published":
        return row[0], None, None
    try:
        catalog = latest_in(g, row[1])
    except (SandboxError, ValueError):
        catalog = None
    report = json.loads(row[2]) if row[2] else {}
    fidelity = (report.get("fidelity") or {}).get("sign_agreement")
    return row[0], Published(id=dataset, source=row[1], fidelity=fidelity), _links_of(catalog)


def readable(ws: Workspace, user: User, dataset: str) -> Published:
    """``dataset`` as the Lab sees it, when ``user`` may query it and it is still published (else raises)."""
    return _lookup(ws, user, dataset)[0]


@contextlib.contextmanager
def connect(ws: Workspace, user: User, dataset: str) -> Iterator[tuple[duckdb.DuckDBPyConnection, Structure,
                                                                       Published]]:
    """A read-only connection to a published dataset with its structure (columns and links)."""
    info, links = _lookup(ws, user, dataset)
    with open_dataset(ws, user, dataset) as con:
        yield con, Structure.read(con, links), info


def run_sql(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> duckdb.DuckDBPyConnection:
    """Execute, turning a DuckDB error into an InputError (the query model already checked names)."""
    try:
        return con.execute(sql, params)
    except duckdb.Error as exc:
        raise InputError(f"the query could not run on this dataset: {str(exc).splitlines()[0]}",
                         code="lab.query_failed") from None


def record(ws: Workspace, user: User, dataset: str, details: dict[str, Any]) -> None:
    """One ``lab.query`` audit event."""
    audit.log(ws, user, "lab.query", dataset, details=details)


# ---------------------------------------------------------------- schema


class TableSchema(BaseModel):
    """One synthetic table: rows, columns and types, its key and its link to a parent table."""

    name: str
    rows: int
    columns: dict[str, str]
    key: str | None = None
    parent: Link | None = None


class DatasetSchema(BaseModel):
    """The linked tables of one dataset."""

    dataset: str
    tables: list[TableSchema]

    def table(self, name: str) -> TableSchema:
        for t in self.tables:
            if t.name == name:
                return t
        raise UnknownObject(f"no table {name!r} in dataset {self.dataset}")

    def structure(self) -> Structure:
        """Columns and links, as the query compiler sees them."""
        return Structure(columns={t.name: t.columns for t in self.tables},
                         links={t.name: t.parent for t in self.tables if t.parent is not None})

    def to_dot(self, lang: str = "en") -> str:
        """A Graphviz diagram: one box per table (name, rows, columns), an arrow from parent to child."""
        lines = ["digraph schema {", "  rankdir=LR;", '  node [shape=box, style="rounded", fontname="sans-serif"];']
        for t in self.tables:
            cols = "\\l".join(f"{c}: {i18n.type_name(k, lang)}" for c, k in t.columns.items())
            rows = i18n.counted(lang, "schema.rows", t.rows)
            lines.append(f'  "{t.name}" [label="{t.name} ({rows})\\n\\n{cols}\\l"];')
        for t in self.tables:
            if t.parent is not None:
                lines.append(f'  "{t.parent.parent}" -> "{t.name}" [label="{t.parent.column}"];')
        return "\n".join([*lines, "}"])


def schema(ws: Workspace, user: User, dataset: str) -> DatasetSchema:
    """Tables, row counts, column types and links of a published dataset (logged as a dataset view)."""
    _, links = _lookup(ws, user, dataset)
    tables = describe(ws, user, dataset)
    structure = Structure(columns={t.name: t.columns for t in tables})
    if links is None:
        from sandbox.lab.query import infer_links

        links = infer_links(structure.columns)
    out = []
    for t in tables:
        link = links.get(t.name)
        if link is not None and (link.parent not in structure.columns or link.column not in t.columns):
            link = None
        key = next((lk.parent_column for lk in links.values() if lk.parent == t.name), None)
        out.append(TableSchema(name=t.name, rows=t.rows, columns=t.columns, parent=link,
                               key=key or next((c for c in t.columns if c.endswith("_id")), None)))
    return DatasetSchema(dataset=dataset, tables=out)


# ---------------------------------------------------------------- breakdown and rows


class Breakdown(BaseModel):
    """Groups of a table with one value per measure; groups under the minimum size are flagged."""

    model_config = {"arbitrary_types_allowed": True}

    dataset: str
    table: str
    group_by: str
    measures: list[Measure]
    rows_in_population: int
    frame: pd.DataFrame = Field(description="Columns: group, rows, one per measure key, too_small.")
    min_group_size: int
    seconds: float


def breakdown(ws: Workspace, user: User, dataset: str, table: str, group_by: str,
              measures: list[Measure] | None = None, filters: list[Filter] | None = None, *,
              bucket: Literal["none", "month", "year"] = "none", limit: int = 50) -> Breakdown:
    """Rows of ``table`` meeting ``filters`` (on it or linked tables), grouped by one of its columns in DuckDB.

    The biggest ``limit`` groups come back, each with its row count and one value per measure.
    """
    measures = list(measures or [Measure(kind="count")])
    population = Population(unit=table, filters=list(filters or []))
    started = time.perf_counter()
    with connect(ws, user, dataset) as (con, structure, _):
        validate(con, structure, population)
        sql, params = compile_breakdown(structure, population, group_by, measures, bucket=bucket,
                                        limit=max(1, min(limit, 500)))
        frame = as_text(run_sql(con, sql, params).df())
    total = int(frame.pop("__population").iloc[0]) if len(frame) else 0
    minimum = ws.settings.min_group_size
    frame["too_small"] = frame["rows"] < minimum
    record(ws, user, dataset, {"kind": "breakdown", "table": table, "group_by": group_by, "bucket": bucket,
                               "measures": [m.key for m in measures],
                               "filters": [f.model_dump(mode="json") for f in population.filters]})
    return Breakdown(dataset=dataset, table=table, group_by=group_by, measures=measures, rows_in_population=total,
                     frame=frame, min_group_size=minimum, seconds=time.perf_counter() - started)


def levels(ws: Workspace, user: User, dataset: str, table: str, columns: list[str], *,
           limit: int = 50) -> dict[str, list[Any]]:
    """The values of each of ``columns``, most frequent first (at most ``limit`` each): one opening of the dataset
    and one audit event for them all, where a breakdown per column costs one of each (a page that labels ten
    columns' values would otherwise write ten events in a row, each an exclusive opening of the store)."""
    population = Population(unit=table, filters=[])
    found: dict[str, list[Any]] = {}
    with connect(ws, user, dataset) as (con, structure, _):
        validate(con, structure, population)
        for column in columns:
            sql, params = compile_breakdown(structure, population, column, [Measure(kind="count")],
                                            limit=max(1, min(limit, 500)))
            found[column] = as_text(run_sql(con, sql, params).df())["group"].tolist()
    record(ws, user, dataset, {"kind": "levels", "table": table, "columns": list(columns)})
    return found


def rows(ws: Workspace, user: User, dataset: str, table: str, filters: list[Filter] | None = None, *,
         offset: int = 0, limit: int = 50) -> tuple[pd.DataFrame, int]:
    """One page of the rows of ``table`` that meet ``filters``, and how many rows meet them."""
    population = Population(unit=table, filters=list(filters or []))
    with connect(ws, user, dataset) as (con, structure, _):
        validate(con, structure, population)
        sql, params = compile_rows(structure, population, limit=max(1, min(limit, MAX_PAGE)),
                                   offset=max(0, offset))
        page = as_text(run_sql(con, sql, params).df())
        total = one(run_sql(con, *compile_population_size(structure, population)))[0]
    record(ws, user, dataset, {"kind": "rows", "table": table, "offset": offset,
                               "filters": [f.model_dump(mode="json") for f in population.filters]})
    return page, total
