"""Test one hypothesis on a published synthetic dataset: group A vs group B on one metric.

``run_hypothesis`` compiles the question (:mod:`sandbox.lab.query`), lets DuckDB compute one value per
unit (or only counts, for rates and category mixes), runs the test that fits the metric
(:mod:`sandbox.lab.stats`), and words the verdict in English and Russian with the dataset's fidelity
caveat. Groups under the workspace's ``min_group_size`` get "too small to conclude" instead of a verdict.
``sample_size`` turns the effect into the number of real customers a rollout needs to confirm it.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from sandbox.db import one
from sandbox.errors import InputError
from sandbox.governance import audit
from sandbox.governance.access import User
from sandbox.lab import i18n, sizes, verdict
from sandbox.lab.choice import choose_test
from sandbox.lab.data import connect, run_sql
from sandbox.lab.multiplicity import family
from sandbox.lab.query import compile_population_size, compile_units, validate
from sandbox.lab.result import Group, HypothesisResult, HypothesisSpec, SampleSize
from sandbox.lab.stats import MetricKind, TestResult, chi_square, two_proportions
from sandbox.progress import Progress, silent
from sandbox.workspace import Workspace

__all__ = ["Group", "HypothesisResult", "HypothesisSpec", "SampleSize", "run_hypothesis", "sample_size"]

_STATS_KIND: dict[str, MetricKind] = {"rate": "rate", "churn": "rate", "mean": "mean", "median": "median",
                                      "count": "count", "duration": "duration", "category": "category"}
_MANN_WHITNEY_EFFICIENCY = 3 / math.pi  # asymptotic relative efficiency vs the t test on normal data


# ---------------------------------------------------------------- running


def _values(con: Any, sql: str, params: dict[str, Any]) -> dict[str, np.ndarray]:
    data = run_sql(con, f"SELECT grp, val FROM ({sql}) t WHERE val IS NOT NULL", params).fetchnumpy()
    grp, val = np.asarray(data["grp"], dtype=object), np.asarray(data["val"], dtype=float)
    return {g: val[grp == g] for g in ("A", "B")}


def _compare(con: Any, spec: HypothesisSpec, sql: str, params: dict[str, Any],
             minimum: int) -> tuple[TestResult, dict[str, float | None], list[str]]:
    """The test, each group's standard deviation, and the categories (category mix only)."""
    common: dict[str, Any] = dict(confidence=spec.confidence, min_group_size=minimum)
    kind = _STATS_KIND[spec.metric.kind]
    if kind == "rate":
        found = run_sql(con, f"SELECT grp, count(*), coalesce(sum(val), 0) FROM ({sql}) t GROUP BY 1",
                        params).fetchall()
        counts = {"A": (0, 0), "B": (0, 0)} | {g: (int(n), int(s)) for g, n, s in found}
        (n_a, s_a), (n_b, s_b) = counts["A"], counts["B"]
        sd = {g: math.sqrt(s / n * (1 - s / n)) if n else None for g, (n, s) in counts.items()}
        return two_proportions(s_a, n_a, s_b, n_b, **common), sd, []
    if kind == "category":
        found = run_sql(con, f"SELECT grp, val, count(*) FROM ({sql}) t WHERE val IS NOT NULL GROUP BY 1, 2",
                        params).fetchall()
        cats = sorted({str(v) for _, v, _ in found})
        table = np.zeros((2, len(cats)))
        for g, v, n in found:
            table[0 if g == "A" else 1, cats.index(str(v))] = n
        return chi_square(table, categories=cats or None, **common), {"A": None, "B": None}, cats
    values = _values(con, sql, params)
    sd = {g: float(np.std(v, ddof=1)) if len(v) > 1 else None for g, v in values.items()}
    return choose_test(kind, values["A"], values["B"], **common), sd, []


def run_hypothesis(ws: Workspace, user: User, spec: HypothesisSpec | dict[str, Any], *,
                   progress: Progress = silent) -> HypothesisResult:
    """Answer ``spec`` on its published synthetic dataset (audited as ``lab.query``)."""
    spec = spec if isinstance(spec, HypothesisSpec) else HypothesisSpec.model_validate(spec)
    started = time.perf_counter()
    minimum = ws.settings.min_group_size
    progress("query", 0, 3)
    with connect(ws, user, spec.dataset) as (con, structure, info):
        validate(con, structure, spec.population, spec.split, spec.metric)
        sql, params = compile_units(structure, spec.population, spec.split, spec.metric)
        population = one(run_sql(con, *compile_population_size(structure, spec.population)))[0]
        found = run_sql(con, f"SELECT grp, count(*), count(val) FROM ({sql}) t GROUP BY 1", params).fetchall()
        units = {g: (0, 0) for g in ("A", "B")} | {g: (int(u), int(n)) for g, u, n in found}
        progress("test", 1, 3)
        test, sd, cats = _compare(con, spec, sql, params, minimum)
        above = spec.split.table in structure.chain(spec.population.unit)[1:]
    progress("conclusion", 2, 3)
    result = _result(spec, info.source, info.fidelity, population, units, test, sd, cats, minimum,
                     time.perf_counter() - started)
    p_value = test.p_value if not test.too_small and test.p_value is not None and math.isfinite(test.p_value) \
        else None
    asked = spec.model_dump(mode="json")
    with ws.governance() as g:  # one connection: the earlier answers are read, then this one is recorded
        result.multiplicity = family(g, user, spec.dataset, asked, p_value, spec.confidence)
        audit.record(g, user, "lab.query", spec.dataset, details={
            "kind": "hypothesis", "spec": asked, "n_a": test.n_a, "n_b": test.n_b, "verdict": result.verdict,
            "p": p_value, "fields": result.fields_used()})
    if above and not test.too_small:  # a whole customer's deals land in one group: no independent evidence
        for lang in i18n.LANGS:
            result.warnings[lang].append(i18n.tr(lang, "warn.clustered", unit=spec.population.unit,
                                                 parent=spec.split.table))
    if result.chance:
        for lang in i18n.LANGS:
            note = i18n.tr(lang, "warn.chance", m=result.multiplicity.tests,
                           p=i18n.number(result.multiplicity.adjusted_p, lang, 3))
            result.multiplicity.note[lang] = note
            result.warnings[lang].append(note)
    progress("done", 3, 3)
    return result


