"""Which test the Lab runs for each kind of metric, and what it refuses."""

from __future__ import annotations

import numpy as np
import pytest

from sandbox.errors import InputError
from sandbox.lab import choice
from sandbox.lab import stats as lab
from tests.lab_samples import (
    SAMPLES,
    SKEWED_A,
    SKEWED_B,
)

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
