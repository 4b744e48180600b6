"""The shared data the generator benches run on: Bank Marketing, Telco, Olist's lead funnel and its orders
(flattened, and linked), read from ``../shared/datasets`` (``CRM_DATASETS`` moves it), with a seeded 50/50
train/holdout split."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generators.schema import Column, ForeignKey, Schema, Table  # noqa: E402

DATA = Path(os.environ.get("CRM_DATASETS", ROOT.parent / "shared" / "datasets"))
SPLIT_SEED = 0


# ------------------------------------------------------------------------------------------- data


def _kinds(df: pd.DataFrame, key: str | None) -> Table:
    columns = {}
    for c in df.columns:
        if c == key:
            columns[c] = Column(kind="key")
        elif pd.api.types.is_numeric_dtype(df[c]) and df[c].nunique() > 2:
            columns[c] = Column(kind="numerical")
        else:
            columns[c] = Column(kind="categorical")
    return Table(primary_key=key, columns=columns)


def load_bank() -> tuple[pd.DataFrame, Schema, str]:
    """UCI Bank Marketing (41,188 contacts); target ``y``."""
    df = pd.read_csv(DATA / "bank-marketing" / "bank-additional-full.csv", sep=";")
    return df, Schema(tables={"contacts": _kinds(df, None)}), "y"


def load_telco() -> tuple[pd.DataFrame, Schema, str]:
    """IBM Telco churn (7,043 customers); ``TotalCharges`` read as a number; target ``Churn``."""
    df = pd.read_csv(DATA / "telco-churn" / "Telco-Customer-Churn.csv")
    df["TotalCharges"] = pd.to_numeric(df["TotalCharges"].str.strip(), errors="coerce")
    return df, Schema(tables={"customers": _kinds(df, "customerID")}), "Churn"


def load_funnel() -> tuple[pd.DataFrame, Schema, str]:
    """Olist marketing funnel as one table (8,000 leads): each lead with its closed deal's columns, if any.

    A test of generality, not a tuned case: dates, a 495-level landing page, columns
    missing for the 89% of leads that never closed, a declared revenue with a 50M tail; target ``closed``.
    """
    folder = DATA / "olist-marketing-funnel"
    leads = pd.read_csv(folder / "olist_marketing_qualified_leads_dataset.csv")
    deals = pd.read_csv(folder / "olist_closed_deals_dataset.csv").drop(columns=["seller_id"])
    df = leads.merge(deals, on="mql_id", how="left")
    df["closed"] = np.where(df["won_date"].notna(), "yes", "no")
    # the vault stores them as timestamps (sandbox.catalog.plan reads the day-first forms)
    df["first_contact_date"] = pd.to_datetime(df["first_contact_date"], format="%d-%m-%Y")
    df["won_date"] = pd.to_datetime(df["won_date"], format="%d-%m-%Y %H:%M")
    date, num, cat = (Column(kind=k) for k in ("datetime", "numerical", "categorical"))
    columns = {c: cat for c in df.columns}
    columns.update({"mql_id": Column(kind="key"), "first_contact_date": date, "won_date": date,
                    "declared_product_catalog_size": num, "declared_monthly_revenue": num})
    return df, Schema(tables={"leads": Table(primary_key="mql_id", columns=columns)}), "closed"


def load_orders() -> tuple[pd.DataFrame, Schema, str]:
    """Olist orders as one table (15,000): customer state, payments summed, review score, delivery dates.

    Generality again: timestamps with missing values, a skewed order value, 27 states, a rare status;
    target ``bad_review`` (score 1 or 2).
    """
    folder = DATA / "olist-ecommerce"
    orders = pd.read_csv(folder / "olist_orders_dataset.csv")
    customers = pd.read_csv(folder / "olist_customers_dataset.csv")[["customer_id", "customer_state"]]
    payments = pd.read_csv(folder / "olist_order_payments_dataset.csv").sort_values(["order_id", "payment_sequential"])
    paid = payments.groupby("order_id").agg(payment_type=("payment_type", "first"),
                                            installments=("payment_installments", "max"),
                                            order_value=("payment_value", "sum")).reset_index()
    reviews = pd.read_csv(folder / "olist_order_reviews_dataset.csv").groupby("order_id")["review_score"].min()
    df = orders.merge(customers, on="customer_id").merge(paid, on="order_id", how="left").drop(columns="customer_id")
    df["bad_review"] = np.where(df["order_id"].map(reviews) <= 2, "yes", "no")
    for c in _OLIST_DATES["orders"]:
        df[c] = pd.to_datetime(df[c])
    columns = {c: Column(kind="categorical") for c in df.columns}
    columns.update({"order_id": Column(kind="key"), "installments": Column(kind="numerical"),
                    "order_value": Column(kind="numerical"),
                    **{c: Column(kind="datetime") for c in _OLIST_DATES["orders"]}})
    return df, Schema(tables={"orders": Table(primary_key="order_id", columns=columns)}), "bad_review"


_OLIST_DATES = {
    "orders": ["order_purchase_timestamp", "order_approved_at", "order_delivered_carrier_date",
               "order_delivered_customer_date", "order_estimated_delivery_date"],
    "order_items": ["shipping_limit_date"],
    "order_reviews": ["review_creation_date", "review_answer_timestamp"],
}


def load_olist() -> tuple[dict[str, pd.DataFrame], Schema]:
    """Olist: customers -> orders -> items, payments, reviews (free text dropped); products, sellers."""
    folder = DATA / "olist-ecommerce"
    names = ["customers", "orders", "order_items", "order_payments", "order_reviews", "products", "sellers"]
    tables = {n: pd.read_csv(folder / f"olist_{n}_dataset.csv") for n in names}
    tables["order_reviews"] = tables["order_reviews"].drop(
        columns=["review_comment_title", "review_comment_message"])
    for name, cols in _OLIST_DATES.items():
        for c in cols:
            tables[name][c] = pd.to_datetime(tables[name][c])
    key, num, cat, when = (Column(kind=k) for k in ("key", "numerical", "categorical", "datetime"))

    def fk(column: str, parent: str) -> ForeignKey:
        return ForeignKey(column=column, parent=parent, parent_column=column)

    product_numbers = ["product_name_lenght", "product_description_lenght", "product_photos_qty",
                       "product_weight_g", "product_length_cm", "product_height_cm", "product_width_cm"]
    schema = Schema(tables={
        "customers": Table(primary_key="customer_id", columns={
            "customer_id": key, "customer_unique_id": Column(kind="identifier", identifier="other"),
            "customer_zip_code_prefix": num, "customer_city": cat, "customer_state": cat}),
        "orders": Table(primary_key="order_id", foreign_keys=[fk("customer_id", "customers")], columns={
            "order_id": key, "customer_id": key, "order_status": cat, **dict.fromkeys(_OLIST_DATES["orders"], when)}),
        "order_items": Table(
            foreign_keys=[fk("order_id", "orders"), fk("product_id", "products"), fk("seller_id", "sellers")],
            columns={"order_id": key, "order_item_id": num, "product_id": key, "seller_id": key,
                     "shipping_limit_date": when, "price": num, "freight_value": num}),
        "order_payments": Table(foreign_keys=[fk("order_id", "orders")], columns={
            "order_id": key, "payment_sequential": num, "payment_type": cat, "payment_installments": num,
            "payment_value": num}),
        "order_reviews": Table(foreign_keys=[fk("order_id", "orders")], columns={
            "review_id": key, "order_id": key, "review_score": num,
            "review_creation_date": when, "review_answer_timestamp": when}),
        "products": Table(primary_key="product_id", columns={
            "product_id": key, "product_category_name": cat, **dict.fromkeys(product_numbers, num)}),
        "sellers": Table(primary_key="seller_id", columns={
            "seller_id": key, "seller_zip_code_prefix": num, "seller_city": cat, "seller_state": cat}),
    })
    return tables, schema


def split(df: pd.DataFrame, seed: int = SPLIT_SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A 50/50 train/holdout split."""
    order = np.random.default_rng(seed).permutation(len(df))
    half = len(df) // 2
    return df.iloc[order[:half]].reset_index(drop=True), df.iloc[order[half:]].reset_index(drop=True)
