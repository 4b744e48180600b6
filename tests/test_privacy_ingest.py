"""Proof on real data that nothing identifying crosses into the sandbox.

The real datasets (Telco churn, Bank Marketing, Olist with its five linked tables customers, orders,
order_items, order_payments, order_reviews) hold no e-mails, phones, names, birth dates or card numbers.
These tests ADD Faker-made values of each kind (IBANs, SSNs and 8-digit customer numbers among them, in
columns whose names do not help), one person per row, on top of small samples of the real
rows (Olist: 300 orders and their customers, items, payments and reviews, so every foreign key
resolves), plus a free-text note column holding the row's e-mail and phone. The three sources then go
through ingest (accepting the detected classes) -> synthesize (gaussian_copula) -> evaluate, and:

- no planted value (nor a real key value) appears anywhere in the workspace: every cell of every table
  of every DuckDB file (vault, staging, datasets, governance incl. audit details), the bytes of every
  other file (models are pickles), the DuckDB files' bytes, and leftovers in the system temp folder;
- error messages about files holding such values quote none of them;
- every planted column is detected with the right class;
- joins across pseudonymized keys give the row counts the source gives.
"""

from __future__ import annotations

import os
import random
import re
import tempfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from faker import Faker
from stdnum.us import ssn

from sandbox.errors import CatalogError, InputError
from sandbox.release.gate import evaluate
from sandbox.release.synthesize import synthesize
from sandbox.vault.ingest import ingest
from sandbox.vault.pseudonymize import PSEUDONYM_SHAPE
from sandbox.vault.snapshots import latest_snapshot, open_snapshot
from sandbox.workspace import Workspace
from tests.conftest import STEWARD, shared_file

ROWS = 400
ORDERS = 300
OLIST = ["customers", "orders", "order_items", "order_payments", "order_reviews"]
# planted column -> (class, identifier kind or generalization) detection must give it
EXPECTED = {
    "email": ("direct_identifier", "email"),
    "phone": ("direct_identifier", "phone"),
    "name": ("direct_identifier", "full_name"),
    "birth": ("quasi_identifier", "age_band"),
    "card": ("direct_identifier", "card_number"),
    "note": ("direct_identifier", "free_text"),
    # found by their values alone: checksummed IBANs and SSNs, and 8-digit customer numbers unique per row
    "iban": ("direct_identifier", "other"),
    "ssn": ("direct_identifier", "other"),
    "custno": ("key", None),
}
# per source: the person table and the names its planted columns get (some neutral, some Russian)
NAMES = {
    "telco": ("telco", {"email": "email", "phone": "phone", "name": "full_name", "birth": "birth_date",
                        "card": "card_number", "note": "notes", "iban": "ref2", "ssn": "tax_ref",
                        "custno": "ид_клиента"}),
    "bank": ("bank", {"email": "col7", "phone": "Mobile Phone", "name": "ФИО", "birth": "DOB",
                      "card": "payment_ref", "note": "примечание", "iban": "поле_3", "ssn": "col9",
                      "custno": "col8"}),
    "olist": ("customers", {"email": "customer_email", "phone": "контакт", "name": "customer_name",
                            "birth": "дата_рождения", "card": "card_number", "note": "memo", "iban": "счёт",
                            "ssn": "doc", "custno": "внутр"}),
}


def _people(rows: int, seed: int) -> tuple[pd.DataFrame, set[str]]:
    """Faker persons (a mix of ru_RU and en_US), and every planted string in the forms it may take."""
    en, ru = Faker("en_US"), Faker("ru_RU")
    en.seed_instance(seed)
    ru.seed_instance(seed)
    data: dict[str, list] = {k: [] for k in EXPECTED}
    numbers = random.Random(seed).sample(range(10_000_000, 100_000_000), rows)
    for i in range(rows):
        fake = ru if i % 2 else en
        email, phone = en.unique.email(), fake.unique.phone_number()
        born = fake.date_of_birth(minimum_age=18, maximum_age=90)
        data["email"].append(email)
        data["phone"].append(phone)
        data["name"].append(f"{fake.first_name()} {fake.last_name()}")
        data["birth"].append(born.strftime("%d.%m.%Y") if seed % 2 else born.isoformat())
        data["card"].append(en.unique.credit_card_number())
        data["iban"].append(en.unique.iban())
        data["ssn"].append(next(s for s in iter(en.ssn, None) if ssn.is_valid(s)))
        data["custno"].append(numbers[i])
        note = fake.sentence(nb_words=8)
        data["note"].append(note + (f" Contact {email}, tel. {phone}." if i % 3 == 0 else ""))
    frame = pd.DataFrame(data)
    planted = {str(v) for col in ("email", "phone", "name", "card", "iban", "ssn", "custno") for v in frame[col]}
    planted |= set(frame["birth"]) | {_iso(b)
                                     for b in frame["birth"]}
    planted |= {n for n in frame["note"] if "@" in n}
    return frame, planted


