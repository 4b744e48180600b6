"""The one small interface every synthesizer implements.

Lifecycle (as in SDV): public ``fit`` validates, then calls ``_fit``; public ``sample`` checks the
model is fitted, then streams ``(table, pyarrow.RecordBatch)`` pairs from ``_sample``. Parents are
always yielded before the children that reference them; keys are fresh integers, never real values.
A text column may come dictionary-encoded; its dictionary then lists only levels the generator may draw
(the product's writer stores those levels as the column's DuckDB ENUM type, drawn or not).
"""

from __future__ import annotations

import pickle
from abc import ABC, abstractmethod
from collections.abc import Generator as Generator_
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd
import pyarrow as pa

from generators._self_refs import TreeShape, learn_tree, with_tree
from generators.schema import Schema


def key_base(values: pd.Series) -> int:
    """First fresh key: above every real key that reads as a number, so no real key is ever reused."""
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        top = float(values.max()) if values.notna().any() else 0.0
    else:
        text = values.dropna().astype(str).str.strip()
        digits = text[text.str.fullmatch(r"\d{1,18}")]
        top = float(digits.astype("int64").max()) if len(digits) else 0.0
    if not np.isfinite(top) or top < 1:
        return 1
    base = 10 ** len(str(int(top)))
    return int(base) if base < 2**61 else 1


class GeneratorError(Exception):
    """A generator was used wrongly or given data it cannot learn from."""


class NotFittedError(GeneratorError):
    """The generator has not been fitted yet."""


Batch = tuple[str, pa.RecordBatch]


def filled_links(tables: Mapping[str, pd.DataFrame], schema: Schema) -> dict[str, dict[str, float]]:
    """Per table and foreign key column: the share of rows that hold a value (a reference, resolving or not)."""
    return {name: {fk.column: float(tables[name][fk.column].notna().mean()) if len(tables[name]) else 1.0
                   for fk in spec.foreign_keys}
            for name, spec in schema.tables.items() if spec.foreign_keys}


