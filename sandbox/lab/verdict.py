"""A test result in plain words, in English and Russian, with the synthetic dataset's fidelity caveat."""

from __future__ import annotations

import math
from typing import Any

from sandbox.errors import InputError
from sandbox.lab.stats import WEAK_FIDELITY, Lang, TestResult

# ---------------------------------------------------------------- plain-language verdict

_TEXT: dict[str, dict[str, Any]] = {
    "en": {
        "metric": {"proportion": "rate", "mean": "mean", "median": "median", "share": "share"},
        "subject": "The {metric} in {b}",
        "custom": "{metric}",
        "higher": "higher", "lower": "lower",
        "points": " percentage points", "ci_unit": " points", "vs": "vs",
        "lift": ", {lift} relative",
        "ci": "{conf}% CI {lo} to {hi}{unit}",
        "sig": "{Subject} is {amount} {direction} than in {a} ({details}).",
        "ns": "No reliable difference: {subject} is {amount} {direction} than in {a} ({details}).",
        "same": "No difference: the {plain} is {value} in both {b} and {a} ({p}).",
        "shift": "Values in {b} tend to be {direction} than in {a} ({p}), though the medians are equal "
                 "({value}).",
        "mix_sig": "The category mix in {b} differs from {a} ({p}; Cramér's V = {v}). The largest shift "
                   "is in “{cat}”: {vb} of {b} vs {va} of {a} ({ci}).",
        "mix_ns": "No reliable difference in the category mix between {b} and {a} ({p}).",
        "undefined": "No verdict: the test cannot be computed on these data (see the warnings).",
        "empty": "group {g} is empty",
        "few": "group {g} has only {n} {obs}",
        "obs": ("observation", "observations"),
        "too_small": "Too small to conclude: {parts}, and each group needs at least {min}. Widen the segment "
                     "or generate more synthetic data.",
        "fid_none": "The fidelity of this synthetic dataset has not been measured: treat this as a "
                    "hypothesis and confirm it on real data.",
        "fid_good": "On this synthetic dataset, conclusions matched real data in {pct}% of tested segments: "
                    "confirm in a real rollout.",
        "fid_weak": "On this synthetic dataset, conclusions matched real data in only {pct}% of tested "
                    "segments: treat this as a weak hint and confirm it on real data before acting.",
    },
    "ru": {
        "metric": {"proportion": "Доля", "mean": "Среднее", "median": "Медиана", "share": "Доля"},
        "subject": "{metric} в группе «{b}»",
        "custom": "Показатель «{metric}»",
        "higher": "выше", "lower": "ниже",
        "points": " п. п.", "ci_unit": " п. п.", "vs": "против",
        "lift": ", {lift} в относительном выражении",
        "ci": "{conf}% ДИ: от {lo} до {hi}{unit}",
        "sig": "{Subject} на {amount} {direction}, чем в группе «{a}» ({details}).",
        "ns": "Надёжной разницы нет: {subject} на {amount} {direction}, чем в группе «{a}» ({details}).",
        "same": "Разницы нет: {plain} — {value} в обеих группах («{b}» и «{a}»; {p}).",
        "shift": "Значения в группе «{b}» в целом {direction}, чем в группе «{a}» ({p}), хотя медианы "
                 "совпадают ({value}).",
        "mix_sig": "Структура по категориям в группе «{b}» отличается от структуры в группе «{a}» ({p}; "
                   "V Крамера = {v}). Сильнее всего изменилась доля категории «{cat}»: {vb} в группе «{b}» "
                   "против {va} в группе «{a}» ({ci}).",
        "mix_ns": "Надёжной разницы в структуре по категориям между группами «{b}» и «{a}» нет ({p}).",
        "undefined": "Вывода нет: на этих данных тест не вычисляется (подробности в предупреждениях).",
        "empty": "группа «{g}» пуста",
        "few": "в группе «{g}» всего {n} {obs}",
        "obs": ("наблюдение", "наблюдения", "наблюдений"),
        "too_small": "Слишком мало данных для вывода: {parts}, а нужно не меньше {min} в каждой группе. "
                     "Расширьте сегмент или сгенерируйте больше синтетических данных.",
        "fid_none": "Точность этого синтетического набора не измерена: считайте вывод гипотезой и проверьте "
                    "его на реальных данных.",
        "fid_good": "На этом синтетическом наборе выводы совпали с реальными данными в {pct}% проверенных "
                    "сегментов: подтвердите результат на реальном запуске.",
        "fid_weak": "На этом синтетическом наборе выводы совпали с реальными данными лишь в {pct}% "
                    "проверенных сегментов: считайте это слабым сигналом и перед решением проверьте его на "
                    "реальных данных.",
    },
}


