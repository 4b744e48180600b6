"""What each catalogued column becomes in the vault: pseudonym, generalization, kept, or dropped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sandbox.catalog.model import Catalog, ColumnEntry, TableEntry
from sandbox.db import q

FAKEABLE = {"full_name", "first_name", "last_name", "email", "phone", "address", "passport", "inn", "snils",
            "card_number"}


@dataclass(frozen=True)
class Output:
    """One vault column: its SQL over the raw view and the kind a generator sees."""

    column: str
    sql: str
    kind: str  # numerical | categorical | datetime | key | text (kept free text, never given to generators)


# Day-first dates, with and without a time of day, as CRM exports write them outside the US (ISO forms are
# TRY_CAST's). Without the timed forms, "26-02-2018 19:58" became NULL in the vault.
_DAY_FIRST = tuple(f"{d}{t}" for d in ("%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y", "%d.%m.%y")
                   for t in (" %H:%M:%S", " %H:%M", ""))


def _timestamp(c: str, date_format: str | None = None) -> str:
    """SQL reading column ``c`` (quoted) as a TIMESTAMP: ISO forms, then the detected ``date_format`` (a US
    export's 03/04/2020 is March 4), then the day-first forms; else NULL."""
    first = [date_format.replace("'", "''")] if date_format else []
    formats = ", ".join(f"'{f}'" for f in dict.fromkeys([*first, *_DAY_FIRST]))
    return f"COALESCE(TRY_CAST({c} AS TIMESTAMP), try_strptime(CAST({c} AS VARCHAR), [{formats}]))"


# a currency sign or code before the number (after its sign) or after it, spaces already dropped
CURRENCY_LEAD = r"^([+-]?)(?:[$€£¥₽₴₸]|USD|EUR|GBP|RUB)"
CURRENCY_TAIL = r"(?:[$€£¥₽₴₸]|руб\.?|р\.|USD|EUR|GBP|RUB)$"


def _number(c: str) -> str:
    """SQL reading column ``c`` (quoted) as a DOUBLE the way the detector reads numbers (``detect._numeric``):
    spaces between digit groups dropped (also no-break ones); with both "," and "." the later one is the
    decimal mark ("1,234.5", "1.234,56"); a lone "," is a decimal comma ("1 467,45"); a currency sign or code
    before or after it is dropped ("$1,234.50"). Else NULL."""
    t = f"regexp_replace(CAST({c} AS VARCHAR), '[\\s\\x{{00a0}}]', '', 'g')"
    t = f"regexp_replace(regexp_replace({t}, '{CURRENCY_LEAD}', '\\1'), '{CURRENCY_TAIL}', '')"
    normal = (f"CASE WHEN NOT contains({t}, ',') THEN {t} WHEN NOT contains({t}, '.') THEN replace({t}, ',', '.') "
              f"WHEN instr(reverse({t}), '.') < instr(reverse({t}), ',') THEN replace({t}, ',', '') "
              f"ELSE replace(replace({t}, '.', ''), ',', '.') END")
    return f"COALESCE(TRY_CAST({c} AS DOUBLE), TRY_CAST({normal} AS DOUBLE))"


def _is_key(table: TableEntry, column: str) -> bool:
    return column == table.primary_key or any(fk.column == column for fk in table.foreign_keys)


def _generalized(col: str, entry: ColumnEntry, view: str, k: int, today: date) -> Output:
    c = q(col)
    g = entry.generalize
    if g == "age_band":
        years = (f"date_diff('year', CAST({_timestamp(c, entry.date_format)} AS DATE), DATE '{today.isoformat()}')"
                 if entry.kind == "datetime" else _number(c))
        band = f"CAST(floor({years} / 10) * 10 AS INTEGER)"
        return Output(col, f"CASE WHEN {band} IS NULL THEN NULL ELSE {band} || '-' || ({band} + 9) END",
                      "categorical")
    if g == "birth_year":
        return Output(col, f"year({_timestamp(c, entry.date_format)})", "numerical")
    if g == "year_month":
        return Output(col, f"strftime({_timestamp(c, entry.date_format)}, '%Y-%m')", "categorical")
    if g == "zip_prefix":
        return Output(col, f"left(CAST({c} AS VARCHAR), 3)", "categorical")
    if g == "rare_to_other":
        frequent = f"SELECT v FROM (SELECT {c} AS v, count(*) AS n FROM {q(view)} GROUP BY 1) WHERE n >= {int(k)}"
        return Output(col, f"CASE WHEN {c} IS NULL THEN NULL WHEN {c} IN ({frequent}) "
                           f"THEN CAST({c} AS VARCHAR) ELSE 'other' END", "categorical")
    return _plain(col, entry)


def _plain(col: str, entry: ColumnEntry) -> Output:
    c = q(col)
    if entry.kind == "numerical":
        return Output(col, _number(c), "numerical")
    if entry.kind == "datetime":
        return Output(col, _timestamp(c, entry.date_format), "datetime")
    return Output(col, f"CAST({c} AS VARCHAR)", "categorical")


def is_free_text(entry: ColumnEntry) -> bool:
    """A free-text column: dropped at ingest unless the catalog keeps it (then scrubbed)."""
    return entry.kind == "text" or entry.identifier == "free_text"


def plan_table(name: str, table: TableEntry, catalog: Catalog, today: date | None = None) -> list[Output]:
    """The vault columns of one table (dropped columns are simply absent).

    Keys become keyed pseudonyms; direct identifiers, "habit" columns and free text are dropped, except
    free text the catalog keeps (``keep_text``), whose identifiers are replaced by placeholders.
    """
    today = today or date.today()
    out: list[Output] = []
    for col, entry in table.columns.items():
        if _is_key(table, col):
            out.append(Output(col, f"pseudonym(CAST({q(col)} AS VARCHAR))", "key"))
        elif entry.keep_text and is_free_text(entry) and entry.purpose != "habit":
            out.append(Output(col, f"scrub_text(CAST({q(col)} AS VARCHAR))", "text"))
        elif entry.purpose == "habit" or entry.cls == "direct_identifier":
            continue
        elif entry.cls == "key":
            out.append(Output(col, f"pseudonym(CAST({q(col)} AS VARCHAR))", "key"))
        elif is_free_text(entry):
            continue
        elif entry.cls == "quasi_identifier":
            out.append(_generalized(col, entry, f"raw_{name}", catalog.k_anonymity, today))
        else:
            out.append(_plain(col, entry))
    return out


def synthetic_only_identifiers(table: TableEntry) -> dict[str, str]:
    """Dropped direct identifiers that synthetic data re-creates with realistic fake values."""
    return {
        col: e.identifier
        for col, e in table.columns.items()
        if e.cls == "direct_identifier" and e.identifier in FAKEABLE and e.purpose != "habit"
        and not _is_key(table, col)
    }


def fate(table: TableEntry, column: str, outputs: list[Output]) -> str:
    """What the vault holds of ``column``: pseudonym, generalized, scrubbed text, kept, or dropped."""
    by_column = {o.column: o for o in outputs}
    if column not in by_column:
        return "dropped"
    kind = by_column[column].kind
    if kind == "key":
        return "pseudonym"
    if kind == "text":
        return "scrubbed text"
    entry = table.columns[column]
    if entry.cls == "quasi_identifier" and entry.generalize != "none":
        return f"generalized ({entry.generalize})"
    return "kept"


def pseudonymized_columns(table: TableEntry, outputs: list[Output]) -> list[str]:
    """Vault columns that hold keyed pseudonyms."""
    return [o.column for o in outputs if o.kind == "key"]


def digest_columns(table: TableEntry) -> list[str]:
    """Source columns whose keyed digests the vault keeps for the gate's leak scan (identifiers and keys)."""
    return [c for c, e in table.columns.items()
            if (e.cls in {"direct_identifier", "key"} or _is_key(table, c)) and not is_free_text(e)]


def quasi_identifiers(table: TableEntry, outputs: list[Output]) -> list[str]:
    kept = {o.column for o in outputs}
    return [c for c, e in table.columns.items() if e.cls == "quasi_identifier" and c in kept]
