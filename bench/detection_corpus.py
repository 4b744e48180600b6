"""Detection on a labelled corpus of columns it has never seen, beside the previous release's detector.

Every identifier kind the product knows (e-mails, phones in English and Russian formats, full names in both
languages, cards, INN, SNILS, Russian passports, IBANs, US SSNs, OGRN, postal addresses, dates of birth),
keys (8-digit customer numbers, invoice numbers such as C536365, UUIDs, row numbers), notes with identifiers
inside (English e-mails and phones, Russian names) and ordinary columns that look numeric, unique or
code-like but are measurements or labels. Each column appears under a helpful English name, a helpful
Russian name and an unhelpful one (``col7``, ``поле_3``): the values must decide. Checksummed values are
made by Faker and checked with python-stdnum.

Run: ``.venv/bin/python bench/detection_corpus.py [rows]`` (default 2,000 rows per column). The previous
release is ``sandbox/detect.py`` at commit 450cbd9 (before values decided keys, IBAN, SSN, OGRN and names in
notes), loaded from git.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from faker import Faker

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sandbox.vault.detect import propose_column  # noqa: E402

PREVIOUS = "450cbd9"
CLASSES = ["direct_identifier", "quasi_identifier", "key", "ordinary"]


def _ogrn(rng: np.random.Generator) -> str:
    body = str(rng.integers(10**11, 10**12))
    return body + str(int(body) % 11 % 10)


def _columns(rows: int) -> list[tuple[tuple[str, str, str], str, str | None, Callable[[], list]]]:
    """(names EN / RU / unhelpful, truth class, truth detail, values) for every corpus column."""
    en, ru, de = Faker("en_US"), Faker("ru_RU"), Faker("de_DE")
    for f in (en, ru, de):
        f.seed_instance(7)
    rng = np.random.default_rng(7)

    def each(make: Callable[[], object]) -> Callable[[], list]:
        return lambda: [make() for _ in range(rows)]

    def notes_en() -> str:
        return f"Called about the renewal, reach at {en.email()} or {en.phone_number()} after 5pm."

    def notes_ru() -> str:
        return f"Звонил {ru.last_name_male()} {ru.first_name_male()}, просил перезвонить после обеда."

    def ssn() -> str:
        from stdnum.us import ssn as check

        return next(s for s in iter(en.ssn, None) if check.is_valid(s))

    return [
        (("email", "почта", "col1"), "direct_identifier", "email", each(en.email)),
        (("phone", "телефон", "col2"), "direct_identifier", "phone", each(en.phone_number)),
        (("mobile", "моб_телефон", "поле_3"), "direct_identifier", "phone", each(ru.phone_number)),
        (("full_name", "ФИО", "col4"), "direct_identifier", "full_name", each(ru.name)),
        (("client_name", "клиент", "col5"), "direct_identifier", "full_name", each(en.name)),
        (("card_number", "номер_карты", "col6"), "direct_identifier", "card_number", each(en.credit_card_number)),
        (("inn", "ИНН", "поле_7"), "direct_identifier", "inn", each(ru.individuals_inn)),
        (("snils", "СНИЛС", "col8"), "direct_identifier", "snils", each(ru.snils)),
        (("passport", "паспорт", "col9"), "direct_identifier", "passport",
         each(lambda: f"{rng.integers(10, 99)} {rng.integers(10, 99)} {rng.integers(100000, 999999)}")),
        (("iban", "счёт", "col10"), "direct_identifier", "other", each(de.iban)),
        (("ssn", "соцномер", "col11"), "direct_identifier", "other", each(ssn)),
        (("ogrn", "ОГРН", "поле_12"), "direct_identifier", "other", each(lambda: _ogrn(rng))),
        (("address", "адрес", "col13"), "direct_identifier", "address", each(lambda: en.address().replace("\n", ", "))),
        (("home_address", "адрес_проживания", "col14"), "direct_identifier", "address", each(ru.address)),
        (("notes", "заметки", "col15"), "direct_identifier", "free_text", each(notes_en)),
        (("comment", "комментарий", "поле_16"), "direct_identifier", "free_text", each(notes_ru)),
        (("birth_date", "дата_рождения", "col17"), "quasi_identifier", "age_band",
         each(lambda: en.date_of_birth(minimum_age=18, maximum_age=90).isoformat())),
        (("customer_id", "ид_клиента", "col18"), "key", None,
         lambda: [str(v) for v in rng.choice(np.arange(10**7, 10**8), rows, replace=False)]),
        (("invoice_no", "номер_счёта", "col19"), "key", None,
         lambda: [("C" if rng.random() < 0.1 else "") + str(536365 + i) for i in range(rows)]),
        (("uuid", "guid", "col20"), "key", None, each(en.uuid4)),
        (("row_id", "номер_строки", "поле_21"), "key", None, lambda: list(range(1, rows + 1))),
        (("amount", "сумма", "col22"), "ordinary", None, lambda: list(rng.lognormal(7, 1, rows).round(2))),
        (("quantity", "количество", "col23"), "ordinary", None, lambda: list(rng.integers(1, 20, rows))),
        (("plan", "тариф", "col24"), "ordinary", None,
         lambda: list(rng.choice(["Basic", "Standard", "Premium", "Business"], rows))),
        (("created_at", "создан", "col25"), "ordinary", None,
         each(lambda: en.date_time_between("-2y").isoformat(sep=" "))),
        (("churned", "ушёл", "col26"), "ordinary", None, lambda: list(rng.choice(["Yes", "No"], rows))),
        (("stock_code", "артикул", "поле_27"), "ordinary", None,
         lambda: [str(v) for v in rng.choice(np.arange(20000, 23000), rows)]),
        (("balance", "баланс", "col28"), "ordinary", None, lambda: list(rng.normal(5000, 3000, rows).round(2))),
        (("income", "доход_семьи", "col29"), "ordinary", None,
         lambda: [int(v) for v in rng.lognormal(10.5, 0.6, rows)]),
        (("description", "описание", "col30"), "ordinary", None,
         each(lambda: en.sentence(nb_words=10))),
        (("channel", "канал", "col31"), "ordinary", None,
         lambda: list(rng.choice(["звонок", "почта", "смс", "мессенджер", "визит"], rows))),
        (("score", "балл", "col32"), "ordinary", None, lambda: list(rng.random(rows).round(6))),
    ]


def _previous() -> Callable[..., object] | None:
    try:
        source = subprocess.run(["git", "show", f"{PREVIOUS}:sandbox/detect.py"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout
    except (subprocess.CalledProcessError, FileNotFoundError):
        return None
    path = Path(tempfile.mkdtemp()) / "detect_previous.py"
    # the catalog was one module then and is a package now: its classes live in sandbox.catalog.model
    path.write_text(source.replace("from sandbox.catalog import", "from sandbox.catalog.model import"))
    spec = importlib.util.spec_from_file_location("detect_previous", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["detect_previous"] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module.propose_column  # type: ignore[no-any-return]


def _score(detect: Callable[..., object], corpus: list) -> tuple[dict[str, tuple[int, int, int]], list[str], float]:
    truth_found: dict[str, list[int]] = {c: [0, 0, 0] for c in CLASSES}  # truth, found, right
    wrong, started = [], time.perf_counter()
    for names, cls, detail, values in corpus:
        for name in names:
            entry = detect("t", name, pd.Series(values))
            got = entry.cls if entry.cls != "sensitive" else "ordinary"  # sensitive is not in this corpus
            got_detail = entry.identifier if got == "direct_identifier" else (
                entry.generalize if got == "quasi_identifier" else None)
            truth_found[cls][0] += 1
            truth_found.setdefault(got, [0, 0, 0])[1] += 1
            if got == cls and (detail is None or got_detail == detail):
                truth_found[cls][2] += 1
            else:
                wrong.append(f"  {name:<20} truth {cls}/{detail}  proposed {got}/{got_detail}")
    return {c: tuple(v) for c, v in truth_found.items()}, wrong, time.perf_counter() - started  # type: ignore


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    started = time.perf_counter()
    corpus = [(names, cls, detail, make()) for names, cls, detail, make in _columns(rows)]
    print(f"corpus: {len(corpus)} kinds x 3 names = {3 * len(corpus)} columns of {rows} rows "
          f"(built in {time.perf_counter() - started:.1f} s)\n")
    runs = [("this release", propose_column)]
    previous = _previous()
    if previous is not None:
        runs.insert(0, (f"previous ({PREVIOUS})", previous))
    results = {label: _score(detect, corpus) for label, detect in runs}
    print(f"{'class':<18} {'truth':>5} | " + " | ".join(f"{label:^26}" for label in results))
    print(f"{'':<18} {'':>5} | " + " | ".join(f"{'precision':>9} {'recall':>7} {'right':>7}" for _ in results))
    for cls in CLASSES:
        cells = []
        for counts, _, _ in results.values():
            truth, found, right = counts.get(cls, (0, 0, 0))
            precision = right / found if found else float("nan")
            recall = right / truth if truth else float("nan")
            cells.append(f"{precision:>9.3f} {recall:>7.3f} {right:>3}/{truth:<3}")
        print(f"{cls:<18} {results[runs[-1][0]][0][cls][0]:>5} | " + " | ".join(cells))
    for label, (_, wrong, seconds) in results.items():
        print(f"\n{label}: {seconds:.1f} s, {len(wrong)} disagreements")
        print("\n".join(wrong))


if __name__ == "__main__":
    main()
