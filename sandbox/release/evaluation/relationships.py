"""Quality per relationship: does each link keep its shape, real against synthetic?

For every link (child column -> parent key), two things an analyst reads by account, product or agent:

- children per parent: how many orders each customer has (zeros included) over the mean, compared as 1 -
  the Kolmogorov-Smirnov distance of the two distributions (SDMetrics' CardinalityShapeSimilarity, made
  independent of the scale synthesized);
- parent attribute against child outcome: the joint distribution of a parent column and a child column over
  linked rows (win rate by sector, order value by shipper), compared as 1 - total variation distance, with
  numbers cut at the real rows' quintiles.

Real rows are the vault's training rows (the shape the generator was meant to keep), parents those in the
training part and children whose reference resolves to one of them. Every figure is an aggregate; no value
is kept. Cheap: one grouped query per link and one joined sample per link.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd

from generators.schema import ForeignKey, Schema
from sandbox.db import one

__all__ = ["relationship_quality"]

MAX_COLUMNS = 4  # parent columns and child columns compared per link (the first such data columns of each)
MAX_LEVELS = 30  # a categorical column with more levels is not an attribute to read rates by
SAMPLE_ROWS = 50_000  # linked rows compared per link
_BINS = 5


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _ks_similarity(a: np.ndarray, b: np.ndarray) -> float | None:
    if a.size == 0 or b.size == 0:
        return None
    values = np.union1d(a, b)
    cdf_a = np.searchsorted(np.sort(a), values, side="right") / a.size
    cdf_b = np.searchsorted(np.sort(b), values, side="right") / b.size
    return float(1.0 - np.abs(cdf_a - cdf_b).max())


def _counts(con: duckdb.DuckDBPyConnection, db: str, child: str, fk: ForeignKey, real: bool) -> np.ndarray:
    """Children per parent (zeros included)."""
    only = " AND NOT c._holdout" if real else ""
    where = " WHERE NOT p._holdout" if real else ""
    rows = con.execute(
        f"SELECT count(c.{_q(fk.column)}) FROM {db}.{_q(fk.parent)} p LEFT JOIN {db}.{_q(child)} c "
        f"ON c.{_q(fk.column)} = p.{_q(fk.parent_column)}{only}{where} GROUP BY p.{_q(fk.parent_column)}").fetchall()
    return np.array([r[0] for r in rows], dtype=np.int64)


def _relative(counts: np.ndarray) -> np.ndarray:
    """Children per parent over their mean: the shape, whatever the scale synthesized."""
    mean = counts.mean() if counts.size else 0.0
    return counts / mean if mean > 0 else counts.astype(float)


def _columns(con: duckdb.DuckDBPyConnection, schema: Schema, table: str, first: str | None = None) -> list[str]:
    """Columns to read rates by: categories, flags and numbers, not one naming each row (a shipper's name is
    the entity itself, pooled away for privacy when it occurs once)."""
    spec = schema.tables[table]
    columns = [c for c in spec.data_columns() if spec.columns[c].kind in ("categorical", "boolean", "numerical")]
    if not columns:
        return []
    counts = one(con.execute("SELECT count(*), " + ", ".join(f"count(DISTINCT {_q(c)})" for c in columns)
                         + f" FROM vault.{_q(table)} WHERE NOT _holdout"))
    naming = {c for c, n in zip(columns, counts[1:], strict=True)
              if spec.columns[c].kind == "categorical" and counts[0] > 1 and n >= 0.9 * counts[0]}
    kept = [c for c in columns if c not in naming]
    return ([first] if first in kept else []) + [c for c in kept if c != first][:MAX_COLUMNS - (first in kept)]


def _joined(con: duckdb.DuckDBPyConnection, db: str, child: str, fk: ForeignKey, parent_cols: list[str],
            child_cols: list[str], real: bool) -> pd.DataFrame:
    picks = [f"p.{_q(c)} AS {_q('p:' + c)}" for c in parent_cols] + [f"c.{_q(c)} AS {_q('c:' + c)}"
                                                                     for c in child_cols]
    where = " WHERE NOT c._holdout AND NOT p._holdout" if real else ""
    return con.execute(
        f"SELECT {', '.join(picks)} FROM {db}.{_q(child)} c JOIN {db}.{_q(fk.parent)} p "
        f"ON c.{_q(fk.column)} = p.{_q(fk.parent_column)}{where} "
        f"USING SAMPLE reservoir({SAMPLE_ROWS} ROWS) REPEATABLE (5)").df()


def _cut(values: pd.Series, edges: np.ndarray) -> pd.Series:
    return pd.Series(np.where(values.isna(), -1, np.searchsorted(edges, values.astype(float), side="right")))


def _buckets(real: pd.Series, syn: pd.Series) -> tuple[pd.Series, pd.Series] | None:
    """Both columns as labels: numbers cut at the real quintiles, categories as they are (None: too many)."""
    if pd.api.types.is_numeric_dtype(real.dtype) and not pd.api.types.is_bool_dtype(real.dtype):
        edges = np.unique(np.nanquantile(real.astype(float), np.linspace(0, 1, _BINS + 1)[1:-1]))
        return _cut(real, edges), _cut(pd.to_numeric(syn, errors="coerce"), edges)
    if real.nunique() > MAX_LEVELS:
        return None
    return real.astype("string").fillna("<empty>"), syn.astype("string").fillna("<empty>")


def _pair_similarity(real: pd.DataFrame, syn: pd.DataFrame, a: str, b: str) -> float | None:
    ra, sa = _buckets(real[a], syn[a]) or (None, None)
    rb, sb = _buckets(real[b], syn[b]) or (None, None)
    if ra is None or rb is None or sa is None or sb is None or real.empty or syn.empty:
        return None
    p = pd.crosstab(ra.to_numpy(), rb.to_numpy(), normalize=True).stack()
    s = pd.crosstab(sa.to_numpy(), sb.to_numpy(), normalize=True).stack()
    both = pd.concat([p, s], axis=1).fillna(0.0)
    return float(1.0 - 0.5 * (both.iloc[:, 0] - both.iloc[:, 1]).abs().sum())


def _link_quality(con: duckdb.DuckDBPyConnection, schema: Schema, child: str, fk: ForeignKey,
                  target: tuple[str, str] | None) -> dict[str, Any]:
    real_counts, syn_counts = _counts(con, "vault", child, fk, True), _counts(con, "syn", child, fk, False)
    if real_counts.size and real_counts.max() <= 1:  # one child at most (an extension): the share used is the shape
        cardinality = _ks_similarity(real_counts, syn_counts)
    else:
        cardinality = _ks_similarity(_relative(real_counts), _relative(syn_counts))
    parent_cols = _columns(con, schema, fk.parent)
    child_cols = _columns(con, schema, child, target[1] if target and target[0] == child else None)
    pairs: list[dict[str, Any]] = []
    if parent_cols and child_cols:
        real = _joined(con, "vault", child, fk, parent_cols, child_cols, True)
        syn = _joined(con, "syn", child, fk, parent_cols, child_cols, False)
        for a in parent_cols:
            for b in child_cols:
                score = _pair_similarity(real, syn, f"p:{a}", f"c:{b}")
                if score is not None:
                    pairs.append({"parent_column": a, "child_column": b, "similarity": round(score, 4)})
    pair_mean = float(np.mean([p["similarity"] for p in pairs])) if pairs else None
    parts = [x for x in (cardinality, pair_mean) if x is not None]
    worst = min(pairs, key=lambda p: p["similarity"]) if pairs else None
    return {"parents": int(real_counts.size),
            "children_per_parent": None if cardinality is None else round(cardinality, 4),
            "attribute_pairs": round(pair_mean, 4) if pair_mean is not None else None,
            "score": round(float(np.mean(parts)), 4) if parts else None, "worst_pair": worst, "pairs": pairs}


def relationship_quality(con: duckdb.DuckDBPyConnection, schema: Schema,
                         target: tuple[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """Per link ``child.column -> parent.key``: children-per-parent similarity, parent attribute vs child
    column similarity (each pair and their mean) and their mean as the link's score. ``con`` has the vault
    attached as ``vault`` and the synthetic dataset as ``syn``; the ``(table, column)`` target, when given,
    is always among its table's compared columns."""
    out: dict[str, dict[str, Any]] = {}
    for child, spec in schema.tables.items():
        for fk in spec.foreign_keys + spec.self_references:
            out[f"{child}.{fk.column} -> {fk.parent}.{fk.parent_column}"] = _link_quality(con, schema, child, fk,
                                                                                          target)
    return out
