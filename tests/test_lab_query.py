"""The Lab's query model compiled to DuckDB SQL, on a tiny hand-made CRM whose answers are known by heart."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from pydantic import ValidationError

from sandbox.errors import InputError, UnknownObject
from sandbox.lab.query import (
    Filter,
    Link,
    Measure,
    Metric,
    Population,
    Ref,
    Split,
    Structure,
    compile_breakdown,
    compile_population_size,
    compile_rows,
    compile_units,
    infer_links,
    validate,
)

LINKS = {
    "deals": Link(column="customer_id", parent="customers", parent_column="customer_id"),
    "interactions": Link(column="deal_id", parent="deals", parent_column="deal_id"),
    "support_tickets": Link(column="customer_id", parent="customers", parent_column="customer_id"),
}
WON = [Filter(table="deals", column="stage", value="won")]
Q3 = Filter(table="deals", column="created_at", op="between", value=["2024-07-01", "2024-09-30 23:59:59"])
# customer identity as a metric: score = 10 x id, so a group's values name its customers
WHO = Metric(kind="mean", table="customers", column="score")


def _tiny() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("""CREATE TABLE customers AS SELECT * FROM (VALUES
        (1, 'gold', TIMESTAMP '2023-12-01', 10.0), (2, 'silver', TIMESTAMP '2024-01-01', 20.0),
        (3, 'silver', TIMESTAMP '2024-02-01', 30.0), (4, 'bronze', TIMESTAMP '2024-03-01', 40.0),
        (5, NULL, TIMESTAMP '2024-04-01', 50.0), (6, 'gold', TIMESTAMP '2024-05-01', 60.0))
        t(customer_id, loyalty_tier, signup_date, score)""")
    con.execute("""CREATE TABLE deals AS SELECT * FROM (VALUES
        (1, 1, TIMESTAMP '2024-07-10', 'phone', 100.0, 'won'), (2, 1, TIMESTAMP '2024-01-05', 'email', 50.0, 'lost'),
        (3, 2, TIMESTAMP '2024-08-01', 'email', 70.0, 'lost'), (4, 2, TIMESTAMP '2024-02-01', 'phone', 30.0, 'won'),
        (5, 3, TIMESTAMP '2024-03-01', 'web', 20.0, 'won'), (6, 4, TIMESTAMP '2024-09-15', 'phone', 10.0, 'lost'))
        t(deal_id, customer_id, created_at, channel, amount, stage)""")
    con.execute("""CREATE TABLE interactions AS SELECT * FROM (VALUES
        (1, 1, 'meeting'), (2, 1, 'reached'), (3, 3, 'reached'), (4, 6, 'meeting'))
        t(interaction_id, deal_id, outcome)""")
    con.execute("""CREATE TABLE support_tickets AS SELECT * FROM (VALUES (1, 2, 'billing'), (2, 5, 'delivery'))
        t(ticket_id, customer_id, category)""")
    return con


@pytest.fixture()
def db() -> Iterator[tuple[duckdb.DuckDBPyConnection, Structure]]:
    con = _tiny()
    yield con, Structure.read(con, LINKS)
    con.close()


def groups(db, population: Population, split: Split, metric: Metric) -> dict[str, list]:
    """Each group's per-unit values, sorted (None for a unit without a value)."""
    con, structure = db
    validate(con, structure, population, split, metric)
    sql, params = compile_units(structure, population, split, metric)
    out: dict[str, list] = {"A": [], "B": []}
    for grp, val in con.execute(sql, params).fetchall():
        out[grp].append(val)
    return {g: sorted(v, key=lambda x: (x is None, x)) for g, v in out.items()}


def ids(db, population: Population) -> list[int]:
    con, structure = db
    sql, params = compile_rows(structure, population, limit=100, offset=0)
    key = "customer_id" if population.unit == "customers" else f"{population.unit.rstrip('s')}_id"
    return sorted(con.execute(sql, params).df()[key].tolist())


# ---------------------------------------------------------------- populations across linked tables


def test_a_filter_on_a_child_table_means_has_such_a_row(db):
    assert ids(db, Population(unit="customers", filters=[Q3])) == [1, 2, 4]


def test_filters_on_one_child_table_hold_for_the_same_row(db):
    # customer 2 has a deal in Q3 (lost) and a won deal (February), but no won deal in Q3
    assert ids(db, Population(unit="customers", filters=[Q3, *WON])) == [1]


def test_a_filter_on_a_parent_table_keeps_the_children_of_matching_parents(db):
    silver = Filter(table="customers", column="loyalty_tier", value="silver")
    assert ids(db, Population(unit="deals", filters=[silver])) == [3, 4, 5]


