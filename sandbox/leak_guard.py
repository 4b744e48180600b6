"""Keep fake identifiers from coinciding with real ones.

Faker draws from finite pools, so a fake "John Smith" or e-mail can equal a real customer's. Before a
synthetic batch is written, every identifier cell whose keyed digest matches a source identifier is
replaced by a fresh fake value, so no real identifier value ever appears in synthetic data.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from generators.identities import fake_identities
from generators.schema import Schema
from sandbox.pseudonymize import pseudonym

MAX_ROUNDS = 20


class LeakGuard:
    """Replaces identifier values whose digest is among the source's identifier digests."""

    def __init__(self, schema: Schema, digests: set[str], key: bytes, seed: int = 0) -> None:
        self.schema, self.digests, self.key = schema, digests, key
        self.rng = np.random.default_rng([seed, 7919])
        self.replaced = 0

    def _hits(self, values: list) -> np.ndarray:
        return np.array([v is not None and pseudonym(self.key, v) in self.digests for v in values], dtype=bool)

    def __call__(self, table: str, batch: pa.RecordBatch) -> pa.RecordBatch:
        spec = self.schema.tables[table]
        kinds = {c: s.identifier or "other" for c, s in spec.columns.items() if s.kind == "identifier"}
        if not kinds or not self.digests:
            return batch
        columns = {c: batch.column(c).to_pylist() for c in kinds if c in batch.schema.names}
        hit_rows = np.zeros(batch.num_rows, dtype=bool)
        for values in columns.values():
            hit_rows |= self._hits(values)
        for _ in range(MAX_ROUNDS):
            rows = np.flatnonzero(hit_rows)
            if rows.size == 0:
                break
            self.replaced += int(rows.size)
            fresh = fake_identities({c: kinds[c] for c in columns}, rows.size, self.schema.locale, self.rng)
            for c, values in columns.items():
                for i, r in enumerate(rows):
                    values[r] = fresh[c][i]
            hit_rows[:] = False
            for values in columns.values():
                hit_rows[rows] |= self._hits([values[r] for r in rows])
        arrays = [pa.array(columns[n], type=batch.schema.field(n).type) if n in columns else batch.column(n)
                  for n in batch.schema.names]
        return pa.RecordBatch.from_arrays(arrays, schema=batch.schema)
