"""The CART fit on samples beyond a size (issue 20.5): trees choose their splits on at most ``tree_rows``
rows and logistic models are fitted on at most ``logit_rows``, donors still come from every row.

The caps are set low here (a few thousand rows) so that real Bank rows exercise them quickly; the default
caps (250,000 and 100,000) and their cost in fidelity are measured at 200k and 1M rows by
bench/fit_scaling.py.
"""

from __future__ import annotations

import pandas as pd
import pytest

from generators.base import GeneratorError
from generators.cart import CartGenerator
from generators.schema import Column, Schema, Table
from sandbox.release.evaluation.fidelity import segment_fidelity
from sandbox.release.evaluation.quality import single_table_quality
from tests.conftest import shared_file

CAPS = {"tree_rows": 1_500, "logit_rows": 1_000}


@pytest.fixture(scope="module")
def bank() -> tuple[pd.DataFrame, pd.DataFrame, Schema]:
    """8,000 training and 3,000 holdout contacts of UCI Bank Marketing."""
    frame = pd.read_csv(shared_file("bank-marketing", "bank-additional-full.csv"), sep=";")
    frame = frame.sample(n=11_000, random_state=4).reset_index(drop=True)
    columns = {c: Column(kind="numerical" if pd.api.types.is_numeric_dtype(frame[c]) and frame[c].nunique() > 2
                         else "categorical") for c in frame.columns}
    return frame.iloc[:8_000], frame.iloc[8_000:].reset_index(drop=True), Schema(tables={"c": Table(columns=columns)})


@pytest.fixture(scope="module")
def capped(bank: tuple) -> CartGenerator:
    train, _, schema = bank
    return CartGenerator(seed=2, threads=2, **CAPS).fit({"c": train}, schema)


@pytest.fixture(scope="module")
def full(bank: tuple) -> CartGenerator:
    train, _, schema = bank
    return CartGenerator(seed=2, threads=2).fit({"c": train}, schema)


def test_capped_fit_is_seeded(bank: tuple, capped: CartGenerator) -> None:
    train, _, schema = bank
    again = CartGenerator(seed=2, threads=1, **CAPS).fit({"c": train}, schema)  # one thread: the same trees
    a, b = capped.sample_frames(rows=3_000, seed=7)["c"], again.sample_frames(rows=3_000, seed=7)["c"]
    pd.testing.assert_frame_equal(a, b)
    other = CartGenerator(seed=3, **CAPS).fit({"c": train}, schema).sample_frames(rows=3_000, seed=7)["c"]
    assert not a.equals(other)


def test_trees_grow_on_a_sample_and_draw_donors_from_every_row(capped: CartGenerator, full: CartGenerator) -> None:
    small, large = capped._models["c"].model, full._models["c"].model
    assert small is not None and large is not None
    sampled = 0
    for var, whole in zip(small.vars, large.vars, strict=True):
        assert var.name == whole.name and var.size is not None and whole.size is not None
        assert var.values is not None and var.values.size == var.size.sum() == whole.size.sum()  # every row
        if var.tree is not None and var.size.sum() > 3 * CAPS["tree_rows"]:  # a tree cut on a sample
            sampled += 1
            # min_leaf 60 among ~1,500 growing rows of ~6,000: leaves hold several times as many donors,
            # and there are fewer of them than with every row
            assert var.size[var.size > 0].min() > 120 and var.size.size <= whole.size.size, var.name
    assert sampled >= 5
    assert any(v.logit is not None for v in small.vars)  # logistic models fitted on their sample


def test_caps_cost_no_fidelity(bank: tuple, capped: CartGenerator, full: CartGenerator) -> None:
    """Trees grown on a fifth of the rows and logistic models fitted on a sixth: quality and segment
    fidelity against unseen contacts as with every row."""
    _, holdout, schema = bank
    kinds = {c: s.kind for c, s in schema.tables["c"].columns.items()}
    scores = {}
    for name, model in (("capped", capped), ("full", full)):
        syn = model.sample_frames(rows=len(holdout), seed=1)["c"]
        fidelity = segment_fidelity(holdout, syn, "y", positive="yes")
        scores[name] = (single_table_quality(holdout, syn, kinds).overall, fidelity.sign_agreement)
    assert scores["capped"][0] > scores["full"][0] - 0.015, scores
    assert scores["capped"][1] > scores["full"][1] - 0.05, scores


def test_caps_are_validated() -> None:
    with pytest.raises(GeneratorError, match="tree_rows"):
        CartGenerator(tree_rows=-1)
    with pytest.raises(GeneratorError, match="logit_rows"):
        CartGenerator(logit_rows=2.5)
