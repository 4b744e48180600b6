"""The Hypothesis Lab's builder and result view: widgets in, a ``HypothesisSpec`` out; a result in, charts out.

All statistics come from :mod:`sandbox.lab.hypothesis`; this module only arranges widgets and words.
"""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots
from pydantic import ValidationError

from sandbox.errors import InputError
from sandbox.governance.access import User
from sandbox.lab.data import DatasetSchema
from sandbox.lab.hypothesis import HypothesisResult, HypothesisSpec, SampleSize, sample_size
from sandbox.lab.proposals import ProposalForm
from sandbox.lab.query import Filter, Metric, MetricKind, Population, Ref, Split
from sandbox.lab.stats import WEAK_FIDELITY
from sandbox.ui.error_words import said as error_words
from sandbox.ui.i18n import lang, num, or_none, pct, percent_words, plot_separators, t, words
from sandbox.ui.lab_widgets import (
    columns_of,
    filter_editor,
    is_missing,
    likely_positive,
    value_input,
    values_picker,
)
from sandbox.workspace import Workspace

KINDS: tuple[MetricKind, ...] = ("rate", "churn", "mean", "median", "count", "duration", "category")
GUARDRAILS = ("unsubscribe", "complaints", "churn", "discount_cost")
CHANNELS = ("email", "sms", "phone", "push", "web", "store", "mail")


def _index(options: list[str], wanted: str | None) -> int:
    return options.index(wanted) if wanted in options else 0


