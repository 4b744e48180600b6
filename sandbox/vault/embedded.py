"""Values that carry what a column's kind hides: binary files written as hex, and people's names inside
other values (``http://accweb/employees/davolio.bmp`` in the row of employee Davolio).

Both are found from values, whatever the columns are called. A binary column (a photo) is not analysable
and may show a person: it is dropped like free text. A column whose values hold their own row's name is an
identifier: it is dropped, so no name crosses into the vault or synthetic data.
"""

from __future__ import annotations

import duckdb

from sandbox.catalog.model import Catalog
from sandbox.db import fetch_row

__all__ = ["flag_embedded"]

_HEX = r"^0[xX][0-9A-Fa-f]{32,}$"
_NAMES = {"full_name", "first_name", "last_name"}
_NAME_SHARE = 0.1  # share of rows holding their own row's name that makes a column an identifier
_MIN_NAME = 4  # shorter names ("Li") fall inside other words by chance


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def flag_embedded(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> list[str]:
    """Drop binary columns and columns holding their own row's person name; returns one warning each."""
    warnings: list[str] = []
    for name, table in catalog.tables.items():
        view = _q(f"raw_{name}")
        types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {view})").fetchall())
        names = [c for c, e in table.columns.items() if e.identifier in _NAMES and types.get(c) == "VARCHAR"]
        for column, entry in table.columns.items():
            if types.get(column) != "VARCHAR" or entry.cls not in ("ordinary", "quasi_identifier", "sensitive"):
                continue
            c = _q(column)
            filled, binary = fetch_row(con, f"SELECT count({c}), count(*) FILTER (WHERE regexp_matches({c}, "
                                            f"'{_HEX}')) FROM {view}")
            if filled and binary >= 0.9 * filled:
                entry.kind, entry.keep_text = "text", False
                entry.justification = "binary content written as hex (a picture or a file): not analysable, dropped"
                warnings.append(f"table {name}, column {column}: binary content (hex), dropped")
                continue
            if not names or not filled:
                continue
            holds = " OR ".join(f"(length({_q(n)}) >= {_MIN_NAME} AND contains(lower({c}), lower({_q(n)})))"
                                for n in names)
            inside = fetch_row(con, f"SELECT count(*) FILTER (WHERE {holds}) FROM {view}")[0]
            if inside >= 2 and inside >= _NAME_SHARE * filled:
                entry.cls, entry.identifier, entry.kind = "direct_identifier", "other", "categorical"
                entry.justification = f"{inside} of {filled} values hold their own row's person name: dropped"
                warnings.append(f"table {name}, column {column}: {inside} of {filled} values hold the person's "
                                f"name of their row ({', '.join(names)}); dropped as an identifier")
    return warnings
