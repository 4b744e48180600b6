"""Column detection, one column at a time: format variants (Russian phone spellings, other locales' names, phones
and addresses from Faker), name spellings in English and Russian, names overruled by values, keys, kinds and
checksums."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from faker import Faker

from sandbox.vault.detect import propose_column, propose_table

# ---------------------------------------------------------------- value formats and name spellings

RU_PHONE_FORMATS = [
    "+7 (9##) ###-##-##", "8 (9##) ###-##-##", "+79#########", "89#########", "8-9##-###-##-##",
    "+7 9## ### ## ##", "8 9## #######", "+7-9##-###-##-##", "+7(9##)###-##-##", "8(9##)###-####",
]
OTHER_PHONE_FORMATS = [
    "+44 20 #### ####", "+49 30 #######", "(2##) 4##-####", "+1-2##-4##-####", "(11) 9####-####",
    "2##.4##.####x###", "001-2##-3##-####", "+380 44 ### ## ##",
]


def _formatted(fmt: str, n: int = 60) -> pd.Series:
    rng = np.random.default_rng(1)
    return pd.Series(["".join(str(rng.integers(10)) if c == "#" else c for c in fmt) for _ in range(n)])


@pytest.mark.parametrize("fmt", RU_PHONE_FORMATS + OTHER_PHONE_FORMATS)
def test_phone_formats_are_found_without_a_name(fmt: str) -> None:
    entry = propose_column("t", "x", _formatted(fmt))
    assert (entry.cls, entry.identifier) == ("direct_identifier", "phone"), entry.justification


LOCALE_CASES = [  # it_IT writes many mobiles as bare 10-11 digits: indistinguishable from other codes
    (locale, method, identifier)
    for locale in ["pt_BR", "de_DE", "fr_FR", "uk_UA", "en_GB", "es_ES", "it_IT"]
    for method, identifier in [("name", "full_name"), ("phone_number", "phone"), ("address", "address")]
    if (locale, method) != ("it_IT", "phone_number")
]


@pytest.mark.parametrize(("locale", "method", "identifier"), LOCALE_CASES)
def test_other_locales_by_values_alone(locale: str, method: str, identifier: str) -> None:
    """Other countries' formats (Faker) under a neutral name."""
    fake = Faker(locale)
    fake.seed_instance(11)
    entry = propose_column("t", "col", pd.Series([getattr(fake, method)() for _ in range(200)]))
    assert (entry.cls, entry.identifier) == ("direct_identifier", identifier), entry.justification


def test_title_case_labels_are_not_person_names() -> None:
    labels = [
        "Bank Transfer", "Credit Card", "Electronic Check", "Mailed Check", "Fiber Optic", "Month To Month",
        "One Year", "Home Office", "Garden Tools", "Kitchen Appliances", "Sports Equipment", "Baby Care",
        "Health Beauty", "Watches Gifts", "Bed Bath Table", "Computers Accessories", "Auto Parts", "Cool Stuff",
        "Furniture Decor", "Musical Instruments", "Samsung Galaxy", "Apple Watch", "Sony Bravia", "Nike Air Max",
        "Premium Plan", "Gold Member", "Free Trial", "New York", "Los Angeles", "San Francisco", "Sao Paulo",
        "Rio De Janeiro", "Belo Horizonte", "Porto Alegre", "Santa Catarina", "Minas Gerais", "Mato Grosso",
    ]
    assert propose_column("t", "segment", pd.Series(labels * 2)).cls == "ordinary"


EMAILS = pd.Series([f"user{i}.name@{d}" for i, d in enumerate(["mail.ru", "gmail.com", "яндекс.рф"] * 20)])
BIRTHS = pd.date_range("1950-01-01", "2000-12-31", periods=80).normalize()
DATES = pd.Series(BIRTHS.strftime("%Y-%m-%d"))


@pytest.mark.parametrize("name", ["email", "E-mail", "e_mail", "EmailAddress", "Почта", "эл_почта",
                                  "Электронная почта", "contactEmail"])
def test_email_name_spellings(name: str) -> None:
    entry = propose_column("t", name, EMAILS)
    assert (entry.cls, entry.identifier) == ("direct_identifier", "email")
    assert "name matches 'email'" in entry.justification


@pytest.mark.parametrize("name", ["birth_date", "DateOfBirth", "dob", "birthday", "Дата рождения",
                                  "ДатаРождения", "x17"])
def test_birth_date_spellings_and_values(name: str) -> None:
    entry = propose_column("t", name, DATES)
    assert (entry.cls, entry.kind, entry.generalize) == ("quasi_identifier", "datetime", "age_band")


@pytest.mark.parametrize("values", [
    pd.Series(BIRTHS),
    pd.Series(BIRTHS.tz_localize("Europe/Moscow")),
    pd.Series(BIRTHS.date),
    pd.Series(BIRTHS.strftime("%m/%d/%Y")),
], ids=["datetime64", "tz-aware", "date-objects", "us-strings"])
def test_birth_dates_in_any_dtype(values: pd.Series) -> None:
    entry = propose_column("t", "x", values)
    assert (entry.cls, entry.kind, entry.generalize) == ("quasi_identifier", "datetime", "age_band")


