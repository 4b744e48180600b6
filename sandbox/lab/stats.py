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

Which test fits a metric is :mod:`sandbox.lab.choice`; rollout sizes :mod:`sandbox.lab.sizes`; the verdict in
words :mod:`sandbox.lab.verdict`.
"""

from __future__ import annotations

import math
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
    common: dict[str, Any] = dict(confidence=confidence, min_group_size=min_group_size, warnings=warnings)
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
    common: dict[str, Any] = dict(confidence=confidence, min_group_size=min_group_size, warnings=warnings)
    mean_a = _mean(xa) if n_a else None
    mean_b = _mean(xb) if n_b else None
    if n_a < 2 or n_b < 2:
        if n_a and n_b:
            warnings.append("A group has a single observation, so its variance and the t test are undefined.")
        return _result("welch_t", "mean", n_a, n_b, value_a=mean_a, value_b=mean_b, **common)
    from scipy import stats

    va, vb = _variance(xa) / n_a, _variance(xb) / n_b
    se = math.sqrt(va + vb)
    assert mean_a is not None and mean_b is not None  # both groups have two values or more here
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
    common: dict[str, Any] = dict(confidence=confidence, min_group_size=min_group_size, warnings=warnings)
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
    common: dict[str, Any] = dict(confidence=confidence, min_group_size=min_group_size, warnings=warnings)
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
    assert med_a is not None and med_b is not None  # both groups have values here
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
    common: dict[str, Any] = dict(confidence=confidence, min_group_size=min_group_size, warnings=warnings)
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