class _Builder:
    """Reads the builder's widgets; ``problems`` collects what is still missing, in the UI language."""

    def __init__(self, ws: Workspace, user: User, dataset: str, sch: DatasetSchema,
                 target: tuple[str, str, Any] | None) -> None:
        self.ws, self.user, self.dataset, self.sch, self.target = ws, user, dataset, sch, target
        self.structure = sch.structure()
        self.tables = [tb.name for tb in sch.tables]
        self.problems: list[str] = []

    def below(self, unit: str, table: str) -> bool:
        return bool(self.structure.route(unit, table)[1])

    def above(self, unit: str) -> list[str]:
        return self.structure.chain(unit)

    def population(self) -> Population:
        st.subheader(t("lab.population"))
        default = self.target[0] if self.target else None
        unit = st.selectbox(t("lab.unit"), self.tables, index=_index(self.tables, default), key="lab_unit",
                            help=t("lab.unit_help"))
        filters = filter_editor(self.ws, self.user, self.dataset, self.sch, self.tables, "lab_pop")
        return Population(unit=unit, filters=filters)

    def split(self, unit: str) -> Split | None:
        st.subheader(t("lab.split"))
        left, right = st.columns(2)
        table = left.selectbox(t("lab.split_table"), self.tables, index=_index(self.tables, unit),
                               key=f"lab_split_table_{unit}")
        names = columns_of(self.sch, table, "categorical") + columns_of(self.sch, table, "numeric")
        target_col = self.target[1] if self.target and self.target[0] == table else None
        candidates = [c for c in names if c != target_col] or names
        if not candidates:
            self.problems.append(t("lab.need_column"))
            return None
        column = right.selectbox(t("lab.split_column"), candidates, key=f"lab_split_column_{table}")
        b = values_picker(self.ws, self.user, self.dataset, self.sch, table, column, t("lab.group_b"),
                          key=f"lab_b_{table}_{column}", default_first=True)
        mode = st.radio(t("lab.compare_with"), ["rest", "values"], format_func=words("lab.compare."),
                        horizontal=True, key="lab_compare")
        a = None
        if mode == "values":
            a = values_picker(self.ws, self.user, self.dataset, self.sch, table, column, t("lab.group_a"),
                              key=f"lab_a_{table}_{column}")
            if not a:
                self.problems.append(t("lab.need_a"))
        pick = "any"
        if self.below(unit, table):
            pick = st.radio(t("lab.pick"), ["any", "first"], format_func=words("lab.pick."),
                            horizontal=True, key="lab_pick")
        if not b:
            self.problems.append(t("lab.need_b"))
            return None
        if a is not None and not a:
            return None
        return Split(table=table, column=column, b=b, a=a, pick=pick)

    def _condition(self, table: str, label: str, key: str, optional: bool = False) -> list[Filter]:
        """Column = value on ``table`` (the target by default); optional ones start at "(none)"."""
        names = columns_of(self.sch, table, "categorical") + columns_of(self.sch, table, "numeric")
        if optional:
            names = ["", *names]
        target = self.target if self.target is not None and self.target[0] == table else None
        default = target[1] if target is not None and not optional else None
        left, right = st.columns(2)
        column = left.selectbox(label, names, index=_index(names, default), key=f"{key}_column_{table}",
                                format_func=or_none())
        if not column:
            return []
        positive = target[2] if target is not None and column == target[1] else None
        if positive is None:
            positive = likely_positive(self.ws, self.user, self.dataset, table, column)
        with right:
            value = value_input(self.ws, self.user, self.dataset, self.sch, table, column, "=",
                                key=f"{key}_{table}_{column}", label=t("lab.success_value"), default=positive)
        if is_missing(value):
            self.problems.append(t("lab.need_value"))
            return []
        return [Filter(table=table, column=column, value=value)]

    def _table(self, options: list[str], key: str, default: str | None = None) -> str | None:
        if not options:
            self.problems.append(t("lab.need_table"))
            return None
        return st.selectbox(t("lab.metric_table"), options, index=_index(options, default), key=key)

    def metric(self, unit: str) -> Metric | None:
        st.subheader(t("lab.metric"))
        kind = st.selectbox(t("lab.metric_kind"), KINDS, format_func=words("kind."), key="lab_metric_kind")
        target_table = self.target[0] if self.target else unit
        try:
            return self._metric(kind, unit, target_table)
        except ValidationError:
            self.problems.append(t("lab.need_value"))
            return None

    def _metric(self, kind: MetricKind, unit: str, target_table: str) -> Metric | None:
        below = [tb for tb in self.tables if tb != unit and self.below(unit, tb)]
        if kind in ("rate", "churn"):
            table = self._table(self.tables, "lab_m_rate_table", target_table)
            label = t("lab.success_column" if kind == "rate" else "lab.churn_column")
            where = self._condition(table, label, "lab_m_rate") if table else []
            return Metric(kind=kind, table=table, where=where) if where else None
        if kind in ("mean", "median"):
            table = self._table([tb for tb in self.tables if columns_of(self.sch, tb, "numeric")],
                                "lab_m_num_table", target_table)
            if table is None:
                return None
            column = st.selectbox(t("lab.metric_column"), columns_of(self.sch, table, "numeric"),
                                  key=f"lab_m_num_column_{table}")
            agg = "sum"
            if self.below(unit, table):
                agg = st.radio(t("lab.agg"), ["sum", "mean"], format_func=words("lab.agg."),
                               horizontal=True, key="lab_m_agg")
            return Metric(kind=kind, table=table, column=column, agg=agg)
        if kind == "count":
            table = self._table(below, "lab_m_count_table")
            if table is None:
                return None
            where = self._condition(table, t("lab.only_where"), "lab_m_count", optional=True)
            return Metric(kind="count", table=table, where=where)
        if kind == "duration":
            return self._duration(unit, below, target_table)
        options = [tb for tb in self.above(unit) if columns_of(self.sch, tb, "categorical")]
        table = self._table(options, "lab_m_cat_table")
        if table is None:
            return None
        column = st.selectbox(t("lab.metric_column"), columns_of(self.sch, table, "categorical"),
                              key=f"lab_m_cat_column_{table}")
        return Metric(kind="category", table=table, column=column)

    def _duration(self, unit: str, below: list[str], target_table: str) -> Metric | None:
        starts = [f"{tb}.{c}" for tb in self.above(unit) for c in columns_of(self.sch, tb, "temporal")]
        events = [tb for tb in [unit, *below] if columns_of(self.sch, tb, "temporal")]
        if not starts or not events:
            self.problems.append(t("lab.need_column"))
            return None
        start = st.selectbox(t("lab.start"), starts, key="lab_m_start")
        table = self._table(events, "lab_m_event_table", target_table)
        if table is None:
            return None
        column = st.selectbox(t("lab.event_date"), columns_of(self.sch, table, "temporal"),
                              key=f"lab_m_event_column_{table}")
        where = self._condition(table, t("lab.only_where"), "lab_m_event", optional=True)
        start_table, start_column = start.split(".", 1)
        return Metric(kind="duration", table=table, column=column, where=where,
                      start=Ref(table=start_table, column=start_column))


