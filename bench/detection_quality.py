"""Detection quality on the three real datasets with planted identifiers.

Builds the planted data of ``tests/test_detect.py`` (real rows plus Faker-made identifier, sensitive and
quasi-identifier columns) for Telco churn, Bank Marketing and five Olist tables, proposes a class for
every column and compares it with the hand-written truth below. Prints precision and recall per class,
the accuracy of the identifier kind / category / generalization, and every disagreement.

Run: ``.venv/bin/python bench/detection_quality.py [rows]`` (default 5000 rows per table).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sandbox.catalog.model import ColumnEntry  # noqa: E402
from sandbox.vault.detect import propose_table  # noqa: E402
from tests.test_detect import DATASETS, PERSON_TABLE, PLANTED, planted_dataset  # noqa: E402

CLASSES = ["direct_identifier", "quasi_identifier", "sensitive", "key", "ordinary"]
ORD, KEY = ("ordinary", None), ("key", None)

# Hand-written truth for every real column: (class, identifier kind / category / generalization).
TRUTH: dict[str, dict[str, tuple[str, str | None]]] = {
    "telco": {
        "customerID": KEY, "gender": ("quasi_identifier", "none"), "SeniorCitizen": ORD, "Partner": ORD,
        "Dependents": ORD, "tenure": ORD, "PhoneService": ORD, "MultipleLines": ORD, "InternetService": ORD,
        "OnlineSecurity": ORD, "OnlineBackup": ORD, "DeviceProtection": ORD, "TechSupport": ORD,
        "StreamingTV": ORD, "StreamingMovies": ORD, "Contract": ORD, "PaperlessBilling": ORD, "PaymentMethod": ORD,
        "MonthlyCharges": ORD, "TotalCharges": ORD, "Churn": ORD,
    },
    "bank": {
        "age": ("quasi_identifier", "age_band"), "job": ("quasi_identifier", "rare_to_other"),
        "marital": ("quasi_identifier", "none"), "education": ("quasi_identifier", "none"),
        # "has credit in default?", "has housing loan?", "has personal loan?" (bank-additional-names.txt)
        "default": ("sensitive", "financial"), "housing": ("sensitive", "financial"),
        "loan": ("sensitive", "financial"),
        "contact": ORD, "month": ORD, "day_of_week": ORD, "duration": ORD, "campaign": ORD, "pdays": ORD,
        "previous": ORD, "poutcome": ORD, "emp.var.rate": ORD, "cons.price.idx": ORD, "cons.conf.idx": ORD,
        "euribor3m": ORD, "nr.employed": ORD, "y": ORD,
    },
    "customers": {
        "customer_id": KEY, "customer_unique_id": KEY,
        "customer_zip_code_prefix": ("quasi_identifier", "zip_prefix"),
        "customer_city": ("quasi_identifier", "rare_to_other"), "customer_state": ("quasi_identifier", "none"),
    },
    "orders": {
        "order_id": KEY, "customer_id": KEY, "order_status": ORD, "order_purchase_timestamp": ORD,
        "order_approved_at": ORD, "order_delivered_carrier_date": ORD, "order_delivered_customer_date": ORD,
        "order_estimated_delivery_date": ORD,
    },
    "order_items": {
        "order_id": KEY, "order_item_id": KEY, "product_id": KEY, "seller_id": KEY, "shipping_limit_date": ORD,
        "price": ORD, "freight_value": ORD,
    },
    "order_payments": {
        "order_id": KEY, "payment_sequential": ORD, "payment_type": ORD, "payment_installments": ORD,
        "payment_value": ORD,
    },
    "order_reviews": {
        "review_id": KEY, "order_id": KEY, "review_score": ORD, "review_comment_title": ORD,
        "review_comment_message": ORD, "review_creation_date": ORD, "review_answer_timestamp": ORD,
    },
}
PLANTED_TRUTH = {p.column: (p.cls, p.detail) for p in PLANTED}


def _detail(entry: ColumnEntry) -> str | None:
    return {"direct_identifier": entry.identifier, "sensitive": entry.category,
            "quasi_identifier": entry.generalize}.get(entry.cls)


def main(rows: int = 5000) -> None:
    if not DATASETS.is_dir():
        sys.exit(f"real datasets not found at {DATASETS}")
    pairs: list[tuple[str, tuple[str, str | None], tuple[str, str | None]]] = []
    for dataset, person in PERSON_TABLE.items():
        tables = planted_dataset(dataset, rows)
        start = time.perf_counter()
        proposals = {t: propose_table(t, f) for t, f in tables.items()}
        columns = sum(len(f.columns) for f in tables.values())
        print(f"{dataset:6} {len(tables)} table(s), {columns:3} columns: {time.perf_counter() - start:.2f} s")
        for table, entries in proposals.items():
            for column, entry in entries.items():
                truth = PLANTED_TRUTH[column] if table == person and column in PLANTED_TRUTH else (
                    TRUTH[table][column])
                pairs.append((f"{table}.{column}", truth, (entry.cls, _detail(entry))))
    print(f"\n{len(pairs)} columns ({len(PLANTED)} planted per dataset), {rows} rows per table\n")
    print(f"{'class':18} {'truth':>6} {'found':>6} {'right':>6} {'precision':>10} {'recall':>8} {'detail ok':>10}")
    for cls in CLASSES:
        truth = [p for p in pairs if p[1][0] == cls]
        found = [p for p in pairs if p[2][0] == cls]
        right = [p for p in truth if p[2][0] == cls]
        detail = sum(1 for p in right if p[1][1] is None or p[1][1] == p[2][1])
        precision = f"{len(right) / len(found):.3f}" if found else "-"
        recall = f"{len(right) / len(truth):.3f}" if truth else "-"
        print(f"{cls:18} {len(truth):6} {len(found):6} {len(right):6} {precision:>10} {recall:>8} "
              f"{detail:>4}/{len(right):<5}")
    wrong = [p for p in pairs if p[1][0] != p[2][0] or (p[1][1] is not None and p[1][1] != p[2][1])]
    print(f"\ndisagreements ({len(wrong)}):")
    for name, truth, got in wrong:
        print(f"  {name:40} truth {truth[0]}/{truth[1]}  proposed {got[0]}/{got[1]}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
