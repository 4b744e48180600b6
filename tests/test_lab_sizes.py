"""Rollout sample sizes against the textbook formula and statsmodels."""

from __future__ import annotations

import math

import pytest
from scipy import stats as sps
from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.proportion import (
    proportion_effectsize,
)

from sandbox.errors import InputError
from sandbox.lab import sizes

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
