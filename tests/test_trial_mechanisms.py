"""The general mechanisms the trial exports (tests/test_trial_exports.py) showed missing, one value pattern or one
table shape at a time: file names in another alphabet, few-level categories that end like surnames, labels with
a running number, currency amounts, JSON blobs, words unique per row, and links that some rows leave empty."""

from __future__ import annotations

import json
import random
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from faker import Faker

from generators import registry
from generators.schema import Column, ForeignKey, Schema, Table
from sandbox.catalog.plan import _number
from sandbox.vault.detect import _numeric, propose_column
from sandbox.vault.sources import table_name


@pytest.mark.parametrize("stem, name", [("Контакты", "kontakty"), ("Сделки 2024", "sdelki_2024"),
                                        ("Café Clients", "cafe_clients"), ("Customers Export", "customers_export"),
                                        ("2024 Сделки", "t_2024_sdelki")])
def test_file_names_in_any_alphabet_become_latin_table_names(stem: str, name: str) -> None:
    assert table_name(stem) == name


def test_file_names_in_an_alphabet_without_a_latin_spelling_stay_distinct() -> None:
    names = {table_name(s) for s in ("顧客", "取引", "顧客2")}
    assert len(names) == 3 and all(n.isascii() and n[0].isalpha() for n in names)


def test_a_two_level_category_ending_like_surnames_is_not_a_name_but_managers_are() -> None:
    rng = random.Random(1)
    sex = propose_column("contacts", "Пол", pd.Series([rng.choice(["Мужской", "Женский"]) for _ in range(3000)]))
    assert sex.cls != "direct_identifier", sex.justification
    fake = Faker("ru_RU")
    fake.seed_instance(2)
    managers = [fake.name() for _ in range(8)]
    owner = propose_column("deals", "Ответственный", pd.Series([rng.choice(managers) for _ in range(3000)]))
    assert owner.cls == "direct_identifier" and owner.identifier == "full_name"
    surnames = propose_column("t", "c", pd.Series([rng.choice(["Иванов", "Петрова"]) for _ in range(3000)]))
    assert surnames.cls == "direct_identifier", "known surnames stay names however few"


@pytest.mark.parametrize("label", ["Сделка #{}", "Deal {:05d}", "Заказ №{}"])
def test_one_label_with_a_running_number_is_a_key(label: str) -> None:
    entry = propose_column("deals", "Название", pd.Series([label.format(i) for i in range(1, 700)]))
    assert entry.cls == "key", entry.justification


def test_currency_amounts_are_numbers_in_the_detector_and_the_vault_alike() -> None:
    written = ["$1,234.50", "-$12.00", "1 234,56 руб.", "1\u00a0234,56", "€5", "USD12.5", "12 500 ₽", "abc"]
    expected = [1234.5, -12.0, 1234.56, 1234.56, 5.0, 12.5, 12500.0, None]
    detected = _numeric(pd.Series(written)).tolist()
    assert [None if np.isnan(v) else v for v in detected] == expected
    con = duckdb.connect()
    rows = con.execute(f"SELECT {_number('x')} FROM unnest(?) AS t(x)", [written]).fetchall()
    assert [r[0] for r in rows] == expected
    rng = random.Random(3)
    amounts = pd.Series([f"${rng.lognormvariate(8, 1):,.2f}" for _ in range(2000)])
    entry = propose_column("opportunity", "Amount", amounts)
    assert (entry.cls, entry.kind) == ("ordinary", "numerical"), entry.justification


def test_json_blobs_are_structured_text_and_identifiers_inside_are_found() -> None:
    rng = random.Random(4)
    blobs = pd.Series([json.dumps({"score": rng.randrange(100), "utm": rng.choice(["fb", "google"])})
                       for _ in range(1000)])
    entry = propose_column("contact", "Properties__c", blobs)
    assert entry.kind == "text" and entry.purpose == "habit", entry.justification
    fake = Faker("en_US")
    fake.seed_instance(4)
    with_mail = pd.Series([json.dumps({"contact": fake.email(), "n": i}) for i in range(1000)])
    entry = propose_column("contact", "Field_3", with_mail)
    assert entry.cls == "direct_identifier" and entry.identifier == "free_text", entry.justification


def test_words_unique_per_row_are_a_habit_column_but_a_few_hundred_repeating_are_not() -> None:
    fake = Faker("en_US")
    fake.seed_instance(5)
    names = pd.Series([f"{fake.company()} {fake.company_suffix()}" for _ in range(600)]).drop_duplicates()
    entry = propose_column("account", "Name", names)
    assert (entry.cls, entry.purpose) == ("ordinary", "habit"), entry.justification
    repeating = pd.Series(list(names.iloc[:150]) * 4)
    assert propose_column("account", "Segment", repeating).purpose != "habit"


