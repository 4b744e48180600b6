"""The Hypothesis Lab end to end on the demo workspace: the planted effects, the rules, the boundaries."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

import duckdb
import pandas as pd
import pytest

from sandbox.errors import AccessDenied, InputError, UnknownObject
from sandbox.governance import audit
from sandbox.governance.access import User
from sandbox.lab import sizes
from sandbox.lab.data import breakdown, rows, schema
from sandbox.lab.hypothesis import HypothesisSpec, run_hypothesis, sample_size
from sandbox.lab.proposals import ProposalForm, draft_from_result, hypothesis_text, save_proposal
from sandbox.lab.query import Filter, Measure, Metric, Population, Ref, Split
from sandbox.release.datasets import open_dataset
from tests.conftest import MARKETER, REPO, STEWARD

WON = [Filter(table="deals", column="stage", value="won")]
CONVERSION = Metric(kind="rate", table="deals", where=WON)


def spec(dataset: str, **parts) -> HypothesisSpec:
    base = dict(dataset=dataset, population=Population(unit="deals"),
                split=Split(table="deals", column="channel", b=["phone"], a=["email"]), metric=CONVERSION)
    return HypothesisSpec(**{**base, **parts})


@pytest.fixture(scope="module")
def frames(demo_workspace) -> dict[str, pd.DataFrame]:
    """The published synthetic tables, read directly: the reference the Lab's SQL must agree with."""
    ws, dataset = demo_workspace
    with open_dataset(ws, MARKETER, dataset) as con:
        return {t: con.execute(f'SELECT * FROM "{t}"').df() for t in ("customers", "deals")}


def last_event(ws) -> tuple:
    with ws.governance() as g:
        return g.execute("SELECT action, object, actor, CAST(details AS VARCHAR) FROM audit ORDER BY seq DESC "
                         "LIMIT 1").fetchone()


# ---------------------------------------------------------------- the planted structure


def test_phone_converts_better_than_email_as_planted(demo_workspace, frames):
    ws, dataset = demo_workspace
    result = run_hypothesis(ws, MARKETER, spec(dataset))
    deals = frames["deals"]
    rate = deals.assign(won=deals["stage"] == "won").groupby("channel")["won"].agg(["mean", "size"])
    assert result.b.value == pytest.approx(rate.loc["phone", "mean"])
    assert result.a.value == pytest.approx(rate.loc["email", "mean"])
    assert (result.a.n, result.b.n) == (rate.loc["email", "size"], rate.loc["phone", "size"])
    assert result.test.test == "two_proportion_z" and result.test.difference > 0 and result.test.significant
    assert result.verdict == "significant" and not result.too_small
    assert result.test.ci_low > 0  # the whole interval is above zero
    assert "higher than in deals.channel = email" in result.conclusion["en"]
    assert "выше, чем в группе «deals.channel = email»" in result.conclusion["ru"]
    assert "matched real data in" in result.conclusion["en"]
    assert "совпали с реальными данными" in result.conclusion["ru"]
    assert result.fidelity is not None and result.population == len(deals)


def test_a_discount_lifts_conversion_for_the_silver_tier(demo_workspace, frames):
    ws, dataset = demo_workspace
    silver = Filter(table="customers", column="loyalty_tier", value="silver")
    result = run_hypothesis(ws, MARKETER, spec(dataset, population=Population(unit="deals", filters=[silver]),
                                               split=Split(table="deals", column="discount", b=[0.2], a=[0.0])))
    customers, deals = frames["customers"], frames["deals"]
    mine = deals[deals["customer_id"].isin(customers.loc[customers["loyalty_tier"] == "silver", "customer_id"])]
    for group, discount in ((result.a, 0.0), (result.b, 0.2)):
        chosen = mine[mine["discount"] == discount]
        assert group.n == len(chosen) and group.value == pytest.approx((chosen["stage"] == "won").mean())
    assert result.test.difference > 0
    assert result.fields_used() == ["customers.loyalty_tier", "deals.discount", "deals.stage"]


