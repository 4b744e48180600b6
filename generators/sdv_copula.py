"""The fast baseline: SDV GaussianCopula per table, children-per-parent drawn from the real distribution.

SDV's free HMASynthesizer refuses schemas deeper than two levels or wider than five tables, so linked
tables are handled here: every table gets its own copula over its data columns; each parent row gets
a number of children drawn from the training distribution of children per parent. Relationships
between a parent's attributes and its children are not learned: that is the high-fidelity
generator's job, and why this one is only the baseline.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from generators.base import Batch, Generator, GeneratorError, key_base
from generators.schema import Schema, Table

_SDTYPES = {"numerical": "numerical", "categorical": "categorical", "datetime": "datetime", "boolean": "boolean"}


def _copula(frame: pd.DataFrame, table: Table, seed: int) -> Any:
    from sdv.metadata import Metadata
    from sdv.single_table import GaussianCopulaSynthesizer

    columns = {}
    for name in table.data_columns():
        kind = table.columns[name].kind
        if kind == "identifier":
            continue
        columns[name] = {"sdtype": _SDTYPES[kind]}
        if kind == "datetime" and not pd.api.types.is_datetime64_any_dtype(frame[name]):
            columns[name]["datetime_format"] = "%Y-%m-%d %H:%M:%S"
        elif kind == "datetime":  # SDV reads datetimes as nanoseconds: DuckDB's microseconds would land in 1970
            frame = frame.assign(**{name: frame[name].dt.as_unit("ns")})
    metadata = Metadata.load_from_dict({"tables": {"t": {"columns": columns}}})
    synth = GaussianCopulaSynthesizer(metadata)
    synth.fit({"t": frame[list(columns)]})
    synth._set_random_state(seed)
    return synth


class GaussianCopulaGenerator(Generator):
    """SDV GaussianCopula per table; any depth and width of linked tables."""

    name = "gaussian_copula"
    description = "SDV GaussianCopula per table (fast baseline; relationships across tables not learned)"

    def _fit(self, tables: dict[str, pd.DataFrame], schema: Schema) -> None:
        self._models: dict[str, Any] = {}
        self._child_counts: dict[str, np.ndarray] = {}
        self._dtypes: dict[str, dict[str, Any]] = {}
        self._key_bases: dict[str, int] = {}  # first fresh key per table: above every real key
        for name, frame in tables.items():
            spec = schema.tables[name]
            own = [c for c, s in spec.columns.items() if s.kind == "key" and c in frame
                   and c not in {fk.column for fk in spec.foreign_keys}]
            self._key_bases[name] = max([key_base(frame[c]) for c in own], default=1)
            learn = [c for c in spec.data_columns() if spec.columns[c].kind != "identifier"]
            self._dtypes[name] = {c: frame[c].dtype for c in learn}
            self._models[name] = _copula(frame, spec, self.seed) if learn else None
            fk = schema.parent_of(name)
            if fk is not None:
                parent = tables[fk.parent]
                counts = frame[fk.column].value_counts()
                self._child_counts[name] = (
                    parent[fk.parent_column].map(counts).fillna(0).astype(np.int64).to_numpy()
                )
            for other in spec.references():
                if schema.parent_of(other.parent) is not None:
                    raise GeneratorError(
                        f"table {name!r}: a second foreign key may only point at a root table, not {other.parent!r}"
                    )

    def _rows(self, name: str, n: int, seed: int) -> pd.DataFrame:
        model = self._models[name]
        if model is None or n == 0:
            return pd.DataFrame(index=range(n))
        model._set_random_state(seed)
        frame = model.sample(n)["t"].reset_index(drop=True)
        for column, dtype in self._dtypes[name].items():
            if pd.api.types.is_integer_dtype(dtype) and frame[column].notna().all():
                frame[column] = frame[column].round().astype(dtype)
            elif pd.api.types.is_datetime64_any_dtype(dtype):  # back to the training data's unit (SDV works in ns)
                frame[column] = frame[column].astype(dtype)
        return frame

    def _sample(self, root_rows: dict[str, int], seed: int, batch_rows: int) -> Iterator[Batch]:
        from generators.identities import fake_identities
        from generators.persona import persona_of

        assert self.schema is not None
        schema = self.schema
        next_key = dict.fromkeys(schema.tables, 0)
        batch_no = 0

        def emit(name: str, frame: pd.DataFrame, rng: np.random.Generator) -> Batch:
            spec = schema.tables[name]
            kinds = {c: s.identifier or "other" for c, s in spec.columns.items() if s.kind == "identifier"}
            if kinds:
                data = {c: frame[c].to_numpy() for c in frame.columns if c not in kinds}
                staff = {c: s.staff for c, s in spec.columns.items() if s.staff}
                fakes = fake_identities(kinds, len(frame), schema.locale, rng, persona=persona_of(data, len(frame)),
                                        staff=staff, staff_seed=(self.seed, list(schema.tables).index(name)),
                                        widths={c: s.width for c, s in spec.columns.items() if s.width})
                for col, values in fakes.items():
                    frame[col] = values
            frame = frame[[c for c in spec.columns if c in frame.columns]]
            return name, pa.RecordBatch.from_pandas(frame, preserve_index=False)

        def descend(name: str, keys: np.ndarray, rng: np.random.Generator) -> Iterator[Batch]:
            for child in schema.children(name):
                fk = schema.parent_of(child)
                assert fk is not None
                counts = rng.choice(self._child_counts[child], size=len(keys))
                frame = self._rows(child, int(counts.sum()), int(rng.integers(2**31)))
                frame[fk.column] = np.repeat(keys, counts)
                yield from finish(child, frame, rng)

        def finish(name: str, frame: pd.DataFrame, rng: np.random.Generator) -> Iterator[Batch]:
            spec = schema.tables[name]
            start = self._key_bases[name] + next_key[name]
            keys = np.arange(start, start + len(frame), dtype=np.int64)
            next_key[name] += len(frame)
            if spec.primary_key:
                frame[spec.primary_key] = keys
            for other in spec.references():
                made = max(1, root_rows.get(other.parent, 1))
                frame[other.column] = self._key_bases[other.parent] + rng.integers(0, made, len(frame))
            for column, col_spec in spec.columns.items():  # keys outside any link (a person id, a product id)
                if col_spec.kind == "key" and column not in frame.columns:
                    frame[column] = keys
            yield emit(name, frame, rng)
            yield from descend(name, keys, rng)

        for root, total in root_rows.items():
            for start in range(0, total, batch_rows):
                n = min(batch_rows, total - start)
                rng = np.random.default_rng([seed, batch_no])
                batch_no += 1
                yield from finish(root, self._rows(root, n, int(rng.integers(2**31))), rng)
