"""The Hypothesis Lab's tests against SciPy and statsmodels reference values, plus the edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps
from scipy.stats.contingency import association
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_effectsize,
    proportions_ztest,
)

from sandbox.errors import InputError
from sandbox.lab import stats as lab
from sandbox.lab import verdict
from tests.lab_samples import (
    NORMAL_A,
    NORMAL_B,
    RNG,
    SAMPLES,
    SKEWED_A,
    SKEWED_B,
    assert_json_clean,
)

# ---------------------------------------------------------------- two proportions

PROPORTION_CASES = [(82, 1000, 123, 1000), (5, 40, 15, 45), (300, 5000, 260, 4800), (0, 50, 7, 60),
                    (50, 50, 45, 50), (2, 31, 30, 30), (12_000, 400_000, 12_500, 410_000)]


@pytest.mark.parametrize("confidence", [0.95, 0.9])
@pytest.mark.parametrize(("s_a", "n_a", "s_b", "n_b"), PROPORTION_CASES)
def test_two_proportions_matches_statsmodels(s_a: int, n_a: int, s_b: int, n_b: int,
                                             confidence: float) -> None:
    r = lab.two_proportions(s_a, n_a, s_b, n_b, confidence=confidence)
    z, p = proportions_ztest([s_b, s_a], [n_b, n_a])
    lo, hi = confint_proportions_2indep(s_b, n_b, s_a, n_a, method="newcomb", compare="diff",
                                       alpha=1 - confidence)
    assert r.statistic == pytest.approx(z, rel=1e-9)
    assert r.p_value == pytest.approx(p, rel=1e-9, abs=1e-300)
    assert (r.ci_low, r.ci_high) == pytest.approx((lo, hi), rel=1e-9, abs=1e-12)
    assert r.effect_size == pytest.approx(proportion_effectsize(s_b / n_b, s_a / n_a), rel=1e-9)
    assert r.difference == pytest.approx(s_b / n_b - s_a / n_a)
    assert r.significant == (p < 1 - confidence)
    assert r.effect_size_name == "cohens_h" and r.ci_method == "newcombe" and not r.too_small
    assert_json_clean(r)


def test_two_proportions_relative_lift_and_orientation() -> None:
    r = lab.two_proportions(80, 1000, 120, 1000)
    assert r.difference == pytest.approx(0.04) and r.relative_lift == pytest.approx(0.5)
    assert r.statistic > 0 and r.effect_size > 0 and r.ci_low > 0
    flipped = lab.two_proportions(120, 1000, 80, 1000)
    assert flipped.statistic == pytest.approx(-r.statistic) and flipped.ci_high == pytest.approx(-r.ci_low)


@pytest.mark.parametrize(("s_a", "s_b"), [(0, 0), (100, 100)])
def test_two_proportions_no_variation(s_a: int, s_b: int) -> None:
    r = lab.two_proportions(s_a, 100, s_b, 100)
    assert r.p_value == 1.0 and r.statistic is None and not r.significant
    assert r.difference == 0 and r.ci_low < 0 < r.ci_high  # Wilson-based interval stays informative
    assert any("same outcome" in w for w in r.warnings)
    assert_json_clean(r)


def test_two_proportions_zero_vs_full_conversion() -> None:
    r = lab.two_proportions(0, 100, 100, 100)
    assert r.significant and r.relative_lift is None and r.difference == 1.0
    assert r.effect_size == pytest.approx(math.pi)
    assert_json_clean(r)


@pytest.mark.parametrize("n", [10**9, 10**12])
def test_two_proportions_huge_n(n: int) -> None:
    r = lab.two_proportions(n // 10, n, n // 10 + n // 10_000, n)
    z, p = proportions_ztest([n // 10 + n // 10_000, n // 10], [n, n])
    assert r.statistic == pytest.approx(z, rel=1e-6) and r.p_value == pytest.approx(p, abs=1e-300)
    assert r.significant and 0 < r.ci_low < r.difference < r.ci_high
    assert_json_clean(r)


@pytest.mark.parametrize(("n_a", "n_b", "short"), [(0, 50, "A"), (50, 0, "B")])
def test_two_proportions_empty_group(n_a: int, n_b: int, short: str) -> None:
    r = lab.two_proportions(0, n_a, 0, n_b)
    assert r.too_small and not r.significant and r.p_value is None and r.difference is None
    assert any(w.startswith(f"Group {short} is empty") for w in r.warnings)
    assert_json_clean(r)


def test_too_small_never_significant() -> None:
    r = lab.two_proportions(0, 20, 20, 20)
    assert r.p_value < 1e-6 and r.too_small and not r.significant
    assert lab.two_proportions(0, 20, 20, 20, min_group_size=10).significant


@pytest.mark.parametrize("args", [(5, 4, 1, 10), (-1, 10, 1, 10), (2.5, 10, 1, 10), ("x", 10, 1, 10)])
def test_two_proportions_rejects_bad_counts(args: tuple) -> None:
    with pytest.raises(InputError):
        lab.two_proportions(*args)


@pytest.mark.parametrize("kwargs", [{"confidence": 1.0}, {"confidence": 0}, {"min_group_size": 0}])
def test_rejects_bad_settings(kwargs: dict) -> None:
    with pytest.raises(InputError):
        lab.two_proportions(1, 10, 2, 10, **kwargs)


# ---------------------------------------------------------------- Welch


def hedges_g(a: np.ndarray, b: np.ndarray) -> float:
    n1, n2 = len(a), len(b)
    sp = math.sqrt(((n1 - 1) * a.var(ddof=1) + (n2 - 1) * b.var(ddof=1)) / (n1 + n2 - 2))
    return (b.mean() - a.mean()) / sp * (1 - 3 / (4 * (n1 + n2) - 9))


@pytest.mark.parametrize("confidence", [0.95, 0.99])
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_welch_matches_scipy(name: str, confidence: float) -> None:
    a, b = SAMPLES[name]
    r = lab.welch_t(a, b, confidence=confidence)
    ref = sps.ttest_ind(b, a, equal_var=False)
    ci = ref.confidence_interval(confidence_level=confidence)
    assert r.statistic == pytest.approx(ref.statistic, rel=1e-9)
    assert r.p_value == pytest.approx(ref.pvalue, rel=1e-7)
    assert (r.ci_low, r.ci_high) == pytest.approx((ci.low, ci.high), rel=1e-7)
    assert r.effect_size == pytest.approx(hedges_g(a, b), rel=1e-9)
    assert (r.value_a, r.value_b) == pytest.approx((a.mean(), b.mean()))
    assert r.significant == (ref.pvalue < 1 - confidence)
    assert_json_clean(r)


@pytest.mark.parametrize("value", [5.0, 0.1, 0.0])
def test_welch_all_values_equal(value: float) -> None:
    r = lab.welch_t([value] * 50, [value] * 40)
    assert r.p_value == 1.0 and r.statistic is None and r.effect_size is None and not r.significant
    assert any("t test is undefined" in w for w in r.warnings)
    assert_json_clean(r)


def test_welch_constant_but_different_groups() -> None:
    r = lab.welch_t([1.0] * 40, [2.0] * 40)
    assert r.difference == 1.0 and r.p_value is None and not r.significant
    assert "No verdict" in verdict.conclusion(r, 0.9)
    assert_json_clean(r)


@pytest.mark.parametrize(("a", "b"), [([3.0], [1.0, 2.0, 4.0]), ([3.0], [4.0]), ([], [1.0, 2.0]), ([], [])])
def test_welch_tiny_groups(a: list[float], b: list[float]) -> None:
    r = lab.welch_t(a, b)
    assert r.too_small and r.statistic is None and r.p_value is None and not r.significant
    assert r.warnings
    assert_json_clean(r)


def test_welch_drops_missing_values() -> None:
    a = np.append(NORMAL_A, [np.nan, np.inf])
    r = lab.welch_t(a, NORMAL_B)
    assert r.n_a == len(NORMAL_A) and r.statistic == pytest.approx(lab.welch_t(NORMAL_A, NORMAL_B).statistic)
    assert any("dropped 2" in w for w in r.warnings)


def test_welch_rejects_non_numbers() -> None:
    with pytest.raises(InputError):
        lab.welch_t(["a", "b"], [1.0, 2.0])
    with pytest.raises(InputError):
        lab.welch_t(np.ones((3, 3)), [1.0, 2.0])


# ---------------------------------------------------------------- Mann-Whitney

MWU_CASES = {**SAMPLES, "exact_small": (RNG.normal(0, 1, 8), RNG.normal(1, 1, 9)),
             "heavy_ties": (RNG.integers(0, 3, 200).astype(float), RNG.integers(0, 4, 150).astype(float))}


@pytest.mark.parametrize("name", sorted(MWU_CASES))
def test_mann_whitney_matches_scipy(name: str) -> None:
    a, b = MWU_CASES[name]
    r = lab.mann_whitney(a, b, min_group_size=5, n_resamples=500)
    ref = sps.mannwhitneyu(b, a, alternative="two-sided")
    assert r.statistic == pytest.approx(ref.statistic) and r.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    pairwise = np.sign(b[:, None] - a[None, :]).mean()  # P(B > A) - P(B < A)
    assert r.effect_size == pytest.approx(pairwise, abs=1e-12)
    assert (r.value_a, r.value_b) == (np.median(a), np.median(b))
    assert r.ci_low <= r.difference <= r.ci_high and r.ci_method == "bootstrap_percentile"
    assert_json_clean(r)


def test_mann_whitney_seeded() -> None:
    one = lab.mann_whitney(SKEWED_A, SKEWED_B, seed=7)
    assert one == lab.mann_whitney(SKEWED_A, SKEWED_B, seed=7)
    assert (one.ci_low, one.ci_high) != (lab.mann_whitney(SKEWED_A, SKEWED_B, seed=8).ci_low,
                                         lab.mann_whitney(SKEWED_A, SKEWED_B, seed=8).ci_high)


def test_mann_whitney_large_groups_use_order_statistics() -> None:
    rng = np.random.default_rng(3)
    n = 15_000
    r = lab.mann_whitney(rng.normal(0, 1, n), rng.normal(0.05, 1, n))
    expected_half_width = 1.96 * math.sqrt(2 * (math.pi / 2) / n)  # var(median) = pi/2 * sigma^2 / n
    assert r.ci_method == "order_statistic"
    assert (r.ci_high - r.ci_low) / 2 == pytest.approx(expected_half_width, rel=0.1)
    assert (r.ci_low + r.ci_high) / 2 == pytest.approx(r.difference)


def test_mann_whitney_all_equal_and_empty() -> None:
    r = lab.mann_whitney([4.0] * 40, [4.0] * 35)
    assert r.p_value == 1.0 and r.effect_size == 0 and r.difference == 0 and not r.significant
    assert_json_clean(r)
    empty = lab.mann_whitney([], [1.0, 2.0])
    assert empty.too_small and empty.p_value is None
    assert_json_clean(empty)


def test_mann_whitney_warns_when_ranks_and_medians_disagree() -> None:
    shifted = lab.mann_whitney(np.zeros(300), np.r_[np.zeros(160), np.ones(140)])
    assert shifted.significant and shifted.difference == 0
    assert any("medians do not move" in w for w in shifted.warnings)
    assert "though the medians are equal" in verdict.conclusion(shifted, 0.9)


# ---------------------------------------------------------------- chi-square

CHI_TABLES = [[[50, 30], [35, 45]], [[50, 30, 20], [35, 45, 20]], [[120, 80, 40, 10, 5], [90, 95, 60, 20, 2]],
              [[400, 0, 300], [380, 0, 350]]]


@pytest.mark.parametrize("table", CHI_TABLES)
def test_chi_square_matches_scipy(table: list[list[int]]) -> None:
    t = np.array(table)
    used = t[:, t.sum(axis=0) > 0]
    chi2, p, _, _ = sps.chi2_contingency(used, correction=False)
    r = lab.chi_square(t)
    assert r.statistic == pytest.approx(chi2, rel=1e-9) and r.p_value == pytest.approx(p, rel=1e-9)
    assert r.effect_size == pytest.approx(association(used, method="cramer", correction=False), rel=1e-9)
    assert (r.n_a, r.n_b) == tuple(t.sum(axis=1))
    assert_json_clean(r)


def test_chi_square_2x2_is_z_squared() -> None:
    chi = lab.chi_square([[918, 82], [877, 123]])
    z = lab.two_proportions(82, 1000, 123, 1000)
    assert chi.statistic == pytest.approx(z.statistic**2) and chi.p_value == pytest.approx(z.p_value)


def test_chi_square_names_the_category_that_moved() -> None:
    r = lab.chi_square([[50, 30, 20], [20, 60, 20]], categories=["email", "sms", "push"])
    assert r.category in {"email", "sms"} and abs(r.difference) == pytest.approx(0.3)
    s_a, s_b = {"email": (50, 20), "sms": (30, 60)}[r.category]
    lo, hi = confint_proportions_2indep(s_b, 100, s_a, 100, method="newcomb", compare="diff")
    assert (r.ci_low, r.ci_high) == pytest.approx((lo, hi))


def test_chi_square_single_category_and_empty_row() -> None:
    one = lab.chi_square([[30, 0], [40, 0]], categories=["web", "app"])
    assert one.p_value == 1.0 and one.statistic is None and one.category == "web" and one.difference == 0
    empty = lab.chi_square([[0, 0], [10, 20]])
    assert empty.too_small and empty.p_value is None
    for r in (one, empty):
        assert_json_clean(r)


@pytest.mark.parametrize("table", [[[1, 2], [3, 4], [5, 6]], [[1, -2], [3, 4]], [[1.5, 2], [3, 4]],
                                   [1, 2, 3], [["a", 1], [2, 3]]])
def test_chi_square_rejects_bad_tables(table: list) -> None:
    with pytest.raises(InputError):
        lab.chi_square(table)


def test_chi_square_category_names_must_match() -> None:
    with pytest.raises(InputError, match="category names"):
        lab.chi_square([[1, 2], [3, 4]], categories=["only one"])


# ---------------------------------------------------------------- bootstrap


def test_bootstrap_is_reproducible_with_a_seed() -> None:
    one = lab.bootstrap_diff(SKEWED_A, SKEWED_B, "median", n_resamples=1000, seed=42)
    assert one == lab.bootstrap_diff(SKEWED_A, SKEWED_B, "median", n_resamples=1000, seed=42)
    other = lab.bootstrap_diff(SKEWED_A, SKEWED_B, "median", n_resamples=1000, seed=43)
    assert (one.ci_low, one.ci_high) != (other.ci_low, other.ci_high)


@pytest.mark.parametrize("statistic", ["mean", "median"])
def test_bootstrap_agrees_with_scipy_bootstrap(statistic: str) -> None:
    func = getattr(np, statistic)
    r = lab.bootstrap_diff(SKEWED_A, SKEWED_B, statistic, n_resamples=3000, seed=1)
    ref = sps.bootstrap((SKEWED_B, SKEWED_A), lambda y, x, axis: func(y, axis=axis) - func(x, axis=axis),
                        n_resamples=3000, method="percentile", rng=np.random.default_rng(2))
    ref = ref.confidence_interval
    width = ref.high - ref.low
    assert r.ci_low == pytest.approx(ref.low, abs=0.1 * width)
    assert r.ci_high == pytest.approx(ref.high, abs=0.1 * width)
    assert r.difference == pytest.approx(func(SKEWED_B) - func(SKEWED_A))


def test_bootstrap_mean_interval_close_to_welch() -> None:
    boot = lab.bootstrap_diff(NORMAL_A, NORMAL_B, "mean", n_resamples=2000)
    welch = lab.welch_t(NORMAL_A, NORMAL_B)
    width = welch.ci_high - welch.ci_low
    assert boot.ci_low == pytest.approx(welch.ci_low, abs=0.1 * width)
    assert boot.ci_high == pytest.approx(welch.ci_high, abs=0.1 * width)
    assert boot.effect_size == pytest.approx(welch.effect_size) and boot.effect_size_name == "hedges_g"
    assert boot.p_value == pytest.approx(welch.p_value, abs=0.02)


def test_bootstrap_p_value_bounds() -> None:
    far = lab.bootstrap_diff(RNG.normal(0, 1, 50), RNG.normal(10, 1, 50), "mean", n_resamples=999)
    assert far.p_value == pytest.approx(2 / 1000) and far.significant
    for value in (3.0, 0.1):
        same = lab.bootstrap_diff([value] * 40, [value] * 50, "mean", n_resamples=200)
        assert same.p_value == 1.0 and same.statistic is None and same.difference == 0
        assert_json_clean(same)


def test_bootstrap_custom_statistic() -> None:
    def p90(x: np.ndarray) -> float:
        return float(np.percentile(x, 90))

    r = lab.bootstrap_diff(SKEWED_A, SKEWED_B, p90, n_resamples=200)
    assert r.measure == "p90" and r.value_a == pytest.approx(p90(SKEWED_A)) and r.effect_size is None
    assert r.ci_low <= r.difference <= r.ci_high
    assert "p90" in verdict.conclusion(r, 0.9) and "«p90»" in verdict.conclusion(r, 0.9, "ru")


@pytest.mark.parametrize(("statistic", "n_resamples"), [("mode", 2000), ("mean", 10)])
def test_bootstrap_rejects_bad_arguments(statistic: str, n_resamples: int) -> None:
    with pytest.raises(InputError):
        lab.bootstrap_diff(NORMAL_A, NORMAL_B, statistic, n_resamples=n_resamples)


def test_bootstrap_empty_and_single_groups() -> None:
    empty = lab.bootstrap_diff([], NORMAL_B, "mean")
    assert empty.too_small and empty.value_a is None and empty.p_value is None
    single = lab.bootstrap_diff([1.0], [2.0], "median", n_resamples=100)
    assert single.too_small and not single.significant and single.difference == 1.0
    for r in (empty, single):
        assert_json_clean(r)


def test_result_never_holds_nan() -> None:
    r = lab.TestResult(test="welch_t", measure="mean", n_a=1, n_b=1, p_value=float("nan"), statistic=math.inf)
    assert r.p_value is None and r.statistic is None
