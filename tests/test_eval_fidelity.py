"""Hypothesis fidelity: hand-computed effects, real vs itself, real vs broken copies, linked tables."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from generators.schema import Schema
from sandbox.release.evaluation.fidelity import linked_fidelity, segment_fidelity
from tests.conftest import shared_file


@pytest.fixture(scope="module")
def bank() -> pd.DataFrame:
    path = shared_file("bank-marketing", "bank-additional-full.csv")
    return pd.read_csv(path, sep=";").sample(n=8_000, random_state=3).reset_index(drop=True)


def _shuffled(frame: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Every column permuted on its own: the same marginals, no relationship left."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({c: rng.permutation(frame[c].to_numpy()) for c in frame.columns})


def test_two_segments_by_hand():
    # plan a: 3 of 4 won; plan b: 1 of 6 won. Effect of a = 3/4 - 1/6; of b its negative.
    real = pd.DataFrame({"plan": list("aaaabbbbbb"), "won": [1, 1, 1, 0, 1, 0, 0, 0, 0, 0]})
    synthetic = pd.DataFrame({"plan": list("aabb"), "won": [1, 0, 0, 0]})
    result = segment_fidelity(real, synthetic, "won")
    assert result.measure == "rate" and result.positive == "1"
    assert (result.segments, result.significant) == (2, 0)
    a = next(s for s in result.per_segment if s.level == "a")
    assert a.real_effect == pytest.approx(0.75 - 1 / 6)
    pooled_se = math.sqrt(0.4 * 0.6 * (1 / 4 + 1 / 6))
    assert a.real_z == pytest.approx((0.75 - 1 / 6) / pooled_se)
    assert a.synthetic_effect == pytest.approx(0.5)
    half_width = 1.96 * math.sqrt(0.5 * 0.5 / 2)
    assert (a.synthetic_ci_low, a.synthetic_ci_high) == pytest.approx((0.5 - half_width, 0.5 + half_width))
    assert a.covered and (a.n_real, a.n_synthetic) == (4, 2)
    assert result.mae == pytest.approx(0.75 - 1 / 6 - 0.5)
    assert result.sign_agreement is None  # nothing significant to agree on
    assert result.rank_correlation is None  # two segments are too few to rank


def test_real_vs_itself_is_perfect(bank):
    result = segment_fidelity(bank, bank, "y")
    assert result.positive == "yes"
    assert result.segments > 40 and result.significant > 10
    assert result.sign_agreement == 1.0
    assert result.rank_correlation == pytest.approx(1.0)
    assert result.mae == 0.0
    assert result.coverage == 1.0
    json.dumps(result.model_dump())


def test_shuffled_columns_lose_the_effects(bank):
    result = segment_fidelity(bank, _shuffled(bank), "y")
    assert result.rank_correlation is not None and result.rank_correlation < 0.3
    assert result.sign_agreement < 0.8
    assert result.mae > 0.03
    assert result.coverage < 0.6


def test_numeric_target_compares_means(bank):
    result = segment_fidelity(bank, bank, "duration")
    assert result.measure == "mean" and result.positive is None
    assert result.real_overall == pytest.approx(bank["duration"].mean())
    assert result.mae == 0.0
    shuffled = segment_fidelity(bank, _shuffled(bank), "duration")
    assert shuffled.mae > 10  # seconds of call duration


def test_welch_statistic_by_hand():
    real = pd.DataFrame({"g": list("xxxyyy"), "v": [1.0, 2.0, 3.0, 5.0, 7.0, 9.0]})
    seg = next(s for s in segment_fidelity(real, real, "v").per_segment if s.level == "x")
    assert seg.real_effect == pytest.approx(2.0 - 7.0)
    assert seg.real_z == pytest.approx(-5.0 / math.sqrt(1.0 / 3 + 4.0 / 3))


def test_real_quartile_cuts_apply_to_synthetic():
    real = pd.DataFrame({"x": np.arange(100.0), "y": np.tile([0, 1], 50)})
    synthetic = pd.DataFrame({"x": np.full(40, 1_000.0), "y": np.tile([0, 1], 20)})
    result = segment_fidelity(real, synthetic, "y")
    assert [s.n_real for s in result.per_segment] == [25, 25, 25, 25]
    assert sorted(s.n_synthetic for s in result.per_segment) == [0, 0, 0, 40]
    assert result.absent_segments == 4  # every synthetic row in one quartile: no contrast anywhere
    assert all(s.synthetic_effect == 0.0 and not s.covered for s in result.per_segment)


def test_absent_level_counts_as_disagreement(bank):
    synthetic = bank[bank["poutcome"] != "success"]
    result = segment_fidelity(bank, synthetic, "y", columns=["poutcome"])
    success = next(s for s in result.per_segment if s.level == "success")
    assert success.absent_in_synthetic and success.significant
    assert success.synthetic_effect == 0.0 and success.synthetic_ci_low is None
    assert result.sign_agreement < 1.0


def test_target_errors():
    frame = pd.DataFrame({"a": ["x", "y", "x"], "t": ["no", "no", "no"], "m": ["r", "g", "b"]})
    with pytest.raises(ValueError, match="constant"):
        segment_fidelity(frame, frame, "t")
    with pytest.raises(ValueError, match="positive="):
        segment_fidelity(frame, frame, "m")
    assert segment_fidelity(frame, frame, "m", positive="g").positive == "g"
    with pytest.raises(ValueError, match="'won' does not occur"):
        segment_fidelity(frame, frame, "m", positive="won")
    with pytest.raises(ValueError, match="not a column"):
        segment_fidelity(frame, frame.drop(columns="t"), "t")


@pytest.fixture(scope="module")
def funnel() -> tuple[dict[str, pd.DataFrame], Schema]:
    """Olist's real lead funnel: marketing-qualified leads 1-0..1 closed deals."""
    leads = pd.read_csv(shared_file("olist-marketing-funnel", "olist_marketing_qualified_leads_dataset.csv"))
    leads["first_contact_date"] = pd.to_datetime(leads["first_contact_date"], format="%d-%m-%Y")
    deals = pd.read_csv(shared_file("olist-marketing-funnel", "olist_closed_deals_dataset.csv"))
    schema = Schema.model_validate({"tables": {
        "leads": {"primary_key": "mql_id", "columns": {
            "mql_id": {"kind": "key"}, "first_contact_date": {"kind": "datetime"},
            "landing_page_id": {"kind": "categorical"}, "origin": {"kind": "categorical"}}},
        "deals": {"foreign_keys": [{"column": "mql_id", "parent": "leads", "parent_column": "mql_id"}],
                  "columns": {"mql_id": {"kind": "key"}, "seller_id": {"kind": "key"},
                              "business_type": {"kind": "categorical"}, "lead_type": {"kind": "categorical"},
                              "declared_monthly_revenue": {"kind": "numerical"}}},
    }})
    return {"leads": leads, "deals": deals}, schema


