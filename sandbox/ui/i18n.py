"""UI words in English and Russian, the language switch, and number/date formatting per language.

Every page calls :func:`language_switch` first; the choice lives in ``st.session_state["lang"]`` and so
survives page changes. Widgets have keys, so switching the language keeps what the user entered.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from sandbox.lab import i18n
from sandbox.lab.stats import WEAK_FIDELITY
from sandbox.ui.texts_admin import ADMIN
from sandbox.ui.texts_catalog import CATALOG
from sandbox.ui.texts_council import COUNCIL
from sandbox.ui.texts_pages import GATE, PAGES

UI: dict[str, dict[str, str]] = {
    "en": {
        "lang.label": "Language",
        "common.none": "(none)",
        # datasets page
        "datasets.title": "Synthetic datasets",
        "datasets.none": "No dataset is published yet. A steward runs `sandbox demo` or `sandbox synthesize` + "
                         "`sandbox publish`.",
        "datasets.gate": "Gate",
        "datasets.quality": "Quality",
        "datasets.rows": "Rows",
        "datasets.generator": "Generator",
        "datasets.pass": "PASS",
        "datasets.fail": "FAIL",
        "datasets.fidelity": "Conclusions matched real data in **{pct}** of tested segments.",
        "datasets.fidelity_weak": "Conclusions matched real data in only **{pct}** of tested segments: treat "
                                  "results on this dataset as weak hints.",
        "datasets.fidelity_none": "The fidelity of this dataset has not been measured.",
        "datasets.dates": "Created {created}, published {published}, source {source}.",
        "datasets.table": "table",
        "datasets.schema": "Linked tables",
        "datasets.schema_unavailable": "The table diagram is not available: {error}",
        # explore page
        "explore.title": "Explore",
        "explore.none": "No published dataset to explore yet.",
        "explore.dataset": "Dataset",
        "explore.table": "Table",
        "explore.size": "{rows} rows, {columns} columns",
        "explore.filtered": "{rows} of {total} rows meet the filters.",
        "explore.filters": "Filters",
        "explore.tab_rows": "Rows",
        "explore.tab_breakdown": "Breakdown",
        "explore.tab_distribution": "Distribution",
        "explore.page": "Page",
        "explore.pages": "of {pages}",
        "explore.column": "Column distribution",
        "explore.whole_table": "Distributions show the whole table (filters are not applied).",
        "explore.group_by": "Group by",
        "explore.bucket": "Dates by",
        "explore.bucket.none": "exact value", "explore.bucket.month": "month", "explore.bucket.year": "year",
        "explore.measure.count": "row count",
        "explore.measure.rate": "share where {what}",
        "explore.measure.mean": "mean {what}",
        "explore.measure.median": "median {what}",
        "explore.rate_column": "Share: column",
        "explore.rate_value": "Share: value",
        "explore.number_column": "Numeric column",
        "explore.chart_of": "Chart",
        "explore.small_groups": "Groups with fewer than {n} rows are too small to conclude anything (marked).",
        "explore.took": "{groups} groups from {rows} rows in {seconds} s.",
        "explore.too_small": "too small",
        # filter editor
        "filter.add": "Add filter",
        "filter.remove": "Remove",
        "filter.table": "Table",
        "filter.column": "Column",
        "filter.op": "Condition",
        "filter.value": "Value",
        "filter.values": "Values",
        "filter.low": "From",
        "filter.high": "To",
        "filter.text_help": "Several values: separate them with commas.",
        "filter.empty": "No filters: every row counts.",
        "op.=": "equals", "op.!=": "differs from", "op.<": "less than", "op.<=": "at most", "op.>": "more than",
        "op.>=": "at least", "op.in": "is one of", "op.not in": "is none of", "op.between": "between",
        "op.is null": "is missing", "op.is not null": "is present",
        # lab page
        "lab.title": "Hypothesis Lab",
        "lab.intro": "Compare two groups on one metric, on synthetic data. Nothing here touches real customers.",
        "lab.no_dataset": "No published dataset yet: the Lab works on published synthetic datasets only.",
        "lab.dataset": "Dataset",
        "lab.population": "1. Population",
        "lab.unit": "Count each",
        "lab.unit_help": "The rows that are counted and compared: customers, deals, ...",
        "lab.split": "2. Groups",
        "lab.split_table": "Split by table",
        "lab.split_column": "Split by column",
        "lab.group_b": "Group B (the segment or treatment)",
        "lab.compare_with": "Compare with",
        "lab.compare.rest": "everyone else",
        "lab.compare.values": "chosen values",
        "lab.group_a": "Group A (the comparison)",
        "lab.pick": "Which linked rows count",
        "lab.pick.any": "has any such row",
        "lab.pick.first": "the first row decides",
        "lab.metric": "3. Metric",
        "lab.metric_kind": "Metric",
        "kind.rate": "conversion rate", "kind.churn": "churn rate", "kind.mean": "mean value",
        "kind.median": "median value", "kind.count": "count per unit", "kind.duration": "time to conversion",
        "kind.category": "category mix",
        "lab.metric_table": "Measured on table",
        "lab.metric_column": "Column",
        "lab.success_column": "Counts as success when column",
        "lab.success_value": "equals",
        "lab.churn_column": "Counts as churned when column",
        "lab.agg": "Per unit",
        "lab.agg.sum": "total of its rows",
        "lab.agg.mean": "average of its rows",
        "lab.only_where": "Only rows where column",
        "lab.start": "From date",
        "lab.event_date": "To the first",
        "lab.confidence": "Confidence",
        "lab.run": "Test the hypothesis",
        "lab.running": "Running the query and the test...",
        "lab.step.query": "Querying the synthetic data",
        "lab.step.test": "Running the statistical test",
        "lab.step.conclusion": "Writing the conclusion",
        "lab.step.done": "Done",
        "lab.invalid": "The hypothesis is not complete yet: {problems}",
        "lab.stale": "The inputs changed since this result; run the test again to update it.",
        "lab.result": "Result",
        "lab.group": "Group {g}",
        "lab.n": "{n} units",
        "lab.difference": "Difference B - A",
        "lab.ci": "{conf} CI: {lo} to {hi}",
        "lab.too_small": "Too small to conclude: each group needs at least {n} units.",
        "lab.details": "Test details",
        "lab.test": "Test",
        "lab.p_value": "p-value",
        "lab.statistic": "Statistic",
        "lab.effect_size": "Effect size",
        "lab.population_size": "Units in the population",
        "lab.in_groups": "In group A / B",
        "lab.seconds": "Computed in",
        "lab.warnings": "Notes",
        "lab.fields": "Fields used: {fields}",
        "lab.chart_values": "Value per group",
        "lab.chart_difference": "Difference with {conf} CI",
        "test.two_proportion_z": "two-proportion z test", "test.welch_t": "Welch t test",
        "test.mann_whitney_u": "Mann-Whitney U test", "test.chi_square": "chi-square test",
        "test.bootstrap": "bootstrap",
        "effect.cohens_h": "Cohen's h", "effect.hedges_g": "Hedges' g", "effect.rank_biserial": "rank-biserial r",
        "effect.cramers_v": "Cramér's V",
        "lab.power": "4. Rollout size",
        "lab.power_intro": "How many real units a rollout needs to confirm the smallest effect worth acting on.",
        "lab.power_level": "Power",
        "lab.alpha": "Significance level",
        "lab.ratio": "Group B size / group A size",
        "lab.effect": "Smallest effect worth detecting",
        "lab.effect_pp": "Smallest effect worth detecting (percentage points)",
        "lab.power_a": "Group A",
        "lab.power_b": "Group B",
        "lab.power_total": "Total",
        "lab.power_none": "No sample size: {reason}",
        "lab.save": "5. Save as proposal",
        "lab.save_intro": "The proposal goes to the ethics council as a draft. Segment, metric and fields come "
                          "from the result.",
        "lab.title_field": "Title",
        "lab.change": "We believe that ... (the change)",
        "lab.segment_field": "for ... (the segment)",
        "lab.outcome": "will ... (the outcome)",
        "lab.reason": "because ... (the reason)",
        "lab.preview": "Hypothesis: {text}",
        "lab.guardrails": "Guardrail metrics",
        "lab.guardrails_more": "Other guardrail metrics (comma-separated)",
        "lab.channel": "Intended channel",
        "lab.audience": "Planned real audience ({unit})",
        "lab.third_party": "Third party involved (name, empty if none)",
        "lab.message": "Message the customers would see (optional)",
        "lab.segment_def": "Segment definition: {text}",
        "lab.submit": "Save draft proposal",
        "lab.saved": "Saved as draft proposal {id}: the council workflow takes it from here.",
        "guard.unsubscribe": "unsubscribe rate", "guard.complaints": "complaints per customer",
        "guard.churn": "churn rate", "guard.discount_cost": "discount cost per deal",
        "channel.email": "email", "channel.sms": "SMS", "channel.phone": "phone call", "channel.push": "push",
        "channel.web": "web / in-app", "channel.store": "store", "channel.mail": "post",
        "lab.required": "Fill in: {fields}.",
        "lab.need_b": "Choose at least one value for group B.",
        "lab.need_a": "Choose at least one value for group A, or compare with everyone else.",
        "lab.need_value": "Choose the value that counts as success.",
        "lab.need_column": "This table has no suitable column for this metric; choose another table or metric.",
        "lab.need_table": "No table fits this metric for the chosen unit; choose another unit or metric.",
        "unit.pp": " pp",
        "unit.days": " d",
        **COUNCIL["en"], **GATE["en"], **PAGES["en"], **CATALOG["en"], **ADMIN["en"],
    },
    "ru": {
        "lang.label": "Язык",
        "common.none": "(нет)",
        "datasets.title": "Синтетические наборы данных",
        "datasets.none": "Опубликованных наборов пока нет. Стюард запускает `sandbox demo` или "
                         "`sandbox synthesize` + `sandbox publish`.",
        "datasets.gate": "Проверка",
        "datasets.quality": "Качество",
        "datasets.rows": "Строк",
        "datasets.generator": "Генератор",
        "datasets.pass": "ПРОЙДЕНА",
        "datasets.fail": "НЕ ПРОЙДЕНА",
        "datasets.fidelity": "Выводы совпали с реальными данными в **{pct}** проверенных сегментов.",
        "datasets.fidelity_weak": "Выводы совпали с реальными данными лишь в **{pct}** проверенных сегментов: "
                                  "считайте результаты на этом наборе слабыми сигналами.",
        "datasets.fidelity_none": "Точность этого набора не измерялась.",
        "datasets.dates": "Создан {created}, опубликован {published}, источник {source}.",
        "datasets.table": "таблица",
        "datasets.schema": "Связанные таблицы",
        "datasets.schema_unavailable": "Схема таблиц недоступна: {error}",
        "explore.title": "Обзор данных",
        "explore.none": "Опубликованных наборов для обзора пока нет.",
        "explore.dataset": "Набор данных",
        "explore.table": "Таблица",
        "explore.size": "{rows} строк, {columns} столбцов",
        "explore.filtered": "Условиям соответствуют {rows} из {total} строк.",
        "explore.filters": "Фильтры",
        "explore.tab_rows": "Строки",
        "explore.tab_breakdown": "Разбивка",
        "explore.tab_distribution": "Распределение",
        "explore.page": "Страница",
        "explore.pages": "из {pages}",
        "explore.column": "Распределение столбца",
        "explore.whole_table": "Распределения строятся по всей таблице (фильтры не применяются).",
        "explore.group_by": "Группировать по",
        "explore.bucket": "Даты по",
        "explore.bucket.none": "точному значению", "explore.bucket.month": "месяцам", "explore.bucket.year": "годам",
        "explore.measure.count": "число строк",
        "explore.measure.rate": "доля, где {what}",
        "explore.measure.mean": "среднее {what}",
        "explore.measure.median": "медиана {what}",
        "explore.rate_column": "Доля: столбец",
        "explore.rate_value": "Доля: значение",
        "explore.number_column": "Числовой столбец",
        "explore.chart_of": "График",
        "explore.small_groups": "Группы меньше {n} строк слишком малы для выводов (они отмечены).",
        "explore.took": "{groups} групп из {rows} строк за {seconds} с.",
        "explore.too_small": "слишком мала",
        "filter.add": "Добавить фильтр",
        "filter.remove": "Удалить",
        "filter.table": "Таблица",
        "filter.column": "Столбец",
        "filter.op": "Условие",
        "filter.value": "Значение",
        "filter.values": "Значения",
        "filter.low": "От",
        "filter.high": "До",
        "filter.text_help": "Несколько значений перечислите через запятую.",
        "filter.empty": "Фильтров нет: учитываются все строки.",
        "op.=": "равно", "op.!=": "не равно", "op.<": "меньше", "op.<=": "не больше", "op.>": "больше",
        "op.>=": "не меньше", "op.in": "одно из", "op.not in": "ни одно из", "op.between": "между",
        "op.is null": "не заполнено", "op.is not null": "заполнено",
        "lab.title": "Лаборатория гипотез",
        "lab.intro": "Сравните две группы по одной метрике на синтетических данных. Реальные клиенты здесь не "
                     "затрагиваются.",
        "lab.no_dataset": "Опубликованных наборов пока нет: лаборатория работает только с опубликованными "
                          "синтетическими наборами.",
        "lab.dataset": "Набор данных",
        "lab.population": "1. Совокупность",
        "lab.unit": "Единица счёта",
        "lab.unit_help": "Строки, которые считаются и сравниваются: клиенты, сделки, ...",
        "lab.split": "2. Группы",
        "lab.split_table": "Делить по таблице",
        "lab.split_column": "Делить по столбцу",
        "lab.group_b": "Группа B (сегмент или воздействие)",
        "lab.compare_with": "Сравнить с",
        "lab.compare.rest": "всеми остальными",
        "lab.compare.values": "выбранными значениями",
        "lab.group_a": "Группа A (база сравнения)",
        "lab.pick": "Какие связанные строки учитывать",
        "lab.pick.any": "есть хотя бы одна такая строка",
        "lab.pick.first": "решает первая строка",
        "lab.metric": "3. Метрика",
        "lab.metric_kind": "Метрика",
        "kind.rate": "конверсия", "kind.churn": "отток", "kind.mean": "среднее значение",
        "kind.median": "медиана", "kind.count": "число на единицу", "kind.duration": "время до конверсии",
        "kind.category": "структура по категориям",
        "lab.metric_table": "Измеряется в таблице",
        "lab.metric_column": "Столбец",
        "lab.success_column": "Успех, когда столбец",
        "lab.success_value": "равен",
        "lab.churn_column": "Отток, когда столбец",
        "lab.agg": "На единицу",
        "lab.agg.sum": "сумма по её строкам",
        "lab.agg.mean": "среднее по её строкам",
        "lab.only_where": "Только строки, где столбец",
        "lab.start": "От даты",
        "lab.event_date": "До первой даты",
        "lab.confidence": "Доверительный уровень",
        "lab.run": "Проверить гипотезу",
        "lab.running": "Выполняем запрос и тест...",
        "lab.step.query": "Запрос к синтетическим данным",
        "lab.step.test": "Статистический тест",
        "lab.step.conclusion": "Формулируем вывод",
        "lab.step.done": "Готово",
        "lab.invalid": "Гипотеза ещё не заполнена: {problems}",
        "lab.stale": "После этого результата входные данные изменились; запустите тест снова.",
        "lab.result": "Результат",
        "lab.group": "Группа {g}",
        "lab.n": "{n} единиц",
        "lab.difference": "Разница B - A",
        "lab.ci": "{conf} ДИ: от {lo} до {hi}",
        "lab.too_small": "Слишком мало данных для вывода: в каждой группе нужно не меньше {n} единиц.",
        "lab.details": "Подробности теста",
        "lab.test": "Тест",
        "lab.p_value": "p-значение",
        "lab.statistic": "Статистика",
        "lab.effect_size": "Размер эффекта",
        "lab.population_size": "Единиц в совокупности",
        "lab.in_groups": "В группах A / B",
        "lab.seconds": "Время расчёта",
        "lab.warnings": "Замечания",
        "lab.fields": "Использованные поля: {fields}",
        "lab.chart_values": "Значение по группам",
        "lab.chart_difference": "Разница с {conf} ДИ",
        "test.two_proportion_z": "z-тест двух долей", "test.welch_t": "t-тест Уэлча",
        "test.mann_whitney_u": "U-тест Манна-Уитни", "test.chi_square": "критерий хи-квадрат",
        "test.bootstrap": "бутстреп",
        "effect.cohens_h": "h Коэна", "effect.hedges_g": "g Хеджеса", "effect.rank_biserial": "рангово-бисериальная r",
        "effect.cramers_v": "V Крамера",
        "lab.power": "4. Размер реального запуска",
        "lab.power_intro": "Сколько реальных единиц нужно, чтобы подтвердить наименьший эффект, ради которого "
                           "стоит действовать.",
        "lab.power_level": "Мощность",
        "lab.alpha": "Уровень значимости",
        "lab.ratio": "Размер группы B / размер группы A",
        "lab.effect": "Наименьший эффект, который стоит обнаружить",
        "lab.effect_pp": "Наименьший эффект, который стоит обнаружить (п. п.)",
        "lab.power_a": "Группа A",
        "lab.power_b": "Группа B",
        "lab.power_total": "Всего",
        "lab.power_none": "Объём выборки не рассчитан: {reason}",
        "lab.save": "5. Сохранить как предложение",
        "lab.save_intro": "Предложение попадёт в этический совет как черновик. Сегмент, метрика и поля берутся "
                          "из результата.",
        "lab.title_field": "Название",
        "lab.change": "Мы считаем, что ... (изменение)",
        "lab.segment_field": "для ... (сегмент)",
        "lab.outcome": "приведёт к тому, что ... (результат)",
        "lab.reason": "потому что ... (обоснование)",
        "lab.preview": "Гипотеза: {text}",
        "lab.guardrails": "Сдерживающие метрики",
        "lab.guardrails_more": "Другие сдерживающие метрики (через запятую)",
        "lab.channel": "Планируемый канал",
        "lab.audience": "Планируемая реальная аудитория ({unit})",
        "lab.third_party": "Третья сторона (название, пусто, если нет)",
        "lab.message": "Сообщение, которое увидят клиенты (необязательно)",
        "lab.segment_def": "Определение сегмента: {text}",
        "lab.submit": "Сохранить черновик предложения",
        "lab.saved": "Сохранено как черновик предложения {id}: дальше его ведёт процесс совета.",
        "guard.unsubscribe": "доля отписок", "guard.complaints": "жалоб на клиента",
        "guard.churn": "отток", "guard.discount_cost": "стоимость скидки на сделку",
        "channel.email": "электронная почта", "channel.sms": "SMS", "channel.phone": "звонок",
        "channel.push": "push-уведомление", "channel.web": "сайт / приложение", "channel.store": "магазин",
        "channel.mail": "почта",
        "lab.required": "Заполните: {fields}.",
        "lab.need_b": "Выберите хотя бы одно значение для группы B.",
        "lab.need_a": "Выберите хотя бы одно значение для группы A или сравните со всеми остальными.",
        "lab.need_value": "Выберите значение, которое считается успехом.",
        "lab.need_column": "В этой таблице нет подходящего столбца для этой метрики; выберите другую таблицу или "
                           "метрику.",
        "lab.need_table": "Для выбранной единицы счёта нет подходящей таблицы; выберите другую единицу или метрику.",
        "unit.pp": " п. п.",
        "unit.days": " дн.",
        **COUNCIL["ru"], **GATE["ru"], **PAGES["ru"], **CATALOG["ru"], **ADMIN["ru"],
    },
}


def lang() -> str:
    """The chosen language (``SANDBOX_LANG`` or English until the user switches)."""
    if st.session_state.get("lang") not in i18n.LANGS:
        start = os.environ.get("SANDBOX_LANG", "en")
        st.session_state["lang"] = start if start in i18n.LANGS else "en"
    return st.session_state["lang"]


def _switched() -> None:
    """Change the language, keeping every widget's choice.

    Streamlit stores a select box's, radio's or multiselect's value as the *label* its ``format_func``
    gave the option; once the labels change language the stored label matches no option and the widget
    falls back to its default (phone vs "chosen values" email silently became phone vs everyone else).
    Writing each widget's current value back into the session state before the rerun makes Streamlit
    store the value itself, which the next run labels in the new language.
    """
    keep = {key: value for key in list(st.session_state.keys())
            if key not in ("lang", "_lang_switch") and _is_choice(value := st.session_state[key])}
    st.session_state["lang"] = st.session_state["_lang_switch"]
    for key, value in keep.items():
        st.session_state[key] = value


_SCALARS = (str, int, float, date)


def _is_choice(value: Any) -> bool:
    """Whether ``value`` is what a picker holds: a scalar or a list of scalars, never a flag.

    Flags (``bool``) are skipped: buttons hold them and refuse to be set, and check boxes have no labels
    to translate; so are uploads, editors' edits and chart selections, which are neither.
    """
    if isinstance(value, bool):
        return False
    if isinstance(value, (list, tuple)):
        return all(isinstance(v, _SCALARS) and not isinstance(v, bool) for v in value)
    return isinstance(value, _SCALARS)


def language_switch() -> str:
    """The sidebar switch (English / Русский); returns the language in effect."""
    import contextlib

    from streamlit.errors import StreamlitDuplicateElementKey

    current = lang()
    # already drawn in this run (a page's switch, then the sign-in form's): one is enough
    with contextlib.suppress(StreamlitDuplicateElementKey):
        st.sidebar.radio(UI[current]["lang.label"], i18n.LANGS, index=i18n.LANGS.index(current), key="_lang_switch",
                         format_func=lambda code: {"en": "English", "ru": "Русский"}[code], horizontal=True,
                         on_change=_switched)
    return lang()


def t(key: str, **values: Any) -> str:
    """The UI text ``key`` in the current language."""
    text = UI[lang()][key]
    return text.format(**values) if values else text


def words(prefix: str = "") -> Callable[[Any], str]:
    """A ``format_func`` naming option ``v`` by the text ``prefix + v`` in the current language.

    The language is read now, not when the function is called: Streamlit (and AppTest) may call a
    ``format_func`` outside the script run, where the session's language is not at hand.
    """
    table = UI[lang()]
    return lambda v: table[f"{prefix}{v}"]


def or_none() -> Callable[[Any], str]:
    """A ``format_func`` showing an empty choice as "(none)" in the current language."""
    none = t("common.none")
    return lambda v: str(v) if v else none


def percent_words(decimals: int = 0) -> Callable[[float], str]:
    """A ``format_func`` writing a share as a percentage in the current language."""
    code = lang()
    return lambda v: i18n.percent(v, code, decimals)


def num(x: float | int | None, decimals: int = 0, *, sign: bool = False) -> str:
    """A number in the current language's format."""
    return i18n.number(x, lang(), decimals, sign=sign)


