"""Propose a catalog class for every column of an ingested export.

Detection reads two kinds of evidence: the column name (English and Russian, any of snake, camel or
space spelling) and a sample of the values (e-mail, phone, card, INN, SNILS, passport, address,
person-name and birth-date patterns, free text with identifiers inside). Every proposal carries a
justification that names the evidence but never a value: the values may be real people's data.
Work is bounded by the sample: at most ``sample_rows`` values, patterns run on at most
``_MAX_DISTINCT`` distinct ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from sandbox.catalog import ColumnEntry, Generalization, IdentifierKind, Kind, SensitiveCategory

__all__ = ["propose_column", "propose_table"]

_MAX_DISTINCT = 1000  # distinct values the value patterns look at
_ALONE = 0.8  # share of values that makes an identifier without help from the name
_ALONE_NAMES = 0.6  # person names: the known-name lists are incomplete
_WITH_NAME = 0.3  # share that confirms an identifier the name already suggests
_NULLS = frozenset({"", "nan", "none", "null", "n/a", "na", "nat", "<na>"})
_BOOL_PAIRS = [
    {"yes", "no"}, {"y", "n"}, {"true", "false"}, {"t", "f"}, {"да", "нет"}, {"0", "1"}, {"sim", "não"},
]

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


# ---------------------------------------------------------------- value patterns

_EMAIL = re.compile(r"[\w.%+\-]+@(?:[\w\-]+\.)+[^\W\d_]{2,}")
_PHONE_BODY = (
    r"(?:\+7|8)[\s\-]?\(?\d{3}\)?[\s\-]?\d{3}[\s\-]?\d{2}[\s\-]?\d{2}"  # Russian
    r"|\+\d{1,3}[\s.\-]?\(?\d{1,4}\)?(?:[\s.\-]?\d{2,4}){2,4}"  # international
    r"|(?:\+?1[\s.\-]?|001[\s.\-])?\(?\d{3}\)?[\s.\-]?\d{3}[\s.\-]\d{4}"  # North American
    r"|\(\d{2}\)\s?\d{4,5}[\s\-]?\d{4}"  # Brazilian
)
_PHONE_MORE = (  # more national formats, for phones inside free text
    r"0\d(?:[\s.\-]\d{2}){4}"  # French
    r"|\(0\d{2,4}\)\s?\d{3,8}"  # British, German
    r"|\d{2}\s\d{4,5}-\d{4}"  # Brazilian without parentheses
)
_EXT = r"(?:\s*(?:x|ext\.?|доб\.?)\s*\d{1,6})?"
_PHONE = re.compile(rf"(?:{_PHONE_BODY}){_EXT}|[78]9\d{{9}}|\+\d{{10,14}}")
_CARD = re.compile(r"\d(?:[ \-]?\d){11,18}")
_INN = re.compile(r"\d{10}|\d{12}")
_SNILS = re.compile(r"\d{3}-?\d{3}-?\d{3}[\s\-]?\d{2}")
_PASSPORT = re.compile(r"\d{2} ?\d{2} №?\s?\d{6}|\d{2} \d{2}\s?№?\s?\d{6}")
_IPV4 = re.compile(r"(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)")
_HAS_DIGIT = re.compile(r"\d")
_PHONE_CHARS = re.compile(r"\+?[\d\s().\-/]+")
_THOUSANDS = re.compile(r"\d{1,3}(?:[ ,.\u00a0]\d{3})+(?:[.,]\d+)?")
_NINE_DIGITS = re.compile(r"(?:\d\D{0,3}){9}")  # cheap gate before the digit-identifier patterns
_DIGITISH = re.compile(r"[+(]?\d[\d\s().\-/№]*" + _EXT)
_HEX_ID = re.compile(r"(?i)[0-9a-f]{16,64}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,3})?")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-./:]{0,63}")
_STREET_WORD = re.compile(
    r"(?i)\b(?:st|street|ave|avenue|rd|road|blvd|boulevard|lane|ln|drive|way|court|ct|suite|apt|plaza|place|"
    r"circle|terrace|parkway|pkwy|highway|hwy|square|trail|route|loop|lakes?|views?|gardens?|crossing|ridge|"
    r"hills?|heights|station|unit|flat|studio|spur|mall|roads?|streets?|"  # English
    r"rua|avenida|av|alameda|travessa|rodovia|viaduto|praça|largo|estrada|residencial|vila|setor|quadra|"  # pt
    r"esplanada|jardim|sítio|ladeira|conjunto|chácara|fazenda|parque|recanto|trecho|vereda|núcleo|lote|"
    r"straße|strasse|str|weg|platz|allee|gasse|ring|"  # de
    r"rue|chemin|allée|impasse|quai|"  # fr
    r"calle|paseo|camino|carrera|cuesta|acceso|cañada|ronda|glorieta|"  # es
    r"via|viale|piazza|corso|vicolo|borgo|contrada|"  # it
    r"улица|ул|проспект|пр-кт|переулок|пер|шоссе|набережная|наб|площадь|бульвар|б-р|"  # ru
    r"вулиця|вул|просп|провулок|пров|площа|буд|кв|корп|д|стр)\b\.?"
    r"|(?i:straße|strasse|str\.|weg|platz|allee|gasse|ring|damm)\s+\d"  # German glued: "Liebeltweg 6"
)
_POSTCODE = re.compile(
    r"\b\d{5}-\d{3}\b|\b[A-Z]{2}\s+\d{5}(?:-\d{4})?\b|\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b"
    r"|(?:^|[\n,]\s*)\d{5,6}\b|\b\d{5,6}\s*$|\b(?:APO|FPO|DPO)\s+A[AEP]\b|(?:^|\n)\d{8}\s"
)
_HOUSE_NUMBER = re.compile(r"(?<![\d.,])\b\d{1,5}[A-Za-zа-я]?\b(?![.,]\d)")
_NAME_EXTRAS = frozenset({
    "mr", "mrs", "ms", "miss", "dr", "prof", "jr", "sr", "sra", "srta", "dra", "ii", "iii", "iv", "v", "md",
    "dds", "phd", "dvm", "mba", "b.sc", "m.sc", "b.a", "m.a", "b.eng", "ing", "dipl.-ing", "dott", "dott.ssa",
    "mme", "mlle", "m", "herr", "frau", "г-н", "г-жа",
})
_NAME_PARTICLES = frozenset({"da", "de", "do", "dos", "das", "di", "del", "della", "la", "le", "von", "van",
                             "der", "den", "y", "e", "bin", "ibn", "al"})
_NAME_LOCALES = ("en_US", "en_GB", "ru_RU", "uk_UA", "pt_BR", "de_DE", "fr_FR", "es_ES", "it_IT")
_RU_PATRONYMIC = re.compile(r"(?:вич|вна|ична|инична)$")
_RU_SURNAME = re.compile(r"(?:ов|ова|ев|ева|ёв|ёва|ин|ина|ын|ына|ский|ская|цкий|цкая|ой|енко|ук|юк|их|ых)$")
_DATE_LIKE = re.compile(
    r"\d{1,4}[-./]\d{1,2}[-./]\d{1,4}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|\s?[+-]\d{2}:?\d{2})?"
)
_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "ISO8601", "%d.%m.%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S",
    "%d-%m-%Y", "%d-%m-%Y %H:%M", "%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M",
    "%Y-%m-%d %H:%M", "%d.%m.%y",
)


def _digits(s: str) -> str:
    return "".join(c for c in s if c.isdigit())


def _luhn(number: str) -> bool:
    """Luhn checksum of a digit string (card numbers)."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _inn_ok(number: str) -> bool:
    """Checksum of a Russian taxpayer number (10 digits: organisation, 12: person)."""
    d = [int(c) for c in number]

    def check(weights: tuple[int, ...]) -> int:
        return sum(w * x for w, x in zip(weights, d, strict=False)) % 11 % 10

    w = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    if len(d) == 10:
        return check(w[2:]) == d[9]
    return len(d) == 12 and check(w[1:]) == d[10] and check(w) == d[11]


