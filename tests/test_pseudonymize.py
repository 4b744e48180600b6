"""Keyed pseudonyms (properties over any key and identifier) and the free-text scrubber."""

from __future__ import annotations

import re

import duckdb
import pytest
from faker import Faker
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.vault.pseudonymize import PSEUDONYM_CHARS, key_id, pseudonym, pseudonymizer, register_udf
from sandbox.vault.scrub import register_scrub_udf, scrub

keys = st.binary(min_size=1, max_size=64)
identifiers = st.text(min_size=0, max_size=80)  # any Unicode, incl. Cyrillic, empty and control characters


@given(key=keys, value=identifiers)
def test_pseudonym_is_deterministic_and_shaped(key: bytes, value: str) -> None:
    first = pseudonym(key, value)
    assert first == pseudonym(key, value)
    assert re.fullmatch(rf"p[0-9a-f]{{{PSEUDONYM_CHARS}}}", first)
    assert value not in first[1:] or len(value) < 4  # the value itself never shows through


@given(key=keys, values=st.lists(st.one_of(st.none(), st.integers(), identifiers), max_size=20))
def test_the_batch_pseudonymizer_is_the_same_function(key: bytes, values: list) -> None:
    one = pseudonymizer(key)
    assert [one(v) for v in values] == [pseudonym(key, v) for v in values]


@given(key=keys, values=st.lists(identifiers, min_size=2, max_size=30, unique=True))
def test_distinct_identifiers_get_distinct_pseudonyms(key: bytes, values: list[str]) -> None:
    assert len({pseudonym(key, v) for v in values}) == len(values)


@given(keys=st.lists(keys, min_size=2, max_size=5, unique=True), value=identifiers)
def test_pseudonyms_differ_across_keys(keys: list[bytes], value: str) -> None:
    assert len({pseudonym(k, value) for k in keys}) == len(keys)
    assert len({key_id(k) for k in keys}) == len(keys)


def test_none_stays_none_and_numbers_read_as_text() -> None:
    assert pseudonym(b"k", None) is None
    assert pseudonym(b"k", 42) == pseudonym(b"k", "42")


@settings(max_examples=25, deadline=None)
@given(key=keys, values=st.lists(st.one_of(st.none(), identifiers), min_size=1, max_size=300))
def test_duckdb_udf_equals_the_python_function(key: bytes, values: list[str | None]) -> None:
    con = duckdb.connect()
    try:
        register_udf(con, key)
        con.execute("CREATE TABLE t (i INTEGER, v VARCHAR)")
        con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(values)))
        got = [r[0] for r in con.execute("SELECT pseudonym(v) FROM t ORDER BY i").fetchall()]
    finally:
        con.close()
    assert got == [pseudonym(key, v) for v in values]
    assert [g is None for g in got] == [v is None for v in values]


def test_udf_casts_other_types_like_the_ingest_does() -> None:
    con = duckdb.connect()
    register_udf(con, b"key")
    got = con.execute("SELECT pseudonym(CAST(12345 AS VARCHAR)), pseudonym(CAST(NULL AS VARCHAR))").fetchone()
    assert got == (pseudonym(b"key", "12345"), None)


# ---------------------------------------------------------------- free-text scrubber


def _notes(n: int = 60) -> list[tuple[str, list[str]]]:
    """Faker notes, each holding identifiers of every kind, with the identifiers planted in it."""
    en, ru = Faker("en_US"), Faker("ru_RU")
    en.seed_instance(5)
    ru.seed_instance(5)
    notes = []
    for i in range(n):
        snils = ru.snils()
        ids = [en.email(), ru.phone_number() if i % 2 else en.phone_number(), en.credit_card_number(),
               f"{snils[:3]}-{snils[3:6]}-{snils[6:9]} {snils[9:]}", ru.individuals_inn(), ru.passport_number()]
        text = (f"{ru.sentence(nb_words=6)} Почта {ids[0]}, звонить {ids[1]}. Карта {ids[2]}; СНИЛС {ids[3]}, "
                f"ИНН {ids[4]}, паспорт {ids[5]}. Встреча 2024-03-15 10:30, сумма 1500 руб. {en.sentence()}")
        notes.append((text, ids))
    return notes


def test_scrub_replaces_every_planted_identifier_and_keeps_the_rest() -> None:
    for text, ids in _notes():
        clean = scrub(text)
        assert not [v for v in ids if v in clean], clean
        found = re.findall(r"\[\w+\]", clean)
        assert len(found) == len(ids), clean  # one placeholder per identifier, nothing else touched
        assert {"[email]", "[snils]", "[inn]", "[passport]"} <= set(found), clean
        assert "2024-03-15 10:30" in clean and "1500 руб." in clean and "Почта" in clean
    kinds = {p for text, _ in _notes() for p in re.findall(r"\[\w+\]", scrub(text))}
    # a bare 10-digit US phone or a 12-digit Maestro card has no telling shape: it becomes [number]
    assert {"[phone]", "[card]", "[number]"} <= kinds


@pytest.mark.parametrize("phone", ["+7 (912) 345-67-89", "8 912 345 67 89", "89123456789", "+79123456789",
                                   "8(912)345-67-89", "+7 912 345-67-89 доб. 123"])
def test_scrub_catches_russian_phone_formats(phone: str) -> None:
    assert scrub(f"клиент просил перезвонить {phone} вечером") == "клиент просил перезвонить [phone] вечером"


def test_scrub_leaves_plain_text_and_null_alone() -> None:
    text = "Customer asked about the premium plan; order 42 shipped on 12.03.2024, rated 5/5."
    assert scrub(text) == text
    assert scrub(None) is None


def test_scrub_udf_equals_the_python_function() -> None:
    notes = [t for t, _ in _notes(20)] + [None]
    con = duckdb.connect()
    register_scrub_udf(con)
    con.execute("CREATE TABLE t (i INTEGER, v VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(notes)))
    got = [r[0] for r in con.execute("SELECT scrub_text(v) FROM t ORDER BY i").fetchall()]
    assert got == [scrub(n) for n in notes]
