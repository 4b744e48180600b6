"""Two new customers' CRM exports, written as they come (for tests/test_trial_*.py and bench/trial_exports.py).

* ``write_ru_export``: a 1C/Bitrix24-style folder: ``;``-separated CSV in cp1251 (companies in UTF-8 with a
  BOM), Russian headers and file names, decimal commas with a no-break space for thousands, dates
  ``dd.mm.yyyy`` and ``dd.mm.yyyy hh:mm``, phones as ``+7 (912) 345-67-89`` / ``8 912 3456789``, personal INN
  (12 digits) and company INN (10 digits) and OGRN with valid checksums, SNILS ``123-456-789 01``, passports,
  free-text comments naming people and their phones; deals point at contacts by a numeric ``Контакт``.
  One table (activities) has no helpful column names at all (``Поле1`` ...).
* ``write_en_export``: a HubSpot/Salesforce-style folder: accounts in Parquet, contacts and opportunities in
  CSV with quoted multi-line notes, 18-character Salesforce Ids as keys with ``AccountId``/``WhoId`` links,
  ISO and US dates, ``$1,234.50`` amounts, ``Yes``/``No`` flags, e-mails, US phones, SSNs in ``Field_17``,
  IBANs, JSON blobs, empty strings for missing values.

Every identifier is real in form (checksums from python-stdnum, phones valid for phonenumbers). Each writer
returns the planted identifiers (``Export.planted``: kind -> set of exact strings as written) so a test
can look for every one of them in the vault, the model, the synthetic data, the logs and the errors.
"""

from __future__ import annotations

import json
import random
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import phonenumbers
from faker import Faker
from stdnum.ru import inn as std_inn
from stdnum.ru import ogrn as std_ogrn
from stdnum.us import ssn as std_ssn

NBSP = "\u00a0"


@dataclass
class Export:
    """A written export: its folder, its tables' files and the identifiers planted in it."""

    folder: Path
    files: dict[str, Path] = field(default_factory=dict)
    planted: dict[str, set[str]] = field(default_factory=dict)
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (child file stem, column, parent stem)
    numbers: dict[str, list[str]] = field(default_factory=dict)  # file stem -> columns that are numbers
    dates: dict[str, list[str]] = field(default_factory=dict)  # file stem -> columns that are dates

    def plant(self, kind: str, value: str) -> str:
        self.planted.setdefault(kind, set()).add(value)
        return value

    def every_planted(self) -> set[str]:
        return set().union(*self.planted.values())


# --------------------------------------------------------------------------------------------- checksums
def personal_inn(rng: random.Random) -> str:
    """A 12-digit Russian personal INN with valid check digits."""
    body = f"{rng.choice([77, 50, 66, 16, 54, 78])}{rng.randrange(10**8):08d}"
    return body + std_inn.calc_personal_check_digits(body)


def company_inn(rng: random.Random) -> str:
    """A 10-digit Russian company INN with a valid check digit."""
    body = f"{rng.choice([77, 50, 66, 16, 54, 78])}{rng.randrange(10**7):07d}"
    return body + std_inn.calc_company_check_digit(body)


def ogrn(rng: random.Random) -> str:
    body = f"1{rng.randrange(2, 24):02d}{rng.choice([77, 50, 66, 16, 54, 78])}{rng.randrange(10**7):07d}"
    return body + std_ogrn.calc_check_digit(body + "0")


def snils(rng: random.Random) -> str:
    """SNILS as ``123-456-789 01`` with a valid control number."""
    while True:
        digits = f"{rng.randrange(2_000_000, 999_999_999):09d}"
        total = sum(int(d) * (9 - i) for i, d in enumerate(digits))
        check = total % 101 % 100
        if len(set(digits)) > 2:
            return f"{digits[:3]}-{digits[3:6]}-{digits[6:]} {check:02d}"


def passport(rng: random.Random) -> str:
    return f"{rng.randrange(10, 99)} {rng.randrange(0, 24):02d} {rng.randrange(100000, 999999)}"


