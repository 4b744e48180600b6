"""Seeded samples and checks shared by the Lab's statistics tests (stats, choice, verdict)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

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
