"""Linked CRM exports as they really come, built from real Olist rows (../shared/datasets/olist-ecommerce).

- ``sales_crm``: a sales pipeline linked by *names*, not ids: accounts (85 companies named after the
  customers' cities), products (named after Olist categories, "Health Beauty"), sales agents (35, the busiest
  Olist sellers, given fake person names with Faker since Olist has none) and the pipeline rows (one per real
  order item) naming their ``account``, ``product`` and ``rep``. About 2% of the product references are dirty
  (the space dropped, "HealthBeauty"), as a hand-typed CRM has them. Column names say nothing useful.
- ``retail``: customers -> invoices -> lines three levels deep, invoice numbers like ``536365`` and
  cancellations like ``C536365`` (Olist's cancelled orders), customer numbers from 12346.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from faker import Faker

from tests.conftest import shared_file

AGENTS, ACCOUNTS = 35, 85


def _olist(name: str) -> pd.DataFrame:
    return pd.read_csv(shared_file("olist-ecommerce", f"olist_{name}_dataset.csv"))


def _joined() -> pd.DataFrame:
    items, orders, customers = _olist("order_items"), _olist("orders"), _olist("customers")
    products = _olist("products")
    rows = items.merge(orders, on="order_id").merge(customers, on="customer_id")
    return rows.merge(products[["product_id", "product_category_name"]], on="product_id")


def sales_crm(folder: Path, seed: int = 17) -> dict[str, list[str]]:
    """Write the four CSV files into ``folder``; returns the agents' and managers' names (to look for leaks)."""
    rng = np.random.default_rng(seed)
    fake = Faker("en_US")
    fake.seed_instance(seed)
    rows = _joined().dropna(subset=["product_category_name"])
    sellers = rows["seller_id"].value_counts().index[:AGENTS]
    cities = rows["customer_city"].value_counts().index[:ACCOUNTS]
    categories = rows["product_category_name"].value_counts().index[:8]
    rows = rows[rows["seller_id"].isin(sellers) & rows["customer_city"].isin(cities)
                & rows["product_category_name"].isin(categories)].reset_index(drop=True)
    names: list[str] = []
    while len(names) < AGENTS:
        name = fake.name()
        if name not in names:
            names.append(name)
    managers = list(dict.fromkeys(fake.name() for _ in range(12)))[:5]
    agent_of = dict(zip(sellers, names, strict=True))
    sellers_file = _olist("sellers").set_index("seller_id")
    pd.DataFrame({
        "rep": names,
        "boss": [managers[i % len(managers)] for i in range(AGENTS)],
        "hub": [sellers_file.loc[s, "seller_state"] for s in sellers],
    }).to_csv(folder / "team.csv", index=False)
    account_of = {c: f"{c.title()} Trading" for c in cities}
    by_city = rows.groupby("customer_city")
    pd.DataFrame({
        "company": [account_of[c] for c in cities],
        "region": [by_city.get_group(c)["customer_state"].iloc[0] for c in cities],
        "founded": rng.integers(1975, 2015, len(cities)),
    }).to_csv(folder / "accounts.csv", index=False)
    product_of = {c: c.replace("_", " ").title() for c in categories}
    prices = rows.groupby("product_category_name")["price"].median()
    pd.DataFrame({"item": [product_of[c] for c in categories],
                  "series": [c.split("_")[0].upper() for c in categories],
                  "list_price": [round(float(prices[c]), 2) for c in categories]}).to_csv(folder / "catalogue.csv",
                                                                                        index=False)
    product = rows["product_category_name"].map(product_of)
    dirty = rng.random(len(rows)) < 0.02
    product = product.where(~dirty, product.str.replace(" ", "", regex=False))
    stage = rows["order_status"].map(lambda s: {"delivered": "Won", "canceled": "Lost"}.get(s, "Engaging"))
    pd.DataFrame({
        "ref": [f"{o[:8].upper()}-{i}" for o, i in zip(rows["order_id"], rows["order_item_id"], strict=True)],
        "rep": rows["seller_id"].map(agent_of),
        "item": product,
        "client": rows["customer_city"].map(account_of),
        "stage": stage,
        "opened": rows["order_purchase_timestamp"],
        "value": rows["price"],
    }).to_csv(folder / "pipeline.csv", index=False)
    return {"agents": names, "managers": managers, "dirty": int(dirty.sum())}


def retail(folder: Path, limit: int = 6000) -> dict[str, int]:
    """customers.csv -> invoices.csv -> lines.csv (three levels, invoice numbers 536365 and C536365)."""
    rows = _joined().sort_values("order_purchase_timestamp")
    orders = rows.drop_duplicates("order_id").head(limit)
    rows = rows[rows["order_id"].isin(orders["order_id"])]
    people = {u: 12346 + i for i, u in enumerate(orders["customer_unique_id"].unique())}
    number = {o: ("C" if s == "canceled" else "") + str(536365 + i)
              for i, (o, s) in enumerate(zip(orders["order_id"], orders["order_status"], strict=True))}
    first = orders.drop_duplicates("customer_unique_id")
    pd.DataFrame({"CustomerID": first["customer_unique_id"].map(people), "Country": first["customer_state"],
                  "City": first["customer_city"]}).to_csv(folder / "customers.csv", index=False)
    pd.DataFrame({"InvoiceNo": orders["order_id"].map(number), "CustomerID": orders["customer_unique_id"].map(people),
                  "InvoiceDate": orders["order_purchase_timestamp"], "Status": orders["order_status"]}
                 ).to_csv(folder / "invoices.csv", index=False)
    pd.DataFrame({"InvoiceNo": rows["order_id"].map(number), "StockCode": rows["product_id"].str[:6].str.upper(),
                  "Quantity": rows["order_item_id"], "UnitPrice": rows["price"],
                  "Freight": rows["freight_value"]}).to_csv(folder / "lines.csv", index=False)
    return {"customers": len(people), "invoices": len(orders), "lines": len(rows),
            "cancelled": sum(n.startswith("C") for n in number.values())}
