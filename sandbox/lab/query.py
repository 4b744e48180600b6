"""Lab questions as typed models, compiled to parameterized DuckDB SQL over one published synthetic dataset.

A question has a *unit* (the table whose rows are counted: customers, deals), a *population* (filters
on the unit table and on any table linked to it), a *split* into group A and group B, and a *metric*
measured once per unit. Filters, splits and metrics may name any table reachable through the foreign
keys: an ancestor of the unit is joined (each unit has one), a descendant is reached with ``EXISTS`` or
an aggregate subquery ("customers with a deal in Q3", "deals per customer").

Values never enter the SQL text: every value is a named parameter cast to its column's type, and every
identifier is checked against the dataset's ``information_schema`` and quoted. The dataset file holds
no foreign keys, so the links come from the source's catalog, or are inferred from ``<name>_id`` columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import duckdb
from pydantic import BaseModel

from sandbox.db import q
from sandbox.errors import InputError, UnknownObject
from sandbox.lab.question import (
    LIST_OPS,
    NULL_OPS,
    SQL_TYPE,
    Filter,
    Measure,
    Metric,
    MetricKind,
    Op,
    Population,
    Ref,
    Split,
    is_numeric,
    is_temporal,
)
from sandbox.release.enums import sql_type

__all__ = [
    "Filter", "Link", "Measure", "Metric", "MetricKind", "Op", "Population", "Ref", "Split", "Structure",
    "check", "compile_breakdown", "compile_population_size", "compile_rows", "compile_units", "infer_links",
    "is_numeric", "is_temporal", "validate",
]

# ---------------------------------------------------------------- the dataset's structure


class Link(BaseModel):
    """A child table's foreign key to its parent's key."""

    column: str
    parent: str
    parent_column: str


def infer_links(columns: dict[str, dict[str, str]]) -> dict[str, Link]:
    """Links guessed from names: a table's key is its first ``*_id`` column; another table holding a
    column of that name is its child."""
    keys = {t: next((c for c in cols if c.endswith("_id")), None) for t, cols in columns.items()}
    links: dict[str, Link] = {}
    for table, cols in columns.items():
        for col in cols:
            parent = next((p for p, k in keys.items() if k == col and p != table), None)
            if parent is not None and col != keys[table]:
                links[table] = Link(column=col, parent=parent, parent_column=col)
                break
    return links


@dataclass(frozen=True)
class Structure:
    """What compiling needs to know of a dataset: column types per table and the links between tables."""

    columns: dict[str, dict[str, str]]
    links: dict[str, Link] = field(default_factory=dict)

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection, links: dict[str, Link] | None = None) -> Structure:
        """Columns from the catalog of the connection's database; links checked against them (inferred when
        None)."""
        columns: dict[str, dict[str, str]] = {}
        for table, column, kind in con.execute(
                "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE NOT internal "
                "AND database_name = current_database() ORDER BY table_name, column_index").fetchall():
            columns.setdefault(table, {})[column] = sql_type(kind)
        if links is None:
            links = infer_links(columns)
        usable = {t: lk for t, lk in links.items() if t in columns and lk.column in columns[t]
                  and lk.parent in columns and lk.parent_column in columns[lk.parent]}
        return cls(columns=columns, links=usable)

    def chain(self, table: str) -> list[str]:
        """The table, its parent, grandparent, ... up to its root."""
        out = [table]
        while out[-1] in self.links and self.links[out[-1]].parent not in out:
            out.append(self.links[out[-1]].parent)
        return out

    def route(self, unit: str, table: str) -> tuple[list[str], list[str]]:
        """(tables above ``unit`` to join, up to the common ancestor; tables below it, down to ``table``)."""
        up, target = self.chain(unit), self.chain(table)
        common = next((t for t in up if t in target), None)
        if common is None:
            raise InputError(f"table {table!r} is not linked to {unit!r} in this dataset")
        return up[1:up.index(common) + 1], list(reversed(target[:target.index(common)]))

    def temporal(self, table: str) -> str | None:
        """The first date or timestamp column of a table."""
        return next((c for c, k in self.columns[table].items() if is_temporal(k)), None)


# ---------------------------------------------------------------- validation (every problem at once)


def _problems_of(structure: Structure, refs: Iterable[tuple[str, str | None]]) -> list[str]:
    found: list[str] = []
    for table, column in refs:
        if table not in structure.columns:
            found.append(f"no table {table!r} (tables: {', '.join(sorted(structure.columns))})")
        elif column is not None and column not in structure.columns[table]:
            found.append(f"no column {column!r} in table {table!r}")
    return list(dict.fromkeys(found))


def _check_names(structure: Structure, refs: Iterable[tuple[str, str | None]]) -> None:
    found = _problems_of(structure, refs)
    if found:
        raise UnknownObject("; ".join(found), code="lab.unknown_names", count=len(found))


def _check_values(con: duckdb.DuckDBPyConnection, structure: Structure, filters: Iterable[Filter]) -> None:
    """Every value must convert to its column's type; report all that do not."""
    found = []
    for f in filters:
        kind = _sql_type(structure, f.table, f.column)
        for v in f.values():
            try:
                con.execute(f"SELECT CAST($v AS {kind})", {"v": v}).fetchone()
            except duckdb.Error:
                found.append((f.ref, v, kind))
    if found:
        raise InputError("; ".join(f"{ref}: {v!r} is not a valid {kind.lower()}" for ref, v, kind in found),
                         code="lab.bad_values", items=[f"{ref} «{v}»" for ref, v, _ in found])


