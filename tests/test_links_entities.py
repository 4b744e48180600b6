"""Tables of things are kept as entities: a sales CRM built from real Olist rows (tests/links_support.py)
whose accounts (companies) and catalogue (product lines) are what pipeline rows point at. Ingest proposes them
as things from values (names as keys, nobody identified), the generator keeps their rare levels (a product
line held by one product, a state with one account) instead of pooling them into "Other"; tables of people
(agents keyed by their names, customers by numbers, invoices that belong to them) keep every control."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from sandbox.catalog import store as catalog_store
from sandbox.release.datasets import file_of, get
from sandbox.release.schema_bridge import generator_schema
from sandbox.release.synthesize import synthesize
from sandbox.vault.ingest import ingest
from sandbox.vault.snapshots import latest_snapshot
from sandbox.workspace import Workspace
from tests import links_support
from tests.conftest import STEWARD


@pytest.fixture(scope="module")
def sales(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("entities")
    (root / "export").mkdir()
    names = links_support.sales_crm(root / "export")
    ws = Workspace(root / "ws")
    result = ingest(ws, STEWARD, [root / "export"], "crm", accept_proposed=True)
    return ws, names, result


def _values(con: duckdb.DuckDBPyConnection, sql: str) -> list:
    return [r[0] for r in con.execute(sql).fetchall()]


def test_things_and_people_are_told_apart_by_values(sales):
    ws, _, result = sales
    cat = catalog_store.latest(ws, "crm")
    assert {t: e.people for t, e in cat.tables.items()} == {
        "accounts": False, "catalogue": False, "team": True, "pipeline": True}
    schema = generator_schema(cat)
    assert not schema.tables["accounts"].personal and schema.tables["team"].personal
    lines = [w for w in result.warnings if "rows are things" in w]
    assert sorted(w.split(":")[0] for w in lines) == ["table accounts", "table catalogue"], result.warnings


def test_a_table_of_numbers_keyed_customers_stays_people(tmp_path: Path):
    (tmp_path / "export").mkdir()
    links_support.retail(tmp_path / "export", limit=1500)
    ws = Workspace(tmp_path / "ws")
    ingest(ws, STEWARD, [tmp_path / "export"], "retail", accept_proposed=True)
    cat = catalog_store.latest(ws, "retail")
    assert cat.tables["invoices"].foreign_keys, "the three levels are linked"
    assert all(e.people for e in cat.tables.values()), {t: e.people for t, e in cat.tables.items()}


def test_the_steward_decides_over_the_proposal(sales, tmp_path: Path):
    ws, _, _ = sales
    cat = catalog_store.latest(ws, "crm")
    cat.tables["accounts"].people = True
    path = tmp_path / "catalog.yaml"
    path.write_text(cat.to_yaml())
    (tmp_path / "export").mkdir()
    links_support.sales_crm(tmp_path / "export")
    ws2 = Workspace(tmp_path / "ws")
    ingest(ws2, STEWARD, [tmp_path / "export"], "crm", catalog_file=path, accept_proposed=True)
    again = catalog_store.latest(ws2, "crm")
    assert again.tables["accounts"].people is True and again.tables["catalogue"].people is False


def test_rare_levels_of_things_are_kept_and_of_people_pooled(sales):
    ws, _, _ = sales
    info = synthesize(ws, STEWARD, "crm", seed=0)
    snap = latest_snapshot(ws, STEWARD, "crm")
    real = duckdb.connect(str(ws.vault_path(snap.id)), read_only=True)
    syn = duckdb.connect(str(file_of(ws, get(ws, STEWARD, info.id))), read_only=True)
    try:
        def rare(table: str, column: str) -> set[str]:
            return set(_values(real, f"SELECT {column} FROM {table} WHERE NOT _holdout GROUP BY 1 "
                                     "HAVING count(*) < 3"))

        series, regions, hubs = rare("catalogue", "series"), rare("accounts", "region"), rare("team", "hub")
        syn_series = set(_values(syn, "SELECT series FROM catalogue"))
        syn_regions = set(_values(syn, "SELECT CAST(region AS VARCHAR) FROM accounts"))
        syn_hubs = set(_values(syn, "SELECT CAST(hub AS VARCHAR) FROM team"))
        accounts = _values(syn, "SELECT count(*) FROM accounts")[0]
        used = _values(syn, "SELECT count(DISTINCT client) FROM pipeline")[0]
    finally:
        real.close()
        syn.close()
    assert series and len(syn_series & series) >= (len(series) + 1) // 2, (series, syn_series)
    assert "Other" not in syn_series and "Other" not in syn_regions
    assert regions and syn_regions & regions, (regions, syn_regions)
    assert hubs and not syn_hubs & hubs, "levels fewer than 3 agents hold never reach the synthetic team"
    assert used >= 0.8 * accounts, (used, accounts)
