"""Synthetic batches stream into DuckDB in order; a failed run leaves no file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from generators.cart import CartGenerator
from sandbox.release.synthesize import write_batches
from tests.test_cart import telco, telco_model  # noqa: F401  (module fixtures: real Telco rows, fitted cart)


def test_written_rows_are_the_sampled_rows_in_order(telco_model: CartGenerator, tmp_path: Path) -> None:  # noqa: F811
    batches = list(telco_model.sample(rows=5000, seed=3, batch_rows=700))
    assert len(batches) == 8
    counts = write_batches(tmp_path / "out.duckdb", iter(batches), 5000, "customers")
    assert counts == {"customers": 5000}
    expected = pa.Table.from_batches([b for _, b in batches]).to_pandas()
    with duckdb.connect(str(tmp_path / "out.duckdb"), read_only=True) as con:
        written = con.execute("SELECT * FROM customers ORDER BY rowid").df()
    for column in expected:
        assert written[column].astype(str).tolist() == expected[column].astype(str).tolist(), column


def test_a_failed_sampling_run_leaves_no_file(telco_model: CartGenerator, tmp_path: Path) -> None:  # noqa: F811
    def broken() -> Iterator[tuple[str, pa.RecordBatch]]:
        batches = telco_model.sample(rows=3000, batch_rows=1000)
        yield next(batches)
        raise RuntimeError("generator died")

    with pytest.raises(RuntimeError, match="generator died"):
        write_batches(tmp_path / "out.duckdb", broken(), 3000, "customers")
    assert not list(tmp_path.iterdir())
