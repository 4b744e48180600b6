"""The quality and fidelity sentences of a gate report in English and Russian, numbers by Babel.

:mod:`sandbox.release.report` fills them; the app shows them in the user's language, the CLI and the HTML export in
English. Plain data and two formatters; no product logic here.
"""

from __future__ import annotations

from babel.numbers import format_decimal, format_percent

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "quality.none": "Quality was not measured.",
        "quality.overall": "Overall quality {q} (the gate asks for at least {limit}): how closely single columns "
                           "and pairs of columns match the real holdout rows.",
        "quality.least": "Least similar columns: {cols}.",
        "fidelity.none": "No target was set, so hypothesis fidelity was not measured (a steward sets one with "
                         "`sandbox evaluate DATASET --target TABLE.COLUMN=VALUE`).",
        "fidelity.what_rate": "the share of {target} = {positive}",
        "fidelity.what_mean": "the average {target}",
        "fidelity.tested": "Tested: how each segment (a category, or a quarter of a numeric column) changes {what}, "
                           "on real and on synthetic rows ({n} segments).",
        "fidelity.no_clear": "No segment has a clear effect on real data, so there is no conclusion to confirm.",
        "fidelity.matched": "Conclusions matched real data in {agreement} of tested segments: of {significant} "
                            "segments with a clear effect on real data, {same} point the same way on synthetic "
                            "data (the gate asks for {limit}).",
        "fidelity.fdr": "Clear means beyond chance with all {n} segments tested at once: at most {fdr} of the "
                        "effects called clear are expected to be chance (a false discovery rate).",
        "fidelity.rank": "Segments rank alike: rank correlation {r} (1 = the same order as on real data, "
                         "0 = unrelated).",
        "fidelity.pp": "{x} percentage points",
        "fidelity.mae": "A segment's effect differs by {size} on average between real and synthetic data.",
        "fidelity.coverage": "For {c} of segments the real effect lies inside the synthetic data's 95% confidence "
                             "interval.",
        "fidelity.absent": "{n} segments do not occur in the synthetic data.",
    },
    "ru": {
        "quality.none": "Качество не измерено.",
        "quality.overall": "Общее качество {q} (контроль требует не меньше {limit}): насколько отдельные столбцы "
                           "и пары столбцов похожи на реальные отложенные строки.",
        "quality.least": "Наименее похожие столбцы: {cols}.",
        "fidelity.none": "Цель не задана, поэтому достоверность гипотез не измерялась (стюард задаёт её командой "
                         "`sandbox evaluate DATASET --target TABLE.COLUMN=VALUE`).",
        "fidelity.what_rate": "долю {target} = {positive}",
        "fidelity.what_mean": "среднее {target}",
        "fidelity.tested": "Проверено: как каждый сегмент (категория или четверть числового столбца) меняет "
                           "{what} на реальных и на синтетических строках (сегментов: {n}).",
        "fidelity.no_clear": "Ни у одного сегмента нет явного эффекта на реальных данных, так что подтверждать "
                             "нечего.",
        "fidelity.matched": "Выводы совпали с реальными данными в {agreement} проверенных сегментов: из "
                            "{significant} сегментов с явным эффектом на реальных данных {same} указывают в ту же "
                            "сторону на синтетических (контроль требует {limit}).",
        "fidelity.fdr": "Явный — значит сверх случайности при одновременной проверке всех {n} сегментов: не "
                        "больше {fdr} эффектов, названных явными, ожидаемо случайны (доля ложных открытий).",
        "fidelity.rank": "Сегменты упорядочены похоже: ранговая корреляция {r} (1 = тот же порядок, что на "
                         "реальных данных, 0 = никакой связи).",
        "fidelity.pp": "{x} п. п.",
        "fidelity.mae": "В среднем эффект сегмента на реальных и синтетических данных различается на {size}.",
        "fidelity.coverage": "Для {c} сегментов реальный эффект лежит внутри 95% доверительного интервала "
                             "синтетических данных.",
        "fidelity.absent": "Сегментов, которых нет в синтетических данных: {n}.",
    },
}


def say(lang: str, key: str, **values: object) -> str:
    """The sentence ``key`` in ``lang`` with ``values`` filled in."""
    return TEXTS[lang][key].format(**values)


def share(x: float, lang: str, decimals: int = 0) -> str:
    """``84%`` / ``84%``, ``53.0%`` / ``53,0%``."""
    return format_percent(x, "#,##0." + "0" * decimals + "%" if decimals else "#,##0%", locale=lang)


def decimal(x: float, lang: str, pattern: str = "0.00") -> str:
    """A number by a Babel pattern in ``lang`` (``0.83`` / ``0,83``)."""
    return format_decimal(x, pattern, locale=lang)
