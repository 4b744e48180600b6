"""Schema of a set of linked tables, as generators see it.

Generators know nothing of users, audit or catalogs: the sandbox translates its catalog into this
schema, and generators turn tables plus schema into a model, and a model into tables.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Literal

from pydantic import BaseModel, Field

PARENT_FILL = 0.98  # share of rows a foreign key must fill to be the parent rows are generated under
Kind = Literal["numerical", "categorical", "datetime", "boolean", "key", "identifier"]
IdentifierKind = Literal[
    "full_name", "first_name", "last_name", "email", "phone", "address", "passport", "inn", "snils",
    "card_number", "other",
]


class Column(BaseModel):
    """One column: how a generator must treat it."""

    kind: Kind
    identifier: IdentifierKind | None = Field(
        default=None, description="For kind=identifier: which realistic fake value to produce."
    )
    synthetic_only: bool = Field(
        default=False,
        description="Absent from training data (dropped at ingest); generators add fake values.",
    )
    width: int | None = Field(
        default=None, description="For an INN: 10 digits (an organisation's) or 12 (a person's, the default).")
    staff: int | None = Field(
        default=None, description="For a name that repeats across rows (the managers who own deals): how many "
        "people the real column names; fake values are drawn from that many fake people.")


class ForeignKey(BaseModel):
    """A child column pointing at a parent table's primary key."""

    column: str
    parent: str
    parent_column: str


class Table(BaseModel):
    """One table of the schema."""

    primary_key: str | None = None
    foreign_keys: list[ForeignKey] = Field(default_factory=list)
    columns: dict[str, Column]
    sequence_index: str | None = Field(
        default=None, description="Datetime column that orders a child table's rows within a parent."
    )
    composite_key: list[str] = Field(
        default_factory=list, description="Foreign key columns that together name a row (an order line's order "
        "and product): generators never repeat a combination.")
    self_references: list[ForeignKey] = Field(
        default_factory=list, description="Columns pointing at this table's own primary key (a hierarchy such "
        "as reportsTo -> employeeID); generators draw a tree of the learnt shape over the synthetic rows.")
    personal: bool = Field(
        default=True, description="Rows may describe people: person-level privacy controls apply. False for a "
        "table of things other tables point at (products, companies) holding no identifier or quasi-identifier: "
        "its category levels are kept however rare, so its children link to entities of every kind.")

    rooted: bool = Field(
        default=False, description="Generated as a root although it has foreign keys: no foreign key is filled "
        "in (nearly) every row (a contact's optional company), so every one is a reference and no row is lost "
        "for want of a parent.")

    def references(self) -> list[ForeignKey]:
        """Foreign keys drawn as references to rows made elsewhere: all but the parent's."""
        return list(self.foreign_keys) if self.rooted else self.foreign_keys[1:]

    def data_columns(self) -> list[str]:
        """Columns a model learns: everything but keys and synthetic-only identifiers."""
        return [
            c for c, spec in self.columns.items() if spec.kind != "key" and not spec.synthetic_only
        ]


class Schema(BaseModel):
    """Linked tables: parents first via foreign keys. Any depth, any width."""

    tables: dict[str, Table]
    locale: str = "en_US"

    def parent_of(self, table: str) -> ForeignKey | None:
        """The first foreign key of a table: the parent it is generated under (None for roots and rooted tables)."""
        spec = self.tables[table]
        return spec.foreign_keys[0] if spec.foreign_keys and not spec.rooted else None

    def roots(self) -> list[str]:
        return [t for t in self.tables if self.parent_of(t) is None]

    def children(self, table: str) -> list[str]:
        return [t for t in self.tables if (fk := self.parent_of(t)) is not None and fk.parent == table]

    def order(self) -> list[str]:
        """Tables in generation order: every parent before its children."""
        out: list[str] = []

        def visit(t: str) -> Iterator[str]:
            yield t
            for c in self.children(t):
                yield from visit(c)

        for root in self.roots():
            out.extend(visit(root))
        return out

    def with_parents(self, filled: Mapping[str, Mapping[str, float]]) -> Schema:
        """This schema with each table's parent checked against the data (``filled[table][column]``: the share
        of rows holding a value): a first foreign key filled in fewer than ``PARENT_FILL`` of the rows gives way
        to the first one that is, and a table with none is ``rooted`` (a parent's rows are the only ones its
        children keep: a contact without a company would be lost with all its deals)."""
        tables = {}
        for name, spec in self.tables.items():
            shares = filled.get(name, {})
            fks = list(spec.foreign_keys)
            rooted = spec.rooted
            if fks and shares.get(fks[0].column, 1.0) < PARENT_FILL:
                full = [fk for fk in fks if shares.get(fk.column, 1.0) >= PARENT_FILL]
                fks = [*full[:1], *(fk for fk in fks if fk not in full[:1])]
                rooted = rooted or not full
            tables[name] = spec.model_copy(update={"foreign_keys": fks, "rooted": rooted})
        return self.model_copy(update={"tables": tables})

    def problems(self) -> list[str]:
        """Every structural problem at once (empty when the schema is sound)."""
        found: list[str] = []
        for name, table in self.tables.items():
            if table.primary_key and table.primary_key not in table.columns:
                found.append(f"table {name!r}: primary key {table.primary_key!r} is not a column")
            for fk in table.foreign_keys:
                if fk.column not in table.columns:
                    found.append(f"table {name!r}: foreign key column {fk.column!r} is not a column")
                if fk.parent not in self.tables:
                    found.append(f"table {name!r}: foreign key {fk.column!r} names unknown table {fk.parent!r}")
                elif self.tables[fk.parent].primary_key != fk.parent_column:
                    found.append(
                        f"table {name!r}: foreign key {fk.column!r} must point at the primary key of {fk.parent!r}"
                    )
            for ref in table.self_references:
                if ref.column not in table.columns or ref.parent != name or ref.parent_column != table.primary_key:
                    found.append(f"table {name!r}: self-reference {ref.column!r} must be a column pointing at "
                                 "the table's own primary key")
        if not found and len(self.order()) != len(self.tables):
            found.append("the foreign keys form a cycle; every table must descend from a root table")
        return found
