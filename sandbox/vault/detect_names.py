"""What a column's name suggests: English and Russian name rules for identifiers, sensitive data,
quasi-identifiers and keys (snake, camel or space spelling). Names are hints; values decide (``detect``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sandbox.catalog.model import Generalization, IdentifierKind, SensitiveCategory

# ---------------------------------------------------------------- column names


@dataclass(frozen=True)
class _Hint:
    """What a column name suggests."""

    label: str
    cls: str
    identifier: IdentifierKind | None = None
    category: SensitiveCategory | None = None
    generalize: Generalization = "none"


def _rx(*alternatives: str) -> re.Pattern[str]:
    """Match whole tokens of a normalized name ``_tok_tok_``; ``*`` is 'rest of the token'."""
    body = "|".join(a.replace("*", "[^_]*") for a in alternatives)
    return re.compile(rf"_(?:{body})_")


def _id(label: str, kind: IdentifierKind, *alts: str) -> tuple[re.Pattern[str], _Hint]:
    return _rx(*alts), _Hint(label, "direct_identifier", identifier=kind)


def _sens(label: str, category: SensitiveCategory, *alts: str) -> tuple[re.Pattern[str], _Hint]:
    return _rx(*alts), _Hint(label, "sensitive", category=category)


def _quasi(label: str, generalize: Generalization, *alts: str) -> tuple[re.Pattern[str], _Hint]:
    return _rx(*alts), _Hint(label, "quasi_identifier", generalize=generalize)


_PERSON = "customer|client|contact|person|user|owner|holder|card_?holder|employee|patient|recipient|buyer"
_NAME_RULES: list[tuple[re.Pattern[str], _Hint]] = [
    _id("email", "email", "e_?mail*", "mail", "почта", "эл_почта", "емейл", "имейл"),
    _id("phone", "phone", "phone*", "*phone", "mobile", "mob", "tel", "cell", "msisdn", "whatsapp", "fax",
        "телефон*", "тел", "моб*", "сотовый"),
    _id("passport", "passport", "passport*", "паспорт*"),
    _id("inn", "inn", "inn", "инн", "tax_?id", "taxpayer*"),
    _id("snils", "snils", "snils", "снилс"),
    _id("card", "card_number", "cards?", "card_?(?:number|num|no)", "карт[аы]", "cc_?(?:number|num|no)"),
    _id("ip address", "other", "ip", "ip_?address"),
    _id("first name", "first_name", "first_?name", "given_?name", "forename", "fname", "имя"),
    _id("last name", "last_name", "last_?name", "sur_?name", "family_?name", "lname", "фамилия"),
    _id("patronymic", "other", "middle_?name", "patronymic", "отчество"),
    (re.compile(r"^_names?_$"), _Hint("name", "direct_identifier", identifier="full_name")),
    _id("name", "full_name", "full_?name", "фио", f"(?:{_PERSON})_?name", "клиент*_имя", "имя_клиента",
        "фамилия_имя*"),
    _id("address", "address", "address*", "addr", "адрес*", "street", "улица", "apartment", "квартира"),
    _sens("health", "health", "diagnos*", "диагноз*", "health*", "здоровь*", "disabilit*", "инвалид*",
          "medical", "медицин*", "illness*", "болезн*", "disease*", "заболеван*", "allerg*", "аллерг*",
          "pregnan*", "беремен*", "medication*", "лекарств*", "icd*", "мкб", "symptom*", "симптом*"),
    _sens("religion", "religion", "religio*", "религи*", "вероисповед*", "faith", "конфесси*"),
    _sens("ethnicity", "ethnicity", "ethnic*", "race", "nationality", "этни*", "национальност*", "раса"),
    _sens("politics", "politics", "politic*", "полити*", "party_affiliation", "trade_union", "профсоюз*"),
    _sens("sexual life", "sexual_life", "sexual*", "сексуал*", "orientation", "ориентаци*"),
    _sens("financial", "financial", "salary", "salaries", "income*", "доход*", "зарплат*", "wage*",
          "debt*", "долг*", "задолженност*", "credit*", "кредит*", "loan*", "займ*", "mortgage*",
          "ипотек*", "overdue", "просроч*", "net_?worth", "bank_?account"),
    _sens("biometric", "biometric", "fingerprint*", "отпечат*", "face", "face_?id", "biometr*",
          "биометр*", "retina", "iris", "voice_?print"),
    _sens("criminal record", "criminal_record", "criminal*", "судимост*", "conviction*", "offen[cs]e*",
          "arrest*", "правонаруш*", "преступ*"),
    _sens("children", "children", "children", "kids", "дети", "детей", "ребен*", "несовершеннолет*",
          "minors", "(?:has|num|number_of|n)_child*", "child_(?:count|num|qty)"),
    _quasi("birth date", "age_band", "birth*", "dob", "bday", "born", "рождени*"),
    _quasi("age", "age_band", "age", "age_years", "возраст*"),
    _quasi("zip code", "zip_prefix", "zip*", "post_?code", "postal*", "индекс", "cep"),
    _quasi("city", "rare_to_other", "city", "town", "город", "населенный_пункт", "locality", "cidade"),
    _quasi("region", "none", "region", "регион", "state", "province", "область", "county", "district",
           "район", "country", "страна", "estado", "uf"),
    _quasi("gender", "none", "gender", "sex", "пол", "genero"),
    _quasi("job", "rare_to_other", "job*", "profession*", "occupation*", "должность", "професси*"),
    _quasi("marital status", "none", "marital*", "семейн*"),
    _quasi("education", "none", "education*", "образовани*"),
]
_ID_TOKENS = frozenset({"id", "ids", "uuid", "guid", "pk", "fk"})
_KEY_TOKENS = _ID_TOKENS | {"код", "номер", "number"}
_KEY_ENTITIES = ("customer", "client", "user", "order", "product", "account", "contact", "lead", "deal",
                 "seller", "session", "transaction", "item", "person", "row", "record")


def _name_tokens(name: str) -> list[str]:
    """``customerID`` -> [customer, id]; ``Дата Рождения`` -> [дата, рождения]."""
    s = re.sub(r"([a-zа-яё0-9])([A-ZА-ЯЁ])", r"\1_\2", name)
    s = re.sub(r"([A-ZА-ЯЁ]+)([A-ZА-ЯЁ][a-zа-яё])", r"\1_\2", s)
    s = s.lower().replace("ё", "е")
    return [t for t in re.split(r"[^0-9a-zа-я]+", s) if t]


def _name_hints(tokens: list[str]) -> dict[str, _Hint]:
    """The first rule of each class that the name matches ("credit_card": a card and financial)."""
    joined = "_" + "_".join(tokens) + "_"
    hints: dict[str, _Hint] = {}
    for rx, hint in _NAME_RULES:
        if hint.cls not in hints and rx.search(joined):
            hints[hint.cls] = hint
    return hints


def _key_name(tokens: list[str], strict: bool = False) -> bool:
    """Does the name read as a key? ``strict``: only "id"-like words ("phone_id", not "phone_number")."""
    if not tokens:
        return False
    last, first = tokens[-1], tokens[0]
    squashed_id = last.endswith("id") and last[:-2] in _KEY_ENTITIES
    if strict:
        return last in _ID_TOKENS or first == "id" or squashed_id
    return last in _KEY_TOKENS or first in {"id", "код", "номер"} or squashed_id


