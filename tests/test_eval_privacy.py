"""Privacy metrics on real Bank Marketing rows: copies, fresh real people, and planted identifiers."""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pandas as pd
import pytest

from sandbox.release.evaluation.neighbours import faiss_available, nearest
from sandbox.release.evaluation.privacy import distance_to_closest_records, leaked_values
from tests.conftest import shared_file


@pytest.fixture(scope="module")
def thirds() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Three disjoint samples of 2,500 real contacts: train, holdout, and a 'perfect generator'."""
    bank = shared_file("bank-marketing", "bank-additional-full.csv")
    rows = pd.read_csv(bank, sep=";").sample(n=7_500, random_state=7).reset_index(drop=True)
    return rows.iloc[:2_500], rows.iloc[2_500:5_000], rows.iloc[5_000:]


def test_copier_is_caught(thirds):
    train, holdout, _ = thirds
    copies = train.sample(n=2_000, random_state=1)
    result = distance_to_closest_records(train, holdout, copies)
    assert result.dcr_share > 0.98
    assert result.identical_match_share_train == 1.0
    assert result.identical_match_share_holdout < 0.01
    assert result.median_dcr_train == 0.0
    assert result.median_dcr_holdout > 0.05
    assert result.nndr < 0.05
    assert not result.sampled and result.note is None


def test_fresh_real_rows_look_like_no_memorization(thirds):
    train, holdout, fresh = thirds
    result = distance_to_closest_records(train, holdout, fresh)
    assert 0.45 < result.dcr_share < 0.55
    assert result.identical_match_share_train < 0.01
    assert result.median_dcr_train == pytest.approx(result.median_dcr_baseline, rel=0.15)
    assert result.median_dcr_holdout == pytest.approx(result.median_dcr_baseline, rel=0.15)
    assert result.nndr == pytest.approx(result.nndr_baseline, abs=0.05)
    json.dumps(result.model_dump())  # plain, JSON-ready numbers


def test_half_copier_scores_in_between(thirds):
    train, holdout, fresh = thirds
    mixed = pd.concat([train.iloc[:1_000], fresh.iloc[:1_000]])
    result = distance_to_closest_records(train, holdout, mixed)
    assert result.dcr_share == pytest.approx(0.75, abs=0.04)
    assert result.identical_match_share_train == pytest.approx(0.5, abs=0.01)


def test_unequal_sizes_are_sampled_to_equal_and_said(thirds):
    train, holdout, fresh = thirds
    result = distance_to_closest_records(train, holdout.iloc[:800], fresh, max_rows=600, seed=3)
    assert result.rows_reference == 600
    assert result.rows_synthetic == 600
    assert (result.rows_train, result.rows_holdout) == (2_500, 800)
    assert result.sampled
    assert "600" in result.note and "seed 3" in result.note


def test_sampled_rows_do_not_depend_on_the_order_rows_arrive_in(thirds):
    """DuckDB returns a table's rows in no fixed order; the same rows must give the same shares."""
    train, holdout, fresh = thirds
    first = distance_to_closest_records(train, holdout.iloc[:800], fresh, seed=1)
    shuffled = [f.sample(frac=1.0, random_state=11) for f in (train, holdout.iloc[:800], fresh)]
    again = distance_to_closest_records(*shuffled, seed=1)
    assert first.sampled
    assert (again.dcr_share, again.identical_match_share_train) == (first.dcr_share,
                                                                     first.identical_match_share_train)


def test_distance_by_hand():
    """Two columns: x scaled by the train range 0..10, c a 0/1 mismatch; d = sqrt(sum delta^2 / 2)."""
    train = pd.DataFrame({"x": [0.0, 10.0], "c": ["a", "b"]})
    holdout = pd.DataFrame({"x": [4.0, 9.0], "c": ["a", "a"]})
    synthetic = pd.DataFrame({"x": [2.0], "c": ["b"]})
    result = distance_to_closest_records(train, holdout, synthetic)
    # to train (10, b): delta_x = 0.8, c matches; to (0, a): sqrt((0.04 + 1) / 2) is farther
    assert result.median_dcr_train == pytest.approx(math.sqrt(0.64 / 2))
    # to holdout (4, a): delta_x = 0.2 and c differs
    assert result.median_dcr_holdout == pytest.approx(math.sqrt((0.04 + 1) / 2))
    assert result.dcr_share == 1.0
    assert result.nndr == pytest.approx(math.sqrt(0.32) / math.sqrt(0.52))


