"""A new customer's first day: a 1C/Bitrix24 export (cp1251 and UTF-8 with a BOM, Russian file names and headers,
decimal commas, day-first dates, one table with no helpful column names) and a Salesforce-style export (Parquet
and CSV, 18-character Ids, ``$1,234.50``, US dates, SSNs in ``Field_17``, IBANs, multi-line notes, JSON) taken
through ingest -> synthesize -> evaluate -> publish, with every planted identifier looked for everywhere after.

The exports are written by ``tests/trial_exports.py`` (real checksums, valid phone numbers); the bench
``bench/trial_exports.py`` runs the same at 5k-50k rows through the command line.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from sandbox.catalog import store as catalog_store
from sandbox.release.datasets import publish
from sandbox.release.gate import evaluate
from sandbox.release.synthesize import synthesize
from sandbox.vault.ingest import ingest
from sandbox.workspace import Workspace
from tests.conftest import STEWARD
from tests.trial_exports import Export, leaks, write_en_export, write_ru_export

CONTACTS = 400
RU_IDENTIFIERS = {("kontakty", "ФИО"), ("kontakty", "Телефон"), ("kontakty", "E-mail"), ("kontakty", "ИНН"),
                  ("kontakty", "СНИЛС"), ("kontakty", "Паспорт"), ("kontakty", "Комментарий"),
                  ("kontakty", "Ответственный"), ("sdelki", "Комментарий"), ("sdelki", "Ответственный"),
                  ("kompanii", "ИНН"), ("kompanii", "ОГРН")}
EN_IDENTIFIERS = {("contact", "FirstName"), ("contact", "LastName"), ("contact", "Email"), ("contact", "Phone"),
                  ("contact", "Field_17"), ("contact", "IBAN__c"), ("contact", "Notes"), ("contact", "OwnerName"),
                  ("opportunity", "Description"), ("account", "Bank_Account__c")}


def _run(tmp: Path, writer, source: str) -> tuple[Workspace, Export, object, dict]:
    export = writer(tmp / f"{source}-export", contacts=CONTACTS, seed=5)
    home = tmp / f"{source}-ws"
    home.mkdir()
    # 400 contacts (80 held out) are too few to measure quality and DCR tightly; the rules that protect people
    # (no copied record, no leaked identifier) keep their defaults
    (home / "settings.yaml").write_text("gate:\n  min_quality: 0.5\n  min_sign_agreement: 0.3\n  max_dcr_share: 0.65\n")
    ws = Workspace(home)
    result = ingest(ws, STEWARD, [export.folder], source, accept_proposed=True)
    info = synthesize(ws, STEWARD, source, seed=1)
    report = evaluate(ws, STEWARD, info.id)
    return ws, export, info, {"ingest": result, "report": report}


@pytest.fixture(scope="module")
def ru(tmp_path_factory: pytest.TempPathFactory):
    return _run(tmp_path_factory.mktemp("ru"), write_ru_export, "ru_crm")


@pytest.fixture(scope="module")
def en(tmp_path_factory: pytest.TempPathFactory):
    return _run(tmp_path_factory.mktemp("en"), write_en_export, "en_crm")


def _dataset_file(ws: Workspace, dataset: str) -> Path:
    return next(p for folder in ("staging", "datasets") for p in (ws.home / folder).glob(f"{dataset}.duckdb"))


def _classes(ws: Workspace, source: str) -> dict[tuple[str, str], object]:
    cat = catalog_store.latest(ws, source)
    return {(t, c): e for t, entry in cat.tables.items() for c, e in entry.columns.items()}


def _links(ws: Workspace, source: str) -> set[tuple[str, str, str]]:
    cat = catalog_store.latest(ws, source)
    return {(t, fk.column, fk.parent) for t, entry in cat.tables.items() for fk in entry.foreign_keys}


def test_russian_file_names_become_distinct_latin_tables(ru):
    ws, _, _, runs = ru
    assert set(runs["ingest"].tables) == {"kontakty", "sdelki", "kompanii", "dela"}


@pytest.mark.parametrize("which, identifiers", [("ru", RU_IDENTIFIERS), ("en", EN_IDENTIFIERS)])
def test_every_identifier_is_found_and_nothing_else(which, identifiers, request):
    ws, _, _, runs = request.getfixturevalue(which)
    source = "ru_crm" if which == "ru" else "en_crm"
    found = {k for k, e in _classes(ws, source).items() if e.cls == "direct_identifier"}
    assert identifiers <= found, identifiers - found
    # "Мужской"/"Женский" end like surnames; a sex is not a name
    assert found - identifiers <= {("kompanii", "Название"), ("account", "Name")}, found - identifiers


@pytest.mark.parametrize("which, links", [
    ("ru", {("sdelki", "Контакт", "kontakty"), ("sdelki", "Компания", "kompanii"),
            ("kontakty", "Компания", "kompanii"), ("dela", "Поле2", "sdelki")}),
    ("en", {("contact", "AccountId", "account"), ("opportunity", "WhoId", "contact"),
            ("opportunity", "AccountId", "account")}),
])
def test_every_link_is_found_from_values(which, links, request):
    ws, _, _, _ = request.getfixturevalue(which)
    assert _links(ws, "ru_crm" if which == "ru" else "en_crm") == links


def test_numbers_and_dates_are_parsed_as_such(ru, en):
    for (ws, export, _, _), source in ((ru, "ru_crm"), (en, "en_crm")):
        classes = _classes(ws, source)
        for columns in export.numbers.values():
            for col in columns:
                kinds = {e.kind for (t, c), e in classes.items() if c == col}
                assert kinds == {"numerical"}, (source, col, kinds)
        for columns in export.dates.values():
            for col in columns:
                kinds = {e.kind for (t, c), e in classes.items() if c == col}
                assert kinds <= {"datetime"} and kinds, (source, col, kinds)
    # the values themselves: "1 234,56" with a no-break space and "$1,234.50" are read, dd.mm and MM/DD too
    ws, export, _, _ = ru
    vault = next((ws.home / "vault").glob("*.duckdb"))
    con = duckdb.connect(str(vault), read_only=True)
    try:
        amounts = con.execute('SELECT count(*), count("Сумма сделки"), min("Сумма сделки") FROM sdelki').fetchone()
        created = con.execute('SELECT min("Дата создания"), max("Дата создания") FROM kontakty').fetchone()
    finally:
        con.close()
    assert amounts[0] == amounts[1] and amounts[2] > 0
    assert created[0].year == 2023 and created[1].year == 2024 and created[0].hour + created[0].minute >= 0
    ws, export, _, _ = en
    con = duckdb.connect(str(next((ws.home / "vault").glob("*.duckdb"))), read_only=True)
    try:
        amount, close = con.execute('SELECT sum("Amount"), max("CloseDate") FROM opportunity').fetchone()
    finally:
        con.close()
    import pandas as pd

    real = pd.read_csv(export.files["Opportunity"], keep_default_na=False)
    assert amount == pytest.approx(real["Amount"].str.replace(r"[$,]", "", regex=True).astype(float).sum())
    assert close == pd.to_datetime(real["CloseDate"], format="%m/%d/%Y").max()


def test_a_running_label_is_a_key_and_an_optional_company_loses_no_contact(ru):
    ws, _, info, runs = ru
    classes = _classes(ws, "ru_crm")
    assert classes[("sdelki", "Название")].cls == "key"  # "Сделка #17": unique per row, a running number
    con = duckdb.connect(str(_dataset_file(ws, info.id)), read_only=True)
    try:
        contacts, with_company = con.execute('SELECT count(*), count("Компания") FROM kontakty').fetchone()
        deals, deal_company = con.execute('SELECT count(*), count("Компания") FROM sdelki').fetchone()
        years = con.execute('SELECT min(year("Дата создания")), max(year("Дата создания")) FROM kontakty').fetchone()
        widths = dict(con.execute('SELECT \'kompanii\', min(length("ИНН")) FROM kompanii UNION ALL '
                                  'SELECT \'kontakty\', min(length("ИНН")) FROM kontakty').fetchall())
        staff = con.execute('SELECT count(DISTINCT "Ответственный") FROM sdelki').fetchone()[0]
    finally:
        con.close()
    train = runs["ingest"].tables["kontakty"] - runs["ingest"].holdout_rows["kontakty"]
    # a contact without a company (30%) is generated too, and keeps its company empty about as often
    assert contacts >= 0.85 * train
    assert 0.55 <= with_company / contacts <= 0.85
    assert 0.55 <= deal_company / deals <= 0.85
    assert years[0] >= 2022 and years[1] <= 2025  # contacts' dates are not timed from their company's founding
    assert widths == {"kompanii": 10, "kontakty": 12}, "a company's fake INN is an organisation's"
    assert staff == 8, "eight fake managers for eight real ones"


@pytest.mark.parametrize("which", ["ru", "en"])
def test_no_planted_identifier_reaches_any_file_and_the_gate_says_why(which, request):
    ws, export, info, runs = request.getfixturevalue(which)
    report = runs["report"]
    assert report["privacy"]["identical_match_share_train"] == 0.0
    in_export = leaks(export.folder, export.planted)  # the scan finds every planted value where it is
    assert {k: len(v) for k, v in in_export.items() if k != "full_name"} == {
        k: len({x for x in export.planted[k] if len(x) >= 6}) for k in in_export if k != "full_name"}
    assert len(in_export) >= 6
    found = leaks(ws.home, export.planted)
    assert not found, {k: sorted(v)[:3] for k, v in found.items()}
    if which == "ru":
        assert report["gate"] == "pass", report["reasons"]
        publish(ws, STEWARD, info.id)
        assert not leaks(ws.home, export.planted)
    else:
        # known: the Salesforce-style accounts (80 here, 50 states) fall short of the real rows' quality; the
        # gate must then say so in one line naming the measure, and nothing about privacy
        assert report["gate"] == "pass" or all(r["code"] == "quality" for r in report["reasons"]), report
