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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from sandbox.catalog.model import ColumnEntry, IdentifierKind, Kind
from sandbox.catalog.plan import CURRENCY_LEAD, CURRENCY_TAIL
from sandbox.vault.detect_names import (
    _Hint,
    _key_name,
    _name_hints,
    _name_tokens,
)
from sandbox.vault.detect_text_names import person_spans
from sandbox.vault.detect_values import (
    _CODE,
    _DATE_FORMATS,
    _DATE_LIKE,
    _DIGIT_KINDS,
    _DIGITISH,
    _EMAIL,
    _EMBEDDED,
    _HEX_ID,
    _LABELS,
    _NAME_KINDS,
    _NAME_TESTS,
    _NINE_DIGITS,
    _NUMBER,
    _TEST_KIND,
    _VALUE_TESTS,
    _name_parts,
    json_documents,
    known_last_name,
)

__all__ = ["propose_column", "propose_table"]

_NAME_PROBE = 200  # free-text values read for people's names (about a millisecond each)

_MAX_DISTINCT = 1000  # distinct values the value patterns look at
_ALONE = 0.8  # share of values that makes an identifier without help from the name
_ALONE_NAMES = 0.6  # person names: the known-name lists are incomplete
_WITH_NAME = 0.3  # share that confirms an identifier the name already suggests
_STAFF_ROWS = 20  # rows per distinct name from which a name column names staff, not the row's own person
_FEW_NAMES = 5  # fewer distinct values than this: surname endings alone do not make them names
_NULLS = frozenset({"", "nan", "none", "null", "n/a", "na", "nat", "<na>"})
_BOOL_PAIRS = [
    {"yes", "no"}, {"y", "n"}, {"true", "false"}, {"t", "f"}, {"да", "нет"}, {"0", "1"}, {"sim", "não"},
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
    one is the decimal mark ("1,234.5", "1.234,56"); a lone "," is a decimal comma; a currency sign or code before
    or after the number is dropped ("$1,234.50", "1 234,56 руб."). The vault reads numbers
    the same way (``transform._number``).

    Only strings shaped like numbers reach ``pd.to_numeric``: some long non-numbers crash it.
    """
    text = distinct.str.replace(r"[\s\u00a0]", "", regex=True)
    text = text.str.replace(CURRENCY_LEAD, r"\1", regex=True).str.replace(CURRENCY_TAIL, "", regex=True)
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
    elif json_documents(head):
        p.kind, p.why_kind = "text", "JSON documents (structured text)"
    return p


def _looks_like_text(distinct: pd.Series, unique_ratio: float) -> bool:
    words = distinct.str.count(r"\s+") + 1
    spaced = (words > 1).mean() >= 0.5
    return unique_ratio >= 0.5 and spaced and (distinct.str.len().mean() >= 25 or words.mean() >= 4)


def _shares(p: _Profile) -> dict[str, float]:
    """Share of distinct values each identifier pattern accepts; cheap filters skip hopeless ones."""
    if p.n == 0 or p.kind in ("boolean", "datetime") or (p.kind == "numerical" and not p.integral):
        return {}
    vals = p.distinct.tolist()
    digitish = p.distinct.str.fullmatch(_DIGITISH).mean()
    has_at = p.distinct.str.contains("@", regex=False).mean()
    shares: dict[str, float] = {}
    for kind, (_label, test) in _VALUE_TESTS.items():
        if (kind in _DIGIT_KINDS and digitish < _WITH_NAME) or (kind == "email" and has_at < _WITH_NAME):
            continue
        shares[kind] = sum(1 for v in vals if test(v)) / len(vals)
    parts = [x for x in map(_name_parts, vals) if x is not None]
    if len(parts) >= _WITH_NAME * len(vals):
        for kind, (_label, name_test) in _NAME_TESTS.items():
            shares[kind] = sum(1 for x in parts if name_test(x)) / len(vals)
        if p.n_distinct < _FEW_NAMES:  # "Мужской"/"Женский" end like surnames: a few levels must be real names
            shares["last_name"] = sum(1 for x in parts if len(x) == 1 and known_last_name(x[0])) / len(vals)
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
    # names only in free text: title-case labels ("Santa Catarina", "Bank Transfer") read as names
    texts = [v for v in p.distinct.iloc[:_NAME_PROBE] if " " in v] if p.kind == "text" else []
    names = sum(1 for v in texts if person_spans(v))
    if names:
        found.append(("person name", names))
    return found


# ---------------------------------------------------------------- decisions


def _pct(share: float) -> str:
    return "<1%" if 0 < share < 0.005 else f"{round(share * 100)}%"


def _entry(p: _Profile, cls: str, evidence: list[str], **fields: object) -> ColumnEntry:
    fields.setdefault("kind", p.kind)
    if p.date_format and p.date_format != "ISO8601" and fields["kind"] == "datetime":
        fields.setdefault("date_format", p.date_format)
    return ColumnEntry(cls=cls, proposed=True, justification="; ".join(evidence), **fields)


def _contradicts(p: _Profile, kind: IdentifierKind, shares: Mapping[str, float]) -> bool:
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
        kind = cast(IdentifierKind, _TEST_KIND.get(best, best))
        entry = _entry(p, "direct_identifier", evidence, identifier=kind, kind=_id_kind(p, kind))
        if kind == "inn" and p.distinct.str.len().eq(10).mean() >= 0.5:  # organisations' INNs
            entry.width = 10
        if kind == "full_name" and p.n >= _STAFF_ROWS * p.n_distinct:  # 8 names over 3,000 deals: the staff
            entry.staff = p.n_distinct
            evidence.append(f"{p.n_distinct} people named again and again (staff): as many fake ones")
            entry.justification = "; ".join(evidence)
        return entry
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


_UNIQUE = 0.999  # distinct per non-empty row, over the whole table when ingest counted it
_UNIQUE_MIN_ROWS = 100  # below this a column of counts can be unique and dense by chance


def _unique_code(p: _Profile, rows: int, evidence: list[str]) -> ColumnEntry | None:
    """A column unique per row whose values are codes, not measurements, is a key whatever it is called
    (``col7``, ``поле_3``, ``ид_клиента``): whole numbers of one width or packed densely in their range, or
    code strings with digits (``C536365``, ``INV-000123``). Fractions, dates and free text are measurements
    or content; a few random whole numbers of varying width can also be unique by chance, so they are not."""
    if p.n < _UNIQUE_MIN_ROWS or p.unique_ratio < _UNIQUE or p.kind in ("boolean", "datetime", "text"):
        return None
    if p.kind == "numerical":
        nums = _numeric(p.distinct).dropna()
        if not p.integral or nums.empty or (nums < 0).any():
            return None
        width = nums.astype("int64").astype(str).str.len()
        modal = int(width.mode().iloc[0])
        fixed = modal >= 5 and float((width == modal).mean()) >= 0.95
        span = float(nums.max() - nums.min() + 1)
        # n values drawn at random from a range of `span` repeat about n^2 / (2 span) times: none at all
        # where several were due means they were issued, not measured
        dense = rows * rows / (2 * span) >= 3
        if not (fixed or dense):
            return None
        why = f"whole numbers of {modal} digits" if fixed else "whole numbers packed densely in their range"
    else:
        codes = float(p.distinct.str.fullmatch(_CODE).mean())
        digits = float(p.distinct.str.contains(r"\d").mean())
        # one label with a running number in any script ("Сделка #17", "Deal 0017"): the number names the row
        template = p.distinct.str.replace(r"\d+", "#", regex=True)
        top = template.value_counts(normalize=True)
        worded = len(top) > 0 and re.search(r"[^\W\d_]", str(top.index[0])) is not None  # "$#,#.#" is an amount
        templated = float(top.iloc[0]) if worded else 0.0
        if digits < 0.9 or (codes < 0.95 and templated < 0.95):
            return None
        why = "codes of letters and digits" if codes >= 0.95 else "one label with a running number"
    evidence.append(f"values unique per row ({_pct(p.unique_ratio)} distinct), {why}: an id")
    return _entry(p, "key", evidence, kind="key", purpose="essential")


def _unique_label(p: _Profile, rows: int, evidence: list[str]) -> ColumnEntry | None:
    """Words unique per row that are no code (an account's name "Smith, Jones and Brown 12"): each names one
    row, so a generator learns nothing from them (every level held once is pooled) and keeping them would
    only carry real names: a habit column, dropped."""
    if (rows < _UNIQUE_MIN_ROWS or p.n < _UNIQUE_MIN_ROWS or p.unique_ratio < 0.95 or p.kind != "categorical"
            or p.distinct.str.contains(r"[^\W\d_]{2}").mean() < 0.9):
        return None
    evidence.append(f"values unique per row ({_pct(p.unique_ratio)} distinct) and words: each names one row, "
                    "nothing a generator can learn")
    return _entry(p, "ordinary", evidence, purpose="habit")


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
        or _unique_code(p, row_count if row_count is not None else len(values), evidence)
        or _unique_label(p, row_count if row_count is not None else len(values), evidence)
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