def _iso(day: str) -> str:
    """A planted birth date (dd.mm.yyyy or ISO) in ISO form."""
    return day if "-" in day else "-".join(reversed(day.split(".")))


def _with_people(real: pd.DataFrame, source: str, seed: int) -> tuple[pd.DataFrame, set[str]]:
    people, planted = _people(len(real), seed)
    return pd.concat([real.reset_index(drop=True), people.rename(columns=NAMES[source][1])], axis=1), planted


def _olist_sample() -> dict[str, pd.DataFrame]:
    folder = shared_file("olist-ecommerce")
    orders = pd.read_csv(folder / "olist_orders_dataset.csv").sample(ORDERS, random_state=1)
    customers = pd.read_csv(folder / "olist_customers_dataset.csv")
    tables = {"customers": customers[customers.customer_id.isin(orders.customer_id)], "orders": orders}
    for name in OLIST[2:]:
        frame = pd.read_csv(folder / f"olist_{name}_dataset.csv")
        tables[name] = frame[frame.order_id.isin(orders.order_id)]
    return tables


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, set[str], dict[str, pd.DataFrame]]]:
    """Per source: the export path, the planted strings (and real key values), and the written tables."""
    root = tmp_path_factory.mktemp("exports")
    out = {}
    telco = pd.read_csv(shared_file("telco-churn", "Telco-Customer-Churn.csv")).sample(ROWS, random_state=0)
    frame, planted = _with_people(telco, "telco", seed=1)
    frame.to_csv(root / "telco.csv", index=False)
    out["telco"] = (root / "telco.csv", planted | set(telco.customerID), {"telco": frame})
    bank = pd.read_csv(shared_file("bank-marketing", "bank-additional-full.csv"), sep=";").sample(
        ROWS, random_state=0)
    frame, planted = _with_people(bank, "bank", seed=2)
    frame.to_csv(root / "bank.csv", index=False, sep=";")
    out["bank"] = (root / "bank.csv", planted, {"bank": frame})
    tables = _olist_sample()
    tables["customers"], planted = _with_people(tables["customers"], "olist", seed=3)
    folder = root / "olist"
    folder.mkdir()
    for name, table in tables.items():
        table.to_csv(folder / f"{name}.csv", index=False)
    keys = {str(v) for t in tables.values() for c in t.columns if c.endswith("_id") for v in t[c] if len(str(v)) > 8}
    out["olist"] = (folder, planted | keys, tables)
    return out


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory, exports) -> tuple[Workspace, dict, dict]:
    """One workspace where all three sources went through ingest -> synthesize -> evaluate."""
    ws = Workspace(tmp_path_factory.mktemp("privacy-ws"))
    results, reports = {}, {}
    for source, (path, _, _) in exports.items():
        results[source] = ingest(ws, STEWARD, [path], source, accept_proposed=True)
        info = synthesize(ws, STEWARD, source, generator="gaussian_copula", seed=0, rows=150)
        reports[source] = evaluate(ws, STEWARD, info.id)
    return ws, results, reports


def _boundary_regex(values: set[str]) -> re.Pattern[str]:
    """One regex matching any of ``values`` as a whole token, built as a trie so thousands stay fast."""
    trie: dict = {}
    for v in values:
        node = trie
        for ch in v:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        alts = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return re.compile(r"(?<![\w@.+\-])" + build(trie) + r"(?![\w@])")