def test_a_filter_two_levels_down_and_one_on_a_cousin_table(db):
    meeting = Filter(table="interactions", column="outcome", value="meeting")
    assert ids(db, Population(unit="customers", filters=[meeting])) == [1, 4]
    billing = Filter(table="support_tickets", column="category", value="billing")
    assert ids(db, Population(unit="deals", filters=[billing])) == [3, 4]


@pytest.mark.parametrize(("f", "expected"), [
    (Filter(table="customers", column="loyalty_tier", op="is null"), [5]),
    (Filter(table="customers", column="loyalty_tier", op="is not null"), [1, 2, 3, 4, 6]),
    (Filter(table="customers", column="loyalty_tier", op="in", value=["gold", "bronze"]), [1, 4, 6]),
    (Filter(table="customers", column="loyalty_tier", op="not in", value=["gold"]), [2, 3, 4]),
    (Filter(table="customers", column="loyalty_tier", op="!=", value="gold"), [2, 3, 4]),
    (Filter(table="customers", column="score", op=">=", value=40), [4, 5, 6]),
    (Filter(table="customers", column="score", op="<", value="25"), [1, 2]),
    (Filter(table="customers", column="signup_date", op="between", value=["2024-01-01", "2024-03-01"]), [2, 3, 4]),
    (Filter(table="deals", column="amount", op=">", value=60), [1, 2]),
])
def test_every_operator(db, f, expected):
    assert ids(db, Population(unit="customers", filters=[f])) == expected


# ---------------------------------------------------------------- splits


def test_split_on_the_unit_table_with_everyone_else_including_missing_values(db):
    split = Split(table="customers", column="loyalty_tier", b=["gold"])
    assert groups(db, Population(unit="customers"), split, WHO) == {"B": [10, 60], "A": [20, 30, 40, 50]}


def test_split_by_the_first_linked_row(db):
    # first deals by date: customer 1 email (January), 2 phone (February), 3 web, 4 phone; 5 and 6 have none
    first = Split(table="deals", column="channel", b=["phone"], a=["email"], pick="first")
    assert groups(db, Population(unit="customers"), first, WHO) == {"B": [20, 40], "A": [10]}
    rest = Split(table="deals", column="channel", b=["phone"], pick="first")
    assert groups(db, Population(unit="customers"), rest, WHO) == {"B": [20, 40], "A": [10, 30]}


def test_split_by_any_linked_row_leaves_out_units_with_both_kinds(db):
    both = Split(table="deals", column="channel", b=["phone"], a=["email"])
    assert groups(db, Population(unit="customers"), both, WHO) == {"B": [40], "A": []}
    rest = Split(table="deals", column="channel", b=["phone"])
    assert groups(db, Population(unit="customers"), rest, WHO) == {"B": [10, 20, 40], "A": [30, 50, 60]}


def test_split_on_a_parent_table_from_the_deal_level(db):
    split = Split(table="customers", column="loyalty_tier", b=["silver"], a=["gold"])
    got = groups(db, Population(unit="deals"), split, Metric(kind="mean", table="deals", column="amount"))
    assert got == {"B": [20, 30, 70], "A": [50, 100]}


def test_split_values_must_not_overlap():
    with pytest.raises(ValidationError, match="both groups"):
        Split(table="deals", column="channel", b=["phone"], a=["phone", "email"])


# ---------------------------------------------------------------- metrics

EVERYONE = Split(table="customers", column="score", b=[10, 20, 30], a=[40, 50, 60])


@pytest.mark.parametrize(("metric", "b", "a"), [
    (Metric(kind="rate", table="deals", where=WON), [1, 1, 1], [0, 0, 0]),
    (Metric(kind="churn", table="customers", where=[Filter(table="customers", column="loyalty_tier", value="gold")]),
     [0, 0, 1], [0, 0, 1]),
    (Metric(kind="count", table="deals"), [1, 2, 2], [0, 0, 1]),
    (Metric(kind="count", table="deals", where=WON), [1, 1, 1], [0, 0, 0]),
    (Metric(kind="count", table="interactions"), [0, 1, 2], [0, 0, 1]),
    (Metric(kind="mean", table="deals", column="amount"), [20, 100, 150], [0, 0, 10]),
    (Metric(kind="mean", table="deals", column="amount", agg="mean"), [20, 50, 75], [10, None, None]),
    (Metric(kind="median", table="deals", column="amount", where=WON), [20, 30, 100], [0, 0, 0]),
    (Metric(kind="category", table="customers", column="loyalty_tier"), ["gold", "silver", "silver"],
     ["bronze", "gold", None]),
])
def test_metric_values_per_customer(db, metric, b, a):
    assert groups(db, Population(unit="customers"), EVERYONE, metric) == {"B": b, "A": a}


