"""What values look like: identifier patterns and checksums (e-mail, phone, card, INN, SNILS, passport,
IBAN, OGRN, SSN, IP), person names and addresses, and identifiers inside free text. Maintained validators
(python-stdnum, phonenumbers) where they exist, ours only where none fits."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

import pandas as pd

from sandbox.catalog.model import IdentifierKind

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


def known_last_name(token: str) -> bool:
    """A last name of the known-name lists (no guessing from its ending)."""
    return token.lower() in _known_names()[1]


def _known_last(token: str) -> bool:
    t = token.lower()
    return known_last_name(t) or ("а" <= t[0] <= "я" and _RU_SURNAME.search(t) is not None)


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
_IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}")
_SSN_SHAPE = re.compile(r"\d{3}-\d{2}-\d{4}")


def _is_iban(s: str) -> bool:
    from stdnum import iban

    return _IBAN_SHAPE.fullmatch(s.upper()) is not None and iban.is_valid(s)


def _is_ogrn(s: str) -> bool:
    """Russian OGRN (13 digits) or OGRNIP (15 digits, a sole trader: a person) with a valid check digit."""
    from stdnum.ru import ogrn

    d = _digits(s)
    return len(d) in (13, 15) and d == s.strip() and ogrn.is_valid(d)


def _is_ssn(s: str) -> bool:
    """US social security numbers written as such (AAA-GG-SSSS): nine bare digits are too common to tell."""
    from stdnum.us import ssn

    return _SSN_SHAPE.fullmatch(s) is not None and ssn.is_valid(s)


# value tests by name: the identifier kind a test proves is its name unless _TEST_KIND says otherwise;
# specific tests first: on a tie (an SSN also reads as a phone) the first wins
_VALUE_TESTS: dict[str, tuple[str, Callable[[str], bool]]] = {
    "email": ("e-mail addresses", lambda s: _EMAIL.fullmatch(s) is not None),
    "card_number": ("Luhn-valid card numbers", _is_card),
    "inn": ("INNs with a valid checksum", _is_inn),
    "snils": ("SNILS with a valid checksum", _is_snils),
    "passport": ("shaped like Russian passport series and number", lambda s: bool(_PASSPORT.fullmatch(s))),
    "ssn": ("US social security numbers", _is_ssn),
    "ogrn": ("OGRN/OGRNIP numbers with a valid check digit", _is_ogrn),
    "iban": ("IBANs with a valid checksum", _is_iban),
    "phone": ("phone numbers", _is_phone),
    "ip": ("IP addresses", lambda s: _IPV4.fullmatch(s) is not None),
    "address": ("postal addresses", lambda s: (" " in s or "\n" in s) and _is_address(s)),
}
_TEST_KIND: dict[str, IdentifierKind] = {"ip": "other", "iban": "other", "ogrn": "other", "ssn": "other"}
_LABELS: dict[str, str] = {kind: label for kind, (label, _test) in (_VALUE_TESTS | _NAME_TESTS).items()}
_DIGIT_KINDS = frozenset({"card_number", "inn", "snils", "passport", "phone", "ogrn", "ssn"})
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
    ("IBAN", re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])"),
     _is_iban),
    ("SSN", re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])"), _is_ssn),
]


def json_documents(head: pd.Series) -> bool:
    """True when the values are JSON objects or arrays (a CRM's custom-properties blob)."""
    import contextlib
    import json

    shaped = head[head.str.match(r"\s*[\[{]") & head.str.contains(r"[\]}]\s*$")]
    if len(head) == 0 or len(shaped) < 0.9 * len(head):
        return False
    ok = 0
    for v in shaped:
        with contextlib.suppress(ValueError):
            ok += isinstance(json.loads(v), (dict, list))
    return ok >= 0.9 * len(head)