def test_customers_first_reached_by_phone_vs_email(demo_workspace, frames):
    ws, dataset = demo_workspace
    first = Split(table="deals", column="channel", b=["phone"], a=["email"], pick="first")
    result = run_hypothesis(ws, MARKETER, spec(dataset, population=Population(unit="customers"), split=first))
    deals = frames["deals"].sort_values(["created_at", "deal_id"])
    first_channel = deals.groupby("customer_id")["channel"].first()
    has_won = deals.groupby("customer_id")["stage"].apply(lambda s: (s == "won").any())
    for group, channel in ((result.a, "email"), (result.b, "phone")):
        chosen = first_channel.index[first_channel == channel]
        assert group.n == len(chosen) and group.value == pytest.approx(has_won[chosen].mean())
    assert result.a.label["en"] == "first deals.channel = email"


# ---------------------------------------------------------------- every metric gets its test


@pytest.mark.parametrize(("metric", "tests"), [
    (Metric(kind="churn", table="support_tickets", where=[Filter(table="support_tickets", column="category",
                                                                  value="billing")]), {"two_proportion_z"}),
    (Metric(kind="mean", table="deals", column="amount"), {"welch_t", "bootstrap"}),
    (Metric(kind="median", table="deals", column="amount", agg="mean"), {"mann_whitney_u"}),
    (Metric(kind="count", table="deals", where=WON), {"welch_t", "bootstrap"}),
    (Metric(kind="duration", table="deals", column="created_at", where=WON,
            start=Ref(table="customers", column="signup_date")), {"mann_whitney_u"}),
    (Metric(kind="category", table="customers", column="loyalty_tier"), {"chi_square"}),
])
def test_each_metric_runs_the_test_that_fits_it(demo_workspace, metric, tests):
    ws, dataset = demo_workspace
    split = Split(table="customers", column="marketing_consent", b=["True"])
    result = run_hypothesis(ws, MARKETER, spec(dataset, population=Population(unit="customers"), split=split,
                                               metric=metric))
    assert result.test.test in tests
    assert result.a.n + result.b.n <= result.population
    assert result.conclusion["en"] and result.conclusion["ru"] and result.metric_label["ru"]
    if metric.kind == "duration":  # customers without a won deal have no duration and are left out
        assert result.a.units > result.a.n and "no value of the metric" in result.warnings["en"][0]


# ---------------------------------------------------------------- the rules


def test_groups_under_the_minimum_size_get_no_verdict(demo_workspace):
    ws, dataset = demo_workspace
    few = Filter(table="deals", column="deal_id", op="in", value=list(range(1, 41)))
    result = run_hypothesis(ws, MARKETER, spec(dataset, population=Population(unit="deals", filters=[few]),
                                               split=Split(table="deals", column="channel", b=["phone"])))
    assert result.a.n + result.b.n == 40 and min(result.a.n, result.b.n) < ws.settings.min_group_size
    assert result.too_small and result.verdict == "too_small" and not result.test.significant
    assert result.conclusion["en"].startswith("Too small to conclude")
    assert result.conclusion["ru"].startswith("Слишком мало данных для вывода")


def test_an_empty_group_is_too_small_too(demo_workspace):
    ws, dataset = demo_workspace
    result = run_hypothesis(ws, MARKETER, spec(dataset, split=Split(table="deals", column="channel",
                                                                     b=["pigeon post"], a=["email"])))
    assert result.b.n == 0 and result.too_small and "group deals.channel = pigeon post is empty" in \
        result.conclusion["en"]


@pytest.mark.parametrize("evil", ["won' OR '1'='1", "x'); DROP TABLE deals; --"])
def test_sql_in_values_is_only_a_value(demo_workspace, evil):
    ws, dataset = demo_workspace
    bad = Filter(table="deals", column="stage", value=evil)
    result = run_hypothesis(ws, MARKETER, spec(dataset, population=Population(unit="deals", filters=[bad])))
    assert result.population == 0 and result.too_small
    with open_dataset(ws, MARKETER, dataset) as con:
        assert con.execute("SELECT count(*) FROM deals").fetchone()[0] > 0
    action, _, _, details = last_event(ws)
    assert action == "lab.query" and evil in json.loads(details)["spec"]["population"]["filters"][0]["value"]
    with ws.governance() as g:
        assert audit.verify(g).ok


