"""Why a dataset failed its release gate: each reason a record (a code and its values), said at display time.

The gate (``sandbox.release.gate``) stores records such as ``{"code": "dcr_share", "value": 0.53, "limit": 0.52,
"z": 3.1, "bound": 1.96}`` in the report and the audit event; the app says them in the reader's language, the CLI,
the API and the HTML export in English, all through :func:`reason_words`. Reports written before the records
hold English sentences: a sentence is said as it is. Values are aggregates and schema names, never a data value.
"""

from __future__ import annotations

from typing import Any

from babel import Locale

from sandbox.release.report_texts import decimal, share
from sandbox.settings import GateThresholds

__all__ = ["LINK_JUDGED_PARENTS", "LINK_USE_FLOOR", "Reason", "gate_reasons", "reason_words", "reasons_words"]

Reason = dict[str, Any]
LINK_JUDGED_PARENTS = 20  # fewer real parents (3 shippers) make a children-per-parent distribution too coarse to judge
LINK_USE_FLOOR = 0.5  # synthetic children must use at least half the share of parents real children use

_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "dcr_share": "Closer to training rows {value}: above the limit of {limit} and beyond chance (z = {z} > "
                     "{bound}): rows sit closer to training data than to unseen people (memorization).",
        "identical_matches": "{train} of synthetic rows equal a training row, {holdout} an unseen row, beyond "
                             "chance: copied records.",
        "exact_copies": "{share} of {table} rows are copies of training rows beyond chance (every synthetic row "
                        "compared with all {rows} training rows): copied records.",
        "leaked_values": "Identifier values of the source found in {count} synthetic {cells} (in {where}).",
        "links_lost": "{dangling} of {references} references {link} resolve to no row: links lost.",
        "parents_lost": "Children of {link} use {used} of parents (real data: {real}): parent entities lost.",
        "link_shape": "Link {link} keeps {score} of its real shape (children per parent {children}, parent against "
                      "child columns {pairs}); the gate asks for {limit}.",
        "quality": "Quality {value} is below {limit}.",
        "quality_ceiling": "Quality {value} is below {limit} (real training rows score {ceiling} against the "
                           "holdout).",
        "fidelity": "Hypothesis fidelity: conclusions matched real data in {value} of segments, below {limit} "
                    "(conclusions on this data may not hold on real data).",
        "not_evaluated": "It has not been evaluated; a steward runs `sandbox evaluate` first.",
        "none": "not measured",
    },
    "ru": {
        "dcr_share": "Ближе к обучающим строкам {value}: больше предела {limit} и сверх случайности (z = {z} > "
                     "{bound}): строки ближе к обучающим данным, чем к новым людям (запоминание).",
        "identical_matches": "{train} синтетических строк совпадают с обучающей строкой, {holdout} с новой — "
                             "сверх случайности: записи скопированы.",
        "exact_copies": "{share} строк таблицы {table} — копии обучающих строк сверх случайности (каждая "
                        "синтетическая строка сравнена со всеми обучающими строками, их {rows}): записи скопированы.",
        "leaked_values": "Значения идентификаторов источника найдены в синтетических данных: {count} {cells} (в "
                         "{where}).",
        "links_lost": "{dangling} из {references} ссылок {link} не ведут ни к одной строке: связи потеряны.",
        "parents_lost": "Потомки связи {link} используют {used} родителей (в реальных данных {real}): "
                        "родительские сущности потеряны.",
        "link_shape": "Связь {link} сохраняет {score} своей реальной формы (число потомков на родителя {children}, "
                      "столбцы родителя против столбцов потомков {pairs}); контроль требует {limit}.",
        "quality": "Качество {value} ниже {limit}.",
        "quality_ceiling": "Качество {value} ниже {limit} (реальные обучающие строки против отложенных дают "
                           "{ceiling}).",
        "fidelity": "Достоверность гипотез: выводы совпали с реальными данными в {value} сегментов, это ниже "
                    "{limit} (выводы на этих данных могут не подтвердиться на реальных).",
        "not_evaluated": "Набор ещё не проверен; сначала стюард запускает `sandbox evaluate`.",
        "none": "нет данных",
    },
}
_CELLS = {"en": {"one": "cell", "other": "cells"},
          "ru": {"one": "ячейка", "few": "ячейки", "many": "ячеек", "other": "ячейки"}}


def gate_reasons(report: dict[str, Any], t: GateThresholds) -> list[Reason]:
    """Every rule of ``report`` that fails under thresholds ``t``, as records (empty: the gate passes)."""
    return [*_privacy_reasons(report["privacy"], t), *_link_reasons(report, t), *_measure_reasons(report, t)]


