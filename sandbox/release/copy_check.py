"""Exact copies against every training row: a hash join per table, not a sample.

The distance checks of the gate read samples (20,000 families); a copied row is found there only when its
training twin happens to be in the sample, so with 10% of synthetic rows copied from 1M training rows a 20k
sample sees 0.2% (bench/copy_check_speed.py). Equality needs no sample: every synthetic row is hashed over
the table's data columns and joined with the counts of equal training rows and equal holdout rows.

A row also equals real rows by chance when a table has few columns of few levels. Train and holdout are a
random split of the same families, so by chance a synthetic row meets ``r`` times as many equal training rows
as holdout rows (``r`` = training rows / holdout rows). The excess ``mean(t - r*o)`` over synthetic rows
estimates the share of rows copied from training (a copy of a unique training row adds one); its z comes
from the split's own noise per group of equal rows, so tables of repeating cells are judged against it.
"""

from __future__ import annotations

from typing import Any

import duckdb

from generators.schema import Schema
from sandbox.db import fetch_row, q

INFINITE_Z = 1e9  # a JSON-safe stand-in for a z with no spread (every difference equal)


def _columns(con: duckdb.DuckDBPyConnection, db: str, table: str) -> dict[str, str]:
    rows = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                       "WHERE table_catalog = ? AND table_name = ?", [db, table]).fetchall()
    return dict(rows)


def table_copies(con: duckdb.DuckDBPyConnection, table: str, columns: list[str],
                 real: str = "vault", syn: str = "syn") -> dict[str, Any] | None:
    """Exact-match counts of one table's synthetic rows against all of its training and holdout rows.

    ``columns`` are the data columns compared; the real table carries a boolean ``_holdout``. Synthetic
    values are cast to the real column's type so that a DOUBLE 1.0 equals a BIGINT 1."""
    real_types, syn_types = _columns(con, real, table), _columns(con, syn, table)
    cols = [c for c in columns if c in real_types and c in syn_types]
    if not cols or "_holdout" not in real_types:
        return None
    real_row = ", ".join(q(c) for c in cols)
    syn_row = ", ".join(f"TRY_CAST({q(c)} AS {real_types[c]})" for c in cols)
    row = fetch_row(con, f"""
        WITH r AS (SELECT hash({real_row}) AS h, _holdout FROM {real}.{q(table)}),
             tr AS (SELECT h, count(*) AS n FROM r WHERE NOT _holdout GROUP BY h),
             ho AS (SELECT h, count(*) AS n FROM r WHERE _holdout GROUP BY h),
             sizes AS (SELECT count(*) FILTER (WHERE NOT _holdout) AS n_train,
                              count(*) FILTER (WHERE _holdout) AS n_holdout FROM r),
             s AS (SELECT hash({syn_row}) AS h, count(*) AS s FROM {syn}.{q(table)} GROUP BY h),
             m AS (SELECT s.s, coalesce(tr.n, 0) AS t, coalesce(ho.n, 0) AS o
                   FROM s LEFT JOIN tr USING (h) LEFT JOIN ho USING (h))
        SELECT (SELECT n_train FROM sizes), (SELECT n_holdout FROM sizes), sum(s),
               sum(s) FILTER (WHERE t > 0), sum(s) FILTER (WHERE o > 0),
               sum(s * t), sum(s * o), sum(s * s * (t + o))
        FROM m""")
    n_train, n_holdout, n_syn, hit_t, hit_o, st, so, ssm = (float(v or 0) for v in row)
    if n_syn == 0 or n_train == 0 or n_holdout == 0:
        return None
    ratio = n_train / n_holdout
    mean = (st - ratio * so) / n_syn
    # Under no copying the split decides: each of a cell's m real rows is in the holdout with probability
    # 1/(1+r), so t - r*o has variance r*m, and synthetic rows falling in one cell share that noise
    # (treating them as independent called chance matches of a 9-cell table copies at z = -23)
    se = (ratio * ssm) ** 0.5 / n_syn
    z = mean / se if se > 0 else (INFINITE_Z if mean > 0 else 0.0)
    return {
        "rows_synthetic": int(n_syn),
        "rows_train": int(n_train),
        "rows_holdout": int(n_holdout),
        "columns": len(cols),
        "exact_match_share_train": hit_t / n_syn,
        "exact_match_share_holdout": hit_o / n_syn,
        "excess": mean,
        "z": min(z, INFINITE_Z),
    }


def exact_copies(con: duckdb.DuckDBPyConnection, schema: Schema, columns: dict[str, list[str]]) -> dict[str, Any]:
    """Per-table exact copy counts over every training row, and the table that looks most copied."""
    tables = {}
    for table in schema.order():
        result = table_copies(con, table, columns.get(table, []))
        if result is not None:
            tables[table] = result
    if not tables:
        return {"identical_match_reference_rows": 0, "exact_copy_tables": {}}
    worst_table, worst = max(tables.items(), key=lambda kv: (kv[1]["excess"], kv[1]["z"]))
    return {
        "exact_copy_table": worst_table,
        "exact_copy_excess": worst["excess"],
        "exact_copy_z": worst["z"],
        "exact_match_share_train": worst["exact_match_share_train"],
        "exact_match_share_holdout": worst["exact_match_share_holdout"],
        # every training row of every table compared, not a sample
        "identical_match_reference_rows": sum(r["rows_train"] for r in tables.values()),
        "exact_copy_tables": tables,
    }
