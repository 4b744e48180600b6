"""Distances to the closest records over references split into shards (issue 20.3).

Each shard's nearest rows are proposed by a float32 search (FAISS when installed, numpy otherwise) and
recomputed in float64; the minimum over shards must be what one search over the whole reference gives.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import numpy as np
import pandas as pd
import pytest

from generators.demo_crm import make_demo_crm
from sandbox.release.evaluation.neighbours import faiss_available, nearest
from sandbox.release.evaluation.privacy import distance_to_closest_records
from sandbox.release.gate import _dcr_references, _families, _privacy
from tests.conftest import shared_file
from tests.test_gate_reference import SCHEMA

SEARCHES = [False, pytest.param(True, marks=pytest.mark.skipif(not faiss_available(), reason="no faiss-cpu"))]


@pytest.fixture(scope="module")
def bank() -> pd.DataFrame:
    rows = pd.read_csv(shared_file("bank-marketing", "bank-additional-full.csv"), sep=";")
    return rows.sample(n=6_000, random_state=11).reset_index(drop=True)


@pytest.mark.parametrize("use_faiss", SEARCHES)
def test_sharded_nearest_equals_one_search_exactly(use_faiss):
    """Mixed real-valued and one-hot coordinates, duplicates included (ties at distance 0)."""
    rng = np.random.default_rng(5)
    ref = np.hstack([rng.normal(size=(3_000, 4)), np.eye(5)[rng.integers(0, 5, 3_000)]])
    ref[2_500:] = ref[:500]  # exact duplicates across shards
    query = np.vstack([ref[rng.integers(0, 3_000, 200)], rng.normal(size=(800, 9))])
    whole = nearest(query, ref, second=True, shard_rows=10**6, use_faiss=use_faiss)
    brute = np.sort(((query[:, None, :] - ref[None, :, :]) ** 2).sum(axis=2), axis=1)
    np.testing.assert_allclose(whole[0], brute[:, 0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(whole[1], brute[:, 1], rtol=1e-9, atol=1e-12)
    for shard_rows in (250, 999, 2_999):
        d1, d2 = nearest(query, ref, second=True, shard_rows=shard_rows, use_faiss=use_faiss)
        assert np.array_equal(d1, whole[0]) and np.array_equal(d2, whole[1]), shard_rows
        assert np.array_equal(nearest(query, ref, second=False, shard_rows=shard_rows, use_faiss=use_faiss)[0],
                              whole[0])
    assert (whole[0][:200] == 0).all()  # copies are at distance 0


def test_faiss_and_numpy_searches_agree():
    if not faiss_available():
        pytest.skip("no faiss-cpu")
    rng = np.random.default_rng(8)
    ref, query = rng.normal(size=(4_000, 12)), rng.normal(size=(500, 12))
    for shard_rows in (600, 4_000):
        a = nearest(query, ref, second=True, shard_rows=shard_rows, use_faiss=True)
        b = nearest(query, ref, second=True, shard_rows=shard_rows, use_faiss=False)
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def test_dcr_result_is_the_same_in_shards_on_real_rows(bank):
    train, holdout, synthetic = bank.iloc[:2_000], bank.iloc[2_000:4_000], bank.iloc[4_000:]
    whole = distance_to_closest_records(train, holdout, synthetic, histogram_bins=10).model_dump()
    sharded = distance_to_closest_records(train, holdout, synthetic, histogram_bins=10, shard_rows=300).model_dump()
    assert whole.pop("shards") == 1 and sharded.pop("shards") == 7
    assert sharded == whole
    assert 0.4 < whole["dcr_share"] < 0.6  # other real people: no memorization


def test_every_reference_row_is_searched_with_max_reference_zero(bank):
    train, holdout, synthetic = bank.iloc[:1_500], bank.iloc[1_500:3_000], bank.iloc[3_000:4_000]
    capped = distance_to_closest_records(train, holdout, synthetic, max_rows=1_000)
    full = distance_to_closest_records(train, holdout, synthetic, max_rows=1_000, max_reference=0, shard_rows=400)
    assert capped.rows_reference == 1_000 and capped.rows_synthetic == 1_000
    assert full.rows_reference == 1_500 and full.rows_synthetic == 1_000 and full.shards == 4
    # copies of training rows: the sample of 1,000 reference rows misses a third of their twins, the full one none
    copies = train.sample(n=300, random_state=2)
    missed = distance_to_closest_records(train, holdout, copies, max_rows=1_000)
    found = distance_to_closest_records(train, holdout, copies, max_rows=1_000, max_reference=0, shard_rows=400)
    assert missed.identical_match_share_train < 0.8 and missed.median_dcr_train == 0.0
    assert found.identical_match_share_train == 1.0 and found.dcr_share > 0.95


@pytest.fixture(scope="module")
def vault() -> Iterator[duckdb.DuckDBPyConnection]:
    """1,500 demo customers, a fifth of them (with their deals and events) held out."""
    tables = {t: make_demo_crm(1_500, seed=6)[t][list(spec.columns)] for t, spec in SCHEMA.tables.items()}
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


def test_gate_searches_every_holdout_family_beyond_the_quality_sample(vault):
    train, holdout = _families(vault, SCHEMA, 100)  # a quality sample smaller than the holdout (300 customers)
    ref_train, ref_holdout = _dcr_references(vault, SCHEMA, 0, train, holdout)
    assert len(holdout["customers"]) == 100
    assert len(ref_holdout["customers"]) == len(ref_train["customers"]) == 300
    real = vault.execute("SELECT count(*) FROM vault.interactions WHERE _holdout").fetchone()[0]
    assert len(ref_holdout["interactions"]) == real  # whole families: every event of every holdout customer
    assert set(ref_train["deals"]["customer_id"]) <= set(ref_train["customers"]["customer_id"])
    assert not set(ref_train["customers"]["customer_id"]) & set(ref_holdout["customers"]["customer_id"])
    capped = _dcr_references(vault, SCHEMA, 200, *_families(vault, SCHEMA, 150))
    assert len(capped[1]["customers"]) == 200
    unseen = {t: make_demo_crm(300, seed=9)[t][list(spec.columns)] for t, spec in SCHEMA.tables.items()}
    privacy = _privacy(ref_train, ref_holdout, unseen, SCHEMA)
    sizes = {t: min(len(ref_train[t]), len(ref_holdout[t])) for t in SCHEMA.tables}
    assert privacy["dcr_reference_rows"] == sizes and sizes["interactions"] > 1_000
    assert privacy["dcr_search"] == ("faiss" if faiss_available() else "numpy")
    assert all(abs(r["dcr_share"] - 0.5) < 0.06 for r in privacy["tables"].values())
