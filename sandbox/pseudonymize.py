"""Keyed pseudonyms: HMAC-SHA256 with the workspace key. Same input and key, same pseudonym."""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

PSEUDONYM_CHARS = 20  # 80 bits: collision-free for any CRM size, short enough to read


def pseudonym(key: bytes, value: object) -> str | None:
    """The pseudonym of one value (None stays None). No way back without the key."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return "p" + hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_CHARS]


def register_udf(con: duckdb.DuckDBPyConnection, key: bytes, name: str = "pseudonym") -> None:
    """Make ``pseudonym(VARCHAR) -> VARCHAR`` callable from SQL on ``con`` (vectorised over Arrow)."""

    def _batch(values: pa.Array) -> pa.Array:
        if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
            values = pc.cast(values, pa.string())
        return pa.array([pseudonym(key, v) for v in values.to_pylist()], type=pa.string())

    con.create_function(name, _batch, [duckdb.sqltype("VARCHAR")], duckdb.sqltype("VARCHAR"),
                        type="arrow", null_handling="special", side_effects=False)
