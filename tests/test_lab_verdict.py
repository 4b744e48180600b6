"""The verdict in words, in English and Russian, with the fidelity caveat."""

from __future__ import annotations

import re

import pytest

from sandbox.errors import InputError
from sandbox.lab import stats as lab
from sandbox.lab import verdict
from tests.lab_samples import (
    NORMAL_A,
    NORMAL_B,
    SKEWED_A,
    SKEWED_B,
)

# ---------------------------------------------------------------- conclusion

CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def all_results() -> list[lab.TestResult]:
    return [
        lab.two_proportions(82, 1000, 123, 1000), lab.two_proportions(100, 1000, 104, 1000),
        lab.two_proportions(0, 100, 0, 100), lab.two_proportions(0, 0, 3, 40),
        lab.two_proportions(10**8, 10**9, 10**8 + 10**5, 10**9),
        lab.welch_t(NORMAL_A, NORMAL_B), lab.welch_t([5.0] * 40, [5.0] * 40),
        lab.welch_t([1.0] * 40, [2.0] * 40),
        lab.welch_t([1.0], [2.0]), lab.mann_whitney(SKEWED_A, SKEWED_B, n_resamples=200),
        lab.chi_square([[50, 30, 20], [20, 60, 20]], categories=["email", "sms", "push"]),
        lab.chi_square([[50, 30], [48, 33]]), lab.bootstrap_diff(SKEWED_A, SKEWED_B, "mean", n_resamples=200),
    ]


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("fidelity", [0.96, 0.62, None])
def test_conclusion_is_clean_and_carries_the_caveat(lang: str, fidelity: float | None) -> None:
    for r in all_results():
        text = verdict.conclusion(r, fidelity, lang)  # type: ignore[arg-type]
        assert not re.search(r"\bnan\b|\bNone\b|\binf\b", text, re.IGNORECASE), text
        assert "{" not in text and "}" not in text
        if fidelity is not None:
            assert f"{round(fidelity * 100)}%" in text
        if lang == "ru":
            assert CYRILLIC.search(text) and not re.search(r"\d\.\d", text), text


def test_conclusion_significant_rate_en() -> None:
    text = verdict.conclusion(lab.two_proportions(82, 1000, 123, 1000), 0.96)
    assert text.startswith("The rate in B is 4.1 percentage points higher than in A (12.3% vs 8.2%")
    assert "95% CI +1.4 to +6.8 points" in text and "p = 0.003" in text
    assert text.endswith("matched real data in 96% of tested segments: confirm in a real rollout.")


def test_conclusion_significant_rate_ru_with_labels() -> None:
    r = lab.two_proportions(82, 1000, 123, 1000)
    text = verdict.conclusion(r, 0.96, "ru", label_a="Остальные", label_b="Подписчики", metric="конверсия")
    assert text.startswith("Показатель «конверсия» в группе «Подписчики» на 4,1 п. п. выше, чем в группе "
                           "«Остальные» (12,3% против 8,2%")
    assert "95% ДИ: от +1,4 до +6,8 п. п." in text and "в 96% проверенных сегментов" in text


def test_conclusion_lower_and_not_significant() -> None:
    r = lab.two_proportions(104, 1000, 100, 1000)
    assert not r.significant
    text = verdict.conclusion(r, 0.9)
    assert text.startswith("No reliable difference: the rate in B is 0.4 percentage points lower than in A")
    ru = verdict.conclusion(r, 0.9, "ru")
    assert ru.startswith("Надёжной разницы нет: доля в группе «B» на 0,4 п. п. ниже")


def test_conclusion_too_small_gives_no_verdict() -> None:
    r = lab.welch_t(NORMAL_A[:12], NORMAL_B)
    en, ru = verdict.conclusion(r, 0.96), verdict.conclusion(r, 0.96, "ru")
    assert en.startswith("Too small to conclude: group A has only 12 observations")
    assert "higher" not in en and "lower" not in en and "30" in en
    assert ru.startswith("Слишком мало данных для вывода: в группе «A» всего 12 наблюдений")


@pytest.mark.parametrize(("n", "word"), [(1, "наблюдение"), (3, "наблюдения"), (11, "наблюдений"),
                                         (21, "наблюдение"), (24, "наблюдения"), (25, "наблюдений")])
def test_conclusion_russian_plurals(n: int, word: str) -> None:
    r = lab.two_proportions(0, n, 1, 100)
    assert f"всего {n} {word}," in verdict.conclusion(r, 0.9, "ru")


def test_conclusion_category_mix() -> None:
    r = lab.chi_square([[50, 30, 20], [20, 60, 20]], categories=["email", "sms", "push"])
    assert r.significant
    assert f"The largest shift is in “{r.category}”" in verdict.conclusion(r, 0.9)
    assert f"Сильнее всего изменилась доля категории «{r.category}»" in verdict.conclusion(r, 0.9, "ru")


def test_conclusion_fidelity_wording() -> None:
    r = lab.welch_t(NORMAL_A, NORMAL_B)
    assert "has not been measured" in verdict.conclusion(r, None)
    assert "не измерена" in verdict.conclusion(r, float("nan"), "ru")
    assert "only 62%" in verdict.conclusion(r, 0.62) and "лишь в 62%" in verdict.conclusion(r, 0.62, "ru")
    assert "99.6%" in verdict.conclusion(r, 0.9964) and "100%" in verdict.conclusion(r, 1.0)
    assert "96,5%" in verdict.conclusion(r, 0.965, "ru")


@pytest.mark.parametrize(("fidelity", "lang"), [(1.5, "en"), (-0.1, "en"), (0.9, "de")])
def test_conclusion_rejects_bad_arguments(fidelity: float, lang: str) -> None:
    with pytest.raises(InputError):
        verdict.conclusion(lab.welch_t(NORMAL_A, NORMAL_B), fidelity, lang)  # type: ignore[arg-type]
