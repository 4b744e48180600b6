"""The exact copy check reads every training row: a 10% copier is caught at any size, chance matches of
tables with repeating cells are not called copies, and the gate names the rule in its reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from generators import registry
from generators.base import Batch, Generator
from generators.schema import Column, Schema, Table
from sandbox.release.copy_check import exact_copies, table_copies
from sandbox.release.gate import evaluate
from sandbox.release.synthesize import synthesize
from sandbox.vault.ingest import ingest
from sandbox.workspace import Workspace
from tests.conftest import STEWARD


def _attach(real: pd.DataFrame, syn: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS vault")
    con.execute("ATTACH ':memory:' AS syn")
    con.register("_r", real)
    con.register("_s", syn)
    con.execute("CREATE TABLE vault.t AS SELECT * FROM _r")
    con.execute("CREATE TABLE syn.t AS SELECT * FROM _s")
    return con


def test_a_tenth_copied_from_a_hundred_thousand_training_rows_is_measured_exactly():
    rng = np.random.default_rng(0)
    n_real, n_syn = 125_000, 20_000
    real = pd.DataFrame({"amount": rng.normal(100, 30, n_real).round(2), "tenure": rng.integers(0, 72, n_real),
                         "plan": rng.choice(["a", "b", "c"], n_real), "_holdout": np.arange(n_real) >= 100_000})
    fresh = pd.DataFrame({"amount": rng.normal(100, 30, n_syn).round(2) + 0.001,
                          "tenure": rng.integers(0, 72, n_syn), "plan": rng.choice(["a", "b", "c"], n_syn)})
    copied = rng.choice(100_000, n_syn // 10, replace=False)
    fresh.iloc[: n_syn // 10] = real.iloc[copied][["amount", "tenure", "plan"]].to_numpy()
    fresh["tenure"] = fresh["tenure"].astype("float64")  # a DOUBLE synthetic column still equals a BIGINT real one
    result = table_copies(_attach(real, fresh), "t", ["amount", "tenure", "plan"])
    assert result is not None
    assert result["rows_train"] == 100_000 and result["rows_holdout"] == 25_000
    assert result["exact_match_share_train"] == pytest.approx(0.100, abs=0.002)
    assert result["excess"] == pytest.approx(0.100, abs=0.005)
    assert result["z"] > 20


def test_chance_matches_on_repeating_cells_are_not_copies():
    """Two columns of three levels: every synthetic row equals thousands of real rows, by chance alone."""
    rng = np.random.default_rng(1)
    n_real, n_syn = 40_000, 10_000
    real = pd.DataFrame({"a": rng.choice(["x", "y", "z"], n_real, p=[0.6, 0.3, 0.1]),
                         "b": rng.choice([1, 2, 3], n_real), "_holdout": rng.random(n_real) < 0.25})
    syn = pd.DataFrame({"a": rng.choice(["x", "y", "z"], n_syn, p=[0.6, 0.3, 0.1]), "b": rng.choice([1, 2, 3], n_syn)})
    con = _attach(real, syn)
    schema = Schema(tables={"t": Table(columns={"a": Column(kind="categorical"), "b": Column(kind="numerical")})})
    result = exact_copies(con, schema, {"t": ["a", "b"]})
    assert result["exact_match_share_train"] == 1.0 and result["exact_match_share_holdout"] == 1.0
    assert abs(result["exact_copy_z"]) < 3, result
    assert result["identical_match_reference_rows"] == int((~real["_holdout"]).sum())


class TenthCopier(Generator):
    """Test double: a tenth of its rows are training rows, the rest draw each column on its own."""

    name = "tenth_copier"
    description = "test double: copies one row in ten"

    def _fit(self, tables: dict[str, pd.DataFrame], schema: Schema) -> None:
        self._tables = {name: frame.reset_index(drop=True).copy() for name, frame in tables.items()}

    def _sample(self, root_rows: dict[str, int], seed: int, batch_rows: int) -> Iterator[Batch]:
        from generators.identities import fake_identities

        assert self.schema is not None
        rng = np.random.default_rng(seed)
        (name,) = self.schema.order()
        spec, real = self.schema.tables[name], self._tables[name]
        n = len(real)
        frame = pd.DataFrame({c: real[c].to_numpy()[rng.integers(0, n, n)] for c in real.columns})
        copy = rng.choice(n, n // 10, replace=False)
        frame.iloc[: n // 10] = real.iloc[copy].to_numpy()
        if spec.primary_key:
            frame[spec.primary_key] = np.arange(n)
        kinds = {c: s.identifier or "other" for c, s in spec.columns.items() if s.kind == "identifier"}
        for column, values in fake_identities(kinds, n, self.schema.locale, rng).items():
            frame[column] = values
        frame = frame[[c for c in spec.columns if c in frame.columns]]
        yield name, pa.RecordBatch.from_pandas(frame, preserve_index=False)


@pytest.fixture(scope="module")
def telco_ws(tmp_path_factory: pytest.TempPathFactory, telco_sample: Path) -> Workspace:
    ws = Workspace(tmp_path_factory.mktemp("copies-ws"))
    ingest(ws, STEWARD, [telco_sample], "telco", accept_proposed=True)
    return ws


def test_the_gate_fails_a_tenth_copier_and_says_which_rule(telco_ws: Workspace):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(registry, "_BACKENDS", dict(registry._BACKENDS))
        registry.register(TenthCopier.name, f"{__name__}:TenthCopier")
        info = synthesize(telco_ws, STEWARD, "telco", generator=TenthCopier.name, seed=0)
    report = evaluate(telco_ws, STEWARD, info.id, target="telco.Churn=Yes")
    privacy = report["privacy"]
    assert privacy["exact_copy_excess"] == pytest.approx(0.10, abs=0.03)
    assert privacy["identical_match_reference_rows"] == privacy["exact_copy_tables"]["telco"]["rows_train"] > 0
    assert report["gate"] == "fail"
    assert any(r["code"] == "exact_copies" and r["table"] == "telco" for r in report["reasons"]), report["reasons"]


@pytest.mark.skipif("cart" not in registry.names(), reason="generator 'cart' not registered")
def test_the_default_generator_copies_nothing_by_the_exact_check(telco_ws: Workspace):
    info = synthesize(telco_ws, STEWARD, "telco", generator="cart", seed=0)
    privacy = evaluate(telco_ws, STEWARD, info.id, target="telco.Churn=Yes")["privacy"]
    assert privacy["exact_copy_excess"] < 0.01
    assert privacy["exact_copy_tables"]["telco"]["rows_synthetic"] > 0
