"""Column detection on real CRM exports with planted identifiers.

The real datasets (Telco churn, Bank Marketing, Olist) hold no e-mails, phones or birth dates, so these
tests ADD Faker-made columns on top of a 2,000-row sample of the real rows: e-mails, phones (ru_RU and
en_US formats), full/first/last names (both locales), birth dates, Luhn-valid card numbers, INN and SNILS
with valid checksums, passports, addresses, free-text notes with a phone or e-mail inside, a few
sensitive and quasi-identifier columns. Several sit under neutral or misleading names ("col7",
"контакт", "payment_ref", "примечание") so that value-based detection is exercised, not only names.
Smaller unit cases cover format variants (Russian phone spellings, other locales' names, phones and
addresses from Faker), name spellings in both languages, keys, kinds and checksums.
``bench/detection_quality.py`` imports the builders below and scores the same data.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from faker import Faker

from sandbox.catalog.model import ColumnEntry
from sandbox.vault.detect import propose_column, propose_table

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
ROWS = 2000
POOL = 400  # distinct Faker values per planted column, drawn with replacement into the rows


# ---------------------------------------------------------------- real data


def load_real(dataset: str, rows: int | None = ROWS) -> dict[str, pd.DataFrame]:
    """Tables of one real dataset, each a seeded random sample of ``rows`` rows (None: all)."""
    if not DATASETS.is_dir():
        pytest.skip(f"real datasets not found at {DATASETS} (see shared/datasets/README.md)")
    if dataset == "telco":
        tables = {"telco": pd.read_csv(DATASETS / "telco-churn" / "Telco-Customer-Churn.csv")}
    elif dataset == "bank":
        tables = {"bank": pd.read_csv(DATASETS / "bank-marketing" / "bank-additional-full.csv", sep=";")}
    else:
        names = ["customers", "orders", "order_items", "order_payments", "order_reviews"]
        folder = DATASETS / "olist-ecommerce"
        tables = {t: pd.read_csv(folder / f"olist_{t}_dataset.csv") for t in names}
    if rows is None:
        return tables
    return {t: f.sample(min(rows, len(f)), random_state=0).reset_index(drop=True) for t, f in tables.items()}


PERSON_TABLE = {"telco": "telco", "bank": "bank", "olist": "customers"}


# ---------------------------------------------------------------- planted identifiers


@dataclass(frozen=True)
class Planted:
    """A Faker-made column added to a real table, with the class detection must give it."""

    column: str
    make: Callable[[Faker, Faker, np.random.Generator], object]  # one value from (en, ru, rng)
    cls: str
    detail: str | None = None  # identifier kind, sensitive category or generalization
    unique: bool = False  # one fresh value per row (free text), else drawn from a pool of POOL


def _inn(ru: Faker, rng: np.random.Generator) -> str:
    return ru.individuals_inn() if rng.random() < 0.5 else ru.businesses_inn()


def _snils_formatted(ru: Faker) -> str:
    s = ru.snils()
    return f"{s[:3]}-{s[3:6]}-{s[6:9]} {s[9:]}"


def _note(fake: Faker, rng: np.random.Generator, contact: Callable[[], str], lead: str) -> str:
    text = fake.sentence(nb_words=9)
    if rng.random() < 0.25:
        text += f" {lead} {contact()}. {fake.sentence(nb_words=6)}"
    return text


def _birth(fake: Faker) -> dt.date:
    return fake.date_of_birth(minimum_age=18, maximum_age=90)


DIAGNOSES = ["diabetes", "asthma", "hypertension", "migraine", "depression", "arthritis", "none"]
RELIGIONS = ["christian", "muslim", "jewish", "buddhist", "hindu", "atheist", "other"]

PLANTED: list[Planted] = [
    Planted("email", lambda en, ru, r: en.email(), "direct_identifier", "email"),
    Planted("col7", lambda en, ru, r: ru.free_email(), "direct_identifier", "email"),
    Planted("contact_info", lambda en, ru, r: en.company_email(), "direct_identifier", "email"),
    Planted("phone", lambda en, ru, r: ru.phone_number(), "direct_identifier", "phone"),
    Planted("Mobile Phone", lambda en, ru, r: en.phone_number(), "direct_identifier", "phone"),
    Planted("контакт", lambda en, ru, r: ru.phone_number(), "direct_identifier", "phone"),
    Planted("field_12", lambda en, ru, r: en.phone_number(), "direct_identifier", "phone"),
    Planted("Тел.", lambda en, ru, r: ru.phone_number(), "direct_identifier", "phone"),
    Planted("full_name", lambda en, ru, r: en.name(), "direct_identifier", "full_name"),
    Planted("ФИО", lambda en, ru, r: ru.name(), "direct_identifier", "full_name"),
    Planted("col3", lambda en, ru, r: en.name(), "direct_identifier", "full_name"),
    Planted("клиент", lambda en, ru, r: ru.name(), "direct_identifier", "full_name"),
    Planted("first_name", lambda en, ru, r: en.first_name(), "direct_identifier", "first_name"),
    Planted("Имя", lambda en, ru, r: ru.first_name(), "direct_identifier", "first_name"),
    Planted("c_fn", lambda en, ru, r: en.first_name(), "direct_identifier", "first_name"),
    Planted("surname", lambda en, ru, r: en.last_name(), "direct_identifier", "last_name"),
    Planted("Фамилия", lambda en, ru, r: ru.last_name(), "direct_identifier", "last_name"),
    Planted("c_ln", lambda en, ru, r: ru.last_name(), "direct_identifier", "last_name"),
    Planted("birth_date", lambda en, ru, r: _birth(ru).strftime("%d.%m.%Y"), "quasi_identifier", "age_band"),
    Planted("DOB", lambda en, ru, r: _birth(en), "quasi_identifier", "age_band"),
    Planted("d1", lambda en, ru, r: _birth(en).isoformat(), "quasi_identifier", "age_band"),
    Planted("card_number", lambda en, ru, r: en.credit_card_number(), "direct_identifier", "card_number"),
    Planted("payment_ref", lambda en, ru, r: en.credit_card_number(), "direct_identifier", "card_number"),
    Planted("inn", lambda en, ru, r: _inn(ru, r), "direct_identifier", "inn"),
    Planted("reg_code", lambda en, ru, r: ru.individuals_inn(), "direct_identifier", "inn"),
    Planted("СНИЛС", lambda en, ru, r: _snils_formatted(ru), "direct_identifier", "snils"),
    Planted("ref2", lambda en, ru, r: ru.snils(), "direct_identifier", "snils"),
    Planted("passport", lambda en, ru, r: ru.passport_number(), "direct_identifier", "passport"),
    Planted("serial", lambda en, ru, r: ru.passport_number(), "direct_identifier", "passport"),
    Planted("address", lambda en, ru, r: en.address(), "direct_identifier", "address"),
    Planted("адрес", lambda en, ru, r: ru.address(), "direct_identifier", "address"),
    Planted("loc", lambda en, ru, r: ru.address(), "direct_identifier", "address"),
    Planted("col9", lambda en, ru, r: en.address(), "direct_identifier", "address"),
    Planted("notes", lambda en, ru, r: _note(en, r, en.email, "write to"), "direct_identifier", "free_text",
            unique=True),
    Planted("memo", lambda en, ru, r: _note(en, r, en.phone_number, "call"), "direct_identifier",
            "free_text", unique=True),
    Planted("примечание", lambda en, ru, r: _note(ru, r, ru.phone_number, "звонить"),
            "direct_identifier", "free_text", unique=True),
    Planted("comment", lambda en, ru, r: en.sentence(nb_words=10), "ordinary", None, unique=True),
    Planted("diagnosis", lambda en, ru, r: DIAGNOSES[r.integers(len(DIAGNOSES))], "sensitive", "health"),
    Planted("Religion", lambda en, ru, r: RELIGIONS[r.integers(len(RELIGIONS))], "sensitive", "religion"),
    Planted("monthly_income", lambda en, ru, r: round(float(r.lognormal(8, 0.5)), 2), "sensitive",
            "financial"),
    Planted("долг", lambda en, ru, r: int(r.integers(0, 500_000)), "sensitive", "financial"),
    Planted("судимость", lambda en, ru, r: ["да", "нет"][r.integers(2)], "sensitive", "criminal_record"),
    Planted("num_children", lambda en, ru, r: int(r.integers(0, 5)), "sensitive", "children"),
    Planted("город", lambda en, ru, r: ru.city(), "quasi_identifier", "rare_to_other"),
    Planted("postcode", lambda en, ru, r: en.postcode(), "quasi_identifier", "zip_prefix"),
    Planted("должность", lambda en, ru, r: ru.job(), "quasi_identifier", "rare_to_other"),
]


@cache
def _planted_columns(rows: int, seed: int) -> pd.DataFrame:
    en, ru = Faker("en_US"), Faker("ru_RU")
    en.seed_instance(seed)
    ru.seed_instance(seed)
    rng = np.random.default_rng(seed)
    out = {}
    for p in PLANTED:
        size = rows if p.unique else POOL
        pool = np.empty(size, dtype=object)
        pool[:] = [p.make(en, ru, rng) for _ in range(size)]
        out[p.column] = pool if p.unique else pool[rng.integers(0, POOL, rows)]
    return pd.DataFrame(out)


def planted_columns(rows: int, seed: int = 7) -> pd.DataFrame:
    """Every planted column: Faker values drawn with replacement from a pool (free text: one per row)."""
    return _planted_columns(rows, seed).copy()


def planted_dataset(dataset: str, rows: int | None = ROWS) -> dict[str, pd.DataFrame]:
    """A real dataset whose person table carries every planted column."""
    tables = load_real(dataset, rows)
    person = PERSON_TABLE[dataset]
    base = tables[person]
    tables[person] = pd.concat([base, planted_columns(len(base))], axis=1)
    return tables


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def planted() -> dict[str, tuple[dict[str, pd.DataFrame], dict[str, dict[str, ColumnEntry]]]]:
    """Per dataset: the planted tables and the proposals for them."""
    out = {}
    for name in PERSON_TABLE:
        tables = planted_dataset(name)
        out[name] = (tables, {t: propose_table(t, f) for t, f in tables.items()})
    return out


# ---------------------------------------------------------------- planted columns are caught


@pytest.mark.parametrize("dataset", list(PERSON_TABLE))
@pytest.mark.parametrize("spec", PLANTED, ids=[p.column for p in PLANTED])
def test_planted_column_gets_its_class(planted, dataset: str, spec: Planted) -> None:
    entry = planted[dataset][1][PERSON_TABLE[dataset]][spec.column]
    assert entry.cls == spec.cls, entry.justification
    detail = {
        "direct_identifier": entry.identifier,
        "sensitive": entry.category,
        "quasi_identifier": entry.generalize,
        "ordinary": None,
    }[spec.cls]
    assert detail == spec.detail, entry.justification
    assert entry.proposed and entry.source_name == spec.column and entry.justification


# ---------------------------------------------------------------- real columns do not misfire

REAL: list[tuple[str, str, str, str, str, str]] = [
    # dataset, table, column, class, kind, identifier/category/generalize ("" = none)
    ("telco", "telco", "customerID", "key", "key", ""),
    ("telco", "telco", "gender", "quasi_identifier", "categorical", "none"),
    ("telco", "telco", "SeniorCitizen", "ordinary", "boolean", ""),
    ("telco", "telco", "tenure", "ordinary", "numerical", ""),
    ("telco", "telco", "PhoneService", "ordinary", "boolean", ""),
    ("telco", "telco", "MultipleLines", "ordinary", "categorical", ""),
    ("telco", "telco", "PaymentMethod", "ordinary", "categorical", ""),
    ("telco", "telco", "MonthlyCharges", "ordinary", "numerical", ""),
    ("telco", "telco", "TotalCharges", "ordinary", "numerical", ""),
    ("telco", "telco", "Churn", "ordinary", "boolean", ""),
    ("bank", "bank", "age", "quasi_identifier", "numerical", "age_band"),
    ("bank", "bank", "job", "quasi_identifier", "categorical", "rare_to_other"),
    ("bank", "bank", "marital", "quasi_identifier", "categorical", "none"),
    ("bank", "bank", "loan", "sensitive", "categorical", "financial"),
    ("bank", "bank", "contact", "ordinary", "categorical", ""),
    ("bank", "bank", "duration", "ordinary", "numerical", ""),
    ("bank", "bank", "pdays", "ordinary", "numerical", ""),
    ("bank", "bank", "emp.var.rate", "ordinary", "numerical", ""),
    ("bank", "bank", "y", "ordinary", "boolean", ""),
    ("olist", "customers", "customer_id", "key", "key", ""),
    ("olist", "customers", "customer_unique_id", "key", "key", ""),
    ("olist", "customers", "customer_zip_code_prefix", "quasi_identifier", "categorical", "zip_prefix"),
    ("olist", "customers", "customer_city", "quasi_identifier", "categorical", "rare_to_other"),
    ("olist", "customers", "customer_state", "quasi_identifier", "categorical", "none"),
    ("olist", "orders", "order_id", "key", "key", ""),
    ("olist", "orders", "customer_id", "key", "key", ""),
    ("olist", "orders", "order_status", "ordinary", "categorical", ""),
    ("olist", "orders", "order_purchase_timestamp", "ordinary", "datetime", ""),
    ("olist", "orders", "order_estimated_delivery_date", "ordinary", "datetime", ""),
    ("olist", "order_items", "order_item_id", "key", "key", ""),
    ("olist", "order_items", "product_id", "key", "key", ""),
    ("olist", "order_items", "price", "ordinary", "numerical", ""),
    ("olist", "order_payments", "payment_type", "ordinary", "categorical", ""),
    ("olist", "order_payments", "payment_value", "ordinary", "numerical", ""),
    ("olist", "order_reviews", "review_score", "ordinary", "numerical", ""),
    ("olist", "order_reviews", "review_comment_message", "ordinary", "text", ""),
    ("olist", "order_reviews", "review_creation_date", "ordinary", "datetime", ""),
]


@pytest.mark.parametrize(("dataset", "table", "column", "cls", "kind", "detail"), REAL,
                         ids=[f"{r[1]}.{r[2]}" for r in REAL])
def test_real_column_gets_expected_class(planted, dataset, table, column, cls, kind, detail) -> None:
    entry = planted[dataset][1][table][column]
    assert (entry.cls, entry.kind) == (cls, kind), entry.justification
    got = entry.identifier or entry.category or (entry.generalize if cls == "quasi_identifier" else "")
    assert got == detail, entry.justification
    assert entry.purpose == ("essential" if cls == "key" else "habit" if kind == "text" else "useful")


def test_free_text_purpose_is_habit_unless_only_content(planted) -> None:
    reviews = planted["olist"][0]["order_reviews"]
    assert planted["olist"][1]["order_reviews"]["review_comment_message"].purpose == "habit"
    alone = propose_table("reviews", reviews[["review_id", "review_comment_message"]])
    assert alone["review_comment_message"].purpose == "useful"


# ---------------------------------------------------------------- privacy of justifications


def _checkable(value: str) -> bool:
    """Values long enough that finding them in prose is not a coincidence."""
    return len(value) >= 6 or (len(value) >= 4 and not value.replace(".", "").isdigit())


@pytest.mark.parametrize("dataset", list(PERSON_TABLE))
def test_justifications_never_contain_a_sampled_value(planted, dataset: str) -> None:
    tables, proposals = planted[dataset]
    checked = 0
    for table, frame in tables.items():
        for column, entry in proposals[table].items():
            for value in frame[column].dropna().astype(str).str.strip().unique():
                if _checkable(value):
                    checked += 1
                    assert value not in entry.justification, f"{table}.{column} leaks a value"
    assert checked > 10_000


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


def test_table_of_21_columns_in_well_under_a_second() -> None:
    telco = load_real("telco", rows=5000)["telco"]
    propose_table("warm", telco.head(50))  # first call loads Faker's name lists
    start = time.process_time()  # CPU time: other processes on a shared machine do not count
    proposals = propose_table("telco", telco)
    assert time.process_time() - start < 0.6
    assert len(proposals) == 21