def _snils_ok(number: str) -> bool:
    """Checksum of a Russian pension insurance number (9 digits + 2 check digits)."""
    if len(number) != 11:
        return False
    check = sum(int(c) * (9 - i) for i, c in enumerate(number[:9])) % 101
    return (0 if check == 100 else check) == int(number[9:])


def _is_phone(s: str) -> bool:
    """Known national formats, or digit groups that read as a phone number in any country."""
    body = re.split(r"x|ext|доб", s)[0].strip()
    digits = len(_digits(body))
    if _PHONE.fullmatch(s):
        return 9 <= digits <= 15
    if not (7 <= digits <= 15) or not _PHONE_CHARS.fullmatch(body) or _THOUSANDS.fullmatch(body):
        return False
    groups = re.findall(r"\d+", body)
    if body.startswith("+"):
        return digits >= 9
    if len(groups) == 1:  # bare digits: only with a trunk prefix
        return body.startswith("0") and 10 <= digits <= 12
    return body.startswith(("0", "(")) or len(groups) >= 3 and not _IPV4.fullmatch(body)


def _is_card(s: str) -> bool:
    return bool(_CARD.fullmatch(s)) and _luhn(_digits(s))


def _is_inn(s: str) -> bool:
    return bool(_INN.fullmatch(s)) and _inn_ok(s)