def build_spec(ws: Workspace, user: User, dataset: str, sch: DatasetSchema,
               target: tuple[str, str, Any] | None) -> HypothesisSpec | None:
    """Draw the builder and return its hypothesis, or None (saying what is still missing) while incomplete."""
    b = _Builder(ws, user, dataset, sch, target)
    population = b.population()
    left, right = st.columns(2, gap="large")
    with left:
        split = b.split(population.unit)
    with right:
        metric = b.metric(population.unit)
        confidence = st.select_slider(t("lab.confidence"), [0.8, 0.9, 0.95, 0.99], value=0.95,
                                      format_func=percent_words(), key="lab_confidence")
    if b.problems or split is None or metric is None:
        st.info(t("lab.invalid", problems=" ".join(dict.fromkeys(b.problems))))
        return None
    return HypothesisSpec(dataset=dataset, population=population, split=split, metric=metric,
                          confidence=confidence)


# ---------------------------------------------------------------- the result


def _is_share(result: HypothesisResult) -> bool:
    return result.spec.metric.kind in ("rate", "churn", "category")


def value_text(result: HypothesisResult, value: float | None) -> str:
    """A group's value: a percentage for rates and shares, days for durations, else a number."""
    if value is None:
        return "-"
    if _is_share(result):
        return pct(value)
    if result.spec.metric.kind == "duration":
        return num(value, 1) + t("unit.days")
    return num(value, 2)


def difference_text(result: HypothesisResult, value: float | None) -> str:
    """A difference: percentage points for rates and shares."""
    if value is None:
        return "-"
    if _is_share(result):
        return num(value * 100, 1, sign=True) + t("unit.pp")
    return num(value, 2, sign=True) + (t("unit.days") if result.spec.metric.kind == "duration" else "")


def effect_chart(result: HypothesisResult) -> go.Figure:
    """Left: each group's value; right: the difference B - A with its confidence interval around zero."""
    code, test = lang(), result.test
    scale = 100 if _is_share(result) else 1
    conf = pct(test.confidence, 0)
    fig = make_subplots(rows=1, cols=2, column_widths=[0.5, 0.5],
                        subplot_titles=(t("lab.chart_values"), t("lab.chart_difference", conf=conf)))
    names = [f"A: {result.a.label[code]}", f"B: {result.b.label[code]}"]
    values = [(v or 0) * scale for v in (result.a.value, result.b.value)]
    fig.add_trace(go.Bar(x=names, y=values, marker_color=["#9aa5b1", "#2f6fde"],
                         text=[value_text(result, v) for v in (result.a.value, result.b.value)],
                         textposition="outside", showlegend=False), row=1, col=1)
    if test.difference is not None:
        lo, hi = test.ci_low, test.ci_high
        error = None if lo is None or hi is None else dict(
            type="data", symmetric=False, array=[(hi - test.difference) * scale],
            arrayminus=[(test.difference - lo) * scale], thickness=3, width=12)
        colour = "#1b9e4b" if test.significant and not result.too_small else "#6b7280"
        fig.add_trace(go.Scatter(x=[test.difference * scale], y=[t("lab.difference")], mode="markers",
                                 marker=dict(size=14, color=colour), error_x=error, showlegend=False,
                                 text=[difference_text(result, test.difference)], hoverinfo="text"), row=1, col=2)
        fig.add_vline(x=0, line_dash="dash", line_color="#d14343", row=1, col=2)
    fig.update_layout(height=340, margin=dict(l=10, r=10, t=40, b=10), separators=plot_separators())
    return fig


