"""The statistics behind the Hypothesis Lab: compare group B with group A on one metric.

Orientation, everywhere: A is the comparison (control, baseline, "everyone else") and B the treatment
or the segment under study. ``difference = value_b - value_a``; test statistics and effect sizes are
positive when B is higher. Results are :class:`TestResult` models with plain floats; a value that is
undefined for the data (a variance of one observation, a p-value with no variation at all) is ``None``,
never NaN, and the reason is in ``warnings``.

Methods, chosen once and documented here:

* two proportions: z statistic with the pooled standard error (as ``proportions_ztest``), Newcombe's
  hybrid-score interval for the difference (Wilson intervals combined; defined at 0% and 100%).
* means: Welch's t with Welch-Satterthwaite degrees of freedom; effect size Hedges' g.
* medians: Mann-Whitney U (SciPy's exact/asymptotic choice); interval for the difference in medians by a
  seeded percentile bootstrap, or, above ``BOOTSTRAP_MAX_N`` observations, a normal interval from each
  median's order-statistic standard error (half the width of its distribution-free 95% interval divided
  by 1.96, the idea of Bonett & Price 2002); effect size rank-biserial correlation.
* category mix: Pearson's chi-square on the 2 x k table without Yates' correction (so a 2 x 2 table
  gives exactly the square of the two-proportion z); effect size Cramer's V.
* sample sizes: the classic normal-approximation formula for proportions (pooled variance under H0,
  unpooled under H1, Fleiss 1981, no continuity correction); for means, the smallest n whose power under
  the noncentral t distribution reaches the target (what statsmodels' ``TTestIndPower`` solves).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, Field, field_validator

from sandbox.errors import InputError

TestName = Literal["two_proportion_z", "welch_t", "mann_whitney_u", "chi_square", "bootstrap"]
MetricKind = Literal["rate", "mean", "median", "count", "duration", "category"]
Lang = Literal["en", "ru"]

MIN_GROUP_SIZE = 30
"""Default smallest group for a verdict; below it a result says "too small to conclude"."""
BOOTSTRAP_MAX_N = 20_000
"""Above this many observations (both groups) automatic choices avoid resampling."""
WEAK_FIDELITY = 0.8
"""Below this sign agreement the fidelity caveat becomes a stronger warning."""
_CHUNK_ELEMENTS = 2_000_000


class TestResult(BaseModel):
    """Outcome of comparing group B with group A; JSON-ready, undefined values are ``None``."""

    __test__: ClassVar[bool] = False  # a pydantic model, not a pytest test class

    test: TestName
    measure: str = Field(description="What value_a and value_b are: proportion, mean, median, share or a "
                                     "custom statistic's name.")
    value_a: float | None = None
    value_b: float | None = None
    n_a: int
    n_b: int
    difference: float | None = Field(default=None, description="value_b - value_a.")
    ci_low: float | None = None
    ci_high: float | None = None
    confidence: float = 0.95
    ci_method: str | None = None
    relative_lift: float | None = Field(default=None,
                                        description="difference / |value_a|; None if value_a is 0.")
    statistic: float | None = None
    p_value: float | None = None
    significant: bool = False
    effect_size: float | None = None
    effect_size_name: str | None = None
    too_small: bool = False
    min_group_size: int = MIN_GROUP_SIZE
    category: str | None = Field(default=None, description="chi_square: the category whose share moved most.")
    warnings: list[str] = Field(default_factory=list)

    @field_validator("value_a", "value_b", "difference", "ci_low", "ci_high", "relative_lift", "statistic",
                     "p_value", "effect_size", mode="before")
    @classmethod
    def _finite_or_none(cls, v: Any) -> float | None:
        if v is None:
            return None
        v = float(v)
        return v if math.isfinite(v) else None


# ---------------------------------------------------------------- validation helpers


def _check_common(confidence: float, min_group_size: int) -> None:
    if not 0 < confidence < 1:
        raise InputError(f"confidence must be between 0 and 1 (e.g. 0.95); got {confidence}.")
    if min_group_size < 1:
        raise InputError(f"min_group_size must be at least 1; got {min_group_size}.")


def _as_sample(x: Any, name: str, warnings: list[str]) -> np.ndarray:
    """One group as a 1-D float array; missing and infinite values are dropped with a warning."""
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"Group {name} must contain numbers only ({exc}).") from exc
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise InputError(f"Group {name} must be one-dimensional; got shape {arr.shape}.")
    finite = np.isfinite(arr)
    if not finite.all():
        warnings.append(f"Group {name}: dropped {int((~finite).sum())} missing or infinite values.")
    return arr[finite]


def _as_count(x: Any, name: str) -> int:
    if isinstance(x, int | np.integer) and not isinstance(x, bool):
        value: float = int(x)  # exact even beyond 2**53
    else:
        try:
            value = float(x)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{name} must be a whole number; got {x!r}.") from exc
    if not float(value).is_integer() or value < 0:
        raise InputError(f"{name} must be a non-negative whole number; got {x!r}.")
    return int(value)


def _z(confidence: float) -> float:
    from scipy import stats

    return float(stats.norm.ppf(1 - (1 - confidence) / 2))


def _result(test: TestName, measure: str, n_a: int, n_b: int, *, confidence: float, min_group_size: int,
            warnings: list[str], value_a: float | None = None, value_b: float | None = None,
            **fields: Any) -> TestResult:
    """Fill in what every test shares: difference, lift, the too-small rule and significance."""
    difference = None if value_a is None or value_b is None else value_b - value_a
    lift = None if difference is None or not value_a else difference / abs(value_a)
    short = [(g, n) for g, n in (("A", n_a), ("B", n_b)) if n < min_group_size]
    for group, n in short:
        size = "is empty" if n == 0 else f"has only {n} observations"
        warnings.append(f"Group {group} {size}; at least {min_group_size} per group are needed for a "
                        "verdict. Widen the segment or generate more synthetic data.")
    p = fields.get("p_value")
    significant = not short and p is not None and math.isfinite(p) and p < 1 - confidence
    return TestResult(test=test, measure=measure, value_a=value_a, value_b=value_b, n_a=n_a, n_b=n_b,
                      difference=difference, relative_lift=lift, confidence=confidence,
                      min_group_size=min_group_size, too_small=bool(short), significant=significant,
                      warnings=warnings, **fields)


# ---------------------------------------------------------------- proportions


def _wilson(successes: float, n: int, z: float) -> tuple[float, float]:
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def _newcombe(s_a: float, n_a: int, s_b: float, n_b: int, z: float) -> tuple[float, float]:
    """Newcombe's hybrid-score interval for p_b - p_a."""
    p_a, p_b = s_a / n_a, s_b / n_b
    lo_a, hi_a = _wilson(s_a, n_a, z)
    lo_b, hi_b = _wilson(s_b, n_b, z)
    d = p_b - p_a
    return d - math.hypot(p_b - lo_b, hi_a - p_a), d + math.hypot(hi_b - p_b, p_a - lo_a)