def _optional_links(n: int = 900, seed: int = 0) -> tuple[dict[str, pd.DataFrame], Schema]:
    rng = np.random.default_rng(seed)
    companies = pd.DataFrame({"company_id": np.arange(1, 61), "sector": rng.choice(["it", "retail", "bank"], 60)})
    has = rng.random(n) < 0.7
    contacts = pd.DataFrame({
        "contact_id": np.arange(1, n + 1),
        "company_id": np.where(has, rng.integers(1, 61, n), np.nan),
        "created": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 600, n), unit="D"),
        "source": rng.choice(["web", "call", "fair"], n),
    })
    deals = contacts.loc[rng.integers(0, n, 2 * n)].reset_index(drop=True)[["contact_id", "company_id"]]
    deals["deal_id"] = np.arange(1, len(deals) + 1)
    deals["amount"] = rng.lognormal(8, 1, len(deals)).round(2)
    key, cat, num = Column(kind="key"), Column(kind="categorical"), Column(kind="numerical")
    schema = Schema(tables={
        "companies": Table(primary_key="company_id", columns={"company_id": key, "sector": cat}),
        "contacts": Table(primary_key="contact_id", columns={
            "contact_id": key, "company_id": key, "created": Column(kind="datetime"), "source": cat},
            foreign_keys=[ForeignKey(column="company_id", parent="companies", parent_column="company_id")]),
        "deals": Table(primary_key="deal_id", columns={"deal_id": key, "contact_id": key, "company_id": key,
                                                        "amount": num},
                       foreign_keys=[ForeignKey(column="company_id", parent="companies", parent_column="company_id"),
                                     ForeignKey(column="contact_id", parent="contacts", parent_column="contact_id")]),
    })
    return {"companies": companies, "contacts": contacts, "deals": deals}, schema


def test_the_parent_is_the_link_every_row_fills_and_an_optional_one_is_a_reference() -> None:
    tables, schema = _optional_links()
    filled = {"contacts": {"company_id": 0.7}, "deals": {"company_id": 0.7, "contact_id": 1.0}}
    chosen = schema.with_parents(filled)
    assert chosen.parent_of("contacts") is None and chosen.tables["contacts"].rooted
    assert chosen.tables["contacts"].references()[0].column == "company_id"
    assert chosen.parent_of("deals").column == "contact_id"
    assert [fk.column for fk in chosen.tables["deals"].references()] == ["company_id"]
    assert schema.with_parents({}).parent_of("contacts").column == "company_id", "complete links keep their order"


def test_cart_keeps_people_without_the_optional_parent_and_leaves_links_empty_as_often() -> None:
    tables, schema = _optional_links()
    model = registry.create("cart", seed=3).fit(tables, schema)
    out: dict[str, list[pd.DataFrame]] = {}
    for table, batch in model.sample(scale=1.0, seed=2):
        out.setdefault(table, []).append(batch.to_pandas())
    synth = {t: pd.concat(frames, ignore_index=True) for t, frames in out.items()}
    contacts, deals = synth["contacts"], synth["deals"]
    assert len(contacts) == len(tables["contacts"]), "no contact is lost for want of a company"
    assert contacts["company_id"].notna().mean() == pytest.approx(0.7, abs=0.07)
    assert deals["company_id"].notna().mean() == pytest.approx(0.7, abs=0.07)
    assert deals["contact_id"].isin(contacts["contact_id"]).all()
    linked = contacts["company_id"].dropna()
    assert linked.isin(synth["companies"]["company_id"]).all()
    real_years = tables["contacts"]["created"].dt.year
    assert contacts["created"].dt.year.between(real_years.min(), real_years.max()).mean() >= 0.97


def test_an_export_refused_while_being_read_leaves_no_copy_of_its_values(tmp_path) -> None:
    import tempfile

    from sandbox.errors import InputError
    from sandbox.vault.sources import resolve

    before = set(Path(tempfile.gettempdir()).glob("sandbox-transcoded-*"))
    for stem in ("Контакты", "kontakty"):  # both read as table "kontakty"
        (tmp_path / f"{stem}.csv").write_bytes("ФИО;Телефон\nИванов Иван Иванович;+7 912 345-67-89\n".encode("cp1251"))
    with pytest.raises(InputError, match="same table name: kontakty"):
        resolve([tmp_path])
    assert set(Path(tempfile.gettempdir()).glob("sandbox-transcoded-*")) <= before