def _details(result: HypothesisResult) -> dict[str, str]:
    test, code = result.test, lang()
    effect = "-" if test.effect_size is None else f"{num(test.effect_size, 3)} ({t(f'effect.{test.effect_size_name}')})"
    p_value = "-" if test.p_value is None else ("< 0,001" if code == "ru" else "< 0.001") if test.p_value < 0.001 \
        else num(test.p_value, 3)
    return {
        t("lab.test"): t(f"test.{test.test}"),
        t("lab.p_value"): p_value,
        t("lab.statistic"): num(test.statistic, 3) if test.statistic is not None else "-",
        t("lab.effect_size"): effect,
        t("lab.population_size"): num(result.population),
        t("lab.in_groups"): f"{num(result.a.n)} / {num(result.b.n)}",
        t("lab.seconds"): num(result.seconds, 2) + (" с" if code == "ru" else " s"),
    }


def show_result(result: HypothesisResult) -> None:
    """The verdict, both groups, the difference, the effect chart and the test's details."""
    code, test = lang(), result.test
    st.subheader(t("lab.result"))
    trusted = result.fidelity is not None and result.fidelity >= WEAK_FIDELITY
    box = st.warning if result.too_small else st.success if test.significant and trusted and not result.chance \
        else st.info
    box(result.conclusion[code])
    if result.chance and result.multiplicity is not None:  # also among the notes below; here it must not be missed
        st.warning(result.multiplicity.note[code])
    cols = st.columns(3)
    for col, name, group in ((cols[0], "A", result.a), (cols[1], "B", result.b)):
        col.metric(f"{t('lab.group', g=name)}: {group.label[code]}", value_text(result, group.value),
                   help=t("lab.n", n=num(group.n)))
        col.caption(t("lab.n", n=num(group.n)))
    cols[2].metric(t("lab.difference"), difference_text(result, test.difference))
    if test.ci_low is not None and test.ci_high is not None:
        cols[2].caption(t("lab.ci", conf=pct(test.confidence, 0), lo=difference_text(result, test.ci_low),
                          hi=difference_text(result, test.ci_high)))
    if result.too_small:
        st.warning(t("lab.too_small", n=num(result.min_group_size)))
    st.plotly_chart(effect_chart(result), width="stretch", key="lab_effect_chart")
    with st.expander(t("lab.details")):
        st.table({t("lab.details"): _details(result)})
    if result.warnings[code]:
        st.caption(t("lab.warnings") + ": " + " ".join(result.warnings[code]))
    st.caption(t("lab.fields", fields=", ".join(result.fields_used())))


def smallest_effect_default(observed: float | None, scale: float) -> float:
    """A starting point for the smallest effect worth detecting: half the difference seen on synthetic data
    (the observed size is the most optimistic one), in the input's units, rounded to two significant digits."""
    half = abs(observed or 0.0) * scale / 2
    if half == 0:
        return 0.0
    digits = 1 - math.floor(math.log10(half))
    return math.copysign(round(half, digits), observed or 1.0)


def channel_of(result: HypothesisResult) -> str:
    """The channel the hypothesis is about: a value of its split or filters naming one, else e-mail."""
    spec = result.spec
    values = [*spec.split.b, *(spec.split.a or []), *(f.value for f in spec.population.filters)]
    named = [str(v).strip().lower() for v in values if isinstance(v, str)]
    return next((c for c in named if c in CHANNELS), CHANNELS[0])


