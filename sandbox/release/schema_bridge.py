"""Translate a source catalog into the schema generators understand."""

from __future__ import annotations

from generators.schema import Column, ForeignKey, Schema, Table
from sandbox.catalog.model import Catalog
from sandbox.catalog.plan import plan_table, synthetic_only_identifiers


def generator_schema(catalog: Catalog) -> Schema:
    """Vault columns plus synthetic-only identifier columns, with the catalog's keys."""
    tables: dict[str, Table] = {}
    for name, entry in catalog.tables.items():
        # kept free text (scrubbed) stays in the vault only: generators never see it
        columns = {o.column: Column(kind=o.kind) for o in plan_table(name, entry, catalog) if o.kind != "text"}
        for col, kind in synthetic_only_identifiers(entry).items():
            columns[col] = Column(kind="identifier", identifier=kind, synthetic_only=True,
                                  staff=entry.columns[col].staff, width=entry.columns[col].width)
        sequence = next((c for c, col in columns.items() if col.kind == "datetime"), None)
        tables[name] = Table(
            primary_key=entry.primary_key,
            foreign_keys=[ForeignKey(**fk.model_dump()) for fk in entry.foreign_keys if fk.parent != name],
            composite_key=list(entry.composite_key),
            self_references=[ForeignKey(**fk.model_dump()) for fk in entry.foreign_keys if fk.parent == name],
            columns=columns,
            sequence_index=sequence if any(fk.parent != name for fk in entry.foreign_keys) else None,
            personal=entry.people is not False,
        )
    return Schema(tables=tables, locale=catalog.locale)