def test_missing_values_datetimes_and_dtypes():
    stamps = pd.to_datetime(["2024-01-01", "2024-03-01", None, "2024-06-01"])
    train = pd.DataFrame({"n": [1, 2, 3, 4], "when": stamps, "c": ["a", None, "b", "a"]})
    holdout = pd.DataFrame({"n": [7, 8, 9, 5], "when": stamps[::-1], "c": ["b", "b", "a", None]})
    # the same rows as train, but n as float and dates as text: still exact copies
    synthetic = train.assign(n=train["n"].astype(float), when=train["when"].astype(str).replace("NaT", None))
    result = distance_to_closest_records(train, holdout, synthetic)
    assert result.identical_match_share_train == 1.0
    assert result.identical_match_share_holdout == 0.0
    assert result.median_dcr_train == 0.0
    assert result.dcr_share == 1.0


def test_ties_count_half():
    train = pd.DataFrame({"c": ["a", "b"]})
    holdout = pd.DataFrame({"c": ["a", "b"]})
    result = distance_to_closest_records(train, holdout, pd.DataFrame({"c": ["a", "b", "b"]}))
    assert result.dcr_share == 0.5
    assert result.identical_match_share_train == result.identical_match_share_holdout == 1.0


def test_missing_column_is_named():
    frame = pd.DataFrame({"a": [1, 2], "b": [3, 4]})
    with pytest.raises(ValueError, match="synthetic rows: b"):
        distance_to_closest_records(frame, frame, frame[["a"]], columns=["a", "b"])


def test_speed_scales_to_thousands():
    """20k x 20k random mixed rows (13 numeric, 8 categorical, 40 levels) stay well under the budget."""
    rng = np.random.default_rng(0)

    def frame(n: int) -> pd.DataFrame:
        data = {f"n{i}": rng.normal(size=n) for i in range(13)}
        data |= {f"c{i}": rng.choice(list("abcde"), size=n) for i in range(8)}
        return pd.DataFrame(data)

    started = time.perf_counter()
    result = distance_to_closest_records(frame(20_000), frame(20_000), frame(10_000))
    assert time.perf_counter() - started < 20
    assert 0.47 < result.dcr_share < 0.53


@pytest.mark.parametrize("use_faiss", [
    False, pytest.param(True, marks=pytest.mark.skipif(not faiss_available(), reason="faiss-cpu not installed"))])
def test_nearest_and_second_nearest_distances_are_exact_where_float32_would_cancel(use_faiss):
    """Pairs of reference points ~0.25 apart, far from their centre (|r|^2 ~ 600): |r|^2 - 2 q.r in float32
    carries rounding of ~1e-4, a thousandth of the second distance; the neighbours found are measured in
    float64."""
    rng = np.random.default_rng(3)
    centres = rng.normal(scale=10.0, size=(300, 6))
    ref = np.vstack([centres, centres + rng.normal(scale=0.1, size=centres.shape)])
    query = centres + rng.normal(scale=0.001, size=centres.shape)
    d1, d2 = nearest(query, ref, second=True, use_faiss=use_faiss)
    brute = np.sort(((query[:, None, :] - ref[None, :, :]) ** 2).sum(axis=2), axis=1)
    np.testing.assert_allclose(d1, brute[:, 0], rtol=1e-9)
    np.testing.assert_allclose(d2, brute[:, 1], rtol=1e-9)
    assert np.isnan(nearest(query, ref, second=False, use_faiss=use_faiss)[1]).all()


def test_leaked_values_reports_where_not_what(thirds):
    """Identifier values made up for the test (the real rows hold none), planted in two columns."""
    _, _, fresh = thirds
    email, phone, short = "Maria.Lopez@example.org", "+1-555-0142-771", "Ana"
    crm = fresh.head(300).assign(notes="called, no answer")
    crm.loc[crm.index[5], "notes"] = f"asked to write to {email.upper()} next week"
    contacts = pd.DataFrame({"phone": ["+1-555-0100-000", phone, phone], "name": ["Bob", "Ana", "Anastasia"]})
    identifiers = [email, phone, short, "never.used@example.org"]
    result = leaked_values(identifiers, {"crm": crm, "contacts": contacts})
    assert result.values_checked == 4
    assert result.leaked == 3
    where = {(loc.table, loc.column): loc for loc in result.locations}
    assert set(where) == {("crm", "notes"), ("contacts", "phone"), ("contacts", "name")}
    assert where[("crm", "notes")].substring_cells == 1
    assert where[("contacts", "phone")].exact_cells == 2
    # "Ana" is too short to count inside "Anastasia": only the exact cell
    assert (where[("contacts", "name")].exact_cells, where[("contacts", "name")].substring_cells) == (1, 0)
    dumped = json.dumps(result.model_dump()).casefold()
    assert all(v.casefold() not in dumped for v in (email, phone, "maria"))


def test_no_leak_in_clean_tables(thirds):
    _, _, fresh = thirds
    result = leaked_values(["someone@example.org", "123456789"], {"crm": fresh})
    assert (result.leaked, result.cells, result.locations) == (0, 0, [])
