"""Categorical variables drawn from a logistic model on the leaf plus binned predictors (``_cart_logit``).

On real Telco: effects a tree drops (multiple lines raise churn beyond what charges, tenure and contract
explain) survive in synthetic data; the model is used only where it beats the leaf on held-out rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from generators._cart_logit import Bins, Logit
from generators.cart import CartGenerator
from generators.schema import Column, Schema, Table
from sandbox.release.evaluation.fidelity import segment_fidelity
from tests.conftest import shared_file

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def telco() -> tuple[pd.DataFrame, pd.DataFrame, Schema]:
    """All 7,043 real Telco customers, split in half at random (train, holdout)."""
    frame = pd.read_csv(shared_file("telco-churn", "Telco-Customer-Churn.csv"))
    frame["TotalCharges"] = pd.to_numeric(frame["TotalCharges"].str.strip(), errors="coerce")
    columns = {"customerID": Column(kind="key")}
    for c in frame.columns.drop("customerID"):
        numeric = pd.api.types.is_numeric_dtype(frame[c]) and frame[c].nunique() > 2
        columns[c] = Column(kind="numerical" if numeric else "categorical")
    order = np.random.default_rng(11).permutation(len(frame))
    half = len(frame) // 2
    train, holdout = (frame.iloc[rows].reset_index(drop=True) for rows in (order[:half], order[half:]))
    return train, holdout, Schema(tables={"customers": Table(primary_key="customerID", columns=columns)})


def _effect(frame: pd.DataFrame, column: str, level: str) -> float:
    churn = frame["Churn"] == "Yes"
    inside = frame[column] == level
    return float(churn[inside].mean() - churn[~inside].mean())


def test_effects_beyond_the_tree_survive(telco: tuple) -> None:
    """Multiple lines raise churn by about 4 points; the tree alone lost that (about 0 in synthetic data)."""
    train, holdout, schema = telco
    real = _effect(holdout, "MultipleLines", "Yes")
    assert real > 0.02
    columns = [c for c in train.columns if c != "customerID"]
    with_model, tree_only = [], []
    for seed in range(3):
        synthetic = CartGenerator(seed=seed).fit({"customers": train}, schema).sample_frames(rows=len(holdout))
        with_model.append(_effect(synthetic["customers"], "MultipleLines", "Yes"))
        fidelity = segment_fidelity(holdout[columns], synthetic["customers"][columns], "Churn")
        assert fidelity.sign_agreement >= 0.96, (seed, fidelity.sign_agreement)
        plain = CartGenerator(seed=seed, logit=0).fit({"customers": train}, schema)
        tree_only.append(_effect(plain.sample_frames(rows=len(holdout))["customers"], "MultipleLines", "Yes"))
    assert np.mean(with_model) > real / 2, (with_model, real)
    assert np.mean(tree_only) < np.mean(with_model), (tree_only, with_model)


def test_model_only_where_it_beats_the_leaf(telco: tuple) -> None:
    train, _, schema = telco
    model = CartGenerator(seed=0).fit({"customers": train}, schema)
    chosen = {v.name for v in model._models["customers"].model.vars if v.logit is not None}
    assert "Churn" in chosen
    assert "gender" not in chosen  # nothing to predict it from: leaf donors, as before
    plain = CartGenerator(seed=0, logit=0).fit({"customers": train}, schema)
    assert all(v.logit is None for v in plain._models["customers"].model.vars)


def test_draws_follow_the_model() -> None:
    """Inverse-CDF draws give each level its softmax share."""
    logit = Logit(columns=np.array([0]), weights=[np.array([0.0, 1.0, 0.0]), np.array([0.5, -1.0, 0.0])],
                  offsets=np.array([0]), leaf_weights=np.array([[0.0, 2.0], [0.0, 0.0]]),
                  intercept=np.array([0.0, 0.0]), levels=np.array([3, 5, 7]))
    rng = np.random.default_rng(0)
    n = 200_000
    code, leaf = rng.integers(0, 2, n), rng.integers(0, 2, n)
    drawn = logit.draw([code], leaf, rng.random(n))
    for c in (0, 1):
        for lf in (0, 1):
            rows = (code == c) & (leaf == lf)
            scores = np.array([0.0, [0.0, 1.0][c] + [0.0, 2.0][lf], [0.5, -1.0][c]])
            expected = np.exp(scores) / np.exp(scores).sum()
            observed = np.array([(drawn[rows] == level).mean() for level in (3, 5, 7)])
            np.testing.assert_allclose(observed, expected, atol=0.01)


def test_bins_follow_the_quantiles() -> None:
    """Levels keep their own bin; numbers fall in 16 quantile bins (up to the lookup grid's resolution), in
    order, whatever the value; missing values have their own bin."""
    rng = np.random.default_rng(1)
    levels = rng.integers(0, 5, 1000).astype(np.float32)
    bins = Bins.fit(levels)
    assert bins.levels and bins.size == 6
    np.testing.assert_array_equal(bins.codes(np.array([0, 3, 4, np.nan], dtype=np.float32)), [0, 3, 4, 5])
    amounts = np.r_[rng.lognormal(size=5000), np.nan].astype(np.float32)  # skewed, like money
    bins = Bins.fit(amounts)
    assert bins.size == 16 + 1
    codes = bins.codes(amounts)
    assert codes[-1] == bins.size - 1
    edges = np.quantile(amounts[:-1], np.linspace(0, 1, 17)[1:-1])
    exact = np.searchsorted(edges, amounts[:-1], side="right")
    assert (codes[:-1] == exact).mean() > 0.995
    order = np.argsort(amounts[:-1])
    assert np.all(np.diff(codes[:-1][order]) >= 0)
    far = bins.codes(np.array([-1e9, 1e9], dtype=np.float32))
    assert far[0] == 0 and far[1] == bins.size - 2