def test_managers_named_again_and_again_stay_a_few_fake_people_not_the_row_s_own() -> None:
    rng = random.Random(6)
    fake = Faker("ru_RU")
    fake.seed_instance(6)
    managers = [fake.name() for _ in range(8)]
    entry = propose_column("deals", "Ответственный", pd.Series([rng.choice(managers) for _ in range(3000)]))
    assert entry.staff == 8, entry.justification
    customers = propose_column("contacts", "ФИО", pd.Series([fake.name() for _ in range(3000)]))
    assert customers.staff is None
    key, cat = Column(kind="key"), Column(kind="categorical")
    schema = Schema(locale="ru_RU", tables={"deals": Table(primary_key="id", columns={
        "id": key, "stage": cat,
        "ФИО": Column(kind="identifier", identifier="full_name", synthetic_only=True),
        "Ответственный": Column(kind="identifier", identifier="full_name", synthetic_only=True, staff=8)})})
    frame = pd.DataFrame({"id": range(1, 1201), "stage": [rng.choice(["new", "won", "lost"]) for _ in range(1200)]})
    for name in ("cart", "gaussian_copula"):  # the product's generators (tests register others for a while)
        model = registry.create(name, seed=1).fit({"deals": frame}, schema)
        batches = [b.to_pandas() for _, b in model.sample(rows=1200, seed=2, batch_rows=300)]
        out = pd.concat(batches, ignore_index=True)
        assert out["Ответственный"].nunique() == 8, name  # the same 8 in every batch
        assert (out["Ответственный"] != out["ФИО"]).mean() > 0.95, name
        assert out["ФИО"].nunique() > 1000, name


def test_the_leak_guard_keeps_staff_a_few_people_while_it_redraws_customers() -> None:
    import pyarrow as pa

    from sandbox.release.leak_guard import LeakGuard
    from sandbox.vault.pseudonymize import pseudonym

    key = b"k" * 32
    schema = Schema(tables={"contacts": Table(columns={
        "FirstName": Column(kind="identifier", identifier="first_name", synthetic_only=True),
        "Owner": Column(kind="identifier", identifier="full_name", synthetic_only=True, staff=3)})})
    owners = ["Norma Fisher", "Jorge Sullivan", "Peter Montgomery"]
    real = ["John", "Mary", "Norma Fisher"]  # a real customer's first name and a real person named like an owner
    guard = LeakGuard(schema, {pseudonym(key, v) for v in real}, key, seed=1)
    written = []
    for b in range(2):
        batch = pa.RecordBatch.from_pydict({"FirstName": ["John", "Mary"] * 50,
                                            "Owner": [owners[i % 3] for i in range(b, 100 + b)]})
        written.append(guard("contacts", batch).to_pandas())
    out = pd.concat(written, ignore_index=True)
    assert not set(out["FirstName"]) & set(real) and not set(out["Owner"]) & set(real)
    assert out["Owner"].nunique() == 3, "three owners in every batch, one renamed the same way in both"


def test_a_parent_filled_in_nearly_every_row_keeps_its_place() -> None:
    _, schema = _optional_links()
    deals = {"deals": {"company_id": 0.99, "contact_id": 1.0}}  # the catalog's first link stays the parent
    assert schema.with_parents(deals).parent_of("deals").column == "company_id"
    assert schema.with_parents({"deals": {"company_id": 0.5, "contact_id": 0.9}}).tables["deals"].rooted


def test_organisations_inns_stay_ten_digits_in_synthetic_data() -> None:
    from stdnum.ru import inn

    from generators.identities import fake_identities
    from tests.trial_exports import company_inn, personal_inn

    rng = random.Random(7)
    companies = propose_column("kompanii", "ИНН", pd.Series([company_inn(rng) for _ in range(500)]))
    people = propose_column("kontakty", "ИНН", pd.Series([personal_inn(rng) for _ in range(500)]))
    assert (companies.identifier, companies.width) == ("inn", 10)
    assert (people.identifier, people.width) == ("inn", None)
    fakes = fake_identities({"org": "inn", "person": "inn"}, 200, "ru_RU", np.random.default_rng(1), widths={"org": 10})
    assert all(len(v) == 10 and inn.is_valid(v) for v in fakes["org"])
    assert all(len(v) == 12 and inn.is_valid(v) for v in fakes["person"])
