"""References from a table into itself (``employees.reportsTo`` -> ``employeeID``): a hierarchy.

A generator learns the table's rows; this module learns only the tree's shape, from counts (how many rows
point at another row, how many rows are pointed at, how many rows each of those has under it), and draws a
tree of that shape over the synthetic rows of each batch: every reference resolves to a row of the same
batch, no row points at itself, and no chain of references comes back to where it started. No real key
value is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from generators.schema import ForeignKey

__all__ = ["TreeShape", "draw_tree", "learn_tree", "with_tree"]


@dataclass(frozen=True)
class TreeShape:
    """The shape of one self-reference, as counts and shares."""

    column: str
    key: str
    linked_share: float  # rows that point at another row
    referenced_share: float  # rows that other rows point at
    fan_out: tuple[int, ...]  # how many rows point at each referenced row (sorted, largest first)


def learn_tree(frame: pd.DataFrame, fk: ForeignKey) -> TreeShape:
    """The shape of ``fk`` (a reference into its own table) in ``frame``."""
    keys = pd.Index(frame[fk.parent_column])
    refs = frame[fk.column]
    resolved = refs[refs.notna() & refs.isin(keys)]
    n = max(len(frame), 1)
    counts = resolved.value_counts().to_numpy()
    return TreeShape(column=fk.column, key=fk.parent_column, linked_share=len(resolved) / n,
                     referenced_share=len(counts) / n, fan_out=tuple(int(c) for c in sorted(counts, reverse=True)))


def draw_tree(m: int, shape: TreeShape, rng: np.random.Generator) -> np.ndarray:
    """Row index each of ``m`` synthetic rows points at, -1 for roots: a forest of the learnt shape.

    Rows are put in a random order; the first are roots; each other row points at an earlier row among the
    first ``referenced_share`` of rows, chosen with weights drawn from the real fan-out, so the tree is
    acyclic by construction.
    """
    out = np.full(m, -1, dtype=np.int64)
    if m < 2 or shape.linked_share <= 0 or not shape.fan_out:
        return out
    roots = min(m - 1, max(1, m - round(shape.linked_share * m)))
    heads = min(m - 1, max(1, round(shape.referenced_share * m)))
    order = rng.permutation(m)
    weights = rng.choice(np.asarray(shape.fan_out, dtype=np.float64), size=heads)
    later = np.arange(max(roots, heads), m)
    chosen = rng.choice(heads, size=later.size, p=weights / weights.sum())
    first = min(heads, later.size)  # every referenced row gets at least one row under it
    chosen[:first] = rng.permutation(heads)[:first]
    out[order[later]] = order[chosen]
    for i in range(roots, heads):  # a referenced row that is not a root points at an earlier one
        out[order[i]] = order[rng.choice(i, p=weights[:i] / weights[:i].sum())]
    return out


def with_tree(batch: pa.RecordBatch, shapes: list[TreeShape], rng: np.random.Generator) -> pa.RecordBatch:
    """``batch`` with each self-reference column replaced by a drawn tree over the batch's own keys."""
    for shape in shapes:
        names = batch.schema.names
        if shape.column not in names or shape.key not in names:
            continue
        keys = batch.column(names.index(shape.key))
        rows = draw_tree(batch.num_rows, shape, rng)
        values = keys.take(pa.array(np.maximum(rows, 0)))
        values = pc.if_else(pa.array(rows < 0), pa.nulls(len(rows), keys.type), values)
        batch = batch.set_column(names.index(shape.column), shape.column, values)
    return batch