def test_recent_dates_are_not_birth_dates() -> None:
    recent = pd.Series(pd.date_range("2016-01-01", "2018-12-31", periods=200).strftime("%d-%m-%Y"))
    entry = propose_column("t", "first_contact_date", recent)
    assert (entry.cls, entry.kind) == ("ordinary", "datetime")


def test_mixed_contacts_are_an_identifier() -> None:
    en = Faker("en_US")
    en.seed_instance(5)
    mixed = pd.Series([en.email() if i % 2 else en.phone_number() for i in range(80)])
    entry = propose_column("t", "kontakt", mixed)
    assert (entry.cls, entry.identifier) == ("direct_identifier", "other"), entry.justification


def test_city_name_outweighs_surname_like_values() -> None:
    cities = pd.Series(["Королёв", "Саратов", "Псков", "Тамбов", "Киров", "Ростов", "Пушкин", "Клин", "Москва",
                        "Иваново"] * 6)
    assert propose_column("t", "x", cities).identifier == "last_name"  # without a name: looks like surnames
    entry = propose_column("t", "город", cities)
    assert (entry.cls, entry.generalize) == ("quasi_identifier", "rare_to_other")


@pytest.mark.parametrize(("name", "values"), [
    ("phone", ["Yes", "No"] * 30),  # a flag about phones, not a phone
    ("email", [f"item {i}" for i in range(60)]),
    ("name", [f"product {i} deluxe" for i in range(60)]),
    ("card_type", ["Visa", "MasterCard", "Mir"] * 20),
    ("address_type", ["home", "work", "other"] * 20),  # few levels: a category, not addresses
])
def test_name_alone_is_overruled_by_values(name: str, values: list[str]) -> None:
    assert propose_column("t", name, pd.Series(values)).cls != "direct_identifier"


@pytest.mark.parametrize(("name", "cls", "detail"), [
    ("phone", "direct_identifier", "phone"), ("PhoneNumber", "direct_identifier", "phone"),
    ("mobile", "direct_identifier", "phone"), ("tel", "direct_identifier", "phone"),
    ("Телефон", "direct_identifier", "phone"), ("номер_телефона", "direct_identifier", "phone"),
    ("ФИО", "direct_identifier", "full_name"), ("FullName", "direct_identifier", "full_name"),
    ("customer_name", "direct_identifier", "full_name"), ("name", "direct_identifier", "full_name"),
    ("first_name", "direct_identifier", "first_name"), ("Имя", "direct_identifier", "first_name"),
    ("lastName", "direct_identifier", "last_name"), ("Фамилия", "direct_identifier", "last_name"),
    ("Отчество", "direct_identifier", "other"), ("passport_no", "direct_identifier", "passport"),
    ("Паспорт", "direct_identifier", "passport"), ("ИНН", "direct_identifier", "inn"),
    ("СНИЛС", "direct_identifier", "snils"), ("card_number", "direct_identifier", "card_number"),
    ("Номер карты", "direct_identifier", "card_number"), ("Address Line 1", "direct_identifier", "address"),
    ("адрес_доставки", "direct_identifier", "address"), ("street", "direct_identifier", "address"),
    ("zip", "quasi_identifier", "zip_prefix"), ("PostalCode", "quasi_identifier", "zip_prefix"),
    ("индекс", "quasi_identifier", "zip_prefix"), ("город", "quasi_identifier", "rare_to_other"),
    ("Регион", "quasi_identifier", "none"), ("state", "quasi_identifier", "none"),
    ("пол", "quasi_identifier", "none"), ("Sex", "quasi_identifier", "none"),
    ("должность", "quasi_identifier", "rare_to_other"), ("Occupation", "quasi_identifier", "rare_to_other"),
    ("возраст", "quasi_identifier", "none"),  # no values to tell numbers: not banded blindly
    ("product_name", "ordinary", None), ("product_category_name", "ordinary", None), ("полис", "ordinary", None),
])
def test_name_alone_decides_an_empty_column(name: str, cls: str, detail: str | None) -> None:
    entry = propose_column("t", name, pd.Series([None] * 10, dtype=object))
    got = {"direct_identifier": entry.identifier, "quasi_identifier": entry.generalize}.get(entry.cls)
    assert (entry.cls, got) == (cls, detail), entry.justification


@pytest.mark.parametrize(("name", "values", "identifier"), [
    ("passport_number", [f"4509{i:06d}" for i in range(60)], "passport"),
    ("номер_телефона", [f"91612345{i:02d}" for i in range(60)], "phone"),
    ("phone_id", list(range(60)), None),  # "..._id": a key, whatever else the name says
])
def test_number_names_stay_identifiers_but_ids_are_keys(name: str, values: list, identifier: str | None) -> None:
    entry = propose_column("t", name, pd.Series(values))
    assert (entry.cls, entry.identifier) == ("key" if identifier is None else "direct_identifier", identifier)


