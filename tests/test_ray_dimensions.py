"""Dimension tables on Ray: a table the families link into is sampled once on the driver and broadcast.

The export is a sales CRM built from real Olist rows whose column names say nothing (``tests/links_support``):
the pipeline names its sales agent (``rep``, its parent), its product (``item``) and its account (``client``).
Ingest finds the links from values; the team family is sharded, the accounts and the catalogue are
dimension trees every shard links into. Ray runs locally with 2 CPUs.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from sandbox.release.datasets import file_of, get
from sandbox.release.engines import iceberg_store, ray_engine
from sandbox.release.synthesize import synthesize
from sandbox.vault.ingest import ingest
from sandbox.workspace import Workspace
from tests.conftest import STEWARD
from tests.links_support import sales_crm

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.xdist_group("ray")

ACCOUNTS = 2000  # root rows asked for (the first root); the other roots scale with it
LINKS = {"rep": ("team", "rep"), "item": ("catalogue", "item"), "client": ("accounts", "company")}


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def crm(tmp_path_factory) -> Workspace:
    root = tmp_path_factory.mktemp("dims")
    (root / "export").mkdir()
    sales_crm(root / "export")
    ws = Workspace(root / "ws")
    ingest(ws, STEWARD, [root / "export"], "crm", accept_proposed=True)
    return ws


@pytest.fixture(scope="module")
def datasets(cluster, crm) -> dict[str, str]:
    return {"ray": synthesize(crm, STEWARD, "crm", seed=5, rows=ACCOUNTS, engine="ray", shards=2).id,
            "local": synthesize(crm, STEWARD, "crm", seed=5, rows=ACCOUNTS).id}


def _con(ws: Workspace, dataset: str) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(file_of(ws, get(ws, STEWARD, dataset))), read_only=True)


def test_dimension_trees_are_chosen_from_the_links(crm):
    from generators.cart import CartGenerator
    from sandbox.catalog import store as catalog_store
    from sandbox.release.schema_bridge import generator_schema
    from sandbox.vault.snapshots import latest_snapshot, open_snapshot, read_split

    schema = generator_schema(catalog_store.latest(crm, "crm"))
    with open_snapshot(crm, STEWARD, latest_snapshot(crm, STEWARD, "crm").id) as con:
        train = {t: read_split(con, t, holdout=False) for t in schema.tables}
    model = CartGenerator(seed=0).fit(train, schema)
    rows = model.root_rows(ACCOUNTS, None)
    assert sorted(model.dimension_roots(rows, 10**6)) == ["accounts", "catalogue"]
    assert model.dimension_roots(rows, 500) == ["catalogue"]  # accounts are too many to broadcast: sharded
    assert model.dimension_roots(rows, 10) == []  # as before: every tree sharded
    assert ray_engine.key_columns(model, ("accounts", "catalogue"))["pipeline"] == ["ref", "rep"]  # own key, parent


def test_a_dimension_is_sampled_once_and_every_shard_links_into_it(crm, datasets):
    ws, dataset = crm, datasets["ray"]
    info = get(ws, STEWARD, dataset)
    con = _con(ws, dataset)
    ns = iceberg_store.namespace(dataset)
    files = iceberg_store.snapshot_files(ws, dataset)
    cat = iceberg_store.catalog(ws)
    for table in ("accounts", "catalogue"):
        # written once by the driver: one file, as many rows as one run makes, keys below every shard's stride
        assert [Path(p).name.split("-")[0] for p in files[table]] == ["dimensions"], files[table]
        assert info.rows[table] == ray_engine_rows(ws, dataset)[table]
        key = LINKS["client" if table == "accounts" else "item"][1]
        n, distinct, top = con.execute(f"SELECT count(*), count(DISTINCT {key}), max({key}) FROM {table}").fetchone()
        assert n == distinct == info.rows[table] and top < ray_engine.KEY_STRIDE
        assert len(cat.load_table(f"{ns}.{table}").snapshots()) == 1
    assert info.rows["accounts"] == ACCOUNTS
    # the sharded family: both shards made agents and deals, keys unique across shards
    assert sorted(Path(p).name.split("-")[0] for p in files["team"]) == ["shard00000", "shard00001"]
    for table, key in (("team", "rep"), ("pipeline", "ref")):
        assert con.execute(f"SELECT count(*) - count(DISTINCT {key}) FROM {table}").fetchone()[0] == 0, table
    for column, (parent, key) in LINKS.items():
        dangling = con.execute(f"SELECT count(*) FROM pipeline WHERE {column} IS NOT NULL AND {column} NOT IN "
                               f"(SELECT {key} FROM {parent})").fetchone()[0]
        assert dangling == 0, column
    # deals of both shards point into the same accounts and products
    per_shard = con.execute(f"SELECT rep >= {ray_engine.KEY_STRIDE} AS upper, count(DISTINCT client), "
                            f"count(DISTINCT item), count(*) FROM pipeline GROUP BY upper ORDER BY upper").fetchall()
    assert len(per_shard) == 2 and all(r[1] > 0 and r[2] > 0 for r in per_shard), per_shard
    both = con.execute(f"SELECT count(*) FROM (SELECT client FROM pipeline WHERE rep < {ray_engine.KEY_STRIDE} "
                       f"INTERSECT SELECT client FROM pipeline WHERE rep >= {ray_engine.KEY_STRIDE})").fetchone()[0]
    assert both > 0


def ray_engine_rows(ws: Workspace, dataset: str) -> dict[str, int]:
    """Rows per table as the audit log recorded them for the synthesis."""
    import json

    with ws.governance() as g:
        details = json.loads(g.execute("SELECT CAST(details AS VARCHAR) FROM audit WHERE action = 'synthesize' "
                                       "AND object = ?", [dataset]).fetchone()[0])
    return details["rows"]


def test_shards_use_the_dimension_rows_as_one_run_does(crm, datasets):
    """Shards split each dimension row's references between them: accounts used and deals per account stay
    those of the local engine's single run."""
    shares = {}
    for engine, dataset in datasets.items():
        con = _con(crm, dataset)
        used, deals, accounts = con.execute(
            "SELECT count(DISTINCT client), count(client), (SELECT count(*) FROM accounts) FROM pipeline").fetchone()
        shares[engine] = (used / accounts, deals / accounts)
    (ray_used, ray_deals), (local_used, local_deals) = shares["ray"], shares["local"]
    assert abs(ray_used - local_used) < 0.1, shares
    assert abs(ray_deals - local_deals) < 0.15 * local_deals, shares
