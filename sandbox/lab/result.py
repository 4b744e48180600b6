"""A Lab question and its answer as data, and how an answer shows in Jupyter.

``HypothesisSpec`` is the question (dataset, population, two groups, metric); ``HypothesisResult`` the answer
with both groups, the test, the verdict in words, the dataset's fidelity and the rollout size. Jupyter puts every
output into the notebook page itself, so the HTML here carries inline styles only, and every value is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, Field

from sandbox.lab import i18n
from sandbox.lab.multiplicity import Multiplicity
from sandbox.lab.query import Metric, Population, Split
from sandbox.lab.stats import TestResult

__all__ = ["Group", "HypothesisResult", "HypothesisSpec", "SampleSize", "hypothesis_html"]


class HypothesisSpec(BaseModel):
    """A question for the Lab: which dataset, who, which two groups, what is measured."""

    dataset: str
    population: Population
    split: Split
    metric: Metric
    confidence: float = Field(default=0.95, gt=0, lt=1)

    def fields_used(self) -> list[str]:
        """Every ``table.column`` the question reads, from its filters, split and metric (no repeats)."""
        refs = [f.ref for f in self.population.filters] + [self.split.ref] + self.metric.refs()
        if self.split.pick == "first" and self.split.order_by:
            refs.append(f"{self.split.table}.{self.split.order_by}")
        return list(dict.fromkeys(refs))

    def metric_label(self, lang: str) -> str:
        """What the metric is called in texts."""
        m = self.metric
        if m.name:
            return m.name
        event = m.table + "".join(f" ({f.text()})" for f in m.where)
        return i18n.tr(lang, f"metric.{m.kind}", column=m.column, table=m.table, event=event,
                       start=m.start.ref if m.start else "")

    def labels(self, lang: str) -> tuple[str, str]:
        """How groups A and B are called."""
        s = self.split
        values_b = ", ".join(map(str, s.b))
        below = s.table != self.population.unit and s.pick == "any"
        first = s.pick == "first"
        name_b = "group.first" if first else "group.has" if below else "group.values"
        label_b = s.label_b or i18n.tr(lang, name_b, ref=s.ref, values=values_b)
        if s.label_a:
            label_a = s.label_a
        elif s.a is not None:
            label_a = i18n.tr(lang, name_b, ref=s.ref, values=", ".join(map(str, s.a)))
        else:
            rest = "group.first_rest" if first else "group.has_not" if below else "group.rest"
            label_a = i18n.tr(lang, rest, ref=s.ref, values=values_b)
        return label_a, label_b

    def segment_text(self, lang: str) -> str:
        """The population in words: ``customers where deals.created_at between ...``."""
        unit = self.population.unit
        if not self.population.filters:
            return i18n.tr(lang, "segment.all", unit=unit)
        return i18n.tr(lang, "segment.where", unit=unit,
                       conditions="; ".join(f.text() for f in self.population.filters))


class Group(BaseModel):
    """One group's summary."""

    label: dict[str, str]
    units: int = Field(description="Units of the population in this group.")
    n: int = Field(description="Units with a value of the metric (the test's sample size).")
    value: float | None = Field(description="Rate, mean, median or the moved category's share.")
    sd: float | None = None


class SampleSize(BaseModel):
    """Real customers needed to confirm an effect in a rollout."""

    effect: float | None = Field(description="The difference to detect, in the metric's units (Cramér's V "
                                             "for a category mix).")
    n_a: int | None = None
    n_b: int | None = None
    total: int | None = None
    alpha: float
    power: float
    ratio: float
    method: dict[str, str]


class HypothesisResult(BaseModel):
    """The answer: both groups, the test, the verdict in words, and the rollout size."""

    spec: HypothesisSpec
    source: str
    fidelity: float | None
    population: int = Field(description="Units meeting the population filters (in a group or not).")
    a: Group
    b: Group
    categories: list[str] = Field(default_factory=list)
    test: TestResult
    too_small: bool
    min_group_size: int
    conclusion: dict[str, str]
    metric_label: dict[str, str]
    warnings: dict[str, list[str]]
    sample_size: SampleSize | None
    seconds: float
    multiplicity: Multiplicity | None = Field(default=None, description="This answer among every hypothesis its "
                                              "user answered on the dataset (Holm-adjusted p-value).")

    @property
    def chance(self) -> bool:
        """Significant alone, but not once adjusted for the user's other hypotheses on this dataset."""
        return self.test.significant and self.multiplicity is not None and not self.multiplicity.significant

    def fields_used(self) -> list[str]:
        """Every ``table.column`` the question read."""
        return self.spec.fields_used()

    @property
    def verdict(self) -> str:
        """``too_small``, ``significant`` or ``not_significant``."""
        if self.too_small:
            return "too_small"
        return "significant" if self.test.significant else "not_significant"

    def _repr_html_(self) -> str:
        """How Jupyter shows a result: groups, test and interval, verdict, fidelity caveat, rollout size."""
        return hypothesis_html(self)


