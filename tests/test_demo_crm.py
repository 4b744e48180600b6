"""The demo CRM: reproducible, referentially sound, locale-true, with its planted structure findable."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from generators.demo_crm import (
    CATEGORIES,
    CHANNELS,
    DISCOUNTS,
    LOYALTY_TIERS,
    OUTCOMES,
    TABLES,
    make_demo_crm,
    write_demo_crm,
)

COLUMNS = {
    "customers": [
        "customer_id", "full_name", "email", "phone", "birth_date", "city", "region", "gender",
        "signup_date", "marketing_consent", "loyalty_tier",
    ],
    "deals": ["deal_id", "customer_id", "created_at", "product", "channel", "amount", "discount", "stage"],
    "interactions": [
        "interaction_id", "deal_id", "occurred_at", "channel", "direction", "duration_sec", "outcome", "note",
    ],
    "support_tickets": ["ticket_id", "customer_id", "opened_at", "category", "text", "resolved"],
}
Crm = dict[str, pd.DataFrame]


@pytest.fixture(scope="module")
def crm() -> Crm:
    return make_demo_crm(2000, "en_US", seed=11)


@pytest.fixture(scope="module")
def crm_ru() -> Crm:
    return make_demo_crm(2000, "ru_RU", seed=11)


def z_two_proportions(a: pd.Series, b: pd.Series) -> float:
    """z statistic of mean(a) - mean(b) for two boolean samples."""
    pooled = (a.sum() + b.sum()) / (len(a) + len(b))
    return (a.mean() - b.mean()) / np.sqrt(pooled * (1 - pooled) * (1 / len(a) + 1 / len(b)))


def z_means(a: pd.Series, b: pd.Series) -> float:
    """Welch z statistic of mean(a) - mean(b)."""
    return (a.mean() - b.mean()) / np.sqrt(a.var() / len(a) + b.var() / len(b))


def deals_with_customers(crm: Crm) -> pd.DataFrame:
    deals = crm["deals"].merge(crm["customers"], on="customer_id", validate="many_to_one")
    deals["won"] = deals["stage"] == "won"
    deals["age"] = (deals["created_at"] - deals["birth_date"]).dt.days / 365.25
    return deals


# --- shape, reproducibility, integrity ---------------------------------------------------------


def test_tables_and_columns_are_exactly_as_documented(crm: Crm) -> None:
    assert tuple(crm) == TABLES
    for table, columns in COLUMNS.items():
        assert list(crm[table].columns) == columns, table
        assert len(crm[table]) > 0, table


def test_same_seed_same_tables_other_seed_differs() -> None:
    first, again, other = (make_demo_crm(300, "en_US", seed=s) for s in (5, 5, 6))
    for table in TABLES:
        pd.testing.assert_frame_equal(first[table], again[table])
    assert first["customers"]["full_name"].tolist() != other["customers"]["full_name"].tolist()
    assert not first["deals"]["amount"].equals(other["deals"]["amount"])


@pytest.mark.parametrize(
    ("table", "key", "pattern"),
    [
        ("customers", "customer_id", r"C\d{6}"),
        ("deals", "deal_id", r"D\d{6}"),
        ("interactions", "interaction_id", r"I\d{7}"),
        ("support_tickets", "ticket_id", r"T\d{6}"),
    ],
)
def test_primary_keys_unique_and_well_formed(crm: Crm, table: str, key: str, pattern: str) -> None:
    ids = crm[table][key]
    assert ids.is_unique
    assert ids.str.fullmatch(pattern).all()


def test_every_foreign_key_resolves(crm: Crm) -> None:
    customers, deals = set(crm["customers"]["customer_id"]), set(crm["deals"]["deal_id"])
    assert set(crm["deals"]["customer_id"]) <= customers
    assert set(crm["support_tickets"]["customer_id"]) <= customers
    assert set(crm["interactions"]["deal_id"]) == deals  # every deal has at least one interaction


def test_value_domains_and_types(crm: Crm) -> None:
    c, d, i, t = (crm[name] for name in TABLES)
    assert set(c["gender"]) == {"F", "M"} and set(c["loyalty_tier"]) == set(LOYALTY_TIERS)
    assert c["marketing_consent"].dtype == bool and t["resolved"].dtype == bool
    assert (c["birth_date"] == c["birth_date"].dt.normalize()).all()
    assert (c["signup_date"] == c["signup_date"].dt.normalize()).all()
    assert (c["signup_date"] >= c["birth_date"] + pd.DateOffset(years=18)).all()
    assert set(d["channel"]) == set(CHANNELS) and set(d["stage"]) == {"won", "lost"}
    assert set(d["discount"]) == set(DISCOUNTS)
    assert (d["amount"] > 0).all() and d["amount"].dtype == float
    assert d["product"].nunique() == 7
    assert set(i["outcome"]) == set(OUTCOMES) and set(i["direction"]) == {"inbound", "outbound"}
    assert i["duration_sec"].dtype == np.int64 and (i["duration_sec"] >= 0).all()
    assert (i.loc[i["channel"] == "email", "duration_sec"] == 0).all()
    assert (i.loc[i["channel"] == "phone", "duration_sec"] > 0).mean() > 0.5
    assert set(t["category"]) == set(CATEGORIES)
    assert i["note"].map(lambda s: isinstance(s, str) and len(s) > 5).all()


def test_children_happen_after_their_parents(crm: Crm) -> None:
    c, d, t = crm["customers"], crm["deals"], crm["support_tickets"]
    deals = d.merge(c, on="customer_id")
    assert (deals["created_at"] >= deals["signup_date"]).all()
    tickets = t.merge(c, on="customer_id")
    assert (tickets["opened_at"] >= tickets["signup_date"]).all()


def test_interactions_follow_their_deal_in_order(crm: Crm) -> None:
    i = crm["interactions"].merge(crm["deals"][["deal_id", "created_at"]], on="deal_id")
    assert (i["occurred_at"] > i["created_at"]).all()
    ordered = i.sort_values(["deal_id", "interaction_id"])
    same_deal = ordered["deal_id"].eq(ordered["deal_id"].shift())
    hours = ordered["occurred_at"].diff()[same_deal].dt.total_seconds() / 3600
    assert (hours > 0).all()  # strictly increasing within each deal, in id order
    assert crm["interactions"]["occurred_at"].is_monotonic_increasing  # ids follow time
    assert 2 < hours.median() < 72 and hours.quantile(0.9) > 24
    assert i["occurred_at"].dt.hour.between(8, 20).all()


# --- planted structure -------------------------------------------------------------------------


def test_conversion_depends_on_channel(crm: Crm) -> None:
    deals = deals_with_customers(crm)
    won = {ch: deals.loc[deals["channel"] == ch, "won"] for ch in CHANNELS}
    assert z_two_proportions(won["phone"], won["email"]) > 4
    assert z_two_proportions(won["store"], won["web"]) > 4


def test_conversion_rises_monotonically_with_discount(crm: Crm) -> None:
    deals = deals_with_customers(crm)
    rates = deals.groupby("discount")["won"].mean()
    assert list(rates.index) == list(DISCOUNTS)
    assert rates.is_monotonic_increasing and rates.is_unique
    top, none = deals.loc[deals["discount"] == 0.2, "won"], deals.loc[deals["discount"] == 0, "won"]
    assert z_two_proportions(top, none) > 4


def test_conversion_peaks_for_ages_25_to_40(crm: Crm) -> None:
    deals = deals_with_customers(crm)
    core = deals["age"].between(25, 41, inclusive="left")
    assert z_two_proportions(deals.loc[core, "won"], deals.loc[~core, "won"]) > 3
    for low, high in ((18, 25), (41, 56), (56, 200)):
        band = deals["age"].between(low, high, inclusive="left")
        assert deals.loc[core, "won"].mean() > deals.loc[band, "won"].mean()


def test_amount_rises_with_loyalty_tier_and_depends_on_product(crm: Crm) -> None:
    deals = deals_with_customers(crm)
    log_amount = np.log(deals["amount"])
    means = log_amount.groupby(deals["loyalty_tier"]).mean().reindex(list(LOYALTY_TIERS))
    assert means.is_monotonic_increasing and means.is_unique
    tier = deals["loyalty_tier"]
    assert z_means(log_amount[tier == "platinum"], log_amount[tier == "bronze"]) > 5
    medians = deals.groupby("product")["amount"].median()
    expected = ["Laptop", "Smartphone", "Premium subscription", "Installation service", "Accessories bundle"]
    assert medians[expected].is_monotonic_decreasing


def test_deals_per_customer_vary_and_rise_with_tier(crm: Crm) -> None:
    c = crm["customers"]
    counts = crm["deals"]["customer_id"].value_counts().reindex(c["customer_id"], fill_value=0).to_numpy()
    assert 0.15 < (counts == 0).mean() < 0.6
    assert counts.var() > 1.5 * counts.mean()  # overdispersed, not Poisson
    by_tier = pd.Series(counts).groupby(c["loyalty_tier"].to_numpy()).mean().reindex(list(LOYALTY_TIERS))
    assert by_tier.is_monotonic_increasing and by_tier.is_unique


def test_interactions_per_deal_rise_for_won_and_phone_deals(crm: Crm) -> None:
    d = crm["deals"]
    n = crm["interactions"]["deal_id"].value_counts().reindex(d["deal_id"]).to_numpy()
    n = pd.Series(n, index=d.index)
    assert z_means(n[d["stage"] == "won"], n[d["stage"] == "lost"]) > 5
    assert z_means(n[d["channel"] == "phone"], n[d["channel"] == "email"]) > 4
    assert n.min() >= 1 and n.max() >= 6


# --- locale and free text ----------------------------------------------------------------------


def test_ru_ru_is_russian(crm_ru: Crm) -> None:
    c, i = crm_ru["customers"], crm_ru["interactions"]
    assert c["full_name"].str.fullmatch(r"[А-ЯЁа-яё\- ]+").all()
    assert c["email"].str.fullmatch(r"[a-z0-9._]+@[a-z0-9.]+").all()
    assert c["phone"].str.contains(r"^(?:\+7|8) ").all()
    assert {"Москва", "Санкт-Петербург", "Казань"} <= set(c["city"])
    assert c.loc[c["city"] == "Казань", "region"].eq("Республика Татарстан").all()
    assert i["note"].str.contains(r"[а-яё]").mean() > 0.99
    assert crm_ru["deals"]["amount"].median() > 5_000  # rubles


def test_en_us_is_american(crm: Crm) -> None:
    c = crm["customers"]
    assert c["full_name"].map(str.isascii).mean() > 0.99
    assert {"New York", "Chicago"} <= set(c["city"])
    assert crm["deals"]["amount"].median() < 2_000  # dollars


@pytest.mark.parametrize("fixture", ["crm", "crm_ru"])
def test_notes_sometimes_hold_the_customers_own_identifiers(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    tables = request.getfixturevalue(fixture)
    i = tables["interactions"].merge(tables["deals"][["deal_id", "customer_id"]], on="deal_id")
    i = i.merge(tables["customers"][["customer_id", "email", "phone", "full_name"]], on="customer_id")
    has_phone = [p in n for p, n in zip(i["phone"], i["note"], strict=True)]
    has_email = [e in n for e, n in zip(i["email"], i["note"], strict=True)]
    assert 0.05 < np.mean(has_phone) < 0.5 and 0.05 < np.mean(has_email) < 0.5
    assert np.mean(np.logical_or(has_phone, has_email)) < 0.6  # many notes carry no identifier
    emails_in_notes = i["note"].str.extract(r"([\w.]+@[\w.]+\w)")[0].dropna()
    assert (emails_in_notes == i.loc[emails_in_notes.index, "email"]).all()
    last_names = i["full_name"].str.split().str[0 if fixture == "crm_ru" else -1]
    assert np.mean([ln in n for ln, n in zip(last_names, i["note"], strict=True)]) > 0.05


def test_tickets_have_red_flags_and_resolution_depends_on_age(crm_ru: Crm) -> None:
    t = crm_ru["support_tickets"]
    health = t["category"].isin(["medical_certificate", "disability_access"])
    assert 0.05 < health.mean() < 0.3
    assert t["text"].str.contains(r"\d{3}-\d{3}-\d{3} \d\d").any()  # a SNILS
    assert t["text"].str.contains(r"\b\d\d \d\d \d{6}\b").any()  # a passport
    recent = t["opened_at"] > t["opened_at"].max() - pd.Timedelta(days=14)
    assert t.loc[~recent, "resolved"].mean() > t.loc[recent, "resolved"].mean() + 0.2


# --- files and arguments -----------------------------------------------------------------------


def test_write_demo_crm_writes_four_readable_csvs(tmp_path) -> None:
    paths = write_demo_crm(tmp_path / "demo", customers=150, locale="ru_RU", seed=3)
    assert [p.name for p in paths] == [f"{t}.csv" for t in TABLES]
    frames = make_demo_crm(150, "ru_RU", seed=3)
    for path, table in zip(paths, TABLES, strict=True):
        read = pd.read_csv(path, encoding="utf-8")
        assert list(read.columns) == COLUMNS[table]
        assert len(read) == len(frames[table])
        assert read.iloc[:, 0].tolist() == frames[table].iloc[:, 0].tolist()
    customers = pd.read_csv(paths[0])
    assert customers["full_name"].tolist() == frames["customers"]["full_name"].tolist()
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", s) for s in customers["birth_date"])


def test_bad_arguments_are_reported() -> None:
    with pytest.raises(ValueError, match="de_DE"):
        make_demo_crm(10, locale="de_DE")
    with pytest.raises(ValueError, match="at least 1"):
        make_demo_crm(0)
