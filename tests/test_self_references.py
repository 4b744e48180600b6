"""A table referring to itself (Northwind's employees.reportsTo -> employeeID): every registered generator
returns a forest of the learnt shape whose references resolve inside the table; order lines never repeat a
product within an order when the schema names the pair a composite key."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from generators import registry
from generators._cart_links import distinct_per_group
from generators._self_refs import TreeShape, draw_tree
from generators.schema import Column, ForeignKey, Schema, Table
from tests.conftest import shared_file


def _employees() -> tuple[dict[str, pd.DataFrame], Schema]:
    frame = pd.read_csv(shared_file("northwind", "employees.csv"), na_values=["NULL"])
    frame = frame[["employeeID", "title", "hireDate", "reportsTo"]].assign(
        hireDate=lambda f: pd.to_datetime(f["hireDate"]), reportsTo=lambda f: f["reportsTo"].astype("Int64"))
    schema = Schema(tables={"employees": Table(
        primary_key="employeeID",
        columns={"employeeID": Column(kind="key"), "title": Column(kind="categorical"),
                 "hireDate": Column(kind="datetime"), "reportsTo": Column(kind="key")},
        self_references=[ForeignKey(column="reportsTo", parent="employees", parent_column="employeeID")])})
    return {"employees": frame}, schema


def _is_forest(keys: list, up: list) -> bool:
    parent = {k: v for k, v in zip(keys, up, strict=True) if pd.notna(v)}
    if not set(parent.values()) <= set(keys) or any(k == v for k, v in parent.items()):
        return False
    for start in parent:
        seen, row = set(), start
        while row in parent:
            if row in seen:
                return False
            seen.add(row)
            row = parent[row]
    return True


@pytest.mark.parametrize("name", registry.names())
def test_every_generator_rebuilds_the_hierarchy(name: str):
    tables, schema = _employees()
    model = registry.create(name, seed=1).fit(tables, schema)
    out = model.sample_frames(rows=60)["employees"]
    assert len(out) == 60
    assert _is_forest(out["employeeID"].tolist(), out["reportsTo"].tolist())
    linked = out["reportsTo"].notna().mean()
    assert 0.6 <= linked < 1.0, linked  # 8 of 9 real employees report to someone; at least one root
    heads = out["reportsTo"].nunique() / len(out)
    assert 0.1 <= heads <= 0.4, heads  # 2 of 9 are managers
    assert not set(out["reportsTo"].dropna()) & set(tables["employees"]["reportsTo"].dropna()) - \
        set(out["employeeID"]), "no real key is kept"


def test_a_tree_has_the_learnt_fan_out():
    shape = TreeShape(column="up", key="id", linked_share=0.9, referenced_share=0.1, fan_out=(6, 2, 1))
    rows = draw_tree(1000, shape, np.random.default_rng(0))
    assert (rows == -1).sum() == 100
    assert len(np.unique(rows[rows >= 0])) == 100
    order_ok = all(rows[i] != i for i in range(1000))
    assert order_ok


def test_a_composite_key_never_repeats_within_a_group():
    rng = np.random.default_rng(2)
    group = np.repeat(np.arange(200), rng.integers(1, 6, 200))
    rows = rng.integers(0, 8, group.size)
    out = distinct_per_group(group, rows, 8, rng)
    pairs = set(zip(group.tolist(), out.tolist(), strict=True))
    assert len(pairs) == group.size
    assert (out[np.r_[True, group[1:] != group[:-1]]] == rows[np.r_[True, group[1:] != group[:-1]]]).all()


def test_a_shard_of_the_ray_engine_keeps_the_hierarchy(tmp_path):
    """The engine samples a shard through ``Generator.batches`` (no Ray needed for one shard's function):
    the hierarchy is a tree over the shard's rows, with the shard's key offset applied to both columns."""
    import pyarrow.parquet as pq

    from sandbox.release.engines.ray_engine import sample_shard

    tables, schema = _employees()
    model = registry.create("cart", seed=1).fit(tables, schema)
    result = sample_shard(model, lambda _t, b: b, 1, {"employees": 40}, 5, str(tmp_path), 1000)
    out = pq.read_table(result["files"]["employees"][0]).to_pandas()
    assert len(out) == 40 and _is_forest(out["employeeID"].tolist(), out["reportsTo"].tolist())
    assert out["reportsTo"].notna().sum() >= 20