def ru_phone(rng: random.Random) -> tuple[str, str]:
    """A valid Russian mobile number in two of the ways people write it, and its E.164 form."""
    while True:
        national = f"9{rng.randrange(10, 99)}{rng.randrange(10**7):07d}"
        parsed = phonenumbers.parse("+7" + national)
        if phonenumbers.is_valid_number(parsed):
            break
    n = national
    styles = [f"+7 ({n[:3]}) {n[3:6]}-{n[6:8]}-{n[8:]}", f"8 {n[:3]} {n[3:]}", f"+7{n}", f"8({n[:3]}){n[3:6]}-{n[6:]}"]
    return rng.choice(styles), "+7" + national


def us_phone(rng: random.Random) -> str:
    while True:
        area = rng.choice([212, 312, 415, 617, 646, 713, 206, 303])
        number = f"{area}{rng.randrange(200, 999)}{rng.randrange(10**4):04d}"
        if phonenumbers.is_valid_number(phonenumbers.parse("+1" + number)):
            return rng.choice([f"({number[:3]}) {number[3:6]}-{number[6:]}", f"{number[:3]}-{number[3:6]}-{number[6:]}",
                               f"+1 {number[:3]} {number[3:6]} {number[6:]}"])


def ssn(rng: random.Random) -> str:
    while True:
        value = f"{rng.randrange(1, 899):03d}-{rng.randrange(1, 99):02d}-{rng.randrange(1, 9999):04d}"
        if std_ssn.is_valid(value):
            return value


def sf_id(rng: random.Random, prefix: str) -> str:
    """An 18-character Salesforce Id: 15 case-sensitive characters and the 3-character case checksum."""
    base = prefix + "5g" + "0000" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(6))
    alphabet = string.ascii_uppercase + "012345"
    suffix = ""
    for chunk in (base[0:5], base[5:10], base[10:15]):
        bits = sum(1 << i for i, ch in enumerate(chunk) if ch.isupper())
        suffix += alphabet[bits]
    return base + suffix


def ru_money(value: float) -> str:
    whole, frac = f"{value:,.2f}".split(".")
    return whole.replace(",", NBSP) + "," + frac


def _start(folder: Path, locale: str, seed: int, staff_kind: str, staff: int) -> tuple[random.Random, Faker,
                                                                                    Export, list[str]]:
    """What both exports begin with: seeded randomness and fakes, the folder, and the staff's names (planted)."""
    rng = random.Random(seed)
    fake = Faker(locale)
    fake.seed_instance(seed)
    folder.mkdir(parents=True, exist_ok=True)
    ex = Export(folder)
    names = [fake.name() for _ in range(staff)]
    for name in names:
        ex.plant(staff_kind, name)
    return rng, fake, ex, names


