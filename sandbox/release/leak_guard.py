"""Keep fake identifiers from coinciding with real ones.

Faker draws from finite pools, so a fake "John Smith" or e-mail can equal a real customer's. Before a
synthetic batch is written, every identifier cell whose keyed digest matches a source identifier is
replaced by a fresh fake value, so no real identifier value ever appears in synthetic data.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyarrow as pa

from generators.identities import fake_identities
from generators.persona import Persona, persona_of
from generators.schema import Schema
from sandbox.vault.pseudonymize import pseudonym

MAX_ROUNDS = 20
COMPOUND_TRIES = 200
_NAME_KINDS = frozenset({"first_name", "last_name"})


class LeakGuard:
    """Replaces identifier values whose digest is among the source's identifier digests."""

    def __init__(self, schema: Schema, digests: set[str], key: bytes, seed: int = 0) -> None:
        self.schema, self.digests, self.key = schema, digests, key
        self.rng = np.random.default_rng([seed, 7919])
        self.replaced = 0
        self.swaps: dict[str, dict[str, str]] = {}  # staff column -> fake person -> the one written instead

    def _hits(self, values: list) -> np.ndarray:
        return np.array([v is not None and pseudonym(self.key, v) in self.digests for v in values], dtype=bool)

    def _compound(self, columns: dict[str, list], kinds: Mapping[str, str], rows: np.ndarray) -> None:
        """Cells still equal to a real value after every redraw: the fake pool is no larger than the real
        values (a bank file's surnames cover most of Faker's). Names become double-barrelled ("Smith-Hale",
        "Иванова-Петрова"), other kinds a fresh value with two more digits, until no digest matches."""
        for c, values in columns.items():
            for r in rows:
                if values[r] is None or not self._hits([values[r]])[0]:
                    continue
                for attempt in range(COMPOUND_TRIES):
                    (other,) = fake_identities({c: kinds[c]}, 1, self.schema.locale, self.rng)[c]
                    if kinds[c] in _NAME_KINDS:
                        candidate = f"{values[r]}-{str(other).split()[-1]}"
                    else:
                        candidate = f"{other}{self.rng.integers(10, 100)}" if attempt else str(other)
                    if not self._hits([candidate])[0]:
                        values[r] = candidate
                        self.replaced += 1
                        break
                else:
                    raise RuntimeError(f"no fake {kinds[c]} unlike every real one after {COMPOUND_TRIES} tries")

    def _staff(self, column: str, kind: str, values: list) -> list:
        """A column of a few fake people named again and again (``Column.staff``): each fake person equal to a
        real one is replaced by one other fake person in every row, so the column still names a few people."""
        swap = self.swaps.setdefault(column, {})  # the same replacement in every batch
        for value in sorted({v for v in values if v is not None} - set(swap)):
            cell = [value]
            if self._hits(cell)[0]:
                self._compound({column: cell}, {column: kind}, np.array([0]))
            swap[value] = cell[0]
        return [swap.get(v, v) for v in values]

    def __call__(self, table: str, batch: pa.RecordBatch) -> pa.RecordBatch:
        spec = self.schema.tables[table]
        kinds = {c: s.identifier or "other" for c, s in spec.columns.items() if s.kind == "identifier"}
        if not kinds or not self.digests:
            return batch
        staff = {c: self._staff(c, kinds[c], batch.column(c).to_pylist())
                 for c, s in spec.columns.items() if s.staff and c in kinds and c in batch.schema.names}
        columns = {c: batch.column(c).to_pylist() for c in kinds if c in batch.schema.names and c not in staff}
        columns_out = {**columns, **staff}
        persona: Persona | None = None
        hit_rows = np.zeros(batch.num_rows, dtype=bool)
        for values in columns.values():
            hit_rows |= self._hits(values)
        for _ in range(MAX_ROUNDS):
            rows = np.flatnonzero(hit_rows)
            if rows.size == 0:
                break
            self.replaced += int(rows.size)
            if persona is None:  # redrawn people still fit their rows (gender, age band)
                persona = persona_of({n: batch.column(n) for n in batch.schema.names if n not in kinds},
                                     batch.num_rows)
            fresh = fake_identities({c: kinds[c] for c in columns}, rows.size, self.schema.locale, self.rng,
                                    persona=persona.take(rows))
            for c, values in columns.items():
                for i, r in enumerate(rows):
                    values[r] = fresh[c][i]
            hit_rows[:] = False
            for values in columns.values():
                hit_rows[rows] |= self._hits([values[r] for r in rows])
        if hit_rows.any():
            self._compound(columns, kinds, np.flatnonzero(hit_rows))
        arrays = [pa.array(columns_out[n], type=batch.schema.field(n).type) if n in columns_out
                  else batch.column(n) for n in batch.schema.names]
        return pa.RecordBatch.from_arrays(arrays, schema=batch.schema)
