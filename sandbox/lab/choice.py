"""Which test fits a metric and the data: rates by two proportions, means by Welch's t (or a bootstrap on very
skewed data), medians by Mann-Whitney, category mixes by chi-square (see :mod:`sandbox.lab.stats`)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from sandbox.errors import InputError
from sandbox.lab.stats import (
    BOOTSTRAP_MAX_N,
    MIN_GROUP_SIZE,
    MetricKind,
    TestResult,
    _as_sample,
    bootstrap_diff,
    chi_square,
    mann_whitney,
    two_proportions,
    welch_t,
)

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