def test_unknown_names_and_bad_values_are_clear_errors(demo_workspace):
    ws, dataset = demo_workspace
    with pytest.raises(UnknownObject, match="no column 'chanel' in table 'deals'"):
        run_hypothesis(ws, MARKETER, spec(dataset, split=Split(table="deals", column="chanel", b=["phone"])))
    with pytest.raises(UnknownObject, match="no table 'orders'"):
        run_hypothesis(ws, MARKETER, spec(dataset, metric=Metric(kind="rate", table="orders", where=[
            Filter(table="orders", column="paid", value=True)])))
    with pytest.raises(InputError, match="deals.amount: 'many' is not a valid double"):
        run_hypothesis(ws, MARKETER, spec(dataset, population=Population(unit="deals", filters=[
            Filter(table="deals", column="amount", op=">", value="many")])))


# ---------------------------------------------------------------- the boundaries


def test_only_published_datasets_and_only_analysts(demo_workspace):
    ws, dataset = demo_workspace
    staged = "staged-copy"
    ws.staging_path(staged).write_bytes(ws.dataset_path(dataset).read_bytes())
    with ws.governance() as g:
        g.execute("INSERT INTO datasets (id, source, snapshot_id, model_id, generator, seed, rows, created_at, "
                  "created_by, status) SELECT ?, source, snapshot_id, model_id, generator, seed, rows, now(), "
                  "'stella', 'staged' FROM datasets WHERE id = ?", [staged, dataset])
    try:
        for user in (STEWARD, MARKETER):
            with pytest.raises(UnknownObject, match="not published"):
                run_hypothesis(ws, user, spec(staged))
            with pytest.raises(UnknownObject, match="not published"):
                breakdown(ws, user, staged, "deals", "channel")
    finally:
        with ws.governance() as g:
            g.execute("DELETE FROM datasets WHERE id = ?", [staged])
        ws.staging_path(staged).unlink()
    with pytest.raises(UnknownObject, match="no dataset 'missing'"):
        run_hypothesis(ws, MARKETER, spec("missing"))
    with pytest.raises(AccessDenied):
        run_hypothesis(ws, User(name="ada", role="admin"), spec(dataset))


def test_the_lab_never_opens_the_vault(demo_workspace, monkeypatch):
    """Every DuckDB file the Lab opens, through all its entry points, is the dataset or the governance store."""
    ws, dataset = demo_workspace
    opened: list[str] = []
    real_connect = duckdb.connect

    def recording(database=":memory:", *args, **kwargs):
        opened.append(str(database))
        return real_connect(database, *args, **kwargs)

    monkeypatch.setattr(duckdb, "connect", recording)
    result = run_hypothesis(ws, MARKETER, spec(dataset))
    breakdown(ws, MARKETER, dataset, "deals", "channel", [Measure(kind="rate", column="stage", value="won")])
    rows(ws, MARKETER, dataset, "deals", WON)
    schema(ws, MARKETER, dataset)
    save_proposal(ws, MARKETER, result, FORM)
    assert opened and set(opened) <= {str(ws.dataset_path(dataset)), str(ws.governance_path)}


