"""Tables of things, not people: found from values, so their rows are kept as the entities children link to.

A sales CRM's 85 accounts and 8 products are what pipeline rows point at. Person-level privacy controls (rare
category levels pooled into "Other", synthetic rows near a rare training row drawn again) protect people; on a
table of companies or products they only blur the entities: a product line held by one product vanished into
"Other", and so did every account of a state with one account. Ingest proposes ``people: false`` for a table
when its values show it describes things:

- other tables link to it and it links to no table (a row of it belongs to no one: not an invoice of a
  customer);
- no column of it is a direct identifier or sensitive, and no column holds identifiers of a kind (a key of
  agents' names is pseudonymized as ``full_name``: those rows are people);
- its primary key is made of names: most values hold a run of three letters or more (``Cama Mesa Banho``,
  ``Sao Paulo Trading``); a number (``12346``) or a code (``C536365``) says nothing of what a row is, and such
  tables stay personal.

The steward sees the proposal in the catalog (``people``) and may set it either way; a value given there is
never changed.
"""

from __future__ import annotations

import duckdb

from sandbox.catalog.model import Catalog, TableEntry
from sandbox.db import fetch_row

__all__ = ["propose_entities"]

_NAMED = 0.9  # share of key values that must read as names (a run of three letters or more)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _linked_to(catalog: Catalog, name: str) -> bool:
    """True when another table has a foreign key into ``name``."""
    return any(fk.parent == name for t, e in catalog.tables.items() if t != name for fk in e.foreign_keys)


def _about_people(entry: TableEntry) -> bool:
    """True when a column says the rows are people (direct identifiers, sensitive data, person keys)."""
    return any(e.cls in ("direct_identifier", "sensitive") or e.identifier is not None for e in entry.columns.values())


def _named_key(con: duckdb.DuckDBPyConnection, name: str, key: str) -> bool:
    """True when most values of the key are names (a run of three letters), not numbers or codes."""
    named, total = fetch_row(con, f"SELECT count(*) FILTER (WHERE regexp_matches(CAST({_q(key)} AS VARCHAR), "
                                  f"'\\p{{L}}{{3,}}')), count({_q(key)}) FROM {_q('raw_' + name)}")
    return bool(total) and named >= _NAMED * total


def propose_entities(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> list[str]:
    """Set ``people`` where the catalog leaves it open; one line for each table proposed as things."""
    lines = []
    for name, entry in catalog.tables.items():
        if entry.people is not None:
            continue
        things = (entry.primary_key is not None and _linked_to(catalog, name)
                  and all(fk.parent == name for fk in entry.foreign_keys)
                  and not _about_people(entry) and _named_key(con, name, entry.primary_key))
        entry.people = not things
        if things:
            lines.append(f"table {name}: its rows are things other tables point at (key {entry.primary_key} holds "
                         "names, no column identifies a person): rare categories are kept; set people: true in "
                         "the catalog if its rows are people")
    return lines
