"""The high-fidelity default generator: sequential CART (synthpop-style) over linked tables.

Each table is a chain of decision trees, one per column, each on the columns before it; sampling draws
a training value from the leaf a synthetic row falls into, with privacy controls inside the model (see
``_cart_model``). Linked tables of any depth: a parent row carries the number of its children in every
child table as synthesised columns; child rows are synthesised with their parent's (and so their
grandparents') columns and their position among siblings as predictors. A second foreign key (e.g. an
order item's product) points at a row of an earlier generated table, drawn by that row's synthesised
popularity, whose columns become predictors too. Keys are fresh integers above every real key.
"""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Generator as Generator_
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from generators._cart_links import (
    Link,
    Prepared,
    chunks,
    derived_columns,
    distinct_per_group,
    generation_order,
    is_fk,
    prepare,
    root_of,
    root_order,
    rows_or_nan,
)
from generators._cart_table import Settings, TableModel
from generators.base import Batch, Generator, GeneratorError, key_base
from generators.schema import Schema

__all__ = ["CartGenerator"]


@dataclass
class _Parent:
    """A batch of generated parent rows, as its children need them."""

    x: np.ndarray
    keys: np.ndarray
    anchor: np.ndarray | None
    group: np.ndarray
    pos: np.ndarray


class CartGenerator(Generator):
    """Sequential decision trees per column; linked tables through synthesised children counts."""

    name = "cart"
    accepts_focus = True
    description = "Sequential CART (synthpop-style) with leaf-level privacy controls; any depth of tables."

    def __init__(self, seed: int = 0, **settings: Any) -> None:
        super().__init__(seed=seed, **settings)
        known = {f.name for f in fields(Settings)}
        unknown = sorted(set(settings) - known)
        if unknown:
            raise GeneratorError(f"unknown cart settings {unknown}; known: {', '.join(sorted(known))}")
        focus = settings.get("focus", ())
        if isinstance(focus, str) or not all(isinstance(f, str) for f in focus):
            raise GeneratorError(f"focus must be a list of column names (TABLE.COLUMN or COLUMN), not {focus!r}")
        self._settings = Settings(**{**settings, "focus": tuple(focus)})
        problems = self._settings.problems()
        if problems:
            raise GeneratorError("invalid cart settings: " + "; ".join(problems))
        self._models: dict[str, TableModel] = {}
        self._links: dict[str, list[Link]] = {}
        self._ref_fill: dict[tuple[str, str], float] = {}  # share of rows that hold a reference
        self._roots: list[str] = []
        self._key_bases: dict[str, dict[str, int]] = {}
        self._shared: tuple[Shared, int, int] | None = None  # set on a shard's copy by ``sharing``

    # ------------------------------------------------------------------------------------ fitting

    def _fit(self, tables: dict[str, pd.DataFrame], schema: Schema) -> None:
        self._roots = root_order(schema)
        order = generation_order(schema, self._roots)
        tree_rank = {t: self._roots.index(root_of(schema, t)) for t in schema.tables}
        self._links = {
            t: [Link(fk, tree_rank[fk.parent] < tree_rank[t]) for fk in schema.tables[t].references()]
            for t in schema.tables
        }
        prepared: dict[str, Prepared] = {}
        for t in order:
            prepared[t] = prepare(t, tables[t], schema, prepared)
        self._ref_fill = {(t, col): float(prepared[t].df[col].notna().mean()) for t in order
                          for col in prepared[t].refs if len(prepared[t].df)}
        for t in order:
            spec = schema.tables[t]
            self._key_bases[t] = {c: key_base(tables[t][c]) for c, s in spec.columns.items()
                                 if s.kind == "key" and c in tables[t] and not is_fk(spec, c)}
        xs: dict[str, np.ndarray] = {}
        anchors: dict[str, np.ndarray | None] = {}
        for i, t in enumerate(order):
            prep = prepared[t]
            context, parent_anchor = self._train_context(t, schema, prep, xs, anchors)
            model, xs[t], anchors[t] = TableModel.fit(
                prep.df, schema.tables[t], self._table_settings(t), seed=self.seed * 1000 + i, context=context,
                derived=derived_columns(t, schema, prepared, self._links), parent_anchor=parent_anchor,
                group=prep.group,
            )
            self._models[t] = model

    def _table_settings(self, table: str) -> Settings:
        """The settings with ``focus`` narrowed to this table's columns (``TABLE.COLUMN`` or a bare name)."""
        mine = tuple(f.split(".", 1)[1] if f.startswith(f"{table}.") else f
                     for f in self._settings.focus if f.startswith(f"{table}.") or "." not in f)
        assert self.schema is not None
        if not self.schema.tables[table].personal:
            # a table of things (``Table.personal`` false): no person-level controls, its rows kept as entities
            return replace(self._settings, focus=mine, rare_levels=True, min_count=1, cell_count=1, near_bins=0)
        return replace(self._settings, focus=mine)

    def _train_context(self, t: str, schema: Schema, prep: Prepared, xs: dict[str, np.ndarray],
                       anchors: dict[str, np.ndarray | None]) -> tuple[np.ndarray, np.ndarray | None]:
        parts = [np.empty((len(prep.df), 0), dtype=np.float32)]
        parent_anchor = None
        fk = schema.parent_of(t)
        if fk is not None:
            assert prep.group is not None and prep.pos is not None
            parts += [xs[fk.parent][prep.group], prep.pos[:, None].astype(np.float32)]
            if (anchor := anchors[fk.parent]) is not None:
                parent_anchor = anchor[prep.group]
        for link in self._links[t]:
            if link.with_context:
                parts.append(rows_or_nan(xs[link.fk.parent], prep.refs[link.fk.column]))
        return np.hstack(parts), parent_anchor

    # ----------------------------------------------------------------------------------- sampling

    def _sample(self, root_rows: dict[str, int], seed: int, batch_rows: int) -> Iterator[Batch]:
        assert self.schema is not None
        run = _Run(self, root_rows, seed, batch_rows)
        shared: tuple[Shared, int, int] | None = getattr(self, "_shared", None)
        skip: tuple[str, ...] = ()
        if shared is not None:
            run.adopt(*shared)
            skip = shared[0].roots
        yield from self._roots_of(run, [r for r in self._roots if r not in skip])

    def _roots_of(self, run: _Run, roots: list[str]) -> Iterator[Batch]:
        threads = self._settings.workers()
        for root in roots:
            n, step = run.root_rows[root], run.batch_rows
            sizes = [min(step, n - start) for start in range(0, n, step)]
            if threads > 1 and len(sizes) > 1 and run.standalone(root):
                yield from run.emit_parallel(root, sizes, threads)
            else:
                for b, m in enumerate(sizes):
                    yield from run.emit(root, m, None, (b,))
            run.finish_tree(root)

    # ------------------------------------------------------- dimension trees shared by every shard

    def dimension_roots(self, root_rows: dict[str, int], max_rows: int) -> list[str]:
        """Roots of trees another tree links into (products, sellers, plans), linking only into such trees
        themselves, of at most ``max_rows`` rows expected at ``root_rows``: sampled once, shared by shards."""
        assert self.schema is not None
        tree = {t: root_of(self.schema, t) for t in self.schema.tables}
        used = {tree[lk.fk.parent] for links in self._links.values() for lk in links if lk.with_context}
        dims: list[str] = []
        for root in self._roots:
            members = [t for t in self.schema.tables if tree[t] == root]
            scale = root_rows.get(root, 0) / max(self.training_rows.get(root, 0), 1)
            expected = sum(self.training_rows.get(t, 0) * scale for t in members)
            targets = {tree[lk.fk.parent] for t in members for lk in self._links[t]}
            if root in used and targets <= {*dims, root} and expected <= max_rows:
                dims.append(root)
        return dims

    def dimensions(self, root_rows: dict[str, int], seed: int, batch_rows: int,
                   roots: list[str]) -> Generator_[Batch, None, Shared]:
        assert self.schema is not None
        run = _Run(self, root_rows, seed, batch_rows)
        ordered = [r for r in self._roots if r in roots]
        yield from self._with_trees(iter(self._roots_of(run, ordered)), seed)
        return run.export(ordered)

    def sharing(self, shared: Shared, part: int, parts: int) -> CartGenerator:
        out = copy.copy(self)
        out._shared = (shared, part, parts)
        return out