def _is_snils(s: str) -> bool:
    return bool(_SNILS.fullmatch(s)) and _snils_ok(_digits(s))


def _is_address(s: str) -> bool:
    """A street word (many languages) with a house number or postcode, or both of those on several parts."""
    if len(s) > 200 or not _HAS_DIGIT.search(s):
        return False
    number, postcode = _HOUSE_NUMBER.search(s), _POSTCODE.search(s)
    if not (number or postcode):
        return False
    if _STREET_WORD.search(s):
        return True
    return bool(number and postcode) and ("\n" in s or "," in s) and any(c.isalpha() for c in s)


@cache
def _known_names() -> tuple[frozenset[str], frozenset[str]]:
    """First and last names of Faker's person providers for ``_NAME_LOCALES``, lower-cased."""
    import importlib

    first: set[str] = set()
    last: set[str] = set()
    for locale in _NAME_LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attr, into in (("first_names", first), ("first_names_male", first), ("first_names_female", first),
                           ("last_names", last), ("last_names_male", last), ("last_names_female", last)):
            into.update(n.lower() for n in getattr(provider, attr, ()))
    return frozenset(first), frozenset(last)


def _name_token(t: str) -> bool:
    """Capitalized word of letters (any alphabet), hyphens and apostrophes: 'Jean-Luc', "O'Neil"."""
    return len(t) > 1 and t[0].isupper() and t[-1].islower() and all(c.isalpha() or c in "-'’" for c in t)


def _name_parts(s: str) -> list[str] | None:
    """The name tokens of a value shaped like a person's name (titles and particles dropped), else None."""
    if len(s) > 80 or s.count(" ") > 7:
        return None
    words = [t for t in s.replace(",", " ").split() if t.lower().rstrip(".") not in _NAME_EXTRAS]
    tokens = [t for t in words if t not in _NAME_PARTICLES]
    if not 1 <= len(tokens) <= 4 or not all(_name_token(t) for t in tokens):
        return None
    return tokens


def _known_first(token: str) -> bool:
    return token.lower() in _known_names()[0]


def _known_last(token: str) -> bool:
    t = token.lower()
    return t in _known_names()[1] or ("а" <= t[0] <= "я" and _RU_SURNAME.search(t) is not None)


def _is_full_name(parts: list[str]) -> bool:
    """Two to four name words, one a known first name or patronymic, or two known last names."""
    if len(parts) < 2:
        return False
    if any(_known_first(t) or _RU_PATRONYMIC.search(t.lower()) for t in parts):
        return True
    return sum(1 for t in parts if _known_last(t)) >= 2


def _is_first_name(parts: list[str]) -> bool:
    return len(parts) == 1 and _known_first(parts[0])


