"""People's names inside notes, in Russian and English: found by detection, replaced by the scrubber."""

from __future__ import annotations

import numpy as np
import pandas as pd
from faker import Faker

from sandbox.vault.detect import propose_column
from sandbox.vault.scrub import scrub


def _notes(locale: str, n: int, seed: int) -> tuple[list[str], set[str]]:
    fake = Faker(locale)
    fake.seed_instance(seed)
    rng = np.random.default_rng(seed)
    notes, names = [], set()
    for _ in range(n):
        first, last = fake.first_name(), fake.last_name()
        names |= {first, last}
        if locale == "ru_RU":
            text = rng.choice([f"Звонил {last} {first}, просил перезвонить завтра после обеда.",
                               f"Клиентка {first} {last} недовольна сроком доставки заказа.",
                               f"Менеджер {last} обещал скидку на следующий заказ клиента."])
        else:
            text = rng.choice([f"Spoke to {first} {last} about the renewal, will call back on Monday.",
                               f"{first} {last} complained about the late delivery of the order.",
                               f"Mr. {last} asked for a discount on the next order."])
        notes.append(str(text))
    return notes, names


def test_names_in_russian_and_english_notes_are_scrubbed():
    for locale in ("ru_RU", "en_US"):
        notes, names = _notes(locale, 60, seed=1)
        cleaned = [scrub(t) or "" for t in notes]
        left = [t for t in cleaned if any(w.strip(",.") in names for w in t.split())]
        assert len(left) <= 3, f"{locale}: names left in {len(left)} of 60 notes, e.g. {left[:2]}"
        assert sum("[name]" in t for t in cleaned) >= 57, locale


def test_notes_holding_names_only_are_identifiers_and_labels_are_not():
    notes, _ = _notes("ru_RU", 300, seed=2)
    entry = propose_column("t", "комментарий", pd.Series(notes))
    assert (entry.cls, entry.identifier) == ("direct_identifier", "free_text"), entry.justification
    assert "person name" in entry.justification
    labels = ["Доставка курьером до двери", "Самовывоз из пункта выдачи", "Santa Catarina", "Bank Transfer"]
    assert scrub("Доставка в Москву, оплата картой при получении") == "Доставка в Москву, оплата картой при получении"
    assert propose_column("t", "способ", pd.Series(labels * 30)).cls == "ordinary"