def _num(x: float, decimals: int, lang: str, sign: bool = False) -> str:
    if round(x, decimals) == 0:
        x = 0.0  # no "-0.0"
    text = f"{x:{'+' if sign else ''},.{decimals}f}"
    return text.replace(",", "\u00a0").replace(".", ",") if lang == "ru" else text


def _pct(share: float, lang: str) -> str:
    """A share as a percentage with at most one decimal, never rounded up to 100."""
    value = math.floor(share * 1000 + 1e-9) / 10
    return _num(value, 0 if value.is_integer() else 1, lang)


def _p_text(p: float, lang: str) -> str:
    text = "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.1 else f"p = {p:.2f}"
    return text.replace(".", ",") if lang == "ru" else text


def _plural(n: int, forms: tuple[str, ...]) -> str:
    if len(forms) == 2:
        return forms[0] if n == 1 else forms[1]
    if n % 10 == 1 and n % 100 != 11:
        return forms[0]
    return forms[1] if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else forms[2]


def _known(value: float | None) -> float:
    """A measure the sentence needs; the callers only word results whose test was computed."""
    if value is None:
        raise ValueError("a measure of the test result is missing")
    return value


def _decimals(result: TestResult, scale: float) -> int:
    """Two significant digits of the uncertainty (or of the difference when there is no interval)."""
    if result.ci_low is not None and result.ci_high is not None:
        ref = (result.ci_high - result.ci_low) / 2 * scale
    else:
        ref = abs(result.difference or 0.0) * scale
    least = 1 if scale == 100 else 0
    if not ref:
        return max(least, 2 if scale == 1 else 1)
    return min(6, max(least, 1 - math.floor(math.log10(ref))))


def _too_small_text(r: TestResult, t: dict[str, Any], labels: dict[str, str]) -> str:
    parts = []
    for group, n in (("a", r.n_a), ("b", r.n_b)):
        if n == 0:
            parts.append(t["empty"].format(g=labels[group]))
        elif n < r.min_group_size:
            parts.append(t["few"].format(g=labels[group], n=n, obs=_plural(n, t["obs"])))
    return t["too_small"].format(parts=", ".join(parts), min=r.min_group_size)


def _mix_text(r: TestResult, t: dict[str, Any], lang: str, labels: dict[str, str]) -> str:
    p = _p_text(r.p_value or 0.0, lang)
    if not r.significant:
        return t["mix_ns"].format(p=p, **labels)
    dec = _decimals(r, 100)
    ci = t["ci"].format(conf=_pct(r.confidence, lang), lo=_num(_known(r.ci_low) * 100, dec, lang, True),
                        hi=_num(_known(r.ci_high) * 100, dec, lang, True), unit=t["ci_unit"])
    va, vb = (_num(_known(v) * 100, dec, lang) + "%" for v in (r.value_a, r.value_b))
    cramer = _num(r.effect_size or 0.0, 2, lang)
    return t["mix_sig"].format(p=p, v=cramer, cat=r.category, ci=ci, va=va, vb=vb, **labels)


