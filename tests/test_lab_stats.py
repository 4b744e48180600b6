"""The Hypothesis Lab statistics against SciPy and statsmodels reference values, plus the edge cases."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from scipy import stats as sps
from scipy.stats.contingency import association
from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_effectsize,
    proportions_ztest,
)

from sandbox.errors import InputError
from sandbox.lab import choice, sizes, verdict
from sandbox.lab import stats as lab

RNG = np.random.default_rng(20240601)
NORMAL_A, NORMAL_B = RNG.normal(100, 20, 400), RNG.normal(104, 20, 380)
UNEQUAL_A, UNEQUAL_B = RNG.normal(50, 5, 60), RNG.normal(47, 25, 150)
SKEWED_A, SKEWED_B = RNG.lognormal(3, 1, 300), RNG.lognormal(3.2, 1, 250)
COUNTS_A, COUNTS_B = RNG.poisson(1.2, 500).astype(float), RNG.poisson(1.4, 450).astype(float)
SMALL_A, SMALL_B = RNG.normal(0, 1, 31), RNG.normal(0.8, 1.5, 33)
SAMPLES = {
    "normal": (NORMAL_A, NORMAL_B), "unequal_var": (UNEQUAL_A, UNEQUAL_B), "skewed": (SKEWED_A, SKEWED_B),
    "counts_with_ties": (COUNTS_A, COUNTS_B), "small": (SMALL_A, SMALL_B),
}


def assert_json_clean(result: lab.TestResult) -> None:
    """Serialisable as strict JSON: no NaN or Infinity anywhere."""
    text = result.model_dump_json()
    json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in {text}"))
    names = ("value_a", "value_b", "difference", "ci_low", "ci_high", "statistic", "p_value", "effect_size")
    for name in names:
        value = getattr(result, name)
        assert value is None or math.isfinite(value), name


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


# ---------------------------------------------------------------- choose_test


def test_choose_rate_uses_two_proportions() -> None:
    a, b = np.r_[np.ones(82), np.zeros(918)], np.r_[np.ones(123), np.zeros(877)].astype(bool)
    assert choice.choose_test("rate", a, b) == lab.two_proportions(82, 1000, 123, 1000)


def test_choose_rate_rejects_amounts() -> None:
    with pytest.raises(InputError, match="metric_kind='mean'"):
        choice.choose_test("rate", [0, 1, 3], [0, 1])


@pytest.mark.parametrize("kind", ["mean", "count"])
def test_choose_mean_and_count_use_welch_when_not_too_skewed(kind: str) -> None:
    a, b = SAMPLES["counts_with_ties" if kind == "count" else "normal"]
    assert choice.choose_test(kind, a, b) == lab.welch_t(a, b)


def test_choose_mean_bootstraps_heavy_skew() -> None:
    rng = np.random.default_rng(5)
    a, b = rng.lognormal(0, 2, 200), rng.lognormal(0.3, 2, 200)
    r = choice.choose_test("mean", a, b, seed=3)
    assert r.test == "bootstrap" and r.measure == "mean"
    assert any("too skewed" in w for w in r.warnings)
    assert (r.ci_low, r.ci_high) == (lab.bootstrap_diff(a, b, "mean", seed=3).ci_low,
                                     lab.bootstrap_diff(a, b, "mean", seed=3).ci_high)


@pytest.mark.parametrize("kind", ["median", "duration"])
def test_choose_median_and_duration_use_mann_whitney(kind: str) -> None:
    assert choice.choose_test(kind, SKEWED_A, SKEWED_B) == lab.mann_whitney(SKEWED_A, SKEWED_B)


def test_choose_category_builds_the_table() -> None:
    a = ["email"] * 50 + ["sms"] * 30 + ["push"] * 20 + [None, float("nan")]
    b = ["email"] * 35 + ["sms"] * 45 + ["push"] * 20
    r = choice.choose_test("category", a, b)
    direct = lab.chi_square([[50, 20, 30], [35, 20, 45]], categories=["email", "push", "sms"])
    assert r.statistic == pytest.approx(direct.statistic) and r.category == direct.category
    assert any("dropped 2 missing" in w for w in r.warnings)


def test_choose_rejects_unknown_kind() -> None:
    with pytest.raises(InputError, match="metric_kind"):
        choice.choose_test("ratio", [1.0], [2.0])  # type: ignore[arg-type]


# ---------------------------------------------------------------- sample sizes


def fleiss(p1: float, p2: float, alpha: float, power: float, ratio: float, two_sided: bool) -> float:
    z_a = sps.norm.ppf(1 - alpha / (2 if two_sided else 1))
    z_b = sps.norm.ppf(power)
    pbar = (p1 + ratio * p2) / (1 + ratio)
    root = z_a * math.sqrt(pbar * (1 - pbar) * (1 + 1 / ratio)) + z_b * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2) / ratio)
    return root**2 / (p1 - p2) ** 2


PROPORTION_DESIGNS = [(0.10, 0.15, 0.05, 0.8, 1.0, True), (0.02, 0.025, 0.05, 0.8, 1.0, True),
                      (0.30, 0.20, 0.05, 0.9, 2.0, True), (0.50, 0.60, 0.05, 0.8, 0.5, False),
                      (0.90, 0.95, 0.01, 0.8, 1.0, True)]


@pytest.mark.parametrize(("p1", "p2", "alpha", "power", "ratio", "two_sided"), PROPORTION_DESIGNS)
def test_sample_size_proportions(p1: float, p2: float, alpha: float, power: float, ratio: float,
                                 two_sided: bool) -> None:
    n = sizes.sample_size_proportions(p1, p2, alpha=alpha, power=power, ratio=ratio, two_sided=two_sided)
    assert n == math.ceil(fleiss(p1, p2, alpha, power, ratio, two_sided))
    sm = NormalIndPower().solve_power(proportion_effectsize(p2, p1), alpha=alpha, power=power, ratio=ratio,
                                      alternative="two-sided" if two_sided else "larger")
    assert n == pytest.approx(sm, rel=0.03)  # statsmodels uses the arcsine (Cohen's h) approximation


def test_sample_size_proportions_textbook_value() -> None:
    assert sizes.sample_size_proportions(0.10, 0.15) == 686  # Fleiss, 80% power, two-sided 5%


MEAN_DESIGNS = [(5, 20, 0.05, 0.8, 1.0, True), (0.5, 1, 0.05, 0.8, 1.0, True), (1, 1, 0.05, 0.9, 2.0, True),
                (2, 10, 0.05, 0.8, 0.5, False), (3, 1, 0.05, 0.8, 1.0, True),
                (-0.01, 1, 0.05, 0.8, 1.0, True)]


@pytest.mark.parametrize(("diff", "sd", "alpha", "power", "ratio", "two_sided"), MEAN_DESIGNS)
def test_sample_size_means_matches_statsmodels(diff: float, sd: float, alpha: float, power: float,
                                               ratio: float, two_sided: bool) -> None:
    n = sizes.sample_size_means(diff, sd, alpha=alpha, power=power, ratio=ratio, two_sided=two_sided)
    sm = TTestIndPower().solve_power(abs(diff) / sd, alpha=alpha, power=power, ratio=ratio,
                                     alternative="two-sided" if two_sided else "larger")
    assert n == math.ceil(sm)


@pytest.mark.parametrize(("func", "args"), [
    (sizes.sample_size_proportions, (0.1, 0.1)), (sizes.sample_size_proportions, (0.0, 0.1)),
    (sizes.sample_size_proportions, (0.1, 1.0)), (sizes.sample_size_means, (0.0, 1.0)),
    (sizes.sample_size_means, (1.0, 0.0)), (sizes.sample_size_means, (1.0, 1.0, 0.05, 1.2)),
])
def test_sample_size_rejects_impossible_designs(func, args: tuple) -> None:  # noqa: ANN001
    kwargs = dict(zip(("alpha", "power"), args[2:], strict=False))
    with pytest.raises(InputError):
        func(*args[:2], **kwargs)


def test_sample_size_rejects_bad_ratio() -> None:
    with pytest.raises(InputError, match="ratio"):
        sizes.sample_size_means(1.0, 1.0, ratio=0)


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


def test_result_never_holds_nan() -> None:
    r = lab.TestResult(test="welch_t", measure="mean", n_a=1, n_b=1, p_value=float("nan"), statistic=math.inf)
    assert r.p_value is None and r.statistic is None
