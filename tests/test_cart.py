"""The cart generator on samples of the real datasets: shape, reproducibility, privacy, linked tables.

Telco has no direct identifiers, so an e-mail column (made with ``fake_identities``, tagged with the
customer id so that each is unique) is added on top of the real rows to check that identifiers are
regenerated, never copied.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from generators._cart_codec import DatetimeCodec
from generators._cart_table import _fit_clock, _unwarp, _warp
from generators.base import GeneratorError, NotFittedError
from generators.cart import CartGenerator
from generators.identities import fake_identities
from generators.schema import Column, ForeignKey, Schema, Table
from sandbox.release.evaluation.privacy import distance_to_closest_records
from tests.conftest import shared_file

pytestmark = pytest.mark.slow

ROWS = 3000
K = 3  # CartGenerator's default min_count: rarer values are never reproduced


def _telco_schema(frame: pd.DataFrame) -> Schema:
    columns = {"customerID": Column(kind="key"), "email": Column(kind="identifier", identifier="email")}
    for c in frame.columns.drop(["customerID", "email"]):
        numeric = pd.api.types.is_numeric_dtype(frame[c]) and frame[c].nunique() > 2
        columns[c] = Column(kind="numerical" if numeric else "categorical")
    return Schema(tables={"customers": Table(primary_key="customerID", columns=columns)})


@pytest.fixture(scope="module")
def telco() -> tuple[pd.DataFrame, pd.DataFrame, Schema]:
    """Two disjoint 3,000-row samples of Telco (train, holdout), with a fake e-mail column."""
    frame = pd.read_csv(shared_file("telco-churn", "Telco-Customer-Churn.csv"))
    frame["TotalCharges"] = pd.to_numeric(frame["TotalCharges"].str.strip(), errors="coerce")
    frame = frame.sample(n=2 * ROWS, random_state=1).reset_index(drop=True)
    emails = pd.Series(fake_identities({"email": "email"}, len(frame), "en_US", np.random.default_rng(5))["email"])
    tags = "." + frame["customerID"].str.replace("-", "").str.lower() + "@"
    frame["email"] = [e.replace("@", t) for e, t in zip(emails, tags, strict=True)]  # one person each
    return frame.iloc[:ROWS].reset_index(drop=True), frame.iloc[ROWS:].reset_index(drop=True), _telco_schema(frame)


@pytest.fixture(scope="module")
def telco_model(telco: tuple[pd.DataFrame, pd.DataFrame, Schema]) -> CartGenerator:
    train, _, schema = telco
    return CartGenerator(seed=3).fit({"customers": train}, schema)


@pytest.fixture(scope="module")
def telco_sample(telco_model: CartGenerator) -> pd.DataFrame:
    return telco_model.sample_frames(rows=ROWS)["customers"]


def _olist_chain(customers: int = 1500) -> tuple[dict[str, pd.DataFrame], Schema]:
    """customers -> orders -> order_items, from a sample of Olist customers (3 levels)."""
    folder = ("olist-ecommerce",)
    cust = pd.read_csv(shared_file(*folder, "olist_customers_dataset.csv")).sample(n=customers, random_state=2)
    orders = pd.read_csv(shared_file(*folder, "olist_orders_dataset.csv"))
    orders = orders[orders["customer_id"].isin(cust["customer_id"])]
    for c in orders.columns[3:]:
        orders[c] = pd.to_datetime(orders[c])
    items = pd.read_csv(shared_file(*folder, "olist_order_items_dataset.csv"))
    items = items[items["order_id"].isin(orders["order_id"])].drop(columns=["product_id", "seller_id"])
    items["shipping_limit_date"] = pd.to_datetime(items["shipping_limit_date"])
    key, num, cat, when = (Column(kind=k) for k in ("key", "numerical", "categorical", "datetime"))
    schema = Schema(tables={
        "customers": Table(primary_key="customer_id", columns={
            "customer_id": key, "customer_unique_id": Column(kind="identifier", identifier="other"),
            "customer_zip_code_prefix": num, "customer_city": cat, "customer_state": cat}),
        "orders": Table(
            primary_key="order_id",
            foreign_keys=[ForeignKey(column="customer_id", parent="customers", parent_column="customer_id")],
            columns={"order_id": key, "customer_id": key, "order_status": cat,
                     **{c: when for c in orders.columns[3:]}}),
        "order_items": Table(
            foreign_keys=[ForeignKey(column="order_id", parent="orders", parent_column="order_id")],
            sequence_index="shipping_limit_date",
            columns={"order_id": key, "order_item_id": num, "shipping_limit_date": when, "price": num,
                     "freight_value": num}),
    })
    return {"customers": cust, "orders": orders, "order_items": items}, schema


@pytest.fixture(scope="module")
def olist() -> tuple[dict[str, pd.DataFrame], Schema, dict[str, pd.DataFrame]]:
    tables, schema = _olist_chain()
    synthetic = CartGenerator(seed=1).fit(tables, schema).sample_frames()
    return tables, schema, synthetic


def _ipc(batches: list[tuple[str, pa.RecordBatch]]) -> bytes:
    sink = io.BytesIO()
    for _, batch in batches:
        with pa.ipc.new_stream(sink, batch.schema) as writer:
            writer.write_batch(batch)
    return sink.getvalue()


def _row_set(frame: pd.DataFrame) -> set[tuple]:
    return set(frame.astype(str).itertuples(index=False, name=None))


def test_round_trip_keeps_columns_and_dtypes(telco: tuple, telco_sample: pd.DataFrame) -> None:
    train, _, schema = telco
    assert list(telco_sample.columns) == list(schema.tables["customers"].columns)
    assert set(telco_sample.columns) == set(train.columns)
    assert len(telco_sample) == ROWS
    for c in train.columns.drop(["customerID", "email"]):
        assert telco_sample[c].dtype == train[c].dtype, c
    assert telco_sample["customerID"].dtype == np.int64
    assert set(telco_sample["Contract"]) <= set(train["Contract"])


def test_missing_values_keep_their_share(olist: tuple) -> None:
    real, _, synthetic = olist
    column = "order_delivered_customer_date"
    real_share, synthetic_share = real["orders"][column].isna().mean(), synthetic["orders"][column].isna().mean()
    assert real_share > 0.01
    assert abs(synthetic_share - real_share) < 0.02


def test_same_seed_is_byte_identical_and_other_seeds_differ(telco_model: CartGenerator) -> None:
    first = _ipc(list(telco_model.sample(rows=500, seed=11)))
    assert first == _ipc(list(telco_model.sample(rows=500, seed=11)))
    assert first != _ipc(list(telco_model.sample(rows=500, seed=12)))


def test_no_more_copies_of_train_rows_than_of_unseen_rows(telco: tuple, telco_sample: pd.DataFrame) -> None:
    train, holdout, _ = telco
    cols = [c for c in train.columns if c not in ("customerID", "email")]
    synthetic_rows = list(telco_sample[cols].astype(str).itertuples(index=False, name=None))
    train_rows, holdout_rows = _row_set(train[cols]), _row_set(holdout[cols])
    in_train = np.mean([r in train_rows for r in synthetic_rows])
    in_holdout = np.mean([r in holdout_rows for r in synthetic_rows])
    assert in_train <= in_holdout


def test_synthetic_rows_are_no_closer_to_train_than_to_unseen_rows(telco: tuple) -> None:
    """DCR share (the gate's distance measure) on 3,000 real Telco rows within the issue's 0.52, each seed.

    Without the near-copy check on the coarse grid, seeds 3-5 gave 0.514, 0.521, 0.523 (now 0.507, 0.517,
    0.512).
    """
    train, holdout, schema = telco
    cols = [c for c in train.columns if c not in ("customerID", "email")]
    for seed in (3, 4, 5):
        synthetic = CartGenerator(seed=seed).fit({"customers": train}, schema).sample_frames(rows=ROWS)["customers"]
        share = distance_to_closest_records(train[cols], holdout[cols], synthetic[cols]).dcr_share
        assert share <= 0.52, (seed, share)


def test_rare_categories_are_not_reproduced(olist: tuple) -> None:
    real, _, synthetic = olist
    counts = real["customers"]["customer_city"].value_counts()
    rare = set(counts.index[counts < K])
    assert len(rare) > 100  # the sample has many one-customer cities
    assert not rare & set(synthetic["customers"]["customer_city"])


def test_numbers_are_not_copied_verbatim(telco: tuple, telco_sample: pd.DataFrame) -> None:
    """A rare training value (fewer than K rows) comes out no more often than a rare unseen value."""
    train, holdout, _ = telco
    for column in ("TotalCharges", "MonthlyCharges"):
        synthetic = telco_sample[column].dropna()

        def rare_hits(real: pd.DataFrame, column: str = column, synthetic: pd.Series = synthetic) -> float:
            counts = real[column].value_counts()
            return float(synthetic.isin(counts.index[counts < K]).mean())

        assert rare_hits(train) <= rare_hits(holdout) + 0.02, column
    total = telco_sample["TotalCharges"]
    assert total.min() >= train["TotalCharges"].min() and total.max() < train["TotalCharges"].max()


def test_identifiers_are_fresh_fakes(telco: tuple, telco_sample: pd.DataFrame, olist: tuple) -> None:
    train, holdout, _ = telco
    emails = telco_sample["email"]
    assert emails.str.fullmatch(r"[a-z0-9._]+@[a-z0-9.]+").all()
    assert not set(emails) & (set(train["email"]) | set(holdout["email"]))
    real, _, synthetic = olist
    assert not set(synthetic["customers"]["customer_unique_id"]) & set(real["customers"]["customer_unique_id"])


def test_three_linked_tables_resolve_with_fresh_keys(olist: tuple) -> None:
    real, schema, synthetic = olist
    assert list(synthetic) == ["customers", "orders", "order_items"]
    for name, spec in schema.tables.items():
        for fk in spec.foreign_keys:
            assert synthetic[name][fk.column].isin(synthetic[fk.parent][fk.parent_column]).all()
        for col, column in spec.columns.items():
            if column.kind == "key":
                real_keys = set(real[name][col].astype(str))
                assert not set(synthetic[name][col].astype(str)) & real_keys, f"{name}.{col}"
    assert synthetic["customers"]["customer_id"].is_unique and synthetic["orders"]["order_id"].is_unique


def test_children_per_parent_and_event_order(olist: tuple) -> None:
    real, _, synthetic = olist
    def per_parent(t: dict[str, pd.DataFrame]) -> pd.Series:
        return t["orders"]["order_id"].map(t["order_items"]["order_id"].value_counts()).fillna(0)

    real_counts, synthetic_counts = per_parent(real), per_parent(synthetic)
    for k in (0, 1, 2):
        assert abs((real_counts == k).mean() - (synthetic_counts == k).mean()) < 0.05
    items = synthetic["order_items"]
    assert (items.groupby("order_id")["shipping_limit_date"].diff().dropna() >= pd.Timedelta(0)).all()
    orders = synthetic["orders"]
    gap = (orders["order_approved_at"] - orders["order_purchase_timestamp"]).dropna()
    assert (gap >= pd.Timedelta(0)).mean() > 0.99


def test_save_and_load_give_identical_samples(telco_model: CartGenerator, tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "cart.model"
    telco_model.save(path)
    loaded = CartGenerator.load(path)
    assert _ipc(list(loaded.sample(rows=300, seed=4))) == _ipc(list(telco_model.sample(rows=300, seed=4)))


def test_batches_stream_parents_first(olist: tuple) -> None:
    real, schema, _ = olist
    model = CartGenerator(seed=1).fit(real, schema)
    seen: list[str] = []
    for table, batch in model.sample(rows=400, batch_rows=100):
        assert batch.num_rows <= 100 or table != "customers"
        parent = schema.parent_of(table)
        assert parent is None or parent.parent in seen
        seen.append(table)
    assert seen.count("customers") == 4


def test_errors_say_what_to_do(telco: tuple) -> None:
    with pytest.raises(GeneratorError, match="unknown cart settings"):
        CartGenerator(min_leaves=3)
    with pytest.raises(GeneratorError, match="focus must be a list of column names"):
        CartGenerator(focus="customers.Churn")
    with pytest.raises(NotFittedError, match="fit"):
        list(CartGenerator().sample(rows=5))


def test_parallel_trees_and_batches_match_one_thread(telco: tuple) -> None:
    """Trees grown by 4 threads and batches sampled by 4 threads: the same bytes as one thread."""
    train, _, schema = telco
    one = CartGenerator(seed=2, threads=1).fit({"customers": train}, schema)
    four = CartGenerator(seed=2, threads=4).fit({"customers": train}, schema)
    batches = list(four.sample(rows=1000, batch_rows=150))
    assert [b.num_rows for _, b in batches] == [150] * 6 + [100]
    assert _ipc(batches) == _ipc(list(one.sample(rows=1000, batch_rows=150)))


def test_values_an_earlier_column_determines_stay_consistent() -> None:
    """Bank's macro figures are one combination per month; at 2,000 rows leaves of 60 cannot follow 26
    combinations, lookups do (measured: 0.99 of rows keep a real combination, 0.73-0.74 without)."""
    bank = pd.read_csv(shared_file("bank-marketing", "bank-additional-full.csv"), sep=";").sample(2000, random_state=1)
    kinds = {c: "numerical" if pd.api.types.is_numeric_dtype(bank[c]) and bank[c].nunique() > 2 else "categorical"
             for c in bank.columns}
    schema = Schema(tables={"contacts": Table(columns={c: Column(kind=k) for c, k in kinds.items()})})
    macro = ["cons.conf.idx", "cons.price.idx", "emp.var.rate", "nr.employed"]
    real = set(map(tuple, bank[macro].to_numpy()))

    def consistent(**settings: object) -> float:
        synthetic = CartGenerator(seed=0, **settings).fit({"contacts": bank}, schema).sample_frames()["contacts"]
        return float(np.mean([tuple(r) in real for r in synthetic[macro].to_numpy()]))

    with_lookups, without = consistent(), consistent(lookups=False)
    assert with_lookups >= 0.98 and without < with_lookups - 0.1, (with_lookups, without)


def test_unpruned_trees_fit_and_sample(telco: tuple) -> None:
    train, _, schema = telco
    synthetic = CartGenerator(seed=2, prune="none").fit({"customers": train}, schema).sample_frames(rows=500)
    assert len(synthetic["customers"]) == 500
    assert synthetic["customers"]["Churn"].nunique() == 2


def test_fewer_parents_per_tree_when_a_lookup_settles_every_row(telco: tuple) -> None:
    # MultipleLines settles PhoneService for every customer: no rows are left to choose the tree's parents on
    train, _, schema = telco
    synthetic = CartGenerator(seed=0, max_parents=8).fit({"customers": train}, schema).sample_frames(rows=500)
    assert len(synthetic["customers"]) == 500
    assert synthetic["customers"]["PhoneService"].isin(["Yes", "No"]).all()


def _hour_tvd(real: pd.Series, synthetic: pd.Series) -> float:
    def hours(s: pd.Series) -> pd.Series:
        return pd.to_datetime(s).dt.hour.value_counts(normalize=True)

    return float(0.5 * hours(real).sub(hours(synthetic), fill_value=0).abs().sum())


def test_times_of_day_follow_the_real_ones(olist: tuple) -> None:
    """Purchases, deliveries and shipping limits keep their hour-of-day mix (before each column had a clock,
    smoothed offsets in seconds spread them over the whole day: TVD 0.18-0.37); approvals minutes after a
    purchase stay minutes after it."""
    real, _, synthetic = olist
    for col in ("order_purchase_timestamp", "order_delivered_carrier_date", "order_delivered_customer_date"):
        assert _hour_tvd(real["orders"][col], synthetic["orders"][col]) < 0.12, col
    assert _hour_tvd(real["order_items"]["shipping_limit_date"],
                     synthetic["order_items"]["shipping_limit_date"]) < 0.12

    def within_hour(orders: pd.DataFrame) -> float:
        delay = (orders["order_approved_at"] - orders["order_purchase_timestamp"]).dropna()
        return float((delay < pd.Timedelta(hours=1)).mean())

    # 0.44 vs 0.63 real (seed 1; 0.41 before clocks); taking every offset on a clock gave 0.33
    assert within_hour(synthetic["orders"]) > within_hour(real["orders"]) - 0.23


def test_clock_is_invertible_and_keeps_order(olist: tuple) -> None:
    purchases = olist[0]["orders"]["order_purchase_timestamp"]
    codec = DatetimeCodec.fit(purchases)
    seconds = codec.encode(purchases)
    clock = _fit_clock(seconds, codec)
    assert clock is not None and np.all(np.diff(clock) > 0)
    warped = _warp(seconds, clock)
    np.testing.assert_allclose(_unwarp(warped, clock), seconds, rtol=0, atol=1e-3)
    order = np.argsort(seconds, kind="stable")
    assert np.all(np.diff(warped[order]) >= 0)
    assert np.array_equal(np.floor(warped / 86400), np.floor(seconds / 86400))  # whole days are kept
    dates = olist[0]["orders"]["order_estimated_delivery_date"]  # midnight only: no time of day to keep
    assert _fit_clock(DatetimeCodec.fit(dates).encode(dates), DatetimeCodec.fit(dates)) is None


def test_demo_interactions_stay_in_working_hours(demo_workspace: tuple, demo_export) -> None:
    """The demo's interactions all happen 08:00-21:00; synthetic ones did 54% of the time (24 hours evenly)."""
    from sandbox.release.datasets import open_dataset
    from tests.conftest import STEWARD

    ws, dataset_id = demo_workspace
    with open_dataset(ws, STEWARD, dataset_id) as con:
        hours = pd.to_datetime(con.table("interactions").df()["occurred_at"]).dt.hour
    real = pd.to_datetime(pd.read_csv(demo_export / "interactions.csv")["occurred_at"]).dt.hour
    assert real.between(8, 20).all()
    assert hours.between(8, 20).mean() > 0.95