def _sql_type(structure: Structure, table: str, column: str) -> str:
    """The type a value compared with this column is cast to: DOUBLE for any number (so that 2.5 stays 2.5
    next to an integer column and 1000 fits next to a DECIMAL(4,1)), TIMESTAMP for a DATE, else the column's."""
    kind = structure.columns[table][column]
    if not SQL_TYPE.match(kind):
        raise InputError(f"column {table}.{column} has an unsupported type {kind!r}")
    if is_numeric(kind):
        return "DOUBLE"
    return "TIMESTAMP" if kind == "DATE" else kind


# ---------------------------------------------------------------- compiling


class _Sql:
    """Builds one query: named parameters, the unit's joins to its ancestors, subqueries below it."""

    def __init__(self, structure: Structure, unit: str) -> None:
        if unit not in structure.columns:
            raise UnknownObject(f"no table {unit!r} (tables: {', '.join(sorted(structure.columns))})")
        self.s, self.unit = structure, unit
        self.params: dict[str, Any] = {}
        self.alias: dict[str, str] = {unit: "u"}
        self.joins: list[str] = []
        self._n = 0

    def param(self, value: Any, kind: str) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"CAST(${name} AS {kind})"

    def _fresh(self) -> str:
        self._n += 1
        return f"s{self._n}"

    def ancestor(self, table: str) -> str:
        """Alias of the unit or one of its ancestors, joining the chain up to it on first use."""
        chain = self.s.chain(self.unit)
        for child, parent in zip(chain, chain[1:chain.index(table) + 1], strict=False):
            if parent not in self.alias:
                link = self.s.links[child]
                self.alias[parent] = f"a{len(self.alias)}"
                self.joins.append(f"LEFT JOIN {q(parent)} {self.alias[parent]} ON {self.alias[parent]}."
                                  f"{q(link.parent_column)} = {self.alias[child]}.{q(link.column)}")
        return self.alias[table]

    def condition(self, alias: str, f: Filter) -> str:
        col = f"{alias}.{q(f.column)}"
        if f.op in NULL_OPS:
            return f"{col} {f.op.upper()}"
        kind = _sql_type(self.s, f.table, f.column)
        if f.op in LIST_OPS:
            items = ", ".join(self.param(v, kind) for v in f.values())
            return f"{col} {f.op.upper()} ({items})"
        if f.op == "between":
            return f"{col} BETWEEN {self.param(f.value[0], kind)} AND {self.param(f.value[1], kind)}"
        return f"{col} {f.op} {self.param(f.value, kind)}"

    def below(self, table: str, select: str, filters: Iterable[Filter] = ()) -> str:
        """A correlated subquery over the rows of ``table`` (below the unit) linked to the current unit.

        ``select`` is a template whose ``{a}`` stands for the alias of ``table`` in the subquery.
        """
        up, down = self.s.route(self.unit, table)
        prev = self.ancestor(up[-1] if up else self.unit)
        frm: list[str] = []
        where: list[str] = []
        for t in down:
            a, link = self._fresh(), self.s.links[t]
            on = f"{a}.{q(link.column)} = {prev}.{q(link.parent_column)}"
            frm.append(f"{q(t)} {a}" if not frm else f"JOIN {q(t)} {a} ON {on}")
            if len(frm) == 1:
                where.append(on)
            prev = a
        where += [self.condition(prev, f) for f in filters]
        return f"(SELECT {select.format(a=prev)} FROM {' '.join(frm)} WHERE {' AND '.join(where)})"

    def is_below(self, table: str) -> bool:
        return bool(self.s.route(self.unit, table)[1])

    def direct(self, table: str, column: str) -> str:
        """The value of ``table.column`` for the unit (``table`` is the unit or above it)."""
        return f"{self.ancestor(table)}.{q(column)}"

    def all_of(self, table: str, filters: list[Filter]) -> str:
        """Filters on one table as one condition (one ``EXISTS`` when the table is below the unit)."""
        if self.is_below(table):
            return f"EXISTS {self.below(table, '1', filters)}"
        alias = self.ancestor(table)
        return " AND ".join(self.condition(alias, f) for f in filters) or "TRUE"

    def semi(self, table: str, filters: list[Filter]) -> str:
        """Filters on a table above the unit as a semi-join (``fk IN (SELECT key ...)``): cheaper than
        joining every parent row when only the filter needs it."""
        path = self.s.chain(self.unit)[:self.s.chain(self.unit).index(table) + 1]
        sql = ""
        for i in range(len(path) - 1, 0, -1):
            t, a, link = path[i], self._fresh(), self.s.links[path[i - 1]]
            conds = ([self.condition(a, f) for f in filters] if i == len(path) - 1
                     else [f"{a}.{q(self.s.links[t].column)} IN ({sql})"])
            sql = f"SELECT {a}.{q(link.parent_column)} FROM {q(t)} {a} WHERE {' AND '.join(conds)}"
        return f"u.{q(self.s.links[self.unit].column)} IN ({sql})"

    def where(self, filters: list[Filter]) -> str:
        """The population's filters: grouped by table, ``EXISTS`` below the unit, semi-joins above it."""
        by_table: dict[str, list[Filter]] = {}
        for f in filters:
            by_table.setdefault(f.table, []).append(f)
        parts = [self.semi(t, fs) if t != self.unit and t not in self.alias and t in self.s.chain(self.unit)
                 else self.all_of(t, fs) for t, fs in by_table.items()]
        return " AND ".join(f"({p})" for p in parts) or "TRUE"

    def source(self) -> str:
        return f"FROM {q(self.unit)} u {' '.join(self.joins)}"


