"""Fast, realistic fake identifiers (names, emails, phones, documents) in a Faker locale.

At first use per locale, pools of names, streets and cities are drawn from Faker with a fixed
internal seed and cached; every later call only combines those pools with numpy, so the output is
fast and depends on nothing but the ``rng`` passed in. Rows are coherent persons: the email of a row
is built from that row's first and last name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from faker import Faker

    from generators.persona import Persona

__all__ = [
    "IDENTIFIER_KINDS",
    "fake_identities",
    "inn_valid",
    "luhn_valid",
    "snils_valid",
    "transliterate",
]

IDENTIFIER_KINDS = (
    "full_name", "first_name", "last_name", "email", "phone", "address", "passport", "inn", "snils",
    "card_number", "other",
)
_PERSON_KINDS = frozenset({"full_name", "first_name", "last_name", "email"})
_POOL_SEED = 20240917
_POOL_SIZE = 1500
_DIGITS = np.array(list("0123456789"), dtype="U1")
_TOKEN_CHARS = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ23456789"), dtype="U1")
_NUMBERS = np.array([str(i) for i in range(10_000)], dtype=object)  # int -> str by lookup (fast)
_TWO_DIGITS = np.array([f"{i:02d}" for i in range(100)], dtype=object)
# marker -> digits it may become (low inclusive, high exclusive)
_MARKERS = {"#": (0, 10), "%": (1, 10), "N": (2, 10), "A": (0, 9)}
_PAREN = re.compile(r"\s*\(.*\)$")  # Faker's ru_RU city names carry notes like "(Краснод.)"

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
    "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "і": "i", "ї": "yi", "є": "ye",
    "ґ": "g", "ў": "u",
}
_TRANSLIT = str.maketrans(
    {**_CYRILLIC, **{k.upper(): v.capitalize() for k, v in _CYRILLIC.items()}}
)

_DOMAINS: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "ru": (
        ("mail.ru", "yandex.ru", "gmail.com", "bk.ru", "list.ru", "inbox.ru", "rambler.ru", "ya.ru"),
        (0.30, 0.24, 0.20, 0.06, 0.06, 0.05, 0.05, 0.04),
    ),
    "en": (
        ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "aol.com", "comcast.net"),
        (0.45, 0.17, 0.12, 0.10, 0.08, 0.04, 0.04),
    ),
}
_PHONES: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "ru_RU": (("+7 9## ###-##-##", "8 9## ###-##-##", "+7 (9##) ###-##-##"), (0.7, 0.15, 0.15)),
    "en_US": (("(NA#) N##-####", "+1-NA#-N##-####", "NA#-N##-####"), (0.5, 0.3, 0.2)),
}
_PASSPORTS = {"ru_RU": "%# ## ######"}
_CARD_PREFIXES = {
    "ru_RU": ("2200", "2202", "2204", "4276", "4279", "5469", "5536"),
    "default": ("4147", "4266", "4388", "4485", "5178", "5424", "5598"),
}


def transliterate(text: str) -> str:
    """Latin spelling of ``text``: Cyrillic by a passport-style table, accents stripped."""
    latin = unicodedata.normalize("NFKD", text.translate(_TRANSLIT))
    return "".join(c for c in latin if not unicodedata.combining(c))


def _email_token(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", transliterate(name).lower())


def _only_digits(value: object, seps: str = " -") -> str | None:
    text = str(value).strip()
    for sep in seps:
        text = text.replace(sep, "")
    return text if text.isascii() and text.isdigit() else None


def luhn_valid(s: object) -> bool:
    """True when ``s`` (digits, spaces and hyphens allowed) is a 12-19 digit Luhn-valid number."""
    digits = _only_digits(s)
    if digits is None or not 12 <= len(digits) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _inn_check(digits: Sequence[int], weights: Sequence[int]) -> int:
    return sum(d * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def inn_valid(s: object) -> bool:
    """True when ``s`` is a Russian INN (10 digits for companies, 12 for persons) with valid check digits."""
    text = _only_digits(s, seps=" ")
    if text is None or len(text) not in (10, 12):
        return False
    d = [int(c) for c in text]
    if len(d) == 10:
        return _inn_check(d, _INN10) == d[9]
    return _inn_check(d, _INN11) == d[10] and _inn_check(d, _INN12) == d[11]


def _snils_check(number_digits: np.ndarray) -> np.ndarray:
    total = number_digits @ np.arange(9, 0, -1)
    check = np.where(total < 100, total, total % 101)
    return np.where(check >= 100, 0, check)


def snils_valid(s: object) -> bool:
    """True when ``s`` (e.g. ``123-456-789 01``) is an 11-digit SNILS with a valid control number."""
    text = _only_digits(s)
    if text is None or len(text) != 11:
        return False
    if int(text[:9]) <= 1001998:  # the control number is defined only above 001-001-998
        return True
    return int(_snils_check(np.array([int(c) for c in text[:9]]))) == int(text[9:])


# ---------------------------------------------------------------------------------------------
# pools


@dataclass(frozen=True)
class _Pools:
    first: dict[str, np.ndarray]  # "F"/"M" -> names
    last: dict[str, np.ndarray]
    middle: dict[str, np.ndarray] | None
    first_tok: dict[str, np.ndarray]  # same order, email-ready ASCII
    last_tok: dict[str, np.ndarray]
    streets: np.ndarray
    cities: np.ndarray
    states: np.ndarray | None
    domains: np.ndarray
    domain_p: np.ndarray
    phones: tuple[str, ...]
    phone_p: np.ndarray


def _draw(fake: Faker, method: str, fallback_locale: str = "en_US") -> np.ndarray:
    """``_POOL_SIZE`` values of ``fake.method()`` (from ``fallback_locale`` when the locale lacks it)."""
    if not hasattr(fake, method):
        fake = _seeded_faker(fallback_locale)
    return np.array([getattr(fake, method)() for _ in range(_POOL_SIZE)], dtype=object)


def _seeded_faker(locale: str) -> Faker:
    from faker import Faker  # heavy enough to import only when identities are first needed

    try:
        fake = Faker(locale)
    except AttributeError as exc:
        raise ValueError(f"unknown locale {locale!r}; use a Faker locale such as 'en_US' or 'ru_RU'") from exc
    fake.seed_instance(_POOL_SEED)
    return fake


def _tokens(names: np.ndarray) -> np.ndarray:
    toks = [_email_token(x) or "user" for x in names.tolist()]
    return np.array(toks, dtype=object)


def _phone_templates(fake: Faker, locale: str) -> tuple[tuple[str, ...], np.ndarray]:
    if locale in _PHONES:
        templates, weights = _PHONES[locale]
        return templates, np.array(weights)
    formats = getattr(fake.factories[0].provider("faker.providers.phone_number"), "formats", ())
    allowed = set("#%0123456789+()-. /")
    found: dict[str, int] = {}
    for fmt in (fake.random_element(formats) for _ in range(200)) if formats else ():
        template = fake.parse(fmt)
        if set(template) <= allowed and "#" in template:
            found[template] = found.get(template, 0) + 1
    if not found:
        found = {"+## ### ###-####": 1}
    counts = np.array(list(found.values()), dtype=float)
    return tuple(found), counts / counts.sum()


@lru_cache(maxsize=16)
def _pools(locale: str) -> _Pools:
    fake = _seeded_faker(locale)
    first = {"F": _draw(fake, "first_name_female"), "M": _draw(fake, "first_name_male")}
    last = {"F": _draw(fake, "last_name_female"), "M": _draw(fake, "last_name_male")}
    middle = None
    if hasattr(fake, "middle_name_female"):
        middle = {"F": _draw(fake, "middle_name_female"), "M": _draw(fake, "middle_name_male")}
    city_method = "city_name" if hasattr(fake, "city_name") else "city"
    lang = locale.split("_")[0]
    if lang in _DOMAINS:
        domains, domain_p = _DOMAINS[lang]
    else:
        internet = fake.factories[0].provider("faker.providers.internet")
        domains = tuple(getattr(internet, "free_email_domains", ())) or _DOMAINS["en"][0]
        domain_p = (1 / len(domains),) * len(domains)
    phones, phone_p = _phone_templates(fake, locale)
    return _Pools(
        first=first,
        last=last,
        middle=middle,
        first_tok={g: _tokens(v) for g, v in first.items()},
        last_tok={g: _tokens(v) for g, v in last.items()},
        streets=_draw(fake, "street_name", "en_US"),
        cities=np.array([_PAREN.sub("", c) for c in _draw(fake, city_method, "en_US")], dtype=object),
        states=_draw(fake, "state_abbr") if locale == "en_US" else None,
        domains=np.array(domains, dtype=object),
        domain_p=np.array(domain_p) / np.sum(domain_p),
        phones=phones,
        phone_p=phone_p,
    )


# ---------------------------------------------------------------------------------------------
# vectorised building blocks


def _render(template: str, digits: np.ndarray) -> np.ndarray:
    """Fill every '#' of ``template`` with the columns of ``digits`` (n x count('#'))."""
    chars = np.tile(np.array(list(template), dtype="U1"), (digits.shape[0], 1))
    chars[:, [i for i, c in enumerate(template) if c == "#"]] = _DIGITS[digits]
    return chars.view(f"U{len(template)}").ravel()


def _fill(template: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Replace every marker of ``template`` (see ``_MARKERS``) with a random digit."""
    chars = np.tile(np.array(list(template), dtype="U1"), (n, 1))
    for marker, (low, high) in _MARKERS.items():
        pos = [i for i, c in enumerate(template) if c == marker]
        if pos:
            chars[:, pos] = _DIGITS[rng.integers(low, high, size=(n, len(pos)))]
    return chars.view(f"U{len(template)}").ravel()