def _privacy_reasons(p: dict[str, Any], t: GateThresholds) -> list[Reason]:
    out: list[Reason] = []
    beyond = p.get("chance_z", 1.96)
    if p["dcr_share"] > t.max_dcr_share and p.get("dcr_z", float("inf")) > beyond:
        out.append({"code": "dcr_share", "value": p["dcr_share"], "limit": t.max_dcr_share,
                    "z": p.get("dcr_z"), "bound": beyond})
    excess = p["identical_match_share_train"] > p["identical_match_share_holdout"] + t.identical_match_margin
    if excess and p.get("identical_match_z", float("inf")) > beyond:
        out.append({"code": "identical_matches", "train": p["identical_match_share_train"],
                    "holdout": p["identical_match_share_holdout"]})
    copied = p.get("exact_copy_excess")
    if copied is not None and copied > t.identical_match_margin and p.get("exact_copy_z", 0.0) > beyond:
        out.append({"code": "exact_copies", "share": copied, "table": p["exact_copy_table"],
                    "reference_rows": p["identical_match_reference_rows"]})
    if p["leaked_values"] > t.max_leaked_values:
        out.append({"code": "leaked_values", "count": p["leaked_values"], "locations": list(p["leak_locations"])})
    return out


def _link_reasons(report: dict[str, Any], t: GateThresholds) -> list[Reason]:
    out: list[Reason] = []
    for link, r in (report.get("links") or {}).items():
        if r["dangling"]:
            out.append({"code": "links_lost", "link": link, "dangling": r["dangling"], "references": r["references"]})
        elif r["real_parents_used_share"] and r["parents_used_share"] < LINK_USE_FLOOR * r["real_parents_used_share"]:
            out.append({"code": "parents_lost", "link": link, "used": r["parents_used_share"],
                        "real": r["real_parents_used_share"]})
    for link, r in (report.get("relationships") or {}).items():
        if r["score"] is not None and r["parents"] >= LINK_JUDGED_PARENTS and r["score"] < t.min_link_quality:
            out.append({"code": "link_shape", "link": link, "score": r["score"],
                        "children": r.get("children_per_parent"), "pairs": r.get("attribute_pairs"),
                        "limit": t.min_link_quality})
    return out


def _measure_reasons(report: dict[str, Any], t: GateThresholds) -> list[Reason]:
    out: list[Reason] = []
    quality, ceiling = report["quality"]["overall"], report["quality"].get("ceiling")
    required = t.min_quality if ceiling is None else min(t.min_quality, ceiling - t.quality_ceiling_margin)
    if quality < required:
        out.append({"code": "quality", "value": quality, "limit": required,
                    "ceiling": None if required == t.min_quality else ceiling})
    fid = report.get("fidelity")
    if fid and fid.get("sign_agreement") is not None and fid["sign_agreement"] < t.min_sign_agreement:
        out.append({"code": "fidelity", "value": fid["sign_agreement"], "limit": t.min_sign_agreement})
    return out


def reason_words(reason: Reason | str, lang: str = "en") -> str:
    """One reason in ``lang`` (a stored English sentence from before the records is said as it is)."""
    if isinstance(reason, str):
        return reason
    texts, code = _TEXTS.get(lang, _TEXTS["en"]), reason.get("code")
    if code not in texts or code == "none":
        return str(code)

    def pct(key: str, decimals: int = 0) -> str:
        value = reason.get(key)
        return texts["none"] if value is None else share(value, lang, decimals)

    def count(key: str) -> str:
        return decimal(reason.get(key) or 0, lang, "#,##0")

    if code == "dcr_share":
        values = {"value": pct("value", 1), "limit": pct("limit"), "z": _z(reason.get("z"), lang),
                  "bound": _z(reason.get("bound"), lang)}
    elif code == "identical_matches":
        values = {"train": pct("train", 2), "holdout": pct("holdout", 2)}
    elif code == "exact_copies":
        values = {"share": pct("share", 1), "table": str(reason.get("table")), "rows": count("reference_rows")}
    elif code == "leaked_values":
        n = int(reason.get("count") or 0)
        values = {"count": count("count"), "cells": _plural(_CELLS[lang] if lang in _CELLS else _CELLS["en"], n, lang),
                  "where": ", ".join(reason.get("locations") or [])}
    elif code == "links_lost":
        values = {"link": str(reason.get("link")), "dangling": count("dangling"), "references": count("references")}
    elif code == "parents_lost":
        values = {"link": str(reason.get("link")), "used": pct("used"), "real": pct("real")}
    elif code == "link_shape":
        values = {"link": str(reason.get("link")), "score": pct("score"), "children": pct("children"),
                  "pairs": pct("pairs"), "limit": pct("limit")}
    elif code == "quality":
        if reason.get("ceiling") is not None:
            code = "quality_ceiling"
        values = {"value": pct("value", 1), "limit": pct("limit", 1), "ceiling": pct("ceiling", 1)}
    elif code == "fidelity":
        values = {"value": pct("value"), "limit": pct("limit")}
    else:
        values = {}
    return texts[code].format(**values)


def reasons_words(reasons: list[Reason | str] | None, lang: str = "en") -> list[str]:
    """Every reason of a report in ``lang``."""
    return [reason_words(r, lang) for r in reasons or []]


def _z(x: float | None, lang: str) -> str:
    if x is None or abs(x) == float("inf"):
        return "∞"
    return decimal(x, lang, "0.00")


def _plural(forms: dict[str, str], n: int, lang: str) -> str:
    return forms.get(Locale(lang).plural_form(n), forms["other"])
