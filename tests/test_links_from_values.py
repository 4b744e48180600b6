"""Links found from values, whatever the columns are called: a sales CRM whose pipeline names its account,
product and sales agent (some references dirty), and invoice lines naming invoice numbers such as C536365.
Every link is inferred, dirty references are kept unlinked with a warning, no agent's name crosses into the
vault, and every synthetic reference resolves."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from faker import Faker

from sandbox.catalog import store as catalog_store
from sandbox.release.datasets import file_of, get
from sandbox.release.synthesize import synthesize
from sandbox.vault.ingest import ingest
from sandbox.vault.snapshots import latest_snapshot
from sandbox.workspace import Workspace
from tests.conftest import STEWARD


def _sales_crm(folder: Path, deals: int = 3000) -> dict[str, pd.DataFrame]:
    fake = Faker("en_US")
    fake.seed_instance(3)
    rng = np.random.default_rng(3)
    accounts = pd.DataFrame({
        "account": list(dict.fromkeys(fake.company() for _ in range(200)))[:85],
        "sector": rng.choice(["retail", "medical", "software", "marketing", "finance"], 85),
        "revenue": rng.lognormal(7, 1, 85).round(2),
        "employees": rng.integers(10, 20000, 85),
    })
    products = pd.DataFrame({"product": ["GTX Basic", "GTX Pro", "MG Special", "MG Advanced", "GTX Plus Pro",
                                         "GTX Plus Basic", "GTK 500"],
                             "series": ["GTX", "GTX", "MG", "MG", "GTX", "GTX", "GTK"],
                             "sales_price": [550, 4821, 55, 3393, 5482, 1096, 26768]})
    agents = list(dict.fromkeys(fake.name() for _ in range(100)))[:35]
    managers = list(dict.fromkeys(fake.name() for _ in range(20)))[:6]
    teams = pd.DataFrame({"sales_agent": agents, "manager": rng.choice(managers, 35),
                          "regional_office": rng.choice(["Central", "East", "West"], 35)})
    product = rng.choice(products["product"], deals)
    product = np.where((product == "GTX Pro") & (rng.random(deals) < 0.3), "GTXPro", product)  # dirty
    account = rng.choice(accounts["account"], deals).astype(object)
    account[rng.random(deals) < 0.1] = None  # prospects without an account yet
    won = rng.random(deals) < np.where(np.isin(account, accounts["account"][:20]), 0.7, 0.4)
    pipeline = pd.DataFrame({
        "opportunity_id": [f"{fake.unique.bothify('????????').upper()}" for _ in range(deals)],
        "sales_agent": rng.choice(agents, deals), "product": product, "account": account,
        "deal_stage": np.where(won, "Won", rng.choice(["Lost", "Engaging", "Prospecting"], deals)),
        "close_value": np.where(won, rng.lognormal(7.5, 1, deals).round(0), 0),
    })
    tables = {"accounts": accounts, "products": products, "sales_teams": teams, "sales_pipeline": pipeline}
    folder.mkdir()
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return tables


@pytest.fixture(scope="module")
def sales(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("sales")
    tables = _sales_crm(root / "export")
    ws = Workspace(root / "ws")
    result = ingest(ws, STEWARD, [root / "export"], "sales", accept_proposed=True)
    return ws, tables, result


def test_every_link_is_found_from_values(sales):
    ws, _, result = sales
    cat = catalog_store.latest(ws, "sales")
    links = {(fk.column, fk.parent, fk.parent_column) for fk in cat.tables["sales_pipeline"].foreign_keys}
    assert links == {("account", "accounts", "account"), ("product", "products", "product"),
                     ("sales_agent", "sales_teams", "sales_agent")}, links
    assert cat.tables["accounts"].primary_key == "account"
    assert cat.tables["sales_teams"].primary_key == "sales_agent"
    dirty = [w for w in result.warnings if "sales_pipeline, column product" in w]
    assert dirty and "kept with the link empty" in dirty[0] and "GTXPro" in dirty[0], result.warnings
    assert not [w for w in result.warnings if "column sales_agent" in w]


def test_no_agent_name_and_no_row_lost_in_the_vault(sales):
    ws, tables, _ = sales
    snap = latest_snapshot(ws, STEWARD, "sales")
    con = duckdb.connect(str(ws.vault_path(snap.id)), read_only=True)
    try:
        rows = con.execute("SELECT count(*) FROM sales_pipeline").fetchone()[0]
        cells = {str(v) for t in ("sales_pipeline", "sales_teams") for row in
                 con.execute(f"SELECT * FROM {t}").fetchall() for v in row}
        unlinked = con.execute("SELECT count(*) FROM sales_pipeline WHERE product IS NULL").fetchone()[0]
        joined = con.execute("SELECT count(*) FROM sales_pipeline p JOIN sales_teams s "
                             "ON p.sales_agent = s.sales_agent").fetchone()[0]
    finally:
        con.close()
    assert rows == len(tables["sales_pipeline"]), "dirty references keep their rows"
    assert unlinked == (tables["sales_pipeline"]["product"] == "GTXPro").sum()
    assert joined == rows, "agents' pseudonyms join across tables"
    names = set(tables["sales_teams"]["sales_agent"]) | set(tables["sales_teams"]["manager"])
    assert not names & cells


def test_synthetic_links_resolve_and_parents_keep_their_entities(sales):
    ws, _, _ = sales
    info = synthesize(ws, STEWARD, "sales", seed=0)
    con = duckdb.connect(str(file_of(ws, get(ws, STEWARD, info.id))), read_only=True)
    try:
        for column, parent, key in (("account", "accounts", "account"), ("product", "products", "product"),
                                    ("sales_agent", "sales_teams", "sales_agent")):
            dangling = con.execute(f"SELECT count(*) FROM sales_pipeline WHERE {column} IS NOT NULL AND {column} "
                                   f"NOT IN (SELECT {key} FROM {parent})").fetchone()[0]
            assert dangling == 0, column
        used = con.execute("SELECT count(DISTINCT account) FROM sales_pipeline").fetchone()[0]
        accounts = con.execute("SELECT count(*) FROM accounts").fetchone()[0]
    finally:
        con.close()
    assert accounts >= 60 and used >= 0.8 * accounts, (used, accounts)


def test_invoice_numbers_link_three_levels(tmp_path: Path):
    """customers -> invoices -> lines: InvoiceNo (536365, C536366 for returns) is unique in invoices and
    repeated in lines; no name says it is a key."""
    rng = np.random.default_rng(8)
    customers = pd.DataFrame({"CustomerID": np.arange(12346, 12346 + 400),
                              "Country": rng.choice(["United Kingdom", "France", "Germany"], 400, p=[.8, .1, .1])})
    n_inv = 1500
    numbers = [("C" if rng.random() < 0.08 else "") + str(536365 + i) for i in range(n_inv)]
    invoices = pd.DataFrame({"InvoiceNo": numbers, "CustomerID": rng.choice(customers["CustomerID"], n_inv),
                             "InvoiceDate": pd.date_range("2011-01-01", periods=n_inv, freq="37min")})
    per = rng.integers(1, 8, n_inv)
    lines = pd.DataFrame({"InvoiceNo": np.repeat(numbers, per),
                          "StockCode": rng.choice([f"{c}" for c in range(20000, 20300)], per.sum()),
                          "Quantity": rng.integers(1, 24, per.sum()),
                          "UnitPrice": rng.gamma(2, 2, per.sum()).round(2)})
    folder = tmp_path / "retail"
    folder.mkdir()
    for name, frame in {"customers": customers, "invoices": invoices, "lines": lines}.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    ws = Workspace(tmp_path / "ws")
    ingest(ws, STEWARD, [folder], "retail", accept_proposed=True)
    cat = catalog_store.latest(ws, "retail")
    assert cat.tables["invoices"].primary_key == "InvoiceNo"
    assert [(fk.column, fk.parent) for fk in cat.tables["lines"].foreign_keys] == [("InvoiceNo", "invoices")]
    assert [(fk.column, fk.parent) for fk in cat.tables["invoices"].foreign_keys] == [("CustomerID", "customers")]
    info = synthesize(ws, STEWARD, "retail", seed=0)
    con = duckdb.connect(str(file_of(ws, get(ws, STEWARD, info.id))), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM lines WHERE InvoiceNo NOT IN "
                           "(SELECT InvoiceNo FROM invoices)").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM invoices WHERE CustomerID NOT IN "
                           "(SELECT CustomerID FROM customers)").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM lines").fetchone()[0] > 1000
    finally:
        con.close()


def test_the_gate_refuses_a_dataset_whose_links_are_lost(sales):
    from sandbox.release.gate import evaluate

    ws, _, _ = sales
    info = synthesize(ws, STEWARD, "sales", seed=1)
    report = evaluate(ws, STEWARD, info.id, target="sales_pipeline.deal_stage=Won")
    assert {r["dangling"] for r in report["links"].values()} == {0}
    assert not [r for r in report["reasons"] if r["code"] in ("links_lost", "parents_lost")], report["reasons"]
    path = file_of(ws, get(ws, STEWARD, info.id))
    con = duckdb.connect(str(path))
    con.execute("UPDATE sales_pipeline SET sales_agent = sales_agent + 1000000 WHERE rowid % 10 = 0")
    con.close()
    report = evaluate(ws, STEWARD, info.id, target="sales_pipeline.deal_stage=Won")
    lost = [r for r in report["reasons"] if r["code"] == "links_lost"]
    assert report["gate"] == "fail" and lost and "sales_pipeline.sales_agent" in lost[0]["link"], report["reasons"]


def test_a_many_level_target_without_a_value_is_one_line(sales, tmp_path: Path):
    import os
    import subprocess
    import sys

    ws, _, _ = sales
    info = synthesize(ws, STEWARD, "sales", seed=2)
    env = {**os.environ, "SANDBOX_HOME": str(ws.home), "SANDBOX_USER": STEWARD.name, "SANDBOX_ROLE": "steward"}
    run = subprocess.run([sys.executable, "-m", "sandbox.cli", "evaluate", info.id, "--target",
                          "sales_pipeline.deal_stage"], capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode != 0
    assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert "sales_pipeline.deal_stage=VALUE" in run.stderr


def test_the_gate_judges_each_link_by_its_shape(sales):
    """Win rate by sector and deals per account, real against synthetic; a synthetic pipeline that piles every
    deal onto a few accounts keeps its references resolving but loses the shape, and the gate says so."""
    from sandbox.release.gate import evaluate
    from sandbox.release.report import render_html

    ws, _, _ = sales
    info = synthesize(ws, STEWARD, "sales", seed=3)
    report = evaluate(ws, STEWARD, info.id, target="sales_pipeline.deal_stage=Won")
    accounts = report["relationships"]["sales_pipeline.account -> accounts.account"]
    sector = next(p for p in accounts["pairs"] if (p["parent_column"], p["child_column"]) == ("sector", "deal_stage"))
    assert accounts["parents"] >= 60 and accounts["children_per_parent"] > 0.6, accounts
    assert sector["similarity"] > 0.8, sector
    assert not [r for r in report["reasons"] if r["code"] == "link_shape"], report["reasons"]
    assert "Links between tables" in render_html(report | {"view": "full"})
    path = file_of(ws, get(ws, STEWARD, info.id))
    con = duckdb.connect(str(path))
    con.execute("UPDATE sales_pipeline SET account = (SELECT min(account) FROM accounts) WHERE account IS NOT NULL "
                "AND rowid % 20 <> 0")
    con.close()
    report = evaluate(ws, STEWARD, info.id, target="sales_pipeline.deal_stage=Won")
    lost = [r for r in report["reasons"] if r["code"] == "link_shape"]
    assert report["gate"] == "fail" and lost and "sales_pipeline.account" in lost[0]["link"], report["reasons"]
    assert not [r for r in report["reasons"] if r["code"] == "links_lost"]