def _split_sql(b: _Sql, split: Split) -> tuple[str, str]:
    """SQL conditions (group B, group A)."""
    kind = _sql_type(b.s, split.table, split.column)

    def isin(col: str, values: list[Any]) -> str:
        return f"{col} IN ({', '.join(b.param(v, kind) for v in values)})"

    if not b.is_below(split.table):
        col = b.direct(split.table, split.column)
        in_b = isin(col, split.b)
        return in_b, isin(col, split.a) if split.a is not None else f"COALESCE(NOT {in_b}, TRUE)"
    if split.pick == "first":
        order = split.order_by or b.s.temporal(split.table)
        if order is None:
            raise InputError(f"table {split.table!r} has no date column to tell its first row; name one in order_by",
                             code="lab.no_date", table=split.table)
        col = b.below(split.table, f"arg_min({{a}}.{q(split.column)}, {{a}}.{q(order)})")
        in_b = isin(col, split.b)
        return in_b, isin(col, split.a) if split.a is not None else f"NOT {in_b}"

    def has(values: list[Any]) -> str:
        cond = Filter(table=split.table, column=split.column, op="in", value=values)
        return f"EXISTS {b.below(split.table, '1', [cond])}"

    if split.a is None:
        has_b = has(split.b)
        return has_b, f"NOT {has_b}"
    return f"{has(split.b)} AND NOT {has(split.a)}", f"{has(split.a)} AND NOT {has(split.b)}"