def _result(spec: HypothesisSpec, source: str, fidelity: float | None, population: int,
            units: dict[str, tuple[int, int]], test: TestResult, sd: dict[str, float | None], cats: list[str],
            minimum: int, seconds: float) -> HypothesisResult:
    labels = {lang: spec.labels(lang) for lang in i18n.LANGS}
    metric = {lang: spec.metric_label(lang) for lang in i18n.LANGS}
    conclusion, warnings = {}, {}
    for lang in i18n.LANGS:
        conclusion[lang] = verdict.conclusion(test, fidelity, lang, label_a=labels[lang][0], label_b=labels[lang][1],
                                   metric=metric[lang] if spec.metric.kind != "category" else None)
        missing = [i18n.tr(lang, "warn.missing", n=units[g][0] - units[g][1], g=g)
                   for g in ("A", "B") if units[g][0] > units[g][1] and spec.metric.kind != "rate"]
        warnings[lang] = missing + [i18n.warning(w, lang) for w in test.warnings]
    groups = {g: Group(label={lang: labels[lang][i] for lang in i18n.LANGS}, units=units[g][0],
                       n=test.n_a if g == "A" else test.n_b,
                       value=test.value_a if g == "A" else test.value_b, sd=sd[g])
              for i, g in enumerate(("A", "B"))}
    result = HypothesisResult(spec=spec, source=source, fidelity=fidelity, population=population, a=groups["A"],
                              b=groups["B"], categories=cats, test=test, too_small=test.too_small,
                              min_group_size=minimum, conclusion=conclusion, metric_label=metric,
                              warnings=warnings, sample_size=None, seconds=seconds)
    try:
        result.sample_size = sample_size(result)
    except InputError:
        result.sample_size = None
    return result


# ---------------------------------------------------------------- rollout size


def _chi_square_n(w: float, df: int, alpha: float, power: float) -> int:
    """Total sample size for a chi-square test of effect size w (Cohen) with ``df`` degrees of freedom."""
    from scipy import optimize, stats

    crit = stats.chi2.ppf(1 - alpha, df)

    def gap(n: float) -> float:
        return float(stats.ncx2.sf(crit, df, n * w * w)) - power

    high = 10.0
    while gap(high) < 0:
        high *= 2
    return math.ceil(optimize.brentq(gap, 1e-6, high))


def sample_size(result: HypothesisResult, *, effect: float | None = None, power: float = 0.8,
                alpha: float | None = None, ratio: float = 1.0) -> SampleSize:
    """Real units needed to confirm ``effect`` (default: the difference seen on synthetic data).

    ``ratio`` is the size of group B over group A; ``alpha`` defaults to 1 - the result's confidence.
    Rates use the two-proportion formula, means and counts the t test, medians and durations the t test
    divided by the Mann-Whitney efficiency 3/π, category mixes the chi-square power with Cramér's V.
    """
    alpha = 1 - result.spec.confidence if alpha is None else alpha
    kind = _STATS_KIND[result.spec.metric.kind]
    t = result.test
    method_key = {"rate": "power.rate", "mean": "power.mean", "count": "power.mean", "median": "power.median",
                  "duration": "power.median", "category": "power.category"}[kind]
    effect = (t.effect_size if kind == "category" else t.difference) if effect is None else effect
    words = {lang: i18n.tr(lang, method_key, alpha=i18n.percent(alpha, lang, 0), power=i18n.percent(power, lang, 0))
             for lang in i18n.LANGS}
    base: dict[str, Any] = dict(effect=effect, alpha=alpha, power=power, ratio=ratio, method=words)
    if not effect:
        return SampleSize(**{**base, "method": {lang: i18n.tr(lang, "power.none") for lang in i18n.LANGS}})
    if kind == "rate":
        if t.value_a is None:
            raise InputError("group A has no rate to start from", code="size.no_rate")
        n_a = sizes.sample_size_proportions(t.value_a, t.value_a + effect, alpha=alpha, power=power, ratio=ratio)
    elif kind == "category":
        total = _chi_square_n(abs(effect), max(1, len(result.categories) - 1), alpha, power)
        n_a = math.ceil(total / (1 + ratio))
    else:
        sds = [g.sd for g in (result.a, result.b) if g.sd]
        if not sds:
            raise InputError("the groups do not vary, so no sample size can be computed", code="size.no_variation")
        n_a = sizes.sample_size_means(effect, math.sqrt(sum(s * s for s in sds) / len(sds)), alpha=alpha, power=power,
                                ratio=ratio)
        if kind in ("median", "duration"):
            n_a = math.ceil(n_a / _MANN_WHITNEY_EFFICIENCY)
    n_b = math.ceil(n_a * ratio)
    return SampleSize(**base, n_a=n_a, n_b=n_b, total=n_a + n_b)