# ---------------------------------------------------------------- in Jupyter

_BOX = "border:1px solid {colour};border-radius:6px;padding:8px 12px;margin:4px 0;font-family:system-ui,sans-serif"
COLOURS = {"pass": "#2ca02c", "significant": "#2ca02c", "fail": "#d62728", "not_significant": "#7f7f7f",
            "too_small": "#ff7f0e"}
_CELL = "padding:2px 8px;text-align:left"


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def box(body: str, colour: str = "#bbb") -> str:
    return f"<div style='{_BOX.format(colour=colour)}'>{body}</div>"


def bullet_list(lines: Iterable[str]) -> str:
    items = "".join(f"<li>{esc(line)}</li>" for line in lines)
    return f"<ul style='margin:4px 0'>{items}</ul>" if items else ""


def table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    head = "".join(f"<th style='{_CELL}'>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td style='{_CELL}'>{esc(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def num(value: float | None) -> str:
    return "-" if value is None else f"{value:,.4g}"


def _value(result: HypothesisResult, value: float | None) -> str:
    """A group's value: a share as a percentage, anything else as a number."""
    return share(value) if result.test.measure in ("proportion", "share") else num(value)


def hypothesis_html(result: HypothesisResult, lang: str = "en") -> str:
    """A Lab result: both groups, the test with its interval, the verdict in words, the fidelity caveat and
    the number of real customers a rollout needs."""
    t, spec = result.test, result.spec
    verdict = {"significant": "significant", "not_significant": "not significant",
               "too_small": f"too small to conclude (groups under {result.min_group_size})"}[result.verdict]
    groups = table(("group", "label", "units", "n", t.measure, "sd"),
                    [(g, grp.label.get(lang, ""), f"{grp.units:,}", f"{grp.n:,}", _value(result, grp.value),
                      num(grp.sd)) for g, grp in (("A", result.a), ("B", result.b))])
    shares = t.measure in ("proportion", "share")  # differences of shares are in percentage points
    difference = ("-" if t.difference is None else
                  f"{t.difference * 100:+.1f} points" if shares else f"{t.difference:+,.4g}")
    interval = ("-" if t.ci_low is None or t.ci_high is None else
                f"[{t.ci_low * 100:+.1f}, {t.ci_high * 100:+.1f}] points" if shares else
                f"[{t.ci_low:+,.4g}, {t.ci_high:+,.4g}]")
    test = table(("test", "difference B - A", f"{t.confidence:.0%} interval", "p-value", "effect size"),
                  [(t.test, difference, interval, "-" if t.p_value is None else f"{t.p_value:.3g}",
                    f"{num(t.effect_size)} ({t.effect_size_name})" if t.effect_size is not None else "-")])
    fidelity = ("not measured for this dataset" if result.fidelity is None else
                f"{result.fidelity:.0%} of segment conclusions matched real data at the release gate")
    size = result.sample_size
    rollout = (f"A rollout needs about {size.total:,} real customers ({size.n_a:,} in A, {size.n_b:,} in B) to "
               f"confirm this effect." if size is not None and size.total else "")
    body = (f"<h4 style='margin:0'>{esc(result.metric_label.get(lang, ''))}: {esc(verdict)}</h4>"
            f"<div style='color:#666'>{esc(spec.segment_text(lang))}; dataset {esc(spec.dataset)} "
            f"(source {esc(result.source)})</div>{groups}{test}"
            f"<p style='margin:6px 0'>{esc(result.conclusion.get(lang, ''))}</p>"
            f"<div><b>Fidelity caveat:</b> synthetic data; {esc(fidelity)}.</div>"
            + (f"<div>{esc(rollout)}</div>" if rollout else "") + bullet_list(result.warnings.get(lang, [])))
    return box(body, COLOURS[result.verdict])