def _metric_sql(b: _Sql, m: Metric) -> str:
    """The per-unit value of the metric (NULL where a unit has none)."""
    below = b.is_below(m.table)
    if m.kind in ("rate", "churn"):
        return f"CASE WHEN {b.all_of(m.table, m.where)} THEN 1 ELSE 0 END"
    if m.kind == "count":
        if not below:
            raise InputError(f"count needs a table below {b.unit!r} (e.g. deals per customer); {m.table!r} is not",
                             code="lab.count_below", unit=b.unit, table=m.table)
        return f"COALESCE({b.below(m.table, 'count(*)', m.where)}, 0)"
    kind = b.s.columns[m.table][m.column or ""]
    if m.kind in ("mean", "median"):
        if not is_numeric(kind):
            raise InputError(f"{m.table}.{m.column} holds {kind.lower()}, not numbers; a {m.kind} needs numbers",
                             code="lab.not_numbers", ref=f"{m.table}.{m.column}", kind=m.kind)
        if not below:
            col = b.direct(m.table, m.column or "")
            return f"CASE WHEN {b.all_of(m.table, m.where)} THEN CAST({col} AS DOUBLE) END" if m.where else \
                f"CAST({col} AS DOUBLE)"
        agg = "sum" if m.agg == "sum" else "avg"
        sub = b.below(m.table, f"CAST({agg}({{a}}.{q(m.column or '')}) AS DOUBLE)", m.where)
        return f"COALESCE({sub}, 0)" if m.agg == "sum" else sub
    if m.kind == "duration" and m.start is not None:
        start = m.start
        if b.is_below(start.table) or not is_temporal(b.s.columns[start.table][start.column]):
            raise InputError(f"the start {start.ref} must be a date of {b.unit!r} or of a table above it",
                             code="lab.start_level", ref=start.ref, unit=b.unit)
        if not is_temporal(kind):
            raise InputError(f"{m.table}.{m.column} holds {kind.lower()}, not dates; a duration needs dates",
                             code="lab.not_dates", ref=f"{m.table}.{m.column}")
        if below:
            event = b.below(m.table, f"min({{a}}.{q(m.column or '')})", m.where)
        else:
            col = b.direct(m.table, m.column or "")
            event = f"CASE WHEN {b.all_of(m.table, m.where)} THEN {col} END" if m.where else col
        return f"date_diff('second', CAST({b.direct(start.table, start.column)} AS TIMESTAMP), " \
               f"CAST({event} AS TIMESTAMP)) / 86400.0"
    if below:
        raise InputError(f"a category mix reads a column of {b.unit!r} or a table above it; {m.table!r} is below",
                         code="lab.category_below", unit=b.unit, table=m.table)
    return f"CAST({b.direct(m.table, m.column or '')} AS VARCHAR)"


def _all_filters(population: Population, split: Split | None, metric: Metric | None) -> list[Filter]:
    out = list(population.filters) + (list(metric.where) if metric else [])
    if split is not None:
        out += [Filter(table=split.table, column=split.column, op="in", value=split.b)]
        if split.a is not None:
            out.append(Filter(table=split.table, column=split.column, op="in", value=split.a))
    return out


def _names(population: Population, split: Split | None, metric: Metric | None) -> Iterator[tuple[str, str | None]]:
    yield population.unit, None
    for f in _all_filters(population, split, metric):
        yield f.table, f.column
    if split is not None and split.order_by:
        yield split.table, split.order_by
    if metric is not None:
        yield metric.table, metric.column
        if metric.start is not None:
            yield metric.start.table, metric.start.column


def check(structure: Structure, population: Population, split: Split | None = None,
          metric: Metric | None = None) -> None:
    """Every table and column must exist and be linked to the unit; raise once, naming all that are not."""
    _check_names(structure, _names(population, split, metric))
    unlinked = []
    for table in dict.fromkeys(t for t, _ in _names(population, split, metric)):
        try:
            structure.route(population.unit, table)
        except InputError:
            unlinked.append(table)
    if unlinked:
        raise InputError(f"not linked to {population.unit!r} in this dataset: {', '.join(unlinked)}",
                         code="lab.not_linked", unit=population.unit, tables=unlinked)


