"""How many real customers a rollout needs: the normal-approximation formula for proportions (pooled variance
under H0, unpooled under H1, Fleiss 1981, no continuity correction) and, for means, the smallest n whose power
under the noncentral t distribution reaches the target (what statsmodels' ``TTestIndPower`` solves)."""

from __future__ import annotations

import math

from sandbox.errors import InputError

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
        raise InputError("Both rates must be strictly between 0 and 1.", code="size.rate_bounds")
    if p_control == p_treatment:
        raise InputError("The two rates are equal; there is no difference to detect.", code="size.no_difference")
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
        raise InputError(f"sd must be positive; got {sd}.", code="size.no_variation")
    if mean_diff == 0:
        raise InputError("mean_diff is 0; there is no difference to detect.", code="size.no_difference")
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