def power_calculator(result: HypothesisResult) -> SampleSize | None:
    """Power, significance, allocation and effect in; real units per group out."""
    st.subheader(t("lab.power"))
    st.caption(t("lab.power_intro"))
    cols = st.columns(4)
    power = cols[0].select_slider(t("lab.power_level"), [0.8, 0.85, 0.9, 0.95], value=0.8,
                                  format_func=percent_words(), key="lab_power")
    alpha = cols[1].selectbox(t("lab.alpha"), [0.05, 0.01, 0.1], format_func=percent_words(), key="lab_alpha")
    ratio = cols[2].number_input(t("lab.ratio"), min_value=0.1, max_value=10.0, value=1.0, step=0.1,
                                 key="lab_ratio")
    share = _is_share(result) and result.spec.metric.kind != "category"
    observed = result.test.effect_size if result.spec.metric.kind == "category" else result.test.difference
    effect = cols[3].number_input(t("lab.effect_pp") if share else t("lab.effect"),
                                  value=smallest_effect_default(observed, 100 if share else 1),
                                  format="%.4g", key=f"lab_effect_{id(result)}")
    seen = num(observed or 0, 3) if result.spec.metric.kind == "category" else difference_text(result, observed)
    st.caption(t("lab.effect_seen", seen=seen))
    try:
        size = sample_size(result, effect=effect / 100 if share else effect, power=power, alpha=alpha, ratio=ratio)
    except InputError as exc:
        said = error_words(exc)
        st.info(t("lab.power_none", reason=said[:1].lower() + said[1:]))  # the reason goes on after a colon
        return None
    if size.total is None:
        st.info(size.method[lang()])
        return size
    out = st.columns(3)
    out[0].metric(t("lab.power_a"), num(size.n_a))
    out[1].metric(t("lab.power_b"), num(size.n_b))
    out[2].metric(t("lab.power_total"), num(size.total))
    st.caption(size.method[lang()])
    return size


def proposal_form(result: HypothesisResult, size: SampleSize | None) -> ProposalForm | None:
    """The save-as-proposal form; returns the filled form when submitted and complete."""
    st.subheader(t("lab.save"))
    st.caption(t("lab.save_intro"))
    code = lang()
    with st.form("lab_proposal"):
        title = st.text_input(t("lab.title_field"), key="lab_p_title")
        change = st.text_input(t("lab.change"), key="lab_p_change")
        segment = st.text_input(t("lab.segment_field"), value=result.b.label[code], key="lab_p_segment")
        outcome = st.text_input(t("lab.outcome"), key="lab_p_outcome")
        first = result.conclusion[code].split(". ")[0]
        reason = st.text_input(t("lab.reason"), value=first[:1].lower() + first[1:], key="lab_p_reason")
        guards = st.multiselect(t("lab.guardrails"), GUARDRAILS, format_func=words("guard."),
                                placeholder=t("common.choose_many"),
                                key="lab_p_guards")
        more = st.text_input(t("lab.guardrails_more"), key="lab_p_guards_more")
        left, right = st.columns(2)
        channel = left.selectbox(t("lab.channel"), CHANNELS, format_func=words("channel."),
                                 index=CHANNELS.index(channel_of(result)), key=f"lab_p_channel_{id(result)}")
        audience = right.number_input(t("lab.audience", unit=result.spec.population.unit), min_value=1, step=100,
                                      value=int(size.total) if size and size.total else 1000, key="lab_p_audience")
        third = st.text_input(t("lab.third_party"), key="lab_p_third")
        message = st.text_area(t("lab.message"), key="lab_p_message")
        st.caption(t("lab.segment_def", text=result.spec.segment_text(code) + "; " + result.b.label[code]))
        st.caption(t("lab.fields", fields=", ".join(result.fields_used())))
        submitted = st.form_submit_button(t("lab.submit"), type="primary")
    if not submitted:
        return None
    texts = {"lab.title_field": title, "lab.change": change, "lab.segment_field": segment,
             "lab.outcome": outcome, "lab.reason": reason}
    empty = [t(k) for k, v in texts.items() if not v.strip()]
    if empty:
        st.error(t("lab.required", fields="; ".join(empty)))
        return None
    return ProposalForm(title=title, change=change, segment=segment, outcome=outcome, reason=reason,
                        guardrail_metrics=[t(f"guard.{g}") for g in guards] + [m.strip() for m in more.split(",")],
                        channel=channel, audience_size=int(audience), third_parties=[third] if third.strip() else [],
                        message=message, lang=code)


def target_of(report: dict[str, Any]) -> tuple[str, str, Any] | None:
    """The dataset's fidelity target (``deals``, ``stage``, ``won``) from its gate report, if any."""
    fidelity = report.get("fidelity") or {}
    target, positive = fidelity.get("target"), fidelity.get("positive")
    if not target or "." not in target:
        return None
    table, column = target.split(".", 1)
    return table, column, positive