def validate(con: duckdb.DuckDBPyConnection, structure: Structure, population: Population,
             split: Split | None = None, metric: Metric | None = None) -> None:
    """``check`` the names, then every filter value against its column's type (all problems at once)."""
    check(structure, population, split, metric)
    _check_values(con, structure, _all_filters(population, split, metric))


def compile_units(structure: Structure, population: Population, split: Split,
                  metric: Metric) -> tuple[str, dict[str, Any]]:
    """SQL giving one row per unit of the population in group A or B: ``grp`` ('A'/'B') and ``val``."""
    check(structure, population, split, metric)
    b = _Sql(structure, population.unit)
    in_b, in_a = _split_sql(b, split)
    value = _metric_sql(b, metric)
    where = b.where(population.filters)
    sql = (f"SELECT grp, val FROM (SELECT CASE WHEN {in_b} THEN 'B' WHEN {in_a} THEN 'A' END AS grp, "
           f"{value} AS val {b.source()} WHERE {where}) units WHERE grp IS NOT NULL")
    return sql, b.params


def compile_population_size(structure: Structure, population: Population) -> tuple[str, dict[str, Any]]:
    """SQL counting the units of the population."""
    check(structure, population)
    b = _Sql(structure, population.unit)
    where = b.where(population.filters)
    return f"SELECT count(*) {b.source()} WHERE {where}", b.params


def compile_breakdown(structure: Structure, population: Population, group_by: str, measures: list[Measure],
                      *, bucket: Literal["none", "month", "year"] = "none",
                      limit: int = 50) -> tuple[str, dict[str, Any]]:
    """SQL grouping the population's units by a column of the unit table: one column per measure."""
    check(structure, population)
    b = _Sql(structure, population.unit)
    table = population.unit
    _check_names(structure, [(table, group_by), *((table, m.column) for m in measures if m.column)])
    group = f"u.{q(group_by)}"
    if bucket != "none":
        if not is_temporal(structure.columns[table][group_by]):
            raise InputError(f"{table}.{group_by} is not a date; it cannot be grouped by {bucket}",
                             code="explore.not_date", ref=f"{table}.{group_by}")
        group = f"CAST(date_trunc('{bucket}', {group}) AS DATE)"
    parts = [f"{group} AS \"group\"", "count(*) AS rows", "sum(count(*)) OVER () AS __population"]
    for m in measures:
        if m.kind == "count":
            continue
        col = f"u.{q(m.column or '')}"
        if m.kind == "rate":
            cond = b.condition("u", Filter(table=table, column=m.column or "", op=m.op, value=m.value))
            parts.append(f"avg(CASE WHEN {cond} THEN 1.0 ELSE 0.0 END) AS {q(m.key)}")
            continue
        if not is_numeric(structure.columns[table][m.column or ""]):
            raise InputError(f"{table}.{m.column} is not a number; a {m.kind} needs numbers",
                             code="lab.not_numbers", ref=f"{table}.{m.column}", kind=m.kind)
        fn = {"mean": "avg", "median": "median", "sum": "sum"}[m.kind]
        parts.append(f"CAST({fn}({col}) AS DOUBLE) AS {q(m.key)}")
    where = b.where(population.filters)
    sql = (f"SELECT {', '.join(parts)} {b.source()} WHERE {where} GROUP BY 1 "
           f"ORDER BY rows DESC, 1 LIMIT {int(limit)}")
    return sql, b.params


def compile_rows(structure: Structure, population: Population, *, limit: int,
                 offset: int) -> tuple[str, dict[str, Any]]:
    """SQL for one page of the population's unit rows, in storage order."""
    check(structure, population)
    b = _Sql(structure, population.unit)
    where = b.where(population.filters)
    return (f"SELECT u.* {b.source()} WHERE {where} ORDER BY u.rowid LIMIT {int(limit)} OFFSET {int(offset)}",
            b.params)
