"""Linked tables for the CART generator: generation order, keys, parents' rows and children counts."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from generators.base import GeneratorError
from generators.schema import ForeignKey, Schema, Table

__all__ = [
    "Link",
    "Prepared",
    "chunks",
    "derived_columns",
    "distinct_per_group",
    "generation_order",
    "is_fk",
    "prepare",
    "root_of",
    "root_order",
    "rows_or_nan",
]


@dataclass
class Link:
    """A foreign key resolved at fit time: which earlier table it points into and how."""

    fk: ForeignKey
    with_context: bool  # the referenced table is generated completely before this one


@dataclass
class Prepared:
    """A table's training rows, sorted under their parent, with row indices of referenced rows."""

    df: pd.DataFrame
    group: np.ndarray | None = None  # parent row index per row
    pos: np.ndarray | None = None
    refs: dict[str, np.ndarray] = field(default_factory=dict)  # secondary fk column -> row index


def root_of(schema: Schema, table: str) -> str:
    """The root table whose tree ``table`` belongs to (following first foreign keys)."""
    while (fk := schema.parent_of(table)) is not None:
        table = fk.parent
    return table


def root_order(schema: Schema) -> list[str]:
    """Root tables so that a tree referenced by a second foreign key is generated before its users."""
    roots = schema.roots()
    needs: dict[str, set[str]] = {r: set() for r in roots}
    for t, spec in schema.tables.items():
        for fk in spec.references():
            a, b = root_of(schema, fk.parent), root_of(schema, t)
            if a != b:
                needs[b].add(a)
    order: list[str] = []
    while len(order) < len(roots):
        ready = [r for r in roots if r not in order and needs[r] <= set(order)]
        order.append(ready[0] if ready else next(r for r in roots if r not in order))
    return order


def generation_order(schema: Schema, root_order: list[str]) -> list[str]:
    """Every table, root tree by root tree, parents before children."""
    full = schema.order()
    return [t for r in root_order for t in full if root_of(schema, t) == r]


def is_fk(spec: Table, col: str) -> bool:
    """True when ``col`` is one of the table's foreign keys."""
    return any(fk.column == col for fk in spec.foreign_keys)


def row_index(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """Row number in ``keys`` of every value (-1 when it resolves to no row)."""
    lookup = pd.Index(keys)
    idx = lookup.get_indexer(values) if lookup.is_unique else lookup.drop_duplicates().get_indexer(values)
    return idx.astype(np.int64)


def prepare(t: str, df: pd.DataFrame, schema: Schema, prepared: dict[str, Prepared]) -> Prepared:
    """Drop rows whose parent is missing, sort under the parent (by sequence), resolve other keys."""
    spec = schema.tables[t]
    df = df.reset_index(drop=True)
    fk = schema.parent_of(t)
    out = Prepared(df)
    if fk is not None:
        parent = prepared[fk.parent].df
        group = row_index(df[fk.column], parent[fk.parent_column])
        keep = group >= 0
        if not keep.any():
            raise GeneratorError(
                f"table {t!r}: no value of {fk.column!r} matches a {fk.parent}.{fk.parent_column} value; "
                "check that both key columns hold the same values and types"
            )
        df, group = df[keep].reset_index(drop=True), group[keep]
        seq = spec.sequence_index
        if seq is not None and seq in df:
            times = pd.to_datetime(df[seq], errors="coerce", format="mixed")
            sort_key = times.astype("datetime64[ns]").to_numpy().astype(np.int64)
        else:
            sort_key = np.arange(len(df))
        order = np.lexsort((sort_key, group))
        df, group = df.iloc[order].reset_index(drop=True), group[order]
        first = np.r_[True, group[1:] != group[:-1]]
        starts = np.flatnonzero(first)
        pos = np.arange(group.size) - np.repeat(starts, np.diff(np.r_[starts, group.size]))
        out = Prepared(df, group, pos)
    for other in spec.references():
        out.refs[other.column] = row_index(df[other.column], prepared[other.parent].df[other.parent_column])
    return out


def derived_columns(t: str, schema: Schema, prepared: dict[str, Prepared],
                    links: dict[str, list[Link]]) -> dict[str, np.ndarray]:
    """Children counts per child table, and popularity per table that references this one."""
    n = len(prepared[t].df)
    out = {}
    for child in schema.children(t):
        group = prepared[child].group
        assert group is not None
        out[f"#n:{child}"] = np.bincount(group, minlength=n).astype(np.float64)
    for child, child_links in links.items():
        for link in child_links:
            if link.fk.parent == t and link.with_context:
                rows = prepared[child].refs[link.fk.column]
                out[f"#ref:{child}.{link.fk.column}"] = np.bincount(rows[rows >= 0], minlength=n).astype(float)
    return out


def rows_or_nan(x: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Rows of ``x`` by index; NaN rows where the index is -1 (a reference that resolved to nothing)."""
    out = x[np.maximum(rows, 0)]
    out[rows < 0] = np.nan
    return out


def chunks(counts: np.ndarray, limit: int) -> list[tuple[int, int]]:
    """Split parents into consecutive runs whose children add up to at most ``limit`` (at least one each)."""
    total = np.cumsum(counts)
    out, start, done = [], 0, 0
    while start < counts.size:
        end = max(int(np.searchsorted(total, done + limit, side="right")), start + 1)
        if total[end - 1] > done:
            out.append((start, end))
        start, done = end, int(total[end - 1])
    return out


def distinct_per_group(group: np.ndarray, rows: np.ndarray, choices: int, rng: np.random.Generator) -> np.ndarray:
    """``rows`` with repeats inside a group redrawn among rows the group does not use yet (a composite key:
    an order never lists the same product twice). Groups with more members than ``choices`` keep repeats."""
    ok = rows >= 0
    pair = group.astype(np.int64) * max(choices, 1) + rows
    _, first = np.unique(np.where(ok, pair, -1 - np.arange(rows.size)), return_index=True)
    repeat = np.ones(rows.size, dtype=bool)
    repeat[first] = False
    if choices < 2 or not repeat.any():
        return rows
    rows = rows.copy()
    for g in np.unique(group[repeat]):
        members = np.flatnonzero(group == g)
        used = set(rows[members][~repeat[members]].tolist())
        for i in members[repeat[members]]:
            if len(used) >= choices:
                break
            pick = int(rng.integers(choices))
            while pick in used:
                pick = int(rng.integers(choices))
            rows[i] = pick
            used.add(pick)
    return rows