class Generator(ABC):
    """Turns linked tables into a model, and a model into linked tables."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    accepts_focus: ClassVar[bool] = False  # takes a ``focus`` setting: outcome columns to keep faithful

    def __init__(self, seed: int = 0, **settings: Any) -> None:
        self.seed = seed
        self.settings = settings
        self.schema: Schema | None = None
        self.training_rows: dict[str, int] = {}
        self._trees: dict[str, list[TreeShape]] = {}

    def fit(self, tables: Mapping[str, pd.DataFrame], schema: Schema) -> Self:
        """Learn the shape of ``tables`` (one DataFrame per schema table, keys included)."""
        problems = schema.problems()
        for name in schema.tables:
            if name not in tables:
                problems.append(f"table {name!r} is in the schema but no data was given for it")
                continue
            missing = [c for c in schema.tables[name].columns
                       if not schema.tables[name].columns[c].synthetic_only and c not in tables[name].columns]
            if missing:
                problems.append(f"table {name!r}: columns missing from the data: {', '.join(missing)}")
            if len(tables[name]) == 0:
                problems.append(f"table {name!r} has no rows to learn from")
        if problems:
            raise GeneratorError("cannot fit: " + "; ".join(problems))
        schema = schema.with_parents(filled_links(tables, schema))
        self.schema = schema
        self.training_rows = {n: len(tables[n]) for n in schema.tables}
        self._fit({n: tables[n] for n in schema.tables}, schema)
        self._trees = {n: [learn_tree(tables[n], fk) for fk in spec.self_references]
                       for n, spec in schema.tables.items() if spec.self_references}
        return self

    def sample(
        self,
        rows: int | None = None,
        scale: float | None = None,
        seed: int | None = None,
        batch_rows: int = 250_000,
    ) -> Iterator[Batch]:
        """Stream synthetic batches: ``rows`` root rows, or ``scale`` times the training size."""
        if self.schema is None:
            raise NotFittedError(f"generator {self.name!r} is not fitted: call fit() first")
        if rows is not None and scale is not None:
            raise GeneratorError("give rows or scale, not both")
        if rows is not None and rows < 1:
            raise GeneratorError(f"rows must be at least 1, got {rows}")
        if scale is not None and scale <= 0:
            raise GeneratorError(f"scale must be positive, got {scale}")
        yield from self.batches(self.root_rows(rows, scale), self.seed if seed is None else seed, batch_rows)

    def batches(self, root_rows: dict[str, int], seed: int, batch_rows: int) -> Iterator[Batch]:
        """The batches of ``root_rows`` root rows (an engine splitting rows over shards calls this): each
        hierarchy inside a table redrawn as a tree of the learnt shape over the batch's own rows."""
        yield from self._with_trees(iter(self._sample(root_rows, seed, batch_rows)), seed)

    def _with_trees(self, batches: Iterator[Batch], seed: int) -> Generator_[Batch, None, Any]:
        """``batches`` with each hierarchy redrawn; returns what ``batches`` returns."""
        trees: dict[str, list[TreeShape]] = getattr(self, "_trees", {})
        i = 0
        while True:
            try:
                table, batch = next(batches)
            except StopIteration as stop:
                return stop.value
            if table in trees:
                batch = with_tree(batch, trees[table], np.random.default_rng([seed, 7_919, i]))
            i += 1
            yield table, batch

    # --------------------------------------------------- dimension tables for engines that shard a run

    def dimension_roots(self, root_rows: dict[str, int], max_rows: int) -> list[str]:
        """Root tables whose whole trees an engine may sample once and share with every shard (a product
        or plan table the families link into), none unless the generator can share them."""
        return []

    def dimensions(self, root_rows: dict[str, int], seed: int, batch_rows: int,
                   roots: list[str]) -> Generator_[Batch, None, Any]:
        """Yield every row of the trees of ``roots`` (from ``dimension_roots``); return the state shards
        need to link into them (pass it to ``sharing``)."""
        raise GeneratorError(f"generator {self.name!r} shares no dimension tables")

    def sharing(self, shared: Any, part: int, parts: int) -> Generator:
        """A copy whose ``batches`` make shard ``part`` of ``parts``: only the other roots' trees, their
        links into the shared dimension rows."""
        raise GeneratorError(f"generator {self.name!r} shares no dimension tables")

    def sample_frames(self, rows: int | None = None, scale: float | None = None,
                      seed: int | None = None) -> dict[str, pd.DataFrame]:
        """Convenience for small outputs and tests: the whole sample as DataFrames."""
        parts: dict[str, list[pa.RecordBatch]] = {}
        for table, batch in self.sample(rows=rows, scale=scale, seed=seed):
            parts.setdefault(table, []).append(batch)
        return {t: _dense(pa.Table.from_batches(b)).to_pandas() for t, b in parts.items()}

    def root_rows(self, rows: int | None, scale: float | None) -> dict[str, int]:
        """How many rows to make of each root table."""
        assert self.schema is not None
        roots = self.schema.roots()
        if rows is None:
            factor = 1.0 if scale is None else scale
            return {r: max(1, round(self.training_rows[r] * factor)) for r in roots}
        first = self.training_rows[roots[0]]
        return {r: max(1, round(rows * self.training_rows[r] / first)) for r in roots}

    def save(self, path: str | Path) -> None:
        """Write the fitted model to ``path`` (the sandbox signs the file)."""
        Path(path).write_bytes(pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL))

    @classmethod
    def load(cls, path: str | Path) -> Generator:
        """Read a model written by ``save``. Only call on files whose signature was verified."""
        model = pickle.loads(Path(path).read_bytes())  # noqa: S301 - callers verify the signature first
        if not isinstance(model, Generator):
            raise GeneratorError(f"{path} does not hold a generator")
        return model

    @abstractmethod
    def _fit(self, tables: dict[str, pd.DataFrame], schema: Schema) -> None: ...

    @abstractmethod
    def _sample(self, root_rows: dict[str, int], seed: int, batch_rows: int) -> Iterator[Batch]: ...


def _dense(table: pa.Table) -> pa.Table:
    """Dictionary-encoded columns decoded to their value type (plain strings in pandas, not categoricals)."""
    for i, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(field.type.value_type))
    return table