def test_time_to_the_first_won_deal_in_days(db):
    metric = Metric(kind="duration", table="deals", column="created_at", where=WON,
                    start=Ref(table="customers", column="signup_date"))
    got = groups(db, Population(unit="customers"), EVERYONE, metric)
    # customer 1: 2023-12-01 -> 2024-07-10 (222 days); 2: 2024-01-01 -> 02-01 (31); 3: 02-01 -> 03-01 (29)
    assert got == {"B": [29, 31, 222], "A": [None, None, None]}


def test_a_rate_on_the_unit_itself_and_on_its_parent(db):
    by_channel = Split(table="deals", column="channel", b=["phone"])
    assert groups(db, Population(unit="deals"), by_channel, Metric(kind="rate", table="deals", where=WON)) == {
        "B": [0, 1, 1], "A": [0, 0, 1]}
    gold = Metric(kind="rate", table="customers", where=[Filter(table="customers", column="loyalty_tier",
                                                                value="gold")])
    assert groups(db, Population(unit="deals"), by_channel, gold) == {"B": [0, 0, 1], "A": [0, 0, 1]}


@pytest.mark.parametrize(("metric", "message"), [
    (Metric(kind="count", table="customers"), "count needs a table below"),
    (Metric(kind="mean", table="deals", column="stage"), "not numbers"),
    (Metric(kind="duration", table="deals", column="amount", start=Ref(table="customers", column="signup_date")),
     "not dates"),
    (Metric(kind="duration", table="deals", column="created_at", start=Ref(table="customers", column="score")),
     "must be a date"),
    (Metric(kind="category", table="deals", column="channel"), "is below"),
])
def test_metrics_that_do_not_fit_the_unit_say_why(db, metric, message):
    with pytest.raises(InputError, match=message):
        groups(db, Population(unit="customers"), EVERYONE, metric)


@pytest.mark.parametrize("kwargs", [
    dict(kind="rate", table="deals"),
    dict(kind="mean", table="deals"),
    dict(kind="duration", table="deals", column="created_at"),
    dict(kind="rate", table="deals", where=[Filter(table="customers", column="loyalty_tier", value="gold")]),
])
def test_incomplete_metrics_are_refused(kwargs):
    with pytest.raises(ValidationError):
        Metric(**kwargs)


@pytest.mark.parametrize("kwargs", [
    dict(op="in", value=[]), dict(op="between", value=[1]), dict(op="between", value=5),
    dict(op="=", value=None), dict(op="=", value=[1, 2]), dict(op="in", value=[None]),
])
def test_values_must_fit_the_operator(kwargs):
    with pytest.raises(ValidationError):
        Filter(table="deals", column="amount", **kwargs)


def test_null_tests_ignore_a_value_and_scalars_become_lists():
    assert Filter(table="t", column="c", op="is null", value="x").value is None
    assert Filter(table="t", column="c", op="in", value="x").value == ["x"]


# ---------------------------------------------------------------- safety and errors


@pytest.mark.parametrize("evil", ["won' OR '1'='1", "won'; DROP TABLE deals; --", "$1 ?", "\" OR 1=1 --"])
def test_values_are_parameters_never_sql(db, evil):
    con, structure = db
    population = Population(unit="deals", filters=[Filter(table="deals", column="stage", value=evil)])
    sql, params = compile_population_size(structure, population)
    assert evil not in sql and list(params.values()) == [evil]
    assert con.execute(sql, params).fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM deals").fetchone()[0] == 6


def test_names_must_exist_and_every_unknown_name_is_reported_at_once(db):
    con, structure = db
    population = Population(unit="customers", filters=[
        Filter(table="deals", column='stage" OR 1=1 --', value="x"),
        Filter(table="orders", column="total", value=1)])
    split = Split(table="customers", column="segment", b=["x"])
    with pytest.raises(UnknownObject) as err:
        validate(con, structure, population, split, WHO)
    text = str(err.value)
    assert "no column 'stage\" OR 1=1 --' in table 'deals'" in text
    assert "no table 'orders'" in text and "no column 'segment' in table 'customers'" in text
    with pytest.raises(UnknownObject, match="no table 'nowhere'"):
        compile_rows(structure, Population(unit="nowhere"), limit=1, offset=0)