def pct(share: float | None, decimals: int = 1, *, sign: bool = False) -> str:
    """A share as a percentage in the current language's format."""
    return i18n.percent(share, lang(), decimals, sign=sign)


def day(value: Any) -> str:
    """A date in the current language's format."""
    return i18n.day(value, lang())


def localize(frame: pd.DataFrame, decimals: int = 2) -> pd.DataFrame:
    """A copy for display: numbers and dates as text in the current language (English keeps numbers)."""
    out = frame.copy()
    code = lang()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            fmt = "%d.%m.%Y %H:%M" if code == "ru" else "%Y-%m-%d %H:%M"
            out[col] = s.dt.strftime(fmt).str.replace(" 00:00", "", regex=False)
        elif code == "ru" and pd.api.types.is_bool_dtype(s):
            continue
        elif code == "ru" and pd.api.types.is_integer_dtype(s):
            out[col] = [i18n.number(v, code) if pd.notna(v) else "" for v in s]
        elif code == "ru" and pd.api.types.is_float_dtype(s):
            out[col] = [i18n.number(v, code, decimals) if pd.notna(v) else "" for v in s]
    return out


def fidelity_words(fidelity: float | None) -> str:
    """The gate's sign agreement in plain words ("conclusions matched real data in 96% of tested segments")."""
    if fidelity is None:
        return t("datasets.fidelity_none")
    share = math.floor(fidelity * 100 + 1e-9) / 100  # never round 99.6% up to "all of them"
    return t("datasets.fidelity" if fidelity >= WEAK_FIDELITY else "datasets.fidelity_weak",
             pct=pct(share, 0))


def plot_separators() -> str:
    """Plotly's ``separators`` (decimal, thousands) for the current language."""
    return ", " if lang() == "ru" else ".,"