def _difference_text(r: TestResult, t: dict[str, Any], lang: str, labels: dict[str, str],
                     metric: str | None) -> str:
    is_rate = r.measure == "proportion"
    scale, suffix = (100, "%") if is_rate else (1, "")
    dec = _decimals(r, scale)
    named = t["custom"].format(metric=metric) if metric else None
    plain = named or t["metric"].get(r.measure) or t["custom"].format(metric=r.measure)
    subject = t["subject"].format(metric=plain, b=labels["b"])
    p = _p_text(_known(r.p_value), lang)
    difference = _known(r.difference)
    value_a = _num(_known(r.value_a) * scale, dec, lang) + suffix
    if r.difference == 0:
        if r.significant:
            direction = t["higher"] if (r.effect_size or 0) > 0 else t["lower"]
            return t["shift"].format(direction=direction, p=p, value=value_a, **labels)
        return t["same"].format(plain=plain[0].lower() + plain[1:], value=value_a, p=p, **labels)
    details = [f"{_num(_known(r.value_b) * scale, dec, lang) + suffix} {t['vs']} {value_a}"]
    if r.relative_lift is not None:
        lift = r.relative_lift * 100
        details[0] += t["lift"].format(lift=_num(lift, 0 if abs(lift) >= 10 else 1, lang, True) + "%")
    if r.ci_low is not None and r.ci_high is not None:
        details.append(t["ci"].format(conf=_pct(r.confidence, lang),
                                      lo=_num(r.ci_low * scale, dec, lang, True),
                                      hi=_num(r.ci_high * scale, dec, lang, True),
                                      unit=t["ci_unit"] if is_rate else ""))
    details.append(p)
    amount = _num(abs(difference) * scale, dec, lang) + (t["points"] if is_rate else "")
    template = t["sig"] if r.significant else t["ns"]
    return template.format(Subject=subject, subject=subject[0].lower() + subject[1:], amount=amount,
                           direction=t["higher"] if difference > 0 else t["lower"],
                           details="; ".join(details), **labels)


def _fidelity_text(fidelity: float | None, t: dict[str, Any], lang: str) -> str:
    if fidelity is None:
        return t["fid_none"]
    return t["fid_good" if fidelity >= WEAK_FIDELITY else "fid_weak"].format(pct=_pct(fidelity, lang))


def conclusion(result: TestResult, fidelity_sign_agreement: float | None, lang: Lang = "en", *,
               label_a: str = "A", label_b: str = "B", metric: str | None = None) -> str:
    """A plain-language verdict followed by the dataset's fidelity caveat.

    Args:
        result: the outcome of one of the tests in this module.
        fidelity_sign_agreement: share (0 to 1) of tested segments where conclusions drawn on this
            synthetic dataset had the same sign as on real data; ``None`` when not measured.
        lang: "en" or "ru".
        label_a, label_b: how to name the groups in the text.
        metric: what the values are ("conversion rate", "revenue per customer"); defaults to the
            result's measure (rate, mean, median).
    """
    if lang not in _TEXT:
        raise InputError(f"lang must be 'en' or 'ru'; got {lang!r}.")
    if fidelity_sign_agreement is not None and math.isnan(fidelity_sign_agreement):
        fidelity_sign_agreement = None
    if fidelity_sign_agreement is not None and not 0 <= fidelity_sign_agreement <= 1:
        raise InputError("fidelity_sign_agreement is a share between 0 and 1; "
                         f"got {fidelity_sign_agreement}.")
    t = _TEXT[lang]
    labels = {"a": label_a, "b": label_b}
    if result.too_small:
        verdict = _too_small_text(result, t, labels)
    elif result.p_value is None or result.value_a is None or result.value_b is None:
        verdict = t["undefined"]
    elif result.test == "chi_square":
        verdict = _mix_text(result, t, lang, labels)
    else:
        verdict = _difference_text(result, t, lang, labels, metric)
    return f"{verdict} {_fidelity_text(fidelity_sign_agreement, t, lang)}"