def test_linked_parent_attributes_against_child_outcome(funnel):
    tables, schema = funnel
    result = linked_fidelity(tables, tables, schema, target="deals.business_type", positive="reseller")
    columns = {s.column for s in result.per_segment}
    assert {"leads.origin", "leads.first_contact_date", "deals.lead_type"} <= columns
    assert "deals.seller_id" not in columns and "leads.mql_id" not in columns
    assert result.mae == 0.0
    # the 'social' effect, computed by hand with a plain join
    joined = tables["deals"].merge(tables["leads"], on="mql_id").dropna(subset=["business_type"])
    is_reseller = joined["business_type"] == "reseller"
    social = joined["origin"] == "social"
    expected = is_reseller[social].mean() - is_reseller[~social].mean()
    seg = next(s for s in result.per_segment if (s.column, s.level) == ("leads.origin", "social"))
    assert seg.real_effect == pytest.approx(expected)
    assert seg.n_real == social.sum()


def test_linked_broken_parent_links_show(funnel):
    tables, schema = funnel
    rng = np.random.default_rng(1)
    deals = tables["deals"].assign(mql_id=rng.choice(tables["leads"]["mql_id"], len(tables["deals"])))
    result = linked_fidelity(tables, {**tables, "deals": deals}, schema,
                             target="deals.business_type", positive="reseller")
    parent = [s for s in result.per_segment if s.column.startswith("leads.")]
    own = [s for s in result.per_segment if s.column.startswith("deals.")]
    assert np.mean([abs(s.real_effect - s.synthetic_effect) for s in parent]) > 0.01
    assert all(s.real_effect == pytest.approx(s.synthetic_effect) for s in own)


