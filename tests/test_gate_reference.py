"""The gate's reference rows: whole training families, as many as the holdout has.

A perfect generator is one whose rows are simply other real customers. Its DCR share must sit at 0.5 in
every table, child tables of bunched events included.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pandas as pd
import pytest

from generators.demo_crm import make_demo_crm
from generators.schema import Schema
from sandbox.release.gate import _privacy, _real_frames, _subset

SCHEMA = Schema.model_validate({"tables": {
    "customers": {"primary_key": "customer_id", "columns": {
        "customer_id": {"kind": "key"}, "birth_date": {"kind": "datetime"}, "city": {"kind": "categorical"},
        "signup_date": {"kind": "datetime"}, "loyalty_tier": {"kind": "categorical"}}},
    "deals": {"primary_key": "deal_id",
              "foreign_keys": [{"column": "customer_id", "parent": "customers", "parent_column": "customer_id"}],
              "columns": {"deal_id": {"kind": "key"}, "customer_id": {"kind": "key"},
                          "created_at": {"kind": "datetime"}, "channel": {"kind": "categorical"},
                          "amount": {"kind": "numerical"}, "stage": {"kind": "categorical"}}},
    "interactions": {"primary_key": "interaction_id", "sequence_index": "occurred_at",
                     "foreign_keys": [{"column": "deal_id", "parent": "deals", "parent_column": "deal_id"}],
                     "columns": {"interaction_id": {"kind": "key"}, "deal_id": {"kind": "key"},
                                 "occurred_at": {"kind": "datetime"}, "channel": {"kind": "categorical"},
                                 "direction": {"kind": "categorical"}, "duration_sec": {"kind": "numerical"},
                                 "outcome": {"kind": "categorical"}}},
}})


def _tables(customers: int, seed: int) -> dict[str, pd.DataFrame]:
    tables = make_demo_crm(customers, seed=seed)
    return {t: tables[t][list(spec.columns)] for t, spec in SCHEMA.tables.items()}


@pytest.fixture(scope="module")
def vault() -> Iterator[duckdb.DuckDBPyConnection]:
    """A vault of 10,000 demo customers, a fifth of them (with their deals and events) held out."""
    tables = _tables(10_000, seed=1)
    held = set(tables["customers"]["customer_id"].sample(frac=0.2, random_state=0))
    held_deals = set(tables["deals"].loc[tables["deals"]["customer_id"].isin(held), "deal_id"])
    flags = {"customers": tables["customers"]["customer_id"].isin(held),
             "deals": tables["deals"]["customer_id"].isin(held),
             "interactions": tables["interactions"]["deal_id"].isin(held_deals)}
    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS vault")
    for name, frame in tables.items():
        con.register("_frame", frame.assign(_holdout=flags[name].to_numpy()))
        con.execute(f"CREATE TABLE vault.{name} AS SELECT * FROM _frame")
        con.unregister("_frame")
    yield con
    con.close()


def test_training_families_match_the_holdout_in_number(vault):
    train, holdout = _real_frames(vault, SCHEMA)
    assert len(train["customers"]) == len(holdout["customers"]) == 2000  # of 8,000 and 2,000
    # whole families: every deal of a sampled training customer, every event of its deals
    assert set(train["deals"]["customer_id"]) <= set(train["customers"]["customer_id"])
    per_customer = vault.execute("SELECT customer_id, count(*) FROM vault.deals GROUP BY 1").df()
    expected = per_customer.set_index("customer_id").iloc[:, 0].reindex(train["customers"]["customer_id"]).fillna(0)
    assert len(train["deals"]) == int(expected.sum())


def test_other_real_customers_score_a_dcr_share_of_one_half(vault):
    unseen = _tables(2000, seed=2)  # a perfect generator: real customers the vault never saw
    train, holdout = _real_frames(vault, SCHEMA)
    shares = {t: r["dcr_share"] for t, r in _privacy(train, holdout, unseen, SCHEMA)["tables"].items()}
    assert all(abs(s - 0.5) < 0.025 for s in shares.values()), shares  # 0.519, 0.494, 0.496
    # thinning all training events to the holdout's count instead made unseen events look memorized
    thinned = _subset(vault, "vault", SCHEMA, "NOT _holdout")
    before = _privacy(thinned, holdout, unseen, SCHEMA)["tables"]["interactions"]["dcr_share"]
    assert before > shares["interactions"] + 0.01  # 0.518 against 0.496