def _is_last_name(parts: list[str]) -> bool:
    return len(parts) == 1 and _known_last(parts[0])


_NAME_TESTS: dict[IdentifierKind, tuple[str, Callable[[list[str]], bool]]] = {
    "full_name": ("person names (known first or last names)", _is_full_name),
    "first_name": ("known first names", _is_first_name),
    "last_name": ("known last names", _is_last_name),
}
_VALUE_TESTS: dict[IdentifierKind, tuple[str, Callable[[str], bool]]] = {
    "email": ("e-mail addresses", lambda s: _EMAIL.fullmatch(s) is not None),
    "card_number": ("Luhn-valid card numbers", _is_card),
    "inn": ("INNs with a valid checksum", _is_inn),
    "snils": ("SNILS with a valid checksum", _is_snils),
    "passport": ("shaped like Russian passport series and number", lambda s: bool(_PASSPORT.fullmatch(s))),
    "phone": ("phone numbers", _is_phone),
    "other": ("IP addresses", lambda s: _IPV4.fullmatch(s) is not None),
    "address": ("postal addresses", lambda s: (" " in s or "\n" in s) and _is_address(s)),
}
_LABELS = {kind: label for kind, (label, _test) in (_VALUE_TESTS | _NAME_TESTS).items()}
_DIGIT_KINDS = frozenset({"card_number", "inn", "snils", "passport", "phone"})
_NAME_KINDS = frozenset({"full_name", "first_name", "last_name"})

# pattern for identifiers inside free text: (label, regex, validator of the match)
_EMBEDDED: list[tuple[str, re.Pattern[str], Callable[[str], bool]]] = [
    ("e-mail address", _EMAIL, lambda _m: True),
    ("phone number", re.compile(rf"(?<![\w+])(?:{_PHONE_BODY}|{_PHONE_MORE}){_EXT}(?!\d)"),
     lambda m: 9 <= len(_digits(re.split(r"x|ext|доб", m)[0])) <= 15),
    ("card number", re.compile(r"(?<!\w)\d(?:[ \-]?\d){12,18}(?!\w)"), lambda m: _luhn(_digits(m))),
    ("SNILS", re.compile(r"(?<!\w)\d{3}-\d{3}-\d{3}[\s\-]\d{2}(?!\w)"), lambda m: _snils_ok(_digits(m))),
    ("INN", re.compile(r"(?i)(?:инн|inn)\D{0,4}\d{10}(?:\d{2})?(?!\d)"), lambda m: _inn_ok(_digits(m))),
    ("passport number",
     re.compile(r"(?<!\d)\d{2} \d{2} \d{6}(?!\d)|(?i:паспорт|passport)\D{0,12}\d{4} ?\d{6}"),
     lambda _m: True),
]

# ---------------------------------------------------------------- value profile


@dataclass
class _Profile:
    """What the sampled values look like."""

    n: int  # non-empty sampled values
    distinct: pd.Series  # distinct non-empty values as stripped strings (at most _MAX_DISTINCT)
    n_distinct: int
    unique_ratio: float
    kind: Kind
    why_kind: str
    dates: pd.Series | None = None
    date_format: str | None = None  # the strptime format text dates were parsed with
    integral: bool = False


def _as_strings(values: pd.Series) -> pd.Series:
    """Non-empty values as stripped strings; integral floats lose their ``.0``."""
    s = values.dropna()
    if pd.api.types.is_float_dtype(s.dtype) and len(s) and (s == np.floor(s)).all() and s.abs().max() < 1e18:
        s = s.astype("int64")
    s = s.astype(str).str.strip()
    return s[~s.str.lower().isin(_NULLS)]


