"""Column detection on real CRM exports with planted identifiers.

The real datasets (Telco churn, Bank Marketing, Olist) hold no e-mails, phones or birth dates, so these
tests ADD Faker-made columns on top of a 2,000-row sample of the real rows: e-mails, phones (ru_RU and
en_US formats), full/first/last names (both locales), birth dates, Luhn-valid card numbers, INN and SNILS
with valid checksums, passports, addresses, free-text notes with a phone or e-mail inside, a few
sensitive and quasi-identifier columns. Several sit under neutral or misleading names ("col7",
"контакт", "payment_ref", "примечание") so that value-based detection is exercised, not only names.
One column at a time (formats, spellings, keys, kinds, checksums): ``tests/test_detect_columns.py``.
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
from sandbox.vault.detect import propose_table

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


def test_table_of_21_columns_in_well_under_a_second() -> None:
    telco = load_real("telco", rows=5000)["telco"]
    propose_table("warm", telco.head(50))  # first call loads Faker's name lists
    start = time.process_time()  # CPU time: other processes on a shared machine do not count
    proposals = propose_table("telco", telco)
    assert time.process_time() - start < 0.6
    assert len(proposals) == 21
