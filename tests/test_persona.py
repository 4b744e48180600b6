"""Fake identities fit the rows they stand in, and the source's language, whatever the columns are called:
a woman's row gets a woman's name and patronymic, an e-mail's birth year falls in the row's age band, and a
Russian CRM ingested without a locale gets Russian fakes."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import numpy as np
import pytest

from generators.demo_crm import write_demo_crm
from generators.identities import fake_identities
from generators.persona import persona_of
from sandbox.catalog import store as catalog_store
from sandbox.release.datasets import file_of, get
from sandbox.release.synthesize import synthesize
from sandbox.vault.ingest import ingest
from sandbox.workspace import Workspace
from tests.conftest import STEWARD

CUSTOMERS = 2500


@pytest.mark.parametrize(("levels", "female"), [
    (["F", "M"], "F"), (["Female", "Male"], "Female"), (["Ж", "М"], "Ж"), (["женский", "мужской"], "женский"),
    (["w", "m"], "w"),
])
def test_gender_is_read_from_values_in_any_language(levels: list[str], female: str):
    rng = np.random.default_rng(0)
    column = np.array(rng.choice(levels, 500), dtype=object)
    column[::50] = None  # unknown gender: either
    persona = persona_of({"col3": column, "n": np.arange(500)}, 500)
    assert persona.genders is not None
    known = column != None  # noqa: E711 (element-wise)
    assert ((persona.genders[known] == "F") == (column[known] == female)).all()
    assert (persona.genders[~known] == "").all()


def test_columns_that_are_not_gender_or_age_are_left_alone():
    rng = np.random.default_rng(1)
    persona = persona_of({"plan": rng.choice(["basic", "pro"], 300).astype(object),
                          "code": rng.choice(["10-20", "x"], 300).astype(object)}, 300)
    assert persona.genders is None and persona.year_lo is None


def test_email_years_fall_in_the_age_band():
    rng = np.random.default_rng(2)
    bands = rng.choice(["18-29", "30-39", "40-49", "50-59", "60+"], 4000).astype(object)
    persona = persona_of({"age": bands}, 4000, this_year=2026)
    emails = fake_identities({"e": "email"}, 4000, "en_US", rng, persona=persona)["e"]
    for band, email in zip(bands, emails, strict=True):
        year = re.search(r"(19|20)\d\d(?=@)", email)
        if year:
            assert persona_year_ok(band, int(year.group(0)), 2026), (band, email)


def persona_year_ok(band: str, year: int, this_year: int) -> bool:
    lo, _, hi = band.partition("-")
    young, old = int(lo.rstrip("+")), (int(hi) if hi else 100)
    return this_year - old - 1 <= year <= this_year - young


def _synthetic_customers(tmp_path: Path, locale: str) -> tuple[Workspace, str, list[tuple]]:
    export = tmp_path / "export"
    write_demo_crm(export, customers=CUSTOMERS, locale=locale, seed=5)
    ws = Workspace(tmp_path / "ws")
    ingest(ws, STEWARD, [export], "crm", accept_proposed=True)  # no locale given: the values decide
    info = synthesize(ws, STEWARD, "crm", seed=0)
    con = duckdb.connect(str(file_of(ws, get(ws, STEWARD, info.id))), read_only=True)
    try:
        rows = con.execute("SELECT full_name, email, gender, CAST(birth_date AS VARCHAR) FROM customers").fetchall()
    finally:
        con.close()
    return ws, catalog_store.latest(ws, "crm").locale, rows


def test_a_russian_crm_gets_russian_people_who_fit_their_rows(tmp_path: Path):
    _, locale, rows = _synthetic_customers(tmp_path, "ru_RU")
    assert locale == "ru_RU"
    assert len(rows) >= CUSTOMERS * 0.7  # as many as the training split
    cyrillic = sum(bool(re.search("[А-Яа-яЁё]", name or "")) for name, *_ in rows)
    assert cyrillic == len(rows), "every fake ФИО is Russian"
    wrong = [(name, g) for name, _, g, _ in rows if name and g in ("F", "M")
             and (name.split()[-1].endswith(("вна", "чна")) != (g == "F"))]
    assert wrong == [], f"{len(wrong)} of {len(rows)} patronymics contradict the row's gender, e.g. {wrong[:3]}"
    years = [(b, int(m.group(0))) for _, e, _, b in rows
             if b and (m := re.search(r"(19|20)\d\d(?=@)", e or ""))]
    assert years, "some e-mails carry a birth year"
    this_year = __import__("datetime").date.today().year
    assert [(b, y) for b, y in years if not persona_year_ok(b, y, this_year)] == []


def test_an_english_crm_gets_first_names_of_the_rows_gender(tmp_path: Path):
    from faker.providers.person.en_US import Provider

    female = set(Provider.first_names_female) - set(Provider.first_names_male)
    male = set(Provider.first_names_male) - set(Provider.first_names_female)
    _, locale, rows = _synthetic_customers(tmp_path, "en_US")
    assert locale == "en_US"
    judged = [(name.split()[0], g) for name, _, g, _ in rows if name and name.split()[0] in female | male]
    assert len(judged) > len(rows) * 0.5
    wrong = [(first, g) for first, g in judged if (first in female) != (g == "F")]
    assert wrong == [], f"{len(wrong)} of {len(judged)} first names contradict the row's gender, e.g. {wrong[:3]}"


def test_a_bank_file_with_real_surnames_passes_with_no_surname_copied(tmp_path: Path):
    """Real surnames cover most of the fake pool (Faker's en_US list and short ones such as Li, Ng): redraws
    alone left 1-5 real surnames, so the gate failed every seed. Now none is left, of any length."""
    import pandas as pd
    from faker import Faker

    from sandbox.release.gate import evaluate
    from tests.conftest import shared_file

    bank = pd.read_csv(shared_file("bank-marketing", "bank-additional-full.csv"), sep=";").sample(4000, random_state=4)
    names: list[str] = []
    for locale in ("en_US", "en_GB", "en_AU", "it_IT", "zh_CN"):
        fake = Faker(locale)
        fake.seed_instance(11)
        names += [fake.last_name() for _ in range(1200)]
    names = [n for n in names if n.isascii()] + ["Li", "Ng", "Hu", "Ma", "Wu", "Fox", "Day"]
    bank.insert(0, "Surname", np.random.default_rng(6).choice(names, len(bank)))
    path = tmp_path / "churn.csv"
    bank.to_csv(path, index=False)
    ws = Workspace(tmp_path / "ws")
    ingest(ws, STEWARD, [path], "churn", accept_proposed=True, target="churn.y=yes")
    info = synthesize(ws, STEWARD, "churn", seed=0)
    report = evaluate(ws, STEWARD, info.id)
    assert report["privacy"]["leaked_values"] == 0, report["privacy"]["leak_locations"]
    con = duckdb.connect(str(file_of(ws, get(ws, STEWARD, info.id))), read_only=True)
    fakes = {r[0] for r in con.execute("SELECT DISTINCT Surname FROM churn").fetchall()}
    con.close()
    assert not fakes & set(bank["Surname"]), "no real surname, however short, among the fakes"
    assert len(fakes) > 100
    assert report["gate"] == "pass", report["reasons"]