def _duckdb_text(path: Path) -> list[tuple[str, str]]:
    """Every table of a DuckDB file as (table, all its cells as text)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = []
        for db, schema, table in con.execute("SELECT table_catalog, table_schema, table_name FROM "
                                             "information_schema.tables").fetchall():
            ref = f'"{db}"."{schema}"."{table}"'
            cols = [d[0] for d in con.execute(f"SELECT * FROM {ref} LIMIT 0").description]
            cells = " || '\n' || ".join(f"coalesce(CAST(\"{c}\" AS VARCHAR), '')" for c in cols)
            text = "\n".join(r[0] for r in con.execute(f"SELECT {cells} FROM {ref}").fetchall())
            out.append((f"{path.name}:{table}", text))
        return out
    finally:
        con.close()


def _file_text(path: Path) -> str:
    """The printable runs of a file's bytes (UTF-8 text, pickled strings), as text."""
    runs = re.findall(rb"[\t\n\r\x20-\x7e\x80-\xff]{6,}", path.read_bytes())
    return "\n".join(r.decode("utf-8", errors="replace") for r in runs)


def _findings(paths: list[Path], pattern: re.Pattern[str]) -> list[str]:
    """Planted values found: in every cell of DuckDB files, and in the bytes of every other file."""
    found = []
    for path in paths:
        # DuckDB pages are compressed: read them through DuckDB, cell by cell
        texts = _duckdb_text(path) if path.suffix == ".duckdb" else [(path.name, _file_text(path))]
        found += [f"{where}: {m.group(0)!r}" for where, text in texts for m in pattern.finditer(text)]
    return found


def test_no_planted_value_anywhere_in_the_workspace(pipeline, exports):
    """Files of one source (vault snapshot, model, synthetic data) are scanned for that source's values:
    a fake "Kevin Johnson" made for Telco may equal a planted Bank customer by chance, which is no leak.
    Everything else (governance with catalogs, audit and gate reports; settings) is scanned for all."""
    ws, results, reports = pipeline
    planted = {source: p for source, (_, p, _) in exports.items()}
    everything = set().union(*planted.values())
    assert len(everything) > 3000
    files = [p for p in sorted(ws.home.rglob("*")) if p.is_file() and p.suffix != ".lock"]
    kinds = {p.parent.name for p in files if p.suffix == ".duckdb"}
    assert {"vault", "staging"} <= kinds and any(p.suffix == ".model" for p in files)
    for source, values in [*planted.items(), ("", everything)]:
        pattern = _boundary_regex(values)
        assert pattern.search(f'{{"x": "{next(iter(values))}"}}'), "the scanner must find a planted value"
        own = [p for p in files if (p.name.startswith(f"{source}-") if source else
                                    not any(p.name.startswith(f"{s}-") for s in planted))]
        assert own, source
        assert _findings(own, pattern) == [], source
    # ``pattern`` now matches every planted value of every source
    for source, report in reports.items():
        assert report["privacy"]["leaked_values"] == 0, source
        assert not [w for w in results[source].warnings if pattern.search(w)]
    # this process's spill folders and every transcoded copy; another test worker's live ingest is not a leak,
    # and its files may vanish while they are read
    tmp = Path(tempfile.gettempdir())
    temp = [p for d in [*tmp.glob(f"sandbox-ingest-{os.getpid()}-*"), *tmp.glob("sandbox-transcoded-*")]
            for p in ([d] if d.is_file() else d.rglob("*")) if p.is_file()]
    assert _findings([p for p in temp if p.exists()], pattern) == [], \
        "an ingest left raw values in the system temp folder"


def test_models_and_synthetic_data_hold_no_pseudonym(pipeline):
    """Generators learn data columns only: no vault pseudonym (the link back to a person) leaves the vault."""
    ws, _, _ = pipeline
    vault_pseudonyms: set[str] = set()
    for path in (ws.home / "vault").glob("*.duckdb"):
        vault_pseudonyms |= {p for _, text in _duckdb_text(path) for p in re.findall(r"p[0-9a-f]{20}", text)}
    assert len(vault_pseudonyms) > 2000
    outside = [p for p in ws.home.rglob("*") if p.is_file() and p.parent.name in {"models", "staging", "datasets"}]
    assert any(p.suffix == ".model" for p in outside)
    found = {m.group(0).decode() for p in outside if p.suffix != ".duckdb" for m in PSEUDONYM_SHAPE.finditer(
        p.read_bytes())}
    found |= {v for p in outside if p.suffix == ".duckdb" for _, text in _duckdb_text(p)
              for v in re.findall(r"p[0-9a-f]{20}", text)}
    assert not found & vault_pseudonyms


