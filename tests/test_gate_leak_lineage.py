"""The gate's leak check compares a synthetic column only with the source values that could have reached it:
its own column's values and pseudonyms, and identifiers of its kind. Honest retail data, whose stock codes
equal some line numbers, passes; a fake surname equal to a short real one still counts."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from generators.schema import Column, Schema, Table
from sandbox.release.gate import _leaks, evaluate
from sandbox.release.synthesize import synthesize
from sandbox.vault.ingest import ingest
from sandbox.vault.pseudonymize import register_udf
from sandbox.workspace import Workspace
from tests.conftest import STEWARD


def test_stock_codes_equal_to_line_numbers_are_not_leaks(tmp_path: Path):
    rng = np.random.default_rng(3)
    n = 4000
    lines = pd.DataFrame({
        "line_id": np.arange(20001, 20001 + n),  # a key: 5-digit numbers
        # ordinary stock codes in the same range, some with a letter (so text, as in real retail exports)
        "stock_code": [f"{c}{s}" for c, s in zip(rng.choice(np.arange(20001, 20400), n),
                                                  rng.choice(["", "", "", "A", "B"], n), strict=True)],
        "quantity": rng.integers(1, 12, n),
        "unit_price": rng.gamma(2.0, 3.0, n).round(2),
        "country": rng.choice(["United Kingdom", "France", "Germany", "EIRE"], n, p=[0.7, 0.1, 0.1, 0.1]),
    })
    path = tmp_path / "lines.csv"
    lines.to_csv(path, index=False)
    ws = Workspace(tmp_path / "ws")
    ingest(ws, STEWARD, [path], "retail", accept_proposed=True)
    info = synthesize(ws, STEWARD, "retail", seed=0)
    report = evaluate(ws, STEWARD, info.id)
    assert "lines.stock_code" not in report["privacy"]["leak_locations"], report["privacy"]["leak_locations"]
    assert report["privacy"]["leaked_values"] == 0


def test_short_real_values_count_only_in_columns_of_their_kind():
    key = b"k" * 32
    con = duckdb.connect()
    register_udf(con, key)
    con.execute("ATTACH ':memory:' AS vault")
    con.execute("ATTACH ':memory:' AS syn")
    con.execute("CREATE TABLE vault._identifier_digests (digest VARCHAR, kind VARCHAR, tbl VARCHAR, col VARCHAR, "
                "ident VARCHAR, short BOOLEAN)")
    con.execute("INSERT INTO vault._identifier_digests SELECT pseudonym(v), 'identifier', 'bank', 'Surname', "
                "'last_name', length(v) < 5 FROM (VALUES ('Li'), ('Ng'), ('Hargrave')) t(v)")
    con.execute("INSERT INTO vault._identifier_digests SELECT pseudonym(v), 'key', 'bank', 'CustomerId', 'key', "
                "false FROM (VALUES ('15634602'), ('20011')) t(v)")
    con.execute("CREATE TABLE syn.bank (Surname VARCHAR, Tenure BIGINT, Code VARCHAR)")
    con.execute("INSERT INTO syn.bank VALUES ('Li', 20011, 'Ng'), ('Smith', 3, 'Li'), ('Hargrave', 4, 'x')")
    schema = Schema(tables={"bank": Table(columns={
        "Surname": Column(kind="identifier", identifier="last_name"),
        "Tenure": Column(kind="numerical"), "Code": Column(kind="categorical")})})
    result = _leaks(con, schema)
    # both real surnames in the fake surname column; no key value in Tenure (not its lineage); short
    # surnames in an ordinary code column identify nobody
    assert result["leak_locations"] == {"bank.Surname": 2}, result


@pytest.mark.parametrize("lineage", [False])
def test_snapshots_without_lineage_keep_the_old_rule(lineage: bool):
    key = b"k" * 32
    con = duckdb.connect()
    register_udf(con, key)
    con.execute("ATTACH ':memory:' AS vault")
    con.execute("ATTACH ':memory:' AS syn")
    con.execute("CREATE TABLE vault._identifier_digests (digest VARCHAR, kind VARCHAR)")
    con.execute("INSERT INTO vault._identifier_digests SELECT pseudonym('Hargrave'), 'identifier'")
    con.execute("CREATE TABLE syn.bank (Surname VARCHAR)")
    con.execute("INSERT INTO syn.bank VALUES ('Hargrave'), ('Smith')")
    schema = Schema(tables={"bank": Table(columns={"Surname": Column(kind="identifier", identifier="last_name")})})
    assert _leaks(con, schema)["leak_locations"] == {"bank.Surname": 1}