def two_proportions(successes_a: int, n_a: int, successes_b: int, n_b: int, *, confidence: float = 0.95,
                    min_group_size: int = MIN_GROUP_SIZE) -> TestResult:
    """Compare two rates (conversion, churn): pooled z test, Newcombe interval, Cohen's h.

    When both groups are all 0 or all 1 there is no variation: the z statistic is ``None`` and the
    p-value 1.0 (the rates are identical, as Fisher's exact test would also say).
    """
    _check_common(confidence, min_group_size)
    s_a, n_a = _as_count(successes_a, "successes_a"), _as_count(n_a, "n_a")
    s_b, n_b = _as_count(successes_b, "successes_b"), _as_count(n_b, "n_b")
    for group, s, n in (("A", s_a, n_a), ("B", s_b, n_b)):
        if s > n:
            raise InputError(f"Group {group} has {s} successes out of {n}: successes cannot exceed the "
                             "group size.")
    warnings: list[str] = []
    common = dict(confidence=confidence, min_group_size=min_group_size, warnings=warnings)
    if n_a == 0 or n_b == 0:
        return _result("two_proportion_z", "proportion", n_a, n_b, value_a=s_a / n_a if n_a else None,
                       value_b=s_b / n_b if n_b else None, **common)
    from scipy import stats

    p_a, p_b = s_a / n_a, s_b / n_b
    pooled = (s_a + s_b) / (n_a + n_b)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if se0 == 0:
        z_stat, p_value = None, 1.0
        warnings.append("Every observation in both groups has the same outcome; the rates are identical.")
    else:
        z_stat = (p_b - p_a) / se0
        p_value = float(2 * stats.norm.sf(abs(z_stat)))
    if min(s_a, n_a - s_a, s_b, n_b - s_b) < 5:
        warnings.append("A group has fewer than 5 successes or failures; the normal approximation is rough.")
    lo, hi = _newcombe(s_a, n_a, s_b, n_b, _z(confidence))
    h = 2 * math.asin(math.sqrt(p_b)) - 2 * math.asin(math.sqrt(p_a))
    return _result("two_proportion_z", "proportion", n_a, n_b, value_a=p_a, value_b=p_b, ci_low=lo,
                   ci_high=hi, ci_method="newcombe", statistic=z_stat, p_value=p_value, effect_size=h,
                   effect_size_name="cohens_h", **common)