def test_planted_columns_are_detected_with_their_class(pipeline):
    ws, results, _ = pipeline
    from sandbox.catalog import store as catalog_store

    for source, (table, names) in NAMES.items():
        cat = catalog_store.latest(ws, source)
        for kind, (cls, detail) in EXPECTED.items():
            entry = cat.tables[table].columns[names[kind]]
            got = entry.generalize if cls == "quasi_identifier" else entry.identifier
            assert (entry.cls, got) == (cls, detail), f"{source}.{names[kind]}: {entry.justification}"
        dropped = set(results[source].dropped_columns[table])
        assert {names[k] for k, (cls, _) in EXPECTED.items() if cls == "direct_identifier"} <= dropped


def test_joins_across_pseudonyms_match_the_source(pipeline, exports):
    ws, _, _ = pipeline
    src = exports["olist"][2]
    expected = {
        "orders-customers": len(src["orders"].merge(src["customers"], on="customer_id")),
        "items-orders": len(src["order_items"].merge(src["orders"], on="order_id")),
        "payments-orders": len(src["order_payments"].merge(src["orders"], on="order_id")),
        "reviews-orders": len(src["order_reviews"].merge(src["orders"], on="order_id")),
        "people": src["customers"].customer_unique_id.nunique(),
        "items-per-order": src["order_items"].groupby("order_id").size().max(),
    }
    snap = latest_snapshot(ws, STEWARD, "olist")
    with open_snapshot(ws, STEWARD, snap.id) as con:
        got = {
            "orders-customers": "SELECT count(*) FROM orders JOIN customers USING (customer_id)",
            "items-orders": "SELECT count(*) FROM order_items JOIN orders USING (order_id)",
            "payments-orders": "SELECT count(*) FROM order_payments JOIN orders USING (order_id)",
            "reviews-orders": "SELECT count(*) FROM order_reviews JOIN orders USING (order_id)",
            "people": "SELECT count(DISTINCT customer_unique_id) FROM customers",
            "items-per-order": "SELECT max(n) FROM (SELECT count(*) AS n FROM order_items GROUP BY order_id)",
        }
        got = {k: con.execute(sql).fetchone()[0] for k, sql in got.items()}
        sample = con.execute("SELECT order_id, customer_id FROM orders LIMIT 5").fetchall()
    assert got == expected
    assert all(re.fullmatch(r"p[0-9a-f]{20}", v) for row in sample for v in row)


def test_error_messages_quote_no_value(tmp_path: Path, exports):
    ws = Workspace(tmp_path / "ws")
    frame = exports["telco"][2]["telco"].head(40)
    planted = exports["telco"][1]
    pattern = _boundary_regex(planted)
    lines = frame.to_csv(index=False).splitlines()
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("\n".join([*lines[:20], lines[20] + ",extra@mail.ru," + frame.email[20], *lines[21:]]) + "\n")
    unterminated = tmp_path / "quote.csv"
    unterminated.write_text("\n".join([*lines[:30], lines[30] + ',"' + frame.email[30]]) + "\n")
    mixed = tmp_path / "mixed.csv"
    numbers = "\n".join(f"{i},{i * 7}" for i in range(25_000))
    mixed.write_text(f"id,amount\n{numbers}\n25000,{frame.email[5]}\n")
    messages = []
    for path, error in ((ragged, InputError), (unterminated, InputError), (tmp_path / "ragged.csv", CatalogError)):
        with pytest.raises(error) as info:
            if error is CatalogError:  # an unconfirmed catalog lists columns, never values
                ingest(ws, STEWARD, [exports["telco"][0]], "telco")
            else:
                ingest(ws, STEWARD, [path], "crm", accept_proposed=True)
        messages.append(str(info.value))
    result = ingest(ws, STEWARD, [mixed], "mixed", accept_proposed=True)
    messages += result.warnings
    assert "line 21: " in messages[0] and "amount" in messages[-1]
    assert [m for m in messages if pattern.search(m) or frame.email[5] in m] == []
