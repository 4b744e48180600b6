"""The privacy rules of the release gate said as they decide, in English and Russian (issue 19.4).

A privacy excess fails the gate only when it is over its limit *and* beyond chance for the worst of the
dataset's k tables (``sandbox.release.gate._verdict``: a one-sided z above ``chance_z(k)``, 1.96 for one table, 2.50
for four). Saying only "53.0% (the gate allows up to 52%)" beside a PASS contradicts itself; these sentences
name the limit, the chance bound and which of them decided. Numbers and plurals come from Babel.
"""

from __future__ import annotations

from typing import Any

from babel import Locale
from babel.numbers import format_decimal, format_percent

from sandbox.settings import GateThresholds

__all__ = ["copy_rule", "dcr_rule", "distance_words", "leak_words"]

_TABLES = {"en": {"one": "table", "other": "tables"},
           "ru": {"one": "таблицы", "few": "таблиц", "many": "таблиц", "other": "таблиц"}}

_DCR = {
    "en": {
        "under": "Closer to training rows {share}: no more than the gate's limit of {limit} (50% means nobody was "
                 "memorized), so it passes.",
        "chance": "Closer to training rows {share}: above {limit}, but within chance for {k} {tables} (z = {z}; "
                  "a difference counts as memorization only beyond z = {bound}), so it passes.",
        "fails": "Closer to training rows {share}: above {limit} and beyond chance for {k} {tables} (z = {z} > "
                 "{bound}): rows sit closer to training data than to unseen people, so it fails.",
    },
    "ru": {
        "under": "Ближе к обучающим строкам {share}: не больше предела {limit} (50% значит, что никто не "
                 "запомнен), поэтому проверка пройдена.",
        "chance": "Ближе к обучающим строкам {share}: больше {limit}, но в пределах случайности для {k} {tables} "
                  "(z = {z}; запоминанием считается только отклонение сверх z = {bound}), поэтому проверка "
                  "пройдена.",
        "fails": "Ближе к обучающим строкам {share}: больше {limit} и сверх случайности для {k} {tables} "
                 "(z = {z} > {bound}): строки ближе к обучающим данным, чем к новым людям, поэтому проверка не "
                 "пройдена.",
    },
}

_COPY = {
    "en": {
        "under": "Exact copies: {train} of synthetic rows equal a training row and {holdout} an unseen row; the "
                 "excess stays within the allowed {margin}, so it passes.",
        "chance": "Exact copies: {train} of synthetic rows equal a training row and {holdout} an unseen row; the "
                  "excess is above {margin}, but within chance for {k} {tables} (z = {z}, limit {bound}), so it "
                  "passes.",
        "fails": "Exact copies: {train} of synthetic rows equal a training row and {holdout} an unseen row; the "
                 "excess is above {margin} and beyond chance for {k} {tables} (z = {z} > {bound}): copied "
                 "records, so it fails.",
    },
    "ru": {
        "under": "Точные копии: {train} синтетических строк совпадают с обучающей строкой и {holdout} с новой; "
                 "превышение в пределах допустимых {margin}, поэтому проверка пройдена.",
        "chance": "Точные копии: {train} синтетических строк совпадают с обучающей строкой и {holdout} с новой; "
                  "превышение больше {margin}, но в пределах случайности для {k} {tables} (z = {z}, предел "
                  "{bound}), поэтому проверка пройдена.",
        "fails": "Точные копии: {train} синтетических строк совпадают с обучающей строкой и {holdout} с новой; "
                 "превышение больше {margin} и сверх случайности для {k} {tables} (z = {z} > {bound}): записи "
                 "скопированы, поэтому проверка не пройдена.",
    },
}


def _pct(x: float, lang: str, decimals: int = 1) -> str:
    return format_percent(x, "#,##0." + "0" * decimals + "%" if decimals else "#,##0%", locale=lang)


def _z(x: float, lang: str) -> str:
    return format_decimal(x, "0.00", locale=lang) if abs(x) != float("inf") else "∞"


def _tables(k: int, lang: str) -> str:
    forms = _TABLES[lang]
    return forms.get(Locale(lang).plural_form(k), forms["other"])


def _decided(over: bool, z: float, bound: float) -> str:
    return "under" if not over else "fails" if z > bound else "chance"


def _common(privacy: dict[str, Any], lang: str) -> tuple[dict[str, Any], float]:
    k = max(1, len(privacy.get("tables") or {}))
    bound = privacy.get("chance_z", 1.96)
    return {"k": format_decimal(k, locale=lang), "tables": _tables(k, lang), "bound": _z(bound, lang)}, bound


def dcr_rule(privacy: dict[str, Any], thresholds: GateThresholds, lang: str = "en") -> str:
    """The memorization rule (share of rows closer to training than to unseen rows) and what it decided."""
    common, bound = _common(privacy, lang)
    share, z = privacy["dcr_share"], privacy.get("dcr_z", float("inf"))
    case = _decided(share > thresholds.max_dcr_share, z, bound)
    return _DCR[lang][case].format(share=_pct(share, lang), limit=_pct(thresholds.max_dcr_share, lang, 0),
                                   z=_z(z, lang), **common)


def copy_rule(privacy: dict[str, Any], thresholds: GateThresholds, lang: str = "en") -> str:
    """The exact-copy rule (matches with training rows over matches with unseen rows) and what it decided."""
    common, bound = _common(privacy, lang)
    train, holdout = privacy["identical_match_share_train"], privacy["identical_match_share_holdout"]
    z = privacy.get("identical_match_z", float("inf"))
    case = _decided(train > holdout + thresholds.identical_match_margin, z, bound)
    return _COPY[lang][case].format(train=_pct(train, lang, 2), holdout=_pct(holdout, lang, 2),
                                    margin=_pct(thresholds.identical_match_margin, lang), z=_z(z, lang), **common)


_MORE = {
    "en": {
        "distance": "Typical distance to the closest training row {train}, to the closest unseen row {holdout}; a "
                    "fresh real person is {baseline} from the training rows (0 = identical, 1 = different in every "
                    "column).",
        "no_leak": "No identifier value of the source (name, e-mail, phone, key) appears in the synthetic data.",
        "leak": "{n} synthetic cells hold identifier values of the source, in {where}.",
    },
    "ru": {
        "distance": "Типичное расстояние до ближайшей обучающей строки {train}, до ближайшей новой строки "
                    "{holdout}; новый реальный человек находится на расстоянии {baseline} от обучающих строк "
                    "(0 = совпадает, 1 = отличается в каждом столбце).",
        "no_leak": "Ни одно значение идентификаторов источника (имя, эл. почта, телефон, ключ) не встречается в "
                   "синтетических данных.",
        "leak": "Ячеек синтетических данных со значениями идентификаторов источника: {n}, в {where}.",
    },
}


def distance_words(privacy: dict[str, Any], lang: str = "en") -> str | None:
    """The typical distances behind the memorization rule, or None when they were not measured."""
    if privacy.get("median_dcr_train") is None:
        return None
    return _MORE[lang]["distance"].format(**{k: format_decimal(privacy[f"median_dcr_{k}"], "0.000", locale=lang)
                                             for k in ("train", "holdout", "baseline")})


def leak_words(privacy: dict[str, Any], lang: str = "en") -> str:
    """Whether identifier values of the source reached the synthetic data."""
    n = privacy.get("leaked_values", 0)
    if not n:
        return _MORE[lang]["no_leak"]
    return _MORE[lang]["leak"].format(n=format_decimal(n, locale=lang), where=", ".join(privacy.get("leak_locations")
                                                                                        or {}))