# ---------------------------------------------------------------- means


def _variance(x: np.ndarray) -> float:
    """Sample variance, exactly 0 for constant data (no round-off noise)."""
    return 0.0 if np.ptp(x) == 0 else float(np.var(x, ddof=1))


def _mean(x: np.ndarray) -> float:
    """Mean, exact for constant data (summing 0.1 fifty times does not give 5)."""
    return float(x[0]) if np.ptp(x) == 0 else float(x.mean())


def _hedges_g(a: np.ndarray, b: np.ndarray) -> float | None:
    n_a, n_b = len(a), len(b)
    if n_a + n_b < 3:
        return None
    pooled = ((n_a - 1) * _variance(a) + (n_b - 1) * _variance(b)) / (n_a + n_b - 2)
    if pooled == 0:
        return None
    correction = 1 - 3 / (4 * (n_a + n_b) - 9)
    return correction * (_mean(b) - _mean(a)) / math.sqrt(pooled)


def welch_t(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray, *, confidence: float = 0.95,
            min_group_size: int = MIN_GROUP_SIZE) -> TestResult:
    """Compare two means with Welch's t test (unequal variances); effect size Hedges' g."""
    _check_common(confidence, min_group_size)
    warnings: list[str] = []
    xa, xb = _as_sample(a, "A", warnings), _as_sample(b, "B", warnings)
    n_a, n_b = len(xa), len(xb)
    common = dict(confidence=confidence, min_group_size=min_group_size, warnings=warnings)
    mean_a = _mean(xa) if n_a else None
    mean_b = _mean(xb) if n_b else None
    if n_a < 2 or n_b < 2:
        if n_a and n_b:
            warnings.append("A group has a single observation, so its variance and the t test are undefined.")
        return _result("welch_t", "mean", n_a, n_b, value_a=mean_a, value_b=mean_b, **common)
    from scipy import stats

    va, vb = _variance(xa) / n_a, _variance(xb) / n_b
    se = math.sqrt(va + vb)
    diff = mean_b - mean_a
    fields: dict[str, Any] = dict(effect_size=_hedges_g(xa, xb), effect_size_name="hedges_g")
    if se == 0:
        warnings.append("Neither group varies (every value is the same), so the t test is undefined.")
        fields["p_value"] = 1.0 if diff == 0 else None
    else:
        df = (va + vb) ** 2 / (va**2 / (n_a - 1) + vb**2 / (n_b - 1))
        t_stat = diff / se
        margin = float(stats.t.ppf(1 - (1 - confidence) / 2, df)) * se
        fields.update(statistic=t_stat, p_value=float(2 * stats.t.sf(abs(t_stat), df)), ci_low=diff - margin,
                      ci_high=diff + margin, ci_method="welch")
    return _result("welch_t", "mean", n_a, n_b, value_a=mean_a, value_b=mean_b, **fields, **common)


