"""A Lab question as typed models: a population (filters), a split into groups A and B, a metric, measures.

Every model validates its own shape (operators, value lists, metric kinds); whether the names exist in a
dataset is checked when :mod:`sandbox.lab.query` compiles the question against that dataset's structure.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

Op = Literal["=", "!=", "<", "<=", ">", ">=", "in", "not in", "between", "is null", "is not null"]
MetricKind = Literal["rate", "churn", "mean", "median", "count", "duration", "category"]
NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
           "UBIGINT", "FLOAT", "DOUBLE", "REAL", "DECIMAL")
SQL_TYPE = re.compile(r"^[A-Z][A-Z0-9_ ,()]*$")
LIST_OPS = ("in", "not in")
NULL_OPS = ("is null", "is not null")
_day_bound = re.compile(r"[ T](00:00:00|23:59:59\.999999)$")


def is_numeric(sql_type: str) -> bool:
    """True for DuckDB number types (DECIMAL(p,s) included)."""
    return sql_type.split("(")[0].strip() in NUMERIC


def is_temporal(sql_type: str) -> bool:
    """True for DATE and TIMESTAMP types."""
    return sql_type.startswith(("DATE", "TIMESTAMP"))


# ---------------------------------------------------------------- the question, as data


class Ref(BaseModel):
    """One column of one table."""

    table: str
    column: str

    @property
    def ref(self) -> str:
        return f"{self.table}.{self.column}"


class Filter(Ref):
    """One condition ``table.column op value``; ``in`` takes a list, ``between`` a pair, null tests nothing."""

    op: Op = "="
    value: Any = None

    @model_validator(mode="after")
    def _value_fits_op(self) -> Filter:
        v = self.value
        if self.op in NULL_OPS:
            self.value = None
        elif self.op in LIST_OPS:
            values = list(v) if isinstance(v, list | tuple | set) else [v]
            if not values or any(x is None for x in values):
                raise ValueError(f"{self.ref} {self.op}: give one or more values")
            self.value = values
        elif self.op == "between":
            if not isinstance(v, list | tuple) or len(v) != 2 or any(x is None for x in v):
                raise ValueError(f"{self.ref} between: give two values, low and high")
            self.value = list(v)
        elif v is None or isinstance(v, list | tuple | set | dict):
            raise ValueError(f"{self.ref} {self.op}: give one value (use 'is null' to test for a missing value)")
        return self

    def values(self) -> list[Any]:
        """The values as a list (empty for null tests)."""
        return [] if self.value is None else self.value if isinstance(self.value, list) else [self.value]

    def text(self) -> str:
        """Readable form, e.g. ``deals.channel in (phone, store)``; whole-day bounds show as the day."""
        shown = [_day_bound.sub("", str(v)) for v in self.values()]
        if self.op in NULL_OPS:
            return f"{self.ref} {self.op}"
        if self.op == "between":
            return f"{self.ref} between {shown[0]} and {shown[1]}"
        if self.op in LIST_OPS:
            return f"{self.ref} {self.op} ({', '.join(shown)})"
        return f"{self.ref} {self.op} {shown[0]}"


class Population(BaseModel):
    """Who is studied: every row of ``unit`` that meets all ``filters`` (on the unit or linked tables).

    Filters on the same descendant table must all hold for one and the same row of it: ``deals.created_at
    between Q3`` and ``deals.stage = won`` on unit customers means "has a won deal created in Q3".
    """

    unit: str
    filters: list[Filter] = Field(default_factory=list)


class Split(Ref):
    """Group B is the units whose ``column`` is one of ``b``; group A those with one of ``a``, or everyone
    else when ``a`` is None.

    On a table above the unit (or the unit itself) each unit has one value. On a table below it, ``pick``
    says which rows count: ``any`` (the unit has such a row; with explicit ``a`` a unit having both kinds
    of rows is left out) or ``first`` (the value of its earliest row by ``order_by``, the table's first
    date column by default; units without rows are left out).
    """

    b: list[Any] = Field(min_length=1)
    a: list[Any] | None = None
    pick: Literal["any", "first"] = "any"
    order_by: str | None = None
    label_a: str | None = None
    label_b: str | None = None

    @field_validator("a", "b", mode="before")
    @classmethod
    def _as_list(cls, v: Any) -> Any:
        return v if v is None or isinstance(v, list | tuple) else [v]

    @model_validator(mode="after")
    def _disjoint(self) -> Split:
        if self.a is not None:
            if not self.a:
                raise ValueError("group A needs one or more values (or none at all for 'everyone else')")
            common = {str(x) for x in self.a} & {str(x) for x in self.b}
            if common:
                raise ValueError(f"a value cannot be in both groups: {', '.join(sorted(common))}")
        return self


class Metric(BaseModel):
    """What is measured once per unit.

    * ``rate`` / ``churn``: 1 when the unit (or a linked row) meets every ``where`` condition, else 0;
      on a table below the unit: "has such a row" (a customer with a won deal).
    * ``mean`` / ``median``: the numeric ``column``; below the unit, per unit ``agg`` of its rows that
      meet ``where`` (``sum``: units without rows count 0; ``mean``: they are left out).
    * ``count``: number of rows of a table below the unit that meet ``where`` (deals per customer).
    * ``duration``: days from ``start`` (a date of the unit or above it) to the earliest ``column`` of
      the rows meeting ``where`` (days from sign-up to the first won deal); units with no such row are
      left out.
    * ``category``: the mix of a categorical ``column`` of the unit or a table above it.
    """

    kind: MetricKind
    table: str
    column: str | None = None
    where: list[Filter] = Field(default_factory=list)
    agg: Literal["sum", "mean"] = "sum"
    start: Ref | None = None
    name: str | None = Field(default=None, description="How to call the metric in texts (else automatic).")

    @model_validator(mode="after")
    def _complete(self) -> Metric:
        if self.kind in ("rate", "churn") and not self.where:
            raise ValueError(f"a {self.kind} needs a condition, e.g. deals.stage = won")
        if self.kind in ("mean", "median", "duration", "category") and not self.column:
            raise ValueError(f"a {self.kind} metric needs a column")
        if self.kind == "duration" and self.start is None:
            raise ValueError("a duration needs a start date, e.g. customers.signup_date")
        wrong = [f.ref for f in self.where if f.table != self.table]
        if wrong:
            raise ValueError(f"metric conditions must be on table {self.table}: {', '.join(wrong)}")
        return self

    def refs(self) -> list[str]:
        """Every ``table.column`` the metric reads."""
        out = [f"{self.table}.{self.column}"] if self.column else []
        out += [f.ref for f in self.where]
        return out + ([self.start.ref] if self.start else [])

    def ref(self) -> str:
        """Compact description for proposals: ``deals.stage=won``, ``deals.amount``, ``count deals``."""
        cond = ",".join(f"{f.column}{f.op if f.op != '=' else '='}{','.join(map(str, f.values()))}"
                        for f in self.where)
        if self.kind in ("rate", "churn"):
            return f"{self.table}.{cond}"
        if self.kind == "count":
            return f"count {self.table}" + (f" where {cond}" if cond else "")
        if self.kind == "duration":
            return f"days {self.start.ref} to first {self.table}.{self.column}"  # type: ignore[union-attr]
        return f"{self.table}.{self.column}"


class Measure(BaseModel):
    """One column of a breakdown: rows, a rate (share meeting ``column op value``), or a mean/median/sum."""

    kind: Literal["count", "rate", "mean", "median", "sum"]
    column: str | None = None
    op: Op = "="
    value: Any = None

    @model_validator(mode="after")
    def _complete(self) -> Measure:
        if self.kind != "count" and not self.column:
            raise ValueError(f"a {self.kind} measure needs a column")
        return self

    @property
    def key(self) -> str:
        """The result column's name: ``rows``, ``rate(stage=won)``, ``mean(amount)``."""
        if self.kind == "count":
            return "rows"
        if self.kind == "rate":
            cond = Filter(table="t", column=self.column or "", op=self.op, value=self.value)
            return f"rate({cond.text()[2:]})"
        return f"{self.kind}({self.column})"