# --------------------------------------------------------------------------------------------- Russian
def write_ru_export(folder: Path, contacts: int = 600, seed: int = 0) -> Export:
    """A 1C/Bitrix24-style export of ``contacts`` people, their companies, deals and activities."""
    rng, fake, ex, managers = _start(folder, "ru_RU", seed, "manager", 8)
    industries = ["Розничная торговля", "Производство", "ИТ", "Логистика", "Строительство", "Услуги"]
    cities = ["Москва", "Санкт-Петербург", "Екатеринбург", "Казань", "Новосибирск", "Пермь", "Самара"]

    n_companies = max(20, contacts // 6)
    companies = []
    for i in range(n_companies):
        registered = date(2000, 1, 1) + timedelta(days=rng.randrange(8000))
        companies.append({
            "ID": 5000 + i * 3,
            "Название": f"ООО «{fake.company().replace('«', '').replace('»', '')} {i}»",
            "ИНН": ex.plant("company_inn", company_inn(rng)),
            "ОГРН": ex.plant("ogrn", ogrn(rng)),
            "КПП": f"{rng.randrange(10**8, 10**9 - 1)}",
            "Отрасль": rng.choice(industries),
            "Город": rng.choice(cities),
            "Сотрудников": rng.choice([5, 12, 40, 120, 300, 1500]),
            "Дата регистрации": registered.strftime("%d.%m.%Y"),
        })

    people = []
    for i in range(contacts):
        male = rng.random() < 0.5
        last = fake.last_name_male() if male else fake.last_name_female()
        first = fake.first_name_male() if male else fake.first_name_female()
        middle = fake.middle_name_male() if male else fake.middle_name_female()
        fio = f"{last} {first} {middle}"
        phone, e164 = ru_phone(rng)
        born = date(1955, 1, 1) + timedelta(days=rng.randrange(16000))
        created = datetime(2023, 1, 1) + timedelta(minutes=rng.randrange(60 * 24 * 700))
        email = f"{fake.user_name()}{i}@{rng.choice(['mail.ru', 'yandex.ru', 'gmail.com', 'bk.ru'])}"
        manager = rng.choice(managers)
        comment = rng.choice([
            f"Звонил {first} {middle}, просил перезвонить по номеру {phone}",
            f"Клиент {last} {first[0]}. {middle[0]}. интересуется тарифом, тел. {phone}",
            "Клиент интересуется скидкой",
            f"Передан менеджеру {manager}",
            "",
        ])
        people.append({
            "ID": 100 + i * 7,
            "ФИО": ex.plant("fio", fio),
            "Телефон": ex.plant("phone", phone),
            "E-mail": ex.plant("email", email),
            "ИНН": ex.plant("inn", personal_inn(rng)) if rng.random() < 0.8 else "",
            "СНИЛС": ex.plant("snils", snils(rng)),
            "Дата рождения": born.strftime("%d.%m.%Y"),
            "Паспорт": ex.plant("passport", passport(rng)),
            "Пол": "Мужской" if male else "Женский",
            "Город": rng.choice(cities),
            "Компания": rng.choice(companies)["ID"] if rng.random() < 0.7 else "",
            "Источник": rng.choice(["Сайт", "Звонок", "Выставка", "Рекомендация", "Реклама"]),
            "Дата создания": created.strftime("%d.%m.%Y %H:%M"),
            "Ответственный": manager,
            "Комментарий": comment,
        })
        ex.planted.setdefault("e164", set()).add(e164)

    deals = []
    did = 1
    for p in people:
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            start = datetime.strptime(p["Дата создания"], "%d.%m.%Y %H:%M") + timedelta(days=rng.randrange(1, 90))
            stage = rng.choice(["Новая", "В работе", "Успешно", "Успешно", "Провал"])
            amount = round(rng.lognormvariate(11, 1.1), 2)
            deals.append({
                "ID": did,
                "Название": f"Сделка #{did}",
                "Контакт": p["ID"],
                "Компания": p["Компания"],
                "Сумма сделки": ru_money(amount),
                "Валюта": "RUB",
                "Стадия": stage,
                "Дата начала": start.strftime("%d.%m.%Y"),
                "Дата закрытия": (start + timedelta(days=rng.randrange(3, 120))).strftime("%d.%m.%Y")
                if stage in ("Успешно", "Провал") else "",
                "Ответственный": p["Ответственный"],
                "Комментарий": rng.choice(["", "Ждём оплату", f"Договорились с {p['ФИО'].split()[1]}",
                                           f"Контакт: {p['Телефон']}", "Счёт выставлен"]),
            })
            did += 1

    activities = []
    for d in deals:
        for _ in range(rng.choice([0, 1, 2])):
            when = datetime.strptime(d["Дата начала"], "%d.%m.%Y") + timedelta(minutes=rng.randrange(60 * 24 * 30))
            activities.append({
                "Поле1": len(activities) + 1,
                "Поле2": d["ID"],
                "Поле3": rng.choice(["Звонок", "Письмо", "Встреча"]),
                "Поле4": when.strftime("%d.%m.%Y %H:%M"),
                "Поле5": ru_money(rng.randrange(1, 3600) / 60),
                "Поле6": rng.choice(["Да", "Нет"]),
            })

    def write(name: str, rows: list[dict], encoding: str) -> Path:
        path = folder / f"{name}.csv"
        pd.DataFrame(rows).to_csv(path, sep=";", index=False, encoding=encoding, lineterminator="\r\n")
        ex.files[name] = path
        return path

    write("Компании", companies, "utf-8-sig")
    write("Контакты", people, "cp1251")
    write("Сделки", deals, "cp1251")
    write("Дела", activities, "cp1251")
    ex.links = [("Контакты", "Компания", "Компании"), ("Сделки", "Контакт", "Контакты"),
                ("Сделки", "Компания", "Компании"), ("Дела", "Поле2", "Сделки")]
    ex.numbers = {"Сделки": ["Сумма сделки"], "Дела": ["Поле5"], "Компании": ["Сотрудников"]}
    ex.dates = {"Контакты": ["Дата создания"], "Сделки": ["Дата начала", "Дата закрытия"], "Дела": ["Поле4"],
                "Компании": ["Дата регистрации"]}
    return ex


# --------------------------------------------------------------------------------------------- English
def write_en_export(folder: Path, contacts: int = 600, seed: int = 0) -> Export:
    """A HubSpot/Salesforce-style export: accounts (Parquet), contacts and opportunities (CSV)."""
    rng, fake, ex, owners = _start(folder, "en_US", seed, "owner", 6)

    accounts = []
    for i in range(max(20, contacts // 5)):
        accounts.append({
            "Id": sf_id(rng, "001"),
            "Name": f"{fake.company()} {i}",
            "Industry": rng.choice(["Banking", "Retail", "Technology", "Healthcare", "Energy"]),
            "AnnualRevenue": float(rng.choice([1e6, 5e6, 2.5e7, 1e8]) * rng.uniform(0.5, 2)),
            "NumberOfEmployees": rng.choice([10, 50, 200, 1000, 5000]),
            "BillingState": fake.state_abbr(),
            "CreatedDate": (datetime(2020, 1, 1) + timedelta(hours=rng.randrange(30000))).isoformat() + "Z",
            "Bank_Account__c": ex.plant("company_iban", Faker("de_DE").iban()) if rng.random() < 0.6 else None,
        })
    contacts_rows = []
    for i in range(contacts):
        first, last = fake.first_name(), fake.last_name()
        ex.plant("full_name", f"{first} {last}")
        phone = us_phone(rng)
        email = f"{first.lower()}.{last.lower()}{i}@{fake.free_email_domain()}"
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(18000))
        note = rng.choice([
            f"Spoke with {first} {last} on the phone.\nCall back at {phone}, prefers mornings.",
            f"Met {first} at the conference;\n\"very interested\" in the premium plan",
            "Asked about pricing",
            "",
        ])
        contacts_rows.append({
            "Id": sf_id(rng, "003"),
            "AccountId": rng.choice(accounts)["Id"] if rng.random() < 0.85 else "",
            "FirstName": first,
            "LastName": last,
            "Email": ex.plant("email", email),
            "Phone": ex.plant("phone", phone),
            "Field_17": ex.plant("ssn", ssn(rng)),
            "Birthdate": born.strftime("%m/%d/%Y"),
            "HasOptedOutOfEmail": rng.choice(["Yes", "No", "No"]),
            "LeadSource": rng.choice(["Web", "Phone Inquiry", "Partner Referral", "Trade Show", ""]),
            "IBAN__c": ex.plant("iban", fake.iban()) if rng.random() < 0.5 else "",
            "MailingState": fake.state_abbr(),
            "Notes": note,
            "Properties__c": json.dumps({"score": rng.randrange(100), "tags": rng.sample(["vip", "churn", "new"], 2),
                                         "utm": rng.choice(["google", "fb", "email"])}),
            "CreatedDate": f"{datetime(2022, 1, 1) + timedelta(minutes=rng.randrange(10**6)):%Y-%m-%d %H:%M:%S}",
            "OwnerName": rng.choice(owners),
        })
    opps = []
    for c in contacts_rows:
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            stage = rng.choice(["Prospecting", "Negotiation", "Closed Won", "Closed Won", "Closed Lost"])
            amount = round(rng.lognormvariate(8, 1.2), 2)
            created = datetime.strptime(c["CreatedDate"], "%Y-%m-%d %H:%M:%S").date()
            close = created + timedelta(days=rng.randrange(5, 200))
            opps.append({
                "Id": sf_id(rng, "006"),
                "AccountId": c["AccountId"],
                "WhoId": c["Id"],
                "Amount": f"${amount:,.2f}",
                "StageName": stage,
                "CloseDate": close.strftime("%m/%d/%Y"),
                "IsWon": "Yes" if stage == "Closed Won" else "No",
                "Probability": {"Prospecting": 10, "Negotiation": 60}.get(stage, 100 if stage == "Closed Won" else 0),
                "Type": rng.choice(["New Business", "Renewal", "Upsell"]),
                "Description": rng.choice(["", f"Follow up with {c['FirstName']}\nsee email {c['Email']}",
                                           "Budget approved", "Q3 deal"]),
            })
    pd.DataFrame(accounts).to_parquet(folder / "Account.parquet", index=False)
    pd.DataFrame(contacts_rows).to_csv(folder / "Contact.csv", index=False)
    pd.DataFrame(opps).to_csv(folder / "Opportunity.csv", index=False)
    ex.files = {"Account": folder / "Account.parquet", "Contact": folder / "Contact.csv",
                "Opportunity": folder / "Opportunity.csv"}
    for c in contacts_rows:
        ex.plant("sf_contact_id", c["Id"])
    ex.links = [("Contact", "AccountId", "Account"), ("Opportunity", "WhoId", "Contact"),
                ("Opportunity", "AccountId", "Account")]
    ex.numbers = {"Opportunity": ["Amount", "Probability"], "Account": ["AnnualRevenue"]}
    ex.dates = {"Contact": ["Birthdate", "CreatedDate"], "Opportunity": ["CloseDate"], "Account": ["CreatedDate"]}
    return ex


# --------------------------------------------------------------------------------------------- leak scan
SCANNED_KINDS = ("fio", "phone", "email", "inn", "snils", "passport", "company_inn", "ogrn", "ssn", "iban",
                 "company_iban", "sf_contact_id", "full_name")


def leaks(home: Path, planted: dict[str, set[str]], texts: Iterable[str] = ()) -> dict[str, set[str]]:
    """Planted identifiers found anywhere in a workspace (every cell of every DuckDB file, the bytes of every
    other file but the keys) or in the given ``texts`` (command output, error lines): kind -> values.

    Each value is indexed by its longest word, so a cell is compared only with the values sharing a word with it
    (tens of thousands of values against millions of cells in seconds); other files are cut into pieces at
    characters no planted value holds."""
    import duckdb

    index: dict[str, list[tuple[str, str]]] = {}
    for kind in SCANNED_KINDS:
        for v in planted.get(kind, ()):
            words = re.findall(r"\w+", v)
            if len(v) >= 6 and words:
                index.setdefault(max(words, key=len), []).append((kind, v))
    found: dict[str, set[str]] = {}

    def look(cell: str) -> None:
        for word in set(re.findall(r"\w+", cell)):
            for kind, v in index.get(word, ()):
                if v in cell:
                    found.setdefault(kind, set()).add(v)

    def look_blob(blob: str) -> None:
        for piece in re.split(r"[^\w\s+()\-.@«»#№]", blob):
            if len(piece) >= 6:
                look(piece)

    for text in texts:
        look_blob(text)
    for path in sorted(home.rglob("*")):
        if not path.is_file() or "secrets" in path.parts or path.suffix in (".wal", ".lock", ".intent"):
            continue
        if path.suffix in (".duckdb", ".parquet"):  # compressed: read their cells
            con = duckdb.connect(str(path), read_only=True) if path.suffix == ".duckdb" else duckdb.connect()
            try:
                queries = ([f"SELECT * FROM read_parquet('{path}')"] if path.suffix == ".parquet" else [
                    f'SELECT * FROM "{schema}"."{table}"' for schema, table in con.execute(
                        "SELECT table_schema, table_name FROM information_schema.tables").fetchall()])
                for query in queries:
                    for row in con.execute(query).fetchall():
                        for cell in row:
                            if isinstance(cell, str) and len(cell) >= 6:
                                look(cell)
            finally:
                con.close()
        else:
            data = path.read_bytes()
            look_blob(data.decode("utf-8", errors="replace"))
            look_blob(data.decode("cp1251", errors="replace"))
    return found
