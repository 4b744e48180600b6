"""Words and number formats of the Lab in English and Russian (no Streamlit here; the UI adds its own).

Numbers: ``1,234.5`` in English, ``1 234,5`` in Russian (a no-break space groups thousands); dates
``2024-07-01`` and ``01.07.2024``.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any, Literal

from sandbox.errors import InputError

Lang = Literal["en", "ru"]
LANGS: tuple[Lang, ...] = ("en", "ru")

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "metric.rate": "conversion rate",
        "metric.churn": "churn rate",
        "metric.mean": "mean {column}",
        "metric.median": "median {column}",
        "metric.count": "number of {table} per unit",
        "metric.duration": "days from {start} to the first {event}",
        "metric.category": "mix of {column}",
        "group.values": "{ref} = {values}",
        "group.rest": "{ref} ≠ {values}",
        "group.first": "first {ref} = {values}",
        "group.first_rest": "first {ref} ≠ {values}",
        "group.has": "with {ref} = {values}",
        "group.has_not": "without {ref} = {values}",
        "warn.missing": "{n} units of group {g} have no value of the metric and are left out.",
        "warn.clustered": "All {unit} rows of one {parent} row fall in the same group, so the test counts them "
                          "as independent evidence when they are not, and its p-value is too small. For a sound "
                          "p-value, ask the same question with {parent} as the population's unit.",
        "warn.chance": "You have tested {m} hypotheses on this dataset. Adjusted for all of them (Holm), "
                       "p = {p}: with that many tries a difference like this one turns up by chance, so treat "
                       "it as an idea to test, not a finding.",
        "power.rate": "Two-proportion z test, {alpha} significance, {power} power.",
        "power.mean": "Welch t test on the mean, {alpha} significance, {power} power.",
        "power.median": "Mann-Whitney test, approximated from the t test (efficiency 3/π), {alpha} "
                        "significance, {power} power.",
        "power.category": "Chi-square test of the mix, {alpha} significance, {power} power.",
        "power.none": "No difference to detect, so no sample size.",
        "hypothesis": "We believe that {change} for {segment} will {outcome} because {reason}.",
        "segment.all": "all {unit}",
        "segment.where": "{unit} where {conditions}",
        "schema.rows": "{n} rows", "schema.rows.one": "{n} row",
        "type.integer": "whole number", "type.number": "number", "type.text": "text", "type.date": "date",
        "type.time": "date and time", "type.bool": "yes / no",
    },
    "ru": {
        "metric.rate": "конверсия",
        "metric.churn": "отток",
        "metric.mean": "среднее {column}",
        "metric.median": "медиана {column}",
        "metric.count": "число строк {table} на единицу",
        "metric.duration": "дней от {start} до первого события {event}",
        "metric.category": "структура {column}",
        "group.values": "{ref} = {values}",
        "group.rest": "{ref} ≠ {values}",
        "group.first": "первое {ref} = {values}",
        "group.first_rest": "первое {ref} ≠ {values}",
        "group.has": "есть {ref} = {values}",
        "group.has_not": "нет {ref} = {values}",
        "warn.missing": "У {n} единиц группы {g} нет значения метрики, они не учитываются.",
        "warn.clustered": "Все строки {unit} одной строки {parent} попадают в одну группу, и тест считает их "
                          "независимыми наблюдениями, хотя это не так: p-значение занижено. Для надёжного "
                          "p-значения задайте тот же вопрос с единицей популяции {parent}.",
        "warn.chance": "Вы проверили на этом наборе гипотез: {m}. С поправкой на все (метод Холма) p = {p}: "
                       "при таком числе попыток подобная разница возникает случайно, так что это идея для "
                       "проверки, а не вывод.",
        "power.rate": "z-тест двух долей, уровень значимости {alpha}, мощность {power}.",
        "power.mean": "t-тест Уэлча для средних, уровень значимости {alpha}, мощность {power}.",
        "power.median": "Тест Манна-Уитни, приближение через t-тест (эффективность 3/π), уровень "
                        "значимости {alpha}, мощность {power}.",
        "power.category": "Хи-квадрат для структуры, уровень значимости {alpha}, мощность {power}.",
        "power.none": "Разницы нет, поэтому объём выборки не рассчитывается.",
        "hypothesis": "Мы считаем, что {change} для {segment} приведёт к тому, что {outcome}, потому что "
                      "{reason}.",
        "segment.all": "все {unit}",
        "segment.where": "{unit}, где {conditions}",
        "schema.rows": "{n} строк", "schema.rows.one": "{n} строка", "schema.rows.few": "{n} строки",
        "type.integer": "целое число", "type.number": "число", "type.text": "текст", "type.date": "дата",
        "type.time": "дата и время", "type.bool": "да / нет",
    },
}


# the statistics module words its warnings in English; these are their Russian versions
_WARNINGS_RU: list[tuple[re.Pattern[str], str]] = [(re.compile(p), r) for p, r in [
    (r"^Group (\w+): dropped (\d+) missing or infinite values\.$",
     r"Группа \1: отброшено пропущенных или бесконечных значений: \2."),
    (r"^Group (\w+) is empty; at least (\d+) per group are needed for a verdict\..*$",
     r"Группа \1 пуста; для вывода нужно не меньше \2 в каждой группе. Расширьте сегмент или "
     r"сгенерируйте больше синтетических данных."),
    (r"^Group (\w+) has only (\d+) observations; at least (\d+) per group are needed for a verdict\..*$",
     r"В группе \1 всего \2 наблюдений; для вывода нужно не меньше \3 в каждой группе. Расширьте сегмент "
     r"или сгенерируйте больше синтетических данных."),
    (r"^Every observation in both groups has the same outcome; the rates are identical\.$",
     "У всех наблюдений в обеих группах одинаковый исход; доли совпадают."),
    (r"^A group has fewer than 5 successes or failures; the normal approximation is rough\.$",
     "В одной из групп меньше 5 успехов или неудач; нормальное приближение грубое."),
    (r"^A group has a single observation, so its variance and the t test are undefined\.$",
     "В одной из групп одно наблюдение: дисперсия и t-тест не определены."),
    (r"^Neither group varies \(every value is the same\), so the t test is undefined\.$",
     "Значения в группах не различаются (все одинаковы), t-тест не определён."),
    (r"^Every value in both groups is the same; there is nothing to compare\.$",
     "Все значения в обеих группах одинаковы; сравнивать нечего."),
    (r"^The ranks differ although the medians do not move the same way;.*$",
     "Ранги различаются, хотя медианы сдвинуты иначе; смотрите на всё распределение, а не только на медиану."),
    (r"^Only one category \((.*)\) occurs, so both groups have the same mix\.$",
     r"Встречается только одна категория (\1), структура групп одинакова."),
    (r"^More than 20% of cells expect fewer than 5 observations; merge rare categories\.$",
     "Более чем в 20% ячеек ожидается меньше 5 наблюдений; объедините редкие категории."),
    (r"^Group (\w+): dropped (\d+) missing categories\.$",
     r"Группа \1: отброшено пропущенных категорий: \2."),
    (r"^The values are too skewed for a t test at this size; used a bootstrap of the mean\.$",
     "Значения слишком асимметричны для t-теста при таком объёме; использован бутстреп среднего."),
]]


def warning(text: str, lang: str) -> str:
    """A warning of :mod:`sandbox.lab.stats` in ``lang`` (English text is returned as it is)."""
    if check_lang(lang) == "ru":
        for pattern, ru in _WARNINGS_RU:
            if pattern.match(text):
                return pattern.sub(ru, text)
    return text


def check_lang(lang: str) -> Lang:
    """The language, or InputError naming the supported ones."""
    if lang not in LANGS:
        raise InputError(f"language must be one of {', '.join(LANGS)}; got {lang!r}")
    return lang  # type: ignore[return-value]


def tr(lang: str, key: str, **values: Any) -> str:
    """The text ``key`` in ``lang`` with ``values`` filled in."""
    return TEXT[check_lang(lang)][key].format(**values)


def counted(lang: str, key: str, n: int) -> str:
    """``key.<plural form>`` for ``n`` in ``lang`` (Babel's plural rules: 1 / 2-4 / 5+ in Russian), else ``key``."""
    from babel import Locale

    form = Locale(check_lang(lang)).plural_form(n)
    texts = TEXT[lang]
    return texts.get(f"{key}.{form}", texts[key]).format(n=number(n, lang))


_TYPES = (("INT", "integer"), ("DOUBLE", "number"), ("FLOAT", "number"), ("DECIMAL", "number"),
          ("REAL", "number"), ("TIMESTAMP", "time"), ("DATE", "date"), ("BOOL", "bool"))


def type_name(duckdb_type: str, lang: str) -> str:
    """A column's DuckDB type in words ("BIGINT" -> "whole number" / "целое число"); text for anything else."""
    upper = duckdb_type.upper()
    return tr(lang, "type." + next((word for part, word in _TYPES if part in upper), "text"))


def number(x: float | int | None, lang: str = "en", decimals: int = 0, *, sign: bool = False) -> str:
    """``1,234.5`` (en) or ``1 234,5`` (ru); ``-`` for a missing value."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    if round(x, decimals) == 0:
        x = 0.0
    text = f"{x:{'+' if sign else ''},.{decimals}f}"
    return text.replace(",", "\u00a0").replace(".", ",") if check_lang(lang) == "ru" else text


def percent(share: float | None, lang: str = "en", decimals: int = 1, *, sign: bool = False) -> str:
    """A share (0.123) as ``12.3%`` / ``12,3%``."""
    return "-" if share is None else number(share * 100, lang, decimals, sign=sign) + "%"


def day(value: date | datetime | str | None, lang: str = "en") -> str:
    """A date as ``2024-07-01`` (en) or ``01.07.2024`` (ru)."""
    if value is None:
        return "-"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.strftime("%d.%m.%Y" if check_lang(lang) == "ru" else "%Y-%m-%d")
