"""UI words of the gate report and Explore pages in English and Russian; merged into :data:`sandbox.ui.i18n.UI`."""

GATE: dict[str, dict[str, str]] = {
    "en": {
        "gate.title": "Release gate report",
        "gate.passed": "Passed the release gate: quality, privacy and hypothesis fidelity are all within this "
                       "workspace's limits, so marketers may use this dataset.",
        "gate.failed": "Failed the release gate on {n} of its checks, so marketers do not see it:",
        "gate.none": "No dataset to report on yet. A steward runs `sandbox synthesize`, `sandbox evaluate` and "
                     "`sandbox publish`.",
        "gate.dataset": "Dataset",
        "gate.label": "{id} ({status}, gate {gate})",
        "gate.not_evaluated": "not evaluated",
        "gate.verdict": "Verdict",
        "gate.quality": "Quality",
        "gate.matched": "Conclusions matched",
        "gate.closer": "Closer to training rows",
        "gate.leaked": "Leaked identifier values",
        "gate.download": "Download the report (HTML)",
        "gate.privacy": "Privacy",
        "gate.identical_train": "Identical to training rows",
        "gate.identical_holdout": "Identical to unseen rows",
        "gate.fidelity": "Hypothesis fidelity",
        "gate.quality_section": "Quality",
        "gate.suppressed": "{n} segments with fewer than {k} real rows are not drawn.",
        "gate.distributions": "Distributions: real vs synthetic",
        "gate.table": "Table",
        "gate.marked": "A bar marked * holds fewer than {k} real rows, so its real share is not shown.",
        "gate.correlations": "Correlation differences",
        "gate.correlations_note": "Synthetic minus real correlation of each pair of columns (categories "
                                  "label-encoded); 0 means the same as real data.",
        "gate.more": "Stewards and council members also see quality per column, privacy, distributions and "
                     "correlations.",
    },
    "ru": {
        "gate.title": "Отчёт контроля выпуска",
        "gate.passed": "Контроль выпуска пройден: качество, приватность и достоверность гипотез в пределах "
                       "этого рабочего пространства, поэтому маркетологи могут пользоваться набором.",
        "gate.failed": "Контроль выпуска не пройден (непройденных проверок: {n}), поэтому маркетологи набор не "
                       "видят:",
        "gate.none": "Отчётов пока нет. Стюард запускает `sandbox synthesize`, `sandbox evaluate` и "
                     "`sandbox publish`.",
        "gate.dataset": "Набор данных",
        "gate.label": "{id} ({status}, контроль: {gate})",
        "gate.not_evaluated": "не проверен",
        "gate.verdict": "Вердикт",
        "gate.quality": "Качество",
        "gate.matched": "Выводы совпали",
        "gate.closer": "Ближе к обучающим строкам",
        "gate.leaked": "Утекшие значения идентификаторов",
        "gate.download": "Скачать отчёт (HTML)",
        "gate.privacy": "Приватность",
        "gate.identical_train": "Совпадают с обучающими строками",
        "gate.identical_holdout": "Совпадают с новыми строками",
        "gate.fidelity": "Достоверность гипотез",
        "gate.quality_section": "Качество",
        "gate.suppressed": "Сегменты, где меньше {k} реальных строк, не показаны: {n}.",
        "gate.distributions": "Распределения: реальные и синтетические",
        "gate.table": "Таблица",
        "gate.marked": "Столбец со звёздочкой * содержит меньше {k} реальных строк, поэтому его реальная доля "
                       "не показана.",
        "gate.correlations": "Разница корреляций",
        "gate.correlations_note": "Корреляция каждой пары столбцов на синтетических данных минус на реальных "
                                  "(категории закодированы числами); 0 значит так же, как в реальных данных.",
        "gate.more": "Стюарды и члены совета видят также качество по столбцам, приватность, распределения и "
                     "корреляции.",
    },
}

PAGES: dict[str, dict[str, str]] = {  # Explore, and the Lab's rollout defaults
    "en": {
        "explore.bands": "{column}: bands of {width}, {first} … {last}",
        "explore.note": "note",
        "lab.effect_seen": "On synthetic data the difference was {seen}: the most optimistic size. Set the "
                           "smallest difference worth acting on; the sample size follows it.",
    },
    "ru": {
        "explore.bands": "{column}: интервалы по {width}, {first} … {last}",
        "explore.note": "примечание",
        "lab.effect_seen": "На синтетических данных разница составила {seen}: это самая оптимистичная оценка. "
                           "Укажите наименьшую разницу, ради которой стоит действовать; размер выборки следует "
                           "за ней.",
    },
}
