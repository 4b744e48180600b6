"""Synthetic text categoricals are stored as DuckDB ENUMs (cheaper to append); every reader still sees text.

The risk of the storage change is in readers that look at a column's type or its pandas dtype: an ENUM's
type name spells out its levels (a level "INTERNET" must not make a column numeric), pandas receives it as
a categorical, and the gate's check for e-mails and phones inside text cells ran on VARCHAR columns only.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from generators.cart import CartGenerator
from sandbox.lab import explore
from sandbox.release.enums import as_text
from sandbox.release.gate import evaluate
from sandbox.release.synthesize import synthesize, write_batches
from sandbox.vault.ingest import ingest
from sandbox.workspace import Workspace
from tests.conftest import STEWARD
from tests.test_cart import telco, telco_model  # noqa: F401  (module fixtures: real Telco rows, fitted cart)


def _types(path: Path, table: str) -> dict[str, str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return dict(con.execute(f"SELECT column_name, data_type FROM information_schema.columns "
                                f"WHERE table_name = '{table}'").fetchall())


def test_text_levels_are_stored_as_enums_and_read_back_as_the_same_text(
        telco_model: CartGenerator, tmp_path: Path) -> None:  # noqa: F811
    batches = list(telco_model.sample(rows=3000, seed=1, batch_rows=1000))
    write_batches(tmp_path / "out.duckdb", iter(batches), 3000, "customers")
    types = _types(tmp_path / "out.duckdb", "customers")
    assert types["Contract"].startswith("ENUM(") and types["MonthlyCharges"] == "DOUBLE"
    expected = pa.Table.from_batches([b for _, b in batches]).to_pandas()
    with duckdb.connect(str(tmp_path / "out.duckdb"), read_only=True) as con:
        raw = con.execute("SELECT * FROM customers ORDER BY rowid").df()
        assert con.execute("SELECT count(*) FROM customers WHERE Contract = 'Month-to-month'").fetchone()[0] == \
            int((expected["Contract"] == "Month-to-month").sum()), "an ENUM compares with text in SQL"
    assert isinstance(raw["Contract"].dtype, pd.CategoricalDtype)
    written = as_text(raw)
    assert written["Contract"].dtype == object
    for column in expected:
        assert written[column].astype(str).tolist() == expected[column].astype(str).tolist(), column


def test_a_batch_with_a_level_the_enum_lacks_turns_the_column_into_text(tmp_path: Path) -> None:
    def batch(codes: list[int], levels: list[str]) -> tuple[str, pa.RecordBatch]:
        plan = pa.DictionaryArray.from_arrays(pa.array(codes, type=pa.int32()), pa.array(levels))
        return "t", pa.RecordBatch.from_arrays([plan, pa.array(range(len(codes)))], names=["plan", "n"])

    batches = [batch([0, 1, 0], ["basic", "pro"]), batch([1, 0], ["pro", "basic"]),  # same levels, other order
               batch([2, None, 0], ["basic", "pro", "it's new"])]
    assert write_batches(tmp_path / "out.duckdb", iter(batches), 8, "t") == {"t": 8}
    assert _types(tmp_path / "out.duckdb", "t")["plan"] == "VARCHAR"
    with duckdb.connect(str(tmp_path / "out.duckdb"), read_only=True) as con:
        assert [r[0] for r in con.execute("SELECT plan FROM t ORDER BY rowid").fetchall()] == \
            ["basic", "pro", "basic", "basic", "pro", "it's new", None, "basic"]


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, str, str]:
    """A staged synthetic dataset whose ENUM column holds a real customer's e-mail inside a text level and
    whose level names read like SQL types."""
    folder = tmp_path_factory.mktemp("export")
    n = 400
    emails = [f"client{i}@example.org" for i in range(n)]
    pd.DataFrame({"customer_id": [f"C{i:05d}" for i in range(n)], "email": emails,
                  "service": ["INTERNET", "DATE PLAN", "INT BUNDLE", "none"] * (n // 4),
                  "spend": [float(i % 97) for i in range(n)]}).to_csv(folder / "customers.csv", index=False)
    home = tmp_path_factory.mktemp("ws")
    ws = Workspace(home)
    ingest(ws, STEWARD, [folder / "customers.csv"], "shop", accept_proposed=True)
    info = synthesize(ws, STEWARD, "shop", generator="cart", seed=0)
    path = ws.staging_path(info.id)
    with duckdb.connect(str(path), read_only=True) as con:
        table = con.sql("SELECT * FROM customers ORDER BY rowid").to_arrow_table()
    levels = ["INTERNET", "DATE PLAN", "INT BUNDLE", f"call {emails[7]} back"]
    codes = pa.array([i % 4 for i in range(table.num_rows)], type=pa.int32())
    service = pa.DictionaryArray.from_arrays(codes, pa.array(levels))
    table = table.set_column(table.schema.get_field_index("service"), "service", service)
    path.unlink()
    write_batches(path, iter([("customers", b) for b in table.to_batches()]), table.num_rows, "customers")
    assert _types(path, "customers")["service"].startswith("ENUM(")
    return ws, info.id, emails[7]


def test_the_gate_finds_an_email_inside_an_enum_level(planted: tuple[Workspace, str, str]) -> None:
    ws, dataset, _ = planted
    report = evaluate(ws, STEWARD, dataset)
    assert report["privacy"]["leaked_values"] > 0, "e-mails inside text cells are checked in ENUM columns too"
    assert "customers.service" in report["privacy"]["leak_locations"]


def test_readers_treat_an_enum_as_text_whatever_its_levels_spell(planted: tuple[Workspace, str, str]) -> None:
    ws, dataset, email = planted
    (info,) = explore.describe(ws, STEWARD, dataset)
    assert info.columns["service"] == "VARCHAR"
    top = explore.distribution(ws, STEWARD, dataset, "customers", "service")  # top levels, not a histogram
    assert set(top["value"]) == {"INTERNET", "DATE PLAN", "INT BUNDLE", f"call {email} back"}
    page = explore.page(ws, STEWARD, dataset, "customers", limit=8)
    assert page["service"].dtype == object and page["service"].iloc[0] == "INTERNET"