# ---------------------------------------------------------------- bootstrap


def _resolve_statistic(
    statistic: str | Callable[[np.ndarray], float],
) -> tuple[Callable[..., Any], str, bool]:
    """(function, name, vectorised over axis=1)."""
    if statistic == "mean":
        return np.mean, "mean", True
    if statistic == "median":
        return np.median, "median", True
    if callable(statistic):
        return statistic, getattr(statistic, "__name__", "statistic").strip("<>"), False
    raise InputError(f"statistic must be 'mean', 'median' or a function of one array; got {statistic!r}.")


def _bootstrap_differences(xa: np.ndarray, xb: np.ndarray, func: Callable[..., Any], vectorised: bool,
                           n_resamples: int, seed: int) -> np.ndarray:
    """Statistic of a resample of B minus that of A, resampling each group separately; seeded."""
    rng = np.random.default_rng(seed)
    out = np.empty(n_resamples)
    chunk = max(1, _CHUNK_ELEMENTS // max(len(xa), len(xb)))
    for start in range(0, n_resamples, chunk):
        m = min(chunk, n_resamples - start)
        ra = xa[rng.integers(0, len(xa), size=(m, len(xa)))]
        rb = xb[rng.integers(0, len(xb), size=(m, len(xb)))]
        if vectorised:
            out[start:start + m] = func(rb, axis=1) - func(ra, axis=1)
        else:
            out[start:start + m] = [float(func(y)) - float(func(x)) for x, y in zip(ra, rb, strict=True)]
    return out


def _percentile_ci(diffs: np.ndarray, confidence: float) -> tuple[float, float]:
    alpha = 1 - confidence
    lo, hi = np.quantile(diffs, [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)


def bootstrap_diff(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray,
                   statistic: Literal["mean", "median"] | Callable[[np.ndarray], float] = "median", *,
                   n_resamples: int = 2000, seed: int = 0, confidence: float = 0.95,
                   min_group_size: int = MIN_GROUP_SIZE) -> TestResult:
    """Percentile-bootstrap interval for the difference of any statistic (B minus A).

    The p-value inverts the percentile interval: twice the smaller share of resampled differences on
    either side of zero, each counted as ``(k + 1) / (n_resamples + 1)`` so it is never 0. ``statistic``
    is the observed difference divided by the bootstrap standard error (an approximate z). A callable is
    applied to each resample in a Python loop; "mean" and "median" are vectorised.
    """
    _check_common(confidence, min_group_size)
    if n_resamples < 100:
        raise InputError(f"n_resamples must be at least 100 (2000 is a good default); got {n_resamples}.")
    func, name, vectorised = _resolve_statistic(statistic)
    warnings: list[str] = []
    xa, xb = _as_sample(a, "A", warnings), _as_sample(b, "B", warnings)
    n_a, n_b = len(xa), len(xb)
    common = dict(confidence=confidence, min_group_size=min_group_size, warnings=warnings)
    value_a, value_b = (None if not len(x) else x[0] if vectorised and np.ptp(x) == 0 else float(func(x))
                        for x in (xa, xb))
    if value_a is None or value_b is None:
        return _result("bootstrap", name, n_a, n_b, value_a=value_a, value_b=value_b, **common)
    if vectorised and np.ptp(xa) == 0 and np.ptp(xb) == 0:  # every resample is the data itself
        diffs = np.full(n_resamples, value_b - value_a)
    else:
        diffs = _bootstrap_differences(xa, xb, func, vectorised, n_resamples, seed)
    lo, hi = _percentile_ci(diffs, confidence)
    below = (np.count_nonzero(diffs <= 0) + 1) / (n_resamples + 1)
    above = (np.count_nonzero(diffs >= 0) + 1) / (n_resamples + 1)
    se = float(diffs.std(ddof=1))
    stat = (value_b - value_a) / se if se > 0 else None
    effect, effect_name = None, None
    if name == "mean":
        effect, effect_name = _hedges_g(xa, xb), "hedges_g"
    elif name == "median":
        effect, effect_name = _rank_biserial(xa, xb), "rank_biserial"
    return _result("bootstrap", name, n_a, n_b, value_a=value_a, value_b=value_b, ci_low=lo, ci_high=hi,
                   ci_method="bootstrap_percentile", statistic=stat, p_value=min(1.0, 2 * min(below, above)),
                   effect_size=effect, effect_size_name=effect_name, **common)


# ---------------------------------------------------------------- medians


def _u_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """Mann-Whitney U of B: pairs where B is larger, ties counted one half."""
    from scipy import stats

    ranks = stats.rankdata(np.concatenate([a, b]))
    return float(ranks[len(a):].sum() - len(b) * (len(b) + 1) / 2)


def _rank_biserial(a: np.ndarray, b: np.ndarray) -> float:
    """Rank-biserial correlation, +1 when every B value exceeds every A value."""
    return 2 * _u_statistic(a, b) / (len(a) * len(b)) - 1


def _median_se(x: np.ndarray) -> float:
    """Distribution-free standard error of a median from the order statistics around it."""
    from scipy import stats

    x = np.sort(x)
    n = len(x)
    z = float(stats.norm.ppf(0.975))
    lo = max(0, math.floor(n / 2 - z * math.sqrt(n) / 2))
    hi = min(n - 1, math.ceil(n / 2 + z * math.sqrt(n) / 2))
    return float(x[hi] - x[lo]) / (2 * z)


def _median_difference_ci(xa: np.ndarray, xb: np.ndarray, confidence: float, n_resamples: int,
                          seed: int) -> tuple[float, float, str]:
    if len(xa) + len(xb) <= BOOTSTRAP_MAX_N:
        diffs = _bootstrap_differences(xa, xb, np.median, True, n_resamples, seed)
        return (*_percentile_ci(diffs, confidence), "bootstrap_percentile")
    diff = float(np.median(xb) - np.median(xa))
    margin = _z(confidence) * math.hypot(_median_se(xa), _median_se(xb))
    return diff - margin, diff + margin, "order_statistic"


def mann_whitney(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray, *,
                 confidence: float = 0.95, min_group_size: int = MIN_GROUP_SIZE, n_resamples: int = 2000,
                 seed: int = 0) -> TestResult:
    """Compare two distributions with Mann-Whitney U; reports medians and an interval for their difference.

    U is the statistic of B (pairs where B is larger). The test asks whether B tends to be larger than A,
    which is not quite the same as "the medians differ": a warning says so when they disagree.
    """
    _check_common(confidence, min_group_size)
    warnings: list[str] = []
    xa, xb = _as_sample(a, "A", warnings), _as_sample(b, "B", warnings)
    n_a, n_b = len(xa), len(xb)
    common = dict(confidence=confidence, min_group_size=min_group_size, warnings=warnings)
    med_a = float(np.median(xa)) if n_a else None
    med_b = float(np.median(xb)) if n_b else None
    if not n_a or not n_b:
        return _result("mann_whitney_u", "median", n_a, n_b, value_a=med_a, value_b=med_b, **common)
    from scipy import stats

    pooled = np.concatenate([xa, xb])
    if np.ptp(pooled) == 0:
        u, p = n_a * n_b / 2, 1.0
        warnings.append("Every value in both groups is the same; there is nothing to compare.")
    else:
        res = stats.mannwhitneyu(xb, xa, alternative="two-sided")
        u, p = float(res.statistic), float(res.pvalue)
    r = 2 * u / (n_a * n_b) - 1
    lo, hi, method = _median_difference_ci(xa, xb, confidence, n_resamples, seed)
    if p < 1 - confidence and (med_b - med_a) * r <= 0:
        warnings.append("The ranks differ although the medians do not move the same way; look at the whole "
                        "distribution, not only the median.")
    return _result("mann_whitney_u", "median", n_a, n_b, value_a=med_a, value_b=med_b, ci_low=lo, ci_high=hi,
                   ci_method=method, statistic=u, p_value=p, effect_size=r, effect_size_name="rank_biserial",
                   **common)


# ---------------------------------------------------------------- category mix


def _as_table(table: Any) -> np.ndarray:
    try:
        t = np.asarray(table, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"The table must hold counts ({exc}).") from exc
    if t.ndim != 2 or t.shape[0] != 2 or t.shape[1] < 1:
        raise InputError("The table must have 2 rows (A, B) and one column per category; "
                         f"got shape {t.shape}.")
    if not np.isfinite(t).all() or (t < 0).any() or not np.equal(np.round(t), t).all():
        raise InputError("The table must hold non-negative whole counts.")
    return t


def chi_square(table: Sequence[Sequence[float]] | np.ndarray, *, categories: Sequence[str] | None = None,
               confidence: float = 0.95, min_group_size: int = MIN_GROUP_SIZE) -> TestResult:
    """Compare the category mix of A (row 0) and B (row 1): Pearson chi-square, Cramer's V.

    ``value_a``/``value_b`` are the shares of the category whose share moved most (named in
    ``category``); the interval is Newcombe's for that share difference. Empty categories are dropped.
    """
    _check_common(confidence, min_group_size)
    t = _as_table(table)
    names = [str(c) for c in categories] if categories is not None else [str(i) for i in range(t.shape[1])]
    if len(names) != t.shape[1]:
        raise InputError(f"{len(names)} category names given for a table with {t.shape[1]} columns.")
    warnings: list[str] = []
    n_a, n_b = int(t[0].sum()), int(t[1].sum())
    common = dict(confidence=confidence, min_group_size=min_group_size, warnings=warnings)
    if not n_a or not n_b:
        return _result("chi_square", "share", n_a, n_b, **common)
    from scipy import stats

    keep = t.sum(axis=0) > 0
    t, names = t[:, keep], [n for n, k in zip(names, keep, strict=True) if k]
    shares = t / t.sum(axis=1, keepdims=True)
    j = int(np.argmax(np.abs(shares[1] - shares[0])))
    lo, hi = _newcombe(t[0, j], n_a, t[1, j], n_b, _z(confidence))
    fields: dict[str, Any] = dict(value_a=shares[0, j], value_b=shares[1, j], category=names[j], ci_low=lo,
                                  ci_high=hi, ci_method="newcombe", effect_size_name="cramers_v")
    if t.shape[1] < 2:
        warnings.append(f"Only one category ({names[0]!r}) occurs, so both groups have the same mix.")
        fields.update(p_value=1.0, effect_size=0.0)
    else:
        chi2, p, _, expected = stats.chi2_contingency(t, correction=False)
        if (expected < 5).mean() > 0.2:
            warnings.append("More than 20% of cells expect fewer than 5 observations; merge rare categories.")
        fields.update(statistic=chi2, p_value=p, effect_size=math.sqrt(chi2 / (n_a + n_b)))
    return _result("chi_square", "share", n_a, n_b, **fields, **common)


# ---------------------------------------------------------------- choosing the test


def _skewness(x: np.ndarray) -> float:
    if len(x) < 3 or np.ptp(x) == 0:
        return 0.0
    from scipy import stats

    return float(stats.skew(x, bias=False))


def _needs_bootstrap(xa: np.ndarray, xb: np.ndarray) -> bool:
    """Cochran's rule: the t test is trustworthy once n > 25 * skewness^2 in each group."""
    if len(xa) + len(xb) > BOOTSTRAP_MAX_N:
        return False
    return any(len(x) < 25 * _skewness(x) ** 2 for x in (xa, xb))


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(v != v)  # NaN
    except TypeError:  # pandas.NA refuses to be a bool
        return True


def _labels(x: Any, name: str, warnings: list[str]) -> list[str]:
    values = list(np.asarray(x, dtype=object).ravel())
    kept = [str(v) for v in values if not _is_missing(v)]
    if len(kept) < len(values):
        warnings.append(f"Group {name}: dropped {len(values) - len(kept)} missing categories.")
    return kept


def _rate_counts(x: Any, name: str, warnings: list[str]) -> tuple[int, int]:
    arr = _as_sample(x, name, warnings)
    if not np.isin(arr, (0.0, 1.0)).all():
        raise InputError(f"A rate needs 0/1 (or False/True) per customer; group {name} has other values such "
                         f"as {arr[~np.isin(arr, (0.0, 1.0))][0]:g}. Use metric_kind='mean' for amounts.")
    return int(arr.sum()), len(arr)


def choose_test(metric_kind: MetricKind, a: Any, b: Any, *, confidence: float = 0.95,
                min_group_size: int = MIN_GROUP_SIZE, seed: int = 0) -> TestResult:
    """Run the right test for the kind of metric; one value per customer in ``a`` and ``b``.

    * ``rate`` (0/1 per customer): two proportions.
    * ``mean`` and ``count`` (orders, visits per customer): Welch's t on the mean, or a bootstrap of the
      mean when a group is too skewed for the t approximation (Cochran's rule, n < 25 * skewness^2) and
      the data are small enough to resample. Counts stay on the mean even when most customers have zero:
      the median of a zero-inflated count is 0 in both groups, so a rank test's verdict could not be
      stated as a difference a marketer can read, while the mean is what adds up to volume.
    * ``median`` and ``duration``: Mann-Whitney U with the difference in medians. Missing durations are
      dropped, so censored customers (not yet churned) are not modelled.
    * ``category`` (a label per customer): chi-square on the category mix.
    """
    common: dict[str, Any] = dict(confidence=confidence, min_group_size=min_group_size)
    warnings: list[str] = []
    if metric_kind == "rate":
        (s_a, n_a), (s_b, n_b) = _rate_counts(a, "A", warnings), _rate_counts(b, "B", warnings)
        result = two_proportions(s_a, n_a, s_b, n_b, **common)
    elif metric_kind in ("mean", "count"):
        xa, xb = _as_sample(a, "A", warnings), _as_sample(b, "B", warnings)
        if _needs_bootstrap(xa, xb):
            warnings.append("The values are too skewed for a t test at this size; used a bootstrap of the "
                            "mean.")
            result = bootstrap_diff(xa, xb, "mean", seed=seed, **common)
        else:
            result = welch_t(xa, xb, **common)
    elif metric_kind in ("median", "duration"):
        result = mann_whitney(a, b, seed=seed, **common)
    elif metric_kind == "category":
        la, lb = _labels(a, "A", warnings), _labels(b, "B", warnings)
        count_a, count_b = Counter(la), Counter(lb)
        cats = sorted(count_a.keys() | count_b.keys())
        table = [[count_a[c] for c in cats], [count_b[c] for c in cats]]
        result = chi_square(np.array(table, dtype=float).reshape(2, len(cats)), categories=cats, **common)
    else:
        raise InputError(f"metric_kind must be one of rate, mean, median, count, duration, category; "
                         f"got {metric_kind!r}.")
    return result.model_copy(update={"warnings": warnings + result.warnings})


# ---------------------------------------------------------------- sample sizes


def _check_design(alpha: float, power: float, ratio: float) -> None:
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise InputError(f"alpha and power must be between 0 and 1; got alpha={alpha}, power={power}.")
    if not ratio > 0:
        raise InputError(f"ratio (treatment size / control size) must be positive; got {ratio}.")


def sample_size_proportions(p_control: float, p_treatment: float, *, alpha: float = 0.05, power: float = 0.8,
                            ratio: float = 1.0, two_sided: bool = True) -> int:
    """Customers needed in the control group to detect p_control -> p_treatment (treatment: ratio x that).

    Classic normal approximation (Fleiss): pooled variance under the null, unpooled under the
    alternative, no continuity correction; rounded up.
    """
    _check_design(alpha, power, ratio)
    if not (0 < p_control < 1 and 0 < p_treatment < 1):
        raise InputError("Both rates must be strictly between 0 and 1.")
    if p_control == p_treatment:
        raise InputError("The two rates are equal; there is no difference to detect.")
    from scipy import stats

    z_a = stats.norm.ppf(1 - alpha / 2 if two_sided else 1 - alpha)
    z_b = stats.norm.ppf(power)
    p1, p2 = p_control, p_treatment
    p_bar = (p1 + ratio * p2) / (1 + ratio)
    root = (z_a * math.sqrt(p_bar * (1 - p_bar) * (1 + 1 / ratio))
            + z_b * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2) / ratio))
    return math.ceil(root**2 / (p1 - p2) ** 2 - 1e-9)