def test_values_that_do_not_fit_the_column_type_are_named(db):
    con, structure = db
    population = Population(unit="customers", filters=[
        Filter(table="deals", column="amount", op=">", value="lots"),
        Filter(table="deals", column="created_at", op="between", value=["2024-01-01", "yesterday"])])
    with pytest.raises(InputError) as err:
        validate(con, structure, population)
    assert "deals.amount: 'lots' is not a valid double" in str(err.value)
    assert "deals.created_at: 'yesterday' is not a valid timestamp" in str(err.value)


def test_tables_without_a_link_are_refused(db):
    con, _ = db
    unlinked = Structure.read(con, {})
    with pytest.raises(InputError, match="not linked to 'customers'"):
        validate(con, unlinked, Population(unit="customers", filters=[Q3]))


def test_links_are_inferred_from_id_columns(db):
    con, _ = db
    assert Structure.read(con).links == LINKS
    assert infer_links({"a": {"x": "INTEGER"}}) == {}


# ---------------------------------------------------------------- breakdowns and pages


def test_breakdown_groups_in_sql_with_a_rate_and_a_mean(db):
    con, structure = db
    measures = [Measure(kind="count"), Measure(kind="rate", column="stage", value="won"),
                Measure(kind="mean", column="amount"), Measure(kind="sum", column="amount")]
    silver_or_gold = Filter(table="customers", column="loyalty_tier", op="in", value=["silver", "gold"])
    sql, params = compile_breakdown(structure, Population(unit="deals", filters=[silver_or_gold]), "channel",
                                    measures)
    frame = con.execute(sql, params).df().set_index("group")
    assert frame.loc["phone", "rows"] == 2 and frame.loc["email", "rows"] == 2 and frame.loc["web", "rows"] == 1
    assert frame.loc["phone", "rate(stage = won)"] == 1.0 and frame.loc["email", "rate(stage = won)"] == 0.0
    assert frame.loc["email", "mean(amount)"] == 60.0 and frame.loc["phone", "sum(amount)"] == 130.0
    assert set(frame["__population"]) == {5}


def test_breakdown_by_month_and_its_refusals(db):
    con, structure = db
    sql, params = compile_breakdown(structure, Population(unit="deals"), "created_at", [Measure(kind="count")],
                                    bucket="month")
    months = con.execute(sql, params).df()
    assert len(months) == 6 and months["rows"].sum() == 6
    with pytest.raises(InputError, match="not a date"):
        compile_breakdown(structure, Population(unit="deals"), "channel", [], bucket="month")
    with pytest.raises(InputError, match="not a number"):
        compile_breakdown(structure, Population(unit="deals"), "channel", [Measure(kind="mean", column="stage")])


def test_rows_page_through_the_filtered_population(db):
    con, structure = db
    population = Population(unit="deals", filters=[Filter(table="deals", column="amount", op=">=", value=20)])
    first = con.execute(*compile_rows(structure, population, limit=2, offset=0)).df()
    second = con.execute(*compile_rows(structure, population, limit=2, offset=2)).df()
    assert first["deal_id"].tolist() == [1, 2] and second["deal_id"].tolist() == [3, 4]


# ---------------------------------------------------------------- a property: SQL agrees with pandas


@settings(max_examples=25, deadline=None)
@given(hs.lists(hs.tuples(hs.integers(1, 8), hs.sampled_from(["phone", "email", "web"]), hs.booleans()),
                max_size=30))
def test_customer_rates_match_a_pandas_reference(deals: list[tuple[int, str, bool]]):
    con = duckdb.connect()
    con.execute("CREATE TABLE customers AS SELECT range AS customer_id FROM range(1, 9)")
    frame = pd.DataFrame(deals, columns=["customer_id", "channel", "won"]).reset_index(names="deal_id")
    con.execute("CREATE TABLE deals AS SELECT deal_id::BIGINT AS deal_id, customer_id::BIGINT AS customer_id, "
                "channel::VARCHAR AS channel, CASE WHEN won THEN 'won' ELSE 'lost' END AS stage FROM frame")
    structure = Structure.read(con)
    split = Split(table="deals", column="channel", b=["phone"])
    sql, params = compile_units(structure, Population(unit="customers"), split, Metric(kind="rate", table="deals",
                                                                                       where=WON))
    got = {g: sorted(v for grp, v in con.execute(sql, params).fetchall() if grp == g) for g in "AB"}
    phone = set(frame.loc[frame["channel"] == "phone", "customer_id"])
    won = set(frame.loc[frame["won"], "customer_id"])
    expected = {g: sorted(int(c in won) for c in range(1, 9) if (c in phone) == (g == "B")) for g in "AB"}
    assert got == expected
    con.close()