def _numeric(distinct: pd.Series) -> pd.Series:
    """Values as floats (NaN where not a number); digit-group spaces allowed; with both "," and "." the later
    one is the decimal mark ("1,234.5", "1.234,56"); a lone "," is a decimal comma. The vault reads numbers
    the same way (``transform._number``).

    Only strings shaped like numbers reach ``pd.to_numeric``: some long non-numbers crash it.
    """
    text = distinct.str.replace(r"[\s\u00a0]", "", regex=True)
    comma, point = text.str.rfind(","), text.str.rfind(".")
    text = text.where(comma < 0, text.where(point >= 0, text.str.replace(",", ".", regex=False)))
    both = (comma >= 0) & (point >= 0)
    text = text.where(~both | (point < comma), text.str.replace(",", "", regex=False))
    text = text.where(~both | (point > comma),
                      text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
    shaped = text.str.fullmatch(_NUMBER)
    return pd.to_numeric(text.where(shaped), errors="coerce")


def _parse_dates(distinct: pd.Series) -> tuple[pd.Series, str] | None:
    """Parse with the single format that fits most values (returned with it), or None if they are not dates."""
    if distinct.str.fullmatch(_DATE_LIKE).mean() < 0.9:
        return None
    head = distinct.iloc[:200]
    best, best_share = None, 0.0
    for fmt in _DATE_FORMATS:
        share = _naive(head, fmt).notna().mean()
        if share > best_share:
            best, best_share = fmt, share
    if best is None or best_share < 0.95:
        return None
    parsed = _naive(distinct, best)
    return (parsed, best) if parsed.notna().mean() >= 0.95 else None


def _naive(distinct: pd.Series, fmt: str) -> pd.Series:
    """Parsed datetimes without a time zone (strings with offsets are read as UTC)."""
    return pd.to_datetime(distinct, format=fmt, errors="coerce", utc=True).dt.tz_localize(None)


def _profile(values: pd.Series, unique_ratio: float | None) -> _Profile:
    strings = _as_strings(values)
    n = len(strings)
    counts = strings.value_counts(sort=False)
    distinct = pd.Series(counts.index[:_MAX_DISTINCT], dtype=object)
    ratio = unique_ratio if unique_ratio is not None else (len(counts) / n if n else 0.0)
    why = f"{len(counts)} distinct values in the sample"
    p = _Profile(n, distinct, len(counts), ratio, "categorical", why)
    head = distinct.iloc[:50]
    lowered = {v.lower() for v in distinct} if len(counts) <= 2 else set()
    if n == 0:
        p.why_kind = "no non-empty values in the sample"
    elif pd.api.types.is_bool_dtype(values.dtype) or any(lowered and lowered <= pair for pair in _BOOL_PAIRS):
        p.kind, p.why_kind = "boolean", "two yes/no-like levels"
    elif pd.api.types.is_datetime64_any_dtype(values.dtype):
        stamps = values.dropna()
        stamps = stamps.dt.tz_localize(None) if stamps.dt.tz is not None else stamps  # local wall time
        p.kind, p.why_kind, p.dates = "datetime", "datetime values", pd.Series(stamps.unique()[:_MAX_DISTINCT])
    elif pd.api.types.is_numeric_dtype(values.dtype) or (
        _numeric(head).notna().mean() >= 0.9 and _numeric(distinct).notna().mean() >= 0.98
    ):
        nums = _numeric(distinct).dropna()
        p.integral = bool((nums == np.floor(nums)).all())
        leading_zero = distinct.str.match(r"0\d").mean() > 0.05
        p.kind = "categorical" if leading_zero else "numerical"
        p.why_kind = "digit codes with leading zeros" if leading_zero else "values parse as numbers"
    elif head.str.fullmatch(_DATE_LIKE).mean() >= 0.9 and (dates := _parse_dates(distinct)) is not None:
        p.kind, p.why_kind, (p.dates, p.date_format) = "datetime", "values parse as dates", dates
    elif _looks_like_text(distinct, ratio):
        p.kind, p.why_kind = "text", "long, mostly distinct strings with spaces (free text)"
    return p


def _looks_like_text(distinct: pd.Series, unique_ratio: float) -> bool:
    words = distinct.str.count(r"\s+") + 1
    spaced = (words > 1).mean() >= 0.5
    return unique_ratio >= 0.5 and spaced and (distinct.str.len().mean() >= 25 or words.mean() >= 4)


def _shares(p: _Profile) -> dict[IdentifierKind, float]:
    """Share of distinct values each identifier pattern accepts; cheap filters skip hopeless ones."""
    if p.n == 0 or p.kind in ("boolean", "datetime") or (p.kind == "numerical" and not p.integral):
        return {}
    vals = p.distinct.tolist()
    digitish = p.distinct.str.fullmatch(_DIGITISH).mean()
    has_at = p.distinct.str.contains("@", regex=False).mean()
    shares: dict[IdentifierKind, float] = {}
    for kind, (_label, test) in _VALUE_TESTS.items():
        if (kind in _DIGIT_KINDS and digitish < _WITH_NAME) or (kind == "email" and has_at < _WITH_NAME):
            continue
        shares[kind] = sum(1 for v in vals if test(v)) / len(vals)
    parts = [x for x in map(_name_parts, vals) if x is not None]
    if len(parts) >= _WITH_NAME * len(vals):
        for kind, (_label, name_test) in _NAME_TESTS.items():
            shares[kind] = sum(1 for x in parts if name_test(x)) / len(vals)
    return shares


def _embedded(p: _Profile) -> list[tuple[str, int]]:
    """Identifier types found inside free-text values, with the number of values holding each."""
    with_at = [v for v in p.distinct if "@" in v]
    with_digits = [v for v in p.distinct if _NINE_DIGITS.search(v)]
    found = []
    for label, rx, ok in _EMBEDDED:
        candidates = with_at if rx is _EMAIL else with_digits
        hits = sum(1 for v in candidates if any(ok(m.group(0)) for m in rx.finditer(v)))
        if hits:
            found.append((label, hits))
    return found


# ---------------------------------------------------------------- decisions


def _pct(share: float) -> str:
    return "<1%" if 0 < share < 0.005 else f"{round(share * 100)}%"


def _entry(p: _Profile, cls: str, evidence: list[str], **fields: object) -> ColumnEntry:
    fields.setdefault("kind", p.kind)
    if p.date_format and p.date_format != "ISO8601" and fields["kind"] == "datetime":
        fields.setdefault("date_format", p.date_format)
    return ColumnEntry(cls=cls, proposed=True, justification="; ".join(evidence), **fields)


def _contradicts(p: _Profile, kind: IdentifierKind, shares: Mapping[IdentifierKind, float]) -> bool:
    """True when the values rule out what the name suggests (e.g. a yes/no 'PhoneService')."""
    if p.n == 0:
        return False
    if p.kind == "boolean" or (p.n_distinct <= 10 and p.n >= 50):
        return True
    if kind in _NAME_KINDS:
        return p.distinct.map(lambda v: _name_parts(v) is not None).mean() < _WITH_NAME
    if kind == "email":
        return shares.get("email", 0.0) < _WITH_NAME
    if kind in _DIGIT_KINDS:
        return p.distinct.str.fullmatch(_DIGITISH).mean() < 0.5
    return p.kind in ("numerical", "datetime")


def _identifier(
    p: _Profile, hints: Mapping[str, _Hint], id_name: bool, evidence: list[str]
) -> ColumnEntry | None:
    """Values that are identifiers, or a name that says so and values that do not object.

    ``id_name``: the name also reads as a key ("phone_id"); then the name alone is not enough.
    """
    shares = _shares(p)
    best = max(shares, key=lambda k: shares[k], default=None)
    hint = hints.get("direct_identifier")
    named = hint.identifier if hint else None
    if hint:
        evidence.append(f"name matches '{hint.label}'")
    if named and shares.get(named, 0.0) >= _WITH_NAME:
        best = named
    top = shares.get(best, 0.0) if best else 0.0
    alone = _ALONE_NAMES if best in _NAME_KINDS else _ALONE
    if best in _NAME_KINDS and not hint and hints:
        alone = 0.9  # "город" holding Саратов, Киров...: the name outweighs surname-like values
    if best and (top >= alone or (named == best and top >= _WITH_NAME)):
        evidence.append(f"{_pct(top)} of {len(p.distinct)} distinct sampled values are {_LABELS[best]}")
        return _entry(p, "direct_identifier", evidence, identifier=best, kind=_id_kind(p, best))
    mixed = shares.get("email", 0.0) + shares.get("phone", 0.0)  # disjoint: only e-mails hold "@"
    if mixed >= _ALONE:
        evidence.append(f"{_pct(mixed)} of {len(p.distinct)} distinct sampled values are e-mail addresses"
                        " or phone numbers")
        return _entry(p, "direct_identifier", evidence, identifier="other", kind="categorical")
    if named and not id_name and not _contradicts(p, named, shares):
        evidence.append("values do not contradict the name" if p.n else "no values to check")
        return _entry(p, "direct_identifier", evidence, identifier=named, kind=_id_kind(p, named))
    if hint:
        evidence.append(f"values do not look like '{hint.label}' values, so not proposed as such")
    return None


def _id_kind(p: _Profile, identifier: IdentifierKind) -> Kind:
    """Identifiers are codes or labels, not quantities: only addresses keep a text kind."""
    if p.kind == "datetime" or (p.kind == "text" and identifier == "address"):
        return p.kind
    return "categorical"


def _free_text(p: _Profile, evidence: list[str]) -> ColumnEntry | None:
    if p.kind == "categorical" and p.n and p.distinct.astype(str).str.contains(r"\s").mean() >= 0.5:
        # templated notes repeat, so they may not look like free text; identifiers inside still count
        found = _embedded(p)
        if found:
            parts = ", ".join(f"{label} in {_pct(hits / len(p.distinct))}" for label, hits in found)
            evidence.append(f"strings with spaces; identifiers inside: {parts} of distinct sampled values")
            entry = _entry(p, "direct_identifier", evidence, identifier="free_text", purpose="habit")
            entry.kind = "text"
            return entry
    if p.kind != "text":
        return None
    found = _embedded(p)
    if found:
        parts = ", ".join(f"{label} in {_pct(hits / len(p.distinct))}" for label, hits in found)
        evidence.append(f"free text; identifiers inside: {parts} of distinct sampled values")
        return _entry(p, "direct_identifier", evidence, identifier="free_text", purpose="habit")
    evidence.append("free text; no identifiers found in the sampled values")
    return _entry(p, "ordinary", evidence, purpose="habit")


def _birth_date(p: _Profile, hint: _Hint | None, evidence: list[str]) -> ColumnEntry | None:
    named = hint is not None and hint.label == "birth date"
    if p.dates is None or p.n_distinct < 20:
        return None
    dates = p.dates.dropna()
    age = (pd.Timestamp.now() - dates).dt.days / 365.25
    no_time = bool((dates == dates.dt.normalize()).all())
    in_range = float(age.between(14, 100).mean())
    span = (dates.max() - dates.min()).days / 365.25
    if no_time and in_range >= 0.95 and span >= 10:
        evidence += ["name matches 'birth date'"] if named else []
        evidence.append(f"dates without time of day; {_pct(in_range)} would be ages 14-100 today")
        return _entry(p, "quasi_identifier", evidence, generalize="age_band")
    if named:
        evidence += ["name matches 'birth date'", "values are dates"]
        return _entry(p, "quasi_identifier", evidence, generalize="age_band")
    return None


def _key(p: _Profile, tokens: list[str], table: str, evidence: list[str]) -> ColumnEntry | None:
    codes = p.distinct.str.fullmatch(_CODE).mean() if p.n else 0.0
    whole = p.kind != "numerical" or p.integral  # fractional numbers are measurements, not ids
    if _key_name(tokens) and (p.n == 0 or (whole and (p.unique_ratio >= 0.95 or codes >= 0.95))):
        stem = "_".join(tokens[:-1])
        own = bool(stem) and table.lower().rstrip("s") in (stem, stem + "s", stem.rstrip("s"))
        role = "this table's own id" if own else "an id"
        uniq = "all sampled values distinct" if p.unique_ratio >= 0.999 else "values are id-like codes"
        evidence += [f"name is {role}", uniq]
        return _entry(p, "key", evidence, kind="key", purpose="essential")
    hex_share = p.distinct.str.fullmatch(_HEX_ID).mean() if p.n else 0.0
    if hex_share >= 0.95 and p.unique_ratio >= 0.5:
        evidence.append(f"{_pct(hex_share)} of distinct sampled values are hex or UUID ids")
        return _entry(p, "key", evidence, kind="key", purpose="essential")
    return None


def _by_name(p: _Profile, hint: _Hint | None, evidence: list[str]) -> ColumnEntry | None:
    """Sensitive and quasi-identifier columns are proposed from their names alone."""
    if hint is None:
        return None
    evidence.append(f"name matches '{hint.label}'")
    if hint.cls == "sensitive":
        return _entry(p, "sensitive", evidence, category=hint.category)
    generalize, kind = hint.generalize, p.kind
    if hint.label == "zip code":
        kind = "categorical"
    elif hint.label in ("age", "birth date") and p.kind not in ("numerical", "datetime"):
        generalize = "none"
    return _entry(p, "quasi_identifier", evidence, generalize=generalize, kind=kind)


def _positions(n: int, k: int) -> np.ndarray:
    """``k`` sorted random row positions out of ``n`` (O(k) for k much smaller than n)."""
    return np.sort(np.random.default_rng(0).choice(n, size=k, replace=False))


def propose_column(
    table: str,
    column: str,
    values: pd.Series,
    *,
    sample_rows: int = 5000,
    row_count: int | None = None,
    unique_ratio: float | None = None,
) -> ColumnEntry:
    """Propose the catalog entry of one column from its name and a sample of its values.

    Args:
        table: table name (helps tell a table's own id from a foreign key).
        column: column name as in the source export.
        values: the column, or a sample of it; at most ``sample_rows`` values are looked at.
        sample_rows: sample size when ``values`` is longer.
        row_count: rows in the whole table, when ``values`` is a sample (named in the justification).
        unique_ratio: distinct/rows over the whole table, when known; else estimated from the sample.

    Returns:
        A ``ColumnEntry`` with ``proposed=True``; its justification names evidence, never values.
    """
    sample = values if len(values) <= sample_rows else values.iloc[_positions(len(values), sample_rows)]
    p = _profile(sample, unique_ratio)
    tokens = _name_tokens(column)
    hints = _name_hints(tokens)
    evidence: list[str] = []
    entry = (
        _identifier(p, hints, _key_name(tokens, strict=True), evidence)
        or _free_text(p, evidence)
        or _birth_date(p, hints.get("quasi_identifier"), evidence)
        or _by_name(p, hints.get("sensitive"), evidence)
        or _key(p, tokens, table, evidence)
        or _by_name(p, hints.get("quasi_identifier"), evidence)
    )
    if entry is None:
        evidence.append(f"{p.why_kind}; no identifier, sensitive or key evidence")
        entry = _entry(p, "ordinary", evidence)
    rows = row_count if row_count is not None else len(values)
    if rows > len(sample):
        entry.justification += f" (sample of {len(sample)} of {rows} rows)"
    entry.source_name = column
    return entry


def propose_table(
    table: str,
    frame: pd.DataFrame,
    *,
    sample_rows: int = 5000,
    row_count: int | None = None,
    unique_ratios: Mapping[str, float] | None = None,
) -> dict[str, ColumnEntry]:
    """Propose an entry for every column of ``frame`` (one shared row sample).

    A free-text column that is the table's only non-key content is proposed as "useful", not "habit".
    """
    sample = frame if len(frame) <= sample_rows else frame.iloc[_positions(len(frame), sample_rows)]
    rows = row_count if row_count is not None else len(frame)
    ratios = unique_ratios or {}
    entries = {
        str(c): propose_column(table, str(c), sample[c], sample_rows=sample_rows, row_count=rows,
                               unique_ratio=ratios.get(str(c)))
        for c in frame.columns
    }
    content = [e for e in entries.values() if e.cls != "key"]
    if len(content) == 1 and content[0].kind == "text":
        content[0].purpose = "useful"
    return entries