def _t_power(n1: int, d: float, alpha: float, ratio: float, two_sided: bool) -> float:
    from scipy import stats

    n2 = ratio * n1
    df = n1 + n2 - 2
    nc = d * math.sqrt(n1 * n2 / (n1 + n2))
    crit = stats.t.ppf(1 - alpha / 2 if two_sided else 1 - alpha, df)
    power = stats.nct.sf(crit, df, nc)
    return float(power + stats.nct.cdf(-crit, df, nc)) if two_sided else float(power)


def sample_size_means(mean_diff: float, sd: float, *, alpha: float = 0.05, power: float = 0.8,
                      ratio: float = 1.0, two_sided: bool = True) -> int:
    """Customers needed in the control group to detect a mean difference with a t test.

    The smallest n whose power under the noncentral t reaches ``power`` (the treatment group holds
    ``ratio * n``); this is what statsmodels' ``TTestIndPower.solve_power`` solves, rounded up.
    """
    _check_design(alpha, power, ratio)
    if not sd > 0:
        raise InputError(f"sd must be positive; got {sd}.")
    if mean_diff == 0:
        raise InputError("mean_diff is 0; there is no difference to detect.")
    from scipy import stats

    d = abs(mean_diff) / sd
    z_a = stats.norm.ppf(1 - alpha / 2 if two_sided else 1 - alpha)
    floor_n = max(2, math.ceil(1 / ratio))
    n = max(floor_n, math.ceil((z_a + stats.norm.ppf(power)) ** 2 * (1 + 1 / ratio) / d**2))
    while _t_power(n, d, alpha, ratio, two_sided) < power:
        n += 1
    while n > floor_n and _t_power(n - 1, d, alpha, ratio, two_sided) >= power:
        n -= 1
    return n


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
    ci = t["ci"].format(conf=_pct(r.confidence, lang), lo=_num(r.ci_low * 100, dec, lang, True),
                        hi=_num(r.ci_high * 100, dec, lang, True), unit=t["ci_unit"])
    va, vb = (_num(v * 100, dec, lang) + "%" for v in (r.value_a, r.value_b))
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
    p = _p_text(r.p_value, lang)
    value_a = _num(r.value_a * scale, dec, lang) + suffix
    if r.difference == 0:
        if r.significant:
            direction = t["higher"] if (r.effect_size or 0) > 0 else t["lower"]
            return t["shift"].format(direction=direction, p=p, value=value_a, **labels)
        return t["same"].format(plain=plain[0].lower() + plain[1:], value=value_a, p=p, **labels)
    details = [f"{_num(r.value_b * scale, dec, lang) + suffix} {t['vs']} {value_a}"]
    if r.relative_lift is not None:
        lift = r.relative_lift * 100
        details[0] += t["lift"].format(lift=_num(lift, 0 if abs(lift) >= 10 else 1, lang, True) + "%")
    if r.ci_low is not None and r.ci_high is not None:
        details.append(t["ci"].format(conf=_pct(r.confidence, lang),
                                      lo=_num(r.ci_low * scale, dec, lang, True),
                                      hi=_num(r.ci_high * scale, dec, lang, True),
                                      unit=t["ci_unit"] if is_rate else ""))
    details.append(p)
    amount = _num(abs(r.difference) * scale, dec, lang) + (t["points"] if is_rate else "")
    template = t["sig"] if r.significant else t["ns"]
    return template.format(Subject=subject, subject=subject[0].lower() + subject[1:], amount=amount,
                           direction=t["higher"] if r.difference > 0 else t["lower"],
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
