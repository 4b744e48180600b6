"""The ray engine: the demo CRM sampled in shards by Ray tasks into Apache Iceberg, read back unchanged.

One local Ray session (2 CPUs) for the module. The gate, publishing and the API read the dataset exactly as
they read a DuckDB one.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

import sandbox
from generators import registry
from generators.cart import CartGenerator
from sandbox.release.datasets import file_of, get, publish
from sandbox.release.engines import iceberg_store, ray_engine
from sandbox.release.gate import evaluate
from sandbox.release.synthesize import synthesize
from sandbox.workspace import Workspace
from tests.api_support import demo_copy
from tests.conftest import STEWARD
from tests.helpers_login import password_of

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.xdist_group("ray")

ROWS = 3000
FAMILY = {"deals": ("customers", "customer_id"), "interactions": ("deals", "deal_id"),
          "support_tickets": ("customers", "customer_id")}  # child: (parent, key)


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def demo(demo_workspace, tmp_path_factory) -> tuple[Workspace, str]:
    return demo_copy(demo_workspace, tmp_path_factory.mktemp("ray") / "ws")


@pytest.fixture(scope="module")
def ray_dataset(cluster, demo) -> str:
    ws, _ = demo
    return synthesize(ws, STEWARD, "demo_crm", seed=4, rows=ROWS, engine="ray", shards=2).id


def _tables(ws: Workspace, dataset: str) -> dict[str, duckdb.DuckDBPyRelation]:
    con = duckdb.connect()
    con.execute(f"ATTACH '{file_of(ws, get(ws, STEWARD, dataset))}' AS syn (READ_ONLY)")
    return con


def _check_families(con: duckdb.DuckDBPyConnection, schema: str = "syn") -> dict[str, int]:
    """Rows per table; fails on a duplicate key or a child row without its parent."""
    counts = {}
    for table in ("customers", *FAMILY):
        counts[table] = con.execute(f"SELECT count(*) FROM {schema}.{table}").fetchone()[0]
    assert con.execute(f"SELECT count(*) - count(DISTINCT customer_id) FROM {schema}.customers").fetchone()[0] == 0
    for child, (parent, fk) in FAMILY.items():
        pk = con.execute(f"SELECT column_name FROM information_schema.columns WHERE table_name = '{child}' "
                         "ORDER BY ordinal_position LIMIT 1").fetchone()[0]
        assert pk != fk
        assert con.execute(f"SELECT count(*) - count(DISTINCT {pk}) FROM {schema}.{child}").fetchone()[0] == 0, child
        dangling = con.execute(f"SELECT count(*) FROM {schema}.{child} c ANTI JOIN {schema}.{parent} p "
                               f"ON c.{fk} = p.{fk}").fetchone()[0]
        assert dangling == 0, child
    return counts


def test_two_shards_make_whole_families_with_unique_keys_committed_once(demo, ray_dataset):
    ws, _ = demo
    info = get(ws, STEWARD, ray_dataset)
    con = _tables(ws, ray_dataset)
    counts = _check_families(con)
    assert counts["customers"] == ROWS
    assert counts == info.rows
    assert all(n > 0 for n in counts.values())
    # both shards made customers: keys from shard 1 sit one stride above shard 0's
    low, high = con.execute(f"SELECT count(*) FILTER (customer_id < {ray_engine.KEY_STRIDE}), "
                            f"count(*) FILTER (customer_id >= {ray_engine.KEY_STRIDE}) FROM syn.customers").fetchone()
    assert (low, high) == (ROWS // 2, ROWS // 2)
    cat = iceberg_store.catalog(ws)
    for table, n in counts.items():
        tbl = cat.load_table(f"{iceberg_store.namespace(ray_dataset)}.{table}")
        assert len(tbl.snapshots()) == 1, table  # one commit per table
        assert tbl.scan().to_arrow().num_rows == n
    # text columns read as the ENUMs the local engine writes
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_name = 'deals'").fetchall())
    assert any(t.startswith("ENUM") for t in types.values()), types


def test_the_gate_publish_and_the_api_read_an_iceberg_dataset(demo, ray_dataset):
    ws, _ = demo
    report = evaluate(ws, STEWARD, ray_dataset)
    assert report["privacy"]["identical_match_reference_rows"] > 0
    assert report["gate"] == "pass", report["reasons"]
    publish(ws, STEWARD, ray_dataset)
    assert Path(file_of(ws, get(ws, STEWARD, ray_dataset))) == ws.dataset_path(ray_dataset)
    tbl = iceberg_store.catalog(ws).load_table(f"{iceberg_store.namespace(ray_dataset)}.customers")
    assert "published" in tbl.metadata.refs
    s = sandbox.connect("dana", home=ws.home, password=password_of("dana"))
    for table, n in get(ws, STEWARD, ray_dataset).rows.items():
        assert len(s.table(table, dataset=ray_dataset)) == n
    joined = s.sql("SELECT count(*) AS n FROM deals d JOIN customers c USING (customer_id)", dataset=ray_dataset)
    assert joined.df()["n"][0] == get(ws, STEWARD, ray_dataset).rows["deals"]
    read = sum(b.num_rows for b in s.table("interactions", dataset=ray_dataset).batches(rows=500))
    assert read == get(ws, STEWARD, ray_dataset).rows["interactions"]
    with pytest.raises(sandbox.AccessDenied):  # the locked reader still reads no other file
        s.sql(f"SELECT * FROM read_csv('{ws.home / 'settings.yaml'}')", dataset=ray_dataset)


class DiesOnce(CartGenerator):
    """The real CART generator, whose first sampling attempt (any shard) dies mid-run after writing rows."""

    marker: str = ""

    def _sample(self, root_rows, seed, batch_rows):
        for n, item in enumerate(super()._sample(root_rows, seed, batch_rows)):
            yield item
            if n == 3:
                try:
                    os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL))
                except FileExistsError:
                    continue
                os._exit(1)  # the worker process is gone; Ray retries the task


def test_a_killed_worker_is_retried_without_duplicate_or_lost_rows_and_removal_drops_all(
        cluster, demo, monkeypatch, tmp_path):
    import ray.cloudpickle

    ray.cloudpickle.register_pickle_by_value(__import__(__name__))
    ws, _ = demo
    marker = tmp_path / "died"

    def create(name=None, **kw):
        model = DiesOnce(**kw)
        model.marker = str(marker)
        return model

    monkeypatch.setattr(registry, "create", create)
    info = synthesize(ws, STEWARD, "demo_crm", seed=9, rows=2000, engine="ray", shards=2)
    assert marker.exists()  # a worker did die
    counts = _check_families(_tables(ws, info.id))
    assert counts["customers"] == 2000 and counts == info.rows
    cat = iceberg_store.catalog(ws)
    for table, n in counts.items():
        tbl = cat.load_table(f"{iceberg_store.namespace(info.id)}.{table}")
        assert len(tbl.snapshots()) == 1
        assert tbl.scan().to_arrow().num_rows == n
    committed = {p for ps in iceberg_store.snapshot_files(ws, info.id).values() for p in ps}
    on_disk = {str(p) for p in iceberg_store.incoming(ws, info.id).rglob("*.parquet")}
    assert on_disk == committed  # the dead attempt's files were removed, none committed
    # removing the dataset (retention, forget) drops its Iceberg tables and files with its views file
    from sandbox.duties.retention import remove_files

    assert iceberg_store.namespace(info.id) in remove_files(ws, "dataset", info.id)
    assert not iceberg_store.incoming(ws, info.id).parent.exists() and not ws.staging_path(info.id).exists()
    assert iceberg_store.namespace(info.id) not in [n[0] for n in iceberg_store.catalog(ws).list_namespaces()]


def test_the_local_engine_is_unchanged_and_an_unknown_engine_is_refused(demo):
    ws, local = demo
    assert not iceberg_store.is_iceberg(ws, local)
    assert iceberg_store.data_dirs(ws, local) == []
    with pytest.raises(sandbox.InputError, match="unknown engine"):
        synthesize(ws, STEWARD, "demo_crm", rows=10, engine="spark")


def test_shard_seeds_and_splits():
    assert ray_engine.split(7, 3) == [3, 2, 2]
    assert sum(ray_engine.split(1_000_001, 4)) == 1_000_001
    seeds = {ray_engine.shard_seed(0, i) for i in range(100)}
    assert len(seeds) == 100 and ray_engine.shard_seed(0, 1) == ray_engine.shard_seed(0, 1)

