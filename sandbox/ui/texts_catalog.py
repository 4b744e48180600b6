"""UI words of the Catalog page in English and Russian; merged into :data:`sandbox.ui.i18n.UI`."""

CATALOG: dict[str, dict[str, str]] = {
    "en": {
        "catalog.title": "Catalog",
        "catalog.none": "No source has a catalog yet. A steward ingests an export with `sandbox ingest`.",
        "catalog.source": "Source",
        "catalog.version": "Version {version} · retention {days} days · locale {locale} · {columns} columns in "
                           "{tables} tables",
        "catalog.next_ingest": "Changes are saved as a new version with your reason; they apply at the next "
                               "ingest of this source (the vault is not rewritten).",
        "catalog.sensitive": "Sensitive and identifying fields",
        "catalog.sensitive_none": "No column is classified as sensitive or as a direct identifier.",
        "catalog.kanon": "k-anonymity",
        "catalog.kanon_ok": "{table}: smallest group {min} over {qis}: meets k = {k}",
        "catalog.kanon_bad": "{table}: smallest group {min} over {qis}: misses k = {k} ({rows} rows in smaller "
                             "groups)",
        "catalog.kanon_none": "{table}: no quasi-identifiers kept",
        "catalog.columns": "Columns",
        "col.table": "Table", "col.column": "Column", "col.cls": "Class", "col.purpose": "Purpose",
        "col.category": "Sensitive category", "col.identifier": "Identifier kind", "col.generalize": "Generalize",
        "col.vault": "In the vault", "col.proposed": "Proposed", "col.evidence": "Evidence",
        "catalog.reason": "Reason for the change (recorded)",
        "catalog.retention": "Retention (days)",
        "catalog.save": "Save a new version",
        "catalog.saved": "Saved version {version}.",
        "catalog.unchanged": "Nothing changed; the catalog stays at version {version}.",
        "catalog.history": "History",
        "catalog.history_row": "Version {version} · {at} · {by}",
        "catalog.read_only": "Only stewards change the catalog.",
    },
    "ru": {
        "catalog.title": "Каталог",
        "catalog.none": "Каталогов пока нет. Стюард загружает выгрузку командой `sandbox ingest`.",
        "catalog.source": "Источник",
        "catalog.version": "Версия {version} · хранение {days} дн. · локаль {locale} · столбцов: {columns}, "
                           "таблиц: {tables}",
        "catalog.next_ingest": "Изменения сохраняются новой версией с вашим обоснованием и применяются при "
                               "следующей загрузке источника (хранилище не переписывается).",
        "catalog.sensitive": "Чувствительные и идентифицирующие поля",
        "catalog.sensitive_none": "Ни один столбец не отнесён к чувствительным или прямым идентификаторам.",
        "catalog.kanon": "k-анонимность",
        "catalog.kanon_ok": "{table}: наименьшая группа {min} по {qis}: k = {k} выполняется",
        "catalog.kanon_bad": "{table}: наименьшая группа {min} по {qis}: k = {k} не выполняется (строк в меньших "
                             "группах: {rows})",
        "catalog.kanon_none": "{table}: квазиидентификаторы не сохранены",
        "catalog.columns": "Столбцы",
        "col.table": "Таблица", "col.column": "Столбец", "col.cls": "Класс", "col.purpose": "Назначение",
        "col.category": "Категория чувствительности", "col.identifier": "Вид идентификатора",
        "col.generalize": "Обобщение", "col.vault": "В хранилище", "col.proposed": "Предложено",
        "col.evidence": "Обоснование",
        "catalog.reason": "Причина изменения (записывается)",
        "catalog.retention": "Срок хранения (дней)",
        "catalog.save": "Сохранить новую версию",
        "catalog.saved": "Сохранена версия {version}.",
        "catalog.unchanged": "Изменений нет; каталог остаётся в версии {version}.",
        "catalog.history": "История",
        "catalog.history_row": "Версия {version} · {at} · {by}",
        "catalog.read_only": "Каталог меняют только стюарды.",
    },
}