def test_linked_target_errors(funnel):
    tables, schema = funnel
    with pytest.raises(ValueError, match="table.column"):
        linked_fidelity(tables, tables, schema, target="deals")
    with pytest.raises(ValueError, match="key or identifier"):
        linked_fidelity(tables, tables, schema, target="deals.seller_id")


def test_rows_of_one_customer_are_not_independent_evidence(bank):
    # every real customer with four identical deals: as evidence for a customer attribute's effect on the
    # deals, that is the customer once, not four times (cluster-robust SEs, clustered by customer)
    customers = bank.drop(columns="y").iloc[:3000].assign(cid=np.arange(3000))
    deals = pd.DataFrame({"cid": np.repeat(customers["cid"], 4), "y": np.repeat(bank["y"].iloc[:3000], 4)})
    schema = Schema.model_validate({"tables": {
        "customers": {"primary_key": "cid", "columns": {"cid": {"kind": "key"}, "job": {"kind": "categorical"},
                                                        "poutcome": {"kind": "categorical"}}},
        "deals": {"foreign_keys": [{"column": "cid", "parent": "customers", "parent_column": "cid"}],
                  "columns": {"cid": {"kind": "key"}, "y": {"kind": "categorical"}}}}})
    tables = {"customers": customers[["cid", "job", "poutcome"]], "deals": deals}
    linked = linked_fidelity(tables, tables, schema, target="deals.y", positive="yes")
    won = (bank["y"].iloc[:3000] == "yes").to_numpy()
    for seg in linked.per_segment:
        inside = (customers[seg.column.split(".")[1]] == seg.level).to_numpy()
        m1, m2 = won[inside].mean(), won[~inside].mean()
        # the z of 3,000 independent customers (unpooled SE, small-sample factor g / (g - 1))
        se = math.sqrt((m1 * (1 - m1) / inside.sum() + m2 * (1 - m2) / (~inside).sum()) * 3000 / 2999)
        assert seg.real_z == pytest.approx((m1 - m2) / se, rel=1e-6)  # not twice that (4 rows each)
    assert sum(s.significant for s in linked.per_segment) >= 5


def test_false_discovery_rate_drops_chance_effects_and_keeps_real_ones(bank):
    noise = bank.assign(y=np.random.default_rng(4).permutation(bank["y"].to_numpy()))
    loose = segment_fidelity(noise, noise, "y")
    strict = segment_fidelity(noise, noise, "y", fdr=0.05)
    assert loose.significant >= 1 and strict.significant == 0  # the target is shuffled: every effect is chance
    assert strict.fdr == 0.05 and loose.fdr is None
    real_loose, real_strict = segment_fidelity(bank, bank, "y"), segment_fidelity(bank, bank, "y", fdr=0.05)
    assert real_strict.significant >= 0.9 * real_loose.significant
    kept = {(s.column, s.level) for s in real_strict.per_segment if s.significant}
    assert kept <= {(s.column, s.level) for s in real_loose.per_segment if s.significant}