@dataclass
class Shared:
    """Dimension trees sampled once: what each shard's run needs to link its rows into them."""

    roots: tuple[str, ...]
    counter: dict[str, int]  # rows made per dimension table (keys are key base + row number)
    ref_matrix: dict[str, np.ndarray]  # the rows' predictors, for tables linking into them
    pools: dict[tuple[str, str], tuple[np.ndarray, int, np.ndarray]]  # (table, column): references to draw


class _Run:
    """State of one sampling run: key counters, generated referenced rows, reference pools."""

    def __init__(self, gen: CartGenerator, root_rows: dict[str, int], seed: int, batch_rows: int) -> None:
        assert gen.schema is not None
        self.gen, self.schema, self.seed, self.batch_rows = gen, gen.schema, seed, batch_rows
        self.root_rows = root_rows
        self.table_ids = {t: i for i, t in enumerate(self.schema.tables)}
        self.counter = dict.fromkeys(self.schema.tables, 0)
        self.referenced = {lk.fk.parent for links in gen._links.values() for lk in links if lk.with_context}
        self.ref_x: dict[str, list[np.ndarray]] = {t: [] for t in self.referenced}
        self.ref_counts: dict[str, list[np.ndarray]] = {}
        self.pools: dict[tuple[str, str], tuple[np.ndarray, int, np.ndarray]] = {}
        self.ref_matrix: dict[str, np.ndarray] = {}
        self.used: dict[tuple[str, str], np.ndarray] = {}  # parent rows a key that is a reference took

    def export(self, roots: list[str]) -> Shared:
        """The state of this run's finished ``roots`` trees, for shards that link into them."""
        tables = [t for t in self.schema.tables if root_of(self.schema, t) in roots]
        return Shared(tuple(roots), {t: self.counter[t] for t in tables},
                      {t: m for t, m in self.ref_matrix.items() if t in tables},
                      {k: v for k, v in self.pools.items() if k[1] in {fk.column for fk in
                       self.schema.tables[k[0]].foreign_keys if fk.parent in tables}})

    def adopt(self, shared: Shared, part: int, parts: int) -> None:
        """Link into ``shared`` dimension rows as shard ``part`` of ``parts``: every shard takes every
        ``parts``-th reference of each pool, so together they use each row as often as one run would."""
        self.counter.update(shared.counter)
        self.ref_matrix.update(shared.ref_matrix)
        for key, (pool, _, weights) in shared.pools.items():
            self.pools[key] = (pool[part::parts], 0, weights)

    def emit(self, table: str, m: int, parent: _Parent | None, ids: tuple[int, ...],
             start: int | None = None) -> Iterator[Batch]:
        """Generate ``m`` rows of ``table`` (under ``parent``), yield them, then their descendants."""
        rng = np.random.default_rng([self.seed, self.table_ids[table], *ids])
        parts = [np.empty((m, 0), dtype=np.float32)]
        if parent is not None:
            parts += [parent.x[parent.group], parent.pos[:, None].astype(np.float32)]
        refs = {}
        composite = set(self.schema.tables[table].composite_key)
        for link in self.gen._links[table]:
            refs[link.fk.column] = self._draw_refs(table, link, m, rng)
            if link.fk.column == self.schema.tables[table].primary_key:
                refs[link.fk.column] = self._unused(table, link, refs[link.fk.column], rng)
            if parent is not None and link.fk.column in composite and len(composite) == 2:
                refs[link.fk.column] = distinct_per_group(parent.group, refs[link.fk.column],
                                                          self._made(link), rng)
            fill = getattr(self.gen, "_ref_fill", {}).get((table, link.fk.column), 1.0)
            if fill < 1.0:  # rows that point nowhere, as often as real rows do (a deal without a company)
                refs[link.fk.column] = np.where(rng.random(m) < fill, refs[link.fk.column], -1)
            if link.with_context:
                parts.append(rows_or_nan(self.ref_matrix[link.fk.parent], refs[link.fk.column]))
        model = self.gen._models[table]
        anchor_in = None if parent is None or parent.anchor is None else parent.anchor[parent.group]
        x, arrays, derived, anchor = model.sample(
            np.hstack(parts), rng, anchor_in, None if parent is None else parent.group
        )
        keys = self._keys(table, m, start)
        yield table, self._batch(table, m, arrays, keys, parent, refs, rng)
        if table in self.referenced:
            self.ref_x[table].append(x)
        for name, values in derived.items():
            if name.startswith("#ref:"):
                self.ref_counts.setdefault(name, []).append(values)
        for c_id, child in enumerate(self.schema.children(table)):
            counts = np.maximum(np.nan_to_num(derived[f"#n:{child}"]), 0).astype(np.int64)
            for chunk, (a, b) in enumerate(chunks(counts, self.batch_rows)):
                group = np.repeat(np.arange(a, b), counts[a:b])
                starts = np.cumsum(counts[a:b]) - counts[a:b]
                pos = np.arange(group.size) - np.repeat(starts, counts[a:b])
                sub = _Parent(x, self._own_keys(table, m, keys, parent), anchor, group, pos)
                yield from self.emit(child, group.size, sub, (*ids, c_id, chunk))

    def standalone(self, table: str) -> bool:
        """True for a table no other table depends on: its batches can be made in parallel."""
        return (not self.schema.children(table) and table not in self.referenced
                and not self.gen._links[table])

    def emit_parallel(self, table: str, sizes: list[int], threads: int) -> Iterator[Batch]:
        """The batches of a standalone root table, made by ``threads`` threads, yielded in order.

        Each batch depends only on its number, so the output is the same as ``emit`` one by one.
        """
        from concurrent.futures import ThreadPoolExecutor

        def make(b: int) -> Batch:
            return next(iter(self.emit(table, sizes[b], None, (b,), start=b * sizes[0])))

        with ThreadPoolExecutor(threads) as pool:
            pending: deque = deque()
            for b in range(len(sizes)):
                pending.append(pool.submit(make, b))
                if len(pending) > threads:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        self.counter[table] = sum(sizes)

    def _own_keys(self, table: str, m: int, keys: dict[str, np.ndarray], parent: _Parent | None) -> np.ndarray:
        """The keys this batch's children point at (its primary key; a shared key is the parent's)."""
        pk = self.schema.tables[table].primary_key
        if pk in keys:
            return keys[pk]
        fk = self.schema.parent_of(table)
        if parent is not None and fk is not None and pk == fk.column:
            return parent.keys[parent.group]
        return np.arange(m, dtype=np.int64)

    def _keys(self, table: str, m: int, start: int | None) -> dict[str, np.ndarray]:
        if start is None:
            start = self.counter[table]
            self.counter[table] += m
        return {c: base + start + np.arange(m, dtype=np.int64)
                for c, base in self.gen._key_bases[table].items()}

    def _batch(self, table: str, m: int, arrays: dict[str, pa.Array], keys: dict[str, np.ndarray],
               parent: _Parent | None, refs: dict[str, np.ndarray], rng: np.random.Generator) -> pa.RecordBatch:
        from generators.identities import fake_identities
        from generators.persona import persona_of

        spec = self.schema.tables[table]
        kinds = {c: s.identifier or "other" for c, s in spec.columns.items() if s.kind == "identifier"}
        staff = {c: s.staff for c, s in spec.columns.items() if s.staff}
        fakes = fake_identities(kinds, m, self.schema.locale, rng, persona=persona_of(arrays, m), staff=staff,
                                staff_seed=(self.seed, self.table_ids[table]),
                                widths={c: s.width for c, s in spec.columns.items() if s.width}) if kinds else {}
        fk = self.schema.parent_of(table)
        out = []
        for col, col_spec in spec.columns.items():
            if col in arrays:
                out.append(arrays[col])
            elif col in fakes:
                out.append(pa.array(fakes[col], type=pa.string()))
            elif fk is not None and col == fk.column:
                assert parent is not None
                out.append(pa.array(parent.keys[parent.group], type=pa.int64()))
            elif col in refs:
                out.append(self._ref_keys(table, col, refs[col]))
            elif col in keys:
                out.append(pa.array(keys[col], type=pa.int64()))
            else:
                raise GeneratorError(f"table {table!r}: cannot generate column {col!r} ({col_spec.kind})")
        return pa.RecordBatch.from_arrays(out, names=list(spec.columns))

    def _ref_keys(self, table: str, col: str, rows: np.ndarray) -> pa.Array:
        fk = next(f for f in self.schema.tables[table].foreign_keys if f.column == col)
        base = self.gen._key_bases[fk.parent][fk.parent_column]
        return pa.array(base + rows, type=pa.int64(), mask=rows < 0)

    def _made(self, link: Link) -> int:
        """How many rows of the referenced table a reference may point at."""
        if link.fk.parent in self.ref_matrix:
            return len(self.ref_matrix[link.fk.parent])
        return self.counter[link.fk.parent] or self.root_rows.get(link.fk.parent, 0)

    def _unused(self, table: str, link: Link, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A key that is also a reference (one row per parent row at most: a territory assigned once):
        repeats, within the batch or of earlier batches, redrawn among parent rows no row points at yet;
        none left, the row points at none."""
        made = self._made(link)
        used = self.used.setdefault((table, link.fk.column), np.zeros(made, dtype=bool))
        rows = rows.copy()
        for i, r in enumerate(rows):
            if 0 <= r < made and not used[r]:
                used[r] = True
                continue
            free = np.flatnonzero(~used)
            rows[i] = int(rng.choice(free)) if free.size else -1
            if free.size:
                used[rows[i]] = True
        return rows

    def _draw_refs(self, table: str, link: Link, m: int, rng: np.random.Generator) -> np.ndarray:
        """Row indices of the referenced table: its synthesised popularity, consumed without replacement."""
        key = (table, link.fk.column)
        if key not in self.pools:  # not generated before this table: any row made so far (or to be made)
            made = self.counter[link.fk.parent] or self.root_rows.get(link.fk.parent, 0)
            return rng.integers(0, made, size=m) if made else np.full(m, -1, dtype=np.int64)
        pool, used, weights = self.pools[key]
        take = pool[used: used + m]
        self.pools[key] = (pool, used + take.size, weights)
        if take.size < m:
            extra = np.searchsorted(weights, rng.random(m - take.size) * weights[-1], side="right")
            take = np.concatenate([take, np.minimum(extra, weights.size - 1)])
        return take

    def finish_tree(self, root: str) -> None:
        """Once a root's tree is complete, its referenced tables become pools for later tables."""
        for t in self.referenced:
            if root_of(self.schema, t) != root or not self.ref_x[t]:
                continue
            self.ref_matrix[t] = np.vstack(self.ref_x[t])
            self.ref_x[t] = []
            for child, links in self.gen._links.items():
                for link in links:
                    if link.fk.parent != t or not link.with_context:
                        continue
                    name = f"#ref:{child}.{link.fk.column}"
                    counts = np.maximum(np.nan_to_num(np.concatenate(self.ref_counts.pop(name))), 0)
                    counts = counts.astype(np.int64)
                    rng = np.random.default_rng([self.seed, self.table_ids[child], 10**6 + self.table_ids[t]])
                    pool = rng.permutation(np.repeat(np.arange(counts.size), counts))
                    weights = np.cumsum(np.maximum(counts, 0) + (counts.sum() == 0))
                    self.pools[(child, link.fk.column)] = (pool, 0, weights.astype(np.float64))