def test_no_lab_module_can_reach_the_vault():
    """Statically: no Lab module names the vault; dynamically: importing all of them loads no vault module."""
    files = [*(REPO / "sandbox" / "lab").glob("*.py"), REPO / "sandbox" / "ui" / "lab_view.py",
             REPO / "sandbox" / "ui" / "lab_widgets.py", REPO / "sandbox" / "ui" / "pages" / "lab.py"]
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        names += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        attrs = [n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)]
        assert not [m for m in names if m and ("vault" in m or "pseudonym" in m)], path
        assert "vault_path" not in attrs and "pseudonym_key" not in attrs, path
    code = ("import sys, sandbox.lab.query, sandbox.lab.data, sandbox.lab.hypothesis, sandbox.lab.proposals, "
            "sandbox.council; print(sorted(m for m in sys.modules if 'vault' in m or 'pseudonym' in m))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "[]"


def test_every_lab_query_is_one_audit_event(demo_workspace):
    ws, dataset = demo_workspace
    with ws.governance() as g:
        before = g.execute("SELECT count(*) FROM audit WHERE action = 'lab.query'").fetchone()[0]
    run_hypothesis(ws, MARKETER, spec(dataset))
    action, obj, actor, details = last_event(ws)
    assert (action, obj, actor) == ("lab.query", dataset, "mark")
    assert json.loads(details)["fields"] == ["deals.channel", "deals.stage"]
    breakdown(ws, MARKETER, dataset, "deals", "channel")
    with ws.governance() as g:
        assert g.execute("SELECT count(*) FROM audit WHERE action = 'lab.query'").fetchone()[0] == before + 2


# ---------------------------------------------------------------- rollout size


def test_sample_size_uses_the_observed_effect_and_the_statistics_module(demo_workspace):
    ws, dataset = demo_workspace
    result = run_hypothesis(ws, MARKETER, spec(dataset))
    size = result.sample_size
    assert size is not None and size.n_a == sizes.sample_size_proportions(result.a.value, result.b.value)
    assert size.total == size.n_a + size.n_b
    smaller = sample_size(result, effect=result.test.difference / 2, power=0.9, alpha=0.01, ratio=2)
    assert smaller.n_a == sizes.sample_size_proportions(result.a.value, result.a.value + result.test.difference / 2,
                                                        alpha=0.01, power=0.9, ratio=2)
    assert smaller.n_b == 2 * smaller.n_a and smaller.total > size.total
    assert "z" in smaller.method["en"] and "z-тест" in smaller.method["ru"]


def test_sample_size_for_a_mean_and_for_no_effect(demo_workspace):
    ws, dataset = demo_workspace
    result = run_hypothesis(ws, MARKETER, spec(dataset, metric=Metric(kind="mean", table="deals", column="amount")))
    sd = ((result.a.sd ** 2 + result.b.sd ** 2) / 2) ** 0.5
    assert sample_size(result, effect=50).n_a == sizes.sample_size_means(50, sd)
    none = sample_size(result, effect=0)
    assert none.total is None and "No difference" in none.method["en"]


# ---------------------------------------------------------------- explore: breakdown, rows, schema


def test_breakdown_agrees_with_pandas_and_flags_small_groups(demo_workspace, frames):
    ws, dataset = demo_workspace
    result = breakdown(ws, MARKETER, dataset, "deals", "channel",
                       [Measure(kind="count"), Measure(kind="rate", column="stage", value="won"),
                        Measure(kind="mean", column="amount")])
    deals = frames["deals"]
    expected = deals.assign(won=deals["stage"] == "won").groupby("channel").agg(
        rows=("won", "size"), rate=("won", "mean"), amount=("amount", "mean"))
    got = result.frame.set_index("group")
    assert got["rows"].to_dict() == expected["rows"].to_dict() and result.rows_in_population == len(deals)
    assert got["rate(stage = won)"].to_dict() == pytest.approx(expected["rate"].to_dict())
    assert got["mean(amount)"].to_dict() == pytest.approx(expected["amount"].to_dict())
    assert (got["too_small"] == (got["rows"] < ws.settings.min_group_size)).all()


def test_rows_and_schema(demo_workspace, frames):
    ws, dataset = demo_workspace
    page, total = rows(ws, MARKETER, dataset, "deals", WON, offset=0, limit=10)
    assert len(page) == 10 and set(page["stage"]) == {"won"} and total == (frames["deals"]["stage"] == "won").sum()
    sch = schema(ws, MARKETER, dataset)
    parents = {t.name: t.parent.parent if t.parent else None for t in sch.tables}
    assert parents == {"customers": None, "deals": "customers", "interactions": "deals",
                       "support_tickets": "customers"}
    assert sch.table("deals").rows == len(frames["deals"])
    assert '"customers" -> "deals"' in sch.to_dot() and '"deals" -> "interactions"' in sch.to_dot()


# ---------------------------------------------------------------- proposals

FORM = ProposalForm(title="Phone first", change="calling new leads first", segment="new leads",
                    outcome="win more deals", reason="phone deals convert better on synthetic data",
                    guardrail_metrics=["complaints per customer"], channel="phone", audience_size=2000,
                    third_parties=["CallCenter Ltd"])


def test_a_result_becomes_a_council_draft_with_derived_fields(demo_workspace):
    from sandbox.council import get

    ws, dataset = demo_workspace
    silver = Filter(table="customers", column="loyalty_tier", value="silver")
    result = run_hypothesis(ws, MARKETER, spec(dataset, population=Population(unit="deals", filters=[silver])))
    proposal = save_proposal(ws, MARKETER, result, FORM)
    stored = get(ws, MARKETER, proposal.id)
    assert stored.state == "draft" and stored.proposer == "mark" and stored.dataset == dataset
    assert stored.hypothesis == ("We believe that calling new leads first for new leads will win more deals "
                                 "because phone deals convert better on synthetic data.")
    assert stored.fields_used == ["customers.loyalty_tier", "deals.channel", "deals.stage"]
    assert [f.ref for f in stored.segment.filters] == ["customers.loyalty_tier"]
    assert stored.metric == "deals.stage=won" and stored.channel == "phone" and stored.audience_size == 2000
    assert [p.name for p in stored.third_parties] == ["CallCenter Ltd"]
    assert stored.evidence["test"]["test"] == "two_proportion_z"
    with pytest.raises(AccessDenied):
        save_proposal(ws, User(name="cora", role="council", seat="security"), result, FORM)


def test_the_hypothesis_sentence_in_both_languages(demo_workspace):
    ru = FORM.model_copy(update={"lang": "ru", "change": "звонить новым лидам первыми", "segment": "новых лидов",
                                 "outcome": "выиграем больше сделок", "reason": "так показывают данные"})
    assert hypothesis_text(ru) == ("Мы считаем, что звонить новым лидам первыми для новых лидов приведёт к тому, "
                                   "что выиграем больше сделок, потому что так показывают данные.")
    ws, dataset = demo_workspace
    draft = draft_from_result(run_hypothesis(ws, MARKETER, spec(dataset)), ru)
    assert draft.audience == "все deals" and draft.hypothesis == hypothesis_text(ru)


def test_a_split_above_the_unit_warns_that_its_units_are_clustered(demo_workspace):
    """Deals split by their customer's gender: all deals of one customer land in one group, so the deals
    are not independent evidence. Asked with customers as the unit, the note is gone."""
    ws, dataset = demo_workspace
    by_gender = Split(table="customers", column="gender", b=["F"])
    per_deal = run_hypothesis(ws, MARKETER, spec(dataset, split=by_gender))
    note = [w for w in per_deal.warnings["en"] if "fall in the same group" in w]
    assert note == ["All deals rows of one customers row fall in the same group, so the test counts them as "
                    "independent evidence when they are not, and its p-value is too small. For a sound p-value, "
                    "ask the same question with customers as the population's unit."]
    assert any("p-значение занижено" in w for w in per_deal.warnings["ru"])
    per_customer = run_hypothesis(ws, MARKETER, spec(dataset, population=Population(unit="customers"),
                                                     split=by_gender))
    assert per_customer.a.units + per_customer.b.units < per_deal.a.units + per_deal.b.units
    assert not [w for w in per_customer.warnings["en"] if "fall in the same group" in w]
    own = run_hypothesis(ws, MARKETER, spec(dataset))  # deals split by their own channel
    assert not [w for w in own.warnings["en"] if "fall in the same group" in w]
