"""The contract every registered generator keeps, on a linked sample of the real Olist tables.

customers -> orders -> (order_items, order_payments), order_items.product_id -> products: three levels,
a second foreign key, datetimes, an identifier column. Real keys are made integers, so that "fresh
keys" is a real test (a generator counting from 0 would reuse them).
"""

from __future__ import annotations

import io

import pandas as pd
import pyarrow as pa
import pytest

from generators import registry
from generators.base import Generator, GeneratorError, NotFittedError
from generators.schema import Column, ForeignKey, Schema, Table
from tests.conftest import shared_file

pytestmark = pytest.mark.slow

CUSTOMERS = 300


def _olist_sample() -> tuple[dict[str, pd.DataFrame], Schema]:
    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(shared_file("olist-ecommerce", f"olist_{name}_dataset.csv"))

    customers = read("customers").sample(CUSTOMERS, random_state=3)
    orders = read("orders")
    orders = orders[orders["customer_id"].isin(customers["customer_id"])]
    items = read("order_items")
    items = items[items["order_id"].isin(orders["order_id"])]
    payments = read("order_payments")
    payments = payments[payments["order_id"].isin(orders["order_id"])]
    products = read("products")
    products = products[products["product_id"].isin(items["product_id"])]
    ids = {}  # real string keys -> integers 1..n, per key column
    for column, frame in (("customer_id", customers), ("order_id", orders), ("product_id", products)):
        ids[column] = {v: i + 1 for i, v in enumerate(frame[column])}
    tables = {
        "customers": customers[["customer_id", "customer_unique_id", "customer_state"]],
        "orders": orders[["order_id", "customer_id", "order_status", "order_purchase_timestamp"]].assign(
            order_purchase_timestamp=lambda f: pd.to_datetime(f["order_purchase_timestamp"])),
        "order_items": items[["order_id", "product_id", "price", "freight_value"]],
        "order_payments": payments[["order_id", "payment_type", "payment_value"]],
        "products": products[["product_id", "product_category_name", "product_weight_g"]],
    }
    tables = {name: frame.reset_index(drop=True) for name, frame in tables.items()}
    for frame in tables.values():
        for column, mapping in ids.items():
            if column in frame:
                frame[column] = frame[column].map(mapping).astype("int64")
    key, num, cat = Column(kind="key"), Column(kind="numerical"), Column(kind="categorical")

    def fk(column: str, parent: str) -> ForeignKey:
        return ForeignKey(column=column, parent=parent, parent_column=column)

    schema = Schema(tables={
        "customers": Table(primary_key="customer_id", columns={
            "customer_id": key, "customer_unique_id": Column(kind="identifier", identifier="other"),
            "customer_state": cat}),
        "orders": Table(primary_key="order_id", foreign_keys=[fk("customer_id", "customers")], columns={
            "order_id": key, "customer_id": key, "order_status": cat,
            "order_purchase_timestamp": Column(kind="datetime")}),
        "order_items": Table(foreign_keys=[fk("order_id", "orders"), fk("product_id", "products")], columns={
            "order_id": key, "product_id": key, "price": num, "freight_value": num}),
        "order_payments": Table(foreign_keys=[fk("order_id", "orders")], columns={
            "order_id": key, "payment_type": cat, "payment_value": num}),
        "products": Table(primary_key="product_id", columns={
            "product_id": key, "product_category_name": cat, "product_weight_g": num}),
    })
    return tables, schema


@pytest.fixture(scope="module")
def olist() -> tuple[dict[str, pd.DataFrame], Schema]:
    return _olist_sample()


@pytest.fixture(scope="module", params=registry.names())
def fitted(request, olist) -> Generator:
    tables, schema = olist
    return registry.create(request.param, seed=5).fit(tables, schema)


def _ipc(batches: list[tuple[str, pa.RecordBatch]]) -> list[tuple[str, bytes]]:
    out = []
    for table, batch in batches:
        sink = io.BytesIO()
        with pa.ipc.new_stream(sink, batch.schema) as writer:
            writer.write_batch(batch)
        out.append((table, sink.getvalue()))
    return out


@pytest.mark.parametrize("name", registry.names())
def test_unfitted_generator_refuses_to_sample_and_bad_requests_are_named(name: str) -> None:
    with pytest.raises(NotFittedError, match="fit"):
        list(registry.create(name).sample(rows=5))
    with pytest.raises(GeneratorError, match="unknown generator"):
        registry.create(f"{name}-nope")


def test_streams_arrow_batches_parents_first_with_resolving_fresh_keys(fitted: Generator, olist) -> None:
    tables, schema = olist
    seen: dict[str, set] = {t: set() for t in schema.tables}
    rows: dict[str, int] = dict.fromkeys(schema.tables, 0)
    for table, batch in fitted.sample(rows=120, seed=1, batch_rows=50):
        assert isinstance(batch, pa.RecordBatch)
        assert batch.schema.names == list(schema.tables[table].columns), table
        frame = batch.to_pandas()
        spec = schema.tables[table]
        fk = schema.parent_of(table)
        if fk is not None:  # the parent rows came first
            assert set(frame[fk.column]) <= seen[fk.parent], f"{table}.{fk.column} before its parent rows"
        if spec.primary_key:
            real = set(tables[table][spec.primary_key])
            assert not real & set(frame[spec.primary_key]), f"{table}: a real key value was reused"
            seen[table] |= set(frame[spec.primary_key])
        rows[table] += len(frame)
    assert rows["customers"] == 120
    assert all(rows[t] > 0 for t in schema.tables), rows
    assert len(seen["customers"]) == 120  # keys unique


def test_every_foreign_key_resolves_and_identifiers_are_never_copied(fitted: Generator, olist) -> None:
    tables, schema = olist
    synthetic = fitted.sample_frames(scale=1.0, seed=2)
    assert len(synthetic["customers"]) == CUSTOMERS
    for name, spec in schema.tables.items():
        assert list(synthetic[name].columns) == list(spec.columns)
        for fk in spec.foreign_keys:
            assert synthetic[name][fk.column].isin(synthetic[fk.parent][fk.parent_column]).all(), (name, fk.column)
    fakes = synthetic["customers"]["customer_unique_id"]
    assert fakes.notna().all() and not fakes.isin(tables["customers"]["customer_unique_id"]).any()
    assert pd.api.types.is_datetime64_any_dtype(synthetic["orders"]["order_purchase_timestamp"])
    rare_pooled = {*tables["orders"]["order_status"], "Other"}
    assert set(synthetic["orders"]["order_status"].dropna()) <= rare_pooled


def test_same_seed_same_bytes_and_a_saved_model_samples_the_same(fitted: Generator, tmp_path) -> None:
    first = _ipc(list(fitted.sample(rows=80, seed=9, batch_rows=40)))
    assert first == _ipc(list(fitted.sample(rows=80, seed=9, batch_rows=40)))
    assert first != _ipc(list(fitted.sample(rows=80, seed=10, batch_rows=40)))
    fitted.save(tmp_path / "model.pkl")
    loaded = Generator.load(tmp_path / "model.pkl")
    assert _ipc(list(loaded.sample(rows=80, seed=9, batch_rows=40))) == first


def test_scale_and_row_requests(fitted: Generator) -> None:
    assert len(fitted.sample_frames(scale=0.5, seed=0)["customers"]) == CUSTOMERS // 2
    with pytest.raises(GeneratorError, match="at least 1"):
        list(fitted.sample(rows=0))
    with pytest.raises(GeneratorError, match="not both"):
        list(fitted.sample(rows=5, scale=1.0))
    assert len(fitted.sample_frames(rows=1)["customers"]) == 1