def _fill_mixed(templates: Sequence[str], p: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    which = rng.choice(len(templates), size=n, p=p)
    out = np.empty(n, dtype=object)
    for k, template in enumerate(templates):
        rows = np.flatnonzero(which == k)
        if rows.size:
            out[rows] = _fill(template, rows.size, rng)
    return out


def _join(first: np.ndarray, *parts: np.ndarray | str) -> np.ndarray:
    """Row-wise concatenation of object arrays and plain strings."""
    out = first
    for part in parts:
        out = out + part
    return out


def _pick(pool: np.ndarray, u: np.ndarray) -> np.ndarray:
    return pool[(u * len(pool)).astype(np.intp)]


@dataclass
class _Persons:
    female: np.ndarray
    first: np.ndarray
    last: np.ndarray
    middle: np.ndarray | None
    first_tok: np.ndarray
    last_tok: np.ndarray


def _persons(pools: _Pools, n: int, rng: np.random.Generator, genders: Sequence[str] | np.ndarray | None,
             stream_coin: bool = False) -> _Persons:
    """``stream_coin``: draw the gender coin even when every gender is known, so that genders read from a
    row (``persona``) leave a generator's random stream as it was without them."""
    coin = rng.random(n) < 0.5 if genders is None or stream_coin else None
    if genders is None:
        assert coin is not None
        female = coin
    else:
        given = np.asarray(genders, dtype=object)
        if given.shape != (n,):
            raise ValueError(f"genders must have one value per row ({n}), got shape {given.shape}")
        female = given == "F"
        unknown = ~female & (given != "M")
        if unknown.any():  # drawn only when needed: a fully known gender column leaves the stream as it was
            female = female | (unknown & (coin if coin is not None else rng.random(n) < 0.5))
    u_first, u_last, u_mid = rng.random((3, n))

    def both(pool: dict[str, np.ndarray], u: np.ndarray) -> np.ndarray:
        return np.where(female, _pick(pool["F"], u), _pick(pool["M"], u))

    middle = both(pools.middle, u_mid) if pools.middle else None
    return _Persons(
        female=female,
        first=both(pools.first, u_first),
        last=both(pools.last, u_last),
        middle=middle,
        first_tok=both(pools.first_tok, u_first),
        last_tok=both(pools.last_tok, u_last),
    )


# email local parts: head + separator + tail + number, where head/tail 0=first name, 1=its initial,
# 2=last name, 3=nothing, and number 0=none, 1=two digits, 2=a birth year
_EMAIL_HEAD = np.array([0, 0, 1, 0, 2, 0, 2, 1, 0])
_EMAIL_SEP = np.array([".", ".", ".", "", ".", "_", "", "", "."], dtype=object)
_EMAIL_TAIL = np.array([2, 2, 2, 2, 0, 2, 3, 2, 2])
_EMAIL_NUMBER = np.array([0, 1, 0, 2, 0, 0, 1, 2, 2])
_EMAIL_P = np.array([0.2, 0.12, 0.1, 0.1, 0.08, 0.08, 0.07, 0.1, 0.15])


def _emails(pools: _Pools, people: _Persons, rng: np.random.Generator,
            years: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    n = people.first.shape[0]
    pattern = rng.choice(len(_EMAIL_P), size=n, p=_EMAIL_P)
    two = _TWO_DIGITS[rng.integers(1, 100, size=n)]
    drawn = np.asarray(rng.integers(1960, 2006, size=n))  # drawn as always, so the random stream after it is unchanged
    if years is not None:  # the row's age band: the year in its e-mail falls inside it
        known = years[0] >= 0
        lo, hi = years[0], years[1]
        drawn = np.where(known, lo + (drawn - 1960) % np.maximum(hi - lo + 1, 1), drawn)
    year = _NUMBERS[np.clip(drawn, 0, 9999)]
    domain = pools.domains[rng.choice(len(pools.domains), size=n, p=pools.domain_p)]
    initial = np.array([t[0] for t in people.first_tok.tolist()], dtype=object)
    parts = (people.first_tok, initial, people.last_tok)
    head, tail, number = _EMAIL_HEAD[pattern], _EMAIL_TAIL[pattern], _EMAIL_NUMBER[pattern]
    return _join(
        np.select([head == k for k in range(3)], parts, ""),
        _EMAIL_SEP[pattern],
        np.select([tail == k for k in range(3)], parts, ""),
        np.select([number == 1, number == 2], [two, year], ""),
        "@",
        domain,
    )


def _full_names(people: _Persons) -> np.ndarray:
    if people.middle is not None:  # Russian-style order: last, first, patronymic
        return _join(people.last, " ", people.first, " ", people.middle)
    return _join(people.first, " ", people.last)


def _addresses(pools: _Pools, locale: str, n: int, rng: np.random.Generator) -> np.ndarray:
    street = pools.streets[rng.integers(0, len(pools.streets), size=n)]
    city = pools.cities[rng.integers(0, len(pools.cities), size=n)]
    if locale == "ru_RU":
        house = _NUMBERS[rng.integers(1, 150, size=n)]
        flat = np.where(rng.random(n) < 0.75, ", кв. " + _NUMBERS[rng.integers(1, 300, size=n)], "")
        return _join(street, ", д. ", house, flat, ", г. ", city)
    house = _NUMBERS[np.exp(rng.uniform(0, np.log(9999), size=n)).astype(int)]
    if pools.states is not None:
        state = pools.states[rng.integers(0, len(pools.states), size=n)]
        return _join(house, " ", street, ", ", city, ", ", state, " ", _fill("#####", n, rng).astype(object))
    return _join(street, " ", house, ", ", city)


def _inns(n: int, rng: np.random.Generator) -> np.ndarray:
    d = np.empty((n, 12), dtype=np.int64)
    d[:, :2] = np.stack(np.divmod(rng.integers(1, 93, size=n), 10), axis=1)
    d[:, 2:10] = rng.integers(0, 10, size=(n, 8))
    d[:, 10] = d[:, :10] @ np.array(_INN11) % 11 % 10
    d[:, 11] = d[:, :11] @ np.array(_INN12) % 11 % 10
    return _render("#" * 12, d)


def _company_inns(n: int, rng: np.random.Generator) -> np.ndarray:
    """INNs of organisations: 10 digits, the last a check digit."""
    d = np.empty((n, 10), dtype=np.int64)
    d[:, :2] = np.stack(np.divmod(rng.integers(1, 93, size=n), 10), axis=1)
    d[:, 2:9] = rng.integers(0, 10, size=(n, 7))
    d[:, 9] = d[:, :9] @ np.array(_INN10) % 11 % 10
    return _render("#" * 10, d)


def _snilses(n: int, rng: np.random.Generator) -> np.ndarray:
    number = rng.integers(2_000_000, 1_000_000_000, size=n)
    d = np.empty((n, 11), dtype=np.int64)
    d[:, :9] = number[:, None] // 10 ** np.arange(8, -1, -1) % 10
    d[:, 9:] = np.stack(np.divmod(_snils_check(d[:, :9]), 10), axis=1)
    return _render("###-###-### ##", d)


def _cards(locale: str, n: int, rng: np.random.Generator) -> np.ndarray:
    prefixes = _CARD_PREFIXES.get(locale, _CARD_PREFIXES["default"])
    d = np.empty((n, 16), dtype=np.int64)
    d[:, :4] = np.array([[int(c) for c in p] for p in prefixes])[rng.integers(0, len(prefixes), size=n)]
    d[:, 4:15] = rng.integers(0, 10, size=(n, 11))
    doubled = d[:, 0:15:2] * 2  # 16 digits: every other digit from the left, starting with the first
    total = (doubled - 9 * (doubled > 9)).sum(axis=1) + d[:, 1:15:2].sum(axis=1)
    d[:, 15] = (10 - total % 10) % 10
    return _render("#" * 16, d)


def _tokens_random(n: int, rng: np.random.Generator) -> np.ndarray:
    chars = _TOKEN_CHARS[rng.integers(0, len(_TOKEN_CHARS), size=(n, 10))]
    return chars.view("U10").ravel()


def fake_identities(
    kinds: Mapping[str, str],
    n: int,
    locale: str,
    rng: np.random.Generator,
    *,
    genders: Sequence[str] | np.ndarray | None = None,
    persona: Persona | None = None,
    staff: Mapping[str, int] | None = None,
    staff_seed: Sequence[int] = (),
    widths: Mapping[str, int] | None = None,
) -> dict[str, np.ndarray]:
    """Fake identifiers, one object array of length ``n`` per output column.

    ``widths``: INN columns of organisations (10 digits) -> 10.
    ``staff``: columns that name a few people again and again (the managers who own deals) -> how many; each
    row draws one of that many fake people, the same ones in every batch (made from ``staff_seed``), and not
    the row's own person.

    Args:
        kinds: output column name -> identifier kind (one of ``IDENTIFIER_KINDS``).
        n: number of rows.
        locale: Faker locale, e.g. ``"ru_RU"`` or ``"en_US"``.
        rng: the only source of randomness; the same state gives byte-identical output.
        genders: optional ``"F"``/``"M"`` per row, so names match a gender column.
        persona: what the rows' other columns say (``persona.persona_of``): gender, and birth years that
            e-mails use; ``genders`` wins when both are given.

    Rows are coherent persons: full_name, first_name, last_name and email of one row describe the
    same person.
    """
    unknown = sorted({k for k in kinds.values() if k not in IDENTIFIER_KINDS})
    if unknown:
        raise ValueError(f"unknown identifier kinds {unknown}; choose from {', '.join(IDENTIFIER_KINDS)}")
    pooled = {c: size for c, size in (staff or {}).items() if c in kinds and size > 0}
    if pooled:
        own = fake_identities({c: k for c, k in kinds.items() if c not in pooled}, n, locale, rng, genders=genders,
                              persona=persona, widths=widths) if len(pooled) < len(kinds) else {}
        for i, (col, size) in enumerate(sorted(pooled.items())):
            pool = fake_identities({col: kinds[col]}, size, locale, np.random.default_rng([*staff_seed, i]))[col]
            own[col] = pool[rng.integers(0, size, size=n)]
        return own
    pools = _pools(locale)
    from_row = genders is None and persona is not None and persona.genders is not None
    if from_row:
        assert persona is not None
        genders = persona.genders
    years = None
    if persona is not None and persona.year_lo is not None and persona.year_hi is not None:
        years = (persona.year_lo, persona.year_hi)
    people = _persons(pools, n, rng, genders, stream_coin=from_row) if _PERSON_KINDS & set(kinds.values()) else None
    def person() -> _Persons:
        assert people is not None  # drawn whenever a person's kind is asked for
        return people

    builders = {
        "full_name": lambda: _full_names(person()),
        "first_name": lambda: person().first,
        "last_name": lambda: person().last,
        "email": lambda: _emails(pools, person(), rng, years),
        "phone": lambda: _fill_mixed(pools.phones, pools.phone_p, n, rng),
        "address": lambda: _addresses(pools, locale, n, rng),
        "passport": lambda: _fill(_PASSPORTS.get(locale, "%########"), n, rng),
        "inn": lambda: _inns(n, rng),
        "snils": lambda: _snilses(n, rng),
        "card_number": lambda: _cards(locale, n, rng),
        "other": lambda: _tokens_random(n, rng),
    }
    companies = {c for c, w in (widths or {}).items() if w == 10 and kinds.get(c) == "inn"}
    return {column: np.asarray(_company_inns(n, rng) if column in companies else builders[kind]()).astype(object)
            for column, kind in kinds.items()}
