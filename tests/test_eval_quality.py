"""SDMetrics quality and diagnostic reports, correlation differences and privacy-safe histograms."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from generators.schema import Schema
from sandbox.release.evaluation.histograms import column_histograms
from sandbox.release.evaluation.quality import (
    correlation_difference,
    diagnostic,
    multi_table_quality,
    single_table_quality,
)
from tests.conftest import shared_file

ORDER_DATES = ["order_purchase_timestamp", "order_approved_at", "order_delivered_carrier_date",
               "order_delivered_customer_date", "order_estimated_delivery_date"]


@pytest.fixture(scope="module")
def telco() -> pd.DataFrame:
    rows = pd.read_csv(shared_file("telco-churn", "Telco-Customer-Churn.csv"))
    rows = rows.sample(n=3_000, random_state=5).reset_index(drop=True)
    rows["TotalCharges"] = pd.to_numeric(rows["TotalCharges"], errors="coerce")  # 11 blanks (tenure 0)
    return rows


def _shuffled(frame: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({c: rng.permutation(frame[c].to_numpy()) for c in frame.columns})


def test_real_vs_itself_scores_high(telco):
    result = single_table_quality(telco, telco)
    assert result.overall > 0.95
    assert result.column_shapes > 0.95 and result.column_pair_trends > 0.95
    assert result.excluded_columns == ["customerID (identifier-like text)"]
    assert {c.column for c in result.columns} == set(telco.columns) - {"customerID"}
    assert result.tables["table"].column_shapes == pytest.approx(result.column_shapes)
    json.dumps(result.model_dump())


def test_shuffled_columns_lose_pair_trends(telco):
    half_a, half_b = telco.iloc[:1_500], telco.iloc[1_500:]
    honest = single_table_quality(half_a, half_b)
    shuffled = single_table_quality(half_a, _shuffled(half_b))
    assert honest.column_pair_trends > 0.9
    assert shuffled.column_pair_trends < honest.column_pair_trends - 0.15
    assert shuffled.column_shapes == pytest.approx(honest.column_shapes, abs=0.01)  # marginals kept
    assert any(p.meets_threshold for p in shuffled.pairs)


def test_sampling_and_given_types(telco):
    types = {"customerID": "key", "tenure": "numerical", "Contract": "categorical", "Churn": "categorical"}
    result = single_table_quality(telco, telco.iloc[:2_000], metadata_columns=types, max_rows=1_000)
    assert result.sampled and "1,000 of 3,000" in result.note
    assert result.rows_real == {"table": 1_000} and result.rows_synthetic == {"table": 1_000}
    assert {c.column for c in result.columns} == {"tenure", "Contract", "Churn"}
    assert "customerID (id)" in result.excluded_columns
    with pytest.raises(ValueError, match="unknown type"):
        single_table_quality(telco, telco, metadata_columns={"tenure": "number"})


def test_single_table_diagnostic(telco):
    assert diagnostic(telco, telco, primary_key="customerID").overall == 1.0
    broken = telco.assign(tenure=telco["tenure"] + 500, customerID="same-id")
    result = diagnostic(telco, broken, primary_key="customerID")
    scores = {c.column: c.score for c in result.columns}
    assert scores["tenure"] == 0.0  # every synthetic tenure outside the real range
    assert scores["customerID"] < 0.01  # one key value repeated
    assert result.data_validity < 1.0 and result.relationship_validity is None


@pytest.fixture(scope="module")
def olist() -> tuple[dict[str, pd.DataFrame], Schema]:
    """A real sample: 2,000 customers, their orders and order items."""
    customers = pd.read_csv(shared_file("olist-ecommerce", "olist_customers_dataset.csv")).head(2_000)
    orders = pd.read_csv(shared_file("olist-ecommerce", "olist_orders_dataset.csv"), parse_dates=ORDER_DATES)
    orders = orders[orders["customer_id"].isin(customers["customer_id"])]
    items = pd.read_csv(shared_file("olist-ecommerce", "olist_order_items_dataset.csv"),
                        parse_dates=["shipping_limit_date"])
    items = items[items["order_id"].isin(orders["order_id"])]
    schema = Schema.model_validate({"tables": {
        "customers": {"primary_key": "customer_id", "columns": {
            "customer_id": {"kind": "key"},
            "customer_unique_id": {"kind": "identifier", "identifier": "other"},
            "customer_zip_code_prefix": {"kind": "numerical"}, "customer_city": {"kind": "categorical"},
            "customer_state": {"kind": "categorical"}}},
        "orders": {"primary_key": "order_id",
                   "foreign_keys": [
                       {"column": "customer_id", "parent": "customers", "parent_column": "customer_id"}],
                   "columns": {"order_id": {"kind": "key"}, "customer_id": {"kind": "key"},
                               "order_status": {"kind": "categorical"},
                               **{c: {"kind": "datetime"} for c in ORDER_DATES}}},
        "items": {"foreign_keys": [{"column": "order_id", "parent": "orders", "parent_column": "order_id"}],
                  "columns": {"order_id": {"kind": "key"}, "order_item_id": {"kind": "numerical"},
                              "product_id": {"kind": "key"}, "seller_id": {"kind": "key"},
                              "shipping_limit_date": {"kind": "datetime"}, "price": {"kind": "numerical"},
                              "freight_value": {"kind": "numerical"}}},
    }})
    return {"customers": customers, "orders": orders, "items": items}, schema


def test_multi_table_per_table_scores(olist):
    tables, schema = olist
    result = multi_table_quality(tables, tables, schema)
    assert set(result.tables) == {"customers", "orders", "items"}
    assert result.overall > 0.95 and result.cardinality == 1.0
    assert result.tables["items"].cardinality == 1.0 and result.tables["customers"].cardinality is None
    assert result.excluded_columns == ["customers.customer_unique_id (identifier)"]
    # every order gets all items of the first order: the items-per-order shape is wrong
    first = tables["orders"]["order_id"].iloc[0]
    piled = tables["items"].assign(order_id=first)
    worse = multi_table_quality(tables, {**tables, "items": piled}, schema)
    assert worse.tables["items"].cardinality < 0.5
    assert worse.tables["orders"].cardinality == 1.0
    json.dumps(worse.model_dump())


def test_multi_table_sampling_keeps_relationships(olist):
    tables, schema = olist
    result = multi_table_quality(tables, tables, schema, max_rows=500)
    assert result.sampled and result.rows_real["items"] < 700
    assert result.cardinality == 1.0  # whole families sampled: the items-per-order shape is intact


def test_multi_table_diagnostic_finds_orphans(olist):
    tables, schema = olist
    assert diagnostic(tables, tables, schema).relationship_validity == 1.0
    orphans = tables["items"].assign(order_id="no-such-order")
    result = diagnostic(tables, {**tables, "items": orphans}, schema)
    integrity = [r.score for r in result.relationships
                 if r.child == "items" and r.metric == "ReferentialIntegrity"]
    assert integrity == [0.0]
    with pytest.raises(ValueError, match="lacks columns: price"):
        diagnostic(tables, {**tables, "items": tables["items"].drop(columns="price")}, schema)


def test_correlation_difference(telco):
    same = correlation_difference(telco, telco)
    assert list(same.columns) == ["SeniorCitizen", "tenure", "MonthlyCharges", "TotalCharges"]
    assert np.allclose(same.to_numpy(), 0.0)
    diff = correlation_difference(telco, _shuffled(telco))
    real_corr = telco["tenure"].corr(telco["TotalCharges"])
    assert diff.loc["tenure", "TotalCharges"] == pytest.approx(-real_corr, abs=0.1)


def test_histogram_suppresses_rare_categories(telco):
    frame = telco.assign(plan=["gold"] * 5 + ["silver"] * 25 + ["basic"] * (len(telco) - 30))
    hist = column_histograms(frame, frame.iloc[:100], "plan", min_count=10)
    labels = [b.label for b in hist.bins]
    assert "gold" not in labels and "other (1 rare levels)" in labels
    other = hist.bins[labels.index("other (1 rare levels)")]
    assert other.real_count is None and other.real_share is None  # 5 real people: not shown
    assert other.synthetic_count == 5
    assert hist.merged_levels == 1
    assert sum(b.synthetic_count for b in hist.bins) == 100


def test_histogram_numeric_bins_hold_enough_people(telco):
    hist = column_histograms(telco, _shuffled(telco), "TotalCharges", bins=40, min_count=25)
    shown = [b.real_count for b in hist.bins if b.label != "<missing>"]
    assert all(n is not None and n >= 25 for n in shown)
    assert sum(shown) == telco["TotalCharges"].notna().sum()
    assert hist.bins[0].left is None and hist.bins[-2].right is None  # open-ended outer bars
    missing = hist.bins[-1]
    assert missing.label == "<missing>" and missing.real_count is None  # 11 or fewer blanks: suppressed