@pytest.mark.parametrize(("name", "category"), [
    ("diagnosis", "health"), ("Диагноз", "health"), ("disability_group", "health"),
    ("инвалидность", "health"),
    ("religion", "religion"), ("вероисповедание", "religion"), ("ethnicity", "ethnicity"),
    ("nationality", "ethnicity"), ("annual_salary", "financial"), ("доход", "financial"),
    ("debt_amount", "financial"), ("CreditScore", "financial"), ("fingerprint_hash", "biometric"),
    ("face_id", "biometric"), ("criminal_record", "criminal_record"), ("судимость", "criminal_record"),
    ("children", "children"), ("дети", "children"), ("has_children", "children"),
    ("political_party", "politics"), ("sexual_orientation", "sexual_life"),
])
def test_sensitive_by_name(name: str, category: str) -> None:
    entry = propose_column("t", name, pd.Series(["a", "b", "c", "d"] * 15))
    assert (entry.cls, entry.category) == ("sensitive", category)


@pytest.mark.parametrize(("name", "values", "cls"), [
    ("customerID", [f"{i:04d}-ABCDE" for i in range(60)], "key"),
    ("номер_договора", [f"D-{i}" for i in range(60)], "key"),
    ("код_клиента", list(range(60)), "key"),
    ("client_id", [1, 2, 3] * 20, "key"),  # a foreign key: repeated but id-like
    ("weird", [f"{i:032x}" for i in range(60)], "key"),  # hex ids need no name
    ("paid", list(range(60)), "ordinary"),  # ends in "id" but is not one
    ("valid_id", [0.5 * i for i in range(60)], "ordinary"),  # fractional numbers are not ids
])
def test_keys(name: str, values: list, cls: str) -> None:
    entry = propose_column("t", name, pd.Series(values))
    assert entry.cls == cls, entry.justification
    if cls == "key":
        assert (entry.kind, entry.purpose) == ("key", "essential")


def test_whole_table_uniqueness_overrides_the_sample() -> None:
    """A caller that sampled through DuckDB passes the table's distinct ratio; the sample's is a guess."""
    labels = pd.Series([f"user {i}" for i in range(60)])  # not code-shaped: only uniqueness makes a key
    assert propose_column("t", "user_id", labels).cls == "key"
    assert propose_column("t", "user_id", labels, unique_ratio=0.1).cls == "ordinary"
    frame = pd.DataFrame({"user_id": labels, "n": range(60)})
    assert propose_table("t", frame, unique_ratios={"user_id": 0.1})["user_id"].cls == "ordinary"


@pytest.mark.parametrize(("values", "kind"), [
    (["да", "нет"] * 30, "boolean"),
    (["Yes", "No", None] * 20, "boolean"),
    ([0, 1] * 30, "boolean"),
    ([True, False] * 30, "boolean"),
    (["1 234,50", "17,25", "3,5", " "] * 15, "numerical"),
    (["01234", "00987", "12345"] * 20, "categorical"),
    (["12.03.2021", "01.01.2020", "31.12.2019"] * 20, "datetime"),
    (["red", "green", "blue"] * 20, "categorical"),
])
def test_kinds_from_values(values: list, kind: str) -> None:
    assert propose_column("t", "v", pd.Series(values)).kind == kind


def test_checksums_matter() -> None:
    """The same shapes with broken check digits are not proposed as INN, SNILS or cards."""
    ru = Faker("ru_RU")
    ru.seed_instance(3)

    def broken(s: str) -> str:
        return s[:-1] + str((int(s[-1]) + 1) % 10)

    inns = pd.Series([ru.individuals_inn() for _ in range(80)])
    cards = pd.Series([Faker("en_US").credit_card_number(card_type="visa16") for _ in range(80)])
    assert propose_column("t", "x", inns).identifier == "inn"
    assert propose_column("t", "x", cards).identifier == "card_number"
    assert propose_column("t", "x", inns.map(broken)).cls != "direct_identifier"
    assert propose_column("t", "x", cards.map(broken)).cls != "direct_identifier"


def test_empty_column_falls_back_to_its_name() -> None:
    assert propose_column("t", "phone", pd.Series([None] * 5, dtype=object)).identifier == "phone"
    assert propose_column("t", "x", pd.Series([], dtype=object)).cls == "ordinary"


def test_sample_bounds_the_work() -> None:
    """A long column is sampled: the proposal names the sample and stays fast (CPU time of this process)."""
    big = pd.Series(np.tile(EMAILS.to_numpy(), 5000))  # 300,000 values
    start = time.process_time()
    entry = propose_column("t", "x", big, sample_rows=2000)
    assert time.process_time() - start < 0.5
    assert entry.identifier == "email"
    assert "sample of 2000 of 300000 rows" in entry.justification
